/*
 * ebpfsim report: throughput reports over a sweep of NIC configurations
 * (docs/report.md).
 *
 * A sweep is planned into a directory: sweep.json (the grid, the traces'
 * frame sizes, one command line per point), jobs.txt (those command lines,
 * one per line, each self-contained: it makes its own output folder
 * points/NNNN/ and writes nic.json, stderr.txt and exit there),
 * kernel-jobs.txt (the kernel's ns/packet measurements, to be run one at a
 * time), jobs.mk (the same jobs as make targets) and slurm.sh (a Slurm
 * job-array script).  After the points, jobs.txt holds one co-simulation
 * job per program and trace (ebpfsim run --engine cosim --cosim-json, into
 * cosim/NNNN/): the RTL's cycle agreement with the model.  The points are run by `ebpfsim report run -j N`, GNU
 * parallel, make -j or Slurm, and merged by `ebpfsim report merge`, which
 * reads only the plan and the points' folders and writes report.json,
 * report.md and report.html, listing the points that are missing or failed.
 */
#ifndef EBPFSIM_REPORT_H
#define EBPFSIM_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define REP_NAME 64
#define REP_STALLS 6   /* load_use, branch, multicycle, memory, helper, pkt_wait */
#define REP_VERDICTS 5 /* aborted, drop, pass, tx, redirect */
#define REP_DROPS 3    /* rx_overflow, tx_overflow, host_ring */
#define REP_LAT 5      /* p50, p90, p99, p99.9, max */

extern const char *const rep_stall_names[REP_STALLS];
extern const char *const rep_verdict_names[REP_VERDICTS];
extern const char *const rep_drop_names[REP_DROPS];
extern const char *const rep_lat_names[REP_LAT];

enum rep_status { REP_MISSING, REP_OK, REP_FAILED, REP_SKIP };
extern const char *const rep_status_names[4];

/* The grid's dimensions besides programs and traces; each one sets one
 * configuration key of the point's `ebpfsim nic` command. */
enum rep_dim { DIM_RATE, DIM_CORES, DIM_CLOCK, DIM_PLACEMENT, DIM_COUNT };

struct rep_dimension {
    const char *name;     /* rates, cores, clock, placement (option and JSON name) */
    const char *key;      /* nic.line_rate_gbps, core.cores, core.clock_mhz, memory.placement */
    double *v;            /* placement: enum ebpf_placement */
    unsigned n;
    unsigned ref;         /* index of the reference value */
    bool crossed;         /* full grid with the other crossed dimensions */
};

struct rep_program {
    char name[REP_NAME];
    char *object;
    char *maps_in;        /* NULL: none */
    char **extra;         /* more arguments (NAME.args, e.g. --prog X) */
    unsigned n_extra;
};

struct rep_trace {
    char name[REP_NAME];
    char *path;
    uint64_t frames;      /* frames the points see (after --limit) */
    double mean_frame;    /* bytes on the wire with the FCS (at least 64) */
    uint32_t min_frame, max_frame;
};

/* What one point's nic.json says. */
struct rep_result {
    uint64_t offered, processed, verdicts[REP_VERDICTS], drops[REP_DROPS];
    uint64_t insns, issue_cycles, stall[REP_STALLS];
    double offered_mpps, mpps, gbps, ipc;
    double lat[REP_LAT];  /* ingress -> verdict, ns */
    double egress_p50, egress_p99;
    double util;          /* mean core utilisation */
    double wall_seconds;
};

struct rep_point {
    unsigned index;       /* 1-based: line of jobs.txt, Slurm array task id */
    unsigned prog, trace;
    unsigned d[DIM_COUNT]; /* value index per dimension */
    char *command;
    enum rep_status status;
    char note[512];
    struct rep_result res;
};

struct rep_kernel {
    unsigned index;       /* 1-based line of kernel-jobs.txt */
    unsigned prog, trace;
    char *command;
    enum rep_status status;
    char note[512];
    uint64_t packets, refused;
    unsigned repeat, samples;
    double ns_per_packet;
    char host_kernel[128], host_cpu[128];
};

/* What a cosim job compared (the keys of its cosim.json and of report.json's
 * rtl_agreement rows). */
enum rep_cosim_fig {
    CF_FRAMES, CF_REFUSED, CF_PACKETS, CF_INSNS, CF_CYCLE_COUNTS, CF_DIVERGENCES,
    CF_CYCLE_MISMATCHES, CF_MODEL_CYCLES, CF_RTL_CYCLES, CF_COUNT
};
extern const char *const rep_cosim_fig_names[CF_COUNT];

/* One co-simulation run (RTL and model in lockstep) of a program over a
 * trace, with the reference configuration. */
struct rep_cosim {
    unsigned index;       /* 1-based: line n_points + index of jobs.txt, folder cosim/NNNN */
    unsigned prog, trace;
    char *command;
    enum rep_status status; /* REP_OK: the RTL agrees with the model */
    bool mismatch;        /* failed by a divergence or a cycle mismatch */
    char note[768];
    uint64_t fig[CF_COUNT];
};
/* "agrees", "MISMATCH", "failed", "missing" */
const char *report_cosim_status(const struct rep_cosim *c);

struct report {
    char *dir;            /* absolute */
    char *ebpfsim;        /* absolute path used in the job lines */
    char *config;         /* --config FILE (absolute) or NULL */
    char **sets;          /* --set passthrough */
    unsigned n_sets;
    uint64_t limit;       /* 0: whole traces */
    unsigned kernel_repeat; /* 0: no kernel measurements */
    unsigned kernel_packets; /* frames measured per trace (0: all) */
    /* the configuration the grid starts from (config file and --set) */
    double cfg_clock_mhz, cfg_rate_gbps;
    unsigned cfg_cores, cfg_placement, exit_gap;
    const char *pacing;
    struct rep_program *progs;
    unsigned n_progs;
    struct rep_trace *traces;
    unsigned n_traces;
    struct rep_dimension dim[DIM_COUNT];
    struct rep_point *points;
    unsigned n_points;
    struct rep_kernel *kernel;
    unsigned n_kernel;
    bool rtl_check;       /* cosim jobs planned */
    char rtl_check_note[160]; /* why not, when not */
    struct rep_cosim *cosim;
    unsigned n_cosim;
};

/* Format dimension value i ("100", "2", "250", "sram"). */
void report_dim_value(const struct report *r, enum rep_dim d, unsigned i, char *buf, size_t len);

/* report_plan.c: the grid, the points' command lines, sweep.json and the
 * job files. */
int report_plan_points(struct report *r, char *err, size_t errlen);
int report_write_plan(const struct report *r, char *err, size_t errlen);
int report_read_sweep(struct report *r, const char *dir, char *err, size_t errlen);
/* JSON that sweep.json and report.json both hold (new references): the
 * reference configuration (clock_mhz, cores, line_rate_gbps, placement,
 * exit_gap, pacing), the --set list, dimension d's values (placement by
 * name), a trace's frames and frame sizes, a program's name, object and
 * maps_in. */
struct json_t *report_config_json(const struct report *r);
struct json_t *report_sets_json(const struct report *r);
struct json_t *report_dim_values_json(const struct report *r, enum rep_dim d);
struct json_t *report_trace_json(const struct rep_trace *t);
struct json_t *report_program_json(const struct rep_program *p);
void report_free(struct report *r);
/* Frames, frame sizes of a trace (the first limit frames); -errno. */
int report_scan_trace(struct rep_trace *t, uint64_t limit, char *err, size_t errlen);

/* report_merge.c: the points' folders -> results; report.json, .md, .html.
 * Returns the number of points, kernel and cosim jobs missing or failed
 * (0: the report is complete), < 0 on error. */
int report_merge(const char *dir, const char *driver_bench, char *err, size_t errlen);
/* Read the results of every point, kernel and cosim job into r. */
void report_load_results(struct report *r);

/* Lookups shared by the writers: the point of the grid with these value
 * indices (NULL when the plan has none). */
struct rep_point *report_find(const struct report *r, unsigned prog, unsigned trace,
                              const unsigned d[DIM_COUNT]);
/* The reference slice with dimension `vary` set to value i. */
struct rep_point *report_slice(const struct report *r, unsigned prog, unsigned trace,
                               enum rep_dim vary, unsigned i);
const struct rep_kernel *report_kernel(const struct report *r, unsigned prog, unsigned trace);
/* Frames per second at line rate gbps for trace t, in Mpps (frame + 8
 * bytes of preamble + 12 of inter-frame gap). */
double report_line_rate_mpps(const struct rep_trace *t, double gbps);
/* Whether the point processed the offered rate (docs/report.md). */
bool report_sustains(const struct rep_point *p);
/* Per packet figures of a point. */
double report_cycles_per_packet(const struct rep_point *p);
double report_insns_per_packet(const struct rep_point *p);
/* A core's time per packet back to back: (cycles + exit gap) / clock. */
double report_core_ns_per_packet(const struct report *r, const struct rep_point *p);
/* The fewest cores of the grid sustaining line rate `rate` (value index)
 * at the reference clock and placement; 0 if none does, -1 if the grid
 * has no such points. */
int report_cores_needed(const struct report *r, unsigned prog, unsigned trace, unsigned rate);
/* "64 B" or "mean 353 B" */
void report_trace_label(const struct rep_trace *t, char *buf, size_t len);
bool report_trace_is_64(const struct rep_trace *t);

/* Goals of the default design (issue 4), evaluated from the points. */
#define REP_MAX_GOALS 4
struct rep_goal {
    const char *id;
    const char *statement;
    char measured[1024];
    int met;              /* 1 met, 0 not met, -1 a measurement without a verdict */
};
unsigned report_goals(const struct report *r, struct rep_goal *g);

/* report_tables.c: the report's tables, built once and rendered as
 * Markdown and HTML (the same figures in both). */
enum rep_section { /* in the order of the report */
    SEC_SETUP, SEC_NOT_OK, SEC_GOALS, SEC_RTL, SEC_THROUGHPUT, SEC_CORES_NEEDED, SEC_SCALING, SEC_CLOCK,
    SEC_PLACEMENT, SEC_LATENCY, SEC_STALLS, SEC_KERNEL, SEC_VERDICTS, SEC_DRIVER, SEC_COUNT
};
extern const char *const rep_section_titles[SEC_COUNT];
extern const char *const rep_section_ids[SEC_COUNT];
struct rep_table {
    enum rep_section section;
    int trace;            /* the trace the table is about, -1: all */
    char *title, *note;
    unsigned cols, n;     /* n cells so far; row 0 is the header */
    char **cell;
    unsigned cap;
};
struct rep_tables {
    struct rep_table *t;
    unsigned n, cap;
};
struct json_t;
int report_tables(const struct report *r, const struct json_t *driver, struct rep_tables *out);
void report_tables_free(struct rep_tables *tt);
/* The trace the single-trace figures use: the first 64-byte one, else 0. */
unsigned report_ref_trace(const struct report *r);
/* The lowest line rate of the grid (latency is shown there). */
unsigned report_latency_rate(const struct report *r);

/* Optional table from another tool's JSON (nicctl bench --json): whatever
 * its schema, scalars become a key/value list and arrays of objects tables. */
int report_write_md(const struct report *r, const char *path, const struct json_t *driver);
int report_write_html(const struct report *r, const char *path, const struct json_t *driver);
int report_write_json(const struct report *r, const char *path, const struct json_t *driver);

/* report_svg.c: charts as inline SVG.  Every drawn value is an element of
 * class "mark"; the svg element carries data-marks (their number). */
enum chart_kind { CHART_BARS, CHART_LINES, CHART_STACKED };
struct chart {
    const char *id, *title, *xlabel, *ylabel, *note;
    enum chart_kind kind;
    bool log_y;
    unsigned n_cats, n_series;
    const char *const *cats;
    const char *const *series;
    const double *values;          /* [series * n_cats + cat]; NaN: no value */
    unsigned n_markers;
    const double *marker_values;   /* horizontal reference lines */
    const char *const *marker_labels;
    const char *const *annotations; /* per category, above the bar group (may be NULL) */
    const char *unit;              /* in tooltips */
};
/* Returns the number of marks drawn. */
unsigned svg_chart(FILE *f, const struct chart *c);
const char *svg_color(unsigned i);
void html_escape(FILE *f, const char *s);

/* kbench.c: mean BPF_PROG_TEST_RUN time per packet over `samples` frames
 * spread evenly over a trace (0: every frame), each run `repeat` times.
 * status: REP_OK, REP_SKIP (bpf() refused) or REP_FAILED, with the reason
 * in note. */
struct kbench_result {
    enum rep_status status;
    char note[256];
    uint64_t packets, refused, verdicts[REP_VERDICTS];
    double ns_per_packet;
    char prog[REP_NAME];
};
void kbench_run(const char *object, const char *prog, const char *maps_in, const char *pcap,
                uint64_t limit, unsigned samples, unsigned repeat, struct kbench_result *res);

#endif
