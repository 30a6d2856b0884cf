/*
 * Array-like maps: the key is a u32 index below max_entries and element i
 * lives at storage + i * elem_size.
 *
 * Plain arrays (array, percpu_array) hold a value at every index from the
 * start.  Reference arrays (prog_array, array_of_maps, perf_event_array,
 * devmap, cpumap, xskmap) hold a reference only where one was stored, so
 * they keep a presence byte per index; each type has the kernel's own rules
 * for flags and errnos on update and delete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps_int.h"

struct array_state {
    uint8_t *present; /* reference arrays only: 1 where a value is stored */
};

static struct array_state *array_state(const ebpf_map *map)
{
    return map->impl;
}

static bool array_index(const ebpf_map *map, const void *key, uint32_t *index)
{
    *index = map_key_u32(key);
    return *index < map->spec.max_entries;
}

static uint8_t *array_elem(const ebpf_map *map, uint32_t index)
{
    return map->storage + (size_t)index * map->elem_size;
}

static int array_init(ebpf_map *map, char *err, size_t errlen, bool with_presence)
{
    struct array_state *st = calloc(1, sizeof(*st));
    if (!st)
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", map->spec.name);
    map->impl = st;
    int rc = ebpf_maps_alloc_storage(map, map->spec.max_entries, err, errlen);
    if (rc)
        return rc;
    if (with_presence) {
        st->present = ebpf_maps_area_alloc(map->spec.max_entries);
        if (!st->present)
            return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory",
                                  map->spec.name);
    }
    return 0;
}

static int plain_array_init(ebpf_map *map, char *err, size_t errlen)
{
    return array_init(map, err, errlen, false);
}

static int ref_array_init(ebpf_map *map, char *err, size_t errlen)
{
    return array_init(map, err, errlen, true);
}

static void array_fini(ebpf_map *map)
{
    struct array_state *st = array_state(map);
    ebpf_maps_area_free(map->storage, map->storage_size);
    if (st)
        ebpf_maps_area_free(st->present, map->spec.max_entries);
    free(st);
}

static uint32_t array_count(const ebpf_map *map)
{
    return map->spec.max_entries;
}

/* Every array type iterates by index, present or not, as the kernel does. */
static int array_get_next_key(ebpf_map *map, const void *key, void *next_key)
{
    uint32_t index = key ? map_key_u32(key) : UINT32_MAX;
    uint32_t next;
    if (index >= map->spec.max_entries)
        next = 0;
    else if (index == map->spec.max_entries - 1)
        return -ENOENT;
    else
        next = index + 1;
    memcpy(next_key, &next, sizeof(next));
    return 0;
}

/* ------------------------------------------------------------------ */
/* array, percpu_array */

static uint8_t *plain_array_find(ebpf_map *map, const void *key, bool prog_side)
{
    (void)prog_side;
    uint32_t index;
    return array_index(map, key, &index) ? array_elem(map, index) : NULL;
}

static int plain_array_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                              uint64_t flags)
{
    uint32_t index;
    if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
        return -EINVAL;
    if (!array_index(map, key, &index))
        return -E2BIG; /* every element exists; none can be added */
    if (flags & BPF_NOEXIST)
        return -EEXIST;
    if (flags & BPF_F_LOCK)
        return -EINVAL; /* no bpf_spin_lock in the value */
    ebpf_maps_store_value(map, array_elem(map, index), src, false);
    return 0;
}

static int plain_array_delete(ebpf_map *map, const void *key)
{
    (void)map;
    (void)key;
    return -EINVAL; /* array elements cannot be removed */
}

const struct map_ops ebpf_maps_array_ops = {
    .init = plain_array_init,
    .fini = array_fini,
    .find = plain_array_find,
    .update = plain_array_update,
    .delete = plain_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
};

/* ------------------------------------------------------------------ */
/* Shared by the reference arrays. */

static uint8_t *ref_array_find(ebpf_map *map, const void *key, bool prog_side)
{
    (void)prog_side;
    uint32_t index;
    if (!array_index(map, key, &index) || !array_state(map)->present[index])
        return NULL;
    return array_elem(map, index);
}

static void ref_array_store(ebpf_map *map, uint32_t index, const struct map_value_src *src)
{
    ebpf_maps_store_value(map, array_elem(map, index), src, true);
    array_state(map)->present[index] = 1;
}

static void ref_array_clear(ebpf_map *map, uint32_t index)
{
    memset(array_elem(map, index), 0, map->elem_size);
    array_state(map)->present[index] = 0;
}

/* ------------------------------------------------------------------ */
/* prog_array, array_of_maps, perf_event_array: BPF_ANY only. */

static int fd_array_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                           uint64_t flags)
{
    uint32_t index;
    if (flags != BPF_ANY)
        return -EINVAL;
    if (!array_index(map, key, &index))
        return -E2BIG;
    ref_array_store(map, index, src);
    return 0;
}

static int fd_array_delete(ebpf_map *map, const void *key)
{
    uint32_t index;
    if (!array_index(map, key, &index))
        return -E2BIG;
    if (!array_state(map)->present[index])
        return -ENOENT;
    ref_array_clear(map, index);
    return 0;
}

/* The kernel has no syscall-side view of a perf event. */
static int perf_array_sys_lookup(ebpf_map *map, const void *key, void *value)
{
    (void)map;
    (void)key;
    (void)value;
    return -EBPF_ENOTSUPP;
}

const struct map_ops ebpf_maps_fd_array_ops = {
    .init = ref_array_init,
    .fini = array_fini,
    .find = ref_array_find,
    .update = fd_array_update,
    .delete = fd_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
};

const struct map_ops ebpf_maps_perf_array_ops = {
    .init = ref_array_init,
    .fini = array_fini,
    .find = ref_array_find,
    .update = fd_array_update,
    .delete = fd_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
    .sys_lookup = perf_array_sys_lookup,
};

/* ------------------------------------------------------------------ */
/* devmap, cpumap, xskmap: delete always succeeds inside the array. */

static int redirect_array_delete(ebpf_map *map, const void *key)
{
    uint32_t index;
    if (!array_index(map, key, &index))
        return -EINVAL;
    ref_array_clear(map, index);
    return 0;
}

/* Value is {u32 ifindex; s32 prog} (prog only when value_size is 8);
 * ifindex 0 empties the slot. */
static int devmap_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                         uint64_t flags)
{
    uint32_t index;
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (!array_index(map, key, &index))
        return -E2BIG;
    if (flags == BPF_NOEXIST)
        return -EEXIST; /* every slot counts as existing */
    uint32_t ifindex = map_key_u32(src->data);
    if (ifindex == 0) {
        int32_t prog = -1;
        if (map->spec.value_size == 8)
            memcpy(&prog, src->data + 4, sizeof(prog));
        if (prog > 0)
            return -EINVAL; /* a program needs a device */
        ref_array_clear(map, index);
        return 0;
    }
    ref_array_store(map, index, src);
    return 0;
}

const struct map_ops ebpf_maps_devmap_ops = {
    .init = ref_array_init,
    .fini = array_fini,
    .find = ref_array_find,
    .update = devmap_update,
    .delete = redirect_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
};

/* Value is {u32 qsize; s32 prog}; the key must be a CPU that exists and
 * qsize 0 empties the slot. */
static int cpumap_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                         uint64_t flags)
{
    uint32_t index;
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (!array_index(map, key, &index))
        return -E2BIG;
    if (flags == BPF_NOEXIST)
        return -EEXIST;
    uint32_t qsize = map_key_u32(src->data);
    if (qsize > KERNEL_CPUMAP_MAX_QSIZE)
        return -EOVERFLOW;
    if (index >= map->n_cpus)
        return -ENODEV;
    if (qsize == 0)
        ref_array_clear(map, index);
    else
        ref_array_store(map, index, src);
    return 0;
}

const struct map_ops ebpf_maps_cpumap_ops = {
    .init = ref_array_init,
    .fini = array_fini,
    .find = ref_array_find,
    .update = cpumap_update,
    .delete = redirect_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
};

/* Sockets are tracked as present or not, so both flags apply. */
static int xskmap_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                         uint64_t flags)
{
    uint32_t index;
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (!array_index(map, key, &index))
        return -E2BIG;
    bool present = array_state(map)->present[index];
    if (present && memcmp(array_elem(map, index), src->data, sizeof(uint32_t)) == 0)
        return 0; /* the same socket again: nothing changes, whatever the flags */
    if (present && flags == BPF_NOEXIST)
        return -EEXIST;
    if (!present && flags == BPF_EXIST)
        return -ENOENT;
    ref_array_store(map, index, src);
    return 0;
}

/* bpf(2) cannot read a socket back out of an xskmap. */
static int xskmap_sys_lookup(ebpf_map *map, const void *key, void *value)
{
    (void)map;
    (void)key;
    (void)value;
    return -EOPNOTSUPP;
}

const struct map_ops ebpf_maps_xskmap_ops = {
    .init = ref_array_init,
    .fini = array_fini,
    .find = ref_array_find,
    .update = xskmap_update,
    .delete = redirect_array_delete,
    .get_next_key = array_get_next_key,
    .count = array_count,
    .sys_lookup = xskmap_sys_lookup,
};
