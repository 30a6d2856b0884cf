/* The synchronous calls, in the style of libbpf's low-level API: each one
 * builds a command, submits it, waits for its completion and turns the
 * device's status into a negative errno and a message.  Batches larger than
 * a command buffer are split into several commands, one after the other. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicdrv_int.h"

/* Run one command; on failure the message names what (the call and its
 * target).  last_call_ns accumulates over the commands of one call. */
static int call(nicdrv *nic, const struct nicdrv_cmd *cmd, struct nicdrv_completion *c,
                const char *what)
{
    int rc = host_call(nic, cmd, c);
    if (rc < 0 && c->attempts == 0)
        return rc; /* refused by the host before submission (message set) */
    nic->last_call_ns += c->t.total_ns;
    if (rc < 0)
        return host_fail(nic, cmd, c, what);
    nic->err[0] = 0;
    return 0;
}

static const char *map_name(const nicdrv *nic, uint32_t id)
{
    return id < nic->n_maps ? nic->maps[id].name : "?";
}

#define WHAT(buf, call_name, id) \
    snprintf(buf, sizeof(buf), "%s: map %u '%s'", call_name, id, map_name(nic, id))

/* A call of one command on map cmd->target (one element). */
static int map_call(nicdrv *nic, const struct nicdrv_cmd *cmd, const char *call_name)
{
    struct nicdrv_completion c;
    char what[128];
    WHAT(what, call_name, cmd->target);
    nic->last_call_ns = 0;
    return call(nic, cmd, &c, what);
}

/* ------------------------------------------------------------------ */
/* Device and map information. */

int nicdrv_dev_info(nicdrv *nic, struct nicdrv_dev_info *info)
{
    uint8_t b[DEVINFO_SIZE];
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_DEV_INFO, .out = b, .out_len = sizeof(b)};
    struct nicdrv_completion c;
    nic->last_call_ns = 0;
    memset(&c, 0, sizeof(c));
    int rc = call(nic, &cmd, &c, "dev_info");
    if (rc < 0)
        return rc;
    uint32_t *f[7] = {&info->n_maps, &info->n_progs, &info->attached_prog, &info->ring_size,
                      &info->seq_window, &info->n_cpus, &info->resets};
    for (int i = 0; i < 7; i++)
        *f[i] = get32(b + 4 * i);
    return 0;
}

static int read_map_info(nicdrv *nic, uint32_t id, struct nicdrv_map_info *info)
{
    uint8_t b[MAPINFO_SIZE];
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_INFO, .target = id, .out = b, .out_len = sizeof(b)};
    struct nicdrv_completion c;
    memset(&c, 0, sizeof(c));
    char what[64];
    snprintf(what, sizeof(what), "map_info: map %u", id);
    int rc = call(nic, &cmd, &c, what);
    if (rc < 0)
        return rc;
    memset(info, 0, sizeof(*info));
    memcpy(info->name, b, 63);
    uint32_t *f[9] = {&info->type, &info->key_size, &info->value_size, &info->max_entries,
                      &info->map_flags, &info->n_cpus, &info->placement, &info->object, &info->id};
    for (int i = 0; i < 9; i++)
        *f[i] = get32(b + 64 + 4 * i);
    return 0;
}

int host_refresh_maps(nicdrv *nic)
{
    struct nicdrv_dev_info di;
    int rc = nicdrv_dev_info(nic, &di);
    if (rc < 0)
        return rc;
    struct nicdrv_map_info *maps = calloc(di.n_maps ? di.n_maps : 1, sizeof(*maps));
    if (!maps)
        return host_set_err(nic, -ENOMEM, "out of memory");
    for (uint32_t i = 0; i < di.n_maps; i++)
        if ((rc = read_map_info(nic, i, &maps[i])) < 0) {
            free(maps);
            return rc;
        }
    free(nic->maps);
    nic->maps = maps;
    nic->n_maps = di.n_maps;
    return 0;
}

unsigned nicdrv_map_count(const nicdrv *nic) { return nic->n_maps; }

int nicdrv_map_info(nicdrv *nic, uint32_t map_id, struct nicdrv_map_info *info)
{
    if (map_id >= nic->n_maps)
        return host_set_err(nic, -EBADF, "map_info: no map %u (the device has %u)", map_id,
                            nic->n_maps);
    *info = nic->maps[map_id];
    return 0;
}

int nicdrv_map_by_name(nicdrv *nic, const char *name)
{
    for (unsigned i = 0; i < nic->n_maps; i++)
        if (!strcmp(nic->maps[i].name, name))
            return (int)i;
    return host_set_err(nic, -ENOENT, "no map named '%s' on the device", name);
}

/* ------------------------------------------------------------------ */
/* Elements. */

int nicdrv_map_lookup_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size,
                           void *value, uint32_t value_size)
{
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_LOOKUP, .target = map_id, .key_size = key_size,
                             .value_size = value_size, .in = key, .in_len = key_size,
                             .out = value, .out_len = value_size};
    return map_call(nic, &cmd, "map_lookup_elem");
}

int nicdrv_map_update_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size,
                           const void *value, uint32_t value_size, uint64_t flags)
{
    uint64_t n = (uint64_t)key_size + value_size;
    if (n > nic->cfg.cmd_buffer)
        return host_set_err(nic, -E2BIG, "map_update_elem: map %u: %" PRIu64
                                         " bytes of key and value do not fit a command buffer",
                            map_id, n);
    uint8_t *in = malloc(n ? n : 1);
    if (!in)
        return host_set_err(nic, -ENOMEM, "out of memory");
    memcpy(in, key, key_size);
    memcpy(in + key_size, value, value_size);
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_UPDATE, .target = map_id, .key_size = key_size,
                             .value_size = value_size, .flags = flags, .in = in,
                             .in_len = (uint32_t)n};
    int rc = map_call(nic, &cmd, "map_update_elem");
    free(in);
    return rc;
}

int nicdrv_map_delete_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size)
{
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_DELETE, .target = map_id, .key_size = key_size,
                             .in = key, .in_len = key_size};
    return map_call(nic, &cmd, "map_delete_elem");
}

int nicdrv_map_get_next_key(nicdrv *nic, uint32_t map_id, const void *key, void *next_key,
                            uint32_t key_size)
{
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_GET_NEXT, .target = map_id, .key_size = key_size,
                             .in = key, .in_len = key ? key_size : 0, .out = next_key,
                             .out_len = key_size};
    return map_call(nic, &cmd, "map_get_next_key");
}

/* ------------------------------------------------------------------ */
/* Batches. */

static uint32_t elems_per_cmd(const nicdrv *nic, uint32_t fixed, uint32_t per)
{
    if (!per)
        return UINT32_MAX;
    uint32_t room = nic->cfg.cmd_buffer > fixed + 8 ? nic->cfg.cmd_buffer - fixed - 8 : 0;
    return room / per;
}

int nicdrv_map_lookup_batch(nicdrv *nic, uint32_t map_id, const void *in_batch, void *out_batch,
                            void *keys, void *values, uint32_t *count, uint32_t key_size,
                            uint32_t value_size)
{
    char what[128];
    WHAT(what, "map_lookup_batch", map_id);
    nic->last_call_ns = 0;
    uint32_t want = *count, got = 0;
    *count = 0;
    if (!want)
        return host_set_err(nic, -EINVAL, "%s: count is 0", what);
    uint32_t per = elems_per_cmd(nic, key_size, key_size + value_size);
    if (!per)
        return host_set_err(nic, -E2BIG, "%s: one element does not fit a command buffer", what);
    uint32_t chunk_max = want < per ? want : per;
    uint8_t *tmp = malloc((size_t)chunk_max * (key_size + value_size) + 1);
    uint8_t *cursor = malloc(key_size + 1);
    if (!tmp || !cursor) {
        free(tmp);
        free(cursor);
        return host_set_err(nic, -ENOMEM, "out of memory");
    }
    bool have_cursor = in_batch != NULL;
    if (have_cursor)
        memcpy(cursor, in_batch, key_size);
    int rc = 0;
    while (got < want) {
        uint32_t n = want - got < per ? want - got : per;
        struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_LOOKUP_BATCH, .target = map_id,
                                 .key_size = key_size, .value_size = value_size, .count = n,
                                 .in = have_cursor ? cursor : NULL,
                                 .in_len = have_cursor ? key_size : 0, .out = tmp,
                                 .out_len = n * (key_size + value_size)};
        struct nicdrv_completion c;
        rc = call(nic, &cmd, &c, what);
        if (rc < 0 && rc != -ENOENT)
            break;
        uint32_t k = c.count <= n ? c.count : n;
        for (uint32_t i = 0; i < k; i++) {
            const uint8_t *e = tmp + (size_t)i * (key_size + value_size);
            memcpy((uint8_t *)keys + (size_t)(got + i) * key_size, e, key_size);
            memcpy((uint8_t *)values + (size_t)(got + i) * value_size, e + key_size, value_size);
        }
        if (k) {
            memcpy(cursor, tmp + (size_t)(k - 1) * (key_size + value_size), key_size);
            have_cursor = true;
        }
        got += k;
        if (rc == -ENOENT || k < n)
            break;
    }
    if (have_cursor && out_batch)
        memcpy(out_batch, cursor, key_size);
    *count = got;
    free(tmp);
    free(cursor);
    return rc;
}

static int write_batch(nicdrv *nic, uint8_t op, uint32_t map_id, const void *keys,
                       const void *values, uint32_t *count, uint32_t key_size,
                       uint32_t value_size, uint64_t flags, const char *what)
{
    uint32_t want = *count, done = 0;
    *count = 0;
    nic->last_call_ns = 0;
    if (!want)
        return host_set_err(nic, -EINVAL, "%s: count is 0", what);
    uint32_t stride = op == NICDRV_OP_MAP_UPDATE_BATCH ? key_size + value_size : key_size;
    uint32_t per = elems_per_cmd(nic, 0, stride);
    if (!per)
        return host_set_err(nic, -E2BIG, "%s: one element does not fit a command buffer", what);
    uint32_t chunk_max = want < per ? want : per;
    uint8_t *tmp = malloc((size_t)chunk_max * stride + 1);
    if (!tmp)
        return host_set_err(nic, -ENOMEM, "out of memory");
    int rc = 0;
    while (done < want) {
        uint32_t n = want - done < per ? want - done : per;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *e = tmp + (size_t)i * stride;
            memcpy(e, (const uint8_t *)keys + (size_t)(done + i) * key_size, key_size);
            if (op == NICDRV_OP_MAP_UPDATE_BATCH)
                memcpy(e + key_size, (const uint8_t *)values + (size_t)(done + i) * value_size,
                       value_size);
        }
        struct nicdrv_cmd cmd = {.op = op, .target = map_id, .key_size = key_size,
                                 .value_size = op == NICDRV_OP_MAP_UPDATE_BATCH ? value_size : 0,
                                 .count = n, .flags = flags, .in = tmp, .in_len = n * stride};
        struct nicdrv_completion c;
        rc = call(nic, &cmd, &c, what);
        done += c.count <= n ? c.count : n;
        if (rc < 0) {
            if (c.attempts) {
                char msg[NICDRV_ERR_LEN];
                snprintf(msg, sizeof(msg), "%s", nic->err);
                host_set_err(nic, rc, "%s (after %u elements of the call)", msg, done);
            }
            break;
        }
    }
    *count = done;
    free(tmp);
    return rc;
}

int nicdrv_map_update_batch(nicdrv *nic, uint32_t map_id, const void *keys, const void *values,
                            uint32_t *count, uint32_t key_size, uint32_t value_size,
                            uint64_t elem_flags)
{
    char what[128];
    WHAT(what, "map_update_batch", map_id);
    return write_batch(nic, NICDRV_OP_MAP_UPDATE_BATCH, map_id, keys, values, count, key_size,
                       value_size, elem_flags, what);
}

int nicdrv_map_delete_batch(nicdrv *nic, uint32_t map_id, const void *keys, uint32_t *count,
                            uint32_t key_size)
{
    char what[128];
    WHAT(what, "map_delete_batch", map_id);
    return write_batch(nic, NICDRV_OP_MAP_DELETE_BATCH, map_id, keys, NULL, count, key_size, 0, 0,
                       what);
}

/* ------------------------------------------------------------------ */
/* Programs. */

int nicdrv_prog_load(nicdrv *nic, ebpf_object *obj, unsigned prog_index, uint32_t *prog_id)
{
    nic->last_call_ns = 0;
    if (prog_index >= ebpf_object_prog_count(obj))
        return host_set_err(nic, -EINVAL, "prog_load: %s has %u programs, no index %u",
                            ebpf_object_name(obj), ebpf_object_prog_count(obj), prog_index);
    char err[NICDRV_ERR_LEN];
    unsigned before = nic->dev->n_objs;
    int tag = nicdrv_dev_add_object(nic->dev, obj, err, sizeof(err));
    if (tag < 0)
        return host_set_err(nic, tag, "prog_load: %s", err);
    if (nic->dev->n_objs != before) {
        /* the object's maps are new device maps */
        int rc = host_refresh_maps(nic);
        if (rc < 0)
            return rc;
    }
    size_t n = 0;
    const struct ebpf_insn *insns = ebpf_object_prog_insns(obj, prog_index, &n);
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_PROG_LOAD, .target = (uint32_t)tag, .aux = prog_index,
                             .in = insns, .in_len = (uint32_t)(n * sizeof(*insns))};
    struct nicdrv_completion c;
    char what[192];
    snprintf(what, sizeof(what), "prog_load: %s program %u '%s'", ebpf_object_name(obj),
             prog_index, ebpf_object_prog_name(obj, prog_index));
    nic->last_call_ns = 0;
    int rc = call(nic, &cmd, &c, what);
    if (rc == 0 && prog_id)
        *prog_id = c.aux;
    return rc;
}

int nicdrv_prog_attach(nicdrv *nic, uint32_t prog_id, uint32_t expected_old, uint32_t flags)
{
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_PROG_ATTACH, .target = prog_id, .aux = expected_old,
                             .flags = flags};
    struct nicdrv_completion c;
    char what[64];
    snprintf(what, sizeof(what), "prog_attach: program %u", prog_id);
    nic->last_call_ns = 0;
    return call(nic, &cmd, &c, what);
}

int nicdrv_prog_unload(nicdrv *nic, uint32_t prog_id)
{
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_PROG_UNLOAD, .target = prog_id};
    struct nicdrv_completion c;
    char what[64];
    snprintf(what, sizeof(what), "prog_unload: program %u", prog_id);
    nic->last_call_ns = 0;
    return call(nic, &cmd, &c, what);
}

int nicdrv_prog_info(nicdrv *nic, uint32_t prog_id, struct nicdrv_prog_info *info)
{
    uint8_t b[PROGINFO_SIZE];
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_PROG_INFO, .target = prog_id, .out = b,
                             .out_len = sizeof(b)};
    struct nicdrv_completion c;
    char what[64];
    snprintf(what, sizeof(what), "prog_info: program %u", prog_id);
    nic->last_call_ns = 0;
    int rc = call(nic, &cmd, &c, what);
    if (rc < 0)
        return rc;
    memset(info, 0, sizeof(*info));
    memcpy(info->name, b, 63);
    info->object = get32(b + 64);
    info->index = get32(b + 68);
    info->n_insns = get32(b + 72);
    info->attached = get32(b + 76);
    info->packets = get64(b + 80);
    info->id = get32(b + 88);
    return 0;
}

int nicdrv_stats(nicdrv *nic, struct nicdrv_dev_stats *dev, struct nicdrv_stats *host)
{
    if (dev) {
        uint8_t b[STATS_SIZE];
        struct nicdrv_cmd cmd = {.op = NICDRV_OP_STATS, .out = b, .out_len = sizeof(b)};
        struct nicdrv_completion c;
        nic->last_call_ns = 0;
        int rc = call(nic, &cmd, &c, "stats");
        if (rc < 0)
            return rc;
        uint64_t *f[STATS_SIZE / 8] = {
            &dev->commands, &dev->replays, &dev->rejected, &dev->dma_errors, &dev->dropped,
            &dev->resets, &dev->resets_mid_batch, &dev->seq_gaps, &dev->elems_read, &dev->elems_written,
            &dev->prog_swaps, &dev->packets, &dev->verdicts[0], &dev->verdicts[1],
            &dev->verdicts[2], &dev->verdicts[3], &dev->verdicts[4], &dev->busy_ps,
            &dev->bytes_up, &dev->bytes_down, &dev->tlps_up, &dev->tlps_down,
        };
        for (size_t i = 0; i < STATS_SIZE / 8; i++)
            *f[i] = get64(b + 8 * i);
    }
    if (host)
        *host = nic->st;
    return 0;
}

int nicdrv_run_xdp(nicdrv *nic, unsigned cpu, struct ebpf_xdp_frame *frame, uint32_t *prog_id,
                   struct ebpf_xdp_result *res)
{
    return nicdrv_dev_run_xdp(nic->dev, cpu, frame, prog_id, res);
}
