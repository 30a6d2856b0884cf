/*
 * ebpf_maps.h - BPF maps with the Linux kernel's semantics.
 *
 * A map owns one contiguous block of value storage, so the runtime can expose
 * it to programs as a single VM region (ebpf_map_storage): a pointer returned
 * by ebpf_map_lookup() is storage base + offset, and stays valid (element
 * slots are preallocated and reused, as the kernel's preallocated maps do).
 *
 * Two families of operations, as in the kernel:
 *  - program side (what helpers do): per-CPU maps act on one CPU's copy;
 *  - syscall side (what bpf(2) does): per-CPU values are n_cpus copies, each
 *    rounded up to 8 bytes, laid out one after another.
 * Errors are negative errno values with the kernel's choice of errno.
 *
 * Map types whose values are object references (prog_array, array_of_maps,
 * hash_of_maps, devmap, devmap_hash, cpumap, xskmap) store the 32-bit value
 * the caller gives (a program id, map id or ifindex); resolving it to an
 * object is the runtime's job.
 */
#ifndef EBPF_MAPS_H
#define EBPF_MAPS_H

#include <linux/bpf.h> /* enum bpf_map_type, BPF_ANY/NOEXIST/EXIST, BPF_F_* */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpf_map ebpf_map;

struct ebpf_map_spec {
    char name[16];       /* BPF_OBJ_NAME_LEN, NUL-terminated */
    uint32_t type;       /* enum bpf_map_type */
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    uint32_t map_flags;  /* BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, ... */
};

/* Validates like BPF_MAP_CREATE; err names the map and the field at fault. */
ebpf_map *ebpf_map_create(const struct ebpf_map_spec *spec, unsigned n_cpus, char *err,
                          size_t errlen);
void ebpf_map_destroy(ebpf_map *map);
const struct ebpf_map_spec *ebpf_map_get_spec(const ebpf_map *map);
unsigned ebpf_map_n_cpus(const ebpf_map *map);
/* Whether each CPU has its own copy of a value (percpu_array, percpu_hash,
 * lru_percpu_hash): bpf(2) then moves ebpf_map_n_cpus() values at once. */
bool ebpf_map_is_percpu(const ebpf_map *map);
/* Number of elements present (hash-like maps), or max_entries (arrays). */
uint32_t ebpf_map_count(const ebpf_map *map);

/* Program side. */
void *ebpf_map_lookup(ebpf_map *map, const void *key, unsigned cpu);
int ebpf_map_update(ebpf_map *map, const void *key, const void *value, uint64_t flags,
                    unsigned cpu);
int ebpf_map_delete(ebpf_map *map, const void *key);

/* Syscall side. */
size_t ebpf_map_sys_value_size(const ebpf_map *map);
int ebpf_map_sys_lookup(ebpf_map *map, const void *key, void *value);
int ebpf_map_sys_update(ebpf_map *map, const void *key, const void *value, uint64_t flags);
int ebpf_map_sys_delete(ebpf_map *map, const void *key);
/* key == NULL or not present: first key.  -ENOENT after the last key. */
int ebpf_map_get_next_key(ebpf_map *map, const void *key, void *next_key);

/* The block holding every value (and ring buffer data) of the map. */
void ebpf_map_storage(const ebpf_map *map, uint8_t **base, size_t *size);

/* BPF_MAP_TYPE_RINGBUF (max_entries = data size, a power of 2 and a multiple
 * of the page size).  Reserved records live in the map's storage. */
void *ebpf_ringbuf_reserve(ebpf_map *map, uint64_t size, uint64_t flags);
void ebpf_ringbuf_commit(ebpf_map *map, void *data, uint64_t flags, int discard);
int ebpf_ringbuf_output(ebpf_map *map, const void *data, uint64_t size, uint64_t flags);
/* Consumer side: calls fn for each submitted (not discarded) record in order,
 * frees the space, and returns the number of records consumed. */
int ebpf_ringbuf_drain(ebpf_map *map, void (*fn)(void *user, const void *data, uint32_t len),
                       void *user);

#ifdef __cplusplus
}
#endif
#endif
