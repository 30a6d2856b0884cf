/*
 * Hash-table maps: hash, percpu_hash, lru_hash, lru_percpu_hash,
 * hash_of_maps and devmap_hash.
 *
 * Values live in max_entries preallocated slots of the map's storage, so a
 * value pointer is storage + slot * elem_size and stays put until the
 * element is deleted; freed slots are reused.  Keys live apart, in a
 * chained hash index whose arrays (bucket heads, chain links, keys) are
 * untouched zero pages until used.
 *
 * Iteration (get_next_key) runs in slot order, not the kernel's bucket
 * order: both visit every key exactly once and restart from the first key
 * when the given key is absent.
 *
 * Updates of an existing key overwrite its value in place; the kernel swaps
 * in a fresh element for non-per-CPU maps, which matters only to a reader
 * racing with the update.
 *
 * LRU maps keep an exact recency list: inserts, updates and program-side
 * lookups make an element the most recent; syscall lookups do not (as in the
 * kernel).  The kernel's LRU is approximate: it evicts in batches from
 * per-CPU free lists (so a full map can lose many elements at once, and an
 * element can go before the map is full when several CPUs insert), and uses
 * a reference bit rather than exact order.  The model evicts exactly one
 * element, the least recently used, and only when no slot is free.  Like the
 * kernel, it takes a free slot before looking the key up, so an update in a
 * full LRU map evicts even when the key exists or the flags then fail (the
 * per-CPU variant skips this for BPF_EXIST, as the kernel does).
 * BPF_F_NO_COMMON_LRU (per-CPU lists) is modelled with one shared list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps_int.h"

#define HASH_SEED 0x5bd1e9955bd1e995ull

struct hash_state {
    struct slot_pool pool;
    uint32_t n_buckets;    /* power of two >= max_entries */
    uint32_t *bucket_head; /* slot + 1 of the first element of each chain */
    uint32_t *chain_next;  /* slot + 1 of the next element in the chain */
    uint8_t *keys;         /* key of each slot */
    uint8_t *in_use;       /* 1 for slots holding an element */
    /* LRU maps: doubly linked recency list, most recent first. */
    uint32_t *lru_prev, *lru_next;
    uint32_t lru_head, lru_tail;
};

static struct hash_state *hash_state(const ebpf_map *map)
{
    return map->impl;
}

static bool map_is_lru(const ebpf_map *map)
{
    return (map->desc->traits & MAP_TRAIT_LRU) != 0;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

static uint32_t hash_key(const uint8_t *key, uint32_t len)
{
    uint64_t h = HASH_SEED ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull);
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, key, 8);
        h = mix64(h ^ word);
        key += 8;
        len -= 8;
    }
    if (len) {
        uint64_t word = 0;
        memcpy(&word, key, len);
        h = mix64(h ^ word);
    }
    return (uint32_t)mix64(h);
}

static uint8_t *slot_key(const ebpf_map *map, uint32_t slot)
{
    return hash_state(map)->keys + (size_t)slot * map->spec.key_size;
}

static uint8_t *slot_value(const ebpf_map *map, uint32_t slot)
{
    return map->storage + (size_t)slot * map->elem_size;
}

static uint32_t *bucket_of(const ebpf_map *map, const void *key)
{
    struct hash_state *st = hash_state(map);
    return &st->bucket_head[hash_key(key, map->spec.key_size) & (st->n_buckets - 1)];
}

/* Slot holding key, or UINT32_MAX. */
static uint32_t hash_lookup_slot(const ebpf_map *map, const void *key)
{
    struct hash_state *st = hash_state(map);
    for (uint32_t link = *bucket_of(map, key); link != SLOT_NONE; link = st->chain_next[link - 1])
        if (memcmp(slot_key(map, link - 1), key, map->spec.key_size) == 0)
            return link - 1;
    return UINT32_MAX;
}

/* ------------------------------------------------------------------ */
/* Recency list (LRU maps). */

static void lru_unlink(struct hash_state *st, uint32_t slot)
{
    uint32_t prev = st->lru_prev[slot], next = st->lru_next[slot];
    if (prev != SLOT_NONE)
        st->lru_next[prev - 1] = next;
    else
        st->lru_head = next;
    if (next != SLOT_NONE)
        st->lru_prev[next - 1] = prev;
    else
        st->lru_tail = prev;
    st->lru_prev[slot] = st->lru_next[slot] = SLOT_NONE;
}

static void lru_push_head(struct hash_state *st, uint32_t slot)
{
    st->lru_prev[slot] = SLOT_NONE;
    st->lru_next[slot] = st->lru_head;
    if (st->lru_head != SLOT_NONE)
        st->lru_prev[st->lru_head - 1] = slot + 1;
    else
        st->lru_tail = slot + 1;
    st->lru_head = slot + 1;
}

static void lru_touch(const ebpf_map *map, uint32_t slot)
{
    struct hash_state *st = hash_state(map);
    if (!map_is_lru(map) || st->lru_head == slot + 1)
        return;
    lru_unlink(st, slot);
    lru_push_head(st, slot);
}

/* ------------------------------------------------------------------ */
/* Element insertion and removal. */

static uint32_t hash_insert(ebpf_map *map, const void *key, const struct map_value_src *src)
{
    struct hash_state *st = hash_state(map);
    uint32_t slot = ebpf_maps_pool_get(&st->pool);
    if (slot == UINT32_MAX)
        return slot;
    memcpy(slot_key(map, slot), key, map->spec.key_size);
    uint32_t *head = bucket_of(map, key);
    st->chain_next[slot] = *head;
    *head = slot + 1;
    st->in_use[slot] = 1;
    if (map_is_lru(map))
        lru_push_head(st, slot);
    ebpf_maps_store_value(map, slot_value(map, slot), src, true);
    return slot;
}

static void hash_remove(ebpf_map *map, uint32_t slot)
{
    struct hash_state *st = hash_state(map);
    uint32_t *link = bucket_of(map, slot_key(map, slot));
    while (*link != slot + 1)
        link = &st->chain_next[*link - 1];
    *link = st->chain_next[slot];
    st->chain_next[slot] = SLOT_NONE;
    st->in_use[slot] = 0;
    if (map_is_lru(map))
        lru_unlink(st, slot);
    ebpf_maps_pool_put(&st->pool, slot);
}

/* ------------------------------------------------------------------ */
/* Life cycle. */

/* The index arrays: field, bytes, and whether this map type needs it. */
#define HASH_ARRAYS(X)                                                              \
    X(bucket_head, (size_t)st->n_buckets * sizeof(uint32_t), true)                  \
    X(chain_next, (size_t)cap * sizeof(uint32_t), true)                             \
    X(keys, (size_t)cap * map->spec.key_size, true)                                 \
    X(in_use, (size_t)cap, true)                                                    \
    X(lru_prev, (size_t)cap * sizeof(uint32_t), map_is_lru(map))                    \
    X(lru_next, (size_t)cap * sizeof(uint32_t), map_is_lru(map))

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static int hash_init(ebpf_map *map, char *err, size_t errlen)
{
    struct hash_state *st = calloc(1, sizeof(*st));
    if (!st)
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", map->spec.name);
    map->impl = st;
    uint32_t cap = map->spec.max_entries;
    int rc = ebpf_maps_alloc_storage(map, cap, err, errlen);
    if (rc)
        return rc;
    st->n_buckets = pow2_at_least(cap);
    bool ok = ebpf_maps_pool_init(&st->pool, cap) == 0;
#define ALLOC(field, size, wanted) \
    if (ok && (wanted))            \
        ok = (st->field = ebpf_maps_area_alloc(size)) != NULL;
    HASH_ARRAYS(ALLOC)
#undef ALLOC
    if (!ok)
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': cannot reserve the key index",
                              map->spec.name);
    return 0;
}

static void hash_fini(ebpf_map *map)
{
    struct hash_state *st = hash_state(map);
    ebpf_maps_area_free(map->storage, map->storage_size);
    if (!st)
        return;
    uint32_t cap = map->spec.max_entries;
#define FREE(field, size, wanted) ebpf_maps_area_free(st->field, size);
    HASH_ARRAYS(FREE)
#undef FREE
    ebpf_maps_pool_fini(&st->pool);
    free(st);
}

static uint32_t hash_count(const ebpf_map *map)
{
    return hash_state(map)->pool.in_use;
}

/* ------------------------------------------------------------------ */
/* Operations shared by every hash type. */

static uint8_t *hash_find(ebpf_map *map, const void *key, bool prog_side)
{
    uint32_t slot = hash_lookup_slot(map, key);
    if (slot == UINT32_MAX)
        return NULL;
    if (prog_side)
        lru_touch(map, slot);
    return slot_value(map, slot);
}

static int hash_delete(ebpf_map *map, const void *key)
{
    uint32_t slot = hash_lookup_slot(map, key);
    if (slot == UINT32_MAX)
        return -ENOENT;
    hash_remove(map, slot);
    return 0;
}

static int hash_get_next_key(ebpf_map *map, const void *key, void *next_key)
{
    struct hash_state *st = hash_state(map);
    uint32_t start = 0;
    if (key) {
        uint32_t slot = hash_lookup_slot(map, key);
        if (slot != UINT32_MAX)
            start = slot + 1;
    }
    for (uint32_t slot = start; slot < st->pool.never_used; slot++) {
        if (st->in_use[slot]) {
            memcpy(next_key, slot_key(map, slot), map->spec.key_size);
            return 0;
        }
    }
    return -ENOENT;
}

/* BPF_NOEXIST / BPF_EXIST against whether the key is present. */
static int check_exist_flags(bool present, uint64_t flags)
{
    if (present && flags == BPF_NOEXIST)
        return -EEXIST;
    if (!present && flags == BPF_EXIST)
        return -ENOENT;
    return 0;
}

/* Flags already validated; replaces in place or inserts. */
static int hash_store(ebpf_map *map, const void *key, const struct map_value_src *src,
                      uint64_t flags)
{
    uint32_t slot = hash_lookup_slot(map, key);
    int rc = check_exist_flags(slot != UINT32_MAX, flags);
    if (rc)
        return rc;
    if (slot != UINT32_MAX) {
        ebpf_maps_store_value(map, slot_value(map, slot), src, false);
        lru_touch(map, slot);
        return 0;
    }
    return hash_insert(map, key, src) == UINT32_MAX ? -E2BIG : 0;
}

/* ------------------------------------------------------------------ */
/* hash, hash_of_maps */

static int plain_hash_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                             uint64_t flags)
{
    if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
        return -EINVAL;
    if (flags & BPF_F_LOCK)
        return -EINVAL; /* no bpf_spin_lock in the value */
    return hash_store(map, key, src, flags);
}

const struct map_ops ebpf_maps_hash_ops = {
    .init = hash_init,
    .fini = hash_fini,
    .find = hash_find,
    .update = plain_hash_update,
    .delete = hash_delete,
    .get_next_key = hash_get_next_key,
    .count = hash_count,
};

/* ------------------------------------------------------------------ */
/* percpu_hash */

static int percpu_hash_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                              uint64_t flags)
{
    if (flags > BPF_EXIST)
        return -EINVAL;
    return hash_store(map, key, src, flags);
}

const struct map_ops ebpf_maps_percpu_hash_ops = {
    .init = hash_init,
    .fini = hash_fini,
    .find = hash_find,
    .update = percpu_hash_update,
    .delete = hash_delete,
    .get_next_key = hash_get_next_key,
    .count = hash_count,
};

/* ------------------------------------------------------------------ */
/* lru_hash, lru_percpu_hash */

static void lru_evict_oldest(ebpf_map *map)
{
    struct hash_state *st = hash_state(map);
    if (st->lru_tail != SLOT_NONE)
        hash_remove(map, st->lru_tail - 1);
}

static int lru_hash_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                           uint64_t flags)
{
    if (flags > BPF_EXIST)
        return -EINVAL;
    struct hash_state *st = hash_state(map);
    bool takes_fresh_slot = !map_is_percpu(map) || flags != BPF_EXIST;
    if (takes_fresh_slot && st->pool.in_use == st->pool.capacity)
        lru_evict_oldest(map);
    return hash_store(map, key, src, flags);
}

const struct map_ops ebpf_maps_lru_hash_ops = {
    .init = hash_init,
    .fini = hash_fini,
    .find = hash_find,
    .update = lru_hash_update,
    .delete = hash_delete,
    .get_next_key = hash_get_next_key,
    .count = hash_count,
};

/* ------------------------------------------------------------------ */
/* devmap_hash: value {u32 ifindex; s32 prog}.  Only BPF_NOEXIST is checked
 * (BPF_EXIST on a missing key inserts), and ifindex 0 names no device. */

static int devmap_hash_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                              uint64_t flags)
{
    if (flags > BPF_EXIST)
        return -EINVAL;
    uint32_t slot = hash_lookup_slot(map, key);
    if (slot != UINT32_MAX && (flags & BPF_NOEXIST))
        return -EEXIST;
    if (map_key_u32(src->data) == 0)
        return -EINVAL;
    if (slot != UINT32_MAX) {
        ebpf_maps_store_value(map, slot_value(map, slot), src, true);
        return 0;
    }
    return hash_insert(map, key, src) == UINT32_MAX ? -E2BIG : 0;
}

const struct map_ops ebpf_maps_devmap_hash_ops = {
    .init = hash_init,
    .fini = hash_fini,
    .find = hash_find,
    .update = devmap_hash_update,
    .delete = hash_delete,
    .get_next_key = hash_get_next_key,
    .count = hash_count,
};
