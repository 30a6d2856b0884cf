/* Map contents as JSON, for --maps-in / --maps-out:
 *   {"map name": [{"key": "hex", "value": "hex"}, ...], ...}
 * Per-CPU maps give "value" as a list with one hex string per CPU.  Array
 * maps list only their non-zero entries on output (every index exists). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_maps.h"
#include "engine.h"
#include "jsonfile.h"

static int hex_to_bytes(const char *hex, uint8_t *out, size_t want)
{
    size_t l = strlen(hex);
    if (l >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2, l -= 2;
    if (l != 2 * want)
        return -EINVAL;
    for (size_t i = 0; i < want; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -EINVAL;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static char *bytes_to_hex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

static int find_map(const struct engine_ops *ops, struct engine *e, const char *name,
                    struct engine_map_info *info)
{
    for (unsigned i = 0; i < ops->map_count(e); i++) {
        ops->map_info(e, i, info);
        if (!strcmp(info->name, name))
            return (int)i;
    }
    return -ENOENT;
}

static int load_entry(const struct engine_ops *ops, struct engine *e, const char *path,
                      const char *map, unsigned idx, const struct engine_map_info *info,
                      json_t *entry, size_t n, char *err, size_t errlen)
{
    const char *key_hex = json_string_value(json_object_get(entry, "key"));
    json_t *val = json_object_get(entry, "value");
    if (!json_is_object(entry) || !key_hex || !val) {
        snprintf(err, errlen, "%s: map '%s' entry %zu: needs \"key\" and \"value\"", path, map, n);
        return -EINVAL;
    }
    uint8_t *key = calloc(1, info->key_size + 1);
    uint8_t *value = calloc(1, info->value_size + 1);
    int rc = -EINVAL;
    if (!key || !value) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (hex_to_bytes(key_hex, key, info->key_size) < 0) {
        snprintf(err, errlen, "%s: map '%s' entry %zu: key '%s' is not %u bytes of hex", path, map,
                 n, key_hex, info->key_size);
        goto out;
    }
    if (json_is_array(val)) {
        if (info->n_cpus == 1 || json_array_size(val) != info->n_cpus) {
            snprintf(err, errlen, "%s: map '%s' entry %zu: value is a list of %zu, the map has %u per-CPU copies",
                     path, map, n, json_array_size(val), info->n_cpus == 1 ? 0 : info->n_cpus);
            goto out;
        }
        uint32_t vs = info->cpu_stride;
        for (size_t c = 0; c < info->n_cpus; c++) {
            const char *h = json_string_value(json_array_get(val, c));
            /* accept the exact value size or the 8-byte-rounded copy size */
            if (!h || (hex_to_bytes(h, value + c * vs, vs) < 0 &&
                       hex_to_bytes(h, value + c * vs, strlen(h) / 2) < 0) ||
                strlen(h) / 2 > vs) {
                snprintf(err, errlen, "%s: map '%s' entry %zu: CPU %zu value is not %u bytes of hex",
                         path, map, n, c, vs);
                goto out;
            }
        }
    } else if ((info->type == BPF_MAP_TYPE_PROG_ARRAY || info->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
                info->type == BPF_MAP_TYPE_HASH_OF_MAPS) &&
               json_string_value(val) &&
               hex_to_bytes(json_string_value(val), value, info->value_size) < 0) {
        /* a prog_array slot may name a program, a map-in-map slot a map */
        uint32_t ref;
        bool progs = info->type == BPF_MAP_TYPE_PROG_ARRAY;
        if ((progs ? ops->prog_ref : ops->map_ref)(e, json_string_value(val), &ref) < 0) {
            snprintf(err, errlen, "%s: map '%s' entry %zu: no %s named '%s'", path, map, n,
                     progs ? "program" : "map", json_string_value(val));
            goto out;
        }
        memcpy(value, &ref, sizeof(ref));
    } else {
        const char *h = json_string_value(val);
        if (info->n_cpus > 1) {
            /* one value for a per-CPU map: the same on every CPU */
            uint32_t vs = info->cpu_stride;
            if (!h || strlen(h) / 2 > vs || strlen(h) % 2 ||
                hex_to_bytes(h, value, strlen(h) / 2) < 0) {
                snprintf(err, errlen, "%s: map '%s' entry %zu: value is not at most %u bytes of hex",
                         path, map, n, vs);
                goto out;
            }
            for (unsigned c = 1; c < info->n_cpus; c++)
                memcpy(value + c * vs, value, vs);
        } else if (!h || hex_to_bytes(h, value, info->value_size) < 0) {
            snprintf(err, errlen, "%s: map '%s' entry %zu: value is not %u bytes of hex", path, map,
                     n, info->value_size);
            goto out;
        }
    }
    rc = ops->map_update(e, idx, key, value, BPF_ANY);
    if (rc < 0)
        snprintf(err, errlen, "%s: map '%s' entry %zu: update failed: %s", path, map, n,
                 strerror(-rc));
out:
    free(key);
    free(value);
    return rc;
}

int maps_load_json(const struct engine_ops *ops, struct engine *e, const char *path, char *err,
                   size_t errlen)
{
    json_t *root = jsonfile_load(path, err, errlen);
    if (!root)
        return -EINVAL;
    int rc = 0;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: expected an object of map names", path);
        rc = -EINVAL;
    }
    /* Global data first: an engine may only take it before loading. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        const char *name;
        json_t *entries;
        json_object_foreach(root, name, entries) {
            if ((strchr(name, '.') != NULL) != (pass == 0))
                continue;
            struct engine_map_info info;
            int idx = find_map(ops, e, name, &info);
            if (idx < 0) {
                snprintf(err, errlen, "%s: no map named '%s' in the object", path, name);
                rc = -ENOENT;
                break;
            }
            if (!json_is_array(entries)) {
                snprintf(err, errlen, "%s: map '%s': expected a list of entries", path, name);
                rc = -EINVAL;
                break;
            }
            size_t n;
            json_t *entry;
            json_array_foreach(entries, n, entry) {
                if ((rc = load_entry(ops, e, path, name, (unsigned)idx, &info, entry, n, err, errlen)) < 0)
                    break;
            }
            if (rc < 0)
                break;
        }
    }
    json_decref(root);
    return rc;
}

static bool all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

bool engine_map_holds_data(uint32_t type)
{
    return type != BPF_MAP_TYPE_RINGBUF && type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
           type != BPF_MAP_TYPE_PROG_ARRAY && type != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
           type != BPF_MAP_TYPE_HASH_OF_MAPS && type != BPF_MAP_TYPE_XSKMAP;
}

static int cmp_entries(const void *a, const void *b)
{
    const char *ka = json_string_value(json_object_get(*(json_t *const *)a, "key"));
    const char *kb = json_string_value(json_object_get(*(json_t *const *)b, "key"));
    return strcmp(ka, kb);
}

int maps_dump_json(const struct engine_ops *ops, struct engine *e, const char *path, char *err,
                   size_t errlen)
{
    json_t *root = json_object();
    int rc = 0;
    for (unsigned i = 0; i < ops->map_count(e) && rc == 0; i++) {
        struct engine_map_info info;
        ops->map_info(e, i, &info);
        if (!engine_map_holds_data(info.type))
            continue;
        bool is_array = info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
        uint8_t *key = calloc(1, info.key_size + 8), *next = calloc(1, info.key_size + 8);
        uint8_t *value = calloc(1, info.value_size + 8);
        size_t n_entries = 0, cap = 64;
        json_t **entries = malloc(cap * sizeof(*entries));
        if (!key || !next || !value || !entries) {
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
        }
        const uint8_t *prev = NULL;
        while (rc == 0 && ops->map_next_key(e, i, prev, next) == 0) {
            memcpy(key, next, info.key_size);
            prev = key;
            if (ops->map_lookup(e, i, key, value) < 0)
                continue;
            if (is_array && all_zero(value, info.value_size))
                continue;
            json_t *entry = json_object();
            char *kh = bytes_to_hex(key, info.key_size);
            json_object_set_new(entry, "key", json_string(kh));
            free(kh);
            if (info.n_cpus > 1) {
                json_t *list = json_array();
                for (unsigned c = 0; c < info.n_cpus; c++) {
                    char *vh = bytes_to_hex(value + c * info.cpu_stride, info.cpu_stride);
                    json_array_append_new(list, json_string(vh));
                    free(vh);
                }
                json_object_set_new(entry, "value", list);
            } else {
                char *vh = bytes_to_hex(value, info.value_size);
                json_object_set_new(entry, "value", json_string(vh));
                free(vh);
            }
            if (n_entries == cap)
                entries = realloc(entries, (cap *= 2) * sizeof(*entries));
            entries[n_entries++] = entry;
            if (is_array && n_entries > info.max_entries)
                break;
        }
        /* Engines iterate hash maps in different orders: sort by key. */
        qsort(entries, n_entries, sizeof(*entries), cmp_entries);
        json_t *list = json_array();
        for (size_t k = 0; k < n_entries; k++)
            json_array_append_new(list, entries[k]);
        json_object_set_new(root, info.name, list);
        free(entries);
        free(key);
        free(next);
        free(value);
    }
    if (rc == 0 && json_dump_file(root, path, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        rc = -EIO;
    }
    json_decref(root);
    return rc;
}
