/* ebpfsim report: plan a sweep of NIC configurations, run its points (in
 * parallel processes), merge their results into report.json, report.md and
 * report.html (docs/report.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ebpf_hwconfig.h"
#include "engine.h"
#include "kernel.h"
#include "progress.h"
#include "jsonfile.h"
#include "report.h"
#include "sim.h"

#define MAX_LIST 256

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ebpfsim report --out DIR --program PROG.o [...] --pcap TRACE [...] [options]\n"
            "       ebpfsim report plan --out DIR --program PROG.o [...] --pcap TRACE [...] [options]\n"
            "       ebpfsim report run DIR [-j N] [--no-kernel]\n"
            "       ebpfsim report merge DIR [--driver-bench FILE]\n"
            "       ebpfsim report kbench PROG.o --pcap TRACE [--maps-in F] [--prog P] [--packets N]\n"
            "                             [--repeat N] [--limit N] --json FILE\n"
            "Without a subcommand: plan, run and merge.  Sweep options:\n"
            "  --program PROG.o      a program (repeatable); NAME.maps.json and NAME.args are\n"
            "                        looked up in the --maps-dir directories\n"
            "  --maps-dir DIR        where map contents and extra arguments live (repeatable)\n"
            "  --pcap TRACE          a trace (repeatable)\n"
            "  --rates LIST          line rates in Gbit/s (default: the configuration's)\n"
            "  --cores LIST          core counts, e.g. 1,2,4 or 1-8 (default: the configuration's)\n"
            "  --clock LIST          core clocks in MHz (default: the configuration's)\n"
            "  --placement LIST      map placements: sram, dram, host (default: the configuration's)\n"
            "  --cross LIST          dimensions forming a full grid: all (default), none, or some of\n"
            "                        rates,cores,clock,placement; the others vary one at a time\n"
            "  --config FILE         hardware parameters (docs/configuration.md)\n"
            "  --set SEC.KEY=VALUE   override one parameter (repeatable)\n"
            "  --limit N             at most N frames of each trace per point\n"
            "  --kernel-repeat N     BPF_PROG_TEST_RUN repetitions per packet for the kernel's\n"
            "                        ns/packet (default 1000; 0: no kernel measurements)\n"
            "  --kernel-packets N    frames of each trace the kernel runs, spread evenly over it\n"
            "                        (default 32; 0: every frame)\n"
            "  --rtl-check yes|no    run each program over each trace on the RTL and the model in\n"
            "                        lockstep (ebpfsim run --engine cosim) for the RTL cycle\n"
            "                        agreement table (default: yes when ebpfsim has the engine)\n"
            "  -j, --jobs N          points run at a time (default: the number of CPUs)\n"
            "  --driver-bench FILE   include a nicctl bench --json table\n"
            "  --quiet               no summary, no progress line\n");
}

/* ------------------------------------------------------------ kbench */

static void host_cpu(char *buf, size_t len)
{
    buf[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10))
            continue;
        char *c = strchr(line, ':');
        if (c) {
            c++;
            while (*c == ' ' || *c == '\t')
                c++;
            c[strcspn(c, "\n")] = 0;
            snprintf(buf, len, "%s", c);
        }
        break;
    }
    fclose(f);
}

static int cmd_kbench(int argc, char **argv)
{
    const char *pcap = NULL, *maps_in = NULL, *prog = NULL, *json = NULL;
    unsigned long repeat = 1000, samples = 32;
    uint64_t limit = 0;
    static const struct option opts[] = {
        {"pcap", required_argument, 0, 'p'},  {"maps-in", required_argument, 0, 'i'},
        {"prog", required_argument, 0, 'P'},  {"repeat", required_argument, 0, 'r'},
        {"limit", required_argument, 0, 'n'}, {"json", required_argument, 0, 'J'},
        {"packets", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:i:P:r:n:J:S:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': pcap = optarg; break;
        case 'i': maps_in = optarg; break;
        case 'P': prog = optarg; break;
        case 'r': repeat = strtoul(optarg, NULL, 0); break;
        case 'n': limit = strtoull(optarg, NULL, 0); break;
        case 'J': json = optarg; break;
        case 'S': samples = strtoul(optarg, NULL, 0); break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1 || !pcap || !json) {
        errmsg("report kbench", "expected PROG.o, --pcap TRACE and --json FILE");
        return 2;
    }
    if (repeat < 1 || repeat > 1000000) {
        errmsg("report kbench", "--repeat must be 1..1000000");
        return 2;
    }
    struct kbench_result res;
    if (samples > 100000000) {
        errmsg("report kbench", "--packets must be 0..100000000");
        return 2;
    }
    kbench_run(argv[optind], prog, maps_in, pcap, limit, (unsigned)samples, (unsigned)repeat, &res);
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(rep_status_names[res.status]));
    json_object_set_new(o, "note", json_string(res.note));
    json_object_set_new(o, "object", json_string(argv[optind]));
    json_object_set_new(o, "program", json_string(res.prog));
    json_object_set_new(o, "pcap", json_string(pcap));
    json_object_set_new(o, "packets", json_integer((json_int_t)res.packets));
    json_object_set_new(o, "refused", json_integer((json_int_t)res.refused));
    json_object_set_new(o, "repeat", json_integer((json_int_t)repeat));
    json_object_set_new(o, "samples", json_integer((json_int_t)samples));
    json_object_set_new(o, "ns_per_packet", res.status == REP_OK ? json_real(res.ns_per_packet) : json_null());
    json_t *v = json_object();
    for (int k = 0; k < REP_VERDICTS; k++)
        json_object_set_new(v, rep_verdict_names[k], json_integer((json_int_t)res.verdicts[k]));
    json_object_set_new(o, "verdicts", v);
    json_t *h = json_object();
    struct utsname u;
    if (uname(&u) == 0)
        json_object_set_new(h, "kernel", json_string(u.release));
    char cpu[256];
    host_cpu(cpu, sizeof(cpu));
    json_object_set_new(h, "cpu", json_string(cpu));
    json_object_set_new(o, "host", h);
    int rc = json_dump_file(o, json, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (rc < 0) {
        errmsg("report kbench", "%s: %s", json, strerror(errno));
        return 1;
    }
    if (res.status == REP_FAILED) {
        errmsg("report kbench", "%s", res.note);
        return 1;
    }
    if (res.status == REP_SKIP)
        fprintf(stderr, "SKIP: kernel ns/packet of %s: %s\n", argv[optind], res.note);
    return 0;
}

/* ------------------------------------------------------------ running jobs */

static bool done_already(const char *dir, const char *sub, unsigned index)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/%s/%04u/exit", dir, sub, index);
    return access(path, F_OK) == 0;
}

/* Run command lines with /bin/sh, `jobs` at a time.  Returns the number of
 * lines that exited with a non-zero status. */
static unsigned run_lines(char *const *lines, unsigned n, const char *dir, const char *sub,
                          unsigned jobs, bool quiet, unsigned *ran)
{
    struct progress pr;
    progress_start(&pr, !strcmp(sub, "points") ? "points" : !strcmp(sub, "cosim") ? "cosim jobs" : "kernel jobs",
                   quiet);
    unsigned todo = 0, finished = 0, failed = 0, running = 0, next = 0;
    for (unsigned i = 0; i < n; i++)
        todo += !done_already(dir, sub, i + 1);
    while (next < n || running) {
        while (running < jobs && next < n) {
            unsigned i = next++;
            if (done_already(dir, sub, i + 1))
                continue;
            pid_t pid = fork();
            if (pid == 0) {
                execl("/bin/sh", "sh", "-c", lines[i], (char *)NULL);
                _exit(127);
            }
            if (pid < 0) {
                failed++;
                finished++;
                continue;
            }
            running++;
        }
        if (!running)
            break;
        int st;
        pid_t pid = wait(&st);
        if (pid < 0)
            break;
        running--;
        finished++;
        if (!WIFEXITED(st) || WEXITSTATUS(st))
            failed++;
        progress_update(&pr, finished, todo ? (double)finished / todo : 1);
    }
    progress_end(&pr);
    *ran = finished;
    return failed;
}

static int run_sweep(const char *dir, unsigned jobs, bool kernel, bool quiet)
{
    struct report r;
    char err[1024];
    if (report_read_sweep(&r, dir, err, sizeof(err)) < 0) {
        errmsg("report", "%s", err);
        report_free(&r);
        return 2;
    }
    char **lines = calloc(r.n_points + r.n_kernel + r.n_cosim + 1, sizeof(char *));
    for (unsigned i = 0; i < r.n_points; i++)
        lines[i] = r.points[i].command;
    unsigned ran, failed;
    double t0 = now_seconds();
    failed = run_lines(lines, r.n_points, dir, "points", jobs, quiet, &ran);
    double t1 = now_seconds();
    if (!quiet)
        printf("ebpfsim report: ran %u of %u points in %.1f s (%u at a time), %u failed\n", ran,
               r.n_points, t1 - t0, jobs, failed);
    if (r.n_cosim) {
        for (unsigned i = 0; i < r.n_cosim; i++)
            lines[i] = r.cosim[i].command;
        unsigned cfailed = run_lines(lines, r.n_cosim, dir, "cosim", jobs, quiet, &ran);
        double t2 = now_seconds();
        if (!quiet)
            printf("ebpfsim report: ran %u of %u cosim jobs in %.1f s (%u at a time), %u failed\n", ran,
                   r.n_cosim, t2 - t1, jobs, cfailed);
        failed += cfailed;
        t1 = t2;
    }
    if (kernel && r.n_kernel) {
        /* one at a time, after the points: nothing else of ours runs while
         * the kernel is timed */
        for (unsigned i = 0; i < r.n_kernel; i++)
            lines[i] = r.kernel[i].command;
        unsigned kfailed = run_lines(lines, r.n_kernel, dir, "kernel", 1, quiet, &ran);
        if (!quiet)
            printf("ebpfsim report: ran %u of %u kernel jobs in %.1f s, %u failed\n", ran, r.n_kernel,
                   now_seconds() - t1, kfailed);
        failed += kfailed;
    }
    free(lines);
    report_free(&r);
    return failed ? 1 : 0;
}

static int merge(const char *dir, const char *driver, bool quiet)
{
    char err[1024];
    int rc = report_merge(dir, driver, err, sizeof(err));
    if (rc < 0) {
        errmsg("report", "%s", err);
        return 2;
    }
    if (!quiet)
        printf("ebpfsim report: wrote %s/report.html, report.md and report.json%s\n", dir,
               rc ? "" : " (every point ok)");
    /* a kernel column skipped (bpf() refused) is said once, with the reason */
    char path[4400];
    snprintf(path, sizeof(path), "%s/report.json", dir);
    json_t *rep = json_load_file(path, 0, NULL), *k;
    size_t i;
    json_array_foreach(json_object_get(rep, "kernel_jobs"), i, k) {
        const char *st = json_string_value(json_object_get(k, "status"));
        if (st && !strcmp(st, "skipped")) {
            fprintf(stderr, "SKIP: kernel ns/packet column: %s\n",
                    json_string_value(json_object_get(k, "note")));
            break;
        }
    }
    json_decref(rep);
    if (rc) {
        errmsg("report", "%d points, cosim or kernel jobs missing or failed: listed in %s/report.md", rc,
               dir);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ planning */

struct plan_opts {
    const char *out;
    const char *progs[MAX_LIST];
    unsigned n_progs;
    const char *maps_dirs[16];
    unsigned n_maps_dirs;
    const char *pcaps[MAX_LIST];
    unsigned n_pcaps;
    const char *lists[DIM_COUNT];
    const char *cross;
    const char *config;
    const char *sets[MAX_LIST];
    unsigned n_sets;
    uint64_t limit;
    unsigned kernel_repeat, kernel_packets;
    int rtl_check;        /* -1: when ebpfsim has the cosim engine */
};

static const char *const dim_option[DIM_COUNT] = {"--rates", "--cores", "--clock", "--placement"};
static const char *const dim_names[DIM_COUNT] = {"rates", "cores", "clock", "placement"};
static const char *const dim_keys[DIM_COUNT] = {"nic.line_rate_gbps", "core.cores", "core.clock_mhz",
                                                "memory.placement"};

static double dim_of(const struct ebpf_hwconfig *c, int d)
{
    switch (d) {
    case DIM_RATE: return c->line_rate_gbps;
    case DIM_CORES: return c->cores;
    case DIM_CLOCK: return c->clock_mhz;
    default: return c->timing.default_placement;
    }
}

/* Parse a dimension's list; every value is checked by the configuration's
 * own validation (the same ranges and messages as --set). */
static int parse_list(const struct ebpf_hwconfig *base, int d, const char *list, struct rep_dimension *out)
{
    out->v = calloc(MAX_LIST + 1, sizeof(double));
    out->n = 0;
    char *copy = strdup(list), *save = NULL;
    /* empty items: "1,,2" or a trailing comma */
    if (!*list || strstr(list, ",,") || list[0] == ',' || list[strlen(list) - 1] == ',') {
        errmsg("report", "%s %s: empty value in the list", dim_option[d], list);
        free(copy);
        return -1;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long lo = 0, hi = -1;
        char *dash = d == DIM_CORES ? strchr(tok, '-') : NULL;
        if (dash && dash != tok) {
            char *e1, *e2;
            lo = strtol(tok, &e1, 10);
            hi = strtol(dash + 1, &e2, 10);
            if (e1 != dash || *e2 || hi < lo) {
                errmsg("report", "%s %s: '%s' is not a range FIRST-LAST", dim_option[d], list, tok);
                free(copy);
                return -1;
            }
        }
        for (long k = lo; k <= (hi >= lo ? hi : lo); k++) {
            char set[128], val[64], err[512];
            if (hi >= lo)
                snprintf(val, sizeof(val), "%ld", k);
            else
                snprintf(val, sizeof(val), "%s", tok);
            snprintf(set, sizeof(set), "%s=%s", dim_keys[d], val);
            struct ebpf_hwconfig c = *base;
            if (ebpf_hwconfig_set(&c, set, err, sizeof(err)) < 0) {
                /* the message without its "--set KEY=VALUE: " prefix */
                const char *why = strncmp(err, "--set ", 6) || !strstr(err, ": ") ? err : strstr(err, ": ") + 2;
                errmsg("report", "%s %s: %s", dim_option[d], list, why);
                free(copy);
                return -1;
            }
            double v = dim_of(&c, d);
            for (unsigned i = 0; i < out->n; i++)
                if (out->v[i] == v) {
                    errmsg("report", "%s %s: %s is listed twice", dim_option[d], list, val);
                    free(copy);
                    return -1;
                }
            if (out->n == MAX_LIST) {
                errmsg("report", "%s: at most %d values", dim_option[d], MAX_LIST);
                free(copy);
                return -1;
            }
            out->v[out->n++] = v;
        }
    }
    free(copy);
    /* numeric dimensions in increasing order (the charts' axes) */
    if (d != DIM_PLACEMENT)
        for (unsigned i = 1; i < out->n; i++)
            for (unsigned j = i; j > 0 && out->v[j] < out->v[j - 1]; j--) {
                double t = out->v[j];
                out->v[j] = out->v[j - 1];
                out->v[j - 1] = t;
            }
    return 0;
}

static int parse_cross(const char *s, struct report *r)
{
    if (!s || !strcmp(s, "all")) {
        for (int k = 0; k < DIM_COUNT; k++)
            r->dim[k].crossed = true;
        return 0;
    }
    if (!strcmp(s, "none"))
        return 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < DIM_COUNT && strcmp(tok, dim_names[k]))
            k++;
        if (k == DIM_COUNT) {
            errmsg("report", "--cross %s: '%s' is not a dimension (all, none, or a list of rates, "
                             "cores, clock, placement)",
                   s, tok);
            free(copy);
            return -1;
        }
        r->dim[k].crossed = true;
    }
    free(copy);
    return 0;
}

static char *abs_path(const char *path)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return NULL;
    return strdup(buf);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* NAME.args: whitespace-separated arguments for the program's commands. */
static int read_args(const char *path, struct rep_program *p)
{
    char *text = read_file(path, NULL);
    if (!text)
        return -errno;
    p->extra = calloc(64, sizeof(char *));
    char *save = NULL;
    for (char *tok = strtok_r(text, " \t\r\n", &save); tok && p->n_extra < 63;
         tok = strtok_r(NULL, " \t\r\n", &save))
        p->extra[p->n_extra++] = strdup(tok);
    free(text);
    return 0;
}

static int plan(const struct plan_opts *o, struct report *r, bool quiet)
{
    char err[1024];
    memset(r, 0, sizeof(*r));
    if (!o->out) {
        errmsg("report", "expected --out DIR");
        return 2;
    }
    if (!o->n_progs) {
        errmsg("report", "expected at least one --program PROG.o");
        return 2;
    }
    if (!o->n_pcaps) {
        errmsg("report", "expected at least one --pcap TRACE");
        return 2;
    }
    struct ebpf_hwconfig cfg;
    ebpf_hwconfig_default(&cfg);
    if (o->config && ebpf_hwconfig_load(&cfg, o->config, err, sizeof(err)) < 0) {
        errmsg("report", "%s", err);
        return 2;
    }
    for (unsigned i = 0; i < o->n_sets; i++)
        if (ebpf_hwconfig_set(&cfg, o->sets[i], err, sizeof(err)) < 0) {
            errmsg("report", "%s", err);
            return 2;
        }
    r->cfg_clock_mhz = cfg.clock_mhz;
    r->cfg_cores = cfg.cores;
    r->cfg_rate_gbps = cfg.line_rate_gbps;
    r->cfg_placement = cfg.timing.default_placement;
    r->exit_gap = cfg.timing.exit_gap;
    r->pacing = cfg.pacing == EBPF_PACE_CAPTURE ? "capture" : "line_rate";
    for (int d = 0; d < DIM_COUNT; d++) {
        struct rep_dimension *dim = &r->dim[d];
        if (o->lists[d]) {
            if (parse_list(&cfg, d, o->lists[d], dim) < 0)
                return 2;
        } else {
            dim->v = calloc(2, sizeof(double));
            dim->v[0] = dim_of(&cfg, d);
            dim->n = 1;
        }
        /* the reference: the configuration's value if listed, else the first */
        dim->ref = 0;
        for (unsigned i = 0; i < dim->n; i++)
            if (dim->v[i] == dim_of(&cfg, d))
                dim->ref = i;
    }
    if (parse_cross(o->cross, r) < 0)
        return 2;
    if (o->config && !(r->config = abs_path(o->config))) {
        errmsg("report", "%s: %s", o->config, strerror(errno));
        return 2;
    }
    r->sets = calloc(o->n_sets + 1, sizeof(char *));
    for (unsigned i = 0; i < o->n_sets; i++)
        r->sets[r->n_sets++] = strdup(o->sets[i]);
    r->limit = o->limit;
    r->kernel_repeat = o->kernel_repeat;
    r->kernel_packets = o->kernel_packets;
    bool have_cosim = engine_find("cosim") != NULL;
    if (o->rtl_check == 1 && !have_cosim) {
        errmsg("report", "--rtl-check yes: this ebpfsim was built without the cosim engine");
        return 2;
    }
    r->rtl_check = o->rtl_check != 0 && have_cosim;
    snprintf(r->rtl_check_note, sizeof(r->rtl_check_note), "%s",
             r->rtl_check ? "" : o->rtl_check == 0 ? "--rtl-check no"
                                                   : "this ebpfsim was built without the cosim engine");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        errmsg("report", "cannot find the ebpfsim executable (/proc/self/exe)");
        return 2;
    }
    exe[n] = 0;
    r->ebpfsim = strdup(exe);

    r->progs = calloc(o->n_progs + 1, sizeof(*r->progs));
    for (unsigned i = 0; i < o->n_progs; i++) {
        struct rep_program *p = &r->progs[r->n_progs];
        if (!file_exists(o->progs[i]) || !(p->object = abs_path(o->progs[i]))) {
            errmsg("report", "%s: %s", o->progs[i], errno ? strerror(errno) : "not a file");
            return 2;
        }
        r->n_progs++;
        const char *base = strrchr(o->progs[i], '/') ? strrchr(o->progs[i], '/') + 1 : o->progs[i];
        snprintf(p->name, sizeof(p->name), "%s", base);
        char *dot = strstr(p->name, ".bpf.o");
        if (!dot)
            dot = strrchr(p->name, '.');
        if (dot && dot != p->name)
            *dot = 0;
        for (unsigned k = 0; k + 1 < r->n_progs; k++)
            if (!strcmp(r->progs[k].name, p->name)) {
                errmsg("report", "two programs named %s (%s and %s)", p->name, r->progs[k].object,
                       p->object);
                return 2;
            }
        for (unsigned k = 0; k < o->n_maps_dirs; k++) {
            char path[PATH_MAX + 128];
            snprintf(path, sizeof(path), "%s/%s.maps.json", o->maps_dirs[k], p->name);
            if (!p->maps_in && file_exists(path))
                p->maps_in = abs_path(path);
            snprintf(path, sizeof(path), "%s/%s.args", o->maps_dirs[k], p->name);
            if (!p->n_extra && file_exists(path) && read_args(path, p) < 0) {
                errmsg("report", "%s: %s", path, strerror(errno));
                return 2;
            }
        }
    }
    r->traces = calloc(o->n_pcaps + 1, sizeof(*r->traces));
    for (unsigned i = 0; i < o->n_pcaps; i++) {
        struct rep_trace *t = &r->traces[r->n_traces];
        if (!(t->path = abs_path(o->pcaps[i]))) {
            errmsg("report", "%s: %s", o->pcaps[i], strerror(errno));
            return 2;
        }
        r->n_traces++;
        const char *base = strrchr(o->pcaps[i], '/') ? strrchr(o->pcaps[i], '/') + 1 : o->pcaps[i];
        snprintf(t->name, sizeof(t->name), "%s", base);
        char *dot = strrchr(t->name, '.');
        if (dot && dot != t->name)
            *dot = 0;
        /* messages name the trace as the user gave it */
        char *given = t->path;
        t->path = (char *)o->pcaps[i];
        int rc = report_scan_trace(t, o->limit, err, sizeof(err));
        t->path = given;
        if (rc < 0) {
            errmsg("report", "%s", err);
            return 2;
        }
    }
    if (mkdir(o->out, 0777) < 0 && errno != EEXIST) {
        errmsg("report", "%s: %s", o->out, strerror(errno));
        return 2;
    }
    if (!(r->dir = abs_path(o->out))) {
        errmsg("report", "%s: %s", o->out, strerror(errno));
        return 2;
    }
    if (report_plan_points(r, err, sizeof(err)) < 0 || report_write_plan(r, err, sizeof(err)) < 0) {
        errmsg("report", "%s", err);
        return 2;
    }
    if (!quiet) {
        printf("ebpfsim report: planned %u points, %u cosim jobs and %u kernel jobs in %s (sweep.json, "
               "jobs.txt, kernel-jobs.txt, jobs.mk, slurm.sh)\n",
               r->n_points, r->n_cosim, r->n_kernel, r->dir);
        if (!r->rtl_check)
            printf("ebpfsim report: no RTL cycle agreement: %s\n", r->rtl_check_note);
    }
    return 0;
}

/* ------------------------------------------------------------ entry */

static int parse_jobs(const char *s, unsigned *jobs)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v < 1 || v > 256) {
        errmsg("report", "-j %s: expected 1..256 processes", s);
        return -1;
    }
    *jobs = (unsigned)v;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "kbench"))
        return cmd_kbench(argc - 1, argv + 1);
    const char *sub = NULL;
    if (argc >= 2 && (!strcmp(argv[1], "plan") || !strcmp(argv[1], "run") || !strcmp(argv[1], "merge"))) {
        sub = argv[1];
        argc--;
        argv++;
    }
    struct plan_opts o = {.kernel_repeat = 1000, .kernel_packets = 32, .rtl_check = -1};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = cpus > 0 && cpus <= 256 ? (unsigned)cpus : 1;
    const char *driver = NULL;
    bool quiet = false, kernel = true;
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},       {"program", required_argument, 0, 'P'},
        {"maps-dir", required_argument, 0, 'M'},  {"pcap", required_argument, 0, 'p'},
        {"rates", required_argument, 0, 'R'},     {"cores", required_argument, 0, 'C'},
        {"clock", required_argument, 0, 'K'},     {"placement", required_argument, 0, 'L'},
        {"cross", required_argument, 0, 'X'},     {"config", required_argument, 0, 'c'},
        {"set", required_argument, 0, 's'},       {"limit", required_argument, 0, 'n'},
        {"kernel-repeat", required_argument, 0, 'k'}, {"jobs", required_argument, 0, 'j'},
        {"kernel-packets", required_argument, 0, 'm'},
        {"driver-bench", required_argument, 0, 'D'}, {"no-kernel", no_argument, 0, 'N'},
        {"rtl-check", required_argument, 0, 'V'},
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'P':
            if (o.n_progs == MAX_LIST) {
                errmsg("report", "at most %d programs", MAX_LIST);
                return 2;
            }
            o.progs[o.n_progs++] = optarg;
            break;
        case 'M':
            if (o.n_maps_dirs == 16) {
                errmsg("report", "at most 16 --maps-dir");
                return 2;
            }
            o.maps_dirs[o.n_maps_dirs++] = optarg;
            break;
        case 'p':
            if (o.n_pcaps == MAX_LIST) {
                errmsg("report", "at most %d traces", MAX_LIST);
                return 2;
            }
            o.pcaps[o.n_pcaps++] = optarg;
            break;
        case 'R': o.lists[DIM_RATE] = optarg; break;
        case 'C': o.lists[DIM_CORES] = optarg; break;
        case 'K': o.lists[DIM_CLOCK] = optarg; break;
        case 'L': o.lists[DIM_PLACEMENT] = optarg; break;
        case 'X': o.cross = optarg; break;
        case 'c': o.config = optarg; break;
        case 's':
            if (o.n_sets == MAX_LIST) {
                errmsg("report", "at most %d --set", MAX_LIST);
                return 2;
            }
            o.sets[o.n_sets++] = optarg;
            break;
        case 'n':
            o.limit = strtoull(optarg, &end, 10);
            if (*end || !o.limit) {
                errmsg("report", "--limit %s: expected a number of frames (at least 1)", optarg);
                return 2;
            }
            break;
        case 'k': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v > 1000000) {
                errmsg("report", "--kernel-repeat %s: expected 0..1000000", optarg);
                return 2;
            }
            o.kernel_repeat = (unsigned)v;
            break;
        }
        case 'm': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v > 100000000) {
                errmsg("report", "--kernel-packets %s: expected 0..100000000", optarg);
                return 2;
            }
            o.kernel_packets = (unsigned)v;
            break;
        }
        case 'j':
            if (parse_jobs(optarg, &jobs) < 0)
                return 2;
            break;
        case 'V':
            if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
                errmsg("report", "--rtl-check %s: expected yes or no", optarg);
                return 2;
            }
            o.rtl_check = !strcmp(optarg, "yes");
            break;
        case 'D': driver = optarg; break;
        case 'N': kernel = false; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (sub && (!strcmp(sub, "run") || !strcmp(sub, "merge"))) {
        if (optind != argc - 1) {
            errmsg("report", "%s: expected the sweep's directory", sub);
            return 2;
        }
        if (!strcmp(sub, "run"))
            return run_sweep(argv[optind], jobs, kernel, quiet);
        return merge(argv[optind], driver, quiet);
    }
    if (optind != argc) {
        errmsg("report", "unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return 2;
    }
    /* check the driver bench file before spending time on the points */
    if (driver) {
        char err[1024];
        json_t *d = jsonfile_load(driver, err, sizeof(err));
        if (!d) {
            errmsg("report", "%s", err);
            return 2;
        }
        json_decref(d);
    }
    struct report r;
    int rc = plan(&o, &r, quiet);
    char *dir = r.dir ? strdup(r.dir) : NULL;
    report_free(&r);
    if (rc || (sub && !strcmp(sub, "plan"))) {
        free(dir);
        return rc;
    }
    int run_rc = run_sweep(dir, jobs, kernel, quiet);
    if (run_rc == 2) {
        free(dir);
        return 2;
    }
    rc = merge(dir, driver, quiet);
    free(dir);
    return rc;
}
