/* Helper functions with the Linux kernel's semantics for XDP programs.
 * Each takes r1..r5 and returns r0; pointer arguments are model addresses,
 * translated (and bounds-checked) before use. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime_int.h"

#define HELPER(name)                                                                            \
    static uint64_t name(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,       \
                         uint64_t r5)
#define UNUSED_ARGS(...) (void)vm, (void)r1, (void)r2, (void)r3, (void)r4, (void)r5

static ebpf_core *core_of(ebpf_vm *vm) { return ebpf_vm_user(vm); }

/* The map behind a handle from lddw map_fd, or NULL after raising a fault. */
static struct obj_map *map_arg(ebpf_vm *vm, uint64_t handle, const char *helper)
{
    ebpf_core *core = core_of(vm);
    if (!core || (handle >> 32) != EBPF_REGION_MAPS || (uint32_t)handle >= core->obj->n_maps) {
        ebpf_vm_helper_fault(vm, "%s: 0x%" PRIx64 " is not a map", helper, handle);
        return NULL;
    }
    return &core->obj->maps[(uint32_t)handle];
}

static void *mem_arg(ebpf_vm *vm, uint64_t addr, uint64_t size, unsigned perm, const char *helper,
                     const char *what)
{
    void *p = ebpf_vm_translate(vm, addr, size, perm);
    if (!p)
        ebpf_vm_helper_fault(vm, "%s: %s 0x%" PRIx64 " (%" PRIu64 " bytes) is not %s memory",
                             helper, what, addr, size, perm & EBPF_MEM_WRITE ? "writable" : "readable");
    return p;
}

/* Model address of a host pointer inside a map's storage. */
static uint64_t value_addr(const struct obj_map *m, const void *p)
{
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m->map, &base, &size);
    return ebpf_addr(m->region, (uint32_t)((const uint8_t *)p - base));
}

static bool is_map_of_maps(uint32_t type)
{
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

HELPER(h_map_lookup_elem)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r1, "bpf_map_lookup_elem");
    if (!m)
        return 0;
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    const void *key = mem_arg(vm, r2, spec->key_size, EBPF_MEM_READ, "bpf_map_lookup_elem", "key");
    if (!key)
        return 0;
    void *v = ebpf_map_lookup(m->map, key, core_of(vm)->cpu);
    if (!v)
        return 0;
    if (is_map_of_maps(spec->type)) {
        uint32_t inner;
        memcpy(&inner, v, sizeof(inner));
        return ebpf_addr(EBPF_REGION_MAPS, inner);
    }
    return value_addr(m, v);
}

HELPER(h_map_lookup_percpu_elem)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r1, "bpf_map_lookup_percpu_elem");
    if (!m)
        return 0;
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    const void *key =
        mem_arg(vm, r2, spec->key_size, EBPF_MEM_READ, "bpf_map_lookup_percpu_elem", "key");
    if (!key || r3 >= ebpf_map_n_cpus(m->map))
        return 0;
    void *v = ebpf_map_lookup(m->map, key, (unsigned)r3);
    return v ? value_addr(m, v) : 0;
}

HELPER(h_map_update_elem)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r1, "bpf_map_update_elem");
    if (!m)
        return 0;
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    const void *key = mem_arg(vm, r2, spec->key_size, EBPF_MEM_READ, "bpf_map_update_elem", "key");
    const void *val =
        key ? mem_arg(vm, r3, spec->value_size, EBPF_MEM_READ, "bpf_map_update_elem", "value")
            : NULL;
    if (!val)
        return 0;
    if (m->rdonly_prog)
        return (uint64_t)(int64_t)-EPERM;
    return (uint64_t)(int64_t)ebpf_map_update(m->map, key, val, r4, core_of(vm)->cpu);
}

HELPER(h_map_delete_elem)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r1, "bpf_map_delete_elem");
    if (!m)
        return 0;
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    const void *key = mem_arg(vm, r2, spec->key_size, EBPF_MEM_READ, "bpf_map_delete_elem", "key");
    if (!key)
        return 0;
    return (uint64_t)(int64_t)ebpf_map_delete(m->map, key);
}

HELPER(h_ktime_get_ns)
{
    UNUSED_ARGS();
    return core_of(vm)->obj->time_ns;
}

HELPER(h_get_prandom_u32)
{
    UNUSED_ARGS();
    /* splitmix64: seeded, so runs are reproducible */
    uint64_t *s = &core_of(vm)->obj->prandom_state;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(z ^ (z >> 31));
}

HELPER(h_get_smp_processor_id)
{
    UNUSED_ARGS();
    return core_of(vm)->cpu;
}

HELPER(h_get_numa_node_id)
{
    UNUSED_ARGS();
    return 0;
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the kernel's small printf
 * (%d %i %u %x %X %ld %lu %lx %lld %llu %llx %p %c %s %%). */
HELPER(h_trace_printk)
{
    UNUSED_ARGS();
    if (r2 == 0 || r2 > 1024)
        return (uint64_t)(int64_t)-EINVAL;
    const char *fmt = mem_arg(vm, r1, r2, EBPF_MEM_READ, "bpf_trace_printk", "format");
    if (!fmt)
        return 0;
    if (fmt[r2 - 1] != 0)
        return (uint64_t)(int64_t)-EINVAL;
    const uint64_t args[3] = {r3, r4, r5};
    char out[1024];
    size_t o = 0;
    unsigned next = 0;
    for (const char *p = fmt; *p && o < sizeof(out) - 32; p++) {
        if (*p != '%') {
            out[o++] = *p;
            continue;
        }
        p++;
        if (*p == '%') {
            out[o++] = '%';
            continue;
        }
        int longs = 0;
        while (*p == 'l')
            longs++, p++;
        if (next >= 3)
            return (uint64_t)(int64_t)-EINVAL;
        uint64_t a = args[next++];
        if (longs == 0 && *p != 'p' && *p != 's')
            a = (*p == 'd' || *p == 'i') ? (uint64_t)(int64_t)(int32_t)a : (uint32_t)a;
        switch (*p) {
        case 'd':
        case 'i': o += (size_t)snprintf(out + o, sizeof(out) - o, "%" PRId64, (int64_t)a); break;
        case 'u': o += (size_t)snprintf(out + o, sizeof(out) - o, "%" PRIu64, a); break;
        case 'x': o += (size_t)snprintf(out + o, sizeof(out) - o, "%" PRIx64, a); break;
        case 'X': o += (size_t)snprintf(out + o, sizeof(out) - o, "%" PRIX64, a); break;
        case 'p': o += (size_t)snprintf(out + o, sizeof(out) - o, "0x%" PRIx64, a); break;
        case 'c': out[o++] = (char)a; break;
        case 's': {
            const char *s = ebpf_vm_translate(vm, a, 1, EBPF_MEM_READ);
            while (s && *s && o < sizeof(out) - 32) {
                out[o++] = *s;
                s = ebpf_vm_translate(vm, ++a, 1, EBPF_MEM_READ);
            }
            break;
        }
        default: return (uint64_t)(int64_t)-EINVAL;
        }
    }
    out[o < sizeof(out) ? o : sizeof(out) - 1] = 0;
    FILE *log = core_of(vm)->obj->opts.trace_log;
    if (log)
        fprintf(log, "cpu %u: %s%s", core_of(vm)->cpu, out, o && out[o - 1] == '\n' ? "" : "\n");
    return o;
}

HELPER(h_tail_call)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r2, "bpf_tail_call");
    if (!m)
        return 0;
    if (ebpf_map_get_spec(m->map)->type != BPF_MAP_TYPE_PROG_ARRAY) {
        ebpf_vm_helper_fault(vm, "bpf_tail_call: map '%s' is not a prog_array", m->name);
        return 0;
    }
    uint32_t index = (uint32_t)r3;
    const uint32_t *slot = ebpf_map_lookup(m->map, &index, 0);
    ebpf_object *obj = core_of(vm)->obj;
    if (!slot || *slot >= obj->n_progs)
        return (uint64_t)(int64_t)-ENOENT; /* falls through, as in the kernel */
    if (ebpf_vm_request_tail_call(vm, obj->progs[*slot].loaded) < 0)
        return (uint64_t)(int64_t)-E2BIG;
    return 0;
}

HELPER(h_redirect)
{
    UNUSED_ARGS();
    ebpf_core *core = core_of(vm);
    if (r2)
        return EBPF_XDP_ABORTED;
    core->redirect_ifindex = (uint32_t)r1;
    core->redirect_map = -1;
    core->redirect_set = true;
    return EBPF_XDP_REDIRECT;
}

HELPER(h_redirect_map)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r1, "bpf_redirect_map");
    if (!m)
        return 0;
    ebpf_core *core = core_of(vm);
    const uint64_t action_mask = 3; /* BPF_F_ACTION_MASK */
    if (r3 & ~(action_mask | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS))
        return EBPF_XDP_ABORTED;
    uint32_t key = (uint32_t)r2;
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    if (spec->key_size != sizeof(key) || !ebpf_map_lookup(m->map, &key, core->cpu))
        return r3 & action_mask;
    core->redirect_ifindex = key;
    core->redirect_map = (int32_t)(m - core->obj->maps);
    core->redirect_set = true;
    return EBPF_XDP_REDIRECT;
}

/* ---- packet helpers -------------------------------------------------- */

#define XDP_FRAME_STRUCT 40 /* sizeof(struct xdp_frame) at the buffer start */
#define ETH_HLEN 14

static struct ebpf_xdp_frame *frame_of(ebpf_vm *vm, uint64_t ctx, const char *helper)
{
    ebpf_core *core = core_of(vm);
    if (!core || !core->frame || ctx != ebpf_xdp_ctx_addr()) {
        ebpf_vm_helper_fault(vm, "%s: r1 is not the XDP context", helper);
        return NULL;
    }
    return core->frame;
}

HELPER(h_xdp_adjust_head)
{
    UNUSED_ARGS();
    struct ebpf_xdp_frame *f = frame_of(vm, r1, "bpf_xdp_adjust_head");
    if (!f)
        return 0;
    int64_t delta = (int32_t)r2;
    uint32_t metalen = f->data - f->data_meta;
    int64_t data = (int64_t)f->data + delta;
    if (data < XDP_FRAME_STRUCT + (int64_t)metalen || data > (int64_t)f->data_end - ETH_HLEN)
        return (uint64_t)(int64_t)-EINVAL;
    if (metalen)
        memmove(f->buf + f->data_meta + delta, f->buf + f->data_meta, metalen);
    f->data_meta = (uint32_t)((int64_t)f->data_meta + delta);
    f->data = (uint32_t)data;
    ebpf_xdp_attach(vm, f);
    return 0;
}

HELPER(h_xdp_adjust_meta)
{
    UNUSED_ARGS();
    struct ebpf_xdp_frame *f = frame_of(vm, r1, "bpf_xdp_adjust_meta");
    if (!f)
        return 0;
    int64_t meta = (int64_t)f->data_meta + (int32_t)r2;
    if (meta < XDP_FRAME_STRUCT || meta > f->data)
        return (uint64_t)(int64_t)-EINVAL;
    int64_t metalen = (int64_t)f->data - meta;
    /* since Linux 6.x metadata may use all of skb_shared_info's u8 meta_len */
    if ((metalen & 3) || metalen > 255)
        return (uint64_t)(int64_t)-EACCES;
    f->data_meta = (uint32_t)meta;
    ebpf_xdp_attach(vm, f);
    return 0;
}

/* Shrink from the last fragment backwards; fragments emptied are freed, and
 * what is left once none remain comes off the linear part (as the kernel's
 * bpf_xdp_frags_shrink_tail does). */
static uint64_t frags_shrink_tail(ebpf_vm *vm, struct ebpf_xdp_frame *f, uint32_t offset)
{
    if ((int64_t)offset > (int64_t)ebpf_xdp_frame_len(f) - ETH_HLEN)
        return (uint64_t)(int64_t)-EINVAL;
    while (f->nr_frags && offset) {
        uint32_t *last = &f->frag_len[f->nr_frags - 1];
        uint32_t shrink = offset < *last ? offset : *last;
        offset -= shrink;
        f->frags_len -= shrink;
        *last -= shrink;
        if (*last)
            break;
        f->nr_frags--;
    }
    if (!f->nr_frags) {
        f->data_end -= offset;
        ebpf_xdp_attach(vm, f);
    }
    return 0;
}

HELPER(h_xdp_adjust_tail)
{
    UNUSED_ARGS();
    struct ebpf_xdp_frame *f = frame_of(vm, r1, "bpf_xdp_adjust_tail");
    if (!f)
        return 0;
    int64_t offset = (int32_t)r2;
    if (f->nr_frags) {
        /* Multi-buffer frame: the tail is in the page fragments. */
        if (offset < 0)
            return frags_shrink_tail(vm, f, (uint32_t)-offset);
        uint32_t *last = &f->frag_len[f->nr_frags - 1];
        if (offset > EBPF_XDP_FRAG_SIZE - *last)
            return (uint64_t)(int64_t)-EINVAL;
        memset(f->frags + f->frags_len, 0, (size_t)offset);
        *last += (uint32_t)offset;
        f->frags_len += (uint32_t)offset;
        return 0;
    }
    int64_t data_end = (int64_t)f->data_end + offset;
    int64_t hard_end = (int64_t)f->buf_size - EBPF_XDP_TAILROOM;
    if (data_end > hard_end || data_end < (int64_t)f->data + ETH_HLEN)
        return (uint64_t)(int64_t)-EINVAL;
    if (offset > 0)
        memset(f->buf + f->data_end, 0, (size_t)offset);
    f->data_end = (uint32_t)data_end;
    ebpf_xdp_attach(vm, f);
    return 0;
}

HELPER(h_xdp_get_buff_len)
{
    UNUSED_ARGS();
    struct ebpf_xdp_frame *f = frame_of(vm, r1, "bpf_xdp_get_buff_len");
    return f ? ebpf_xdp_frame_len(f) : 0;
}

/* Copy between a program buffer and the frame at offset (linear part and
 * fragments alike). */
static uint64_t xdp_copy_bytes(ebpf_vm *vm, uint64_t ctx, uint64_t off, uint64_t buf, uint64_t len,
                               bool store)
{
    const char *name = store ? "bpf_xdp_store_bytes" : "bpf_xdp_load_bytes";
    struct ebpf_xdp_frame *f = frame_of(vm, ctx, name);
    if (!f)
        return 0;
    uint8_t *p = mem_arg(vm, buf, len, store ? EBPF_MEM_READ : EBPF_MEM_WRITE, name, "buffer");
    if (!p)
        return 0;
    uint32_t linear = f->data_end - f->data;
    if (len == 0 || off + len > (uint64_t)linear + f->frags_len || (uint32_t)off != off)
        return (uint64_t)(int64_t)-EINVAL;
    for (uint64_t i = 0; i < len; i++) {
        uint64_t at = off + i;
        uint8_t *q = at < linear ? f->buf + f->data + at : f->frags + (at - linear);
        if (store)
            *q = p[i];
        else
            p[i] = *q;
    }
    return 0;
}

HELPER(h_xdp_load_bytes)
{
    UNUSED_ARGS();
    return xdp_copy_bytes(vm, r1, r2, r3, r4, false);
}

HELPER(h_xdp_store_bytes)
{
    UNUSED_ARGS();
    return xdp_copy_bytes(vm, r1, r2, r3, r4, true);
}

/* x86-64 csum_partial() on an aligned buffer, reproduced step for step
 * (add-with-carry chains per block, then a 64->32 fold) so the unfolded
 * 32-bit result matches the kernel bit for bit. */
static uint32_t csum_partial_x86(const uint8_t *buf, size_t len, uint32_t seed)
{
    uint64_t acc = seed;
    unsigned carry;
#define ADD(v)                                                                                  \
    do {                                                                                        \
        unsigned __int128 t_ = (unsigned __int128)acc + (v) + carry;                            \
        acc = (uint64_t)t_;                                                                     \
        carry = (unsigned)(t_ >> 64);                                                           \
    } while (0)
    uint64_t w;
    while (len >= 64) {
        carry = 0;
        for (int i = 0; i < 8; i++) {
            memcpy(&w, buf + 8 * i, 8);
            ADD(w);
        }
        ADD(0);
        buf += 64;
        len -= 64;
    }
    for (size_t block = 32; block >= 8; block /= 2) {
        if (len & block) {
            carry = 0;
            for (size_t i = 0; i < block / 8; i++) {
                memcpy(&w, buf + 8 * i, 8);
                ADD(w);
            }
            ADD(0);
            buf += block;
        }
    }
    if (len & 7) {
        uint64_t trail = 0;
        memcpy(&trail, buf, len & 7);
        carry = 0;
        ADD(trail);
        ADD(0);
    }
#undef ADD
    uint32_t hi = (uint32_t)(acc >> 32), lo = (uint32_t)acc;
    uint32_t r = hi + lo;
    if (r < lo)
        r++;
    return r;
}

HELPER(h_csum_diff)
{
    UNUSED_ARGS();
    uint64_t from_size = r2, to_size = r4;
    uint64_t diff_size = from_size + to_size;
    if (((from_size | to_size) & 3) || diff_size > 512)
        return (uint64_t)(int64_t)-EINVAL;
    const uint8_t *from = from_size ? mem_arg(vm, r1, from_size, EBPF_MEM_READ, "bpf_csum_diff", "from") : NULL;
    const uint8_t *to = to_size ? mem_arg(vm, r3, to_size, EBPF_MEM_READ, "bpf_csum_diff", "to") : NULL;
    if ((from_size && !from) || (to_size && !to))
        return 0;
    uint32_t diff[128];
    size_t j = 0;
    for (size_t i = 0; i < from_size / 4; i++, j++) {
        memcpy(&diff[j], from + 4 * i, 4);
        diff[j] = ~diff[j];
    }
    for (size_t i = 0; i < to_size / 4; i++, j++)
        memcpy(&diff[j], to + 4 * i, 4);
    return csum_partial_x86((const uint8_t *)diff, diff_size, (uint32_t)r5);
}

/* ---- spin locks (one core runs at a time: the lock word is bookkeeping) */

HELPER(h_spin_lock)
{
    UNUSED_ARGS();
    uint32_t *lock = mem_arg(vm, r1, 4, EBPF_MEM_READ | EBPF_MEM_WRITE, "bpf_spin_lock", "lock");
    if (lock) {
        if (*lock)
            ebpf_vm_helper_fault(vm, "bpf_spin_lock: lock at 0x%" PRIx64 " is already held", r1);
        *lock = 1;
    }
    return 0;
}

HELPER(h_spin_unlock)
{
    UNUSED_ARGS();
    uint32_t *lock = mem_arg(vm, r1, 4, EBPF_MEM_READ | EBPF_MEM_WRITE, "bpf_spin_unlock", "lock");
    if (lock)
        *lock = 0;
    return 0;
}

/* ---- event output ------------------------------------------------------ */

static void write_event(ebpf_vm *vm, const char *kind, const char *map, const uint8_t *data,
                        uint64_t len, const uint8_t *extra, uint64_t extra_len)
{
    FILE *ev = core_of(vm)->obj->opts.events;
    if (!ev)
        return;
    fprintf(ev, "{\"kind\":\"%s\",\"map\":\"%s\",\"cpu\":%u,\"time_ns\":%" PRIu64 ",\"data\":\"",
            kind, map, core_of(vm)->cpu, core_of(vm)->obj->time_ns);
    for (uint64_t i = 0; i < len; i++)
        fprintf(ev, "%02x", data[i]);
    for (uint64_t i = 0; i < extra_len; i++)
        fprintf(ev, "%02x", extra[i]);
    fprintf(ev, "\"}\n");
}

HELPER(h_perf_event_output)
{
    UNUSED_ARGS();
    struct obj_map *m = map_arg(vm, r2, "bpf_perf_event_output");
    if (!m)
        return 0;
    if (ebpf_map_get_spec(m->map)->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return (uint64_t)(int64_t)-EINVAL;
    uint64_t ctx_len = (r3 & BPF_F_CTXLEN_MASK) >> 32;
    uint64_t index = r3 & BPF_F_INDEX_MASK;
    if (r3 & ~(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK))
        return (uint64_t)(int64_t)-EINVAL;
    if (index == BPF_F_CURRENT_CPU)
        index = core_of(vm)->cpu;
    if (index >= ebpf_map_get_spec(m->map)->max_entries)
        return (uint64_t)(int64_t)-E2BIG;
    const uint8_t *data = r5 ? mem_arg(vm, r4, r5, EBPF_MEM_READ, "bpf_perf_event_output", "data") : NULL;
    if (r5 && !data)
        return 0;
    struct ebpf_xdp_frame *f = core_of(vm)->frame;
    const uint8_t *pkt = NULL;
    if (ctx_len) {
        if (!f || ctx_len > ebpf_xdp_frame_len(f))
            return (uint64_t)(int64_t)-EFAULT;
        uint32_t linear = f->data_end - f->data;
        if (ctx_len > linear)
            ctx_len = linear; /* fragments are not copied by this model */
        pkt = f->buf + f->data;
    }
    write_event(vm, "perf", m->name, data, r5, pkt, ctx_len);
    return 0;
}

static struct obj_map *ringbuf_arg(ebpf_vm *vm, uint64_t handle, const char *helper)
{
    struct obj_map *m = map_arg(vm, handle, helper);
    if (m && ebpf_map_get_spec(m->map)->type != BPF_MAP_TYPE_RINGBUF) {
        ebpf_vm_helper_fault(vm, "%s: map '%s' is not a ringbuf", helper, m->name);
        return NULL;
    }
    return m;
}

static void drain_cb(void *user, const void *data, uint32_t len)
{
    void **ctx = user;
    write_event(ctx[0], "ringbuf", ((struct obj_map *)ctx[1])->name, data, len, NULL, 0);
}

static void ringbuf_flush(ebpf_vm *vm, struct obj_map *m)
{
    void *ctx[2] = {vm, m};
    ebpf_ringbuf_drain(m->map, drain_cb, ctx);
}

HELPER(h_ringbuf_output)
{
    UNUSED_ARGS();
    struct obj_map *m = ringbuf_arg(vm, r1, "bpf_ringbuf_output");
    if (!m)
        return 0;
    const void *data = mem_arg(vm, r2, r3, EBPF_MEM_READ, "bpf_ringbuf_output", "data");
    if (!data)
        return 0;
    int rc = ebpf_ringbuf_output(m->map, data, r3, r4);
    if (rc == 0)
        ringbuf_flush(vm, m);
    return (uint64_t)(int64_t)rc;
}

HELPER(h_ringbuf_reserve)
{
    UNUSED_ARGS();
    struct obj_map *m = ringbuf_arg(vm, r1, "bpf_ringbuf_reserve");
    if (!m)
        return 0;
    void *p = ebpf_ringbuf_reserve(m->map, r2, r3);
    return p ? value_addr(m, p) : 0;
}

static uint64_t ringbuf_commit(ebpf_vm *vm, uint64_t addr, uint64_t flags, int discard,
                               const char *helper)
{
    ebpf_core *core = core_of(vm);
    uint32_t region = (uint32_t)(addr >> 32);
    if (region < EBPF_REGION_FIRST_DYNAMIC || region - EBPF_REGION_FIRST_DYNAMIC >= core->obj->n_maps) {
        ebpf_vm_helper_fault(vm, "%s: 0x%" PRIx64 " is not a ring buffer record", helper, addr);
        return 0;
    }
    struct obj_map *m = &core->obj->maps[region - EBPF_REGION_FIRST_DYNAMIC];
    void *p = ebpf_vm_translate(vm, addr, 1, EBPF_MEM_READ);
    if (!p || ebpf_map_get_spec(m->map)->type != BPF_MAP_TYPE_RINGBUF) {
        ebpf_vm_helper_fault(vm, "%s: 0x%" PRIx64 " is not a ring buffer record", helper, addr);
        return 0;
    }
    ebpf_ringbuf_commit(m->map, p, flags, discard);
    ringbuf_flush(vm, m);
    return 0;
}

HELPER(h_ringbuf_submit)
{
    UNUSED_ARGS();
    return ringbuf_commit(vm, r1, r2, 0, "bpf_ringbuf_submit");
}

HELPER(h_ringbuf_discard)
{
    UNUSED_ARGS();
    return ringbuf_commit(vm, r1, r2, 1, "bpf_ringbuf_discard");
}

/* bpf_fib_lookup(ctx, params, plen, flags) over the object's route table:
 * the longest matching prefix decides; the kernel's return codes. */
static bool prefix_match(const uint8_t *addr, const uint8_t *prefix, unsigned bits)
{
    for (unsigned i = 0; i < bits / 8; i++)
        if (addr[i] != prefix[i])
            return false;
    unsigned rest = bits % 8;
    return !rest || ((addr[bits / 8] ^ prefix[bits / 8]) & (0xff00 >> rest) & 0xff) == 0;
}

HELPER(h_fib_lookup)
{
    UNUSED_ARGS();
    struct bpf_fib_lookup *p;
    if (r3 != sizeof(*p))
        return (uint64_t)(int64_t)-EINVAL;
    if (r4 & ~(uint64_t)(BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH))
        return (uint64_t)(int64_t)-EINVAL;
    p = mem_arg(vm, r2, sizeof(*p), EBPF_MEM_READ | EBPF_MEM_WRITE, "bpf_fib_lookup", "params");
    if (!p)
        return 0;
    if (p->family != 2 && p->family != 10)
        return (uint64_t)(int64_t)-EAFNOSUPPORT;
    const ebpf_object *obj = core_of(vm)->obj;
    const uint8_t *dst = p->family == 2 ? (const uint8_t *)&p->ipv4_dst : (const uint8_t *)p->ipv6_dst;
    const struct ebpf_route *best = NULL;
    for (unsigned i = 0; i < obj->n_routes; i++) {
        const struct ebpf_route *rt = &obj->routes[i];
        if (rt->family == p->family && prefix_match(dst, rt->addr, rt->prefix_len) &&
            (!best || rt->prefix_len > best->prefix_len))
            best = rt;
    }
    if (!best)
        return BPF_FIB_LKUP_RET_NOT_FWDED;
    switch (best->type) {
    case EBPF_ROUTE_BLACKHOLE: return BPF_FIB_LKUP_RET_BLACKHOLE;
    case EBPF_ROUTE_UNREACHABLE: return BPF_FIB_LKUP_RET_UNREACHABLE;
    case EBPF_ROUTE_PROHIBIT: return BPF_FIB_LKUP_RET_PROHIBIT;
    default: break;
    }
    if (best->mtu && p->tot_len > best->mtu) {
        p->mtu_result = best->mtu;
        return BPF_FIB_LKUP_RET_FRAG_NEEDED;
    }
    if (best->mtu)
        p->mtu_result = best->mtu;
    p->ifindex = best->ifindex;
    p->rt_metric = 0;
    if (best->has_gateway)
        memcpy(p->family == 2 ? (void *)&p->ipv4_dst : (void *)p->ipv6_dst, best->gateway,
               p->family == 2 ? 4 : 16);
    if (r4 & BPF_FIB_LOOKUP_SKIP_NEIGH)
        return BPF_FIB_LKUP_RET_SUCCESS;
    if (!best->has_neigh)
        return BPF_FIB_LKUP_RET_NO_NEIGH;
    memcpy(p->smac, best->smac, 6);
    memcpy(p->dmac, best->dmac, 6);
    return BPF_FIB_LKUP_RET_SUCCESS;
}

/* bpf_loop(nr_loops, callback, ctx, flags): callback(i, ctx) until it
 * returns 1; returns the number of iterations run. */
HELPER(h_loop)
{
    UNUSED_ARGS();
    if (r4)
        return (uint64_t)(int64_t)-EINVAL;
    if (r1 > (1u << 23))
        return (uint64_t)(int64_t)-E2BIG;
    for (uint64_t i = 0; i < r1; i++) {
        const uint64_t args[5] = {i, r3, 0, 0, 0};
        uint64_t ret;
        if (ebpf_vm_callback(vm, r2, args, &ret) < 0)
            return 0; /* the fault ends the program */
        if (ret)
            return i + 1;
    }
    return r1;
}

/* ---- registry ---------------------------------------------------------- */

static const struct helper_entry {
    uint32_t id;
    const char *name;
    ebpf_helper_fn fn;
} model_helpers[] = {
    {BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", h_map_lookup_elem},
    {BPF_FUNC_map_update_elem, "bpf_map_update_elem", h_map_update_elem},
    {BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", h_map_delete_elem},
    {BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", h_ktime_get_ns},
    {BPF_FUNC_trace_printk, "bpf_trace_printk", h_trace_printk},
    {BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", h_get_prandom_u32},
    {BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", h_get_smp_processor_id},
    {BPF_FUNC_tail_call, "bpf_tail_call", h_tail_call},
    {BPF_FUNC_redirect, "bpf_redirect", h_redirect},
    {BPF_FUNC_perf_event_output, "bpf_perf_event_output", h_perf_event_output},
    {BPF_FUNC_csum_diff, "bpf_csum_diff", h_csum_diff},
    {BPF_FUNC_get_numa_node_id, "bpf_get_numa_node_id", h_get_numa_node_id},
    {BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", h_xdp_adjust_head},
    {BPF_FUNC_redirect_map, "bpf_redirect_map", h_redirect_map},
    {BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta", h_xdp_adjust_meta},
    {BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail", h_xdp_adjust_tail},
    {BPF_FUNC_spin_lock, "bpf_spin_lock", h_spin_lock},
    {BPF_FUNC_spin_unlock, "bpf_spin_unlock", h_spin_unlock},
    {BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", h_ktime_get_ns},
    {BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", h_ringbuf_output},
    {BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", h_ringbuf_reserve},
    {BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", h_ringbuf_submit},
    {BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", h_ringbuf_discard},
    {BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", h_ktime_get_ns},
    {BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", h_xdp_get_buff_len},
    {BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", h_xdp_load_bytes},
    {BPF_FUNC_xdp_store_bytes, "bpf_xdp_store_bytes", h_xdp_store_bytes},
    {BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", h_map_lookup_percpu_elem},
    {BPF_FUNC_loop, "bpf_loop", h_loop},
    {BPF_FUNC_fib_lookup, "bpf_fib_lookup", h_fib_lookup},
};

void ebpf_register_model_helpers(ebpf_vm *vm)
{
    for (size_t i = 0; i < sizeof(model_helpers) / sizeof(model_helpers[0]); i++)
        ebpf_vm_register_helper(vm, model_helpers[i].id, model_helpers[i].name,
                                model_helpers[i].fn);
}

const char *ebpf_helper_name(uint32_t id)
{
    for (size_t i = 0; i < sizeof(model_helpers) / sizeof(model_helpers[0]); i++)
        if (model_helpers[i].id == id)
            return model_helpers[i].name;
    return NULL;
}
