/*
 * BPF ring buffer: one producer position and one consumer position over a
 * power-of-2 data area.  Each record starts with the kernel's 8-byte header
 * {u32 len; u32 pg_off}: len carries BPF_RINGBUF_BUSY_BIT while the record
 * is reserved and BPF_RINGBUF_DISCARD_BIT once discarded; pg_off is the page
 * of the header within the data area (the kernel counts from its own
 * control pages; nothing outside the map reads it).  Records take
 * round_up(len + 8, 8) bytes.
 *
 * As in the kernel, the data area is mapped twice back to back, so a record
 * that runs past the end continues at the start and the program still sees
 * it as one contiguous block.  That needs a shared memory file (memfd)
 * rather than the private anonymous memory other maps use; its pages still
 * cost nothing until written.  ebpf_map_storage reports both mappings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps_int.h"

#define RB_MAX_RECORD_SIZE (UINT32_MAX / 4) /* the kernel's RINGBUF_MAX_RECORD_SZ */
#define RB_WAKEUP_FLAGS (BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)

struct ringbuf_hdr {
    uint32_t len;
    uint32_t pg_off;
};

struct ringbuf_state {
    uint64_t mask; /* data size - 1 */
    uint64_t consumer_pos;
    uint64_t producer_pos;
    uint64_t pending_pos; /* no busy record lies before this position */
    size_t page_size;
};

static bool is_ringbuf(const ebpf_map *map)
{
    return map && map->spec.type == BPF_MAP_TYPE_RINGBUF;
}

static struct ringbuf_state *ringbuf_state(const ebpf_map *map)
{
    return map->impl;
}

static struct ringbuf_hdr *hdr_at(const ebpf_map *map, uint64_t pos)
{
    return (struct ringbuf_hdr *)(map->storage + (pos & ringbuf_state(map)->mask));
}

static uint64_t record_span(uint32_t sample_len)
{
    return ((uint64_t)sample_len + BPF_RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
}

/* ------------------------------------------------------------------ */
/* Life cycle. */

/* size bytes of a memfd mapped at base and again at base + size. */
static uint8_t *map_twice(size_t size)
{
    int fd = memfd_create("ebpf-ringbuf", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    uint8_t *base = NULL;
    if (ftruncate(fd, (off_t)size) == 0)
        base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                    0);
    if (base == MAP_FAILED)
        base = NULL;
    for (int copy = 0; base && copy < 2; copy++) {
        void *at = mmap(base + copy * size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                        fd, 0);
        if (at == MAP_FAILED) {
            munmap(base, 2 * size);
            base = NULL;
        }
    }
    close(fd);
    return base;
}

static int ringbuf_init(ebpf_map *map, char *err, size_t errlen)
{
    struct ringbuf_state *st = calloc(1, sizeof(*st));
    if (!st)
        return ebpf_maps_errf(err, errlen, -ENOMEM, "map '%s': out of memory", map->spec.name);
    map->impl = st;
    uint64_t size = map->spec.max_entries;
    st->mask = size - 1;
    st->page_size = (size_t)sysconf(_SC_PAGESIZE);
    if (2 * size > MODEL_MAX_STORAGE)
        return ebpf_maps_errf(err, errlen, -E2BIG,
                              "map '%s': max_entries %u: a ring buffer is mapped twice and "
                              "2 x %u bytes is more than the model's 4 GiB limit",
                              map->spec.name, map->spec.max_entries, map->spec.max_entries);
    map->storage = map_twice((size_t)size);
    if (!map->storage)
        return ebpf_maps_errf(err, errlen, -ENOMEM,
                              "map '%s': cannot map %u bytes of ring buffer twice",
                              map->spec.name, map->spec.max_entries);
    map->storage_size = (size_t)(2 * size);
    return 0;
}

static void ringbuf_fini(ebpf_map *map)
{
    if (map->storage)
        munmap(map->storage, map->storage_size);
    free(map->impl);
}

/* ------------------------------------------------------------------ */
/* Key-based operations: a ring buffer has no keys.  bpf(2) refuses the
 * key pointer (-EINVAL); get_next_key without one reaches the map and gets
 * the kernel's ENOTSUPP. */

static uint8_t *ringbuf_find(ebpf_map *map, const void *key, bool prog_side)
{
    (void)map;
    (void)key;
    (void)prog_side;
    return NULL;
}

static int ringbuf_sys_lookup(ebpf_map *map, const void *key, void *value)
{
    (void)map;
    (void)key;
    (void)value;
    return -EINVAL;
}

static int ringbuf_update(ebpf_map *map, const void *key, const struct map_value_src *src,
                          uint64_t flags)
{
    (void)map;
    (void)key;
    (void)src;
    (void)flags;
    return -EINVAL;
}

static int ringbuf_delete(ebpf_map *map, const void *key)
{
    (void)map;
    (void)key;
    return -EINVAL;
}

static int ringbuf_get_next_key(ebpf_map *map, const void *key, void *next_key)
{
    (void)map;
    (void)next_key;
    return key ? -EINVAL : -EBPF_ENOTSUPP;
}

static uint32_t ringbuf_count(const ebpf_map *map)
{
    return map->spec.max_entries;
}

const struct map_ops ebpf_maps_ringbuf_ops = {
    .init = ringbuf_init,
    .fini = ringbuf_fini,
    .find = ringbuf_find,
    .update = ringbuf_update,
    .delete = ringbuf_delete,
    .get_next_key = ringbuf_get_next_key,
    .count = ringbuf_count,
    .sys_lookup = ringbuf_sys_lookup,
};

/* ------------------------------------------------------------------ */
/* Producer side (helpers). */

/* Moves pending_pos past records already committed or discarded. */
static void advance_pending(const ebpf_map *map, struct ringbuf_state *st)
{
    while (st->pending_pos < st->producer_pos) {
        uint32_t len = hdr_at(map, st->pending_pos)->len;
        if (len & BPF_RINGBUF_BUSY_BIT)
            break;
        st->pending_pos += record_span(len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT);
    }
}

void *ebpf_ringbuf_reserve(ebpf_map *map, uint64_t size, uint64_t flags)
{
    if (!is_ringbuf(map) || flags || size > RB_MAX_RECORD_SIZE)
        return NULL;
    struct ringbuf_state *st = ringbuf_state(map);
    uint64_t span = record_span((uint32_t)size);
    if (span > st->mask + 1)
        return NULL;
    advance_pending(map, st);
    uint64_t new_prod = st->producer_pos + span;
    /* The producer may run at most size - 1 bytes ahead of the consumer and
     * of the oldest record still being written. */
    if (new_prod - st->consumer_pos > st->mask || new_prod - st->pending_pos > st->mask)
        return NULL;
    struct ringbuf_hdr *hdr = hdr_at(map, st->producer_pos);
    hdr->len = (uint32_t)size | BPF_RINGBUF_BUSY_BIT;
    hdr->pg_off = (uint32_t)((st->producer_pos & st->mask) / st->page_size);
    st->producer_pos = new_prod;
    return hdr + 1;
}

/* Header of a record handed out by reserve and not yet committed. */
static struct ringbuf_hdr *reserved_hdr(const ebpf_map *map, void *data)
{
    uint8_t *p = data;
    if (!p || p < map->storage + BPF_RINGBUF_HDR_SZ ||
        p >= map->storage + ringbuf_state(map)->mask + 1 + BPF_RINGBUF_HDR_SZ)
        return NULL;
    struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)(p - BPF_RINGBUF_HDR_SZ);
    return (hdr->len & BPF_RINGBUF_BUSY_BIT) ? hdr : NULL;
}

void ebpf_ringbuf_commit(ebpf_map *map, void *data, uint64_t flags, int discard)
{
    (void)flags; /* wakeup policy: the model has no waiting consumer */
    if (!is_ringbuf(map))
        return;
    struct ringbuf_hdr *hdr = reserved_hdr(map, data);
    if (!hdr)
        return; /* the verifier guarantees a reserved record; ignore anything else */
    uint32_t len = hdr->len & ~(uint32_t)BPF_RINGBUF_BUSY_BIT;
    hdr->len = discard ? len | BPF_RINGBUF_DISCARD_BIT : len;
}

int ebpf_ringbuf_output(ebpf_map *map, const void *data, uint64_t size, uint64_t flags)
{
    if (!is_ringbuf(map) || (flags & ~(uint64_t)RB_WAKEUP_FLAGS))
        return -EINVAL;
    void *rec = ebpf_ringbuf_reserve(map, size, 0);
    if (!rec)
        return -EAGAIN;
    memcpy(rec, data, size);
    ebpf_ringbuf_commit(map, rec, flags, 0);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Consumer side (what libbpf's ring_buffer__consume does). */

int ebpf_ringbuf_drain(ebpf_map *map, void (*fn)(void *user, const void *data, uint32_t len),
                       void *user)
{
    if (!is_ringbuf(map))
        return -EINVAL;
    struct ringbuf_state *st = ringbuf_state(map);
    int delivered = 0;
    while (st->consumer_pos < st->producer_pos) {
        const struct ringbuf_hdr *hdr = hdr_at(map, st->consumer_pos);
        uint32_t len = hdr->len;
        if (len & BPF_RINGBUF_BUSY_BIT)
            break; /* records after a busy one wait for it, in order */
        uint32_t sample_len = len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT;
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
            if (fn)
                fn(user, hdr + 1, sample_len);
            delivered++;
        }
        st->consumer_pos += record_span(sample_len);
    }
    return delivered;
}
