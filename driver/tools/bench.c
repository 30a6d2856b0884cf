/* nicctl bench: map operations through the driver shim, per PCIe link and
 * map placement, single (one synchronous call per element), pipelined (up
 * to 64 asynchronous commands in flight) and batched (64 and 1024
 * elements per command).  Two figures per row: the modelled time (latency of a call,
 * elements per simulated second) and the simulator's own speed (elements
 * per wall-clock second through the shim: the median of --repeat runs). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicctl.h"
#include "nicdrv.h"

enum mode { SINGLE, PIPELINED, BATCH, BATCH_LARGE, MODES };
static const char *const mode_names[MODES] = {"single", "pipelined", "batch", "batch"};
static const unsigned mode_elems[MODES] = {1, 1, 64, 1024};
enum { DEPTH = 64, BATCH_MAX = 1024, KEYS = 8192 };

struct row {
    const char *link;
    unsigned placement;
    enum mode mode;
    unsigned ops;
    double call_mean_ns, call_p50_ns, call_p99_ns; /* modelled, per call */
    double elem_ns;                                  /* modelled time per element */
    double wall_ops;                                 /* elements per wall second (median) */
    uint64_t bytes_down, bytes_up;                   /* on the link, per element */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static ebpf_object *bench_object(char *err, size_t errlen)
{
    static const struct ebpf_map_spec spec = {.name = "table", .type = BPF_MAP_TYPE_HASH,
                                              .key_size = 8, .value_size = 8, .max_entries = 65536};
    struct ebpf_insn *insns;
    size_t n;
    if (ebpf_asm("mov %r0, 2\nexit\n", &insns, &n, err, errlen) < 0)
        return NULL;
    ebpf_object *obj = NULL;
    ebpf_object_from_insns(insns, n, &spec, 1, NULL, &obj, err, errlen);
    free(insns);
    return obj;
}

/* One run; fills the modelled figures (the same on every run) and returns
 * the wall time, < 0 on error. */
static double run_once(struct row *r, char *err, size_t errlen)
{
    ebpf_object *obj = bench_object(err, errlen);
    if (!obj)
        return -1;
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    nicdrv *nic = NULL;
    double wall = -1;
    double *lat = NULL;
    if (nicdrv_config_set_link(&cfg, r->link, err, errlen) < 0)
        goto out;
    cfg.default_placement = (uint8_t)r->placement;
    /* the keys exist before the clock starts: every timed update replaces
     * a value (no first touches of the map's memory in the timed part) */
    for (uint64_t k = 0; k < KEYS; k++)
        ebpf_map_sys_update(ebpf_object_map(obj, 0), &k, &k, BPF_ANY);
    if (nicdrv_open_object(obj, &cfg, &nic, err, errlen) < 0)
        goto out;
    unsigned be = mode_elems[r->mode];
    unsigned calls = (r->ops + be - 1) / be;
    lat = calloc(calls, sizeof(*lat));
    uint64_t (*kv)[2] = calloc(r->mode == PIPELINED ? r->ops : 1, sizeof(*kv));
    static uint64_t keys[BATCH_MAX], vals[BATCH_MAX];
    struct nicdrv_dev_stats d0, d1;
    nicdrv_dev_get_stats(nicdrv_device(nic), &d0);
    uint64_t t_sim0 = nicdrv_now_ps(nic);
    double t0 = now_s();
    unsigned done = 0;
    if (r->mode == SINGLE) {
        for (unsigned i = 0; i < calls; i++) {
            uint64_t k = i % KEYS, v = i;
            if (nicdrv_map_update_elem(nic, 0, &k, 8, &v, 8, BPF_ANY) < 0)
                goto fail;
            lat[i] = nicdrv_last_call_ns(nic);
        }
    } else if (r->mode == BATCH || r->mode == BATCH_LARGE) {
        for (unsigned i = 0; i < calls; i++) {
            uint32_t n = r->ops - i * be < be ? r->ops - i * be : be;
            for (uint32_t j = 0; j < n; j++)
                keys[j] = (i * be + j) % KEYS, vals[j] = i;
            uint32_t count = n;
            if (nicdrv_map_update_batch(nic, 0, keys, vals, &count, 8, 8, BPF_ANY) < 0)
                goto fail;
            lat[i] = nicdrv_last_call_ns(nic);
        }
    } else {
        unsigned next = 0;
        struct nicdrv_completion c[DEPTH];
        while (done < r->ops) {
            while (next < r->ops && next - done < DEPTH) {
                kv[next][0] = next % KEYS;
                kv[next][1] = next;
                struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_UPDATE, .key_size = 8, .value_size = 8,
                                         .in = kv[next], .in_len = 16};
                uint32_t seq;
                if (nicdrv_submit(nic, &cmd, &seq) < 0)
                    goto fail;
                next++;
            }
            int n = nicdrv_poll(nic, c, DEPTH);
            if (!n)
                nicdrv_advance_ps(nic, nicdrv_next_event_ps(nic));
            for (int i = 0; i < n; i++) {
                if (c[i].rc < 0) {
                    snprintf(err, errlen, "seq %u: %s", c[i].seq, nicdrv_status_name(c[i].status));
                    goto fail;
                }
                lat[done++] = c[i].t.total_ns;
            }
        }
    }
    wall = now_s() - t0;
    nicdrv_dev_get_stats(nicdrv_device(nic), &d1);
    r->elem_ns = (double)(nicdrv_now_ps(nic) - t_sim0) / 1000.0 / r->ops;
    r->bytes_down = (d1.bytes_down - d0.bytes_down) / r->ops;
    r->bytes_up = (d1.bytes_up - d0.bytes_up) / r->ops;
    double sum = 0;
    for (unsigned i = 0; i < calls; i++)
        sum += lat[i];
    r->call_mean_ns = sum / calls;
    qsort(lat, calls, sizeof(*lat), cmp_double);
    r->call_p50_ns = lat[calls / 2];
    r->call_p99_ns = lat[(size_t)((calls - 1) * 0.99)];
    goto done_ok;
fail:
    if (!err[0] || nic)
        snprintf(err, errlen, "%s", nicdrv_errmsg(nic));
    wall = -1;
done_ok:
    free(kv);
out:
    free(lat);
    nicdrv_close(nic);
    ebpf_object_close(obj);
    return wall;
}

/* A dump of n elements: get_next + lookup per element (two commands, as a
 * bpf(2) dump does), or lookup_batch.  Fills *ns_per_elem (modelled);
 * returns the wall time, < 0 on error. */
static double dump_once(const char *link, unsigned n, unsigned batch, unsigned passes,
                        double *ns_per_elem, char *err, size_t errlen)
{
    ebpf_object *obj = bench_object(err, errlen);
    if (!obj)
        return -1;
    for (uint64_t k = 0; k < n; k++)
        ebpf_map_sys_update(ebpf_object_map(obj, 0), &k, &k, BPF_ANY);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    nicdrv *nic = NULL;
    double wall = -1;
    if (nicdrv_config_set_link(&cfg, link, err, errlen) < 0 ||
        nicdrv_open_object(obj, &cfg, &nic, err, errlen) < 0)
        goto out;
    uint64_t t_sim0 = nicdrv_now_ps(nic);
    double t0 = now_s();
    unsigned got = 0;
    if (!batch) {
        uint64_t key, next, value;
        const void *prev = NULL;
        while (nicdrv_map_get_next_key(nic, 0, prev, &next, 8) == 0) {
            key = next;
            prev = &key;
            if (nicdrv_map_lookup_elem(nic, 0, &key, 8, &value, 8) < 0)
                break;
            got++;
        }
    } else {
        static uint64_t keys[BATCH_MAX], vals[BATCH_MAX];
        for (unsigned pass = 0; pass < passes; pass++) {
            uint64_t cursor;
            bool have = false;
            for (;;) {
                uint32_t count = batch;
                int rc = nicdrv_map_lookup_batch(nic, 0, have ? &cursor : NULL, &cursor, keys,
                                                 vals, &count, 8, 8);
                got += count;
                have = true;
                if (rc < 0)
                    break;
            }
        }
        n *= passes;
    }
    wall = now_s() - t0;
    if (got != n) {
        snprintf(err, errlen, "dumped %u of %u elements: %s", got, n, nicdrv_errmsg(nic));
        wall = -1;
    }
    *ns_per_elem = (double)(nicdrv_now_ps(nic) - t_sim0) / 1000.0 / n;
    wall /= n; /* per element */
out:
    nicdrv_close(nic);
    ebpf_object_close(obj);
    return wall;
}

int nicctl_bench(int argc, char **argv)
{
    unsigned ops = 20000, repeat = 5;
    const char *json = NULL;
    static const struct option opts[] = {
        {"ops", required_argument, 0, 'n'}, {"repeat", required_argument, 0, 'r'},
        {"json", required_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "n:r:j:h", opts, NULL)) != -1) {
        switch (o) {
        case 'n': ops = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'r': repeat = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'j': json = optarg; break;
        case 'h':
            printf("usage: nicctl bench [--ops N] [--repeat N] [--json FILE]\n");
            return 0;
        default: return 2;
        }
    }
    if (ops < BATCH_MAX || ops > 10000000 || repeat < 1 || repeat > 100) {
        fprintf(stderr, "nicctl bench: --ops must be 1024..10000000 and --repeat 1..100\n");
        return 2;
    }
    static const char *const links[] = {"gen3x8", "gen4x16", "gen5x4"};
    enum { NL = 3, NR = NL * EBPF_PLACE_COUNT * MODES };
    struct row rows[NR];
    unsigned n = 0;
    char err[1024] = "";
    printf("nicctl bench: %u hash-map updates (8-byte key and value) per row (batches: %u), wall "
           "clock: median of %u runs\n", ops, 10 * ops, repeat);
    printf("| link | placement | mode | elements/call | call latency mean | p50 | p99 | modelled per element | modelled Mops/s | wall Mops/s |\n");
    printf("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (unsigned l = 0; l < NL; l++)
        for (unsigned p = 0; p < EBPF_PLACE_COUNT; p++)
            for (unsigned m = 0; m < MODES; m++) {
                struct row *r = &rows[n++];
                /* batches run ten times as many elements, so that the wall
                 * clock measures more than a millisecond */
                *r = (struct row){.link = links[l], .placement = p, .mode = (enum mode)m,
                                  .ops = m >= BATCH ? 10 * ops : ops};
                double walls[100];
                for (unsigned k = 0; k < repeat; k++)
                    if ((walls[k] = run_once(r, err, sizeof(err))) < 0) {
                        fprintf(stderr, "nicctl bench: %s %s %s: %s\n", r->link,
                                nicdrv_placement_name(p), mode_names[m], err);
                        return 1;
                    }
                qsort(walls, repeat, sizeof(walls[0]), cmp_double);
                r->wall_ops = r->ops / walls[repeat / 2];
                printf("| %s | %s | %s | %u | %.2f us | %.2f us | %.2f us | %.1f ns | %.3f | %.2f |\n",
                       r->link, nicdrv_placement_name(p), mode_names[m],
                       mode_elems[m], r->call_mean_ns / 1000, r->call_p50_ns / 1000,
                       r->call_p99_ns / 1000, r->elem_ns, 1000.0 / r->elem_ns, r->wall_ops / 1e6);
                fflush(stdout);
            }
    /* dumps */
    static const unsigned dump_batch[3] = {0, 64, 1024};
    double dump_ns[NL][3], dump_wall[NL][3];
    printf("\nnicctl bench: map dump of %u elements (hash map in SRAM; batches: 10 dumps), wall "
           "clock: median of %u runs\n", ops, repeat);
    printf("| link | method | commands per element | modelled per element | wall elements/s |\n");
    printf("|---|---|---:|---:|---:|\n");
    for (unsigned l = 0; l < NL; l++)
        for (unsigned b = 0; b < 3; b++) {
            double walls[100];
            for (unsigned k = 0; k < repeat; k++)
                if ((walls[k] = dump_once(links[l], ops, dump_batch[b], dump_batch[b] ? 10 : 1,
                                          &dump_ns[l][b], err, sizeof(err))) < 0) {
                    fprintf(stderr, "nicctl bench: dump %s: %s\n", links[l], err);
                    return 1;
                }
            qsort(walls, repeat, sizeof(walls[0]), cmp_double);
            dump_wall[l][b] = 1.0 / walls[repeat / 2];
            char method[32];
            if (dump_batch[b])
                snprintf(method, sizeof(method), "lookup_batch %u", dump_batch[b]);
            else
                snprintf(method, sizeof(method), "get_next + lookup");
            printf("| %s | %s | %.3g | %.3f us | %.0f |\n", links[l], method,
                   dump_batch[b] ? 1.0 / dump_batch[b] : 2.0, dump_ns[l][b] / 1000, dump_wall[l][b]);
            fflush(stdout);
        }
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) {
            fprintf(stderr, "nicctl bench: %s: %s\n", json, strerror(errno));
            return 1;
        }
        fprintf(f, "{\n \"ops\": %u,\n \"repeat\": %u,\n \"pipeline_depth\": %d,\n \"rows\": [\n",
                ops, repeat, DEPTH);
        for (unsigned i = 0; i < n; i++) {
            const struct row *r = &rows[i];
            fprintf(f, "  {\"link\": \"%s\", \"placement\": \"%s\", \"mode\": \"%s\", "
                       "\"elements_per_call\": %d, \"call_latency_ns\": {\"mean\": %.1f, \"p50\": %.1f, "
                       "\"p99\": %.1f}, \"modelled_ns_per_element\": %.2f, \"modelled_ops_per_s\": %.0f, "
                       "\"wall_ops_per_s\": %.0f, \"link_bytes_per_element\": {\"down\": %" PRIu64
                       ", \"up\": %" PRIu64 "}}%s\n",
                    r->link, nicdrv_placement_name(r->placement), mode_names[r->mode],
                    mode_elems[r->mode], r->call_mean_ns, r->call_p50_ns, r->call_p99_ns,
                    r->elem_ns, 1e9 / r->elem_ns, r->wall_ops, r->bytes_down, r->bytes_up,
                    i + 1 < n ? "," : "");
        }
        fprintf(f, " ],\n \"dump\": [\n");
        for (unsigned l = 0; l < NL; l++)
            for (unsigned b = 0; b < 3; b++)
                fprintf(f, "  {\"link\": \"%s\", \"elements\": %u, \"batch\": %u, "
                           "\"modelled_ns_per_element\": %.2f, \"wall_elements_per_s\": %.0f}%s\n",
                        links[l], ops, dump_batch[b], dump_ns[l][b], dump_wall[l][b],
                        l + 1 < NL || b + 1 < 3 ? "," : "");
        fprintf(f, " ]\n}\n");
        if (fclose(f)) {
            fprintf(stderr, "nicctl bench: %s: %s\n", json, strerror(errno));
            return 1;
        }
    }
    return 0;
}
