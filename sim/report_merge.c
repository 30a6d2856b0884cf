/* Merging a sweep: every point's folder (exit, nic.json, stderr.txt), every
 * cosim job's and every kernel measurement's folder is read back into the
 * plan; derived
 * figures and the design goals come from those numbers only; report.json,
 * report.md and report.html are written from them. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ebpf_timing.h"
#include "jsonfile.h"
#include "report.h"

/* ------------------------------------------------------------ reading results */

static double num(json_t *v) { return json_is_number(v) ? json_number_value(v) : NAN; }
static uint64_t u64(json_t *v) { return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0; }

/* The last non-empty line of a job's stderr (its error message). */
static void last_line(const char *path, char *out, size_t len)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        /* a progress line ends in \r: keep what follows the last one */
        char *cr = strrchr(line, '\r');
        const char *s = cr ? cr + 1 : line;
        if (*s)
            snprintf(out, len, "%s", s);
    }
    fclose(f);
}

/* 1: exit file read (status in *code); 0: no exit file. */
static int read_exit(const char *dir, int *code)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/exit", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", code) != 1)
        *code = -1;
    fclose(f);
    return 1;
}

static void job_status(const char *dir, const char *json_name, enum rep_status *status, char *note,
                       size_t len, json_t **root)
{
    char path[4400], msg[512];
    int code;
    *root = NULL;
    if (!read_exit(dir, &code)) {
        *status = REP_MISSING;
        snprintf(note, len, "not run: no %s/exit", dir);
        return;
    }
    if (code != 0) {
        *status = REP_FAILED;
        snprintf(path, sizeof(path), "%s/stderr.txt", dir);
        last_line(path, msg, sizeof(msg));
        if (msg[0])
            snprintf(note, len, "exit status %d: %s", code, msg);
        else
            snprintf(note, len, "exit status %d", code);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, json_name);
    json_error_t jerr;
    *root = json_load_file(path, 0, &jerr);
    if (!*root) {
        *status = REP_FAILED;
        snprintf(note, len, "%s: %s", path, jerr.text);
        return;
    }
    *status = REP_OK;
}

static void load_point(struct report *r, struct rep_point *p)
{
    char dir[4200], want[64], got[64];
    snprintf(dir, sizeof(dir), "%s/points/%04u", r->dir, p->index);
    json_t *root;
    memset(&p->res, 0, sizeof(p->res));
    job_status(dir, "nic.json", &p->status, p->note, sizeof(p->note), &root);
    if (!root)
        return;
    /* the result must be the planned point's (not a stale one) */
    json_t *cfg = json_object_get(root, "config");
    for (int k = 0; k < DIM_COUNT; k++) {
        static const char *const field[DIM_COUNT] = {"line_rate_gbps", "cores", "clock_mhz",
                                                     "placement"};
        json_t *v = json_object_get(cfg, field[k]);
        report_dim_value(r, (enum rep_dim)k, p->d[k], want, sizeof(want));
        if (json_is_string(v))
            snprintf(got, sizeof(got), "%s", json_string_value(v));
        else
            snprintf(got, sizeof(got), "%g", num(v));
        if (strcmp(want, got)) {
            p->status = REP_FAILED;
            snprintf(p->note, sizeof(p->note),
                     "%s/nic.json has %s = %s, the plan %s (a result of another plan?)", dir,
                     r->dim[k].key, got, want);
            json_decref(root);
            return;
        }
    }
    struct rep_result *s = &p->res;
    s->offered = u64(json_object_get(root, "offered"));
    s->processed = u64(json_object_get(root, "processed"));
    s->offered_mpps = num(json_object_get(root, "offered_mpps"));
    s->mpps = num(json_object_get(root, "mpps"));
    s->gbps = num(json_object_get(root, "gbps"));
    s->ipc = num(json_object_get(root, "ipc"));
    s->insns = u64(json_object_get(root, "insns"));
    s->issue_cycles = u64(json_object_get(root, "issue_cycles"));
    s->wall_seconds = num(json_object_get(root, "wall_seconds"));
    json_t *o = json_object_get(root, "verdicts");
    for (int k = 0; k < REP_VERDICTS; k++)
        s->verdicts[k] = u64(json_object_get(o, rep_verdict_names[k]));
    o = json_object_get(root, "drops");
    for (int k = 0; k < REP_DROPS; k++)
        s->drops[k] = u64(json_object_get(o, rep_drop_names[k]));
    o = json_object_get(root, "stalls");
    for (int k = 0; k < REP_STALLS; k++)
        s->stall[k] = u64(json_object_get(o, rep_stall_names[k]));
    o = json_object_get(root, "latency_ns");
    for (int k = 0; k < REP_LAT; k++)
        s->lat[k] = num(json_object_get(o, rep_lat_names[k]));
    s->egress_p50 = num(json_object_get(o, "egress_p50"));
    s->egress_p99 = num(json_object_get(o, "egress_p99"));
    o = json_object_get(root, "core_utilization");
    double sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(o, i, v) sum += num(v);
    s->util = json_array_size(o) ? sum / (double)json_array_size(o) : NAN;
    if (isnan(s->mpps) || isnan(s->offered_mpps) || isnan(s->ipc)) {
        p->status = REP_FAILED;
        snprintf(p->note, sizeof(p->note), "%s/nic.json lacks mpps, offered_mpps or ipc", dir);
    }
    json_decref(root);
}

static void load_kernel(struct report *r, struct rep_kernel *k)
{
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/kernel/%04u", r->dir, k->index);
    json_t *root;
    job_status(dir, "kbench.json", &k->status, k->note, sizeof(k->note), &root);
    if (!root)
        return;
    const char *st = json_string_value(json_object_get(root, "status"));
    const char *note = json_string_value(json_object_get(root, "note"));
    k->status = st && !strcmp(st, "ok") ? REP_OK : st && !strcmp(st, "skipped") ? REP_SKIP : REP_FAILED;
    snprintf(k->note, sizeof(k->note), "%s", note ? note : "");
    k->packets = u64(json_object_get(root, "packets"));
    k->refused = u64(json_object_get(root, "refused"));
    k->repeat = (unsigned)u64(json_object_get(root, "repeat"));
    k->samples = (unsigned)u64(json_object_get(root, "samples"));
    k->ns_per_packet = num(json_object_get(root, "ns_per_packet"));
    json_t *host = json_object_get(root, "host");
    const char *s = json_string_value(json_object_get(host, "kernel"));
    snprintf(k->host_kernel, sizeof(k->host_kernel), "%s", s ? s : "");
    s = json_string_value(json_object_get(host, "cpu"));
    snprintf(k->host_cpu, sizeof(k->host_cpu), "%s", s ? s : "");
    if (k->status == REP_OK && !(k->ns_per_packet > 0)) {
        k->status = REP_FAILED;
        snprintf(k->note, sizeof(k->note), "%s/kbench.json has no ns_per_packet", dir);
    }
    json_decref(root);
}

const char *const rep_cosim_fig_names[CF_COUNT] = {
    "frames",           "refused",      "packets",   "instructions", "cycle_counts", "divergences",
    "cycle_mismatches", "model_cycles", "rtl_cycles"};

const char *report_cosim_status(const struct rep_cosim *c)
{
    return c->status == REP_OK ? "agrees" : c->mismatch ? "MISMATCH" : rep_status_names[c->status];
}

/* A cosim job: its exit status and cosim.json, which it writes also after a
 * divergence or a cycle mismatch (docs/rtl.md). */
static void load_cosim(struct report *r, struct rep_cosim *c)
{
    char dir[4200], path[4400];
    snprintf(dir, sizeof(dir), "%s/cosim/%04u", r->dir, c->index);
    int code;
    c->status = REP_FAILED;
    c->mismatch = false;
    if (!read_exit(dir, &code)) {
        c->status = REP_MISSING;
        snprintf(c->note, sizeof(c->note), "not run: no %s/exit", dir);
        return;
    }
    snprintf(path, sizeof(path), "%s/stderr.txt", dir);
    char why[512];
    last_line(path, why, sizeof(why));
    snprintf(path, sizeof(path), "%s/cosim.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        if (code)
            snprintf(c->note, sizeof(c->note), "exit status %d: %s", code, why[0] ? why : "(no message)");
        else
            snprintf(c->note, sizeof(c->note), "%s: %s", path, jerr.text);
        return;
    }
    /* the planned program and trace's result, not a stale one */
    const char *obj = json_string_value(json_object_get(root, "object"));
    const char *trace = json_string_value(json_object_get(root, "trace"));
    const char *want_obj = r->progs[c->prog].object, *want_trace = r->traces[c->trace].path;
    if (!obj || !trace || strcmp(obj, want_obj) || strcmp(trace, want_trace)) {
        snprintf(c->note, sizeof(c->note), "%s is about %s over %s, the plan %s over %s (a result of "
                 "another plan?)", path, obj ? obj : "?", trace ? trace : "?", want_obj, want_trace);
        json_decref(root);
        return;
    }
    const uint64_t *f = c->fig;
    for (int k = 0; k < CF_COUNT; k++)
        c->fig[k] = u64(json_object_get(root, rep_cosim_fig_names[k]));
    const char *st = json_string_value(json_object_get(root, "status"));
    json_t *first = json_object_get(root, "first_failure");
    const char *msg = json_string_value(json_object_get(first, "message"));
    if (f[CF_DIVERGENCES] || f[CF_CYCLE_MISMATCHES] || (st && !strcmp(st, "mismatch"))) {
        c->mismatch = true;
        json_t *mc = json_object_get(first, "model_cycles"), *rc = json_object_get(first, "rtl_cycles");
        if (json_is_integer(mc) && json_is_integer(rc))
            snprintf(c->note, sizeof(c->note), "packet %llu: RTL %llu cycles, model %llu: %s",
                     (unsigned long long)u64(json_object_get(first, "packet")),
                     (unsigned long long)u64(rc), (unsigned long long)u64(mc), msg ? msg : "");
        else
            snprintf(c->note, sizeof(c->note), "packet %llu: %s",
                     (unsigned long long)u64(json_object_get(first, "packet")), msg ? msg : "");
    } else if (code || !st || strcmp(st, "agrees")) {
        snprintf(c->note, sizeof(c->note), "exit status %d, %s says %s: %s", code, path, st ? st : "?",
                 why[0] ? why : msg ? msg : "(no message)");
    } else if (!f[CF_PACKETS] || f[CF_CYCLE_COUNTS] != f[CF_PACKETS] ||
               f[CF_MODEL_CYCLES] != f[CF_RTL_CYCLES]) {
        snprintf(c->note, sizeof(c->note), "%s: %llu packets, %llu cycle counts, model %llu and RTL "
                 "%llu cycles do not make an agreement", path, (unsigned long long)f[CF_PACKETS],
                 (unsigned long long)f[CF_CYCLE_COUNTS], (unsigned long long)f[CF_MODEL_CYCLES],
                 (unsigned long long)f[CF_RTL_CYCLES]);
    } else {
        c->status = REP_OK;
        c->note[0] = 0;
    }
    json_decref(root);
}

void report_load_results(struct report *r)
{
    for (unsigned i = 0; i < r->n_points; i++)
        load_point(r, &r->points[i]);
    for (unsigned i = 0; i < r->n_cosim; i++)
        load_cosim(r, &r->cosim[i]);
    for (unsigned i = 0; i < r->n_kernel; i++)
        load_kernel(r, &r->kernel[i]);
}

/* ------------------------------------------------------------ lookups */

struct rep_point *report_find(const struct report *r, unsigned prog, unsigned trace,
                              const unsigned d[DIM_COUNT])
{
    /* points are planned in order: programs, traces, then the grid */
    for (unsigned i = 0; i < r->n_points; i++) {
        struct rep_point *p = &r->points[i];
        if (p->prog == prog && p->trace == trace && !memcmp(p->d, d, sizeof(p->d)))
            return p;
    }
    return NULL;
}

struct rep_point *report_slice(const struct report *r, unsigned prog, unsigned trace,
                               enum rep_dim vary, unsigned i)
{
    unsigned d[DIM_COUNT];
    for (int k = 0; k < DIM_COUNT; k++)
        d[k] = r->dim[k].ref;
    d[vary] = i;
    return report_find(r, prog, trace, d);
}

const struct rep_kernel *report_kernel(const struct report *r, unsigned prog, unsigned trace)
{
    for (unsigned i = 0; i < r->n_kernel; i++)
        if (r->kernel[i].prog == prog && r->kernel[i].trace == trace)
            return &r->kernel[i];
    return NULL;
}

double report_line_rate_mpps(const struct rep_trace *t, double gbps)
{
    return t->mean_frame > 0 ? gbps * 1e3 / (8.0 * (t->mean_frame + 20.0)) : NAN;
}

bool report_trace_is_64(const struct rep_trace *t) { return t->min_frame == 64 && t->max_frame == 64; }

void report_trace_label(const struct rep_trace *t, char *buf, size_t len)
{
    if (t->min_frame == t->max_frame)
        snprintf(buf, len, "%u B frames", t->min_frame);
    else
        snprintf(buf, len, "mean %.0f B, %u..%u B", t->mean_frame, t->min_frame, t->max_frame);
}

/* The processing rate over the arrivals: the span from the first arrival to
 * the last verdict less the median latency (the last frame's time in the NIC
 * when the NIC keeps up), so that a short trace is not penalised by one
 * latency; a backlog that grows makes the median latency a fraction of the
 * span and the rate stays below the offered one. */
bool report_sustains(const struct rep_point *p)
{
    const struct rep_result *s = &p->res;
    if (p->status != REP_OK || !s->processed || !(s->mpps > 0) || s->drops[0])
        return false;
    double span_us = (double)s->processed / s->mpps;
    double arrivals_us = span_us - (isnan(s->lat[0]) ? 0 : s->lat[0] / 1000.0);
    double rate = arrivals_us > 0 ? (double)s->processed / arrivals_us : s->mpps;
    return rate >= 0.99 * s->offered_mpps;
}

double report_cycles_per_packet(const struct rep_point *p)
{
    return p->status == REP_OK && p->res.processed ? (double)p->res.issue_cycles / (double)p->res.processed
                                                   : NAN;
}

double report_insns_per_packet(const struct rep_point *p)
{
    return p->status == REP_OK && p->res.processed ? (double)p->res.insns / (double)p->res.processed
                                                   : NAN;
}

double report_core_ns_per_packet(const struct report *r, const struct rep_point *p)
{
    double c = report_cycles_per_packet(p);
    return (c + r->exit_gap) * 1000.0 / r->dim[DIM_CLOCK].v[p->d[DIM_CLOCK]];
}

/* Values of the cores dimension in increasing order. */
static unsigned cores_order(const struct report *r, unsigned *order)
{
    const struct rep_dimension *d = &r->dim[DIM_CORES];
    for (unsigned i = 0; i < d->n; i++)
        order[i] = i;
    for (unsigned i = 1; i < d->n; i++)
        for (unsigned j = i; j > 0 && d->v[order[j]] < d->v[order[j - 1]]; j--) {
            unsigned t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    return d->n;
}

static int cores_needed(const struct report *r, unsigned prog, unsigned trace, unsigned rate,
                        bool *exact, struct rep_point **at)
{
    unsigned order[256], n = cores_order(r, order);
    bool all_below = true, any = false;
    for (unsigned i = 0; i < n && i < 256; i++) {
        unsigned d[DIM_COUNT];
        for (int k = 0; k < DIM_COUNT; k++)
            d[k] = r->dim[k].ref;
        d[DIM_RATE] = rate;
        d[DIM_CORES] = order[i];
        struct rep_point *p = report_find(r, prog, trace, d);
        if (!p || p->status != REP_OK) {
            all_below = false;
            continue;
        }
        any = true;
        if (report_sustains(p)) {
            if (exact)
                *exact = all_below;
            if (at)
                *at = p;
            return (int)r->dim[DIM_CORES].v[order[i]];
        }
    }
    if (exact)
        *exact = all_below;
    return any ? 0 : -1;
}

int report_cores_needed(const struct report *r, unsigned prog, unsigned trace, unsigned rate)
{
    return cores_needed(r, prog, trace, rate, NULL, NULL);
}

/* ------------------------------------------------------------ goals */

static int find_value(const struct rep_dimension *d, double v)
{
    for (unsigned i = 0; i < d->n; i++)
        if (fabs(d->v[i] - v) < 1e-9)
            return (int)i;
    return -1;
}

static int trace_64(const struct report *r)
{
    for (unsigned t = 0; t < r->n_traces; t++)
        if (report_trace_is_64(&r->traces[t]))
            return (int)t;
    return -1;
}

static size_t ref_text(const struct report *r, char *buf, size_t len)
{
    char cores[16], clock[16], pl[16];
    report_dim_value(r, DIM_CORES, r->dim[DIM_CORES].ref, cores, sizeof(cores));
    report_dim_value(r, DIM_CLOCK, r->dim[DIM_CLOCK].ref, clock, sizeof(clock));
    report_dim_value(r, DIM_PLACEMENT, r->dim[DIM_PLACEMENT].ref, pl, sizeof(pl));
    return (size_t)snprintf(buf, len, "%s cores at %s MHz, maps in %s", cores, clock, pl);
}

unsigned report_goals(const struct report *r, struct rep_goal *g)
{
    unsigned n = 0;
    int t64 = trace_64(r);
    int r100 = find_value(&r->dim[DIM_RATE], 100), r10 = find_value(&r->dim[DIM_RATE], 10);
    char ref[160];
    ref_text(r, ref, sizeof(ref));

    /* 1: IPC of the xdp-filter class */
    struct rep_goal *x = &g[n++];
    x->id = "ipc_xdp_filter";
    x->statement = "At least 0.9 instructions per cycle per core on the xdp-filter-class programs";
    x->met = -1;
    size_t len = 0;
    int found = 0, below = 0;
    unsigned tr = t64 >= 0 ? (unsigned)t64 : 0;
    for (unsigned p = 0; p < r->n_progs; p++) {
        if (strncmp(r->progs[p].name, "xdpfilt", 7))
            continue;
        struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
        if (!pt || pt->status != REP_OK)
            continue;
        found++;
        below += pt->res.ipc < 0.9;
        len += (size_t)snprintf(x->measured + len, sizeof(x->measured) - len, "%s%s %.3f",
                                found > 1 ? ", " : "", r->progs[p].name, pt->res.ipc);
        if (len >= sizeof(x->measured))
            len = sizeof(x->measured) - 1;
    }
    if (found) {
        snprintf(x->measured + len, sizeof(x->measured) - len, " (trace %s, %s)", r->traces[tr].name, ref);
        x->met = below == 0;
    } else {
        snprintf(x->measured, sizeof(x->measured),
                 "no xdp-filter program (xdpfilt_*) with a result in the sweep");
    }

    /* 2: a short XDP_DROP program at 100G, 64 B, at most 2 cores */
    x = &g[n++];
    x->id = "drop_100g";
    x->statement = "A short XDP_DROP program sustains 100G line rate at 64 bytes (148.8 Mpps) with at "
                   "most 2 cores at the default clock";
    x->met = -1;
    int drop = -1;
    double best = INFINITY;
    for (unsigned p = 0; t64 >= 0 && p < r->n_progs; p++) {
        struct rep_point *pt = report_slice(r, p, (unsigned)t64, DIM_RATE, r->dim[DIM_RATE].ref);
        if (!pt || pt->status != REP_OK || !pt->res.processed ||
            pt->res.verdicts[1] != pt->res.processed)
            continue;
        double ipp = report_insns_per_packet(pt);
        if (ipp < best) {
            best = ipp;
            drop = (int)p;
        }
    }
    if (t64 < 0 || r100 < 0 || drop < 0) {
        snprintf(x->measured, sizeof(x->measured), "not measured: the sweep has %s",
                 t64 < 0 ? "no 64-byte trace" : r100 < 0 ? "no 100 Gbit/s rate" : "no program that drops every packet");
    } else {
        bool exact;
        struct rep_point *at = NULL;
        int c = cores_needed(r, (unsigned)drop, (unsigned)t64, (unsigned)r100, &exact, &at);
        char clock[16];
        report_dim_value(r, DIM_CLOCK, r->dim[DIM_CLOCK].ref, clock, sizeof(clock));
        if (c > 0) {
            snprintf(x->measured, sizeof(x->measured),
                     "%s (%.1f instructions per packet): %s%d cores at %s MHz process %.2f Mpps of "
                     "%.2f offered (%s, point %u)",
                     r->progs[drop].name, best, exact ? "" : "at most ", c, clock, at->res.mpps,
                     at->res.offered_mpps, r->traces[t64].name, at->index);
            x->met = c <= 2;
        } else {
            snprintf(x->measured, sizeof(x->measured),
                     "%s: no core count of the sweep sustains 100G at 64 B at %s MHz",
                     r->progs[drop].name, clock);
            x->met = c == 0 ? 0 : -1;
        }
    }

    /* 3: the simple firewall at 10G, 64 B: fewest cores; hXDP comparison */
    x = &g[n++];
    x->id = "firewall_10g";
    x->statement = "Line rate at 10G (14.88 Mpps, 64-byte frames) for the simple firewall class with "
                   "the fewest cores; hXDP: 6.53 Mpps on one core at 156.25 MHz";
    x->met = -1;
    int fw = -1;
    for (unsigned p = 0; p < r->n_progs && fw < 0; p++)
        if (strstr(r->progs[p].name, "firewall"))
            fw = (int)p;
    if (t64 < 0 || r10 < 0 || fw < 0) {
        snprintf(x->measured, sizeof(x->measured), "not measured: the sweep has %s",
                 t64 < 0 ? "no 64-byte trace" : r10 < 0 ? "no 10 Gbit/s rate" : "no program named *firewall*");
    } else {
        bool exact;
        struct rep_point *at = NULL;
        int c = cores_needed(r, (unsigned)fw, (unsigned)t64, (unsigned)r10, &exact, &at);
        len = 0;
        if (c > 0) {
            len = (size_t)snprintf(x->measured, sizeof(x->measured),
                                   "%s: %s%d cores process %.2f Mpps of %.2f offered at 10G (point %u)",
                                   r->progs[fw].name, exact ? "" : "at most ", c, at->res.mpps,
                                   at->res.offered_mpps, at->index);
            x->met = 1;
        } else {
            len = (size_t)snprintf(x->measured, sizeof(x->measured),
                                   "%s: no core count of the sweep reaches 10G at 64 B",
                                   r->progs[fw].name);
            x->met = c == 0 ? 0 : -1;
        }
        /* one core: at the reference rate (the cores are the limit) */
        int one = find_value(&r->dim[DIM_CORES], 1);
        for (unsigned ck = 0; one >= 0 && ck < r->dim[DIM_CLOCK].n && len < sizeof(x->measured); ck++) {
            unsigned d[DIM_COUNT];
            for (int k = 0; k < DIM_COUNT; k++)
                d[k] = r->dim[k].ref;
            d[DIM_CORES] = (unsigned)one;
            d[DIM_CLOCK] = ck;
            struct rep_point *pt = report_find(r, (unsigned)fw, (unsigned)t64, d);
            if (!pt || pt->status != REP_OK)
                continue;
            char clock[16];
            report_dim_value(r, DIM_CLOCK, ck, clock, sizeof(clock));
            len += (size_t)snprintf(x->measured + len, sizeof(x->measured) - len,
                                    "; one core at %s MHz: %.2f Mpps (point %u)", clock, pt->res.mpps,
                                    pt->index);
        }
        /* clock for clock: cycles per packet (hXDP's from its published
         * rate and clock) */
        if (one >= 0 && len < sizeof(x->measured)) {
            struct rep_point *pt = report_slice(r, (unsigned)fw, (unsigned)t64, DIM_CORES, (unsigned)one);
            if (pt && pt->status == REP_OK)
                len += (size_t)snprintf(x->measured + len, sizeof(x->measured) - len,
                                        ", %.1f cycles per packet", report_cycles_per_packet(pt) + r->exit_gap);
        }
        if (len < sizeof(x->measured))
            snprintf(x->measured + len, sizeof(x->measured) - len,
                     "; hXDP: 6.53 Mpps on one core at 156.25 MHz, %.1f cycles per packet",
                     156.25 / 6.53);
    }
    return n;
}

/* ------------------------------------------------------------ report.json */

static json_t *real_or_null(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

static json_t *point_json(const struct report *r, const struct rep_point *p)
{
    char buf[64];
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(p->index));
    json_object_set_new(o, "program", json_string(r->progs[p->prog].name));
    json_object_set_new(o, "trace", json_string(r->traces[p->trace].name));
    json_object_set_new(o, "line_rate_gbps", json_real(r->dim[DIM_RATE].v[p->d[DIM_RATE]]));
    json_object_set_new(o, "cores", json_integer((json_int_t)r->dim[DIM_CORES].v[p->d[DIM_CORES]]));
    json_object_set_new(o, "clock_mhz", json_real(r->dim[DIM_CLOCK].v[p->d[DIM_CLOCK]]));
    report_dim_value(r, DIM_PLACEMENT, p->d[DIM_PLACEMENT], buf, sizeof(buf));
    json_object_set_new(o, "placement", json_string(buf));
    json_object_set_new(o, "status", json_string(rep_status_names[p->status]));
    if (p->status != REP_OK) {
        json_object_set_new(o, "note", json_string(p->note));
        json_object_set_new(o, "command", json_string(p->command ? p->command : ""));
        return o;
    }
    const struct rep_result *s = &p->res;
    json_object_set_new(o, "offered", json_integer((json_int_t)s->offered));
    json_object_set_new(o, "processed", json_integer((json_int_t)s->processed));
    json_object_set_new(o, "offered_mpps", real_or_null(s->offered_mpps));
    json_object_set_new(o, "mpps", real_or_null(s->mpps));
    json_object_set_new(o, "gbps", real_or_null(s->gbps));
    json_object_set_new(o, "sustains_offered_rate", json_boolean(report_sustains(p)));
    json_object_set_new(o, "ipc", real_or_null(s->ipc));
    json_object_set_new(o, "insns_per_packet", real_or_null(report_insns_per_packet(p)));
    json_object_set_new(o, "cycles_per_packet", real_or_null(report_cycles_per_packet(p)));
    json_object_set_new(o, "core_ns_per_packet", real_or_null(report_core_ns_per_packet(r, p)));
    json_t *v = json_object();
    for (int k = 0; k < REP_VERDICTS; k++)
        json_object_set_new(v, rep_verdict_names[k], json_integer((json_int_t)s->verdicts[k]));
    json_object_set_new(o, "verdicts", v);
    v = json_object();
    for (int k = 0; k < REP_DROPS; k++)
        json_object_set_new(v, rep_drop_names[k], json_integer((json_int_t)s->drops[k]));
    json_object_set_new(o, "drops", v);
    v = json_object();
    for (int k = 0; k < REP_LAT; k++)
        json_object_set_new(v, rep_lat_names[k], real_or_null(s->lat[k]));
    json_object_set_new(o, "latency_ns", v);
    v = json_object();
    for (int k = 0; k < REP_STALLS; k++)
        json_object_set_new(v, rep_stall_names[k], json_integer((json_int_t)s->stall[k]));
    json_object_set_new(o, "stalls", v);
    json_object_set_new(o, "insns", json_integer((json_int_t)s->insns));
    json_object_set_new(o, "issue_cycles", json_integer((json_int_t)s->issue_cycles));
    json_object_set_new(o, "core_utilization", real_or_null(s->util));
    return o;
}

static json_t *slice_row(const struct report *r, const struct rep_point *p, unsigned prog,
                         unsigned trace)
{
    json_t *o = json_object();
    json_object_set_new(o, "program", json_string(r->progs[prog].name));
    json_object_set_new(o, "trace", json_string(r->traces[trace].name));
    json_object_set_new(o, "point", p ? json_integer(p->index) : json_null());
    json_object_set_new(o, "status", json_string(p ? rep_status_names[p->status] : "not planned"));
    return o;
}

int report_write_json(const struct report *r, const char *path, const struct json_t *driver)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("ebpfsim-report/1"));
    struct utsname u;
    if (uname(&u) == 0) {
        char host[400];
        snprintf(host, sizeof(host), "%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(root, "merged_on", json_string(host));
    }
    json_t *c = report_config_json(r);
    json_object_set_new(c, "config_file", r->config ? json_string(r->config) : json_null());
    json_object_set_new(c, "sets", report_sets_json(r));
    json_object_set_new(c, "limit", json_integer((json_int_t)r->limit));
    json_object_set_new(root, "configuration", c);

    json_t *grid = json_object();
    for (int k = 0; k < DIM_COUNT; k++) {
        const struct rep_dimension *d = &r->dim[k];
        json_t *o = json_object();
        char buf[64];
        json_object_set_new(o, "key", json_string(d->key));
        json_object_set_new(o, "values", report_dim_values_json(r, (enum rep_dim)k));
        report_dim_value(r, (enum rep_dim)k, d->ref, buf, sizeof(buf));
        json_object_set_new(o, "reference", k == DIM_PLACEMENT ? json_string(buf) : json_real(d->v[d->ref]));
        json_object_set_new(o, "crossed", json_boolean(d->crossed));
        json_object_set_new(grid, d->name, o);
    }
    json_object_set_new(root, "grid", grid);
    json_t *progs = json_array();
    for (unsigned i = 0; i < r->n_progs; i++)
        json_array_append_new(progs, report_program_json(&r->progs[i]));
    json_object_set_new(root, "programs", progs);
    json_t *traces = json_array();
    for (unsigned i = 0; i < r->n_traces; i++) {
        const struct rep_trace *t = &r->traces[i];
        json_t *o = report_trace_json(t), *lr = json_object();
        static const double rates[] = {10, 25, 40, 100};
        for (int k = 0; k < 4; k++) {
            char key[16];
            snprintf(key, sizeof(key), "%g", rates[k]);
            json_object_set_new(lr, key, json_real(report_line_rate_mpps(t, rates[k])));
        }
        json_object_set_new(o, "line_rate_mpps", lr);
        json_array_append_new(traces, o);
    }
    json_object_set_new(root, "traces", traces);

    unsigned n_ok = 0, n_failed = 0, n_missing = 0;
    json_t *points = json_array(), *bad = json_array();
    for (unsigned i = 0; i < r->n_points; i++) {
        const struct rep_point *p = &r->points[i];
        n_ok += p->status == REP_OK;
        n_failed += p->status == REP_FAILED;
        n_missing += p->status == REP_MISSING;
        json_array_append_new(points, point_json(r, p));
        if (p->status != REP_OK)
            json_array_append_new(bad, point_json(r, p));
    }
    json_t *summary = json_object();
    json_object_set_new(summary, "points", json_integer(r->n_points));
    json_object_set_new(summary, "ok", json_integer(n_ok));
    json_object_set_new(summary, "failed", json_integer(n_failed));
    json_object_set_new(summary, "missing", json_integer(n_missing));
    json_object_set_new(root, "summary", summary);

    /* figures: slices of the grid, each row naming its point */
    json_t *fig = json_object();
    json_t *thr = json_array(), *scal = json_array(), *clk = json_array(), *plc = json_array();
    json_t *need = json_array(), *lat = json_array(), *stl = json_array(), *ker = json_array();
    unsigned lat_rate = 0;
    for (unsigned i = 1; i < r->dim[DIM_RATE].n; i++)
        if (r->dim[DIM_RATE].v[i] < r->dim[DIM_RATE].v[lat_rate])
            lat_rate = i;
    for (unsigned p = 0; p < r->n_progs; p++)
        for (unsigned t = 0; t < r->n_traces; t++) {
            for (unsigned i = 0; i < r->dim[DIM_RATE].n; i++) {
                const struct rep_point *pt = report_slice(r, p, t, DIM_RATE, i);
                json_t *o = slice_row(r, pt, p, t);
                double gbps = r->dim[DIM_RATE].v[i];
                json_object_set_new(o, "line_rate_gbps", json_real(gbps));
                json_object_set_new(o, "line_rate_mpps", json_real(report_line_rate_mpps(&r->traces[t], gbps)));
                bool ok = pt && pt->status == REP_OK;
                json_object_set_new(o, "mpps", ok ? real_or_null(pt->res.mpps) : json_null());
                json_object_set_new(o, "percent_of_line_rate",
                                    ok ? real_or_null(100 * pt->res.mpps / report_line_rate_mpps(&r->traces[t], gbps))
                                       : json_null());
                json_object_set_new(o, "sustains", json_boolean(ok && report_sustains(pt)));
                json_array_append_new(thr, o);
                bool exact = false;
                int cn = cores_needed(r, p, t, i, &exact, NULL);
                o = slice_row(r, NULL, p, t);
                json_object_del(o, "point");
                json_object_del(o, "status");
                json_object_set_new(o, "line_rate_gbps", json_real(gbps));
                json_object_set_new(o, "cores", cn > 0 ? json_integer(cn) : json_null());
                json_object_set_new(o, "exact", json_boolean(cn > 0 && exact));
                json_array_append_new(need, o);
            }
            for (unsigned i = 0; i < r->dim[DIM_CORES].n; i++) {
                const struct rep_point *pt = report_slice(r, p, t, DIM_CORES, i);
                json_t *o = slice_row(r, pt, p, t);
                json_object_set_new(o, "cores", json_integer((json_int_t)r->dim[DIM_CORES].v[i]));
                json_object_set_new(o, "mpps", pt && pt->status == REP_OK ? real_or_null(pt->res.mpps) : json_null());
                json_array_append_new(scal, o);
            }
            for (unsigned i = 0; i < r->dim[DIM_CLOCK].n; i++) {
                const struct rep_point *pt = report_slice(r, p, t, DIM_CLOCK, i);
                json_t *o = slice_row(r, pt, p, t);
                json_object_set_new(o, "clock_mhz", json_real(r->dim[DIM_CLOCK].v[i]));
                json_object_set_new(o, "mpps", pt && pt->status == REP_OK ? real_or_null(pt->res.mpps) : json_null());
                json_array_append_new(clk, o);
            }
            for (unsigned i = 0; i < r->dim[DIM_PLACEMENT].n; i++) {
                const struct rep_point *pt = report_slice(r, p, t, DIM_PLACEMENT, i);
                json_t *o = slice_row(r, pt, p, t);
                char buf[16];
                report_dim_value(r, DIM_PLACEMENT, i, buf, sizeof(buf));
                json_object_set_new(o, "placement", json_string(buf));
                bool ok = pt && pt->status == REP_OK;
                json_object_set_new(o, "mpps", ok ? real_or_null(pt->res.mpps) : json_null());
                json_object_set_new(o, "cycles_per_packet", ok ? real_or_null(report_cycles_per_packet(pt)) : json_null());
                json_array_append_new(plc, o);
            }
            {
                const struct rep_point *pt = report_slice(r, p, t, DIM_RATE, lat_rate);
                json_t *o = slice_row(r, pt, p, t);
                json_object_set_new(o, "line_rate_gbps", json_real(r->dim[DIM_RATE].v[lat_rate]));
                bool ok = pt && pt->status == REP_OK;
                for (int k = 0; k < REP_LAT; k++)
                    json_object_set_new(o, rep_lat_names[k], ok ? real_or_null(pt->res.lat[k]) : json_null());
                json_object_set_new(o, "saturated", json_boolean(ok && !report_sustains(pt)));
                json_array_append_new(lat, o);
            }
            {
                const struct rep_point *pt = report_slice(r, p, t, DIM_RATE, r->dim[DIM_RATE].ref);
                json_t *o = slice_row(r, pt, p, t);
                bool ok = pt && pt->status == REP_OK && pt->res.processed;
                json_object_set_new(o, "insns_per_packet", ok ? real_or_null(report_insns_per_packet(pt)) : json_null());
                json_object_set_new(o, "cycles_per_packet", ok ? real_or_null(report_cycles_per_packet(pt)) : json_null());
                json_object_set_new(o, "ipc", ok ? real_or_null(pt->res.ipc) : json_null());
                json_t *s = json_object();
                for (int k = 0; k < REP_STALLS && ok; k++)
                    json_object_set_new(s, rep_stall_names[k],
                                        json_real((double)pt->res.stall[k] / (double)pt->res.processed));
                json_object_set_new(o, "stall_cycles_per_packet", s);
                json_array_append_new(stl, o);

                const struct rep_kernel *k = report_kernel(r, p, t);
                o = slice_row(r, pt, p, t);
                json_object_set_new(o, "model_cycles_per_packet", ok ? real_or_null(report_cycles_per_packet(pt)) : json_null());
                json_object_set_new(o, "model_core_ns_per_packet", ok ? real_or_null(report_core_ns_per_packet(r, pt)) : json_null());
                json_object_set_new(o, "model_mpps", ok ? real_or_null(pt->res.mpps) : json_null());
                json_object_set_new(o, "kernel_job", k ? json_integer(k->index) : json_null());
                json_object_set_new(o, "kernel_status", json_string(k ? rep_status_names[k->status] : "not planned"));
                json_object_set_new(o, "kernel_ns_per_packet",
                                    k && k->status == REP_OK ? json_real(k->ns_per_packet) : json_null());
                json_object_set_new(o, "kernel_note", json_string(k ? k->note : "--kernel-repeat 0"));
                json_array_append_new(ker, o);
            }
        }
    json_object_set_new(fig, "throughput", thr);
    json_object_set_new(fig, "cores_needed", need);
    json_object_set_new(fig, "scaling", scal);
    json_object_set_new(fig, "clock", clk);
    json_object_set_new(fig, "placement", plc);
    json_object_set_new(fig, "latency", lat);
    json_object_set_new(fig, "stalls", stl);
    json_object_set_new(fig, "kernel", ker);
    json_object_set_new(root, "figures", fig);

    struct rep_goal goals[REP_MAX_GOALS];
    unsigned ng = report_goals(r, goals);
    json_t *ga = json_array();
    for (unsigned i = 0; i < ng; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(goals[i].id));
        json_object_set_new(o, "goal", json_string(goals[i].statement));
        json_object_set_new(o, "measured", json_string(goals[i].measured));
        json_object_set_new(o, "met", goals[i].met < 0 ? json_null() : json_boolean(goals[i].met));
        json_array_append_new(ga, o);
    }
    json_object_set_new(root, "goals", ga);
    json_t *kj = json_array();
    for (unsigned i = 0; i < r->n_kernel; i++) {
        const struct rep_kernel *k = &r->kernel[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer(k->index));
        json_object_set_new(o, "program", json_string(r->progs[k->prog].name));
        json_object_set_new(o, "trace", json_string(r->traces[k->trace].name));
        json_object_set_new(o, "status", json_string(rep_status_names[k->status]));
        json_object_set_new(o, "note", json_string(k->note));
        json_object_set_new(o, "ns_per_packet", k->status == REP_OK ? json_real(k->ns_per_packet) : json_null());
        json_object_set_new(o, "repeat", json_integer(k->repeat));
        json_object_set_new(o, "host_kernel", json_string(k->host_kernel));
        json_object_set_new(o, "host_cpu", json_string(k->host_cpu));
        json_array_append_new(kj, o);
    }
    json_object_set_new(root, "kernel_jobs", kj);
    json_t *rc_o = json_object(), *rows = json_array();
    json_object_set_new(rc_o, "planned", json_boolean(r->rtl_check));
    json_object_set_new(rc_o, "note", json_string(r->rtl_check_note));
    unsigned agree = 0;
    for (unsigned i = 0; i < r->n_cosim; i++) {
        const struct rep_cosim *cj = &r->cosim[i];
        agree += cj->status == REP_OK;
        json_t *o = json_object();
        json_object_set_new(o, "cosim_job", json_integer(cj->index));
        json_object_set_new(o, "program", json_string(r->progs[cj->prog].name));
        json_object_set_new(o, "trace", json_string(r->traces[cj->trace].name));
        json_object_set_new(o, "status", json_string(report_cosim_status(cj)));
        bool have = cj->status == REP_OK || cj->mismatch;
        for (int k = 0; k < CF_COUNT; k++)
            json_object_set_new(o, rep_cosim_fig_names[k],
                                have ? json_integer((json_int_t)cj->fig[k]) : json_null());
        json_object_set_new(o, "note", json_string(cj->note));
        json_array_append_new(rows, o);
    }
    json_object_set_new(rc_o, "jobs", json_integer(r->n_cosim));
    json_object_set_new(rc_o, "agree", json_integer(agree));
    json_object_set_new(rc_o, "rows", rows);
    json_object_set_new(root, "rtl_agreement", rc_o);
    json_object_set_new(root, "points", points);
    json_object_set_new(root, "not_ok", bad);
    json_object_set_new(root, "driver_bench", driver ? json_deep_copy(driver) : json_null());
    int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(root);
    return rc < 0 ? -EIO : 0;
}

/* ------------------------------------------------------------ merge */

int report_merge(const char *dir, const char *driver_bench, char *err, size_t errlen)
{
    struct report r;
    int rc = report_read_sweep(&r, dir, err, errlen);
    if (rc < 0) {
        report_free(&r);
        return rc;
    }
    json_t *driver = NULL;
    if (driver_bench) {
        driver = jsonfile_load(driver_bench, err, errlen);
        if (!driver) {
            report_free(&r);
            return -EINVAL;
        }
    }
    report_load_results(&r);
    char path[4400];
    struct {
        const char *name;
        int (*write)(const struct report *, const char *, const struct json_t *);
    } outs[] = {{"report.json", report_write_json},
                {"report.md", report_write_md},
                {"report.html", report_write_html}};
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, outs[i].name);
        if (outs[i].write(&r, path, driver) < 0) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
            rc = -EIO;
            break;
        }
    }
    if (rc == 0) {
        for (unsigned i = 0; i < r.n_points; i++)
            rc += r.points[i].status != REP_OK;
        for (unsigned i = 0; i < r.n_kernel; i++)
            rc += r.kernel[i].status == REP_FAILED || r.kernel[i].status == REP_MISSING;
        for (unsigned i = 0; i < r.n_cosim; i++)
            rc += r.cosim[i].status != REP_OK;
    }
    json_decref(driver);
    report_free(&r);
    return rc;
}
