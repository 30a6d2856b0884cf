/* report.html: one self-contained page (inline CSS, inline SVG charts, no
 * external resource) with the tables of report.md and charts of the same
 * figures.  A short inline script at the end records, for each chart, its
 * rendered size and how many marks have a non-empty box (the test opens
 * the page in a headless browser and reads that record). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char css[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1100px;color:#222;line-height:1.4}"
    "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1.05em;margin-bottom:.3em}"
    "table{border-collapse:collapse;margin:.4em 0;font-size:.85em}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "td.n{text-align:right}th{background:#f2f2f2}"
    "p.note,figcaption{font-size:.85em;color:#555;max-width:60em}"
    "figure{margin:.8em 0}svg.chart{max-width:100%;height:auto;border:1px solid #eee}"
    "nav a{margin-right:1em}code,pre{background:#f6f6f6}pre{padding:.5em;overflow-x:auto;font-size:.8em}";

static void html_table(FILE *f, const struct rep_table *t)
{
    if (strcmp(t->title, rep_section_titles[t->section])) {
        fprintf(f, "<h3>");
        html_escape(f, t->title);
        fprintf(f, "</h3>\n");
    }
    fprintf(f, "<table>\n");
    for (unsigned i = 0; i < t->n; i++) {
        unsigned col = i % t->cols;
        bool head = i < t->cols;
        if (!col)
            fputs("<tr>", f);
        /* figures right-aligned, words left */
        const char *c = t->cell[i];
        bool number = (c[0] >= '0' && c[0] <= '9') || (c[0] == '>' && c[1] == ' ') ||
                      (c[0] == '-' && (!c[1] || (c[1] >= '0' && c[1] <= '9')));
        fputs(head ? "<th>" : number && col ? "<td class=\"n\">" : "<td>", f);
        html_escape(f, t->cell[i]);
        fputs(head ? "</th>" : "</td>", f);
        if (col == t->cols - 1)
            fputs("</tr>\n", f);
    }
    if (t->n % t->cols)
        fputs("</tr>\n", f);
    fprintf(f, "</table>\n");
    if (t->note) {
        fprintf(f, "<p class=\"note\">");
        html_escape(f, t->note);
        fprintf(f, "</p>\n");
    }
}

/* ------------------------------------------------------------ charts */

struct chart_data {
    const char **cats, **series;
    char **owned;        /* strings to free */
    unsigned n_owned;
    double *values;
    double markers[8];
    const char *marker_labels[8];
    char marker_text[8][48];
    unsigned n_markers;
};

static const char *own(struct chart_data *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *own(struct chart_data *d, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return "";
    d->owned = realloc(d->owned, (d->n_owned + 1) * sizeof(char *));
    d->owned[d->n_owned++] = s;
    return s;
}

static void data_alloc(struct chart_data *d, unsigned n_cats, unsigned n_series)
{
    memset(d, 0, sizeof(*d));
    d->cats = calloc(n_cats + 1, sizeof(char *));
    d->series = calloc(n_series + 1, sizeof(char *));
    d->values = malloc((n_cats * n_series + 1) * sizeof(double));
    for (unsigned i = 0; i < n_cats * n_series; i++)
        d->values[i] = NAN;
}

static void data_free(struct chart_data *d)
{
    for (unsigned i = 0; i < d->n_owned; i++)
        free(d->owned[i]);
    free(d->owned);
    free(d->cats);
    free(d->series);
    free(d->values);
}

static void line_rate_markers(const struct report *r, unsigned tr, struct chart_data *d)
{
    for (unsigned i = 0; i < r->dim[DIM_RATE].n && d->n_markers < 8; i++) {
        double g = r->dim[DIM_RATE].v[i];
        d->markers[d->n_markers] = report_line_rate_mpps(&r->traces[tr], g);
        snprintf(d->marker_text[d->n_markers], sizeof(d->marker_text[0]), "%gG: %.2f Mpps", g,
                 d->markers[d->n_markers]);
        d->marker_labels[d->n_markers] = d->marker_text[d->n_markers];
        d->n_markers++;
    }
}

static double mpps_of(const struct rep_point *p) { return p && p->status == REP_OK ? p->res.mpps : NAN; }

/* Mpps of every program at every value of dimension dim (the others at
 * the reference), labelled value_fmt (a %s for the value): the programs as
 * categories and the values as series of bars, or the values as
 * categories and the programs as lines. */
static void mpps_chart(struct chart_data *d, struct chart *c, const struct report *r, unsigned tr,
                       enum rep_dim dim, bool bars, const char *value_fmt)
{
    unsigned P = r->n_progs, n = r->dim[dim].n;
    data_alloc(d, bars ? P : n, bars ? n : P);
    for (unsigned i = 0; i < n; i++) {
        char v[32];
        report_dim_value(r, dim, i, v, sizeof(v));
        const char *label = own(d, value_fmt, v);
        if (bars)
            d->series[i] = label;
        else
            d->cats[i] = label;
    }
    for (unsigned p = 0; p < P; p++) {
        if (bars)
            d->cats[p] = r->progs[p].name;
        else
            d->series[p] = r->progs[p].name;
        for (unsigned i = 0; i < n; i++)
            d->values[bars ? i * P + p : p * n + i] = mpps_of(report_slice(r, p, tr, dim, i));
    }
    c->kind = bars ? CHART_BARS : CHART_LINES;
    c->log_y = true;
    c->ylabel = "Mpps processed";
    c->unit = "Mpps";
    c->n_cats = bars ? P : n;
    c->n_series = bars ? n : P;
}

static void draw(FILE *f, struct chart *c, struct chart_data *d)
{
    c->cats = d->cats;
    c->series = d->series;
    c->values = d->values;
    c->n_markers = d->n_markers;
    c->marker_values = d->markers;
    c->marker_labels = d->marker_labels;
    svg_chart(f, c);
    data_free(d);
}

static void charts(FILE *f, const struct report *r, enum rep_section sec, int tr_i)
{
    struct chart_data d;
    char id[64], title[256], note[512];
    unsigned P = r->n_progs;
    unsigned tr = tr_i < 0 ? 0 : (unsigned)tr_i;
    const char *tname = r->traces[tr].name;
    struct chart c = {.id = id, .title = title, .note = note};
    note[0] = 0;
    c.note = NULL;
    switch (sec) {
    case SEC_THROUGHPUT:
        mpps_chart(&d, &c, r, tr, DIM_RATE, true, "offered at %sG");
        line_rate_markers(r, tr, &d);
        snprintf(id, sizeof(id), "chart-throughput-%u", tr);
        snprintf(title, sizeof(title), "Mpps per program against line rate: %s", tname);
        c.xlabel = "program";
        draw(f, &c, &d);
        break;
    case SEC_SCALING:
        mpps_chart(&d, &c, r, tr, DIM_CORES, false, "%s");
        line_rate_markers(r, tr, &d);
        snprintf(id, sizeof(id), "chart-scaling-%u", tr);
        snprintf(title, sizeof(title), "Scaling with the number of cores: %s", tname);
        c.xlabel = "cores";
        draw(f, &c, &d);
        break;
    case SEC_CLOCK:
        mpps_chart(&d, &c, r, tr, DIM_CLOCK, false, "%s MHz");
        snprintf(id, sizeof(id), "chart-clock-%u", tr);
        snprintf(title, sizeof(title), "Core clock: %s", tname);
        c.xlabel = "core clock";
        draw(f, &c, &d);
        break;
    case SEC_PLACEMENT:
        mpps_chart(&d, &c, r, tr, DIM_PLACEMENT, true, "maps in %s");
        snprintf(id, sizeof(id), "chart-placement-%u", tr);
        snprintf(title, sizeof(title), "Map placement: %s", tname);
        c.xlabel = "program";
        draw(f, &c, &d);
        break;
    case SEC_LATENCY: {
        static const char *const pct[REP_LAT] = {"p50", "p90", "p99", "p99.9", "max"};
        unsigned lr = report_latency_rate(r);
        data_alloc(&d, REP_LAT, P);
        for (int k = 0; k < REP_LAT; k++)
            d.cats[k] = pct[k];
        for (unsigned p = 0; p < P; p++) {
            d.series[p] = r->progs[p].name;
            const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, lr);
            for (int k = 0; pt && pt->status == REP_OK && k < REP_LAT; k++)
                d.values[p * REP_LAT + (unsigned)k] = pt->res.lat[k];
        }
        snprintf(id, sizeof(id), "chart-latency-%u", tr);
        snprintf(title, sizeof(title), "Latency, ingress to verdict: %s at %gG", tname, r->dim[DIM_RATE].v[lr]);
        c.kind = CHART_LINES;
        c.log_y = true;
        c.xlabel = "percentile";
        c.ylabel = "ns";
        c.unit = "ns";
        c.n_cats = REP_LAT;
        c.n_series = P;
        draw(f, &c, &d);
        break;
    }
    case SEC_STALLS: {
        data_alloc(&d, P, 1 + REP_STALLS);
        const char **ann = calloc(P + 1, sizeof(char *));
        d.series[0] = "issue (instructions)";
        for (int k = 0; k < REP_STALLS; k++)
            d.series[1 + k] = rep_stall_names[k];
        for (unsigned p = 0; p < P; p++) {
            d.cats[p] = r->progs[p].name;
            const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
            if (!pt || pt->status != REP_OK || !pt->res.processed)
                continue;
            double n = (double)pt->res.processed, stalls = 0;
            for (int k = 0; k < REP_STALLS; k++) {
                d.values[(1 + (unsigned)k) * P + p] = (double)pt->res.stall[k] / n;
                stalls += (double)pt->res.stall[k];
            }
            d.values[p] = ((double)pt->res.issue_cycles - stalls) / n;
            ann[p] = own(&d, "%.2f", pt->res.ipc);
        }
        snprintf(id, sizeof(id), "chart-stalls-%u", tr);
        snprintf(title, sizeof(title), "Issue cycles per packet by cause: %s", tname);
        c.kind = CHART_STACKED;
        c.xlabel = "program";
        c.ylabel = "cycles per packet";
        c.unit = "cycles";
        c.n_cats = P;
        c.n_series = 1 + REP_STALLS;
        c.annotations = ann;
        snprintf(note, sizeof(note), "Above each bar: its IPC (instructions per issue cycle).");
        c.note = note;
        draw(f, &c, &d);
        free(ann);
        break;
    }
    case SEC_KERNEL: {
        data_alloc(&d, P, 2);
        char clock[32];
        report_dim_value(r, DIM_CLOCK, r->dim[DIM_CLOCK].ref, clock, sizeof(clock));
        d.series[0] = own(&d, "model core, %g MHz", r->dim[DIM_CLOCK].v[r->dim[DIM_CLOCK].ref]);
        d.series[1] = "kernel, host CPU";
        bool any_kernel = false;
        const char *why = NULL;
        for (unsigned p = 0; p < P; p++) {
            d.cats[p] = r->progs[p].name;
            const struct rep_point *pt = report_slice(r, p, tr, DIM_RATE, r->dim[DIM_RATE].ref);
            if (pt && pt->status == REP_OK && pt->res.processed)
                d.values[p] = report_core_ns_per_packet(r, pt);
            const struct rep_kernel *k = report_kernel(r, p, tr);
            if (k && k->status == REP_OK) {
                d.values[P + p] = k->ns_per_packet;
                any_kernel = true;
            } else if (k && k->status == REP_SKIP && !why) {
                why = k->note;
            }
        }
        if (!any_kernel) {
            snprintf(note, sizeof(note), "No kernel figures: %s.",
                     why ? why : r->n_kernel ? "the kernel jobs failed or did not run" : "not measured (--kernel-repeat 0)");
            c.note = note;
        }
        snprintf(id, sizeof(id), "chart-kernel-%u", tr);
        snprintf(title, sizeof(title), "Time per packet, model core and kernel: %s", tname);
        c.kind = CHART_BARS;
        c.log_y = true;
        c.xlabel = "program";
        c.ylabel = "ns per packet";
        c.unit = "ns";
        c.n_cats = P;
        c.n_series = 2;
        draw(f, &c, &d);
        break;
    }
    default: break;
    }
}

static const char check_script[] =
    "<script>\n"
    "/* Render check: for each chart, its rendered size and the number of marks\n"
    "   (bars, points) with a non-empty box, written to #render-check as JSON. */\n"
    "(function () {\n"
    "  var out = [];\n"
    "  var charts = document.querySelectorAll('svg.chart');\n"
    "  for (var i = 0; i < charts.length; i++) {\n"
    "    var s = charts[i], b = s.getBoundingClientRect(), marks = s.querySelectorAll('.mark'), drawn = 0;\n"
    "    for (var k = 0; k < marks.length; k++) {\n"
    "      var m = marks[k].getBBox();\n"
    "      if (m.width > 0 && m.height > 0) drawn++;\n"
    "    }\n"
    "    out.push({id: s.id, width: b.width, height: b.height,\n"
    "              marks: parseInt(s.getAttribute('data-marks'), 10), drawn: drawn});\n"
    "  }\n"
    "  document.getElementById('render-check').textContent = JSON.stringify(out);\n"
    "})();\n"
    "</script>\n";

int report_write_html(const struct report *r, const char *path, const struct json_t *driver)
{
    struct rep_tables tt;
    report_tables(r, driver, &tt);
    FILE *f = fopen(path, "w");
    if (!f) {
        report_tables_free(&tt);
        return -errno;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<title>ebpfsim throughput report</title>\n<style>%s</style>\n</head>\n<body>\n"
               "<h1>Throughput report</h1>\n<p>Merged by <code>ebpfsim report merge</code> from the %u "
               "points of the sweep in <code>",
            css, r->n_points);
    html_escape(f, r->dir);
    fprintf(f, "</code>. Every figure is a point's own <code>ebpfsim nic --json</code> output, a "
               "cosim job's <code>cosim.json</code> or a kernel job's <code>kbench.json</code>; the same figures are in report.json and "
               "report.md.</p>\n<nav>");
    bool present[SEC_COUNT] = {0};
    for (unsigned i = 0; i < tt.n; i++)
        present[tt.t[i].section] = true;
    for (int s = 0; s < SEC_COUNT; s++)
        if (present[s])
            fprintf(f, "<a href=\"#%s\">%s</a> ", rep_section_ids[s], rep_section_titles[s]);
    fprintf(f, "</nav>\n");
    int sec = -1;
    for (unsigned i = 0; i < tt.n; i++) {
        const struct rep_table *t = &tt.t[i];
        if ((int)t->section != sec) {
            sec = (int)t->section;
            fprintf(f, "<h2 id=\"%s\">%s</h2>\n", rep_section_ids[sec], rep_section_titles[sec]);
        }
        /* the chart first, its table below */
        if (t->trace >= 0)
            charts(f, r, t->section, t->trace);
        html_table(f, t);
    }
    fprintf(f, "<h2 id=\"reproduce\">Reproducing</h2>\n<pre>ebpfsim report run ");
    html_escape(f, r->dir);
    fprintf(f, " -j 2\nebpfsim report merge ");
    html_escape(f, r->dir);
    fprintf(f, "</pre>\n<p>Point N is line N of <code>jobs.txt</code>, a complete shell command writing "
               "<code>points/NNNN/</code>. The first one:</p>\n<pre>");
    html_escape(f, r->n_points ? r->points[0].command : "");
    fprintf(f, "</pre>\n<pre id=\"render-check\" hidden></pre>\n%s</body>\n</html>\n", check_script);
    report_tables_free(&tt);
    return fclose(f) ? -errno : 0;
}
