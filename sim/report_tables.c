/* The report's tables: every figure of report.md and report.html comes from
 * here, so the Markdown and the HTML page always show the same numbers. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_timing.h"
#include "report.h"

const char *const rep_section_titles[SEC_COUNT] = {
    [SEC_SETUP] = "Setup",
    [SEC_NOT_OK] = "Points missing or failed",
    [SEC_GOALS] = "Goals of the default design",
    [SEC_RTL] = "RTL cycle agreement",
    [SEC_THROUGHPUT] = "Throughput against line rate",
    [SEC_CORES_NEEDED] = "Cores needed for line rate",
    [SEC_SCALING] = "Scaling with the number of cores",
    [SEC_CLOCK] = "Core clock",
    [SEC_PLACEMENT] = "Map placement",
    [SEC_LATENCY] = "Latency distribution",
    [SEC_STALLS] = "Stall breakdown per program",
    [SEC_KERNEL] = "The model beside the kernel on this host",
    [SEC_VERDICTS] = "Verdicts and drops",
    [SEC_DRIVER] = "Driver shim bench (nicctl bench --json)",
};
const char *const rep_section_ids[SEC_COUNT] = {
    "setup", "not-ok", "goals", "rtl", "throughput", "cores-needed", "scaling", "clock",
    "placement", "latency", "stalls", "kernel", "verdicts", "driver",
};

static struct rep_table *table(struct rep_tables *tt, enum rep_section sec, int trace, unsigned cols,
                               const char *title)
{
    if (tt->n == tt->cap) {
        unsigned cap = tt->cap ? tt->cap * 2 : 16;
        struct rep_table *t = realloc(tt->t, cap * sizeof(*t));
        if (!t)
            return NULL;
        tt->t = t;
        tt->cap = cap;
    }
    struct rep_table *t = &tt->t[tt->n++];
    memset(t, 0, sizeof(*t));
    t->section = sec;
    t->trace = trace;
    t->cols = cols;
    t->title = strdup(title);
    return t;
}

static void cell(struct rep_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(struct rep_table *t, const char *fmt, ...)
{
    if (!t)
        return;
    if (t->n == t->cap) {
        unsigned cap = t->cap ? t->cap * 2 : 64;
        char **c = realloc(t->cell, cap * sizeof(char *));
        if (!c)
            return;
        t->cell = c;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&t->cell[t->n], fmt, ap) < 0)
        t->cell[t->n] = strdup("");
    va_end(ap);
    t->n++;
}

static void note(struct rep_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct rep_table *t, const char *fmt, ...)
{
    if (!t)
        return;
    va_list ap;
    va_start(ap, fmt);
    free(t->note);
    if (vasprintf(&t->note, fmt, ap) < 0)
        t->note = NULL;
    va_end(ap);
}

void report_tables_free(struct rep_tables *tt)
{
    for (unsigned i = 0; i < tt->n; i++) {
        for (unsigned k = 0; k < tt->t[i].n; k++)
            free(tt->t[i].cell[k]);
        free(tt->t[i].cell);
        free(tt->t[i].title);
        free(tt->t[i].note);
    }
    free(tt->t);
    memset(tt, 0, sizeof(*tt));
}

unsigned report_ref_trace(const struct report *r)
{
    for (unsigned t = 0; t < r->n_traces; t++)
        if (report_trace_is_64(&r->traces[t]))
            return t;
    return 0;
}

unsigned report_latency_rate(const struct report *r)
{
    unsigned lo = 0;
    for (unsigned i = 1; i < r->dim[DIM_RATE].n; i++)
        if (r->dim[DIM_RATE].v[i] < r->dim[DIM_RATE].v[lo])
            lo = i;
    return lo;
}

/* A point's value, or why there is none. */
static bool usable(struct rep_table *t, const struct rep_point *p)
{
    if (!p) {
        cell(t, "-");
        return false;
    }
    if (p->status != REP_OK) {
        cell(t, "%s (#%u)", rep_status_names[p->status], p->index);
        return false;
    }
    return true;
}

static void ref_text(const struct report *r, char *buf, size_t len, bool with_rate)
{
    char v[DIM_COUNT][32];
    for (int k = 0; k < DIM_COUNT; k++)
        report_dim_value(r, (enum rep_dim)k, r->dim[k].ref, v[k], sizeof(v[k]));
    if (with_rate)
        snprintf(buf, len, "%s cores at %s MHz, maps in %s, offered at %s Gbit/s", v[DIM_CORES],
                 v[DIM_CLOCK], v[DIM_PLACEMENT], v[DIM_RATE]);
    else
        snprintf(buf, len, "%s cores at %s MHz, maps in %s", v[DIM_CORES], v[DIM_CLOCK], v[DIM_PLACEMENT]);
}

static void setup_tables(const struct report *r, struct rep_tables *tt)
{
    struct rep_table *t = table(tt, SEC_SETUP, -1, 2, "Configuration");
    cell(t, "parameter");
    cell(t, "value");
    char v[64];
    cell(t, "configuration file");
    cell(t, "%s", r->config ? r->config : "(defaults: sim/configs/default.ini)");
    for (unsigned i = 0; i < r->n_sets; i++) {
        cell(t, "--set");
        cell(t, "%s", r->sets[i]);
    }
    cell(t, "core.clock_mhz, core.cores");
    cell(t, "%g MHz, %u cores", r->cfg_clock_mhz, r->cfg_cores);
    cell(t, "memory.placement");
    cell(t, "%s", ebpf_placement_names[r->cfg_placement]);
    cell(t, "nic.line_rate_gbps, nic.pacing");
    cell(t, "%g Gbit/s, %s", r->cfg_rate_gbps, r->pacing);
    cell(t, "core.exit_gap");
    cell(t, "%u cycle%s", r->exit_gap, r->exit_gap == 1 ? "" : "s");
    cell(t, "frames per point");
    if (r->limit)
        cell(t, "at most %llu (--limit)", (unsigned long long)r->limit);
    else
        cell(t, "the whole trace");
    unsigned ok = 0, failed = 0, missing = 0;
    for (unsigned i = 0; i < r->n_points; i++) {
        ok += r->points[i].status == REP_OK;
        failed += r->points[i].status == REP_FAILED;
        missing += r->points[i].status == REP_MISSING;
    }
    cell(t, "points");
    cell(t, "%u planned: %u ok, %u failed, %u missing", r->n_points, ok, failed, missing);
    unsigned kok = 0, kskip = 0, kbad = 0;
    for (unsigned i = 0; i < r->n_kernel; i++) {
        kok += r->kernel[i].status == REP_OK;
        kskip += r->kernel[i].status == REP_SKIP;
        kbad += r->kernel[i].status == REP_FAILED || r->kernel[i].status == REP_MISSING;
    }
    char kp[32];
    if (r->kernel_packets)
        snprintf(kp, sizeof(kp), "%u", r->kernel_packets);
    else
        snprintf(kp, sizeof(kp), "all");
    cell(t, "kernel measurements");
    if (r->n_kernel)
        cell(t, "%u planned (BPF_PROG_TEST_RUN, repeat %u, %s frames per trace): %u ok, %u skipped, %u failed or missing",
             r->n_kernel, r->kernel_repeat, kp, kok, kskip, kbad);
    else
        cell(t, "none (--kernel-repeat 0)");
    unsigned cv[4] = {0}; /* agrees, MISMATCH, failed, missing */
    for (unsigned i = 0; i < r->n_cosim; i++)
        cv[r->cosim[i].status == REP_OK ? 0 : r->cosim[i].mismatch ? 1 : r->cosim[i].status == REP_FAILED ? 2 : 3]++;
    cell(t, "RTL cycle agreement");
    if (r->rtl_check)
        cell(t, "%u cosim jobs (ebpfsim run --engine cosim): %u agree, %u MISMATCH, %u failed, %u missing",
             r->n_cosim, cv[0], cv[1], cv[2], cv[3]);
    else
        cell(t, "not checked: %s", r->rtl_check_note);
    for (unsigned i = 0; i < r->n_kernel; i++)
        if (r->kernel[i].status == REP_OK && r->kernel[i].host_cpu[0]) {
            cell(t, "kernel host");
            cell(t, "%s, Linux %s", r->kernel[i].host_cpu, r->kernel[i].host_kernel);
            break;
        }

    t = table(tt, SEC_SETUP, -1, 4, "Programs");
    cell(t, "program");
    cell(t, "object");
    cell(t, "map contents");
    cell(t, "arguments");
    for (unsigned i = 0; i < r->n_progs; i++) {
        const struct rep_program *p = &r->progs[i];
        cell(t, "%s", p->name);
        cell(t, "%s", p->object);
        cell(t, "%s", p->maps_in ? p->maps_in : "-");
        char args[256] = "";
        size_t len = 0;
        for (unsigned k = 0; k < p->n_extra && len < sizeof(args); k++)
            len += (size_t)snprintf(args + len, sizeof(args) - len, "%s%s", k ? " " : "", p->extra[k]);
        cell(t, "%s", p->n_extra ? args : "-");
    }

    t = table(tt, SEC_SETUP, -1, 7, "Traces");
    cell(t, "trace");
    cell(t, "frames");
    cell(t, "frame sizes (with FCS)");
    cell(t, "10G line rate");
    cell(t, "25G");
    cell(t, "40G");
    cell(t, "100G");
    for (unsigned i = 0; i < r->n_traces; i++) {
        const struct rep_trace *tr = &r->traces[i];
        cell(t, "%s", tr->name);
        cell(t, "%llu", (unsigned long long)tr->frames);
        report_trace_label(tr, v, sizeof(v));
        cell(t, "%s", v);
        static const double rates[] = {10, 25, 40, 100};
        for (int k = 0; k < 4; k++)
            cell(t, "%.2f Mpps", report_line_rate_mpps(tr, rates[k]));
    }
    note(t, "Line rate counts 8 bytes of preamble and a 12-byte gap per frame.");

    t = table(tt, SEC_SETUP, -1, 4, "Grid");
    cell(t, "dimension");
    cell(t, "values");
    cell(t, "reference");
    cell(t, "crossed");
    for (int k = 0; k < DIM_COUNT; k++) {
        const struct rep_dimension *d = &r->dim[k];
        char vals[512] = "";
        size_t len = 0;
        for (unsigned i = 0; i < d->n && len < sizeof(vals); i++) {
            report_dim_value(r, (enum rep_dim)k, i, v, sizeof(v));
            len += (size_t)snprintf(vals + len, sizeof(vals) - len, "%s%s", i ? ", " : "", v);
        }
        cell(t, "%s (%s)", d->name, d->key);
        cell(t, "%s", vals);
        report_dim_value(r, (enum rep_dim)k, d->ref, v, sizeof(v));
        cell(t, "%s", v);
        cell(t, "%s", d->crossed ? "yes" : "no (varied alone around the reference)");
    }
    note(t, "Programs x traces x the crossed dimensions form a full grid at the reference of the others; "
            "each other dimension is varied alone with everything else at its reference.");
}

static void goal_table(const struct report *r, struct rep_tables *tt)
{
    struct rep_goal g[REP_MAX_GOALS];
    unsigned n = report_goals(r, g);
    struct rep_table *t = table(tt, SEC_GOALS, -1, 3, "Goals of the default design");
    cell(t, "goal");
    cell(t, "measured");
    cell(t, "met");
    for (unsigned i = 0; i < n; i++) {
        cell(t, "%s", g[i].statement);
        cell(t, "%s", g[i].measured);
        cell(t, "%s", g[i].met < 0 ? "-" : g[i].met ? "yes" : "no");
    }
    note(t, "Evaluated from the points of this sweep only; \"-\" where the sweep has no verdict.");
}

/* The RTL against the model, from the cosim jobs. */
static void rtl_table(const struct report *r, struct rep_tables *tt)
{
    struct rep_table *t = table(tt, SEC_RTL, -1, 10, "RTL cycle agreement");
    static const char *const head[] = {"program", "trace", "packets", "instructions", "cycle counts",
                                       "divergences", "cycle mismatches", "model cycles", "RTL cycles",
                                       "status"};
    for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
        cell(t, "%s", head[k]);
    if (!r->rtl_check) {
        note(t, "Not checked: %s.", r->rtl_check_note);
        return;
    }
    for (unsigned i = 0; i < r->n_cosim; i++) {
        const struct rep_cosim *c = &r->cosim[i];
        cell(t, "%s", r->progs[c->prog].name);
        cell(t, "%s", r->traces[c->trace].name);
        /* packets .. RTL cycles, as the header */
        for (int k = CF_PACKETS; k < CF_COUNT; k++) {
            if (c->status == REP_OK || c->mismatch)
                cell(t, "%llu", (unsigned long long)c->fig[k]);
            else
                cell(t, "-");
        }
        if (c->status == REP_OK)
            cell(t, "agrees");
        else
            cell(t, "%s (cosim job #%u)", report_cosim_status(c), c->index);
    }
    char pl[32];
    report_dim_value(r, DIM_PLACEMENT, r->dim[DIM_PLACEMENT].ref, pl, sizeof(pl));
    note(t, "Each row is one run of `ebpfsim run --engine cosim` (cosim/NNNN/cosim.json): the Verilog "
            "core under Verilator and the C model in lockstep over the trace, maps in %s. Every retired "
            "instruction is compared, and every packet's RTL cycle count against the timing model's; "
            "the cycles are the sums over the packets. A run stops at its first divergence or cycle "
            "mismatch (MISMATCH, listed with the packet above).", pl);
}

static void rate_header(const struct report *r, struct rep_table *t, unsigned trace)
{
    for (unsigned i = 0; i < r->dim[DIM_RATE].n; i++) {
        double g = r->dim[DIM_RATE].v[i];
        cell(t, "%gG (%.2f Mpps)", g, report_line_rate_mpps(&r->traces[trace], g));
    }
}

static void per_trace_tables(const struct report *r, struct rep_tables *tt, unsigned tr)
{
    const struct rep_trace *trace = &r->traces[tr];
    char title[256], ref[200], label[64];
    report_trace_label(trace, label, sizeof(label));
    ref_text(r, ref, sizeof(ref), false);

    /* throughput against line rate */
    snprintf(title, sizeof(title), "Throughput against line rate: %s (%s)", trace->name, label);
    struct rep_table *t = table(tt, SEC_THROUGHPUT, (int)tr, 1 + r->dim[DIM_RATE].n, title);
    cell(t, "program");
    rate_header(r, t, tr);
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        for (unsigned i = 0; i < r->dim[DIM_RATE].n; i++) {
            const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, i);
            if (!usable(t, pt))
                continue;
            double lr = report_line_rate_mpps(trace, r->dim[DIM_RATE].v[i]);
            cell(t, "%.2f (%.0f%%)%s", pt->res.mpps, 100 * pt->res.mpps / lr,
                 report_sustains(pt) ? " ✓" : "");
        }
    }
    note(t, "Mpps processed (verdicts per second) with %s, offered at each line rate; ✓: the NIC keeps "
            "up (no RX overflow, and the verdict rate over the arrivals is at least 99%% of the offered "
            "rate; see docs/report.md).", ref);

    /* scaling with cores */
    char rate[32], clock[32];
    report_dim_value(r, DIM_RATE, r->dim[DIM_RATE].ref, rate, sizeof(rate));
    report_dim_value(r, DIM_CLOCK, r->dim[DIM_CLOCK].ref, clock, sizeof(clock));
    snprintf(title, sizeof(title), "Scaling with the number of cores: %s", trace->name);
    t = table(tt, SEC_SCALING, (int)tr, 1 + r->dim[DIM_CORES].n, title);
    cell(t, "program");
    for (unsigned i = 0; i < r->dim[DIM_CORES].n; i++)
        cell(t, "%g core%s", r->dim[DIM_CORES].v[i], r->dim[DIM_CORES].v[i] == 1 ? "" : "s");
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        for (unsigned i = 0; i < r->dim[DIM_CORES].n; i++) {
            const struct rep_point *pt = report_slice(r, p, tr, DIM_CORES, i);
            if (usable(t, pt))
                cell(t, "%.2f", pt->res.mpps);
        }
    }
    note(t, "Mpps processed, offered at %s Gbit/s (%.2f Mpps), cores at %s MHz.", rate,
         report_line_rate_mpps(trace, r->dim[DIM_RATE].v[r->dim[DIM_RATE].ref]), clock);

    if (r->dim[DIM_CLOCK].n > 1) {
        snprintf(title, sizeof(title), "Core clock: %s", trace->name);
        t = table(tt, SEC_CLOCK, (int)tr, 1 + r->dim[DIM_CLOCK].n, title);
        cell(t, "program");
        for (unsigned i = 0; i < r->dim[DIM_CLOCK].n; i++)
            cell(t, "%g MHz", r->dim[DIM_CLOCK].v[i]);
        for (unsigned p = 0; p < r->n_progs; p++) {
            cell(t, "%s", r->progs[p].name);
            for (unsigned i = 0; i < r->dim[DIM_CLOCK].n; i++) {
                const struct rep_point *pt = report_slice(r, p, tr, DIM_CLOCK, i);
                if (usable(t, pt))
                    cell(t, "%.2f", pt->res.mpps);
            }
        }
        ref_text(r, ref, sizeof(ref), true);
        note(t, "Mpps processed; otherwise the reference: %s.", ref);
    }
    if (r->dim[DIM_PLACEMENT].n > 1) {
        snprintf(title, sizeof(title), "Map placement: %s", trace->name);
        t = table(tt, SEC_PLACEMENT, (int)tr, 1 + r->dim[DIM_PLACEMENT].n, title);
        cell(t, "program");
        for (unsigned i = 0; i < r->dim[DIM_PLACEMENT].n; i++) {
            report_dim_value(r, DIM_PLACEMENT, i, label, sizeof(label));
            cell(t, "%s", label);
        }
        for (unsigned p = 0; p < r->n_progs; p++) {
            cell(t, "%s", r->progs[p].name);
            for (unsigned i = 0; i < r->dim[DIM_PLACEMENT].n; i++) {
                const struct rep_point *pt = report_slice(r, p, tr, DIM_PLACEMENT, i);
                if (usable(t, pt))
                    cell(t, "%.2f (%.1f cyc)", pt->res.mpps, report_cycles_per_packet(pt));
            }
        }
        ref_text(r, ref, sizeof(ref), true);
        note(t, "Mpps processed (issue cycles per packet); otherwise the reference: %s.", ref);
    }

    /* latency at the lowest rate */
    unsigned lr = report_latency_rate(r);
    report_dim_value(r, DIM_RATE, lr, rate, sizeof(rate));
    snprintf(title, sizeof(title), "Latency distribution: %s at %s Gbit/s", trace->name, rate);
    t = table(tt, SEC_LATENCY, (int)tr, 9, title);
    cell(t, "program");
    cell(t, "p50 ns");
    cell(t, "p90");
    cell(t, "p99");
    cell(t, "p99.9");
    cell(t, "max");
    cell(t, "egress p50");
    cell(t, "egress p99");
    cell(t, "load");
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, lr);
        if (!usable(t, pt)) {
            for (int k = 0; k < 7; k++)
                cell(t, "%s", "");
            continue;
        }
        for (int k = 0; k < REP_LAT; k++)
            cell(t, "%.0f", pt->res.lat[k]);
        cell(t, "%.0f", pt->res.egress_p50);
        cell(t, "%.0f", pt->res.egress_p99);
        cell(t, "%s", report_sustains(pt) ? "keeps up" : "saturated");
    }
    ref_text(r, ref, sizeof(ref), false);
    note(t, "Ingress (first byte at the MAC) to verdict, and to leaving the NIC (wire or PCIe), with %s. "
            "Where the NIC is saturated the latency is the backlog of the trace and grows with its length.",
         ref);

    /* stall breakdown */
    snprintf(title, sizeof(title), "Cycles and stalls per packet: %s", trace->name);
    t = table(tt, SEC_STALLS, (int)tr, 4 + REP_STALLS, title);
    cell(t, "program");
    cell(t, "insns");
    cell(t, "issue cycles");
    cell(t, "IPC");
    for (int k = 0; k < REP_STALLS; k++)
        cell(t, "%s", rep_stall_names[k]);
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
        if (!usable(t, pt) || !pt->res.processed) {
            for (int k = 0; k < 3 + REP_STALLS; k++)
                cell(t, "%s", "");
            continue;
        }
        cell(t, "%.1f", report_insns_per_packet(pt));
        cell(t, "%.1f", report_cycles_per_packet(pt));
        cell(t, "%.3f", pt->res.ipc);
        for (int k = 0; k < REP_STALLS; k++)
            cell(t, "%.2f", (double)pt->res.stall[k] / (double)pt->res.processed);
    }
    ref_text(r, ref, sizeof(ref), true);
    note(t, "Per packet, on the NIC with %s. Issue cycles = instructions + stall cycles "
            "(docs/microarchitecture.md); IPC = instructions / issue cycles.", ref);

    /* model beside the kernel */
    snprintf(title, sizeof(title), "Model and kernel time per packet: %s", trace->name);
    t = table(tt, SEC_KERNEL, (int)tr, 6, title);
    cell(t, "program");
    cell(t, "model cycles/packet");
    cell(t, "model ns/packet, one core");
    cell(t, "model Mpps, NIC");
    cell(t, "kernel ns/packet (host CPU)");
    cell(t, "kernel / model");
    const char *skip = NULL;
    char kp[32];
    if (r->kernel_packets)
        snprintf(kp, sizeof(kp), "%u", r->kernel_packets);
    else
        snprintf(kp, sizeof(kp), "all");
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
        double model_ns = NAN;
        if (usable(t, pt)) {
            model_ns = report_core_ns_per_packet(r, pt);
            cell(t, "%.1f", report_cycles_per_packet(pt));
            cell(t, "%.1f", model_ns);
            cell(t, "%.2f", pt->res.mpps);
        } else {
            cell(t, "%s", "");
            cell(t, "%s", "");
        }
        const struct rep_kernel *k = report_kernel(r, p, tr);
        if (!k) {
            cell(t, "not measured");
            cell(t, "-");
        } else if (k->status == REP_OK) {
            cell(t, "%.1f", k->ns_per_packet);
            if (isnan(model_ns))
                cell(t, "-");
            else
                cell(t, "%.2f", k->ns_per_packet / model_ns);
        } else {
            cell(t, "%s (kernel job #%u)", rep_status_names[k->status], k->index);
            cell(t, "-");
            if (k->status == REP_SKIP && !skip)
                skip = k->note;
        }
    }
    if (skip)
        note(t, "Model: the NIC run with %s; one core's time per packet back to back is (issue cycles + "
                "exit gap) / clock. Kernel column skipped: %s.",
             ref, skip);
    else
        note(t, "Model: the NIC run with %s; one core's time per packet back to back is (issue cycles + "
                "exit gap) / clock. Kernel: mean BPF_PROG_TEST_RUN time of one run (repeat %u) over %s "
                "of the trace's frames (spread evenly), on the host that ran the kernel job.",
             ref, r->kernel_repeat, kp);

    /* verdicts and drops */
    snprintf(title, sizeof(title), "Verdicts and drops: %s", trace->name);
    t = table(tt, SEC_VERDICTS, (int)tr, 1 + REP_VERDICTS + REP_DROPS, title);
    cell(t, "program");
    for (int k = 0; k < REP_VERDICTS; k++)
        cell(t, "%s", rep_verdict_names[k]);
    for (int k = 0; k < REP_DROPS; k++)
        cell(t, "%s", rep_drop_names[k]);
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
        if (!usable(t, pt)) {
            for (int k = 1; k < REP_VERDICTS + REP_DROPS; k++)
                cell(t, "%s", "");
            continue;
        }
        for (int k = 0; k < REP_VERDICTS; k++)
            cell(t, "%llu", (unsigned long long)pt->res.verdicts[k]);
        for (int k = 0; k < REP_DROPS; k++)
            cell(t, "%llu", (unsigned long long)pt->res.drops[k]);
    }
    note(t, "Frames, with %s.", ref);
}

static void cores_needed_table(const struct report *r, struct rep_tables *tt)
{
    struct rep_table *t = table(tt, SEC_CORES_NEEDED, -1, 1 + r->n_traces * r->dim[DIM_RATE].n,
                                "Cores needed for line rate");
    cell(t, "program");
    for (unsigned tr = 0; tr < r->n_traces; tr++)
        for (unsigned i = 0; i < r->dim[DIM_RATE].n; i++)
            cell(t, "%s %gG", r->traces[tr].name, r->dim[DIM_RATE].v[i]);
    double max_cores = 0;
    for (unsigned i = 0; i < r->dim[DIM_CORES].n; i++)
        max_cores = fmax(max_cores, r->dim[DIM_CORES].v[i]);
    for (unsigned p = 0; p < r->n_progs; p++) {
        cell(t, "%s", r->progs[p].name);
        for (unsigned tr = 0; tr < r->n_traces; tr++)
            for (unsigned i = 0; i < r->dim[DIM_RATE].n; i++) {
                int c = report_cores_needed(r, p, tr, i);
                if (c > 0)
                    cell(t, "%d", c);
                else if (c == 0)
                    cell(t, "> %g", max_cores);
                else
                    cell(t, "-");
            }
    }
    char clock[32], pl[32];
    report_dim_value(r, DIM_CLOCK, r->dim[DIM_CLOCK].ref, clock, sizeof(clock));
    report_dim_value(r, DIM_PLACEMENT, r->dim[DIM_PLACEMENT].ref, pl, sizeof(pl));
    note(t, "The fewest cores of the grid that keep up with the line rate (cores at %s MHz, maps in %s). "
            "\"> N\": none of the grid's core counts does; \"-\": the grid has no points for it (cross "
            "cores and rates).",
         clock, pl);
}

/* ------------------------------------------------------------ other JSON */

static void scalar_text(json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v) && fabs(json_real_value(v)) >= 1e5 && fabs(json_real_value(v)) < 1e15)
        snprintf(buf, len, "%.0f", json_real_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.6g", json_real_value(v));
    else if (json_is_true(v))
        snprintf(buf, len, "true");
    else if (json_is_false(v))
        snprintf(buf, len, "false");
    else if (json_is_null(v))
        snprintf(buf, len, "-");
    else {
        char *s = json_dumps(v, JSON_COMPACT);
        snprintf(buf, len, "%s", s ? s : "");
        free(s);
    }
}

static bool array_of_objects(json_t *a)
{
    if (!json_is_array(a) || !json_array_size(a))
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!json_is_object(v)) return false;
    return true;
}

/* Columns: the union of the rows' keys, in order of appearance; one level
 * of nested objects becomes "key.sub". */
static void object_rows(struct rep_tables *tt, const char *title, json_t *a)
{
    char cols[64][128];
    unsigned n = 0;
    size_t i;
    json_t *row;
    json_array_foreach(a, i, row) {
        const char *key;
        json_t *v;
        json_object_foreach(row, key, v) {
            char name[128];
            const char *sub;
            json_t *w;
            if (json_is_object(v)) {
                json_object_foreach(v, sub, w) {
                    snprintf(name, sizeof(name), "%s.%s", key, sub);
                    unsigned k = 0;
                    while (k < n && strcmp(cols[k], name))
                        k++;
                    if (k == n && n < 64)
                        snprintf(cols[n++], sizeof(cols[0]), "%s", name);
                }
                continue;
            }
            unsigned k = 0;
            while (k < n && strcmp(cols[k], key))
                k++;
            if (k == n && n < 64)
                snprintf(cols[n++], sizeof(cols[0]), "%s", key);
        }
    }
    struct rep_table *t = table(tt, SEC_DRIVER, -1, n, title);
    for (unsigned k = 0; k < n; k++)
        cell(t, "%s", cols[k]);
    json_array_foreach(a, i, row) {
        for (unsigned k = 0; k < n; k++) {
            char buf[256];
            json_t *v = json_object_get(row, cols[k]);
            char *dot = strchr(cols[k], '.');
            if (!v && dot) {
                char head[128];
                snprintf(head, sizeof(head), "%.*s", (int)(dot - cols[k]), cols[k]);
                v = json_object_get(json_object_get(row, head), dot + 1);
            }
            if (v)
                scalar_text(v, buf, sizeof(buf));
            else
                snprintf(buf, sizeof(buf), "-");
            cell(t, "%s", buf);
        }
    }
}

static void driver_walk(struct rep_tables *tt, const char *path, json_t *v, int depth)
{
    char title[256];
    if (array_of_objects(v)) {
        snprintf(title, sizeof(title), "Driver shim bench%s%s", *path ? ": " : "", path);
        object_rows(tt, title, v);
        return;
    }
    if (!json_is_object(v) || depth > 3)
        return;
    const char *key;
    json_t *w;
    /* the scalars of this object */
    struct rep_table *t = NULL;
    json_object_foreach(v, key, w) {
        if (json_is_object(w) || json_is_array(w))
            continue;
        if (!t) {
            snprintf(title, sizeof(title), "Driver shim bench%s%s", *path ? ": " : "", path);
            t = table(tt, SEC_DRIVER, -1, 2, title);
            cell(t, "key");
            cell(t, "value");
        }
        char buf[256];
        scalar_text(w, buf, sizeof(buf));
        cell(t, "%s", key);
        cell(t, "%s", buf);
    }
    json_object_foreach(v, key, w) {
        if (!json_is_object(w) && !json_is_array(w))
            continue;
        char sub[256];
        snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
        if (json_is_array(w) && !array_of_objects(w)) {
            char buf[256];
            scalar_text(w, buf, sizeof(buf));
            if (!t) {
                snprintf(title, sizeof(title), "Driver shim bench%s%s", *path ? ": " : "", path);
                t = table(tt, SEC_DRIVER, -1, 2, title);
                cell(t, "key");
                cell(t, "value");
            }
            cell(t, "%s", key);
            cell(t, "%s", buf);
            continue;
        }
        driver_walk(tt, sub, w, depth + 1);
    }
}

static void not_ok_table(const struct report *r, struct rep_tables *tt)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < r->n_points; i++)
        bad += r->points[i].status != REP_OK;
    for (unsigned i = 0; i < r->n_kernel; i++)
        bad += r->kernel[i].status != REP_OK;
    for (unsigned i = 0; i < r->n_cosim; i++)
        bad += r->cosim[i].status != REP_OK;
    if (!bad)
        return;
    struct rep_table *t = table(tt, SEC_NOT_OK, -1, 5, "Points missing or failed");
    cell(t, "job");
    cell(t, "program");
    cell(t, "trace");
    cell(t, "configuration");
    cell(t, "status");
    for (unsigned i = 0; i < r->n_points; i++) {
        const struct rep_point *p = &r->points[i];
        if (p->status == REP_OK)
            continue;
        char v[DIM_COUNT][32];
        for (int k = 0; k < DIM_COUNT; k++)
            report_dim_value(r, (enum rep_dim)k, p->d[k], v[k], sizeof(v[k]));
        cell(t, "point %u", p->index);
        cell(t, "%s", r->progs[p->prog].name);
        cell(t, "%s", r->traces[p->trace].name);
        cell(t, "%sG, %s core%s, %s MHz, %s", v[DIM_RATE], v[DIM_CORES], strcmp(v[DIM_CORES], "1") ? "s" : "",
             v[DIM_CLOCK], v[DIM_PLACEMENT]);
        cell(t, "%s: %s", rep_status_names[p->status], p->note);
    }
    for (unsigned i = 0; i < r->n_kernel; i++) {
        const struct rep_kernel *k = &r->kernel[i];
        if (k->status == REP_OK)
            continue;
        cell(t, "kernel %u", k->index);
        cell(t, "%s", r->progs[k->prog].name);
        cell(t, "%s", r->traces[k->trace].name);
        cell(t, "BPF_PROG_TEST_RUN, repeat %u", r->kernel_repeat);
        cell(t, "%s: %s", rep_status_names[k->status], k->note);
    }
    for (unsigned i = 0; i < r->n_cosim; i++) {
        const struct rep_cosim *c = &r->cosim[i];
        if (c->status == REP_OK)
            continue;
        cell(t, "cosim %u", c->index);
        cell(t, "%s", r->progs[c->prog].name);
        cell(t, "%s", r->traces[c->trace].name);
        cell(t, "RTL and model in lockstep (line %u of jobs.txt)", r->n_points + c->index);
        cell(t, "%s: %s", report_cosim_status(c), c->note);
    }
    note(t, "Line N of jobs.txt (kernel-jobs.txt) is job N; its folder is points/NNNN (kernel/NNNN); "
            "cosim job N is line points + N of jobs.txt, its folder cosim/NNNN. "
            "Rerun the missing ones with ebpfsim report run DIR, then merge again.");
}

int report_tables(const struct report *r, const struct json_t *driver, struct rep_tables *out)
{
    memset(out, 0, sizeof(*out));
    setup_tables(r, out);
    not_ok_table(r, out);
    goal_table(r, out);
    rtl_table(r, out);
    cores_needed_table(r, out);
    for (unsigned tr = 0; tr < r->n_traces; tr++)
        per_trace_tables(r, out, tr);
    if (driver)
        driver_walk(out, "", (json_t *)driver, 0);
    /* in section order, traces in order within a section */
    for (unsigned i = 1; i < out->n; i++)
        for (unsigned j = i; j > 0 && out->t[j].section < out->t[j - 1].section; j--) {
            struct rep_table x = out->t[j];
            out->t[j] = out->t[j - 1];
            out->t[j - 1] = x;
        }
    return 0;
}
