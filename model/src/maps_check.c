/*
 * Creation checks for BPF maps, in the order BPF_MAP_CREATE makes them so
 * that a spec with several faults gets the kernel's errno.  Each message
 * names the map and the field at fault.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "maps_int.h"

#define ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define ARRAY_FLAGS \
    (BPF_F_NUMA_NODE | BPF_F_MMAPABLE | ACCESS_FLAGS | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP)
#define HASH_FLAGS \
    (BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | ACCESS_FLAGS | BPF_F_ZERO_SEED)
#define LPM_FLAGS (BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | ACCESS_FLAGS)
#define DEVMAP_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define XSKMAP_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define CPUMAP_FLAGS BPF_F_NUMA_NODE
#define RINGBUF_FLAGS BPF_F_NUMA_NODE

#define LPM_KEY_SIZE_MIN 5u   /* u32 prefixlen + 1 byte of data */
#define LPM_KEY_SIZE_MAX 260u /* u32 prefixlen + 256 bytes of data */
#define LPM_VALUE_SIZE_MAX (KERNEL_KMALLOC_MAX_SIZE - 256u - KERNEL_LPM_NODE_SIZE)

static const char *const flag_names[] = {
    "BPF_F_NO_PREALLOC", "BPF_F_NO_COMMON_LRU", "BPF_F_NUMA_NODE",  "BPF_F_RDONLY",
    "BPF_F_WRONLY",      "BPF_F_STACK_BUILD_ID", "BPF_F_ZERO_SEED", "BPF_F_RDONLY_PROG",
    "BPF_F_WRONLY_PROG", "BPF_F_CLONE",          "BPF_F_MMAPABLE",  "BPF_F_PRESERVE_ELEMS",
    "BPF_F_INNER_MAP",
};

static const char *flag_name(uint32_t bit)
{
    unsigned idx = (unsigned)__builtin_ctz(bit);
    return idx < sizeof(flag_names) / sizeof(flag_names[0]) ? flag_names[idx] : "an unknown flag";
}

static int bad_field(const struct ebpf_map_spec *spec, const struct map_type_desc *desc,
                     char *err, size_t errlen, int code, const char *field, uint32_t value,
                     const char *why)
{
    return ebpf_maps_errf(err, errlen, code, "map '%s': %s %u is invalid for %s %s map (%s)",
                          spec->name, field, value, desc->article, desc->name, why);
}

/* Flags outside allowed: names the lowest offending bit. */
static int bad_flags(const struct ebpf_map_spec *spec, const struct map_type_desc *desc,
                     char *err, size_t errlen, uint32_t flags, const char *why)
{
    uint32_t bit = flags & -flags;
    return ebpf_maps_errf(err, errlen, -EINVAL,
                          "map '%s': map_flags 0x%x is invalid for %s %s map (%s %s)",
                          spec->name, spec->map_flags, desc->article, desc->name, flag_name(bit),
                          why);
}

static int check_flag_mask(const struct ebpf_map_spec *spec, const struct map_type_desc *desc,
                           uint32_t allowed, char *err, size_t errlen)
{
    uint32_t extra = spec->map_flags & ~allowed;
    return extra ? bad_flags(spec, desc, err, errlen, extra, "is not supported") : 0;
}

/* A program cannot be denied both reading and writing. */
static int check_prog_access(const struct ebpf_map_spec *spec, const struct map_type_desc *desc,
                             char *err, size_t errlen)
{
    const uint32_t both = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
    if ((spec->map_flags & both) == both)
        return bad_flags(spec, desc, err, errlen, BPF_F_WRONLY_PROG,
                         "cannot be combined with BPF_F_RDONLY_PROG");
    return 0;
}

static int check_name(const struct ebpf_map_spec *spec, char *err, size_t errlen)
{
    const char *end = memchr(spec->name, '\0', sizeof(spec->name));
    if (!end)
        return ebpf_maps_errf(err, errlen, -EINVAL,
                              "map '%.16s': name is longer than 15 characters", spec->name);
    for (const char *c = spec->name; c < end; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
            return ebpf_maps_errf(err, errlen, -EINVAL,
                                  "map '%s': name contains '%c' (only letters, digits, '_' "
                                  "and '.' are allowed)",
                                  spec->name, *c);
    return 0;
}

int ebpf_maps_check_common(const struct ebpf_map_spec *spec, unsigned n_cpus, char *err,
                           size_t errlen)
{
    int rc = check_name(spec, err, errlen);
    if (rc)
        return rc;
    if (n_cpus == 0)
        return ebpf_maps_errf(err, errlen, -EINVAL, "map '%s': n_cpus must be at least 1",
                              spec->name);
    if ((spec->map_flags & (BPF_F_RDONLY | BPF_F_WRONLY)) == (BPF_F_RDONLY | BPF_F_WRONLY))
        return ebpf_maps_errf(err, errlen, -EINVAL,
                              "map '%s': map_flags 0x%x sets both BPF_F_RDONLY and BPF_F_WRONLY",
                              spec->name, spec->map_flags);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Arrays. */

int ebpf_maps_check_array(struct ebpf_map_spec *spec, unsigned n_cpus,
                          const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    bool percpu = desc->traits & MAP_TRAIT_PERCPU;
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (spec->key_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 4");
    if (spec->value_size == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", 0, "must be > 0");
    int rc = check_flag_mask(spec, desc, ARRAY_FLAGS, err, errlen);
    if (!rc)
        rc = check_prog_access(spec, desc, err, errlen);
    if (rc)
        return rc;
    if (percpu && (spec->map_flags & BPF_F_NUMA_NODE))
        return bad_flags(spec, desc, err, errlen, BPF_F_NUMA_NODE,
                         "does not apply to per-CPU values");
    uint32_t array_only = spec->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP);
    if (spec->type != BPF_MAP_TYPE_ARRAY && array_only)
        return bad_flags(spec, desc, err, errlen, array_only, "is only for plain arrays");
    if (spec->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY && (spec->map_flags & BPF_F_PRESERVE_ELEMS))
        return bad_flags(spec, desc, err, errlen, BPF_F_PRESERVE_ELEMS,
                         "is only for perf_event_array maps");
    if (spec->value_size > INT_MAX)
        return bad_field(spec, desc, err, errlen, -E2BIG, "value_size", spec->value_size,
                         "must be at most INT_MAX");
    if (percpu && round_up_8(spec->value_size) > KERNEL_PCPU_MIN_UNIT_SIZE)
        return bad_field(spec, desc, err, errlen, -E2BIG, "value_size", spec->value_size,
                         "per-CPU values are limited to 32768 bytes");
    return 0;
}

int ebpf_maps_check_fd_array(struct ebpf_map_spec *spec, unsigned n_cpus,
                             const struct map_type_desc *desc, char *err, size_t errlen)
{
    if (spec->value_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 4: the value is an object reference");
    uint32_t prog_access = spec->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
    if (prog_access)
        return bad_flags(spec, desc, err, errlen, prog_access, "is not supported");
    return ebpf_maps_check_array(spec, n_cpus, desc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Hash tables. */

static int check_hash_flags(const struct ebpf_map_spec *spec, bool lru, bool percpu,
                            const struct map_type_desc *desc, char *err, size_t errlen)
{
    int rc = check_flag_mask(spec, desc, HASH_FLAGS, err, errlen);
    if (!rc)
        rc = check_prog_access(spec, desc, err, errlen);
    if (rc)
        return rc;
    bool percpu_lru = spec->map_flags & BPF_F_NO_COMMON_LRU;
    if (!lru && percpu_lru)
        return bad_flags(spec, desc, err, errlen, BPF_F_NO_COMMON_LRU, "is only for LRU maps");
    if (lru && (spec->map_flags & BPF_F_NO_PREALLOC))
        return ebpf_maps_errf(err, errlen, -EBPF_ENOTSUPP,
                              "map '%s': map_flags 0x%x is not supported for %s %s map "
                              "(BPF_F_NO_PREALLOC: LRU maps are always preallocated)",
                              spec->name, spec->map_flags, desc->article, desc->name);
    if ((spec->map_flags & BPF_F_NUMA_NODE) && (percpu || percpu_lru))
        return bad_flags(spec, desc, err, errlen, BPF_F_NUMA_NODE,
                         "does not apply to per-CPU values or lists");
    return 0;
}

static int check_hash_sizes(const struct ebpf_map_spec *spec, bool percpu,
                            const struct map_type_desc *desc, char *err, size_t errlen)
{
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (spec->key_size == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", 0, "must be > 0");
    if (spec->value_size == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", 0, "must be > 0");
    /* The kernel kmallocs key and value together for the syscall side. */
    if ((uint64_t)spec->key_size + spec->value_size >=
        KERNEL_KMALLOC_MAX_SIZE - KERNEL_HTAB_ELEM_SIZE)
        return bad_field(spec, desc, err, errlen, -E2BIG, "value_size", spec->value_size,
                         "key_size + value_size must be below 4194256");
    if (percpu && round_up_8(spec->value_size) > KERNEL_PCPU_MIN_UNIT_SIZE)
        return bad_field(spec, desc, err, errlen, -E2BIG, "value_size", spec->value_size,
                         "per-CPU values are limited to 32768 bytes");
    return 0;
}

/* BPF_F_NO_COMMON_LRU gives each CPU an equal share of the elements. */
static void round_lru_entries_per_cpu(struct ebpf_map_spec *spec, unsigned n_cpus)
{
    uint64_t up = ((uint64_t)spec->max_entries + n_cpus - 1) / n_cpus * n_cpus;
    if (up <= UINT32_MAX)
        spec->max_entries = (uint32_t)up;
    else
        spec->max_entries = spec->max_entries / n_cpus * n_cpus;
}

int ebpf_maps_check_hash(struct ebpf_map_spec *spec, unsigned n_cpus,
                         const struct map_type_desc *desc, char *err, size_t errlen)
{
    bool lru = desc->traits & MAP_TRAIT_LRU;
    bool percpu = desc->traits & MAP_TRAIT_PERCPU;
    int rc = check_hash_flags(spec, lru, percpu, desc, err, errlen);
    if (!rc)
        rc = check_hash_sizes(spec, percpu, desc, err, errlen);
    if (rc)
        return rc;
    if (spec->map_flags & BPF_F_NO_COMMON_LRU)
        round_lru_entries_per_cpu(spec, n_cpus);
    if (spec->max_entries > (1u << 31))
        return bad_field(spec, desc, err, errlen, -E2BIG, "max_entries", spec->max_entries,
                         "must be at most 2147483648");
    return 0;
}

int ebpf_maps_check_fd_hash(struct ebpf_map_spec *spec, unsigned n_cpus,
                            const struct map_type_desc *desc, char *err, size_t errlen)
{
    if (spec->value_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 4: the value is an object reference");
    return ebpf_maps_check_hash(spec, n_cpus, desc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* LPM trie. */

int ebpf_maps_check_lpm(struct ebpf_map_spec *spec, unsigned n_cpus,
                        const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (!(spec->map_flags & BPF_F_NO_PREALLOC))
        return ebpf_maps_errf(err, errlen, -EINVAL,
                              "map '%s': map_flags 0x%x is invalid for an lpm_trie map "
                              "(BPF_F_NO_PREALLOC is required)",
                              spec->name, spec->map_flags);
    int rc = check_flag_mask(spec, desc, LPM_FLAGS, err, errlen);
    if (!rc)
        rc = check_prog_access(spec, desc, err, errlen);
    if (rc)
        return rc;
    if (spec->key_size < LPM_KEY_SIZE_MIN || spec->key_size > LPM_KEY_SIZE_MAX)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 5..260: a u32 prefixlen then 1..256 bytes of data");
    if (spec->value_size == 0 || spec->value_size > LPM_VALUE_SIZE_MAX)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 1..4194024");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Reference maps of the XDP redirect family. */

int ebpf_maps_check_devmap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (spec->key_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 4");
    if (spec->value_size != 4 && spec->value_size != 8)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 4 (ifindex) or 8 (ifindex, program)");
    int rc = check_flag_mask(spec, desc, DEVMAP_FLAGS, err, errlen);
    if (rc)
        return rc;
    if (spec->type == BPF_MAP_TYPE_DEVMAP_HASH && spec->max_entries > (1u << 31))
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", spec->max_entries,
                         "must be at most 2147483648");
    return 0;
}

int ebpf_maps_check_cpumap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (spec->key_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 4");
    if (spec->value_size != 4 && spec->value_size != 8)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 4 (qsize) or 8 (qsize, program)");
    int rc = check_flag_mask(spec, desc, CPUMAP_FLAGS, err, errlen);
    if (rc)
        return rc;
    if (spec->max_entries > KERNEL_NR_CPUS)
        return bad_field(spec, desc, err, errlen, -E2BIG, "max_entries", spec->max_entries,
                         "must be at most NR_CPUS (8192)");
    return 0;
}

int ebpf_maps_check_xskmap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    if (spec->max_entries == 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", 0, "must be > 0");
    if (spec->key_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 4");
    if (spec->value_size != 4)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 4: the value is a socket reference");
    return check_flag_mask(spec, desc, XSKMAP_FLAGS, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Ring buffer. */

int ebpf_maps_check_ringbuf(struct ebpf_map_spec *spec, unsigned n_cpus,
                            const struct map_type_desc *desc, char *err, size_t errlen)
{
    (void)n_cpus;
    int rc = check_flag_mask(spec, desc, RINGBUF_FLAGS, err, errlen);
    if (rc)
        return rc;
    if (spec->key_size != 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "key_size", spec->key_size,
                         "must be 0");
    if (spec->value_size != 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "value_size", spec->value_size,
                         "must be 0");
    uint32_t size = spec->max_entries;
    uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
    if (size == 0 || (size & (size - 1)) != 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", size,
                         "the data size must be a power of 2");
    if (size % page != 0)
        return bad_field(spec, desc, err, errlen, -EINVAL, "max_entries", size,
                         "the data size must be a multiple of the page size");
    return 0;
}
