/*
 * LPM trie: key = {u32 prefixlen; u8 data[key_size - 4]}, bits taken most
 * significant first.  Lookups return the longest stored prefix that covers
 * the key (only prefixes no longer than the key's prefixlen count); update
 * and delete act on the exact prefix.
 *
 * The index is a path-compressed binary trie whose shape depends only on
 * the set of prefixes: a node per stored prefix plus an intermediate node
 * wherever two prefixes part without a stored prefix at the fork.  Walking
 * it in post-order (children before parent, the 0 branch first) gives the
 * kernel's get_next_key order exactly.  Nodes keep the whole key data as
 * last given to update, host bits included, because get_next_key returns it.
 * Values live in preallocated slots of the map's storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps_int.h"

#define LPM_INTERMEDIATE UINT32_MAX /* node slot of a fork without a prefix */

struct lpm_node {
    struct lpm_node *child[2];
    struct lpm_node *parent;
    uint32_t prefixlen;
    uint32_t slot;
    uint8_t data[];
};

struct lpm_state {
    struct slot_pool pool; /* value slots; in_use = stored prefixes */
    struct lpm_node *root;
    uint32_t data_size;
    uint32_t max_prefixlen;
};

/* A key as the trie reads it. */
struct lpm_key {
    uint32_t prefixlen;
    const uint8_t *data;
};

static struct lpm_state *lpm_state(const ebpf_map *map)
{
    return map->impl;
}

static struct lpm_key parse_key(const void *key)
{
    struct lpm_key k = {map_key_u32(key), (const uint8_t *)key + sizeof(uint32_t)};
    return k;
}

static bool is_intermediate(const struct lpm_node *node)
{
    return node->slot == LPM_INTERMEDIATE;
}

static unsigned bit_at(const uint8_t *data, uint32_t index)
{
    return (data[index / 8] >> (7 - index % 8)) & 1;
}

/* Leading bits node and key share, up to the shorter of the two prefixes. */
static uint32_t shared_prefix_len(const struct lpm_node *node, const struct lpm_key *key)
{
    uint32_t limit = node->prefixlen < key->prefixlen ? node->prefixlen : key->prefixlen;
    uint32_t bits = 0;
    for (uint32_t i = 0; bits < limit; i++) {
        uint8_t diff = node->data[i] ^ key->data[i];
        if (diff) {
            bits += (uint32_t)__builtin_clz(diff) - 24;
            break;
        }
        bits += 8;
    }
    return bits < limit ? bits : limit;
}

static uint8_t *node_value(const ebpf_map *map, const struct lpm_node *node)
{
    return map->storage + (size_t)node->slot * map->elem_size;
}

/* The pointer that holds node: the root or its parent's child link. */
static struct lpm_node **link_of(struct lpm_state *st, const struct lpm_node *node)
{
    struct lpm_node *parent = node->parent;
    if (!parent)
        return &st->root;
    return &parent->child[parent->child[1] == node];
}

static void set_child(struct lpm_node *parent, unsigned side, struct lpm_node *child)
{
    parent->child[side] = child;
    if (child)
        child->parent = parent;
}

/* Puts node where old was (old may be NULL with link given). */
static void replace_at(struct lpm_node **link, struct lpm_node *parent, struct lpm_node *node)
{
    *link = node;
    if (node)
        node->parent = parent;
}

static struct lpm_node *node_new(const struct lpm_state *st, uint32_t prefixlen,
                                 const uint8_t *data, uint32_t slot)
{
    struct lpm_node *node = calloc(1, sizeof(*node) + st->data_size);
    if (!node)
        return NULL;
    node->prefixlen = prefixlen;
    node->slot = slot;
    memcpy(node->data, data, st->data_size);
    return node;
}

/*
 * Walks toward key's exact prefix.  Stops at the first node that does not
 * cover the key or has the key's prefixlen; returns the link holding that
 * node (NULL-valued when the walk fell off the trie) and sets *parent and
 * *shared for it.
 */
static struct lpm_node **walk_exact(struct lpm_state *st, const struct lpm_key *key,
                                    struct lpm_node **parent, uint32_t *shared)
{
    struct lpm_node **link = &st->root;
    *parent = NULL;
    *shared = 0;
    while (*link) {
        struct lpm_node *node = *link;
        *shared = shared_prefix_len(node, key);
        if (*shared != node->prefixlen || node->prefixlen == key->prefixlen)
            break;
        *parent = node;
        link = &node->child[bit_at(key->data, node->prefixlen)];
    }
    return link;
}

static struct lpm_node *exact_node(struct lpm_state *st, const struct lpm_key *key)
{
    struct lpm_node *parent;
    uint32_t shared;
    struct lpm_node *node = *walk_exact(st, key, &parent, &shared);
    if (!node || node->prefixlen != key->prefixlen || shared != key->prefixlen ||
        is_intermediate(node))
        return NULL;
    return node;
}

static struct lpm_node *longest_match(const struct lpm_state *st, const struct lpm_key *key)
{
    if (key->prefixlen > st->max_prefixlen)
        return NULL;
    struct lpm_node *best = NULL;
    for (struct lpm_node *node = st->root; node;) {
        if (shared_prefix_len(node, key) < node->prefixlen)
            break;
        if (!is_intermediate(node))
            best = node;
        if (node->prefixlen == st->max_prefixlen)
            break;
        node = node->child[bit_at(key->data, node->prefixlen)];
    }
    return best;
}

/* ------------------------------------------------------------------ */
/* Life cycle. */

static int lpm_init(ebpf_map *map, char *err, size_t errlen)
{
    struct lpm_state *st = calloc(1, sizeof(*st));
    if (!st)
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", map->spec.name);
    map->impl = st;
    st->data_size = map->spec.key_size - (uint32_t)sizeof(uint32_t);
    st->max_prefixlen = st->data_size * 8;
    int rc = ebpf_maps_alloc_storage(map, map->spec.max_entries, err, errlen);
    if (rc)
        return rc;
    if (ebpf_maps_pool_init(&st->pool, map->spec.max_entries))
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", map->spec.name);
    return 0;
}

static void free_subtree(struct lpm_node *node)
{
    if (!node)
        return;
    free_subtree(node->child[0]);
    free_subtree(node->child[1]);
    free(node);
}

static void lpm_fini(ebpf_map *map)
{
    struct lpm_state *st = lpm_state(map);
    ebpf_maps_area_free(map->storage, map->storage_size);
    if (!st)
        return;
    free_subtree(st->root);
    ebpf_maps_pool_fini(&st->pool);
    free(st);
}

static uint32_t lpm_count(const ebpf_map *map)
{
    return lpm_state(map)->pool.in_use;
}

/* ------------------------------------------------------------------ */
/* Operations. */

static uint8_t *lpm_find(ebpf_map *map, const void *key, bool prog_side)
{
    (void)prog_side;
    struct lpm_key k = parse_key(key);
    struct lpm_node *node = longest_match(lpm_state(map), &k);
    return node ? node_value(map, node) : NULL;
}

/* A slot for a prefix not yet stored, or the kernel's errno. */
static int take_slot_for_new(struct lpm_state *st, uint64_t flags, uint32_t *slot)
{
    if (flags == BPF_EXIST)
        return -ENOENT;
    *slot = ebpf_maps_pool_get(&st->pool);
    return *slot == UINT32_MAX ? -ENOSPC : 0;
}

/* Links a new prefix node where the walk stopped at existing node `at`,
 * which the key diverges from (or covers) after `shared` bits. */
static int link_new_node(struct lpm_state *st, struct lpm_node **link, struct lpm_node *parent,
                         uint32_t shared, struct lpm_node *fresh, const struct lpm_key *key)
{
    struct lpm_node *at = *link;
    if (!at) {
        replace_at(link, parent, fresh);
        return 0;
    }
    if (shared == key->prefixlen) {
        /* The new prefix covers `at`: it goes between `at` and its parent. */
        replace_at(link, parent, fresh);
        set_child(fresh, bit_at(at->data, shared), at);
        return 0;
    }
    struct lpm_node *fork = node_new(st, shared, at->data, LPM_INTERMEDIATE);
    if (!fork)
        return -ENOMEM;
    unsigned fresh_side = bit_at(key->data, shared);
    replace_at(link, parent, fork);
    set_child(fork, fresh_side, fresh);
    set_child(fork, !fresh_side, at);
    return 0;
}

static int lpm_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                      uint64_t flags)
{
    struct lpm_state *st = lpm_state(map);
    struct lpm_key k = parse_key(key);
    if (flags > BPF_EXIST || k.prefixlen > st->max_prefixlen)
        return -EINVAL;
    struct lpm_node *parent;
    uint32_t shared, slot;
    struct lpm_node **link = walk_exact(st, &k, &parent, &shared);
    struct lpm_node *at = *link;

    if (at && at->prefixlen == shared) { /* the exact prefix has a node */
        if (!is_intermediate(at) && flags == BPF_NOEXIST)
            return -EEXIST;
        if (is_intermediate(at)) {
            int rc = take_slot_for_new(st, flags, &slot);
            if (rc)
                return rc;
            at->slot = slot;
        }
        memcpy(at->data, k.data, st->data_size);
        ebpf_maps_store_value(map, node_value(map, at), src, false);
        return 0;
    }

    int rc = take_slot_for_new(st, flags, &slot);
    if (rc)
        return rc;
    struct lpm_node *fresh = node_new(st, k.prefixlen, k.data, slot);
    rc = fresh ? link_new_node(st, link, parent, shared, fresh, &k) : -ENOMEM;
    if (rc) {
        free(fresh);
        ebpf_maps_pool_put(&st->pool, slot);
        return rc;
    }
    ebpf_maps_store_value(map, node_value(map, fresh), src, true);
    return 0;
}

/* Removes a node with at most one child, and a fork left with one branch. */
static void unlink_node(struct lpm_state *st, struct lpm_node *node)
{
    struct lpm_node *parent = node->parent;
    struct lpm_node *only_child = node->child[0] ? node->child[0] : node->child[1];
    if (!only_child && parent && is_intermediate(parent)) {
        struct lpm_node *sibling = parent->child[parent->child[0] == node];
        replace_at(link_of(st, parent), parent->parent, sibling);
        free(parent);
    } else {
        replace_at(link_of(st, node), parent, only_child);
    }
    free(node);
}

static int lpm_delete(ebpf_map *map, const void *key)
{
    struct lpm_state *st = lpm_state(map);
    struct lpm_key k = parse_key(key);
    if (k.prefixlen > st->max_prefixlen)
        return -EINVAL;
    struct lpm_node *node = exact_node(st, &k);
    if (!node)
        return -ENOENT;
    ebpf_maps_pool_put(&st->pool, node->slot);
    if (node->child[0] && node->child[1])
        node->slot = LPM_INTERMEDIATE; /* still a fork */
    else
        unlink_node(st, node);
    return 0;
}

/* First node of a subtree in post-order. */
static struct lpm_node *leftmost(struct lpm_node *node)
{
    while (node->child[0] || node->child[1])
        node = node->child[0] ? node->child[0] : node->child[1];
    return node;
}

/* Next stored prefix after node in post-order, or NULL. */
static struct lpm_node *postorder_next(struct lpm_node *node)
{
    for (struct lpm_node *parent = node->parent; parent; node = parent, parent = node->parent) {
        if (parent->child[0] == node && parent->child[1])
            return leftmost(parent->child[1]);
        if (!is_intermediate(parent))
            return parent;
    }
    return NULL;
}

static int lpm_get_next_key(ebpf_map *map, const void *key, void *next_key)
{
    struct lpm_state *st = lpm_state(map);
    if (!st->root)
        return -ENOENT;
    struct lpm_node *current = NULL;
    if (key) {
        struct lpm_key k = parse_key(key);
        if (k.prefixlen <= st->max_prefixlen)
            current = exact_node(st, &k);
    }
    struct lpm_node *next = current ? postorder_next(current) : leftmost(st->root);
    if (!next)
        return -ENOENT;
    memcpy(next_key, &next->prefixlen, sizeof(uint32_t));
    memcpy((uint8_t *)next_key + sizeof(uint32_t), next->data, st->data_size);
    return 0;
}

const struct map_ops ebpf_maps_lpm_ops = {
    .init = lpm_init,
    .fini = lpm_fini,
    .find = lpm_find,
    .update = lpm_update,
    .delete = lpm_delete,
    .get_next_key = lpm_get_next_key,
    .count = lpm_count,
};
