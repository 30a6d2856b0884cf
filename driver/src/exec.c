/* What each command does on the device: field checks with a status per
 * fault, execution on the maps (through the syscall-side calls, so per-CPU
 * values and flags behave as bpf(2)) and programs, and the command's cost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicdrv_int.h"

enum field {
    F_TARGET = 1 << 0, F_KEY = 1 << 1, F_VALUE = 1 << 2, F_COUNT = 1 << 3,
    F_FLAGS = 1 << 4, F_IN = 1 << 5, F_OUT = 1 << 6, F_AUX = 1 << 7,
};

static const uint8_t op_fields[NICDRV_OP_COUNT] = {
    [NICDRV_OP_NOP] = 0,
    [NICDRV_OP_DEV_INFO] = F_OUT,
    [NICDRV_OP_MAP_INFO] = F_TARGET | F_OUT,
    [NICDRV_OP_MAP_LOOKUP] = F_TARGET | F_KEY | F_VALUE | F_COUNT | F_IN | F_OUT,
    [NICDRV_OP_MAP_UPDATE] = F_TARGET | F_KEY | F_VALUE | F_COUNT | F_FLAGS | F_IN,
    [NICDRV_OP_MAP_DELETE] = F_TARGET | F_KEY | F_COUNT | F_IN,
    [NICDRV_OP_MAP_GET_NEXT] = F_TARGET | F_KEY | F_COUNT | F_IN | F_OUT,
    [NICDRV_OP_MAP_LOOKUP_BATCH] = F_TARGET | F_KEY | F_VALUE | F_COUNT | F_IN | F_OUT,
    [NICDRV_OP_MAP_UPDATE_BATCH] = F_TARGET | F_KEY | F_VALUE | F_COUNT | F_FLAGS | F_IN,
    [NICDRV_OP_MAP_DELETE_BATCH] = F_TARGET | F_KEY | F_COUNT | F_IN,
    [NICDRV_OP_PROG_LOAD] = F_TARGET | F_AUX | F_IN,
    [NICDRV_OP_PROG_ATTACH] = F_TARGET | F_AUX | F_FLAGS,
    [NICDRV_OP_PROG_UNLOAD] = F_TARGET,
    [NICDRV_OP_PROG_INFO] = F_TARGET | F_OUT,
    [NICDRV_OP_STATS] = F_OUT,
};

static bool op_takes_map(unsigned op)
{
    return op >= NICDRV_OP_MAP_LOOKUP && op <= NICDRV_OP_MAP_DELETE_BATCH;
}

static bool op_is_batch(unsigned op)
{
    return op >= NICDRV_OP_MAP_LOOKUP_BATCH && op <= NICDRV_OP_MAP_DELETE_BATCH;
}

bool op_mutates(unsigned op)
{
    switch (op) {
    case NICDRV_OP_MAP_UPDATE:
    case NICDRV_OP_MAP_DELETE:
    case NICDRV_OP_MAP_UPDATE_BATCH:
    case NICDRV_OP_MAP_DELETE_BATCH:
    case NICDRV_OP_PROG_LOAD:
    case NICDRV_OP_PROG_ATTACH:
    case NICDRV_OP_PROG_UNLOAD: return true;
    default: return false;
    }
}

bool op_is_batch_write(unsigned op)
{
    return op == NICDRV_OP_MAP_UPDATE_BATCH || op == NICDRV_OP_MAP_DELETE_BATCH;
}

static bool addr_ok(const nicdrv_dev *dev, uint64_t addr, uint32_t len)
{
    if (!dev->host_mem || addr < HOST_BUS_BASE)
        return false;
    uint64_t off = addr - HOST_BUS_BASE;
    return off <= dev->host_mem_size && len <= dev->host_mem_size - off;
}

static uint32_t prog_image_len(const nicdrv_dev *dev, uint32_t object, uint32_t index)
{
    size_t n = 0;
    ebpf_object_prog_insns(dev->objs[object].obj, index, &n);
    return (uint32_t)(n * sizeof(struct ebpf_insn));
}

#define REJECT(st, det) \
    do {                \
        *detail = (det); \
        return (st);    \
    } while (0)

uint16_t exec_check(nicdrv_dev *dev, const struct desc *d, uint32_t *detail)
{
    *detail = 0;
    if (d->version != DESC_VERSION)
        REJECT(NICDRV_ST_BAD_DESC, D_VERSION);
    if (d->rsvd0)
        REJECT(NICDRV_ST_BAD_DESC, D_RSVD0);
    if (d->rsvd1)
        REJECT(NICDRV_ST_BAD_DESC, D_RSVD1);
    if (d->opcode >= NICDRV_OP_COUNT)
        REJECT(NICDRV_ST_BAD_OPCODE, d->opcode);
    unsigned used = op_fields[d->opcode];
    if (!(used & F_FLAGS) && d->flags)
        REJECT(NICDRV_ST_BAD_FLAGS, 0);
    static const struct { unsigned field; unsigned off; } unused[] = {
        {F_TARGET, D_TARGET}, {F_KEY, D_KEY_SIZE}, {F_VALUE, D_VALUE_SIZE}, {F_COUNT, D_COUNT},
        {F_IN, D_IN_LEN},     {F_OUT, D_OUT_LEN},  {F_AUX, D_AUX},
    };
    uint8_t enc[NICDRV_DESC_SIZE];
    desc_encode(enc, d);
    for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
        if (!(used & unused[i].field) && get32(enc + unused[i].off))
            REJECT(NICDRV_ST_BAD_DESC, unused[i].off);
    if (d->in_len > DEV_MAX_PAYLOAD)
        REJECT(NICDRV_ST_BAD_DESC, D_IN_LEN);
    if (d->in_len && !addr_ok(dev, d->in_addr, d->in_len))
        REJECT(NICDRV_ST_BAD_ADDR, D_IN_ADDR);
    if (d->out_len && !addr_ok(dev, d->out_addr, d->out_len))
        REJECT(NICDRV_ST_BAD_ADDR, D_OUT_ADDR);

    if (op_takes_map(d->opcode)) {
        if (d->target >= dev->n_maps)
            REJECT(NICDRV_ST_UNKNOWN_MAP, dev->n_maps);
        const struct dev_map *m = &dev->maps[d->target];
        if (d->key_size != m->key_size)
            REJECT(NICDRV_ST_BAD_KEY_SIZE, m->key_size);
        if ((op_fields[d->opcode] & F_VALUE) && d->value_size != m->value_size)
            REJECT(NICDRV_ST_BAD_VALUE_SIZE, m->value_size);
        if (op_is_batch(d->opcode) ? d->count == 0 : d->count != 1)
            REJECT(NICDRV_ST_BAD_DESC, D_COUNT);
        if ((used & F_FLAGS) && d->flags > BPF_EXIST)
            REJECT(NICDRV_ST_BAD_FLAGS, 0);
        uint64_t k = d->key_size, v = d->value_size, n = d->count;
        uint64_t in_want = 0, out_want = 0;
        bool in_optional = false;
        switch (d->opcode) {
        case NICDRV_OP_MAP_LOOKUP: in_want = k, out_want = v; break;
        case NICDRV_OP_MAP_UPDATE: in_want = k + v; break;
        case NICDRV_OP_MAP_DELETE: in_want = k; break;
        case NICDRV_OP_MAP_GET_NEXT: in_want = k, in_optional = true, out_want = k; break;
        case NICDRV_OP_MAP_LOOKUP_BATCH: in_want = k, in_optional = true, out_want = n * (k + v); break;
        case NICDRV_OP_MAP_UPDATE_BATCH: in_want = n * (k + v); break;
        case NICDRV_OP_MAP_DELETE_BATCH: in_want = n * k; break;
        }
        if (d->in_len != in_want && !(in_optional && d->in_len == 0))
            REJECT(NICDRV_ST_BAD_DESC, D_IN_LEN);
        if (d->out_len < out_want)
            REJECT(NICDRV_ST_OUT_TOO_SMALL, out_want > UINT32_MAX ? UINT32_MAX : (uint32_t)out_want);
        return NICDRV_ST_OK;
    }

    switch (d->opcode) {
    case NICDRV_OP_DEV_INFO:
        if (d->out_len < DEVINFO_SIZE)
            REJECT(NICDRV_ST_OUT_TOO_SMALL, DEVINFO_SIZE);
        break;
    case NICDRV_OP_MAP_INFO:
        if (d->target >= dev->n_maps)
            REJECT(NICDRV_ST_UNKNOWN_MAP, dev->n_maps);
        if (d->out_len < MAPINFO_SIZE)
            REJECT(NICDRV_ST_OUT_TOO_SMALL, MAPINFO_SIZE);
        break;
    case NICDRV_OP_STATS:
        if (d->out_len < STATS_SIZE)
            REJECT(NICDRV_ST_OUT_TOO_SMALL, STATS_SIZE);
        break;
    case NICDRV_OP_PROG_LOAD:
        if (d->target >= dev->n_objs)
            REJECT(NICDRV_ST_BAD_PROG, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_OBJECT, d->target));
        if (d->aux >= ebpf_object_prog_count(dev->objs[d->target].obj))
            REJECT(NICDRV_ST_BAD_PROG, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_INDEX,
                                                           ebpf_object_prog_count(dev->objs[d->target].obj)));
        if (d->in_len != prog_image_len(dev, d->target, d->aux))
            REJECT(NICDRV_ST_BAD_PROG, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_LENGTH,
                                                           prog_image_len(dev, d->target, d->aux)));
        break;
    case NICDRV_OP_PROG_ATTACH:
        if (d->flags & ~(uint64_t)NICDRV_F_REPLACE)
            REJECT(NICDRV_ST_BAD_FLAGS, 0);
        if (d->target && (d->target > NICDRV_MAX_PROGS || !dev->progs[d->target].used))
            REJECT(NICDRV_ST_UNKNOWN_PROG, d->target);
        break;
    case NICDRV_OP_PROG_UNLOAD:
    case NICDRV_OP_PROG_INFO:
        if (!d->target || d->target > NICDRV_MAX_PROGS || !dev->progs[d->target].used)
            REJECT(NICDRV_ST_UNKNOWN_PROG, d->target);
        if (d->opcode == NICDRV_OP_PROG_INFO && d->out_len < PROGINFO_SIZE)
            REJECT(NICDRV_ST_OUT_TOO_SMALL, PROGINFO_SIZE);
        break;
    default: break;
    }
    return NICDRV_ST_OK;
}

/* A map call's errno as a status. */
static uint16_t map_status(int rc, uint32_t *detail)
{
    *detail = rc < 0 ? (uint32_t)-rc : 0;
    switch (rc) {
    case 0: return NICDRV_ST_OK;
    case -ENOENT: return NICDRV_ST_NOENT;
    case -EEXIST: return NICDRV_ST_EXIST;
    case -E2BIG: return NICDRV_ST_E2BIG;
    default: return NICDRV_ST_MAP_ERROR;
    }
}

static void put_name(uint8_t *b, const char *name)
{
    memset(b, 0, 64);
    size_t l = strlen(name);
    memcpy(b, name, l < 63 ? l : 63);
}

static void run_map(nicdrv_dev *dev, const struct desc *d, const uint8_t *in, uint32_t first,
                    uint32_t limit, struct exec_result *r)
{
    struct dev_map *m = &dev->maps[d->target];
    uint32_t k = m->key_size, v = m->value_size;
    uint8_t *out = dev->out;
    int rc = 0;
    switch (d->opcode) {
    case NICDRV_OP_MAP_LOOKUP:
        rc = ebpf_map_sys_lookup(m->map, in, out);
        if (rc == 0)
            r->out_len = v;
        dev->st.elems_read++;
        r->count = rc == 0;
        break;
    case NICDRV_OP_MAP_UPDATE:
        rc = ebpf_map_sys_update(m->map, in, in + k, d->flags);
        dev->st.elems_written += rc == 0;
        r->count = rc == 0;
        break;
    case NICDRV_OP_MAP_DELETE:
        rc = ebpf_map_sys_delete(m->map, in);
        dev->st.elems_written += rc == 0;
        r->count = rc == 0;
        break;
    case NICDRV_OP_MAP_GET_NEXT:
        rc = ebpf_map_get_next_key(m->map, d->in_len ? in : NULL, out);
        if (rc == 0)
            r->out_len = k;
        dev->st.elems_read++;
        break;
    case NICDRV_OP_MAP_LOOKUP_BATCH: {
        /* The cursor is the last key returned; the kernel walks buckets, the
         * model walks get_next_key from that key. */
        const uint8_t *prev = d->in_len ? in : NULL;
        uint32_t n = 0;
        while (n < d->count) {
            uint8_t *kp = out + (size_t)n * (k + v);
            rc = ebpf_map_get_next_key(m->map, prev, kp);
            if (rc < 0)
                break;
            int lrc = ebpf_map_sys_lookup(m->map, kp, kp + k);
            prev = kp;
            if (lrc == -ENOENT)
                continue;
            if (lrc < 0) {
                rc = lrc;
                break;
            }
            n++;
        }
        dev->st.elems_read += n;
        r->count = n;
        r->out_len = n * (k + v);
        if (n == d->count)
            rc = 0;
        break;
    }
    case NICDRV_OP_MAP_UPDATE_BATCH:
    case NICDRV_OP_MAP_DELETE_BATCH: {
        uint32_t stride = d->opcode == NICDRV_OP_MAP_UPDATE_BATCH ? k + v : k;
        uint32_t i = first;
        for (; i < d->count && i - first < limit; i++) {
            const uint8_t *e = in + (size_t)i * stride;
            rc = d->opcode == NICDRV_OP_MAP_UPDATE_BATCH ? ebpf_map_sys_update(m->map, e, e + k, d->flags)
                                                         : ebpf_map_sys_delete(m->map, e);
            if (rc < 0)
                break;
            dev->st.elems_written++;
        }
        r->count = i;
        break;
    }
    }
    r->status = map_status(rc, &r->detail);
}

static void run_prog_load(nicdrv_dev *dev, const struct desc *d, const uint8_t *in,
                          struct exec_result *r)
{
    size_t n = 0;
    const struct ebpf_insn *insns = ebpf_object_prog_insns(dev->objs[d->target].obj, d->aux, &n);
    /* The image must be the object's program, instruction for instruction. */
    for (size_t i = 0; i < n; i++)
        if (memcmp(in + i * sizeof(*insns), &insns[i], sizeof(*insns))) {
            r->status = NICDRV_ST_BAD_PROG;
            r->detail = NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_INSN, i);
            return;
        }
    for (uint32_t id = 1; id <= NICDRV_MAX_PROGS; id++) {
        struct dev_prog *p = &dev->progs[id];
        if (p->used)
            continue;
        memset(p, 0, sizeof(*p));
        p->used = true;
        p->object = d->target;
        p->index = d->aux;
        p->n_insns = (uint32_t)n;
        snprintf(p->name, sizeof(p->name), "%s",
                 ebpf_object_prog_name(dev->objs[d->target].obj, d->aux));
        r->aux = id;
        r->status = NICDRV_ST_OK;
        return;
    }
    r->status = NICDRV_ST_NO_SPACE;
    r->detail = NICDRV_MAX_PROGS;
}

void exec_run(nicdrv_dev *dev, const struct desc *d, const uint8_t *in, uint32_t first,
              uint32_t limit, struct exec_result *r)
{
    memset(r, 0, sizeof(*r));
    uint32_t need = d->out_len > STATS_SIZE ? d->out_len : STATS_SIZE;
    if (!bytes_reserve(&dev->out, &dev->out_cap, need)) {
        r->status = NICDRV_ST_MAP_ERROR;
        r->detail = ENOMEM;
        return;
    }
    uint8_t *out = dev->out;
    if (op_takes_map(d->opcode)) {
        run_map(dev, d, in, first, limit, r);
        return;
    }
    r->status = NICDRV_ST_OK;
    switch (d->opcode) {
    case NICDRV_OP_NOP: break;
    case NICDRV_OP_DEV_INFO: {
        uint32_t n_progs = 0;
        for (uint32_t id = 1; id <= NICDRV_MAX_PROGS; id++)
            n_progs += dev->progs[id].used;
        uint32_t f[7] = {dev->n_maps, n_progs, dev->attached, dev->ring_size, dev->log_size,
                         dev->cfg.n_cpus, (uint32_t)dev->st.resets};
        for (int i = 0; i < 7; i++)
            put32(out + 4 * i, f[i]);
        r->out_len = DEVINFO_SIZE;
        break;
    }
    case NICDRV_OP_MAP_INFO: {
        const struct dev_map *m = &dev->maps[d->target];
        put_name(out, m->name);
        uint32_t f[9] = {m->type, m->key_size, m->value_size, m->max_entries, m->map_flags,
                         m->n_cpus, m->placement, m->object, d->target};
        for (int i = 0; i < 9; i++)
            put32(out + 64 + 4 * i, f[i]);
        r->out_len = MAPINFO_SIZE;
        break;
    }
    case NICDRV_OP_PROG_INFO: {
        const struct dev_prog *p = &dev->progs[d->target];
        memset(out, 0, PROGINFO_SIZE);
        put_name(out, p->name);
        put32(out + 64, p->object);
        put32(out + 68, p->index);
        put32(out + 72, p->n_insns);
        put32(out + 76, dev->attached == d->target);
        put64(out + 80, p->packets);
        put32(out + 88, d->target);
        r->out_len = PROGINFO_SIZE;
        break;
    }
    case NICDRV_OP_STATS: {
        const struct nicdrv_dev_stats *s = &dev->st;
        uint64_t f[STATS_SIZE / 8] = {
            s->commands, s->replays, s->rejected, s->dma_errors, s->dropped, s->resets,
            s->resets_mid_batch, s->seq_gaps, s->elems_read, s->elems_written, s->prog_swaps, s->packets,
            s->verdicts[0], s->verdicts[1], s->verdicts[2], s->verdicts[3], s->verdicts[4],
            s->busy_ps, s->bytes_up, s->bytes_down, s->tlps_up, s->tlps_down,
        };
        for (size_t i = 0; i < STATS_SIZE / 8; i++)
            put64(out + 8 * i, f[i]);
        r->out_len = STATS_SIZE;
        break;
    }
    case NICDRV_OP_PROG_LOAD: run_prog_load(dev, d, in, r); break;
    case NICDRV_OP_PROG_ATTACH:
        if ((d->flags & NICDRV_F_REPLACE) && d->aux != dev->attached) {
            r->status = NICDRV_ST_PROG_MISMATCH;
            r->detail = dev->attached;
            break;
        }
        /* The swap is one store between two packets: a packet runs either
         * the old program or the new one. */
        r->aux = dev->attached;
        dev->attached = d->target;
        dev->st.prog_swaps++;
        break;
    case NICDRV_OP_PROG_UNLOAD:
        if (dev->attached == d->target) {
            r->status = NICDRV_ST_PROG_BUSY;
            r->detail = d->target;
            break;
        }
        dev->progs[d->target].used = false;
        break;
    }
}

/* ------------------------------------------------------------------ */

uint64_t exec_cost_ps(const nicdrv_dev *dev, const struct desc *d)
{
    uint64_t cycles = dev->cfg.cmd_cycles;
    uint64_t extra_ps = 0;
    if (op_takes_map(d->opcode) && d->target < dev->n_maps) {
        const struct dev_map *m = &dev->maps[d->target];
        const struct ebpf_helper_cost *hc = ebpf_core_timing_map_helper(&dev->cfg.core, m->type);
        uint64_t lat = dev->cfg.core.mem_latency[m->placement];
        uint64_t probe = hc->fixed + hc->accesses * lat;
        uint64_t kb = (m->key_size + 7) / 8, vb = (m->value_size + 7) / 8;
        uint64_t per = 0, bytes = 0;
        switch (d->opcode) {
        case NICDRV_OP_MAP_LOOKUP:
        case NICDRV_OP_MAP_UPDATE:
        case NICDRV_OP_MAP_UPDATE_BATCH: per = probe + lat + vb, bytes = m->value_size; break;
        case NICDRV_OP_MAP_DELETE:
        case NICDRV_OP_MAP_DELETE_BATCH: per = probe + lat, bytes = 8; break;
        case NICDRV_OP_MAP_GET_NEXT: per = probe + lat + kb, bytes = m->key_size; break;
        case NICDRV_OP_MAP_LOOKUP_BATCH:
            per = probe + 2 * lat + kb + vb, bytes = m->key_size + m->value_size;
            break;
        }
        uint64_t n = d->count ? d->count : 1;
        /* a batch lookup walks at most the elements present */
        if (d->opcode == NICDRV_OP_MAP_LOOKUP_BATCH && n > ebpf_map_count(m->map))
            n = ebpf_map_count(m->map) + 1;
        cycles += n * (per + (op_is_batch(d->opcode) ? dev->cfg.elem_cycles : 0));
        if (m->placement == EBPF_PLACE_HOST) {
            /* A host-placed map's bytes cross the link too. */
            struct pcie_xfer x;
            pcie_read(&dev->link, (uint32_t)bytes, true, 0, &x);
            extra_ps = n * x.ser_ps;
        }
    } else if (d->opcode == NICDRV_OP_PROG_LOAD && d->target < dev->n_objs &&
               d->aux < ebpf_object_prog_count(dev->objs[d->target].obj)) {
        cycles += prog_image_len(dev, d->target, d->aux) / 8; /* 8 bytes per cycle to imem */
    }
    return (uint64_t)((double)cycles * dev->ps_per_cycle + 0.5) + extra_ps;
}
