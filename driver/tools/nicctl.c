/* nicctl: maps and programs of a simulated offload NIC through the driver
 * shim, in the style of bpftool.  The NIC is built from a BPF object (its
 * maps become the device's maps, its program is loaded and attached);
 * --maps-in / --maps-out carry map contents between invocations.
 *
 * Output is stable line-oriented text, or one JSON object per command with
 * --json.  Exit status: 0 success, 1 a command failed (the device's status
 * or the driver's error, on stderr; with --json also {"error": ...} on
 * stdout), 2 bad usage, configuration or input files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "drvsim.h"
#include "ebpf_hwconfig.h"
#include "nicctl.h"
#include "nicdrv.h"

struct ctl {
    struct drvsim *drv;
    nicdrv *nic;
    ebpf_object *obj;
    bool json, pretty, latency;
    unsigned n_cpus;
    ebpf_object **extra; /* objects opened by prog load ... object FILE */
    unsigned n_extra;
    const char *where;   /* "FILE:LINE: " in a batch */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nicctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
            "       nicctl [OPTIONS] OBJECT batch file FILE\n"
            "       nicctl bench [--ops N] [--repeat N] [--json FILE]\n"
            "\n"
            "A simulated offload NIC over the BPF object OBJECT (its maps are the device's\n"
            "maps; its XDP program is loaded and attached), reached through the driver shim.\n"
            "\n"
            "commands:\n"
            "  map show [MAP]                 MAP := id N | name NAME\n"
            "  map dump MAP\n"
            "  map lookup MAP key BYTES       BYTES := B B ... (decimal or 0x..) | hex HH HH.. | hex HHHH..\n"
            "  map update MAP key BYTES value BYTES [any|noexist|exist]\n"
            "  map delete MAP key BYTES\n"
            "  map getnext MAP [key BYTES]\n"
            "  prog show\n"
            "  prog load NAME [object FILE]   prints the new program's id\n"
            "  prog attach id N [replace id M]\n"
            "  prog detach\n"
            "  prog unload id N\n"
            "  stats                          device and driver counters\n"
            "  batch file FILE                one command a line ('#' comments); stops at the first failure\n"
            "\n"
            "options:\n"
            "  -j, --json            one JSON object per command on standard output\n"
            "  -p, --pretty          indented JSON (implies --json)\n"
            "  -l, --latency         also print each command's modelled latency\n"
            "  --config FILE         hardware config (INI, docs/configuration.md): [pcie], [rings],\n"
            "                        [memory] placement, [core] clock\n"
            "  --set SEC.KEY=VALUE   override one parameter (repeatable), e.g. pcie.generation=4\n"
            "  --link genGxL         PCIe generation and lanes, e.g. gen4x16\n"
            "  --faults SPEC         inject faults: dma=R,drop=R,reset=R,seed=N\n"
            "  --maps-in FILE        install map contents (ebpfsim's JSON) before the command\n"
            "  --maps-out FILE       write map contents after the command\n"
            "  --prog NAME           the program to attach (default: the first XDP program)\n"
            "  --no-attach           attach no program\n"
            "  --cpus N              per-CPU map copies (default 1)\n"
            "\n"
            "exit status: 0 success, 1 a command failed, 2 bad usage or input\n");
}

/* ------------------------------------------------------------------ */
/* Output helpers. */

static int fail(struct ctl *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctl *c, int rc, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "nicctl: %s%s\n", c->where ? c->where : "", msg);
    if (c->json) {
        json_t *o = json_pack("{s:s}", "error", msg);
        char *t = json_dumps(o, JSON_COMPACT);
        puts(t);
        free(t);
        json_decref(o);
    }
    return rc;
}

static int drv_fail(struct ctl *c) { return fail(c, 1, "%s", nicdrv_errmsg(c->nic)); }

static void emit(struct ctl *c, json_t *o)
{
    const struct nicdrv_completion *l = nicdrv_last(c->nic);
    if (c->latency && json_is_object(o)) {
        json_object_set_new(o, "latency_ns", json_real(nicdrv_last_call_ns(c->nic)));
        json_object_set_new(o, "attempts", json_integer(l->attempts));
    }
    char *t = json_dumps(o, (c->pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_REAL_PRECISION(12));
    puts(t);
    free(t);
    json_decref(o);
}

static void print_latency(struct ctl *c)
{
    if (c->latency && !c->json)
        printf("latency: %.3f us modelled, %u descriptor(s) for the last command\n",
               nicdrv_last_call_ns(c->nic) / 1000.0, nicdrv_last(c->nic)->attempts);
}

static char *hex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

static void print_bytes(const char *label, const uint8_t *b, size_t n)
{
    printf("%s:", label);
    for (size_t i = 0; i < n; i++)
        printf(" %02x", b[i]);
}

static const char *map_type_name(uint32_t type)
{
    const char *n = libbpf_bpf_map_type_str((enum bpf_map_type)type);
    return n ? n : "unknown";
}

/* ------------------------------------------------------------------ */
/* Arguments. */

/* MAP := id N | name NAME */
static int parse_map(struct ctl *c, int *argc, char ***argv, struct nicdrv_map_info *mi)
{
    if (*argc < 2 || (strcmp((*argv)[0], "id") && strcmp((*argv)[0], "name")))
        return fail(c, 2, "expected a map: id N or name NAME");
    int id;
    if (!strcmp((*argv)[0], "id")) {
        char *end;
        long v = strtol((*argv)[1], &end, 0);
        if (*end || v < 0)
            return fail(c, 2, "map id '%s' is not a number", (*argv)[1]);
        id = (int)v;
        if ((unsigned)id >= nicdrv_map_count(c->nic))
            return fail(c, 1, "no map with id %d (the device has %u)", id, nicdrv_map_count(c->nic));
    } else if ((id = nicdrv_map_by_name(c->nic, (*argv)[1])) < 0) {
        return fail(c, 1, "%s", nicdrv_errmsg(c->nic));
    }
    nicdrv_map_info(c->nic, (uint32_t)id, mi);
    *argc -= 2;
    *argv += 2;
    return 0;
}

static bool is_keyword(const char *w)
{
    return !strcmp(w, "key") || !strcmp(w, "value") || !strcmp(w, "any") ||
           !strcmp(w, "noexist") || !strcmp(w, "exist");
}

/* BYTES after a keyword, up to the next keyword. */
static int parse_bytes(struct ctl *c, const char *what, int *argc, char ***argv, uint8_t *out,
                       uint32_t cap, uint32_t *n)
{
    *n = 0;
    bool is_hex = *argc && !strcmp((*argv)[0], "hex");
    if (is_hex)
        (*argc)--, (*argv)++;
    while (*argc && !is_keyword((*argv)[0])) {
        const char *w = (*argv)[0];
        if (is_hex) {
            const char *h = w;
            if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
                h += 2;
            size_t l = strlen(h);
            if (l % 2)
                return fail(c, 2, "%s: '%s' is not whole bytes of hex", what, w);
            for (size_t i = 0; i < l; i += 2) {
                unsigned v;
                char pair[3] = {h[i], h[i + 1], 0};
                char *end;
                v = (unsigned)strtoul(pair, &end, 16);
                if (*end)
                    return fail(c, 2, "%s: '%s' is not hex", what, w);
                if (*n == cap)
                    return fail(c, 2, "%s: more than %u bytes", what, cap);
                out[(*n)++] = (uint8_t)v;
            }
        } else {
            char *end;
            unsigned long v = strtoul(w, &end, 0);
            if (*end || v > 255)
                return fail(c, 2, "%s: '%s' is not a byte (0..255, 0x00..0xff)", what, w);
            if (*n == cap)
                return fail(c, 2, "%s: more than %u bytes", what, cap);
            out[(*n)++] = (uint8_t)v;
        }
        (*argc)--, (*argv)++;
    }
    if (!*n)
        return fail(c, 2, "%s: no bytes given", what);
    return 0;
}

#define MAX_BYTES 65536

/* ------------------------------------------------------------------ */
/* map commands. */

static json_t *map_json(const struct nicdrv_map_info *mi)
{
    return json_pack("{s:i,s:s,s:s,s:i,s:i,s:i,s:i,s:s}", "id", mi->id, "name", mi->name, "type",
                     map_type_name(mi->type), "key_size", mi->key_size, "value_size", mi->value_size,
                     "max_entries", mi->max_entries, "flags", mi->map_flags, "placement",
                     nicdrv_placement_name(mi->placement));
}

static void map_line(const struct nicdrv_map_info *mi)
{
    printf("%u: %s  name %s  key %uB  value %uB  max_entries %u  flags 0x%x  placement %s\n", mi->id,
           map_type_name(mi->type), mi->name, mi->key_size, mi->value_size, mi->max_entries,
           mi->map_flags, nicdrv_placement_name(mi->placement));
}

static int cmd_map_show(struct ctl *c, int argc, char **argv)
{
    struct nicdrv_map_info one;
    bool single = argc > 0;
    if (single) {
        int rc = parse_map(c, &argc, &argv, &one);
        if (rc)
            return rc;
    }
    if (argc)
        return fail(c, 2, "map show: unexpected '%s'", argv[0]);
    json_t *list = json_array();
    for (unsigned i = 0; i < nicdrv_map_count(c->nic); i++) {
        struct nicdrv_map_info mi;
        nicdrv_map_info(c->nic, i, &mi);
        if (single && mi.id != one.id)
            continue;
        if (c->json)
            json_array_append_new(list, map_json(&mi));
        else
            map_line(&mi);
    }
    if (c->json)
        emit(c, json_pack("{s:o}", "maps", list));
    else
        json_decref(list);
    return 0;
}

static int cmd_map_dump(struct ctl *c, int argc, char **argv)
{
    struct nicdrv_map_info mi;
    int rc = parse_map(c, &argc, &argv, &mi);
    if (rc)
        return rc;
    if (argc)
        return fail(c, 2, "map dump: unexpected '%s'", argv[0]);
    enum { CHUNK = 64 };
    uint8_t *keys = malloc((size_t)CHUNK * mi.key_size + 1), *vals = malloc((size_t)CHUNK * mi.value_size + 1);
    uint8_t *cursor = malloc(mi.key_size + 1);
    json_t *list = json_array();
    unsigned total = 0;
    double ns = 0;
    bool have_cursor = false;
    for (;;) {
        uint32_t count = CHUNK;
        rc = nicdrv_map_lookup_batch(c->nic, mi.id, have_cursor ? cursor : NULL, cursor, keys, vals,
                                     &count, mi.key_size, mi.value_size);
        ns += nicdrv_last_call_ns(c->nic);
        if (rc < 0 && rc != -ENOENT)
            break;
        for (uint32_t i = 0; i < count; i++) {
            const uint8_t *k = keys + (size_t)i * mi.key_size, *v = vals + (size_t)i * mi.value_size;
            if (c->json) {
                char *kh = hex(k, mi.key_size), *vh = hex(v, mi.value_size);
                json_array_append_new(list, json_pack("{s:s,s:s}", "key", kh, "value", vh));
                free(kh);
                free(vh);
            } else {
                print_bytes("key", k, mi.key_size);
                print_bytes("  value", v, mi.value_size);
                putchar('\n');
            }
        }
        total += count;
        have_cursor = true;
        if (rc == -ENOENT || count < CHUNK) {
            rc = 0;
            break;
        }
    }
    free(keys);
    free(vals);
    free(cursor);
    if (rc < 0) {
        json_decref(list);
        return drv_fail(c);
    }
    if (c->json) {
        json_t *o = json_pack("{s:s,s:o,s:i}", "map", mi.name, "entries", list, "count", total);
        if (c->latency)
            json_object_set_new(o, "latency_ns", json_real(ns));
        char *t = json_dumps(o, (c->pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_REAL_PRECISION(12));
        puts(t);
        free(t);
        json_decref(o);
    } else {
        json_decref(list);
        printf("Found %u element%s\n", total, total == 1 ? "" : "s");
        if (c->latency)
            printf("latency: %.3f us modelled for the dump\n", ns / 1000.0);
    }
    return 0;
}

static int cmd_map_elem(struct ctl *c, const char *verb, int argc, char **argv)
{
    struct nicdrv_map_info mi;
    int rc = parse_map(c, &argc, &argv, &mi);
    if (rc)
        return rc;
    static uint8_t key[MAX_BYTES], value[MAX_BYTES], next[MAX_BYTES];
    uint32_t klen = 0, vlen = 0;
    bool have_key = false, have_value = false;
    uint64_t flags = BPF_ANY;
    while (argc) {
        const char *w = argv[0];
        argc--, argv++;
        if (!strcmp(w, "key")) {
            if ((rc = parse_bytes(c, "key", &argc, &argv, key, MAX_BYTES, &klen)))
                return rc;
            have_key = true;
        } else if (!strcmp(w, "value") && !strcmp(verb, "update")) {
            if ((rc = parse_bytes(c, "value", &argc, &argv, value, MAX_BYTES, &vlen)))
                return rc;
            have_value = true;
        } else if (!strcmp(verb, "update") && (!strcmp(w, "any") || !strcmp(w, "noexist") || !strcmp(w, "exist"))) {
            flags = !strcmp(w, "any") ? BPF_ANY : !strcmp(w, "noexist") ? BPF_NOEXIST : BPF_EXIST;
        } else {
            return fail(c, 2, "map %s: unexpected '%s'", verb, w);
        }
    }
    if (!have_key && strcmp(verb, "getnext"))
        return fail(c, 2, "map %s: expected key BYTES", verb);
    if (!strcmp(verb, "update") && !have_value)
        return fail(c, 2, "map update: expected value BYTES");
    json_t *o = NULL;
    if (!strcmp(verb, "lookup")) {
        if (nicdrv_map_lookup_elem(c->nic, mi.id, key, klen, value, mi.value_size) < 0)
            return drv_fail(c);
        if (c->json) {
            char *kh = hex(key, klen), *vh = hex(value, mi.value_size);
            o = json_pack("{s:s,s:s}", "key", kh, "value", vh);
            free(kh);
            free(vh);
        } else {
            print_bytes("key", key, klen);
            print_bytes("  value", value, mi.value_size);
            putchar('\n');
        }
    } else if (!strcmp(verb, "update")) {
        if (nicdrv_map_update_elem(c->nic, mi.id, key, klen, value, vlen, flags) < 0)
            return drv_fail(c);
        o = json_object();
    } else if (!strcmp(verb, "delete")) {
        if (nicdrv_map_delete_elem(c->nic, mi.id, key, klen) < 0)
            return drv_fail(c);
        o = json_object();
    } else {
        if (nicdrv_map_get_next_key(c->nic, mi.id, have_key ? key : NULL, next,
                                    have_key ? klen : mi.key_size) < 0)
            return drv_fail(c);
        uint32_t nk = have_key ? klen : mi.key_size;
        if (c->json) {
            char *kh = have_key ? hex(key, klen) : NULL, *nh = hex(next, nk);
            o = json_pack("{s:s?,s:s}", "key", kh, "next_key", nh);
            free(kh);
            free(nh);
        } else {
            print_bytes("next key", next, nk);
            putchar('\n');
        }
    }
    if (c->json) {
        emit(c, o);
    } else {
        json_decref(o);
        print_latency(c);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* prog commands. */

static int parse_id(struct ctl *c, const char *what, int *argc, char ***argv, uint32_t *id)
{
    if (*argc < 2 || strcmp((*argv)[0], "id"))
        return fail(c, 2, "%s: expected id N", what);
    char *end;
    unsigned long v = strtoul((*argv)[1], &end, 0);
    if (*end)
        return fail(c, 2, "%s: '%s' is not a program id", what, (*argv)[1]);
    *id = (uint32_t)v;
    *argc -= 2;
    *argv += 2;
    return 0;
}

static int cmd_prog(struct ctl *c, int argc, char **argv)
{
    if (!argc)
        return fail(c, 2, "prog: expected show, load, attach, detach or unload");
    const char *verb = argv[0];
    argc--, argv++;
    int rc;
    if (!strcmp(verb, "show")) {
        if (argc)
            return fail(c, 2, "prog show: unexpected '%s'", argv[0]);
        json_t *list = json_array();
        for (uint32_t id = 1; id <= NICDRV_MAX_PROGS; id++) {
            struct nicdrv_prog_info pi;
            if (nicdrv_prog_info(c->nic, id, &pi) < 0)
                continue; /* UNKNOWN_PROG: a free slot */
            if (c->json)
                json_array_append_new(list, json_pack("{s:i,s:s,s:i,s:i,s:i,s:b,s:I}", "id", pi.id,
                                                      "name", pi.name, "object", pi.object, "index",
                                                      pi.index, "insns", pi.n_insns, "attached",
                                                      pi.attached, "packets", (json_int_t)pi.packets));
            else
                printf("%u: xdp  name %s  object %u  index %u  insns %u%s  packets %" PRIu64 "\n",
                       pi.id, pi.name, pi.object, pi.index, pi.n_insns, pi.attached ? "  attached" : "",
                       pi.packets);
        }
        if (c->json)
            emit(c, json_pack("{s:o}", "progs", list));
        else
            json_decref(list);
        return 0;
    }
    if (!strcmp(verb, "load")) {
        if (!argc)
            return fail(c, 2, "prog load: expected NAME [object FILE]");
        const char *name = argv[0];
        ebpf_object *obj = c->obj;
        if (argc == 3 && !strcmp(argv[1], "object")) {
            char err[1024];
            struct ebpf_object_opts oo = {.n_cpus = c->n_cpus};
            if (ebpf_object_open(argv[2], &oo, &obj, err, sizeof(err)) < 0)
                return fail(c, 2, "%s", err);
            c->extra = realloc(c->extra, (c->n_extra + 1) * sizeof(*c->extra));
            c->extra[c->n_extra++] = obj;
        } else if (argc != 1) {
            return fail(c, 2, "prog load: expected NAME [object FILE]");
        }
        int idx = ebpf_object_find_prog(obj, name);
        if (idx < 0)
            return fail(c, 1, "%s has no program named '%s'", ebpf_object_name(obj), name);
        uint32_t id;
        if (nicdrv_prog_load(c->nic, obj, (unsigned)idx, &id) < 0)
            return drv_fail(c);
        if (c->json)
            emit(c, json_pack("{s:i}", "id", id));
        else {
            printf("%u\n", id);
            print_latency(c);
        }
        return 0;
    }
    if (!strcmp(verb, "attach") || !strcmp(verb, "detach")) {
        uint32_t id = 0, old = 0, flags = 0;
        if (!strcmp(verb, "attach") && (rc = parse_id(c, "prog attach", &argc, &argv, &id)))
            return rc;
        if (argc && !strcmp(argv[0], "replace")) {
            argc--, argv++;
            if ((rc = parse_id(c, "prog attach ... replace", &argc, &argv, &old)))
                return rc;
            flags = NICDRV_F_REPLACE;
        }
        if (argc)
            return fail(c, 2, "prog %s: unexpected '%s'", verb, argv[0]);
        if (nicdrv_prog_attach(c->nic, id, old, flags) < 0)
            return drv_fail(c);
        if (c->json)
            emit(c, json_pack("{s:i,s:i}", "attached", id, "previous", nicdrv_last(c->nic)->aux));
        else
            print_latency(c);
        return 0;
    }
    if (!strcmp(verb, "unload")) {
        uint32_t id;
        if ((rc = parse_id(c, "prog unload", &argc, &argv, &id)))
            return rc;
        if (argc)
            return fail(c, 2, "prog unload: unexpected '%s'", argv[0]);
        if (nicdrv_prog_unload(c->nic, id) < 0)
            return drv_fail(c);
        if (c->json)
            emit(c, json_object());
        else
            print_latency(c);
        return 0;
    }
    return fail(c, 2, "prog: unknown command '%s' (show, load, attach, detach, unload)", verb);
}

/* ------------------------------------------------------------------ */

static int cmd_stats(struct ctl *c, int argc, char **argv)
{
    if (argc)
        return fail(c, 2, "stats: unexpected '%s'", argv[0]);
    struct nicdrv_dev_stats d;
    struct nicdrv_stats h;
    if (nicdrv_stats(c->nic, &d, &h) < 0)
        return drv_fail(c);
    struct { const char *name; uint64_t v; } dev[] = {
        {"commands", d.commands}, {"replays", d.replays}, {"rejected", d.rejected},
        {"dma_errors", d.dma_errors}, {"dropped_completions", d.dropped}, {"resets", d.resets},
        {"resets_mid_batch", d.resets_mid_batch}, {"seq_gaps", d.seq_gaps},
        {"elems_read", d.elems_read}, {"elems_written", d.elems_written},
        {"prog_swaps", d.prog_swaps}, {"packets", d.packets}, {"busy_ps", d.busy_ps},
        {"bytes_up", d.bytes_up}, {"bytes_down", d.bytes_down}, {"tlps_up", d.tlps_up},
        {"tlps_down", d.tlps_down},
    };
    struct { const char *name; uint64_t v; } host[] = {
        {"submitted", h.submitted}, {"completed", h.completed}, {"failed", h.failed},
        {"descriptors", h.descriptors}, {"resends", h.resends}, {"timeouts", h.timeouts},
        {"status_reads", h.status_reads}, {"reinits", h.reinits}, {"dma_errors", h.dma_errors},
        {"seq_gaps", h.seq_gaps}, {"lost_completions", h.lost_completions}, {"stale", h.stale},
        {"doorbells", h.doorbells}, {"ring_full_waits", h.ring_full_waits}, {"eagain", h.eagain},
    };
    double mean = h.latency_count ? h.latency_sum_ns / (double)h.latency_count : 0;
    if (c->json) {
        json_t *jd = json_object(), *jh = json_object();
        for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
            json_object_set_new(jd, dev[i].name, json_integer((json_int_t)dev[i].v));
        for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
            json_object_set_new(jh, host[i].name, json_integer((json_int_t)host[i].v));
        json_object_set_new(jh, "latency_mean_ns", json_real(mean));
        json_object_set_new(jh, "latency_min_ns", json_real(h.latency_min_ns));
        json_object_set_new(jh, "latency_max_ns", json_real(h.latency_max_ns));
        emit(c, json_pack("{s:o,s:o}", "device", jd, "host", jh));
        return 0;
    }
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
        printf("device.%s %" PRIu64 "\n", dev[i].name, dev[i].v);
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
        printf("host.%s %" PRIu64 "\n", host[i].name, host[i].v);
    printf("host.latency_mean_ns %.3f\nhost.latency_min_ns %.3f\nhost.latency_max_ns %.3f\n", mean,
           h.latency_min_ns, h.latency_max_ns);
    return 0;
}

static int run_command(struct ctl *c, int argc, char **argv);

static int cmd_batch(struct ctl *c, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "file"))
        return fail(c, 2, "batch: expected file FILE");
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return fail(c, 2, "%s: %s", argv[1], strerror(errno));
    char line[4096], where[512];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *words[256];
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 256; t = strtok_r(NULL, " \t\r\n", &save))
            words[n++] = t;
        if (!n)
            continue;
        if (!strcmp(words[0], "batch")) {
            rc = fail(c, 2, "%s:%u: batch files do not nest", argv[1], lineno);
            break;
        }
        snprintf(where, sizeof(where), "%s:%u: ", argv[1], lineno);
        c->where = where;
        rc = run_command(c, n, words);
        c->where = NULL;
    }
    fclose(f);
    return rc;
}

static int run_command(struct ctl *c, int argc, char **argv)
{
    if (!strcmp(argv[0], "map") && argc >= 2) {
        const char *verb = argv[1];
        if (!strcmp(verb, "show") || !strcmp(verb, "list"))
            return cmd_map_show(c, argc - 2, argv + 2);
        if (!strcmp(verb, "dump"))
            return cmd_map_dump(c, argc - 2, argv + 2);
        if (!strcmp(verb, "lookup") || !strcmp(verb, "update") || !strcmp(verb, "delete") ||
            !strcmp(verb, "getnext"))
            return cmd_map_elem(c, verb, argc - 2, argv + 2);
        return fail(c, 2, "map: unknown command '%s' (show, dump, lookup, update, delete, getnext)", verb);
    }
    if (!strcmp(argv[0], "prog"))
        return cmd_prog(c, argc - 1, argv + 1);
    if (!strcmp(argv[0], "stats"))
        return cmd_stats(c, argc - 1, argv + 1);
    if (!strcmp(argv[0], "batch"))
        return cmd_batch(c, argc - 1, argv + 1);
    return fail(c, 2, "unknown command '%s'%s (map, prog, stats, batch)", argv[0],
                !strcmp(argv[0], "map") ? " without a subcommand" : "");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "bench"))
        return nicctl_bench(argc - 1, argv + 1);
    struct ctl c = {.n_cpus = 1};
    struct ebpf_hwconfig hw;
    ebpf_hwconfig_default(&hw);
    const char *maps_in = NULL, *maps_out = NULL, *faults = NULL, *prog = NULL, *link = NULL;
    bool attach = true;
    char err[1024];
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'},         {"pretty", no_argument, 0, 'p'},
        {"latency", no_argument, 0, 'l'},      {"config", required_argument, 0, 'C'},
        {"set", required_argument, 0, 'S'},    {"link", required_argument, 0, 'L'},
        {"faults", required_argument, 0, 'F'}, {"maps-in", required_argument, 0, 'i'},
        {"maps-out", required_argument, 0, 'o'}, {"prog", required_argument, 0, 'P'},
        {"no-attach", no_argument, 0, 'N'},    {"cpus", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    /* the config file first, so --set and --link override it */
    if (ebpf_hwconfig_load_args(&hw, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "nicctl: %s\n", err);
        return 2;
    }
    /* options go before OBJECT or between OBJECT and the command */
    const char *path = NULL;
    for (int round = 0; round < 2; round++) {
        int o;
        while ((o = getopt_long(argc, argv, "+jplh", opts, NULL)) != -1) {
            switch (o) {
            case 'j': c.json = true; break;
            case 'p': c.json = c.pretty = true; break;
            case 'l': c.latency = true; break;
            case 'C': break;
            case 'S':
                if (ebpf_hwconfig_set(&hw, optarg, err, sizeof(err)) < 0) {
                    fprintf(stderr, "nicctl: %s\n", err);
                    return 2;
                }
                break;
            case 'L': link = optarg; break;
            case 'F': faults = optarg; break;
            case 'i': maps_in = optarg; break;
            case 'o': maps_out = optarg; break;
            case 'P': prog = optarg; break;
            case 'N': attach = false; break;
            case 'c': c.n_cpus = (unsigned)strtoul(optarg, NULL, 0); break;
            case 'h': usage(stdout); return 0;
            default: usage(stderr); return 2;
            }
        }
        if (round == 0 && optind < argc)
            path = argv[optind++];
    }
    if (link) {
        unsigned g, l;
        char tail;
        char set[64];
        if (sscanf(link, "gen%ux%u%c", &g, &l, &tail) != 2) {
            fprintf(stderr, "nicctl: --link '%s': expected genGxL, e.g. gen3x8 or gen4x16\n", link);
            return 2;
        }
        snprintf(set, sizeof(set), "pcie.generation=%u", g);
        int rc = ebpf_hwconfig_set(&hw, set, err, sizeof(err));
        snprintf(set, sizeof(set), "pcie.lanes=%u", l);
        if (rc < 0 || ebpf_hwconfig_set(&hw, set, err, sizeof(err)) < 0) {
            fprintf(stderr, "nicctl: --link %s: %s\n", link, err);
            return 2;
        }
    }
    if (c.n_cpus < 1 || c.n_cpus > 1024) {
        fprintf(stderr, "nicctl: --cpus must be 1..1024\n");
        return 2;
    }
    if (!path || optind >= argc) {
        fprintf(stderr, "nicctl: expected OBJECT and a command\n");
        usage(stderr);
        return 2;
    }
    struct ebpf_object_opts oo = {.n_cpus = c.n_cpus};
    if (ebpf_object_open(path, &oo, &c.obj, err, sizeof(err)) < 0) {
        fprintf(stderr, "nicctl: %s\n", err);
        return 2;
    }
    int p = -1;
    if (attach) {
        p = prog ? ebpf_object_find_prog(c.obj, prog) : ebpf_object_default_xdp_prog(c.obj);
        if (p < 0) {
            if (prog)
                fprintf(stderr, "nicctl: %s: no program named '%s'\n", path, prog);
            else
                fprintf(stderr, "nicctl: %s: no XDP program (use --prog or --no-attach)\n", path);
            ebpf_object_close(c.obj);
            return 2;
        }
    }
    struct drvsim_opts dopts = {.hw = &hw, .n_cpus = c.n_cpus, .faults = faults};
    int status = 0;
    if (drvsim_open_object(&c.drv, c.obj, p, &dopts, err, sizeof(err)) < 0) {
        fprintf(stderr, "nicctl: %s\n", err);
        status = 2;
        goto out;
    }
    c.nic = drvsim_nic(c.drv);
    if (maps_in && drvsim_maps_in(c.drv, maps_in, err, sizeof(err)) < 0) {
        fprintf(stderr, "nicctl: %s\n", err);
        status = 2;
        goto out;
    }
    status = run_command(&c, argc - optind, argv + optind);
    if (status == 0 && maps_out && drvsim_maps_out(c.drv, maps_out, err, sizeof(err)) < 0) {
        fprintf(stderr, "nicctl: %s\n", err);
        status = 2;
    }
out:
    drvsim_close(c.drv);
    for (unsigned i = 0; i < c.n_extra; i++)
        ebpf_object_close(c.extra[i]);
    free(c.extra);
    ebpf_object_close(c.obj);
    return status;
}
