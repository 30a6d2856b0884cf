/*
 * BPF maps: public entry points, the per-type table and shared helpers.
 *
 * The syscall-side entry points add what the bpf(2) command layer checks
 * before a map's own operation runs (BPF_F_RDONLY / BPF_F_WRONLY access,
 * BPF_F_LOCK without a spin lock); the program-side entry points call the
 * map's operation directly, as helpers do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "maps_int.h"

static const struct map_type_desc map_types[] = {
    {BPF_MAP_TYPE_ARRAY, "array", "an", 0, ebpf_maps_check_array, &ebpf_maps_array_ops},
    {BPF_MAP_TYPE_PERCPU_ARRAY, "percpu_array", "a", MAP_TRAIT_PERCPU, ebpf_maps_check_array,
     &ebpf_maps_array_ops},
    {BPF_MAP_TYPE_PROG_ARRAY, "prog_array", "a", 0, ebpf_maps_check_fd_array,
     &ebpf_maps_fd_array_ops},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, "array_of_maps", "an", 0, ebpf_maps_check_fd_array,
     &ebpf_maps_fd_array_ops},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, "perf_event_array", "a", 0, ebpf_maps_check_fd_array,
     &ebpf_maps_perf_array_ops},
    {BPF_MAP_TYPE_DEVMAP, "devmap", "a", 0, ebpf_maps_check_devmap, &ebpf_maps_devmap_ops},
    {BPF_MAP_TYPE_CPUMAP, "cpumap", "a", 0, ebpf_maps_check_cpumap, &ebpf_maps_cpumap_ops},
    {BPF_MAP_TYPE_XSKMAP, "xskmap", "an", 0, ebpf_maps_check_xskmap, &ebpf_maps_xskmap_ops},
    {BPF_MAP_TYPE_HASH, "hash", "a", MAP_TRAIT_HASHED, ebpf_maps_check_hash,
     &ebpf_maps_hash_ops},
    {BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash", "a", MAP_TRAIT_HASHED | MAP_TRAIT_PERCPU,
     ebpf_maps_check_hash, &ebpf_maps_percpu_hash_ops},
    {BPF_MAP_TYPE_LRU_HASH, "lru_hash", "an", MAP_TRAIT_HASHED | MAP_TRAIT_LRU,
     ebpf_maps_check_hash, &ebpf_maps_lru_hash_ops},
    {BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash", "an",
     MAP_TRAIT_HASHED | MAP_TRAIT_LRU | MAP_TRAIT_PERCPU, ebpf_maps_check_hash,
     &ebpf_maps_lru_hash_ops},
    {BPF_MAP_TYPE_HASH_OF_MAPS, "hash_of_maps", "a", MAP_TRAIT_HASHED, ebpf_maps_check_fd_hash,
     &ebpf_maps_hash_ops},
    {BPF_MAP_TYPE_DEVMAP_HASH, "devmap_hash", "a", MAP_TRAIT_HASHED, ebpf_maps_check_devmap,
     &ebpf_maps_devmap_hash_ops},
    {BPF_MAP_TYPE_LPM_TRIE, "lpm_trie", "an", MAP_TRAIT_HASHED, ebpf_maps_check_lpm,
     &ebpf_maps_lpm_ops},
    {BPF_MAP_TYPE_RINGBUF, "ringbuf", "a", 0, ebpf_maps_check_ringbuf, &ebpf_maps_ringbuf_ops},
};

/* ------------------------------------------------------------------ */
/* Shared helpers. */

int ebpf_maps_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

void *ebpf_maps_area_alloc(size_t size)
{
    /* NORESERVE + anonymous: pages appear (zeroed) only when touched, so a
     * 128 MiB array costs nothing until the program writes to it. */
    void *area = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return area == MAP_FAILED ? NULL : area;
}

void ebpf_maps_area_free(void *area, size_t size)
{
    if (area)
        munmap(area, size);
}

int ebpf_maps_alloc_storage(ebpf_map *map, uint32_t n_elems, char *err, size_t errlen)
{
    uint64_t bytes = (uint64_t)n_elems * map->elem_size;
    if (bytes > MODEL_MAX_STORAGE)
        return ebpf_maps_errf(err, errlen, -E2BIG,
                              "map '%s': max_entries %u x %u bytes per element needs %llu "
                              "bytes of storage, more than the model's 4 GiB limit",
                              map->spec.name, n_elems, map->elem_size,
                              (unsigned long long)bytes);
    map->storage = ebpf_maps_area_alloc((size_t)bytes);
    if (!map->storage)
        return ebpf_maps_errf(err, errlen, -ENOMEM,
                              "map '%s': cannot reserve %llu bytes of storage", map->spec.name,
                              (unsigned long long)bytes);
    map->storage_size = (size_t)bytes;
    return 0;
}

void ebpf_maps_store_value(const ebpf_map *map, uint8_t *elem, const struct map_value_src *src,
                           bool fresh)
{
    uint32_t vsize = map->spec.value_size;
    if (!map_is_percpu(map)) {
        memcpy(elem, src->data, vsize);
        if (fresh)
            memset(elem + vsize, 0, map->value_stride - vsize);
        return;
    }
    if (src->cpu < 0) {
        /* bpf(2) copies whole 8-byte-rounded slots, padding included. */
        memcpy(elem, src->data, map->elem_size);
        return;
    }
    if (fresh)
        memset(elem, 0, map->elem_size);
    memcpy(elem + (size_t)src->cpu * map->value_stride, src->data, vsize);
}

int ebpf_maps_pool_init(struct slot_pool *pool, uint32_t capacity)
{
    memset(pool, 0, sizeof(*pool));
    pool->capacity = capacity;
    pool->free_next = ebpf_maps_area_alloc((size_t)capacity * sizeof(uint32_t));
    return pool->free_next ? 0 : -ENOMEM;
}

void ebpf_maps_pool_fini(struct slot_pool *pool)
{
    ebpf_maps_area_free(pool->free_next, (size_t)pool->capacity * sizeof(uint32_t));
    pool->free_next = NULL;
}

uint32_t ebpf_maps_pool_get(struct slot_pool *pool)
{
    uint32_t slot;
    if (pool->free_head != SLOT_NONE) {
        /* Reuse the most recently freed slot, as the kernel's freelist does. */
        slot = pool->free_head - 1;
        pool->free_head = pool->free_next[slot];
    } else if (pool->never_used < pool->capacity) {
        slot = pool->never_used++;
    } else {
        return UINT32_MAX;
    }
    pool->in_use++;
    return slot;
}

void ebpf_maps_pool_put(struct slot_pool *pool, uint32_t slot)
{
    pool->free_next[slot] = pool->free_head;
    pool->free_head = slot + 1;
    pool->in_use--;
}

/* ------------------------------------------------------------------ */
/* Creation. */

static const struct map_type_desc *find_type(uint32_t type)
{
    for (size_t i = 0; i < sizeof(map_types) / sizeof(map_types[0]); i++)
        if (map_types[i].type == type)
            return &map_types[i];
    return NULL;
}

ebpf_map *ebpf_map_create(const struct ebpf_map_spec *spec, unsigned n_cpus, char *err,
                          size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    int rc = ebpf_maps_check_common(spec, n_cpus, err, errlen);
    const struct map_type_desc *desc = find_type(spec->type);
    if (!rc && !desc)
        rc = ebpf_maps_errf(err, errlen, -EINVAL, "map '%s': type %u is not supported",
                            spec->name, spec->type);
    struct ebpf_map_spec checked = *spec; /* checks may adjust max_entries */
    if (!rc)
        rc = desc->check(&checked, n_cpus, desc, err, errlen);
    if (rc) {
        errno = -rc;
        return NULL;
    }

    ebpf_map *map = calloc(1, sizeof(*map));
    if (!map) {
        ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", spec->name);
        errno = ENOMEM;
        return NULL;
    }
    map->spec = checked;
    map->desc = desc;
    map->n_cpus = n_cpus;
    map->value_stride = round_up_8(checked.value_size);
    map->elem_size = map->value_stride * (map_is_percpu(map) ? n_cpus : 1);
    rc = desc->ops->init(map, err, errlen);
    if (rc) {
        ebpf_map_destroy(map);
        errno = -rc;
        return NULL;
    }
    return map;
}

void ebpf_map_destroy(ebpf_map *map)
{
    if (!map)
        return;
    map->desc->ops->fini(map);
    free(map);
}

const struct ebpf_map_spec *ebpf_map_get_spec(const ebpf_map *map)
{
    return &map->spec;
}

unsigned ebpf_map_n_cpus(const ebpf_map *map)
{
    return map->n_cpus;
}

bool ebpf_map_is_percpu(const ebpf_map *map)
{
    return map_is_percpu(map);
}

uint32_t ebpf_map_count(const ebpf_map *map)
{
    return map->desc->ops->count(map);
}

void ebpf_map_storage(const ebpf_map *map, uint8_t **base, size_t *size)
{
    *base = map->storage;
    *size = map->storage_size;
}

/* ------------------------------------------------------------------ */
/* Program side. */

void *ebpf_map_lookup(ebpf_map *map, const void *key, unsigned cpu)
{
    if (map_is_percpu(map) && cpu >= map->n_cpus)
        return NULL;
    uint8_t *elem = map->desc->ops->find(map, key, true);
    if (!elem || !map_is_percpu(map))
        return elem;
    return elem + (size_t)cpu * map->value_stride;
}

int ebpf_map_update(ebpf_map *map, const void *key, const void *value, uint64_t flags,
                    unsigned cpu)
{
    if (map_is_percpu(map) && cpu >= map->n_cpus)
        return -EINVAL;
    struct map_value_src src = {value, map_is_percpu(map) ? (int)cpu : -1};
    return map->desc->ops->update(map, key, &src, flags);
}

int ebpf_map_delete(ebpf_map *map, const void *key)
{
    return map->desc->ops->delete(map, key);
}

/* ------------------------------------------------------------------ */
/* Syscall side. */

size_t ebpf_map_sys_value_size(const ebpf_map *map)
{
    return map_is_percpu(map) ? map->elem_size : map->spec.value_size;
}

static bool sys_can_read(const ebpf_map *map)
{
    return !(map->spec.map_flags & BPF_F_WRONLY);
}

static bool sys_can_write(const ebpf_map *map)
{
    return !(map->spec.map_flags & BPF_F_RDONLY);
}

int ebpf_map_sys_lookup(ebpf_map *map, const void *key, void *value)
{
    if (!sys_can_read(map))
        return -EPERM;
    if (map->desc->ops->sys_lookup)
        return map->desc->ops->sys_lookup(map, key, value);
    const uint8_t *elem = map->desc->ops->find(map, key, false);
    if (!elem)
        return -ENOENT;
    memcpy(value, elem, ebpf_map_sys_value_size(map));
    return 0;
}

int ebpf_map_sys_update(ebpf_map *map, const void *key, const void *value, uint64_t flags)
{
    if (!sys_can_write(map))
        return -EPERM;
    /* No model map carries a bpf_spin_lock, so BPF_F_LOCK is refused. */
    if (flags & BPF_F_LOCK)
        return -EINVAL;
    struct map_value_src src = {value, -1};
    return map->desc->ops->update(map, key, &src, flags);
}

int ebpf_map_sys_delete(ebpf_map *map, const void *key)
{
    if (!sys_can_write(map))
        return -EPERM;
    return map->desc->ops->delete(map, key);
}

int ebpf_map_get_next_key(ebpf_map *map, const void *key, void *next_key)
{
    if (!sys_can_read(map))
        return -EPERM;
    return map->desc->ops->get_next_key(map, key, next_key);
}
