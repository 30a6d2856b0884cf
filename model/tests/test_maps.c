/*
 * BPF maps: creation checks (exact messages and errnos), update flags and
 * errnos per map type, per-CPU layouts, LRU eviction order, LPM longest
 * match and iteration order, ring buffer records, reference-valued maps,
 * lazy storage and pointer stability.
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

#include <cmocka.h>

#include "ebpf_maps.h"
#include "maps_int.h" /* EBPF_ENOTSUPP */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static ebpf_map *make_map(uint32_t type, uint32_t key_size, uint32_t value_size,
                          uint32_t max_entries, uint32_t flags, unsigned n_cpus)
{
    struct ebpf_map_spec spec = {.name = "test", .type = type, .key_size = key_size,
                                 .value_size = value_size, .max_entries = max_entries,
                                 .map_flags = flags};
    char err[256];
    ebpf_map *map = ebpf_map_create(&spec, n_cpus, err, sizeof(err));
    if (!map)
        fail_msg("cannot create map: %s", err);
    return map;
}

static uint32_t u32_at(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t u64_at(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* ------------------------------------------------------------------ */
/* Creation checks. */

struct create_case {
    struct ebpf_map_spec spec;
    unsigned n_cpus;
    int err;
    const char *msg;
};

#define SPEC(nm, t, k, v, m, f) {.name = nm, .type = t, .key_size = k, .value_size = v, \
                                 .max_entries = m, .map_flags = f}

static const struct create_case create_cases[] = {
    {SPEC("flows", BPF_MAP_TYPE_ARRAY, 8, 4, 4, 0), 2, EINVAL,
     "map 'flows': key_size 8 is invalid for an array map (must be 4)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0), 2, EINVAL,
     "map 'a': value_size 0 is invalid for an array map (must be > 0)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0), 2, EINVAL,
     "map 'a': max_entries 0 is invalid for an array map (must be > 0)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_NO_PREALLOC), 2, EINVAL,
     "map 'a': map_flags 0x1 is invalid for an array map (BPF_F_NO_PREALLOC is not supported)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), 2, EINVAL,
     "map 'a': map_flags 0x180 is invalid for an array map (BPF_F_WRONLY_PROG cannot be "
     "combined with BPF_F_RDONLY_PROG)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY), 2, EINVAL,
     "map 'a': map_flags 0x18 sets both BPF_F_RDONLY and BPF_F_WRONLY"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0), 2, E2BIG,
     "map 'a': value_size 2147483648 is invalid for an array map (must be at most INT_MAX)"},
    {SPEC("big", BPF_MAP_TYPE_ARRAY, 4, 8, 1u << 29, 0), 2, E2BIG,
     "map 'big': max_entries 536870912 x 8 bytes per element needs 4294967296 bytes of "
     "storage, more than the model's 4 GiB limit"},
    {SPEC("pc", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, 0), 2, E2BIG,
     "map 'pc': value_size 32769 is invalid for a percpu_array map (per-CPU values are "
     "limited to 32768 bytes)"},
    {SPEC("pc", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, BPF_F_MMAPABLE), 2, EINVAL,
     "map 'pc': map_flags 0x400 is invalid for a percpu_array map (BPF_F_MMAPABLE is only for "
     "plain arrays)"},
    {SPEC("pc", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, BPF_F_NUMA_NODE), 2, EINVAL,
     "map 'pc': map_flags 0x4 is invalid for a percpu_array map (BPF_F_NUMA_NODE does not "
     "apply to per-CPU values)"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_PRESERVE_ELEMS), 2, EINVAL,
     "map 'a': map_flags 0x800 is invalid for an array map (BPF_F_PRESERVE_ELEMS is only for "
     "perf_event_array maps)"},
    {SPEC("bad-name", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0), 2, EINVAL,
     "map 'bad-name': name contains '-' (only letters, digits, '_' and '.' are allowed)"},
    {SPEC("a", 99, 4, 4, 1, 0), 2, EINVAL, "map 'a': type 99 is not supported"},
    {SPEC("a", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0), 0, EINVAL, "map 'a': n_cpus must be at least 1"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 0, 8, 1, 0), 2, EINVAL,
     "map 'h': key_size 0 is invalid for a hash map (must be > 0)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 0, 1, 0), 2, EINVAL,
     "map 'h': value_size 0 is invalid for a hash map (must be > 0)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 8, 0, 0), 2, EINVAL,
     "map 'h': max_entries 0 is invalid for a hash map (must be > 0)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 4194252, 1, 0), 2, E2BIG,
     "map 'h': value_size 4194252 is invalid for a hash map (key_size + value_size must be "
     "below 4194256)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 8, 1, BPF_F_NO_COMMON_LRU), 2, EINVAL,
     "map 'h': map_flags 0x2 is invalid for a hash map (BPF_F_NO_COMMON_LRU is only for LRU "
     "maps)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 8, 1, BPF_F_MMAPABLE), 2, EINVAL,
     "map 'h': map_flags 0x400 is invalid for a hash map (BPF_F_MMAPABLE is not supported)"},
    {SPEC("h", BPF_MAP_TYPE_HASH, 4, 8, 0x80000001u, BPF_F_NO_PREALLOC), 2, E2BIG,
     "map 'h': max_entries 2147483649 is invalid for a hash map (must be at most 2147483648)"},
    {SPEC("lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC), 2, EBPF_ENOTSUPP,
     "map 'lru': map_flags 0x1 is not supported for an lru_hash map (BPF_F_NO_PREALLOC: LRU "
     "maps are always preallocated)"},
    {SPEC("ph", BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4, 0), 2, E2BIG,
     "map 'ph': value_size 32769 is invalid for a percpu_hash map (per-CPU values are limited "
     "to 32768 bytes)"},
    {SPEC("lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, 0), 2, EINVAL,
     "map 'lpm': map_flags 0x0 is invalid for an lpm_trie map (BPF_F_NO_PREALLOC is required)"},
    {SPEC("lpm", BPF_MAP_TYPE_LPM_TRIE, 4, 8, 4, BPF_F_NO_PREALLOC), 2, EINVAL,
     "map 'lpm': key_size 4 is invalid for an lpm_trie map (must be 5..260: a u32 prefixlen "
     "then 1..256 bytes of data)"},
    {SPEC("lpm", BPF_MAP_TYPE_LPM_TRIE, 261, 8, 4, BPF_F_NO_PREALLOC), 2, EINVAL,
     "map 'lpm': key_size 261 is invalid for an lpm_trie map (must be 5..260: a u32 prefixlen "
     "then 1..256 bytes of data)"},
    {SPEC("lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 4194025, 4, BPF_F_NO_PREALLOC), 2, EINVAL,
     "map 'lpm': value_size 4194025 is invalid for an lpm_trie map (must be 1..4194024)"},
    {SPEC("lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED), 2,
     EINVAL,
     "map 'lpm': map_flags 0x41 is invalid for an lpm_trie map (BPF_F_ZERO_SEED is not "
     "supported)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4000, 0), 2, EINVAL,
     "map 'rb': max_entries 4000 is invalid for a ringbuf map (the data size must be a power "
     "of 2)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0), 2, EINVAL,
     "map 'rb': max_entries 2048 is invalid for a ringbuf map (the data size must be a "
     "multiple of the page size)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0), 2, EINVAL,
     "map 'rb': key_size 4 is invalid for a ringbuf map (must be 0)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 0, 8, 4096, 0), 2, EINVAL,
     "map 'rb': value_size 8 is invalid for a ringbuf map (must be 0)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG), 2, EINVAL,
     "map 'rb': map_flags 0x80 is invalid for a ringbuf map (BPF_F_RDONLY_PROG is not "
     "supported)"},
    {SPEC("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 1u << 31, 0), 2, E2BIG,
     "map 'rb': max_entries 2147483648: a ring buffer is mapped twice and 2 x 2147483648 bytes "
     "is more than the model's 4 GiB limit"},
    {SPEC("pa", BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0), 2, EINVAL,
     "map 'pa': value_size 8 is invalid for a prog_array map (must be 4: the value is an "
     "object reference)"},
    {SPEC("pa", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG), 2, EINVAL,
     "map 'pa': map_flags 0x80 is invalid for a prog_array map (BPF_F_RDONLY_PROG is not "
     "supported)"},
    {SPEC("aom", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, BPF_F_INNER_MAP), 2, EINVAL,
     "map 'aom': map_flags 0x1000 is invalid for an array_of_maps map (BPF_F_INNER_MAP is only "
     "for plain arrays)"},
    {SPEC("hom", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 8, 4, 0), 2, EINVAL,
     "map 'hom': value_size 8 is invalid for a hash_of_maps map (must be 4: the value is an "
     "object reference)"},
    {SPEC("pe", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0), 2, EINVAL,
     "map 'pe': max_entries 0 is invalid for a perf_event_array map (must be > 0)"},
    {SPEC("dm", BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0), 2, EINVAL,
     "map 'dm': value_size 12 is invalid for a devmap map (must be 4 (ifindex) or 8 (ifindex, "
     "program))"},
    {SPEC("dm", BPF_MAP_TYPE_DEVMAP, 4, 8, 4, BPF_F_RDONLY_PROG), 2, EINVAL,
     "map 'dm': map_flags 0x80 is invalid for a devmap map (BPF_F_RDONLY_PROG is not "
     "supported)"},
    {SPEC("dmh", BPF_MAP_TYPE_DEVMAP_HASH, 8, 4, 4, 0), 2, EINVAL,
     "map 'dmh': key_size 8 is invalid for a devmap_hash map (must be 4)"},
    {SPEC("cm", BPF_MAP_TYPE_CPUMAP, 4, 4, 9000, 0), 2, E2BIG,
     "map 'cm': max_entries 9000 is invalid for a cpumap map (must be at most NR_CPUS (8192))"},
    {SPEC("cm", BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY), 2, EINVAL,
     "map 'cm': map_flags 0x8 is invalid for a cpumap map (BPF_F_RDONLY is not supported)"},
    {SPEC("xm", BPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0), 2, EINVAL,
     "map 'xm': value_size 8 is invalid for an xskmap map (must be 4: the value is a socket "
     "reference)"},
};

static void test_create_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(create_cases); i++) {
        const struct create_case *c = &create_cases[i];
        char err[256] = "";
        errno = 0;
        ebpf_map *map = ebpf_map_create(&c->spec, c->n_cpus, err, sizeof(err));
        if (map)
            fail_msg("case %zu (%s): created, expected \"%s\"", i, c->spec.name, c->msg);
        assert_int_equal(errno, c->err);
        assert_string_equal(err, c->msg);
    }
}

static void test_create_adjusts_and_reports(void **state)
{
    (void)state;
    /* Per-CPU LRU lists get an equal share each: 3 entries on 2 CPUs -> 4. */
    ebpf_map *lru = make_map(BPF_MAP_TYPE_LRU_HASH, 4, 4, 3, BPF_F_NO_COMMON_LRU, 2);
    assert_int_equal(ebpf_map_get_spec(lru)->max_entries, 4);
    assert_string_equal(ebpf_map_get_spec(lru)->name, "test");
    assert_int_equal(ebpf_map_n_cpus(lru), 2);
    ebpf_map_destroy(lru);

    /* Accepted boundaries. */
    ebpf_map *m = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, 0, 2);
    assert_int_equal(ebpf_map_sys_value_size(m), 65536);
    ebpf_map_destroy(m);
    m = make_map(BPF_MAP_TYPE_LPM_TRIE, 260, 4194024, 1, BPF_F_NO_PREALLOC, 1);
    ebpf_map_destroy(m);
    m = make_map(BPF_MAP_TYPE_HASH, 4, 4194251, 1, 0, 1);
    ebpf_map_destroy(m);
    m = make_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BPF_F_PRESERVE_ELEMS, 1);
    ebpf_map_destroy(m);
    m = make_map(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_MMAPABLE | BPF_F_INNER_MAP, 1);
    ebpf_map_destroy(m);

    ebpf_map_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* Arrays. */

static void test_array(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_ARRAY, 4, 12, 5, 0, 2);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    assert_int_equal(size, 5 * 16); /* 12-byte values on a 16-byte stride */
    assert_int_equal(ebpf_map_count(m), 5);
    assert_int_equal(ebpf_map_sys_value_size(m), 12);

    uint8_t val[12], out[12];
    memset(val, 0xab, sizeof(val));
    uint32_t key = 3;
    assert_ptr_equal(ebpf_map_lookup(m, &key, 0), base + 3 * 16);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_int_equal(out[0], 0); /* elements start zeroed */

    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_EXIST), 0);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, 3), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, 8), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_F_LOCK), -EINVAL);
    assert_int_equal(ebpf_map_update(m, &key, val, BPF_F_LOCK, 0), -EINVAL);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_memory_equal(out, val, 12);

    key = 5;
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_NOEXIST), -E2BIG);
    assert_int_equal(ebpf_map_update(m, &key, val, BPF_ANY, 0), -E2BIG);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), -ENOENT);
    assert_null(ebpf_map_lookup(m, &key, 0));
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    key = 0;
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    assert_int_equal(ebpf_map_delete(m, &key), -EINVAL);

    /* Program-side update writes the same element the program reads. */
    key = 1;
    memset(val, 0x11, sizeof(val));
    assert_int_equal(ebpf_map_update(m, &key, val, BPF_ANY, 1), 0);
    assert_memory_equal(base + 16, val, 12);

    /* Iteration: every index once, in order; an out-of-range key restarts. */
    uint32_t next, seen = 0;
    int rc = ebpf_map_get_next_key(m, NULL, &next);
    while (rc == 0) {
        assert_int_equal(next, seen);
        seen++;
        key = next;
        rc = ebpf_map_get_next_key(m, &key, &next);
    }
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(seen, 5);
    key = 77;
    assert_int_equal(ebpf_map_get_next_key(m, &key, &next), 0);
    assert_int_equal(next, 0);
    ebpf_map_destroy(m);
}

static void test_percpu_array(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 4, 0, 3);
    assert_int_equal(ebpf_map_sys_value_size(m), 3 * 16);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    assert_int_equal(size, 4 * 3 * 16);

    /* Syscall side: three 16-byte slots, padding included, as bpf(2) does. */
    uint8_t all[48], out[48];
    for (size_t i = 0; i < sizeof(all); i++)
        all[i] = (uint8_t)(i + 1);
    uint32_t key = 2;
    assert_int_equal(ebpf_map_sys_update(m, &key, all, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_memory_equal(out, all, 48);

    /* Program side: each CPU sees its own copy. */
    for (unsigned cpu = 0; cpu < 3; cpu++) {
        uint8_t *v = ebpf_map_lookup(m, &key, cpu);
        assert_ptr_equal(v, base + 2 * 48 + cpu * 16);
        assert_int_equal(v[0], cpu * 16 + 1);
    }
    uint8_t mine[12];
    memset(mine, 0xee, sizeof(mine));
    assert_int_equal(ebpf_map_update(m, &key, mine, BPF_ANY, 1), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_memory_equal(out, all, 16);           /* cpu 0 untouched */
    assert_memory_equal(out + 16, mine, 12);     /* cpu 1 replaced */
    assert_memory_equal(out + 28, all + 28, 4);  /* its padding kept */
    assert_memory_equal(out + 32, all + 32, 16); /* cpu 2 untouched */

    assert_null(ebpf_map_lookup(m, &key, 3));
    assert_int_equal(ebpf_map_update(m, &key, mine, BPF_ANY, 3), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, all, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_update(m, &key, all, 3), -EINVAL);
    key = 4;
    assert_int_equal(ebpf_map_sys_update(m, &key, all, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    ebpf_map_destroy(m);
}

/* ------------------------------------------------------------------ */
/* Hash tables. */

static void test_hash_flags(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_HASH, 8, 4, 2, 0, 2);
    uint64_t k1 = 1, k2 = 2, k3 = 3;
    uint32_t v = 10, out;
    assert_int_equal(ebpf_map_count(m), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &k1, &out), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, BPF_EXIST), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, BPF_NOEXIST), 0);
    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, BPF_NOEXIST), -EEXIST);
    v = 11;
    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, BPF_EXIST), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &k1, &out), 0);
    assert_int_equal(out, 11);
    assert_int_equal(ebpf_map_sys_update(m, &k2, &v, BPF_ANY), 0);
    assert_int_equal(ebpf_map_count(m), 2);

    /* Full: new keys fail with E2BIG after the flag checks; existing keys
     * can still be replaced. */
    assert_int_equal(ebpf_map_sys_update(m, &k3, &v, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_update(m, &k3, &v, BPF_NOEXIST), -E2BIG);
    assert_int_equal(ebpf_map_sys_update(m, &k3, &v, BPF_EXIST), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &k2, &v, BPF_NOEXIST), -EEXIST);
    v = 12;
    assert_int_equal(ebpf_map_sys_update(m, &k2, &v, BPF_ANY), 0);
    assert_int_equal(ebpf_map_update(m, &k3, &v, BPF_ANY, 0), -E2BIG);

    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, 3), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &k1, &v, BPF_F_LOCK), -EINVAL);
    assert_int_equal(ebpf_map_update(m, &k1, &v, BPF_F_LOCK, 0), -EINVAL);
    assert_int_equal(ebpf_map_update(m, &k1, &v, 3, 0), -EINVAL);

    assert_int_equal(ebpf_map_sys_delete(m, &k3), -ENOENT);
    assert_int_equal(ebpf_map_sys_delete(m, &k1), 0);
    assert_int_equal(ebpf_map_delete(m, &k1), -ENOENT);
    assert_int_equal(ebpf_map_count(m), 1);
    assert_int_equal(ebpf_map_update(m, &k3, &v, BPF_NOEXIST, 1), 0);
    assert_int_equal(*(uint32_t *)ebpf_map_lookup(m, &k3, 0), 12);
    ebpf_map_destroy(m);
}

static void test_hash_pointer_stability(void **state)
{
    (void)state;
    enum { N = 64 };
    ebpf_map *m = make_map(BPF_MAP_TYPE_HASH, 4, 20, N, 0, 1);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    assert_int_equal(size, N * 24);

    uint8_t *ptr[N];
    for (uint32_t k = 0; k < N / 2; k++) {
        uint8_t v[20];
        memset(v, (int)k, sizeof(v));
        assert_int_equal(ebpf_map_sys_update(m, &k, v, BPF_NOEXIST), 0);
        ptr[k] = ebpf_map_lookup(m, &k, 0);
        assert_true(ptr[k] >= base && ptr[k] + 20 <= base + size);
        assert_int_equal((size_t)(ptr[k] - base) % 24, 0);
    }
    /* Deletes and inserts elsewhere leave other elements where they were. */
    for (uint32_t k = 0; k < N / 2; k += 2)
        assert_int_equal(ebpf_map_sys_delete(m, &k), 0);
    for (uint32_t k = N / 2; k < N; k++) {
        uint8_t v[20] = {0};
        assert_int_equal(ebpf_map_sys_update(m, &k, v, BPF_ANY), 0);
    }
    for (uint32_t k = 1; k < N / 2; k += 2) {
        assert_ptr_equal(ebpf_map_lookup(m, &k, 0), ptr[k]);
        assert_int_equal(ptr[k][19], k);
    }
    /* An update in place keeps the pointer. */
    uint32_t k = 5;
    uint8_t v[20];
    memset(v, 0x55, sizeof(v));
    assert_int_equal(ebpf_map_sys_update(m, &k, v, BPF_EXIST), 0);
    assert_ptr_equal(ebpf_map_lookup(m, &k, 0), ptr[5]);
    assert_int_equal(ptr[5][0], 0x55);

    /* Freed slots are reused: the map holds N elements in N slots. */
    assert_int_equal(ebpf_map_count(m), N - N / 4);
    for (uint32_t j = 1000; j < 1000 + N / 4; j++) {
        assert_int_equal(ebpf_map_sys_update(m, &j, v, BPF_NOEXIST), 0);
        uint8_t *p = ebpf_map_lookup(m, &j, 0);
        assert_true(p >= base && p + 20 <= base + size);
    }
    assert_int_equal(ebpf_map_count(m), N);
    k = 2000;
    assert_int_equal(ebpf_map_sys_update(m, &k, v, BPF_ANY), -E2BIG);

    /* The most recently freed slot is handed out next. */
    k = 7;
    uint8_t *freed = ebpf_map_lookup(m, &k, 0);
    assert_int_equal(ebpf_map_sys_delete(m, &k), 0);
    k = 3000;
    assert_int_equal(ebpf_map_sys_update(m, &k, v, BPF_ANY), 0);
    assert_ptr_equal(ebpf_map_lookup(m, &k, 0), freed);
    ebpf_map_destroy(m);
}

/* Walks the map with get_next_key; fails on a repeat; returns keys seen. */
static uint32_t walk_u32_keys(ebpf_map *m, uint8_t *seen, uint32_t key_space)
{
    uint32_t key, next, n = 0;
    memset(seen, 0, key_space);
    int rc = ebpf_map_get_next_key(m, NULL, &next);
    while (rc == 0) {
        assert_true(next < key_space);
        if (seen[next])
            fail_msg("key %u visited twice", next);
        seen[next] = 1;
        n++;
        key = next;
        rc = ebpf_map_get_next_key(m, &key, &next);
    }
    assert_int_equal(rc, -ENOENT);
    return n;
}

static void test_hash_iteration(void **state)
{
    (void)state;
    enum { N = 3000 };
    static const uint32_t types[] = {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH,
                                     BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH,
                                     BPF_MAP_TYPE_HASH_OF_MAPS};
    static uint8_t seen[N];
    for (size_t t = 0; t < ARRAY_LEN(types); t++) {
        ebpf_map *m = make_map(types[t], 4, 4, N, 0, 2);
        uint32_t key = 0, next;
        assert_int_equal(ebpf_map_get_next_key(m, NULL, &next), -ENOENT);
        assert_int_equal(ebpf_map_get_next_key(m, &key, &next), -ENOENT);
        uint8_t value[16] = {1};
        for (key = 0; key < N; key++)
            assert_int_equal(ebpf_map_sys_update(m, &key, value, BPF_NOEXIST), 0);
        for (key = 0; key < N; key += 3)
            assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
        assert_int_equal(walk_u32_keys(m, seen, N), N - N / 3);
        for (key = 0; key < N; key++)
            assert_int_equal(seen[key], key % 3 != 0);
        assert_int_equal(ebpf_map_count(m), N - N / 3);
        /* An absent key restarts from the first key. */
        uint32_t first;
        assert_int_equal(ebpf_map_get_next_key(m, NULL, &first), 0);
        key = 0;
        assert_int_equal(ebpf_map_get_next_key(m, &key, &next), 0);
        assert_int_equal(next, first);
        ebpf_map_destroy(m);
    }
}

static void test_percpu_hash(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8, 0, 3);
    assert_int_equal(ebpf_map_sys_value_size(m), 24);
    uint32_t key = 9, v = 0x1234;
    uint64_t out[3];

    /* A program-side insert sets its CPU's copy and zeroes the others. */
    assert_int_equal(ebpf_map_update(m, &key, &v, BPF_NOEXIST, 2), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0x1234);

    /* Syscall side writes every CPU's 8-byte slot, padding included. */
    uint64_t all[3] = {0x1111111100000001ull, 0x2222222200000002ull, 0x3333333300000003ull};
    assert_int_equal(ebpf_map_sys_update(m, &key, all, BPF_EXIST), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_memory_equal(out, all, sizeof(all));

    /* A program-side update of an existing key touches only its CPU. */
    v = 7;
    assert_int_equal(ebpf_map_update(m, &key, &v, BPF_EXIST, 0), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_int_equal(out[0], 0x1111111100000007ull);
    assert_int_equal(out[1], all[1]);
    assert_int_equal(out[2], all[2]);
    assert_int_equal(*(uint32_t *)ebpf_map_lookup(m, &key, 1), 2);
    assert_null(ebpf_map_lookup(m, &key, 3));
    assert_int_equal(ebpf_map_sys_update(m, &key, all, 3), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, all, BPF_NOEXIST), -EEXIST);
    ebpf_map_destroy(m);
}

static bool has_key(ebpf_map *m, uint32_t key)
{
    uint32_t out[8];
    return ebpf_map_sys_lookup(m, &key, out) == 0;
}

static void test_lru_eviction_order(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, 0, 1);
    uint32_t v = 0, k;
    for (k = 1; k <= 3; k++)
        assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_ANY), 0);
    /* Recency, newest first: 3 2 1.  An update is a use: 1 3 2. */
    k = 1;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_EXIST), 0);
    k = 4;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_NOEXIST), 0); /* 4 1 3 2, full */
    assert_int_equal(ebpf_map_count(m), 4);
    /* A program lookup is a use: 3 4 1 2. */
    k = 3;
    assert_non_null(ebpf_map_lookup(m, &k, 0));
    k = 5;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_ANY), 0); /* evicts 2: 5 3 4 1 */
    assert_false(has_key(m, 2));
    assert_true(has_key(m, 1) && has_key(m, 3) && has_key(m, 4) && has_key(m, 5));
    /* Syscall lookups are not uses: 1 is still the oldest. */
    k = 6;
    assert_int_equal(ebpf_map_update(m, &k, &v, BPF_ANY, 0), 0); /* evicts 1: 6 5 3 4 */
    assert_false(has_key(m, 1));
    assert_int_equal(ebpf_map_count(m), 4);

    /* In a full map the kernel takes a fresh element before it looks at the
     * key, so even an update that then fails evicts the oldest (4). */
    k = 5;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_NOEXIST), -EEXIST);
    assert_false(has_key(m, 4));
    assert_int_equal(ebpf_map_count(m), 3);
    k = 7;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_ANY), 0); /* free slot: 7 6 5 3 */
    assert_int_equal(ebpf_map_count(m), 4);
    /* The oldest key itself: evicted first, so BPF_EXIST finds it gone. */
    k = 3;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_EXIST), -ENOENT);
    assert_false(has_key(m, 3));
    assert_true(has_key(m, 5) && has_key(m, 6) && has_key(m, 7));
    /* Bad flags are refused before anything is evicted. */
    k = 8;
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, BPF_ANY), 0); /* free slot: 8 7 6 5 */
    assert_int_equal(ebpf_map_sys_update(m, &k, &v, 3), -EINVAL);
    assert_int_equal(ebpf_map_count(m), 4);
    assert_int_equal(ebpf_map_sys_delete(m, &k), 0);
    assert_int_equal(ebpf_map_sys_delete(m, &k), -ENOENT);
    ebpf_map_destroy(m);

    /* The per-CPU variant does not evict for BPF_EXIST. */
    m = make_map(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 2, 0, 2);
    uint32_t all[4] = {0};
    for (k = 1; k <= 2; k++)
        assert_int_equal(ebpf_map_sys_update(m, &k, all, BPF_ANY), 0);
    k = 1;
    assert_int_equal(ebpf_map_sys_update(m, &k, all, BPF_EXIST), 0);
    assert_int_equal(ebpf_map_count(m), 2);
    k = 3;
    assert_int_equal(ebpf_map_sys_update(m, &k, all, BPF_EXIST), -ENOENT);
    assert_int_equal(ebpf_map_count(m), 2);
    assert_int_equal(ebpf_map_sys_update(m, &k, all, BPF_ANY), 0); /* evicts 2 */
    assert_false(has_key(m, 2));
    assert_true(has_key(m, 1) && has_key(m, 3));
    ebpf_map_destroy(m);
}

/* ------------------------------------------------------------------ */
/* LPM trie. */

struct ipv4_key {
    uint32_t prefixlen;
    uint8_t addr[4];
};

static struct ipv4_key ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint32_t len)
{
    struct ipv4_key k = {len, {a, b, c, d}};
    return k;
}

static int lpm_get(ebpf_map *m, struct ipv4_key k, uint32_t *value)
{
    return ebpf_map_sys_lookup(m, &k, value);
}

static int lpm_put(ebpf_map *m, struct ipv4_key k, uint32_t value, uint64_t flags)
{
    return ebpf_map_sys_update(m, &k, &value, flags);
}

static void expect_lpm(ebpf_map *m, struct ipv4_key k, uint32_t want)
{
    uint32_t got = 0;
    assert_int_equal(lpm_get(m, k, &got), 0);
    assert_int_equal(got, want);
}

static void test_lpm_longest_match(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 6, BPF_F_NO_PREALLOC, 1);
    uint32_t v;
    assert_int_equal(lpm_get(m, ip(10, 1, 2, 3, 32), &v), -ENOENT);
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 8), 1, BPF_NOEXIST), 0);
    assert_int_equal(lpm_put(m, ip(10, 1, 0, 0, 16), 2, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(10, 1, 2, 0, 24), 3, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(192, 168, 0, 0, 16), 5, BPF_ANY), 0);
    assert_int_equal(lpm_get(m, ip(11, 0, 0, 0, 32), &v), -ENOENT);
    assert_int_equal(lpm_put(m, ip(0, 0, 0, 0, 0), 4, BPF_ANY), 0);
    assert_int_equal(ebpf_map_count(m), 5);

    expect_lpm(m, ip(10, 1, 2, 3, 32), 3);
    expect_lpm(m, ip(10, 1, 3, 3, 32), 2);
    expect_lpm(m, ip(10, 2, 0, 0, 32), 1);
    expect_lpm(m, ip(11, 0, 0, 0, 32), 4);
    expect_lpm(m, ip(192, 168, 7, 7, 32), 5);
    expect_lpm(m, ip(10, 1, 2, 3, 20), 2); /* a key's prefixlen bounds the match */
    expect_lpm(m, ip(10, 1, 2, 3, 0), 4);
    assert_int_equal(lpm_get(m, ip(10, 1, 2, 3, 33), &v), -ENOENT);

    /* Program side returns the value slot in storage. */
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    struct ipv4_key k = ip(10, 1, 2, 200, 32);
    uint32_t *p = ebpf_map_lookup(m, &k, 0);
    assert_non_null(p);
    assert_true((uint8_t *)p >= base && (uint8_t *)p < base + size);
    assert_int_equal(*p, 3);

    /* Update and delete act on the exact prefix. */
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 8), 9, BPF_NOEXIST), -EEXIST);
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 12), 9, BPF_EXIST), -ENOENT);
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 8), 11, BPF_EXIST), 0);
    expect_lpm(m, ip(10, 2, 0, 0, 32), 11);
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 33), 9, BPF_ANY), -EINVAL);
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 8), 9, 3), -EINVAL);
    assert_int_equal(lpm_put(m, ip(172, 16, 0, 0, 12), 6, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(172, 17, 0, 0, 16), 7, BPF_ANY), -ENOSPC);
    assert_int_equal(lpm_put(m, ip(172, 17, 0, 0, 16), 7, BPF_EXIST), -ENOENT);

    k = ip(10, 1, 0, 0, 16);
    assert_int_equal(ebpf_map_sys_delete(m, &k), 0);
    expect_lpm(m, ip(10, 1, 3, 3, 32), 11);
    expect_lpm(m, ip(10, 1, 2, 3, 32), 3);
    assert_int_equal(ebpf_map_sys_delete(m, &k), -ENOENT);
    k = ip(10, 1, 2, 0, 23);
    assert_int_equal(ebpf_map_sys_delete(m, &k), -ENOENT);
    k.prefixlen = 33;
    assert_int_equal(ebpf_map_sys_delete(m, &k), -EINVAL);
    assert_int_equal(ebpf_map_count(m), 5);
    assert_int_equal(lpm_put(m, ip(172, 17, 0, 0, 16), 7, BPF_ANY), 0);
    ebpf_map_destroy(m);
}

static void expect_next(ebpf_map *m, const struct ipv4_key *key, struct ipv4_key want)
{
    struct ipv4_key next;
    assert_int_equal(ebpf_map_get_next_key(m, key, &next), 0);
    assert_int_equal(next.prefixlen, want.prefixlen);
    assert_memory_equal(next.addr, want.addr, 4);
}

static void test_lpm_iteration(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC, 1);
    struct ipv4_key next;
    assert_int_equal(ebpf_map_get_next_key(m, NULL, &next), -ENOENT);
    /* Host bits past the prefix are kept as last given. */
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 8), 1, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(10, 1, 0, 0, 16), 2, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(10, 1, 2, 99, 24), 3, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(192, 168, 0, 0, 16), 5, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(0, 0, 0, 0, 0), 4, BPF_ANY), 0);
    assert_int_equal(lpm_put(m, ip(10, 1, 2, 77, 24), 6, BPF_EXIST), 0);

    /* Post-order, 0 branch first: deeper prefixes before the ones they extend. */
    const struct ipv4_key order[] = {ip(10, 1, 2, 77, 24), ip(10, 1, 0, 0, 16),
                                     ip(10, 0, 0, 0, 8), ip(192, 168, 0, 0, 16),
                                     ip(0, 0, 0, 0, 0)};
    expect_next(m, NULL, order[0]);
    for (size_t i = 0; i + 1 < ARRAY_LEN(order); i++)
        expect_next(m, &order[i], order[i + 1]);
    assert_int_equal(ebpf_map_get_next_key(m, &order[4], &next), -ENOENT);
    /* Absent keys (or prefixlen > 32) restart from the first. */
    struct ipv4_key absent = ip(10, 1, 0, 0, 15);
    expect_next(m, &absent, order[0]);
    absent = ip(10, 1, 0, 0, 40);
    expect_next(m, &absent, order[0]);

    /* Forks without a stored prefix are not returned. */
    assert_int_equal(ebpf_map_sys_delete(m, &order[2]), 0); /* 10/8 has one child */
    assert_int_equal(lpm_put(m, ip(10, 2, 0, 0, 16), 7, BPF_ANY), 0); /* fork at /14 */
    const struct ipv4_key order2[] = {ip(10, 1, 2, 77, 24), ip(10, 1, 0, 0, 16),
                                      ip(10, 2, 0, 0, 16), ip(192, 168, 0, 0, 16),
                                      ip(0, 0, 0, 0, 0)};
    expect_next(m, NULL, order2[0]);
    for (size_t i = 0; i + 1 < ARRAY_LEN(order2); i++)
        expect_next(m, &order2[i], order2[i + 1]);
    /* A prefix placed on an existing fork becomes a stored prefix. */
    assert_int_equal(lpm_put(m, ip(10, 0, 0, 0, 14), 8, BPF_NOEXIST), 0);
    expect_next(m, &order2[2], ip(10, 0, 0, 0, 14));
    expect_lpm(m, ip(10, 3, 0, 0, 32), 8);
    assert_int_equal(ebpf_map_count(m), 6);
    assert_int_equal(ebpf_map_sys_delete(m, &order2[3]), 0);
    assert_int_equal(ebpf_map_count(m), 5);
    ebpf_map_destroy(m);
}

/* Reference model: a list of prefixes searched linearly. */
struct ref_prefix {
    uint32_t len;
    uint8_t addr[4];
    uint32_t value;
};

static bool prefix_covers(const struct ref_prefix *p, uint32_t len, const uint8_t *addr)
{
    if (p->len > len)
        return false;
    for (uint32_t bit = 0; bit < p->len; bit++) {
        unsigned a = (p->addr[bit / 8] >> (7 - bit % 8)) & 1;
        unsigned b = (addr[bit / 8] >> (7 - bit % 8)) & 1;
        if (a != b)
            return false;
    }
    return true;
}

/* get_next_key order: descendants first, then the 0 branch before the 1. */
static int prefix_order(const void *pa, const void *pb)
{
    const struct ref_prefix *a = pa, *b = pb;
    uint32_t common = a->len < b->len ? a->len : b->len;
    for (uint32_t bit = 0; bit < common; bit++) {
        unsigned x = (a->addr[bit / 8] >> (7 - bit % 8)) & 1;
        unsigned y = (b->addr[bit / 8] >> (7 - bit % 8)) & 1;
        if (x != y)
            return (int)x - (int)y;
    }
    return (int)b->len - (int)a->len;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_lpm_against_reference(void **state)
{
    (void)state;
    enum { CAP = 200, OPS = 20000 };
    ebpf_map *m = make_map(BPF_MAP_TYPE_LPM_TRIE, 8, 4, CAP, BPF_F_NO_PREALLOC, 1);
    static struct ref_prefix ref[CAP];
    size_t n = 0;
    uint64_t seed = 42;
    static const uint8_t bases[4][4] = {{10, 0, 0, 0}, {10, 1, 128, 0}, {192, 168, 1, 0},
                                        {255, 255, 255, 255}};
    for (int op = 0; op < OPS; op++) {
        uint64_t r = xorshift(&seed);
        struct ipv4_key k = {(uint32_t)(r % 34), {0}};
        memcpy(k.addr, bases[(r >> 8) & 3], 4);
        k.addr[(r >> 10) & 3] ^= (uint8_t)(1u << ((r >> 12) & 7));
        k.addr[3] ^= (uint8_t)(r >> 16);
        size_t at = n;
        for (size_t i = 0; i < n; i++)
            if (ref[i].len == k.prefixlen && k.prefixlen <= 32 &&
                prefix_covers(&ref[i], k.prefixlen, k.addr))
                at = i;
        unsigned kind = (unsigned)(r >> 24) % 3;
        if (kind == 0) {
            uint32_t value = (uint32_t)(r >> 32);
            int want = k.prefixlen > 32 ? -EINVAL : at == n && n == CAP ? -ENOSPC : 0;
            assert_int_equal(ebpf_map_sys_update(m, &k, &value, BPF_ANY), want);
            if (want == 0) {
                ref[at].len = k.prefixlen;
                memcpy(ref[at].addr, k.addr, 4);
                ref[at].value = value;
                n += at == n;
            }
        } else if (kind == 1) {
            int want = k.prefixlen > 32 ? -EINVAL : at == n ? -ENOENT : 0;
            assert_int_equal(ebpf_map_sys_delete(m, &k), want);
            if (want == 0)
                ref[at] = ref[--n];
        } else {
            const struct ref_prefix *best = NULL;
            for (size_t i = 0; i < n && k.prefixlen <= 32; i++)
                if (prefix_covers(&ref[i], k.prefixlen, k.addr) &&
                    (!best || ref[i].len > best->len))
                    best = &ref[i];
            uint32_t got = 0;
            assert_int_equal(ebpf_map_sys_lookup(m, &k, &got), best ? 0 : -ENOENT);
            if (best)
                assert_int_equal(got, best->value);
        }
        assert_int_equal(ebpf_map_count(m), n);
    }
    /* Every prefix once, in the kernel's order, with the data last given. */
    qsort(ref, n, sizeof(ref[0]), prefix_order);
    struct ipv4_key cur, next;
    size_t i = 0;
    for (int rc = ebpf_map_get_next_key(m, NULL, &next); rc == 0;
         rc = ebpf_map_get_next_key(m, &cur, &next), i++) {
        assert_true(i < n);
        assert_int_equal(next.prefixlen, ref[i].len);
        assert_memory_equal(next.addr, ref[i].addr, 4);
        cur = next;
    }
    assert_int_equal(i, n);
    assert_true(n > 50);
    ebpf_map_destroy(m);
}

/* ------------------------------------------------------------------ */
/* Ring buffer. */

struct drained {
    int n;
    uint32_t len[16];
    uint8_t data[16][64];
};

static void collect(void *user, const void *data, uint32_t len)
{
    struct drained *d = user;
    if (d->n < 16) {
        d->len[d->n] = len;
        memcpy(d->data[d->n], data, len < 64 ? len : 64);
    }
    d->n++;
}

static void test_ringbuf_records(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 2);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    assert_int_equal(size, 8192); /* the data area, mapped twice */
    assert_int_equal(ebpf_map_sys_value_size(m), 0);

    uint8_t *a = ebpf_ringbuf_reserve(m, 100, 0);
    assert_ptr_equal(a, base + 8);
    assert_int_equal(u32_at(base), 100u | BPF_RINGBUF_BUSY_BIT);
    assert_int_equal(u32_at(base + 4), 0); /* page of the header */
    memset(a, 'a', 100);
    uint8_t *b = ebpf_ringbuf_reserve(m, 5, 0);
    assert_ptr_equal(b, base + 8 + 104 + 8); /* 100 + 8 rounds to 112 */
    memcpy(b, "bbbbb", 5);
    ebpf_ringbuf_commit(m, b, 0, 1); /* discard */
    assert_int_equal(u32_at(b - 8), 5u | BPF_RINGBUF_DISCARD_BIT);
    assert_int_equal(ebpf_ringbuf_output(m, "ccc", 3, BPF_RB_NO_WAKEUP), 0);

    /* The first record is still busy: nothing can be consumed past it. */
    struct drained d = {0};
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 0);
    assert_int_equal(d.n, 0);
    ebpf_ringbuf_commit(m, a, BPF_RB_FORCE_WAKEUP, 0);
    assert_int_equal(u32_at(base), 100);
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 2);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.len[0], 100);
    assert_int_equal(d.data[0][63], 'a');
    assert_int_equal(d.len[1], 3);
    assert_memory_equal(d.data[1], "ccc", 3);
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 0);

    /* Flags and sizes the kernel refuses. */
    assert_null(ebpf_ringbuf_reserve(m, 8, 1));
    assert_null(ebpf_ringbuf_reserve(m, 4096, 0));
    assert_null(ebpf_ringbuf_reserve(m, (uint64_t)UINT32_MAX, 0));
    assert_int_equal(ebpf_ringbuf_output(m, "x", 1, 4), -EINVAL);
    assert_int_equal(ebpf_ringbuf_drain(m, NULL, NULL), 0);

    /* Key-based syscall operations. */
    uint32_t key = 0, out;
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, &out, 0), -EINVAL);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    assert_int_equal(ebpf_map_get_next_key(m, NULL, &out), -EBPF_ENOTSUPP);
    assert_null(ebpf_map_lookup(m, &key, 0));
    assert_int_equal(ebpf_map_count(m), 4096);
    ebpf_map_destroy(m);
}

static void test_ringbuf_full_and_wrap(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 1);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);

    /* 1000-byte records take 1008 bytes; four fit, a fifth does not (the
     * producer may be at most 4095 bytes ahead). */
    uint8_t *rec[4];
    for (int i = 0; i < 4; i++) {
        rec[i] = ebpf_ringbuf_reserve(m, 1000, 0);
        assert_ptr_equal(rec[i], base + i * 1008 + 8);
        memset(rec[i], 'A' + i, 1000);
    }
    assert_null(ebpf_ringbuf_reserve(m, 1000, 0));
    assert_int_equal(ebpf_ringbuf_output(m, "x", 1, 0), 0); /* 16 bytes still fit */
    static const uint8_t eighty[80];
    assert_int_equal(ebpf_ringbuf_output(m, eighty, sizeof(eighty), 0), -EAGAIN);
    for (int i = 0; i < 4; i++)
        ebpf_ringbuf_commit(m, rec[i], 0, i == 2);

    struct drained d = {0};
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 4);
    assert_int_equal(d.data[0][0], 'A');
    assert_int_equal(d.data[1][0], 'B');
    assert_int_equal(d.data[2][0], 'D');
    assert_int_equal(d.len[3], 1);

    /* Producer at 4048: the next record runs past the end of the data area
     * and is still contiguous through the second mapping. */
    uint8_t *w = ebpf_ringbuf_reserve(m, 200, 0);
    assert_ptr_equal(w, base + 4048 + 8);
    for (int i = 0; i < 200; i++)
        w[i] = (uint8_t)i;
    assert_int_equal(base[0], 40); /* byte 40 of the record wrapped to offset 0 */
    ebpf_ringbuf_commit(m, w, 0, 0);
    uint8_t *after = ebpf_ringbuf_reserve(m, 8, 0);
    assert_ptr_equal(after, base + (4048 + 208) % 4096 + 8);
    ebpf_ringbuf_commit(m, after, 0, 0);
    memset(&d, 0, sizeof(d));
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 2);
    assert_int_equal(d.len[0], 200);
    for (int i = 0; i < 64; i++)
        assert_int_equal(d.data[0][i], i);

    /* A stale or foreign pointer is ignored by commit. */
    ebpf_ringbuf_commit(m, w, 0, 1);
    ebpf_ringbuf_commit(m, base + 4096 + 200, 0, 0);
    ebpf_ringbuf_commit(m, NULL, 0, 0);
    assert_int_equal(ebpf_ringbuf_drain(m, collect, &d), 0);

    /* Ring buffer calls on another map type do nothing. */
    ebpf_map *arr = make_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 1);
    assert_null(ebpf_ringbuf_reserve(arr, 8, 0));
    assert_int_equal(ebpf_ringbuf_output(arr, "x", 1, 0), -EINVAL);
    assert_int_equal(ebpf_ringbuf_drain(arr, collect, &d), -EINVAL);
    ebpf_map_destroy(arr);
    ebpf_map_destroy(m);
}

/* ------------------------------------------------------------------ */
/* Reference-valued maps. */

static void test_fd_arrays(void **state)
{
    (void)state;
    static const uint32_t types[] = {BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_ARRAY_OF_MAPS,
                                     BPF_MAP_TYPE_PERF_EVENT_ARRAY};
    for (size_t t = 0; t < ARRAY_LEN(types); t++) {
        ebpf_map *m = make_map(types[t], 4, 4, 3, 0, 2);
        uint32_t key = 1, id = 42, out = 0;
        bool perf = types[t] == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
        int empty_lookup = perf ? -EBPF_ENOTSUPP : -ENOENT;
        assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), empty_lookup);
        assert_null(ebpf_map_lookup(m, &key, 0));
        assert_int_equal(ebpf_map_sys_delete(m, &key), -ENOENT);
        assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_NOEXIST), -EINVAL);
        assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_EXIST), -EINVAL);
        assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_ANY), 0);
        assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), perf ? -EBPF_ENOTSUPP : 0);
        if (!perf)
            assert_int_equal(out, 42);
        uint8_t *base;
        size_t size;
        ebpf_map_storage(m, &base, &size);
        uint32_t *p = ebpf_map_lookup(m, &key, 0);
        assert_ptr_equal(p, base + 8);
        assert_int_equal(*p, 42);
        key = 3;
        assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_ANY), -E2BIG);
        assert_int_equal(ebpf_map_sys_delete(m, &key), -E2BIG);
        assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), perf ? -EBPF_ENOTSUPP : -ENOENT);
        key = 1;
        assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
        assert_null(ebpf_map_lookup(m, &key, 0));
        uint8_t seen[3];
        assert_int_equal(walk_u32_keys(m, seen, 3), 3); /* iteration ignores presence */
        assert_int_equal(ebpf_map_count(m), 3);
        ebpf_map_destroy(m);
    }
}

static void test_devmap(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0, 2);
    uint32_t key = 0, val[2] = {7, 0}, out[2];
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, 3), -EINVAL);
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_EXIST), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, out), 0);
    assert_memory_equal(out, val, 8);
    assert_int_equal(*(uint32_t *)ebpf_map_lookup(m, &key, 0), 7);
    /* ifindex 0 empties the slot, but not with a program attached. */
    uint32_t none[2] = {0, 5};
    assert_int_equal(ebpf_map_sys_update(m, &key, none, BPF_ANY), -EINVAL);
    none[1] = UINT32_MAX; /* fd -1 */
    assert_int_equal(ebpf_map_sys_update(m, &key, none, BPF_ANY), 0);
    assert_null(ebpf_map_lookup(m, &key, 0));
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0); /* empty slots delete fine */
    key = 4;
    assert_int_equal(ebpf_map_sys_update(m, &key, val, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    ebpf_map_destroy(m);

    m = make_map(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2, 0, 2);
    key = 100;
    uint32_t ifindex = 3, got;
    assert_int_equal(ebpf_map_sys_delete(m, &key), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, BPF_EXIST), 0); /* not checked */
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &got), 0);
    assert_int_equal(got, 3);
    ifindex = 0;
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, BPF_ANY), -EINVAL);
    ifindex = 4;
    key = 101;
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, BPF_ANY), 0);
    key = 102;
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_update(m, &key, &ifindex, 4), -EINVAL);
    assert_int_equal(ebpf_map_count(m), 2);
    key = 100;
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
    assert_int_equal(ebpf_map_count(m), 1);
    ebpf_map_destroy(m);
}

static void test_cpumap_xskmap(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0, 2);
    uint32_t key = 1, qsize = 192, out;
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), 0);
    assert_int_equal(out, 192);
    qsize = 16385;
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_ANY), -EOVERFLOW);
    qsize = 0;
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), -ENOENT);
    key = 3; /* inside the map, but only 2 CPUs exist */
    qsize = 64;
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_ANY), -ENODEV);
    key = 4;
    assert_int_equal(ebpf_map_sys_update(m, &key, &qsize, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    key = 0;
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
    ebpf_map_destroy(m);

    m = make_map(BPF_MAP_TYPE_XSKMAP, 4, 4, 2, 0, 2);
    key = 1;
    uint32_t sock = 9;
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, BPF_EXIST), -ENOENT);
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, BPF_NOEXIST), 0);
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, BPF_NOEXIST), 0); /* same socket */
    sock = 10;
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, 3), -EINVAL);
    sock = 9;
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), -EOPNOTSUPP);
    assert_int_equal(*(uint32_t *)ebpf_map_lookup(m, &key, 0), 9);
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
    assert_null(ebpf_map_lookup(m, &key, 0));
    key = 2;
    assert_int_equal(ebpf_map_sys_update(m, &key, &sock, BPF_ANY), -E2BIG);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EINVAL);
    ebpf_map_destroy(m);
}

static void test_hash_of_maps(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 2, 0, 2);
    uint32_t key = 5, id = 77, out;
    assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &out), 0);
    assert_int_equal(out, 77);
    assert_int_equal(*(uint32_t *)ebpf_map_lookup(m, &key, 0), 77);
    assert_int_equal(ebpf_map_sys_update(m, &key, &id, BPF_NOEXIST), -EEXIST);
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -ENOENT);
    ebpf_map_destroy(m);
}

/* ------------------------------------------------------------------ */
/* Access flags, lazy storage. */

static void test_access_flags(void **state)
{
    (void)state;
    ebpf_map *m = make_map(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_RDONLY, 1);
    uint32_t key = 1, v = 2, next;
    assert_int_equal(ebpf_map_sys_update(m, &key, &v, BPF_ANY), -EPERM);
    assert_int_equal(ebpf_map_sys_delete(m, &key), -EPERM);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &v), -ENOENT);
    assert_int_equal(ebpf_map_get_next_key(m, NULL, &next), -ENOENT);
    assert_int_equal(ebpf_map_update(m, &key, &v, BPF_ANY, 0), 0); /* programs still write */
    ebpf_map_destroy(m);

    m = make_map(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_WRONLY, 1);
    assert_int_equal(ebpf_map_sys_update(m, &key, &v, BPF_ANY), 0);
    assert_int_equal(ebpf_map_sys_lookup(m, &key, &v), -EPERM);
    assert_int_equal(ebpf_map_get_next_key(m, NULL, &next), -EPERM);
    assert_int_equal(ebpf_map_sys_delete(m, &key), 0);
    ebpf_map_destroy(m);
}

static long resident_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long total = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &total, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_large_maps_are_lazy(void **state)
{
    (void)state;
    long before = resident_kib();
    assert_true(before > 0);
    /* 128 MiB of values, plus a 128 MiB hash map and LPM trie. */
    ebpf_map *arr = make_map(BPF_MAP_TYPE_ARRAY, 4, 64, 2u << 20, 0, 1);
    ebpf_map *hash = make_map(BPF_MAP_TYPE_HASH, 16, 56, 2u << 20, 0, 1);
    ebpf_map *lpm = make_map(BPF_MAP_TYPE_LPM_TRIE, 20, 64, 2u << 20, BPF_F_NO_PREALLOC, 1);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(arr, &base, &size);
    assert_int_equal(size, 128u << 20);

    /* Touch a few elements far apart. */
    uint64_t v[8] = {0xfeed};
    for (uint32_t key = 0; key < (2u << 20); key += (1u << 18)) {
        assert_int_equal(ebpf_map_sys_update(arr, &key, v, BPF_ANY), 0);
        uint8_t hkey[16] = {0};
        memcpy(hkey, &key, sizeof(key));
        assert_int_equal(ebpf_map_sys_update(hash, hkey, v, BPF_NOEXIST), 0);
    }
    uint32_t last = (2u << 20) - 1;
    assert_int_equal(u64_at(ebpf_map_lookup(arr, &last, 0)), 0);
    long after = resident_kib();
    if (after - before > 8 * 1024)
        fail_msg("creating 384 MiB of maps made %ld KiB resident", after - before);
    assert_int_equal(ebpf_map_count(hash), 8);
    ebpf_map_destroy(lpm);
    ebpf_map_destroy(hash);
    ebpf_map_destroy(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_create_adjusts_and_reports),
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_percpu_array),
        cmocka_unit_test(test_hash_flags),
        cmocka_unit_test(test_hash_pointer_stability),
        cmocka_unit_test(test_hash_iteration),
        cmocka_unit_test(test_percpu_hash),
        cmocka_unit_test(test_lru_eviction_order),
        cmocka_unit_test(test_lpm_longest_match),
        cmocka_unit_test(test_lpm_iteration),
        cmocka_unit_test(test_lpm_against_reference),
        cmocka_unit_test(test_ringbuf_records),
        cmocka_unit_test(test_ringbuf_full_and_wrap),
        cmocka_unit_test(test_fd_arrays),
        cmocka_unit_test(test_devmap),
        cmocka_unit_test(test_cpumap_xskmap),
        cmocka_unit_test(test_hash_of_maps),
        cmocka_unit_test(test_access_flags),
        cmocka_unit_test(test_large_maps_are_lazy),
    };
    return cmocka_run_group_tests_name("maps", tests, NULL, NULL);
}
