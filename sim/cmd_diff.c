/* ebpfsim diff: two engines in lockstep over a trace; every packet's
 * verdict, return value and output bytes, then every map, must agree. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ebpf_xdp.h"
#include "engine.h"
#include "kernel.h"
#include "pcapio.h"
#include "progress.h"
#include "sim.h"

static void show_bytes(const char *who, const uint8_t *b, uint32_t n)
{
    fprintf(stderr, "    %-7s %4" PRIu32 " bytes: ", who, n);
    for (uint32_t i = 0; i < n && i < 96; i++)
        fprintf(stderr, "%02x", b[i]);
    fprintf(stderr, "%s\n", n > 96 ? "..." : "");
}

static bool same_result(const struct pkt_result *a, const struct pkt_result *b)
{
    if (a->refused || b->refused)
        return a->refused == b->refused;
    return a->action == b->action && (uint32_t)a->retval == (uint32_t)b->retval &&
           a->data_len == b->data_len && !memcmp(a->data, b->data, a->data_len);
}

/* Compare every map entry by entry (keys found by either engine). */
static unsigned long compare_maps(const struct engine_ops *oa, struct engine *a,
                                  const struct engine_ops *ob, struct engine *b, unsigned *n_maps)
{
    unsigned long bad = 0;
    *n_maps = 0;
    for (unsigned i = 0; i < oa->map_count(a); i++) {
        struct engine_map_info ia, ib;
        oa->map_info(a, i, &ia);
        unsigned j;
        for (j = 0; j < ob->map_count(b); j++) {
            ob->map_info(b, j, &ib);
            if (!strcmp(ia.name, ib.name))
                break;
        }
        if (j == ob->map_count(b)) {
            fprintf(stderr, "  map '%s' exists only in %s\n", ia.name, oa->name);
            bad++;
            continue;
        }
        if (!engine_map_holds_data(ia.type))
            continue; /* values are object references, not data */
        if (ia.value_size != ib.value_size || ia.key_size != ib.key_size) {
            fprintf(stderr, "  map '%s': key/value sizes differ (%u/%u vs %u/%u)\n", ia.name,
                    ia.key_size, ia.value_size, ib.key_size, ib.value_size);
            bad++;
            continue;
        }
        (*n_maps)++;
        uint8_t *key = calloc(1, ia.key_size + 8), *next = calloc(1, ia.key_size + 8);
        uint8_t *va = calloc(1, ia.value_size + 8), *vb = calloc(1, ia.value_size + 8);
        for (int side = 0; side < 2 && key && next && va && vb; side++) {
            const struct engine_ops *o1 = side ? ob : oa, *o2 = side ? oa : ob;
            struct engine *e1 = side ? b : a, *e2 = side ? a : b;
            unsigned m1 = side ? j : i, m2 = side ? i : j;
            const uint8_t *prev = NULL;
            uint64_t guard = 0;
            while (o1->map_next_key(e1, m1, prev, next) == 0 && guard++ <= ia.max_entries) {
                memcpy(key, next, ia.key_size);
                prev = key;
                int r1 = o1->map_lookup(e1, m1, key, va);
                int r2 = o2->map_lookup(e2, m2, key, vb);
                if (r1 != r2 || (r1 == 0 && memcmp(va, vb, ia.value_size))) {
                    if (bad < 5) {
                        fprintf(stderr, "  map '%s': entry differs (%s %s, %s %s), key ", ia.name,
                                o1->name, r1 ? "missing" : "present", o2->name,
                                r2 ? "missing" : "present");
                        for (uint32_t k = 0; k < ia.key_size; k++)
                            fprintf(stderr, "%02x", key[k]);
                        fputc('\n', stderr);
                        if (!r1)
                            show_bytes(o1->name, va, ia.value_size);
                        if (!r2)
                            show_bytes(o2->name, vb, ia.value_size);
                    }
                    bad++;
                }
            }
        }
        free(key);
        free(next);
        free(va);
        free(vb);
    }
    return bad;
}

int cmd_diff(int argc, char **argv)
{
    struct engine_opts eo = {.prandom_seed = 1};
    const char *pcaps[512];
    size_t n_pcaps = 0;
    const char *maps_in = NULL, *engines = "model,kernel";
    bool skip_ok = true;
    static const struct option opts[] = {
        {"pcap", required_argument, 0, 'p'},    {"prog", required_argument, 0, 'P'},
        {"maps-in", required_argument, 0, 'i'}, {"engines", required_argument, 0, 'e'},
        {"linear-max", required_argument, 0, 'L'}, {"no-skip", no_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "p:P:i:e:L:Sh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (n_pcaps == sizeof(pcaps) / sizeof(pcaps[0])) {
                errmsg("diff", "at most %zu traces", n_pcaps);
                return 2;
            }
            pcaps[n_pcaps++] = optarg;
            break;
        case 'P': eo.prog = optarg; break;
        case 'i': maps_in = optarg; break;
        case 'e': engines = optarg; break;
        case 'L': eo.linear_max = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'S': skip_ok = false; break;
        case 'h':
            printf("usage: ebpfsim diff PROG.o --pcap IN.pcap [--pcap ...] [--prog NAME]\n"
                   "                    [--maps-in FILE] [--engines A,B] [--no-skip]\n"
                   "  Runs two engines (default model,kernel; also rtl, cosim) in lockstep over\n"
                   "  the traces (one after the other, maps carried over) and compares every\n"
                   "  packet (verdict, return value, output bytes) and, at the end, every map\n"
                   "  entry.\n"
                   "  Per-CPU maps get as many copies as the host has possible CPUs.\n"
                   "  Where the kernel engine cannot run, prints SKIP (or fails with --no-skip).\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1 || !n_pcaps) {
        errmsg("diff", "expected PROG.o and --pcap IN.pcap");
        return 2;
    }
    eo.object = argv[optind];
    char name_a[32], name_b[32];
    if (sscanf(engines, "%31[^,],%31s", name_a, name_b) != 2) {
        errmsg("diff", "--engines takes two names, e.g. model,kernel");
        return 2;
    }
    const struct engine_ops *oa = engine_find(name_a), *ob = engine_find(name_b);
    if (!oa || !ob) {
        errmsg("diff", "unknown engine in '%s' (model, kernel, rtl, cosim)", engines);
        return 2;
    }
    int ncpu = kernel_possible_cpus();
    eo.n_cpus = ncpu > 0 ? (unsigned)ncpu : 1;
    const char *short_obj = strrchr(eo.object, '/') ? strrchr(eo.object, '/') + 1 : eo.object;
    const char *short_pcap = strrchr(pcaps[0], '/') ? strrchr(pcaps[0], '/') + 1 : pcaps[0];
    char traces_label[64];
    if (n_pcaps > 1)
        snprintf(traces_label, sizeof(traces_label), "%zu traces", n_pcaps);
    else
        snprintf(traces_label, sizeof(traces_label), "%s", short_pcap);

    char err[1024];
    if (!strcmp(name_b, "kernel") || !strcmp(name_a, "kernel")) {
        char why[256];
        if (!kernel_xdp_available(why, sizeof(why))) {
            printf("SKIP: diff %s on %s: %s\n", short_obj, traces_label, why);
            return skip_ok ? 0 : 1;
        }
    }
    struct engine *a = NULL, *b = NULL;
    if (oa->open(&a, &eo, err, sizeof(err)) < 0) {
        errmsg("diff", "%s engine: %s", oa->name, err);
        return 1;
    }
    if (ob->open(&b, &eo, err, sizeof(err)) < 0) {
        errmsg("diff", "%s engine: %s", ob->name, err);
        oa->close(a);
        return 1;
    }
    int status = 0;
    if (maps_in && (maps_load_json(oa, a, maps_in, err, sizeof(err)) < 0 ||
                    maps_load_json(ob, b, maps_in, err, sizeof(err)) < 0)) {
        errmsg("diff", "%s", err);
        status = 1;
        goto out;
    }
    unsigned long compared = 0, mismatches = 0, refused = 0;
    uint8_t *saved = NULL;
    size_t saved_cap = 0;
    /* progress: bytes of all the traces */
    struct progress prog;
    progress_start(&prog, "packets", false);
    uint64_t total_bytes = 0, done_bytes = 0;
    for (size_t t = 0; t < n_pcaps; t++) {
        struct stat st;
        if (stat(pcaps[t], &st) == 0)
            total_bytes += (uint64_t)st.st_size;
    }
    for (size_t t = 0; t < n_pcaps && status == 0; t++) {
        struct pcap_in in;
        if (pcap_in_open(&in, pcaps[t], err, sizeof(err)) < 0) {
            errmsg("diff", "%s", err);
            status = 1;
            break;
        }
        struct pkt_in pkt;
        int rc;
        while ((rc = pcap_in_next(&in, &pkt, err, sizeof(err))) == 1) {
            struct pkt_result ra, rb;
            if (oa->run_packet(a, pkt.data, pkt.caplen, &ra) < 0) {
                errmsg("diff", "%s: %s: record %" PRIu64 ": %s", oa->name, pcaps[t], in.record, ra.fault);
                status = 1;
                break;
            }
            /* the other engine may reuse its buffers: keep a's output */
            if (ra.data_len > saved_cap) {
                uint8_t *p = realloc(saved, ra.data_len);
                if (!p) {
                    status = 1;
                    break;
                }
                saved = p;
                saved_cap = ra.data_len;
            }
            if (ra.data_len)
                memcpy(saved, ra.data, ra.data_len);
            ra.data = saved;
            if (ob->run_packet(b, pkt.data, pkt.caplen, &rb) < 0) {
                errmsg("diff", "%s: %s: record %" PRIu64 ": %s", ob->name, pcaps[t], in.record, rb.fault);
                status = 1;
                break;
            }
            compared++;
            if (progress_due(&prog))
                progress_update(&prog, compared,
                                total_bytes ? (double)(done_bytes + pcap_in_offset(&in)) /
                                                  (double)total_bytes
                                            : -1);
            if (ra.refused)
                refused++;
            if (!same_result(&ra, &rb) && ++mismatches <= 5) {
                progress_end(&prog);
                fprintf(stderr, "  %s record %" PRIu64 " (%" PRIu32 " bytes): %s %s (retval %" PRIu64
                        ")%s%s, %s %s (retval %" PRIu64 ")\n",
                        pcaps[t], in.record, pkt.caplen, oa->name,
                        ra.refused ? "refused" : ebpf_xdp_action_name(ra.action), ra.retval,
                        ra.fault[0] ? " " : "", ra.fault, ob->name,
                        rb.refused ? "refused" : ebpf_xdp_action_name(rb.action), rb.retval);
                show_bytes(oa->name, ra.data, ra.data_len);
                show_bytes(ob->name, rb.data, rb.data_len);
            }
        }
        progress_end(&prog);
        if (rc < 0)
            fprintf(stderr, "  (%s ends with an error: %s)\n", pcaps[t], err);
        done_bytes += in.file_size;
        pcap_in_close(&in);
    }
    progress_end(&prog);
    free(saved);
    unsigned n_maps;
    unsigned long map_bad = status ? 0 : compare_maps(oa, a, ob, b, &n_maps);
    printf("diff %-16s %-28s %6lu packets compared (%lu refused by both), %lu mismatches; "
           "%u maps, %lu entry mismatches\n",
           short_obj, traces_label, compared, refused, mismatches, status ? 0 : n_maps, map_bad);
    if (mismatches || map_bad)
        status = 1;
out:
    oa->close(a);
    ob->close(b);
    return status;
}
