/*
 * maps_int.h - private interface between the BPF map files.
 *
 * maps.c holds the public entry points and the per-type table; each family
 * of map types (arrays, hash tables, LPM tries, ring buffers) lives in its
 * own file and plugs in through struct map_ops.  Creation checks are in
 * maps_check.c.
 */
#ifndef EBPF_MAPS_INT_H
#define EBPF_MAPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebpf_maps.h"

/* The kernel's internal "operation not supported" errno (ENOTSUPP), which
 * bpf(2) hands to user space unchanged for some map operations. */
#define EBPF_ENOTSUPP 524

/* Slot indices are stored +1 so that zero-filled (untouched) memory reads
 * as "no slot": index arrays never need initialising, so they cost nothing
 * until used. */
#define SLOT_NONE 0u

/* Sizes the kernel derives from its allocators (x86-64, 4 KiB pages). */
#define KERNEL_KMALLOC_MAX_SIZE (4u << 20)
#define KERNEL_HTAB_ELEM_SIZE 48u   /* sizeof(struct htab_elem) */
#define KERNEL_LPM_NODE_SIZE 24u    /* sizeof(struct lpm_trie_node) */
#define KERNEL_PCPU_MIN_UNIT_SIZE 32768u
#define KERNEL_NR_CPUS 8192u        /* CONFIG_NR_CPUS of distribution kernels */
#define KERNEL_CPUMAP_MAX_QSIZE 16384u

/* The VM addresses a map's storage with 32-bit offsets. */
#define MODEL_MAX_STORAGE ((uint64_t)UINT32_MAX)

enum map_trait {
    MAP_TRAIT_PERCPU = 1u << 0, /* one value per CPU */
    MAP_TRAIT_LRU = 1u << 1,    /* evicts the least recently used element */
    MAP_TRAIT_HASHED = 1u << 2, /* holds only the keys inserted (count = elements) */
};

/* Where an update's value comes from: the syscall side passes every CPU's
 * copy (cpu < 0), the program side passes one value for one CPU. */
struct map_value_src {
    const uint8_t *data;
    int cpu;
};

struct map_ops {
    /* Allocate storage and index; spec checks have passed. */
    int (*init)(ebpf_map *map, char *err, size_t errlen);
    void (*fini)(ebpf_map *map);
    /* Value block of the element (all CPUs), or NULL.  prog_side marks a use
     * for LRU maps, as a helper call does. */
    uint8_t *(*find)(ebpf_map *map, const void *key, bool prog_side);
    int (*update)(ebpf_map *map, const void *key, const struct map_value_src *src,
                  uint64_t flags);
    int (*delete)(ebpf_map *map, const void *key);
    int (*get_next_key)(ebpf_map *map, const void *key, void *next_key);
    uint32_t (*count)(const ebpf_map *map);
    /* Optional: a syscall lookup that differs from find + copy. */
    int (*sys_lookup)(ebpf_map *map, const void *key, void *value);
};

struct map_type_desc {
    uint32_t type;
    const char *name;    /* "array", used in messages */
    const char *article; /* "an" */
    unsigned traits;
    /* Creation checks in the kernel's order; 0 or a negative errno. */
    int (*check)(struct ebpf_map_spec *spec, unsigned n_cpus, const struct map_type_desc *desc,
                 char *err, size_t errlen);
    const struct map_ops *ops;
};

struct ebpf_map {
    struct ebpf_map_spec spec;
    const struct map_type_desc *desc;
    unsigned n_cpus;
    uint32_t value_stride; /* value_size rounded up to 8 */
    uint32_t elem_size;    /* bytes per element in storage: stride x CPUs */
    uint8_t *storage;
    size_t storage_size;   /* what ebpf_map_storage reports */
    void *impl;            /* the family's private state */
};

/* ------------------------------------------------------------------ */
/* maps.c: shared helpers. */

/* Formats into err (if any) and returns code. */
int ebpf_maps_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Zero-filled memory that costs nothing until touched. */
void *ebpf_maps_area_alloc(size_t size);
void ebpf_maps_area_free(void *area, size_t size);

/* Allocates map->storage for n_elems elements of map->elem_size bytes. */
int ebpf_maps_alloc_storage(ebpf_map *map, uint32_t n_elems, char *err, size_t errlen);

/* Copies an update's value into an element; fresh elements start zeroed
 * on the CPUs the update does not cover. */
void ebpf_maps_store_value(const ebpf_map *map, uint8_t *elem, const struct map_value_src *src,
                           bool fresh);

static inline bool map_is_percpu(const ebpf_map *map)
{
    return (map->desc->traits & MAP_TRAIT_PERCPU) != 0;
}

static inline uint32_t map_key_u32(const void *key)
{
    uint32_t v;
    __builtin_memcpy(&v, key, sizeof(v));
    return v;
}

static inline uint32_t round_up_8(uint32_t n)
{
    return (uint32_t)(((uint64_t)n + 7) & ~(uint64_t)7);
}

/* ------------------------------------------------------------------ */
/* Slot pool: hands out element slots, reusing freed ones first. */

struct slot_pool {
    uint32_t capacity;
    uint32_t never_used; /* slots [never_used, capacity) were never handed out */
    uint32_t free_head;  /* slot + 1 of the last freed slot */
    uint32_t in_use;
    uint32_t *free_next; /* slot + 1 links of the free list */
};

int ebpf_maps_pool_init(struct slot_pool *pool, uint32_t capacity);
void ebpf_maps_pool_fini(struct slot_pool *pool);
/* Returns a slot, or UINT32_MAX when every slot is taken. */
uint32_t ebpf_maps_pool_get(struct slot_pool *pool);
void ebpf_maps_pool_put(struct slot_pool *pool, uint32_t slot);

/* ------------------------------------------------------------------ */
/* maps_check.c: creation checks. */

int ebpf_maps_check_common(const struct ebpf_map_spec *spec, unsigned n_cpus, char *err,
                           size_t errlen);
int ebpf_maps_check_array(struct ebpf_map_spec *spec, unsigned n_cpus,
                          const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_fd_array(struct ebpf_map_spec *spec, unsigned n_cpus,
                             const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_hash(struct ebpf_map_spec *spec, unsigned n_cpus,
                         const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_fd_hash(struct ebpf_map_spec *spec, unsigned n_cpus,
                            const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_lpm(struct ebpf_map_spec *spec, unsigned n_cpus,
                        const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_devmap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_cpumap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_xskmap(struct ebpf_map_spec *spec, unsigned n_cpus,
                           const struct map_type_desc *desc, char *err, size_t errlen);
int ebpf_maps_check_ringbuf(struct ebpf_map_spec *spec, unsigned n_cpus,
                            const struct map_type_desc *desc, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The families. */

extern const struct map_ops ebpf_maps_array_ops;       /* array, percpu_array */
extern const struct map_ops ebpf_maps_fd_array_ops;    /* prog_array, array_of_maps */
extern const struct map_ops ebpf_maps_perf_array_ops;  /* perf_event_array */
extern const struct map_ops ebpf_maps_devmap_ops;
extern const struct map_ops ebpf_maps_cpumap_ops;
extern const struct map_ops ebpf_maps_xskmap_ops;
extern const struct map_ops ebpf_maps_hash_ops;        /* hash, hash_of_maps */
extern const struct map_ops ebpf_maps_percpu_hash_ops;
extern const struct map_ops ebpf_maps_lru_hash_ops;    /* lru_hash, lru_percpu_hash */
extern const struct map_ops ebpf_maps_devmap_hash_ops;
extern const struct map_ops ebpf_maps_lpm_ops;
extern const struct map_ops ebpf_maps_ringbuf_ops;

#endif
