/* ebpfsim report end to end (make test-report): a small sweep with one
 * program that fails on purpose; every figure of report.json and report.md
 * is checked against the points' own nic.json / kbench.json files (and the
 * line rates against the traces themselves); missing, failed and stale
 * points are listed; the job list gives the same figures under make, xargs
 * and a Slurm-style array; a headless chromium renders every chart; the
 * RTL cycle agreement rows come from real cosim runs (the bundled programs
 * and traces agree, an injected cycle error or divergence is a MISMATCH). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmdrun.h"

static const char *build_dir(void)
{
    const char *b = getenv("BUILD");
    return b ? b : "build";
}

static const char *ebpfsim(void)
{
    static char path[512];
    const char *e = getenv("EBPFSIM");
    snprintf(path, sizeof(path), "%s", e ? e : "build/ebpfsim");
    return path;
}

static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    char *s = cmd_slurp_fd(fd);
    close(fd);
    return s;
}

/* Run argv (NULL-terminated), capturing its output. */
static void run_argv(struct cmd_output *r, char *const *argv)
{
    cmd_capture(r, (const char *const *)argv);
}

static void run(struct cmd_output *r, ...)
{
    char *argv[128];
    int argc = 0;
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 127)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    run_argv(r, argv);
}

static void sh(struct cmd_output *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sh(struct cmd_output *r, const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    assert_true(vasprintf(&cmd, fmt, ap) > 0);
    va_end(ap);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    run_argv(r, argv);
    free(cmd);
}

static json_t *load_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *load_json(const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fail_msg("%s: %s", path, e.text);
    return j;
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("no number '%s' in %s", key, json_dumps(o, JSON_COMPACT));
    return json_number_value(v);
}

static void assert_close(double a, double b, const char *what)
{
    if (!(fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-12))
        fail_msg("%s: report %.12g, point %.12g", what, a, b);
}

/* ------------------------------------------------------------ the sweep */

static char dir[512], prog_drop[512], prog_fw[512], prog_bad[512], driver_json[600];

/* The traces' line rates from the pcap files themselves: frames padded to
 * 60 bytes, plus 4 of FCS, 8 of preamble and 12 of gap. */
static double trace_mean_wire(const char *path, unsigned limit)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t h[24];
    assert_int_equal(fread(h, 1, 24, f), 24);
    bool swap = h[0] == 0xa1; /* big-endian file */
    double sum = 0;
    unsigned n = 0;
    uint8_t rec[16];
    while (n < limit && fread(rec, 1, 16, f) == 16) {
        uint32_t incl = swap ? (uint32_t)rec[8] << 24 | rec[9] << 16 | rec[10] << 8 | rec[11]
                             : (uint32_t)rec[11] << 24 | rec[10] << 16 | rec[9] << 8 | rec[8];
        uint32_t orig = swap ? (uint32_t)rec[12] << 24 | rec[13] << 16 | rec[14] << 8 | rec[15]
                             : (uint32_t)rec[15] << 24 | rec[14] << 16 | rec[13] << 8 | rec[12];
        sum += (orig < 60 ? 60 : orig) + 4;
        n++;
        fseek(f, incl, SEEK_CUR);
    }
    fclose(f);
    assert_true(n > 0);
    return sum / n;
}

#define LIMIT 300

static int group_setup(void **state)
{
    (void)state;
    char cwd[400];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(dir, sizeof(dir), "%s/%s/tests/report", cwd, build_dir());
    snprintf(prog_drop, sizeof(prog_drop), "%s/corpus/drop.o", build_dir());
    snprintf(prog_fw, sizeof(prog_fw), "%s/corpus/firewall.o", build_dir());
    snprintf(prog_bad, sizeof(prog_bad), "%s/corpus/bad/unsupported_helper.o", build_dir());
    snprintf(driver_json, sizeof(driver_json), "%s-driver.json", dir);
    struct cmd_output r;
    sh(&r, "rm -rf '%s' '%s'-* && mkdir -p '%s'", dir, dir, dir);
    cmd_output_free(&r);
    /* a nicctl bench --json stand-in: the report takes any schema */
    FILE *f = fopen(driver_json, "w");
    fprintf(f, "{\"ops\": 20000, \"repeats\": 3, \"results\": [\n"
               " {\"placement\": \"sram\", \"ops_per_s\": 1500000, \"latency_ns\": {\"single\": 812.5, \"batched\": 121}},\n"
               " {\"placement\": \"host\", \"ops_per_s\": 250000, \"latency_ns\": {\"single\": 4000, \"batched\": 600}}]}\n");
    fclose(f);
    return 0;
}

static char sweep_dir[600];

static void plan_args(char **argv, int *argc, const char *out, bool with_bad)
{
    static char limit[16];
    snprintf(limit, sizeof(limit), "%d", LIMIT);
    const char *a[] = {ebpfsim(), "report", "--out", out, "--program", prog_drop, "--program", prog_fw,
                       "--maps-dir", "sim/corpus", "--pcap", "pcaps/udp64-1k.pcap", "--pcap",
                       "pcaps/imix-1k.pcap", "--rates", "100,10", "--cores", "1,2", "--placement",
                       "sram,dram", "--cross", "rates,cores", "--limit", limit, "--kernel-packets",
                       "4", "--kernel-repeat", "50", "-j", "2"};
    *argc = 0;
    for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
        argv[(*argc)++] = (char *)a[i];
    if (with_bad) {
        argv[(*argc)++] = "--program";
        argv[(*argc)++] = prog_bad;
    }
    argv[*argc] = NULL;
}

/* The whole report: exit status 1 (the bad program's points fail), the
 * report written anyway. */
static void test_sweep_end_to_end(void **state)
{
    (void)state;
    snprintf(sweep_dir, sizeof(sweep_dir), "%s/sweep", dir);
    char *argv[64];
    int argc;
    plan_args(argv, &argc, sweep_dir, true);
    argv[argc++] = "--driver-bench";
    argv[argc++] = driver_json;
    argv[argc] = NULL;
    struct cmd_output r;
    run_argv(&r, argv);
    if (r.status != 1)
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
    /* 3 programs x 2 traces x (2 rates x 2 cores + dram alone) */
    assert_non_null(strstr(r.out, "ebpfsim report: planned 30 points, 6 cosim jobs and 6 kernel jobs in "));
    /* the bad program's 10 points and 2 cosim jobs */
    assert_non_null(strstr(r.err, "ebpfsim report: 12 points, cosim or kernel jobs missing or failed: listed in "));
    cmd_output_free(&r);
    json_t *rep = load_json("%s/report.json", sweep_dir);
    json_t *sum = json_object_get(rep, "summary");
    assert_int_equal(num(sum, "points"), 30);
    assert_int_equal(num(sum, "ok"), 20);
    assert_int_equal(num(sum, "failed"), 10);
    assert_int_equal(num(sum, "missing"), 0);
    json_decref(rep);
}

/* Every point of report.json against its own nic.json. */
static void test_points_match_their_outputs(void **state)
{
    (void)state;
    json_t *rep = load_json("%s/report.json", sweep_dir), *plan = load_json("%s/sweep.json", sweep_dir);
    json_t *points = json_object_get(rep, "points"), *planned = json_object_get(plan, "points");
    assert_int_equal(json_array_size(points), json_array_size(planned));
    size_t i;
    json_t *p;
    unsigned ok = 0;
    json_array_foreach(points, i, p) {
        unsigned idx = (unsigned)num(p, "index");
        assert_int_equal(idx, i + 1);
        const char *status = json_string_value(json_object_get(p, "status"));
        const char *prog = json_string_value(json_object_get(p, "program"));
        if (!strcmp(prog, "unsupported_helper")) {
            assert_string_equal(status, "failed");
            assert_non_null(strstr(json_string_value(json_object_get(p, "note")),
                                   "calls helper bpf_check_mtu (id 163), which the model does not implement"));
            continue;
        }
        assert_string_equal(status, "ok");
        json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, idx);
        json_t *cfg = json_object_get(nic, "config");
        assert_close(num(p, "cores"), num(cfg, "cores"), "cores");
        assert_close(num(p, "line_rate_gbps"), num(cfg, "line_rate_gbps"), "line rate");
        assert_string_equal(json_string_value(json_object_get(p, "placement")),
                            json_string_value(json_object_get(cfg, "placement")));
        assert_close(num(p, "mpps"), num(nic, "mpps"), "mpps");
        assert_close(num(p, "offered_mpps"), num(nic, "offered_mpps"), "offered_mpps");
        assert_close(num(p, "ipc"), num(nic, "ipc"), "ipc");
        assert_close(num(p, "processed"), num(nic, "processed"), "processed");
        assert_close(num(p, "cycles_per_packet"), num(nic, "issue_cycles") / num(nic, "processed"),
                     "cycles per packet");
        static const char *const lat[] = {"p50", "p90", "p99", "p999", "max"};
        for (int k = 0; k < 5; k++)
            assert_close(num(json_object_get(p, "latency_ns"), lat[k]),
                         num(json_object_get(nic, "latency_ns"), lat[k]), lat[k]);
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(nic, "stalls"), key, v)
            assert_close(num(json_object_get(p, "stalls"), key), json_number_value(v), key);
        json_object_foreach(json_object_get(nic, "verdicts"), key, v)
            assert_close(num(json_object_get(p, "verdicts"), key), json_number_value(v), key);
        json_decref(nic);
        ok++;
    }
    assert_int_equal(ok, 20);
    json_decref(rep);
    json_decref(plan);
}

/* The keep-up rule of docs/report.md, from a point's nic.json. */
static bool sustains(json_t *nic)
{
    double processed = num(nic, "processed"), mpps = num(nic, "mpps");
    double p50 = num(json_object_get(nic, "latency_ns"), "p50");
    if (num(json_object_get(nic, "drops"), "rx_overflow") > 0 || !(mpps > 0))
        return false;
    double arrivals = processed / mpps - p50 / 1000;
    double rate = arrivals > 0 ? processed / arrivals : mpps;
    return rate >= 0.99 * num(nic, "offered_mpps");
}

static double line_rate(const char *trace, double gbps)
{
    char path[256];
    snprintf(path, sizeof(path), "pcaps/%s.pcap", trace);
    return gbps * 1e3 / (8 * (trace_mean_wire(path, LIMIT) + 20));
}

/* The figures (slices of the grid) against the points' files, and the
 * Markdown rows against the same numbers. */
static void test_figures_and_markdown(void **state)
{
    (void)state;
    json_t *rep = load_json("%s/report.json", sweep_dir);
    char mdpath[700];
    snprintf(mdpath, sizeof(mdpath), "%s/report.md", sweep_dir);
    char *md = slurp(mdpath);
    assert_non_null(md);
    json_t *fig = json_object_get(rep, "figures");
    size_t i;
    json_t *row;
    unsigned checked = 0;
    /* throughput against line rate */
    json_array_foreach(json_object_get(fig, "throughput"), i, row) {
        const char *prog = json_string_value(json_object_get(row, "program"));
        const char *trace = json_string_value(json_object_get(row, "trace"));
        double gbps = num(row, "line_rate_gbps");
        assert_close(num(row, "line_rate_mpps"), line_rate(trace, gbps), "line rate");
        if (!strcmp(prog, "unsupported_helper")) {
            assert_true(json_is_null(json_object_get(row, "mpps")));
            continue;
        }
        unsigned idx = (unsigned)num(row, "point");
        json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, idx);
        /* the reference slice: 2 cores (the configuration's), sram */
        assert_int_equal(num(json_object_get(nic, "config"), "cores"), 2);
        assert_string_equal(json_string_value(json_object_get(json_object_get(nic, "config"), "placement")), "sram");
        assert_close(num(json_object_get(nic, "config"), "line_rate_gbps"), gbps, "rate of the point");
        assert_close(num(row, "mpps"), num(nic, "mpps"), "throughput mpps");
        assert_close(num(row, "percent_of_line_rate"), 100 * num(nic, "mpps") / line_rate(trace, gbps), "percent");
        assert_int_equal(json_is_true(json_object_get(row, "sustains")), sustains(nic));
        json_decref(nic);
        checked++;
    }
    assert_int_equal(checked, 2 * 2 * 2);
    /* the Markdown rows of the 64-byte trace, from the points' own numbers */
    const char *progs[] = {"drop", "firewall"};
    for (int k = 0; k < 2; k++) {
        char want[512], cellv[2][96];
        for (int g = 0; g < 2; g++) { /* columns: 10G then 100G */
            double gbps = g ? 100 : 10;
            json_t *hit = NULL;
            json_array_foreach(json_object_get(fig, "throughput"), i, row)
                if (!strcmp(json_string_value(json_object_get(row, "program")), progs[k]) &&
                    !strcmp(json_string_value(json_object_get(row, "trace")), "udp64-1k") &&
                    num(row, "line_rate_gbps") == gbps)
                    hit = row;
            assert_non_null(hit);
            json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(hit, "point"));
            snprintf(cellv[g], sizeof(cellv[g]), "%.2f (%.0f%%)%s", num(nic, "mpps"),
                     100 * num(nic, "mpps") / line_rate("udp64-1k", gbps), sustains(nic) ? " ✓" : "");
            json_decref(nic);
        }
        snprintf(want, sizeof(want), "| %s | %s | %s |\n", progs[k], cellv[0], cellv[1]);
        if (!strstr(md, want))
            fail_msg("report.md lacks the row\n%s", want);
    }
    /* scaling, latency and stalls rows name their points */
    checked = 0;
    json_array_foreach(json_object_get(fig, "scaling"), i, row) {
        if (json_is_null(json_object_get(row, "mpps")))
            continue;
        json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(row, "point"));
        assert_close(num(row, "cores"), num(json_object_get(nic, "config"), "cores"), "scaling cores");
        assert_close(num(json_object_get(nic, "config"), "line_rate_gbps"), 100, "scaling at the reference rate");
        assert_close(num(row, "mpps"), num(nic, "mpps"), "scaling mpps");
        json_decref(nic);
        checked++;
    }
    assert_int_equal(checked, 2 * 2 * 2);
    json_array_foreach(json_object_get(fig, "latency"), i, row) {
        if (json_is_null(json_object_get(row, "p50")))
            continue;
        json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(row, "point"));
        /* at the lowest rate of the grid */
        assert_close(num(json_object_get(nic, "config"), "line_rate_gbps"), 10, "latency rate");
        assert_close(num(row, "p99"), num(json_object_get(nic, "latency_ns"), "p99"), "latency p99");
        assert_int_equal(json_is_true(json_object_get(row, "saturated")), !sustains(nic));
        json_decref(nic);
    }
    json_array_foreach(json_object_get(fig, "stalls"), i, row) {
        if (json_is_null(json_object_get(row, "ipc")))
            continue;
        json_t *nic = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(row, "point"));
        double n = num(nic, "processed");
        assert_close(num(row, "cycles_per_packet"), num(nic, "issue_cycles") / n, "cycles per packet");
        assert_close(num(row, "insns_per_packet"), num(nic, "insns") / n, "insns per packet");
        assert_close(num(json_object_get(row, "stall_cycles_per_packet"), "helper"),
                     num(json_object_get(nic, "stalls"), "helper") / n, "helper stalls");
        json_decref(nic);
    }
    /* the kernel column: measured, or skipped with its reason */
    json_array_foreach(json_object_get(fig, "kernel"), i, row) {
        const char *ks = json_string_value(json_object_get(row, "kernel_status"));
        json_t *kb = load_json("%s/kernel/%04u/kbench.json", sweep_dir, (unsigned)num(row, "kernel_job"));
        const char *st = json_string_value(json_object_get(kb, "status"));
        if (!strcmp(st, "ok")) {
            assert_string_equal(ks, "ok");
            assert_close(num(row, "kernel_ns_per_packet"), num(kb, "ns_per_packet"), "kernel ns");
            assert_int_equal(num(kb, "packets") + num(kb, "refused"), 4);
        } else {
            assert_string_equal(st, "skipped");
            assert_string_equal(ks, "skipped");
            assert_non_null(strstr(md, json_string_value(json_object_get(kb, "note"))));
            printf("SKIP: kernel ns/packet: %s\n", json_string_value(json_object_get(kb, "note")));
        }
        json_decref(kb);
    }
    /* the failed points are listed with their reason, by job number */
    json_t *plan = load_json("%s/sweep.json", sweep_dir);
    json_array_foreach(json_object_get(plan, "points"), i, row) {
        if (num(row, "program") != 2)
            continue;
        char want[128];
        snprintf(want, sizeof(want), "| point %u | unsupported_helper |", (unsigned)num(row, "index"));
        if (!strstr(md, want))
            fail_msg("report.md does not list %s", want);
    }
    assert_non_null(strstr(md, "failed: exit status 1: ebpfsim nic: "));
    /* the driver bench table, whatever its schema */
    assert_non_null(strstr(md, "| placement | ops_per_s | latency_ns.single | latency_ns.batched |\n"));
    assert_non_null(strstr(md, "| sram | 1500000 | 812.5 | 121 |\n"));
    assert_non_null(strstr(md, "| ops | 20000 |\n"));
    json_decref(plan);
    json_decref(rep);
    free(md);
}

/* Goals: from the points (the drop program at 100G, 64 B with 2 cores). */
static void test_goals(void **state)
{
    (void)state;
    json_t *rep = load_json("%s/report.json", sweep_dir);
    size_t i;
    json_t *g, *drop = NULL;
    json_array_foreach(json_object_get(rep, "goals"), i, g)
        if (!strcmp(json_string_value(json_object_get(g, "id")), "drop_100g"))
            drop = g;
    assert_non_null(drop);
    /* the points of drop on udp64-1k at 100G, sram, 250 MHz, 1 and 2 cores */
    json_t *p, *one = NULL, *two = NULL;
    json_array_foreach(json_object_get(rep, "points"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "program")), "drop") ||
            strcmp(json_string_value(json_object_get(p, "trace")), "udp64-1k") ||
            num(p, "line_rate_gbps") != 100 ||
            strcmp(json_string_value(json_object_get(p, "placement")), "sram"))
            continue;
        if (num(p, "cores") == 1)
            one = p;
        else
            two = p;
    }
    assert_non_null(one);
    assert_non_null(two);
    json_t *n1 = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(one, "index"));
    json_t *n2 = load_json("%s/points/%04u/nic.json", sweep_dir, (unsigned)num(two, "index"));
    int want_cores = sustains(n1) ? 1 : sustains(n2) ? 2 : 0;
    json_t *met = json_object_get(drop, "met");
    const char *measured = json_string_value(json_object_get(drop, "measured"));
    if (want_cores) {
        char want[256];
        json_t *at = want_cores == 1 ? n1 : n2;
        snprintf(want, sizeof(want), "%d cores at 250 MHz process %.2f Mpps of %.2f offered", want_cores,
                 num(at, "mpps"), num(at, "offered_mpps"));
        if (!strstr(measured, want))
            fail_msg("goal says '%s', want '%s'", measured, want);
        assert_true(json_is_true(met));
    } else {
        assert_true(json_is_false(met));
    }
    json_decref(n1);
    json_decref(n2);
    json_decref(rep);
}

/* ------------------------------------------------------------ RTL agreement */

/* Records of a pcap file (the test's own count, not the report's). */
static unsigned pcap_frames(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t h[24], rec[16];
    assert_int_equal(fread(h, 1, 24, f), 24);
    bool swap = h[0] == 0xa1;
    unsigned n = 0;
    while (fread(rec, 1, 16, f) == 16) {
        uint32_t incl = swap ? (uint32_t)rec[8] << 24 | rec[9] << 16 | rec[10] << 8 | rec[11]
                             : (uint32_t)rec[11] << 24 | rec[10] << 16 | rec[9] << 8 | rec[8];
        n++;
        fseek(f, incl, SEEK_CUR);
    }
    fclose(f);
    return n;
}

static json_t *agreement_rows(json_t *rep)
{
    return json_object_get(json_object_get(rep, "rtl_agreement"), "rows");
}

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v)
        fail_msg("no string '%s' in %s", key, json_dumps(o, JSON_COMPACT));
    return v;
}

static const char *const cosim_keys[] = {"frames", "refused", "packets", "instructions", "cycle_counts",
                                         "divergences", "cycle_mismatches", "model_cycles", "rtl_cycles"};

/* An agreeing row of report.json against its job's own cosim.json, exit
 * file and command line, and its rows in report.md and report.html. */
static void check_agreement(const char *d, json_t *row, unsigned frames, const char *md, const char *html)
{
    unsigned job = (unsigned)num(row, "cosim_job");
    json_t *cj = load_json("%s/cosim/%04u/cosim.json", d, job);
    assert_string_equal(str(row, "status"), "agrees");
    assert_string_equal(str(cj, "status"), "agrees");
    for (size_t k = 0; k < sizeof(cosim_keys) / sizeof(cosim_keys[0]); k++)
        assert_close(num(row, cosim_keys[k]), num(cj, cosim_keys[k]), cosim_keys[k]);
    assert_int_equal(num(row, "divergences"), 0);
    assert_int_equal(num(row, "cycle_mismatches"), 0);
    assert_int_equal(num(row, "frames"), frames);
    assert_int_equal(num(row, "packets") + num(row, "refused"), frames);
    assert_int_equal(num(row, "cycle_counts"), num(row, "packets"));
    assert_true(num(row, "model_cycles") > 0);
    assert_int_equal(num(row, "model_cycles"), num(row, "rtl_cycles"));
    assert_true(num(row, "instructions") >= num(row, "packets"));
    assert_true(json_is_null(json_object_get(cj, "first_failure")));
    char path[800], *s;
    snprintf(path, sizeof(path), "%s/cosim/%04u/exit", d, job);
    s = slurp(path);
    assert_non_null(s);
    assert_string_equal(s, "0\n");
    free(s);
    json_decref(cj);
    /* the job ran the cosim engine over this program and trace */
    json_t *plan = load_json("%s/sweep.json", d);
    json_t *pj = json_array_get(json_object_get(plan, "cosim"), job - 1);
    const char *cmd = str(pj, "command");
    json_t *prog = json_array_get(json_object_get(plan, "programs"), (size_t)num(pj, "program"));
    json_t *trace = json_array_get(json_object_get(plan, "traces"), (size_t)num(pj, "trace"));
    assert_string_equal(str(prog, "name"), str(row, "program"));
    assert_string_equal(str(trace, "name"), str(row, "trace"));
    assert_non_null(strstr(cmd, " run "));
    assert_non_null(strstr(cmd, " --engine cosim "));
    assert_non_null(strstr(cmd, str(prog, "object")));
    assert_non_null(strstr(cmd, str(trace, "path")));
    json_decref(plan);
    char want[1024];
    snprintf(want, sizeof(want), "| %s | %s | %.0f | %.0f | %.0f | 0 | 0 | %.0f | %.0f | agrees |\n",
             str(row, "program"), str(row, "trace"), num(row, "packets"), num(row, "instructions"),
             num(row, "cycle_counts"), num(row, "model_cycles"), num(row, "rtl_cycles"));
    if (!strstr(md, want))
        fail_msg("report.md lacks the row\n%s", want);
    snprintf(want, sizeof(want),
             "<tr><td>%s</td><td>%s</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>"
             "<td class=\"n\">%.0f</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">%.0f</td>"
             "<td class=\"n\">%.0f</td><td>agrees</td></tr>\n",
             str(row, "program"), str(row, "trace"), num(row, "packets"), num(row, "instructions"),
             num(row, "cycle_counts"), num(row, "model_cycles"), num(row, "rtl_cycles"));
    if (!strstr(html, want))
        fail_msg("report.html lacks the row\n%s", want);
}

static char *read_out(const char *d, const char *name)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/%s", d, name);
    char *s = slurp(path);
    if (!s)
        fail_msg("%s: cannot read", path);
    return s;
}

/* The sweep's agreement rows: drop and firewall agree on the 300 frames
 * of each trace, the bad program's cosim jobs failed and are listed. */
static void test_rtl_agreement(void **state)
{
    (void)state;
    json_t *rep = load_json("%s/report.json", sweep_dir);
    char *md = read_out(sweep_dir, "report.md"), *html = read_out(sweep_dir, "report.html");
    json_t *rows = agreement_rows(rep), *row;
    assert_true(json_is_true(json_object_get(json_object_get(rep, "rtl_agreement"), "planned")));
    assert_int_equal(json_array_size(rows), 3 * 2);
    size_t i;
    unsigned agree = 0;
    json_array_foreach(rows, i, row) {
        if (!strcmp(str(row, "program"), "unsupported_helper")) {
            assert_string_equal(str(row, "status"), "failed");
            assert_true(json_is_null(json_object_get(row, "packets")));
            assert_non_null(strstr(str(row, "note"), "calls helper bpf_check_mtu (id 163)"));
            char want[256];
            snprintf(want, sizeof(want), "| cosim %u | unsupported_helper | %s | RTL and model in lockstep "
                     "(line %u of jobs.txt) | failed: exit status 1: ebpfsim run: ",
                     (unsigned)num(row, "cosim_job"), str(row, "trace"), 30 + (unsigned)num(row, "cosim_job"));
            if (!strstr(md, want))
                fail_msg("report.md does not list\n%s", want);
            snprintf(want, sizeof(want), "| failed (cosim job #%u) |\n", (unsigned)num(row, "cosim_job"));
            assert_non_null(strstr(md, want));
            continue;
        }
        check_agreement(sweep_dir, row, LIMIT, md, html);
        agree++;
    }
    assert_int_equal(agree, 4);
    assert_non_null(strstr(md, "## RTL cycle agreement\n\n| program | trace | packets | instructions | cycle counts | "
                               "divergences | cycle mismatches | model cycles | RTL cycles | status |\n"));
    assert_non_null(strstr(md, "| RTL cycle agreement | 6 cosim jobs (ebpfsim run --engine cosim): 4 agree, "
                               "0 MISMATCH, 2 failed, 0 missing |\n"));
    assert_non_null(strstr(html, "<h2 id=\"rtl\">RTL cycle agreement</h2>\n"));
    assert_non_null(strstr(html, "<a href=\"#rtl\">RTL cycle agreement</a>"));
    free(md);
    free(html);
    json_decref(rep);
}

static json_t *row_of(json_t *rep, const char *prog, const char *trace)
{
    size_t i;
    json_t *row;
    json_array_foreach(agreement_rows(rep), i, row)
        if (!strcmp(str(row, "program"), prog) && !strcmp(str(row, "trace"), trace))
            return row;
    fail_msg("no agreement row for %s over %s", prog, trace);
    return NULL;
}

/* Failing cases in a copy of the sweep: two cosim jobs rerun with an error
 * injected on the RTL's side by the checker's self-test hook (a cycle
 * count one too high, a wrong register value) are MISMATCH rows with the
 * packet and both values; a cosim.json edited to disagree with itself is
 * a failed row; merge exits 1 and lists them. */
static void test_rtl_mismatch(void **state)
{
    (void)state;
    char d[700];
    snprintf(d, sizeof(d), "%s-mismatch", dir);
    struct cmd_output r;
    sh(&r, "rm -rf %s && cp -r %s %s", d, sweep_dir, d);
    assert_int_equal(r.status, 0);
    cmd_output_free(&r);
    json_t *rep = load_json("%s/report.json", d);
    unsigned jc = (unsigned)num(row_of(rep, "firewall", "udp64-1k"), "cosim_job");
    unsigned jd = (unsigned)num(row_of(rep, "firewall", "imix-1k"), "cosim_job");
    unsigned je = (unsigned)num(row_of(rep, "drop", "udp64-1k"), "cosim_job");
    json_decref(rep);
    const unsigned jobs[2] = {jc, jd};
    const char *inject[2] = {"cycles:1", "wdata:5"};
    for (int k = 0; k < 2; k++) {
        /* the job's own line, writing into the copy */
        sh(&r, "line=$(sed -n '%up' %s/jobs.txt | sed 's#%s/cosim/#%s/cosim/#g') && "
               "EBPF_COSIM_INJECT=%s sh -c \"$line\"",
           30 + jobs[k], d, sweep_dir, d, inject[k]);
        assert_int_equal(r.status, 1);
        cmd_output_free(&r);
    }
    sh(&r, "sed -i 's/\"rtl_cycles\": \\([0-9]*\\)/\"rtl_cycles\": 1\\1/' %s/cosim/%04u/cosim.json", d, je);
    assert_int_equal(r.status, 0);
    cmd_output_free(&r);
    run(&r, ebpfsim(), "report", "merge", d, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ebpfsim report: 15 points, cosim or kernel jobs missing or failed"));
    cmd_output_free(&r);
    rep = load_json("%s/report.json", d);
    char *md = read_out(d, "report.md"), want[1024];
    /* the cycle error: packet 0, the RTL one cycle above the model */
    json_t *cj = load_json("%s/cosim/%04u/cosim.json", d, jc), *first = json_object_get(cj, "first_failure");
    json_t *row = row_of(rep, "firewall", "udp64-1k");
    assert_string_equal(str(row, "status"), "MISMATCH");
    assert_int_equal(num(row, "cycle_mismatches"), 1);
    assert_int_equal(num(row, "divergences"), 0);
    assert_string_equal(str(cj, "status"), "mismatch");
    assert_string_equal(str(first, "kind"), "cycles");
    assert_int_equal(num(first, "packet"), 0);
    assert_int_equal(num(first, "rtl_cycles"), num(first, "model_cycles") + 1);
    assert_int_equal(num(row, "rtl_cycles"), num(row, "model_cycles") + 1);
    snprintf(want, sizeof(want), "packet 0: RTL %.0f cycles, model %.0f: packet 0 (firewall.o, program firewall): "
             "the RTL took %.0f cycles, the timing model %.0f (reported above)",
             num(first, "rtl_cycles"), num(first, "model_cycles"), num(first, "rtl_cycles"), num(first, "model_cycles"));
    assert_string_equal(str(row, "note"), want);
    char line[1200];
    snprintf(line, sizeof(line), "| cosim %u | firewall | udp64-1k | RTL and model in lockstep (line %u of jobs.txt) | "
             "MISMATCH: %s |\n", jc, 30 + jc, want);
    if (!strstr(md, line))
        fail_msg("report.md lacks\n%s", line);
    snprintf(line, sizeof(line), "| %.0f | %.0f | MISMATCH (cosim job #%u) |\n", num(row, "model_cycles"),
             num(row, "rtl_cycles"), jc);
    if (!strstr(md, line))
        fail_msg("report.md lacks\n%s", line);
    json_decref(cj);
    /* the divergence: instruction 5 of packet 0 */
    cj = load_json("%s/cosim/%04u/cosim.json", d, jd);
    first = json_object_get(cj, "first_failure");
    row = row_of(rep, "firewall", "imix-1k");
    assert_string_equal(str(row, "status"), "MISMATCH");
    assert_int_equal(num(row, "divergences"), 1);
    assert_string_equal(str(first, "kind"), "divergence");
    assert_int_equal(num(first, "packet"), 0);
    assert_non_null(strstr(str(first, "message"), "cosim: DIVERGENCE in packet 0 (firewall.o, program firewall), "
                                                  "instruction 5 of the run"));
    snprintf(want, sizeof(want), "packet 0: %s", str(first, "message"));
    assert_string_equal(str(row, "note"), want);
    snprintf(line, sizeof(line), "| MISMATCH (cosim job #%u) |\n", jd);
    assert_non_null(strstr(md, line));
    json_decref(cj);
    /* the edited file */
    row = row_of(rep, "drop", "udp64-1k");
    assert_string_equal(str(row, "status"), "failed");
    assert_non_null(strstr(str(row, "note"), "do not make an agreement"));
    snprintf(line, sizeof(line), "| failed (cosim job #%u) |\n", je);
    assert_non_null(strstr(md, line));
    assert_non_null(strstr(md, "| RTL cycle agreement | 6 cosim jobs (ebpfsim run --engine cosim): 1 agree, "
                               "2 MISMATCH, 3 failed, 0 missing |\n"));
    free(md);
    json_decref(rep);
}

/* What make report sweeps (every bundled program over every bundled
 * trace, whole traces): each agrees with the model on every packet. */
static void test_bundled_programs_agree(void **state)
{
    (void)state;
    const char *progs = getenv("REPORT_PROGRAMS"), *traces = getenv("REPORT_TRACES");
    if (!progs || !traces)
        fail_msg("REPORT_PROGRAMS and REPORT_TRACES are not set (make test-report sets them)");
    char d[700];
    snprintf(d, sizeof(d), "%s-bundled", dir);
    char *argv[128], *pl = strdup(progs), *tl = strdup(traces), *save;
    int argc = 0;
    const char *head[] = {ebpfsim(), "report", "--out", d, "--maps-dir", "sim/corpus", "--maps-dir",
                          "sim/corpus/xdp-tools", "--kernel-repeat", "0", "-j", "2", "--quiet"};
    for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
        argv[argc++] = (char *)head[k];
    unsigned n_progs = 0, n_traces = 0;
    for (char *t = strtok_r(pl, " ", &save); t && argc < 120; t = strtok_r(NULL, " ", &save), n_progs++) {
        argv[argc++] = "--program";
        argv[argc++] = t;
    }
    char *trace_paths[8];
    for (char *t = strtok_r(tl, " ", &save); t && n_traces < 8 && argc < 126; t = strtok_r(NULL, " ", &save)) {
        argv[argc++] = "--pcap";
        argv[argc++] = t;
        trace_paths[n_traces++] = t;
    }
    argv[argc] = NULL;
    assert_true(n_progs >= 14 && n_traces == 2);
    struct cmd_output r;
    run_argv(&r, argv);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    cmd_output_free(&r);
    json_t *rep = load_json("%s/report.json", d);
    char *md = read_out(d, "report.md"), *html = read_out(d, "report.html");
    json_t *rows = agreement_rows(rep), *progs_j = json_object_get(rep, "programs");
    assert_int_equal(json_array_size(rows), n_progs * n_traces);
    /* rows in order: programs, then traces */
    for (unsigned p = 0; p < n_progs; p++)
        for (unsigned t = 0; t < n_traces; t++) {
            json_t *row = json_array_get(rows, p * n_traces + t);
            assert_string_equal(str(row, "program"), str(json_array_get(progs_j, p), "name"));
            const char *base = strrchr(trace_paths[t], '/') + 1;
            assert_int_equal(strncmp(str(row, "trace"), base, strlen(str(row, "trace"))), 0);
            check_agreement(d, row, pcap_frames(trace_paths[t]), md, html);
        }
    printf("RTL cycle agreement: %u programs x %u traces, every packet's cycles equal\n", n_progs, n_traces);
    free(md);
    free(html);
    json_decref(rep);
    free(pl);
    free(tl);
}

/* Missing and stale points are listed; run redoes only the missing one. */
static void test_missing_and_rerun(void **state)
{
    (void)state;
    struct cmd_output r;
    sh(&r, "rm %s/points/0003/exit %s/points/0003/nic.json", sweep_dir, sweep_dir);
    cmd_output_free(&r);
    /* point 5's result claims another configuration */
    sh(&r, "sed -i 's/\"cores\": [0-9]*/\"cores\": 7/' %s/points/0005/nic.json", sweep_dir);
    cmd_output_free(&r);
    run(&r, ebpfsim(), "report", "merge", sweep_dir, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ebpfsim report: 14 points, cosim or kernel jobs missing or failed"));
    cmd_output_free(&r);
    char path[700];
    snprintf(path, sizeof(path), "%s/report.md", sweep_dir);
    char *md = slurp(path), want[1024];
    snprintf(want, sizeof(want), "| point 3 | drop | udp64-1k | 100G, 1 core, 250 MHz, sram | missing: not run: no %s/points/0003/exit |",
             sweep_dir);
    if (!strstr(md, want))
        fail_msg("report.md lacks\n%s", want);
    snprintf(want, sizeof(want), "failed: %s/points/0005/nic.json has core.cores = 7, the plan 2 (a result of another plan?)",
             sweep_dir);
    if (!strstr(md, want))
        fail_msg("report.md lacks\n%s", want);
    free(md);
    /* run: only the missing point (the failed ones have their exit file) */
    run(&r, ebpfsim(), "report", "run", sweep_dir, "-j", "2", "--no-kernel", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ebpfsim report: ran 1 of 30 points in "));
    assert_non_null(strstr(r.out, "ebpfsim report: ran 0 of 6 cosim jobs in "));
    cmd_output_free(&r);
    sh(&r, "rm -r %s/points/0005", sweep_dir);
    cmd_output_free(&r);
    run(&r, ebpfsim(), "report", "run", sweep_dir, "-j", "1", "--no-kernel", "--quiet", NULL);
    assert_int_equal(r.status, 0);
    cmd_output_free(&r);
    run(&r, ebpfsim(), "report", "merge", sweep_dir, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ebpfsim report: 12 points, cosim or kernel jobs missing or failed"));
    cmd_output_free(&r);
}

/* The figures of a report, point by point, as one string. */
static char *figures_of(const char *d)
{
    json_t *rep = load_json("%s/report.json", d);
    json_t *pts = json_object_get(rep, "points"), *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(pts, i, p) {
        json_t *o = json_object();
        static const char *const keys[] = {"index", "status", "mpps", "ipc", "latency_ns", "stalls"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            json_t *v = json_object_get(p, keys[k]);
            json_object_set(o, keys[k], v ? v : json_null());
        }
        json_array_append_new(out, o);
    }
    json_array_append(out, json_object_get(json_object_get(rep, "rtl_agreement"), "rows"));
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(out);
    json_decref(rep);
    return s;
}

/* The same job list under make -j, xargs -P and a Slurm-style array (task
 * N runs line N, or every STRIDE-th line) gives the same figures. */
static void test_job_list_runners(void **state)
{
    (void)state;
    const char *runners[] = {"ref", "make", "xargs", "slurm"};
    char *figs[4];
    for (int k = 0; k < 4; k++) {
        char d[700];
        snprintf(d, sizeof(d), "%s-%s", dir, runners[k]);
        char *argv[64];
        int argc;
        plan_args(argv, &argc, d, false);
        argv[1] = "report";
        /* plan only: "report plan ..." */
        memmove(&argv[3], &argv[2], (size_t)(argc - 1) * sizeof(char *));
        argv[2] = "plan";
        argc++;
        argv[argc++] = "--kernel-repeat";
        argv[argc++] = "0";
        argv[argc] = NULL;
        struct cmd_output r;
        run_argv(&r, argv);
        if (r.status != 0)
            fail_msg("plan: exit %d: %s", r.status, r.err);
        cmd_output_free(&r);
        switch (k) {
        case 0: run(&r, ebpfsim(), "report", "run", d, "-j", "2", NULL); break;
        case 1: sh(&r, "make -s -j2 -f %s/jobs.mk jobs", d); break;
        case 2: sh(&r, "xargs -d '\\n' -P 2 -I CMD sh -c CMD < %s/jobs.txt", d); break;
        case 3:
            /* 20 points and 4 cosim jobs, 7 array tasks: task i runs lines i, i + 7, ... */
            sh(&r, "for i in 1 2 3 4 5 6 7; do SLURM_ARRAY_TASK_ID=$i STRIDE=7 sh %s/slurm.sh || exit 1; done", d);
            break;
        }
        if (r.status != 0)
            fail_msg("%s: exit %d: %s", runners[k], r.status, r.err);
        cmd_output_free(&r);
        run(&r, ebpfsim(), "report", "merge", d, "--quiet", NULL);
        if (r.status != 0)
            fail_msg("merge after %s: exit %d: %s", runners[k], r.status, r.err);
        cmd_output_free(&r);
        figs[k] = figures_of(d);
        assert_non_null(strstr(figs[k], "\"status\":\"ok\""));
        assert_null(strstr(figs[k], "\"status\":\"missing\""));
        assert_non_null(strstr(figs[k], "\"status\":\"agrees\""));
    }
    for (int k = 1; k < 4; k++)
        if (strcmp(figs[0], figs[k]))
            fail_msg("the figures after %s differ from ebpfsim report run's", runners[k]);
    for (int k = 0; k < 4; k++)
        free(figs[k]);
}

/* ------------------------------------------------------------ browser */

static const char *find_chromium(void)
{
    static const char *const names[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (access(names[i], X_OK) == 0)
            return names[i];
    return NULL;
}

/* How many marks each chart must draw, from report.json's figures. */
static unsigned expected_marks(json_t *fig, const char *chart, const char *trace)
{
    unsigned n = 0;
    size_t i;
    json_t *row;
    const char *section = !strncmp(chart, "chart-throughput", 16) ? "throughput"
                          : !strncmp(chart, "chart-scaling", 13)  ? "scaling"
                          : !strncmp(chart, "chart-placement", 15) ? "placement"
                          : !strncmp(chart, "chart-latency", 13)  ? "latency"
                          : !strncmp(chart, "chart-stalls", 12)   ? "stalls"
                          : !strncmp(chart, "chart-kernel", 12)   ? "kernel"
                                                                  : NULL;
    if (!section)
        fail_msg("unexpected chart %s", chart);
    json_array_foreach(json_object_get(fig, section), i, row) {
        if (strcmp(json_string_value(json_object_get(row, "trace")), trace))
            continue;
        if (!strcmp(section, "latency")) {
            static const char *const k[] = {"p50", "p90", "p99", "p999", "max"};
            for (int j = 0; j < 5; j++)
                n += json_is_number(json_object_get(row, k[j])) && num(row, k[j]) > 0;
        } else if (!strcmp(section, "stalls")) {
            if (!json_is_number(json_object_get(row, "cycles_per_packet")))
                continue;
            double stalls = 0;
            const char *key;
            json_t *v;
            json_object_foreach(json_object_get(row, "stall_cycles_per_packet"), key, v) {
                n += json_number_value(v) > 0;
                stalls += json_number_value(v);
            }
            n += num(row, "cycles_per_packet") - stalls > 0;
        } else if (!strcmp(section, "kernel")) {
            n += json_is_number(json_object_get(row, "model_core_ns_per_packet"));
            n += json_is_number(json_object_get(row, "kernel_ns_per_packet"));
        } else {
            n += json_is_number(json_object_get(row, "mpps")) && num(row, "mpps") > 0;
        }
    }
    return n;
}

static void test_headless_browser(void **state)
{
    (void)state;
    char html[700];
    snprintf(html, sizeof(html), "%s/report.html", sweep_dir);
    char *page = slurp(html);
    assert_non_null(page);
    /* self-contained: nothing fetched from anywhere */
    static const char *const external[] = {"http:", "https:", "src=", "<link", "@import", "url("};
    for (size_t i = 0; i < sizeof(external) / sizeof(external[0]); i++)
        if (strstr(page, external[i]))
            fail_msg("report.html refers to an external resource (%s)", external[i]);
    free(page);
    const char *chromium = find_chromium();
    if (!chromium) {
        printf("SKIP: headless browser test: chromium is not installed (make deps installs it)\n");
        return;
    }
    char profile[] = "/tmp/ebpfsim-chromium-XXXXXX";
    assert_non_null(mkdtemp(profile));
    char udd[128], url[800];
    snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
    snprintf(url, sizeof(url), "file://%s", html);
    char *argv[] = {(char *)chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", udd, "--dump-dom", url, NULL};
    struct cmd_output r;
    run_argv(&r, argv);
    struct cmd_output rm;
    sh(&rm, "rm -rf %s", profile);
    cmd_output_free(&rm);
    if (r.status != 0)
        fail_msg("chromium: exit %d: %s", r.status, r.err);
    const char *start = strstr(r.out, "<pre id=\"render-check\"");
    assert_non_null(start);
    start = strchr(start, '>') + 1;
    const char *end = strstr(start, "</pre>");
    assert_non_null(end);
    json_error_t e;
    json_t *check = json_loadb(start, (size_t)(end - start), 0, &e);
    if (!check)
        fail_msg("render check is not JSON (%s): %.*s", e.text, (int)(end - start), start);
    json_t *rep = load_json("%s/report.json", sweep_dir);
    json_t *fig = json_object_get(rep, "figures");
    /* per trace: throughput, scaling, placement, latency, stalls, kernel */
    assert_int_equal(json_array_size(check), 12);
    size_t i;
    json_t *c;
    json_array_foreach(check, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *trace = id[strlen(id) - 1] == '0' ? "udp64-1k" : "imix-1k";
        unsigned want = expected_marks(fig, id, trace);
        if (!(num(c, "width") > 0 && num(c, "height") > 0))
            fail_msg("%s is not rendered: %s", id, json_dumps(c, JSON_COMPACT));
        if (num(c, "marks") != want || num(c, "drawn") != want)
            fail_msg("%s: %u marks expected, page says %g, %g rendered", id, want, num(c, "marks"),
                     num(c, "drawn"));
        assert_true(want > 0);
    }
    printf("headless chromium: %zu charts rendered with every mark\n", json_array_size(check));
    json_decref(rep);
    json_decref(check);
    cmd_output_free(&r);
}

/* Where bpf() is refused (here: in a new user namespace, where root has no
 * CAP_BPF), the kernel column is skipped with the reason, and the report is
 * still complete. */
static void test_kernel_refused(void **state)
{
    (void)state;
    struct cmd_output r;
    sh(&r, "unshare -U true");
    bool can = r.status == 0;
    cmd_output_free(&r);
    if (!can) {
        printf("SKIP: kernel column without bpf(): unshare -U is not permitted here\n");
        return;
    }
    char d[700];
    snprintf(d, sizeof(d), "%s-nobpf", dir);
    sh(&r, "unshare -U %s report --out %s --program %s --pcap pcaps/udp64-1k.pcap --limit 100 "
           "--kernel-packets 2 -j 1",
       ebpfsim(), d, prog_drop);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "SKIP: kernel ns/packet column: "));
    cmd_output_free(&r);
    json_t *kb = load_json("%s/kernel/0001/kbench.json", d);
    assert_string_equal(json_string_value(json_object_get(kb, "status")), "skipped");
    const char *why = json_string_value(json_object_get(kb, "note"));
    assert_non_null(strstr(why, "not permitted"));
    char path[800], want[512];
    snprintf(path, sizeof(path), "%s/report.md", d);
    char *md = slurp(path);
    assert_non_null(strstr(md, "| skipped (kernel job #1) | - |"));
    snprintf(want, sizeof(want), "Kernel column skipped: %s.", why);
    if (!strstr(md, want))
        fail_msg("report.md lacks '%s'", want);
    free(md);
    snprintf(path, sizeof(path), "%s/report.html", d);
    char *html = slurp(path);
    snprintf(want, sizeof(want), "No kernel figures: %s.", why);
    if (!strstr(html, want))
        fail_msg("report.html lacks '%s'", want);
    free(html);
    json_decref(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_end_to_end),
        cmocka_unit_test(test_points_match_their_outputs),
        cmocka_unit_test(test_figures_and_markdown),
        cmocka_unit_test(test_goals),
        cmocka_unit_test(test_rtl_agreement),
        cmocka_unit_test(test_rtl_mismatch),
        cmocka_unit_test(test_bundled_programs_agree),
        cmocka_unit_test(test_headless_browser),
        cmocka_unit_test(test_missing_and_rerun),
        cmocka_unit_test(test_job_list_runners),
        cmocka_unit_test(test_kernel_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
