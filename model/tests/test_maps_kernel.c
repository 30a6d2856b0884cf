/*
 * Differential test of the model's maps against the running kernel: the
 * same map is created with bpf(2) (through libbpf) and in the model, the
 * same seeded random sequence of syscall-side operations runs on both, and
 * every return code, every value read back and the final contents must
 * agree.  Hash maps iterate in different orders, so for them get_next_key
 * is checked by membership and by whole-walk comparisons instead.
 *
 * Creation checks are compared too: a table of good and bad specs must
 * give the same errno in both.
 *
 * Without permission to use bpf(2) the test prints one SKIP line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "ebpf_maps.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OPS_PER_MAP 5000
#define WALK_EVERY 250
#define MAX_REPORTED 10

static bool bpf_denied;
static unsigned n_cpus;

/* ------------------------------------------------------------------ */
/* Both sides of one comparison. */

struct pair {
    const char *label;
    int fd;
    ebpf_map *model;
    uint32_t key_size;
    size_t value_size; /* syscall-side size: per-CPU maps hold every CPU */
    int mismatches;
};

static void mismatch(struct pair *p, int op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mismatch(struct pair *p, int op, const char *fmt, ...)
{
    if (p->mismatches++ >= MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("  %s: op %d: ", p->label, op);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static int kernel_rc(int rc)
{
    return rc < 0 ? -errno : rc;
}

static int k_lookup(struct pair *p, const void *key, void *value)
{
    return kernel_rc(bpf_map_lookup_elem(p->fd, key, value));
}

static int k_update(struct pair *p, const void *key, const void *value, uint64_t flags)
{
    return kernel_rc(bpf_map_update_elem(p->fd, key, value, flags));
}

static int k_delete(struct pair *p, const void *key)
{
    return kernel_rc(bpf_map_delete_elem(p->fd, key));
}

static int k_next(struct pair *p, const void *key, void *next)
{
    return kernel_rc(bpf_map_get_next_key(p->fd, key, next));
}

static char *hex(const void *data, size_t len, char *buf, size_t buflen)
{
    const uint8_t *b = data;
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < len && o + 3 < buflen; i++)
        o += (size_t)snprintf(buf + o, buflen - o, "%02x", b[i]);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Random keys and values. */

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

enum key_kind { KEYS_INDEX, KEYS_HASHED, KEYS_PREFIX };

struct diff_config {
    const char *label;
    uint32_t type;
    uint32_t key_size, value_size, max_entries, map_flags;
    enum key_kind keys;
    uint32_t key_space; /* distinct keys drawn (index / hashed keys) */
};

static void random_key(const struct diff_config *c, uint64_t *seed, uint8_t *key)
{
    uint64_t r = next_random(seed);
    memset(key, 0, c->key_size);
    if (c->keys == KEYS_INDEX || c->keys == KEYS_HASHED) {
        uint32_t idx = (uint32_t)(r % c->key_space);
        memcpy(key, &idx, c->key_size < 4 ? c->key_size : 4);
        for (uint32_t i = 4; i < c->key_size; i++)
            key[i] = (uint8_t)(idx * 7 + i);
        return;
    }
    /* Prefixes around a few bases, so that they nest and fork; prefixlen
     * runs one past the maximum to exercise the invalid case. */
    uint32_t data_size = c->key_size - 4;
    uint32_t prefixlen = (uint32_t)(r % (data_size * 8 + 2));
    memcpy(key, &prefixlen, 4);
    static const uint8_t bases[4] = {0x0a, 0xc0, 0x7f, 0xff};
    for (uint32_t i = 0; i < data_size; i++)
        key[4 + i] = bases[(r >> 8) & 3] ^ (uint8_t)(i * 0x11);
    key[4 + ((r >> 10) % data_size)] ^= (uint8_t)(1u << ((r >> 16) & 7));
    key[4 + data_size - 1] ^= (uint8_t)(r >> 20);
}

static void random_value(uint64_t *seed, uint8_t *value, size_t len)
{
    for (size_t i = 0; i < len; i++)
        value[i] = (uint8_t)(next_random(seed) >> 24);
}

static uint64_t random_flags(uint64_t r)
{
    static const uint64_t choices[] = {BPF_ANY,     BPF_ANY,     BPF_ANY, BPF_ANY, BPF_NOEXIST,
                                       BPF_NOEXIST, BPF_NOEXIST, BPF_EXIST, BPF_EXIST,
                                       BPF_EXIST,   3,           BPF_F_LOCK};
    return choices[r % ARRAY_LEN(choices)];
}

/* ------------------------------------------------------------------ */
/* Whole-map walks. */

struct entry {
    uint8_t *key;
    uint8_t *value;
};

struct dump {
    struct entry *e;
    size_t n;
    bool repeated; /* get_next_key returned a key twice */
};

static size_t cmp_key_size;

static int entry_cmp(const void *a, const void *b)
{
    return memcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key, cmp_key_size);
}

static void dump_free(struct dump *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->e[i].key);
        free(d->e[i].value);
    }
    free(d->e);
    memset(d, 0, sizeof(*d));
}

static bool dump_has(const struct dump *d, const uint8_t *key, size_t key_size)
{
    for (size_t i = 0; i < d->n; i++)
        if (memcmp(d->e[i].key, key, key_size) == 0)
            return true;
    return false;
}

/* Walks one side (kernel or model) from the first key to -ENOENT. */
static void walk(struct pair *p, bool kernel, bool with_values, struct dump *d)
{
    uint8_t *cur = NULL, *next = calloc(1, p->key_size);
    memset(d, 0, sizeof(*d));
    for (;;) {
        int rc = kernel ? k_next(p, cur, next) : ebpf_map_get_next_key(p->model, cur, next);
        if (rc)
            break;
        if (dump_has(d, next, p->key_size) || d->n > 1000000) {
            d->repeated = true;
            break;
        }
        struct entry e = {malloc(p->key_size), NULL};
        memcpy(e.key, next, p->key_size);
        if (with_values) {
            e.value = calloc(1, p->value_size);
            int lrc = kernel ? k_lookup(p, next, e.value)
                             : ebpf_map_sys_lookup(p->model, next, e.value);
            if (lrc) {
                free(e.value);
                e.value = NULL;
            }
        }
        d->e = realloc(d->e, (d->n + 1) * sizeof(*d->e));
        d->e[d->n++] = e;
        free(cur);
        cur = malloc(p->key_size);
        memcpy(cur, next, p->key_size);
    }
    free(cur);
    free(next);
    cmp_key_size = p->key_size;
    qsort(d->e, d->n, sizeof(*d->e), entry_cmp);
}

/* Compares both walks: same keys (each once) and, if asked, same values. */
static void compare_walks(struct pair *p, int op, bool with_values)
{
    struct dump kd, md;
    walk(p, true, with_values, &kd);
    walk(p, false, with_values, &md);
    char a[600], b[600];
    if (kd.repeated || md.repeated)
        mismatch(p, op, "walk repeats a key (kernel %d, model %d)", kd.repeated, md.repeated);
    if (kd.n != md.n) {
        mismatch(p, op, "walk: kernel has %zu keys, model %zu", kd.n, md.n);
    } else {
        for (size_t i = 0; i < kd.n; i++) {
            if (memcmp(kd.e[i].key, md.e[i].key, p->key_size) != 0) {
                mismatch(p, op, "walk: key kernel %s model %s",
                         hex(kd.e[i].key, p->key_size, a, sizeof(a)),
                         hex(md.e[i].key, p->key_size, b, sizeof(b)));
                break;
            }
            bool kv = kd.e[i].value != NULL, mv = md.e[i].value != NULL;
            if (with_values &&
                (kv != mv || (kv && memcmp(kd.e[i].value, md.e[i].value, p->value_size)))) {
                mismatch(p, op, "final value of %s: kernel %s model %s",
                         hex(kd.e[i].key, p->key_size, a, sizeof(a)),
                         kv ? hex(kd.e[i].value, p->value_size, b, sizeof(b)) : "-",
                         mv ? "differs" : "-");
                break;
            }
        }
    }
    dump_free(&kd);
    dump_free(&md);
}

/* ------------------------------------------------------------------ */
/* One random operation on both sides. */

static bool in_kernel(struct pair *p, const uint8_t *key, uint8_t *scratch)
{
    return key && k_lookup(p, key, scratch) == 0;
}

static bool in_model(struct pair *p, const uint8_t *key, uint8_t *scratch)
{
    return key && ebpf_map_sys_lookup(p->model, key, scratch) == 0;
}

static void op_lookup(struct pair *p, int op, const uint8_t *key, uint8_t *kv, uint8_t *mv)
{
    memset(kv, 0, p->value_size);
    memset(mv, 0, p->value_size);
    int krc = k_lookup(p, key, kv);
    int mrc = ebpf_map_sys_lookup(p->model, key, mv);
    char a[600], b[600];
    if (krc != mrc)
        mismatch(p, op, "lookup %s: kernel %d model %d", hex(key, p->key_size, a, sizeof(a)),
                 krc, mrc);
    else if (krc == 0 && memcmp(kv, mv, p->value_size) != 0)
        mismatch(p, op, "lookup %s: kernel %s model %s", hex(key, p->key_size, a, sizeof(a)),
                 hex(kv, p->value_size, b, sizeof(b)), "differs");
}

static void op_get_next(struct pair *p, int op, const uint8_t *key, bool ordered,
                        uint8_t *scratch)
{
    uint8_t knext[300] = {0}, mnext[300] = {0};
    int krc = k_next(p, key, knext);
    int mrc = ebpf_map_get_next_key(p->model, key, mnext);
    char a[600], b[600];
    /* Hash maps: from a present key the next one depends on the order. */
    bool order_free = !ordered && in_model(p, key, scratch);
    if (krc != mrc && !order_free) {
        mismatch(p, op, "get_next_key %s: kernel %d model %d",
                 key ? hex(key, p->key_size, a, sizeof(a)) : "NULL", krc, mrc);
        return;
    }
    if (ordered) {
        if (krc == 0 && memcmp(knext, mnext, p->key_size) != 0)
            mismatch(p, op, "get_next_key: kernel %s model %s",
                     hex(knext, p->key_size, a, sizeof(a)), hex(mnext, p->key_size, b, sizeof(b)));
        return;
    }
    if (krc == 0 && !in_model(p, knext, scratch))
        mismatch(p, op, "get_next_key: kernel gave %s, absent from the model",
                 hex(knext, p->key_size, a, sizeof(a)));
    if (mrc == 0 && !in_kernel(p, mnext, scratch))
        mismatch(p, op, "get_next_key: model gave %s, absent from the kernel",
                 hex(mnext, p->key_size, a, sizeof(a)));
}

static void random_op(struct pair *p, const struct diff_config *c, uint64_t *seed, int op,
                      uint8_t *key, uint8_t *kv, uint8_t *mv)
{
    uint64_t r = next_random(seed);
    random_key(c, seed, key);
    unsigned what = (unsigned)(r % 100);
    char a[600];
    if (what < 40) {
        uint64_t flags = random_flags(r >> 8);
        random_value(seed, kv, p->value_size);
        int krc = k_update(p, key, kv, flags);
        int mrc = ebpf_map_sys_update(p->model, key, kv, flags);
        if (krc != mrc)
            mismatch(p, op, "update %s flags %llu: kernel %d model %d",
                     hex(key, p->key_size, a, sizeof(a)), (unsigned long long)flags, krc, mrc);
    } else if (what < 60) {
        int krc = k_delete(p, key);
        int mrc = ebpf_map_sys_delete(p->model, key);
        if (krc != mrc)
            mismatch(p, op, "delete %s: kernel %d model %d", hex(key, p->key_size, a, sizeof(a)),
                     krc, mrc);
    } else if (what < 85) {
        op_lookup(p, op, key, kv, mv);
    } else {
        bool ordered = c->keys != KEYS_HASHED;
        op_get_next(p, op, (r >> 40) % 5 == 0 ? NULL : key, ordered, kv);
    }
}

/* ------------------------------------------------------------------ */
/* Per map type. */

static const struct diff_config configs[] = {
    {"array", BPF_MAP_TYPE_ARRAY, 4, 12, 50, 0, KEYS_INDEX, 53},
    {"percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 50, 0, KEYS_INDEX, 53},
    {"hash", BPF_MAP_TYPE_HASH, 6, 12, 64, 0, KEYS_HASHED, 100},
    {"hash(no_prealloc)", BPF_MAP_TYPE_HASH, 8, 8, 64, BPF_F_NO_PREALLOC, KEYS_HASHED, 100},
    {"percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 64, 0, KEYS_HASHED, 100},
    {"lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4096, 0, KEYS_HASHED, 300},
    {"lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 4096, 0, KEYS_HASHED, 300},
    {"lpm_trie", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 100, BPF_F_NO_PREALLOC, KEYS_PREFIX, 0},
    {"lpm_trie(16-bit)", BPF_MAP_TYPE_LPM_TRIE, 6, 8, 1000, BPF_F_NO_PREALLOC, KEYS_PREFIX, 0},
};

static int kernel_create(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
                         uint32_t max_entries, uint32_t flags)
{
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
    return kernel_rc(bpf_map_create(type, name, key_size, value_size, max_entries, &opts));
}

static int run_config(const struct diff_config *c, uint64_t seed)
{
    struct ebpf_map_spec spec = {.type = c->type, .key_size = c->key_size,
                                 .value_size = c->value_size, .max_entries = c->max_entries,
                                 .map_flags = c->map_flags};
    snprintf(spec.name, sizeof(spec.name), "diff");
    char err[256];
    struct pair p = {.label = c->label, .key_size = c->key_size};
    p.fd = kernel_create(c->type, "diff", c->key_size, c->value_size, c->max_entries,
                         c->map_flags);
    if (p.fd < 0)
        fail_msg("%s: kernel refused the map: %s", c->label, strerror(-p.fd));
    p.model = ebpf_map_create(&spec, n_cpus, err, sizeof(err));
    if (!p.model)
        fail_msg("%s: model refused the map: %s", c->label, err);
    p.value_size = ebpf_map_sys_value_size(p.model);

    uint8_t *key = calloc(1, c->key_size), *kv = calloc(1, p.value_size),
            *mv = calloc(1, p.value_size);
    for (int op = 0; op < OPS_PER_MAP; op++) {
        random_op(&p, c, &seed, op, key, kv, mv);
        if ((op + 1) % WALK_EVERY == 0)
            compare_walks(&p, op, false);
    }
    compare_walks(&p, OPS_PER_MAP, true);
    printf("maps kernel diff: %s: %d ops compared, %d mismatches\n", c->label, OPS_PER_MAP,
           p.mismatches);
    free(key);
    free(kv);
    free(mv);
    ebpf_map_destroy(p.model);
    close(p.fd);
    return p.mismatches;
}

static void test_ops_match_kernel(void **state)
{
    (void)state;
    if (bpf_denied)
        skip();
    int total = 0;
    for (size_t i = 0; i < ARRAY_LEN(configs); i++)
        total += run_config(&configs[i], 0x9e3779b97f4a7c15ull + i);
    assert_int_equal(total, 0);
}

/* ------------------------------------------------------------------ */
/* Creation checks. */

#define SPEC(t, k, v, m, f) {.name = "c", .type = t, .key_size = k, .value_size = v, \
                             .max_entries = m, .map_flags = f}

static const struct ebpf_map_spec create_specs[] = {
    /* accepted */
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 1, 1, 0),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE | BPF_F_INNER_MAP),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_RDONLY_PROG),
    SPEC(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, 0),
    SPEC(BPF_MAP_TYPE_HASH, 1, 1, 1, 0),
    SPEC(BPF_MAP_TYPE_HASH, 4, 4194251, 1, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_ZERO_SEED | BPF_F_WRONLY),
    SPEC(BPF_MAP_TYPE_LRU_HASH, 4, 4, 3, BPF_F_NO_COMMON_LRU),
    SPEC(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 3, BPF_F_NO_COMMON_LRU),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 5, 1, 1, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 260, 4194024, 1, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 0, 1u << 20, BPF_F_NUMA_NODE),
    SPEC(BPF_MAP_TYPE_DEVMAP, 4, 4, 1, 0),
    SPEC(BPF_MAP_TYPE_DEVMAP, 4, 8, 1, BPF_F_RDONLY),
    SPEC(BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 1, 0),
    SPEC(BPF_MAP_TYPE_CPUMAP, 4, 4, 2, 0),
    SPEC(BPF_MAP_TYPE_CPUMAP, 4, 8, 2, BPF_F_NUMA_NODE),
    SPEC(BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0),
    SPEC(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, BPF_F_RDONLY),
    SPEC(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, BPF_F_PRESERVE_ELEMS),
    /* refused */
    SPEC(BPF_MAP_TYPE_ARRAY, 8, 4, 4, 0),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_PRESERVE_ELEMS),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0),
    SPEC(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1u << 20),
    SPEC(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, 0),
    SPEC(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, BPF_F_MMAPABLE),
    SPEC(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, BPF_F_NUMA_NODE),
    SPEC(BPF_MAP_TYPE_HASH, 0, 8, 1, 0),
    SPEC(BPF_MAP_TYPE_HASH, 4, 0, 1, 0),
    SPEC(BPF_MAP_TYPE_HASH, 4, 8, 0, 0),
    SPEC(BPF_MAP_TYPE_HASH, 4, 4194252, 1, 0),
    SPEC(BPF_MAP_TYPE_HASH, 4, 8, 1, BPF_F_NO_COMMON_LRU),
    SPEC(BPF_MAP_TYPE_HASH, 4, 8, 1, BPF_F_MMAPABLE),
    SPEC(BPF_MAP_TYPE_HASH, 4, 8, 1, BPF_F_CLONE),
    SPEC(BPF_MAP_TYPE_HASH, 4, 8, 0x80000001u, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE),
    SPEC(BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4, 0),
    SPEC(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, 0),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 4, 8, 4, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 261, 8, 4, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 8, 0, 4, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 8, 4194025, 4, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, BPF_F_NO_PREALLOC),
    SPEC(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 0, 4000, 0),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0),
    SPEC(BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0),
    SPEC(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG),
    SPEC(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0),
    SPEC(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG),
    SPEC(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 4, 0),
    SPEC(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 8, 4, 0),
    SPEC(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0),
    SPEC(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, BPF_F_MMAPABLE),
    SPEC(BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0),
    SPEC(BPF_MAP_TYPE_DEVMAP, 8, 4, 4, 0),
    SPEC(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, BPF_F_RDONLY_PROG),
    SPEC(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 0x80000001u, 0),
    SPEC(BPF_MAP_TYPE_CPUMAP, 4, 12, 1, 0),
    SPEC(BPF_MAP_TYPE_CPUMAP, 4, 4, 9000, 0),
    SPEC(BPF_MAP_TYPE_CPUMAP, 4, 4, 1, BPF_F_RDONLY),
    SPEC(BPF_MAP_TYPE_XSKMAP, 4, 8, 1, 0),
    SPEC(BPF_MAP_TYPE_XSKMAP, 4, 4, 1, BPF_F_RDONLY_PROG),
    SPEC(99, 4, 4, 1, 0),
};

static void test_create_matches_kernel(void **state)
{
    (void)state;
    if (bpf_denied)
        skip();
    int mismatches = 0;
    for (size_t i = 0; i < ARRAY_LEN(create_specs); i++) {
        const struct ebpf_map_spec *s = &create_specs[i];
        int krc = kernel_create(s->type, s->name, s->key_size, s->value_size, s->max_entries,
                                s->map_flags);
        if (krc >= 0) {
            close(krc);
            krc = 0;
        }
        char err[256] = "";
        errno = 0;
        ebpf_map *m = ebpf_map_create(s, n_cpus, err, sizeof(err));
        int mrc = m ? 0 : -errno;
        ebpf_map_destroy(m);
        if (krc != mrc) {
            mismatches++;
            printf("  create %zu (type %u key %u value %u entries %u flags 0x%x): kernel %d, "
                   "model %d (%s)\n",
                   i, s->type, s->key_size, s->value_size, s->max_entries, s->map_flags, krc,
                   mrc, err);
        }
    }
    printf("maps kernel diff: create: %zu specs compared, %d mismatches\n",
           ARRAY_LEN(create_specs), mismatches);
    assert_int_equal(mismatches, 0);
}

/* Can this process use bpf(2)?  Sets bpf_denied and prints the SKIP line. */
static void probe_bpf(void)
{
    int fd = kernel_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, 0);
    if (fd >= 0) {
        close(fd);
        return;
    }
    if (fd == -EPERM || fd == -ENOSYS || fd == -EACCES) {
        bpf_denied = true;
        printf("SKIP: maps kernel diff: bpf() not permitted (%s)\n", strerror(-fd));
    }
}

int main(void)
{
    int cpus = libbpf_num_possible_cpus();
    n_cpus = cpus > 0 ? (unsigned)cpus : 1;
    probe_bpf();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_match_kernel),
        cmocka_unit_test(test_create_matches_kernel),
    };
    return cmocka_run_group_tests_name("maps_kernel", tests, NULL, NULL);
}
