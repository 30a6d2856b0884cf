/*
 * ebpfsim report: throughput reports over a sweep of NIC configurations.
 *
 * A sweep is planned (sweep.json: the grid, the traces' frame sizes and one
 * self-contained command line per point), its points are run (locally, under
 * GNU parallel or make, or as a Slurm job array), and the points' JSON files
 * are merged into report.json, report.md and report.html.  The merge reads
 * only files, so it gives the same report wherever and whenever it runs.
 */
#ifndef EBPFSIM_REPORT_H
#define EBPFSIM_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define REP_NAME 64
#define REP_STALLS 6 /* load_use, branch, multicycle, memory, helper, pkt_wait */
#define REP_LINE_RATES 4

extern const double rep_line_rate_gbps[REP_LINE_RATES]; /* 10, 25, 40, 100 */
extern const char *const rep_stall_names[REP_STALLS];

enum rep_status { REP_MISSING, REP_OK, REP_FAILED, REP_SKIP };

struct rep_program {
    char name[REP_NAME];
    char *object;
    char *maps_in;       /* NULL: none */
    char **extra;        /* more arguments for nic (NAME.args, e.g. --prog X) */
    unsigned n_extra;
};

struct rep_trace {
    char name[REP_NAME];
    char *path;
    uint64_t frames;     /* frames the points see (after --limit), runts included */
    double mean_frame;   /* bytes on the wire with the FCS (preamble and gap not counted) */
    uint32_t min_frame, max_frame;
};

struct rep_point {
    unsigned index, prog, trace, cores, placement;
    double clock_mhz;
    char *command;       /* the job line */
    char **argv;         /* the same, for a local run (planning only) */
    /* results (merge) */
    enum rep_status status;
    char note[256];
    uint64_t offered, processed, verdicts[5], drops[3], insns, issue_cycles;
    uint64_t stall[REP_STALLS];
    double offered_mpps, mpps, gbps, line_rate_gbps;
    double lat[5];       /* p50, p90, p99, p99.9, max (ns, ingress -> verdict) */
    double ipc, cycles_per_packet, ns_per_packet; /* back to back, per core */
    bool at_offered_rate; /* achieved >= 99 % of the offered rate: line-rate limited */
};

struct rep_kernel {
    unsigned index, prog, trace;
    char *command;
    char **argv;
    enum rep_status status;
    char note[256];
    uint64_t packets, refused;
    unsigned repeat;
    double ns_per_packet;
    char host_kernel[128], host_cpu[128];
};

struct report {
    char *out_dir;
    char *ebpfsim;                 /* path used in the job lines */
    char *config;                  /* --config FILE or NULL */
    char **sets;                   /* --set passthrough */
    unsigned n_sets;
    uint64_t limit;                /* 0: whole traces */
    unsigned kernel_repeat;        /* 0: no kernel measurements */
    struct rep_program *progs;
    unsigned n_progs;
    struct rep_trace *traces;
    unsigned n_traces;
    unsigned *cores;
    unsigned n_cores;
    double *clocks;
    unsigned n_clocks;
    unsigned *placements;          /* enum ebpf_placement */
    unsigned n_placements;
    /* the configuration before the grid's overrides */
    double default_clock_mhz;
    unsigned default_cores;
    unsigned exit_gap;
    double line_rate_gbps;
    bool line_rate_pacing;
    /* charts and tables use this slice of the grid */
    unsigned ref_cores, ref_placement, ref_trace;
    double ref_clock;
    struct rep_point *points;
    unsigned n_points;
    struct rep_kernel *kernel;
    unsigned n_kernel;
};

/* report_plan.c: sweep.json */
int report_write_sweep(const struct report *r, const char *path, char *err, size_t errlen);
int report_read_sweep(struct report *r, const char *path, char *err, size_t errlen);
void report_free(struct report *r);

/* report_merge.c: results -> report.json / .md / .html.  Returns the number
 * of points that are missing or failed (0: complete), < 0 on error. */
int report_merge(const char *dir, bool quiet, char *err, size_t errlen);

/* Lookups shared by the writers. */
struct rep_point *report_point(const struct report *r, unsigned prog, unsigned trace, unsigned cores,
                               double clock, unsigned placement);
const struct rep_kernel *report_kernel(const struct report *r, unsigned prog, unsigned trace);
/* Line rate in Mpps of trace t at gbps (frames + 8 preamble + 12 gap bytes). */
double report_line_rate_mpps(const struct rep_trace *t, double gbps);
bool report_trace_is_64(const struct rep_trace *t);

/* Goals of the issue, evaluated from the measured points. */
#define REP_MAX_GOALS 8
struct rep_goal {
    const char *id;
    char statement[256];
    char measured[1024];
    int met;                       /* 1 met, 0 not met, -1 no verdict (a measurement only) */
};
unsigned report_goals(const struct report *r, struct rep_goal *g);

/* report_html.c */
int report_write_html(const struct report *r, const char *path);
int report_write_md(const struct report *r, const char *path);

/* report_svg.c: charts as inline SVG. */
enum chart_kind { CHART_BARS, CHART_LINES, CHART_STACKED };
struct chart {
    const char *id, *title, *xlabel, *ylabel, *note;
    enum chart_kind kind;
    bool log_y;
    unsigned n_cats, n_series;
    const char *const *cats;
    const char *const *series;
    const double *values;          /* [series * n_cats + cat]; NaN: no value */
    bool color_by_cat;             /* bars: one colour per category (one series) */
    unsigned n_markers;
    const double *marker_values;   /* horizontal reference lines */
    const char *const *marker_labels;
    const char *const *annotations; /* per category, right of a stacked bar */
    const char *unit;              /* in tooltips */
};
void svg_chart(FILE *f, const struct chart *c);
const char *svg_color(unsigned i);
void html_escape(FILE *f, const char *s);

/* kbench.c: mean BPF_PROG_TEST_RUN time per packet over a trace, each packet
 * run `repeat` times.  status: REP_OK, REP_SKIP (bpf() refused) or
 * REP_FAILED, with the reason in note. */
struct kbench_result {
    enum rep_status status;
    char note[256];
    uint64_t packets, refused, verdicts[5];
    double ns_per_packet;
    char prog[REP_NAME];
};
void kbench_run(const char *object, const char *prog, const char *maps_in, const char *pcap,
                uint64_t limit, unsigned repeat, struct kbench_result *res);

#endif
