/* sweep.json: the plan of a report (grid, traces, one command per point),
 * written when the sweep is planned and read back by the merge. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_hwconfig.h"
#include "report.h"

#define SWEEP_FORMAT "ebpfsim-sweep/1"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

int report_write_sweep(const struct report *r, const char *path, char *err, size_t errlen)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string(SWEEP_FORMAT));
    json_object_set_new(root, "ebpfsim", json_string(r->ebpfsim));
    json_object_set_new(root, "config", str_or_null(r->config));
    json_t *sets = json_array();
    for (unsigned i = 0; i < r->n_sets; i++)
        json_array_append_new(sets, json_string(r->sets[i]));
    json_object_set_new(root, "sets", sets);
    json_object_set_new(root, "limit", json_integer((json_int_t)r->limit));
    json_object_set_new(root, "kernel_repeat", json_integer(r->kernel_repeat));
    json_t *d = json_object();
    json_object_set_new(d, "clock_mhz", json_real(r->default_clock_mhz));
    json_object_set_new(d, "cores", json_integer(r->default_cores));
    json_object_set_new(d, "exit_gap", json_integer(r->exit_gap));
    json_object_set_new(d, "line_rate_gbps", json_real(r->line_rate_gbps));
    json_object_set_new(d, "pacing", json_string(r->line_rate_pacing ? "line_rate" : "capture"));
    json_object_set_new(root, "defaults", d);
    json_t *ref = json_object();
    json_object_set_new(ref, "cores", json_integer(r->ref_cores));
    json_object_set_new(ref, "clock_mhz", json_real(r->ref_clock));
    json_object_set_new(ref, "placement", json_string(ebpf_placement_names[r->ref_placement]));
    json_object_set_new(ref, "trace", json_integer(r->ref_trace));
    json_object_set_new(root, "reference", ref);
    json_t *progs = json_array();
    for (unsigned i = 0; i < r->n_progs; i++) {
        const struct rep_program *p = &r->progs[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(p->name));
        json_object_set_new(o, "object", json_string(p->object));
        json_object_set_new(o, "maps_in", str_or_null(p->maps_in));
        json_t *extra = json_array();
        for (unsigned k = 0; k < p->n_extra; k++)
            json_array_append_new(extra, json_string(p->extra[k]));
        json_object_set_new(o, "extra", extra);
        json_array_append_new(progs, o);
    }
    json_object_set_new(root, "programs", progs);
    json_t *traces = json_array();
    for (unsigned i = 0; i < r->n_traces; i++) {
        const struct rep_trace *t = &r->traces[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "path", json_string(t->path));
        json_object_set_new(o, "frames", json_integer((json_int_t)t->frames));
        json_object_set_new(o, "mean_frame_bytes", json_real(t->mean_frame));
        json_object_set_new(o, "min_frame_bytes", json_integer(t->min_frame));
        json_object_set_new(o, "max_frame_bytes", json_integer(t->max_frame));
        json_array_append_new(traces, o);
    }
    json_object_set_new(root, "traces", traces);
    json_t *a = json_array();
    for (unsigned i = 0; i < r->n_cores; i++)
        json_array_append_new(a, json_integer(r->cores[i]));
    json_object_set_new(root, "cores", a);
    a = json_array();
    for (unsigned i = 0; i < r->n_clocks; i++)
        json_array_append_new(a, json_real(r->clocks[i]));
    json_object_set_new(root, "clock_mhz", a);
    a = json_array();
    for (unsigned i = 0; i < r->n_placements; i++)
        json_array_append_new(a, json_string(ebpf_placement_names[r->placements[i]]));
    json_object_set_new(root, "placement", a);
    json_t *pts = json_array();
    for (unsigned i = 0; i < r->n_points; i++) {
        const struct rep_point *p = &r->points[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer(p->index));
        json_object_set_new(o, "program", json_integer(p->prog));
        json_object_set_new(o, "trace", json_integer(p->trace));
        json_object_set_new(o, "cores", json_integer(p->cores));
        json_object_set_new(o, "clock_mhz", json_real(p->clock_mhz));
        json_object_set_new(o, "placement", json_string(ebpf_placement_names[p->placement]));
        json_object_set_new(o, "command", json_string(p->command));
        json_array_append_new(pts, o);
    }
    json_object_set_new(root, "points", pts);
    json_t *ks = json_array();
    for (unsigned i = 0; i < r->n_kernel; i++) {
        const struct rep_kernel *k = &r->kernel[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer(k->index));
        json_object_set_new(o, "program", json_integer(k->prog));
        json_object_set_new(o, "trace", json_integer(k->trace));
        json_object_set_new(o, "command", json_string(k->command));
        json_array_append_new(ks, o);
    }
    json_object_set_new(root, "kernel", ks);
    int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -EIO;
    }
    return 0;
}

static char *dup_str(json_t *v) { return json_is_string(v) ? strdup(json_string_value(v)) : NULL; }

static const char *str_or(json_t *v, const char *fallback)
{
    const char *s = json_string_value(v);
    return s ? s : fallback;
}

static double num(json_t *v) { return json_is_number(v) ? json_number_value(v) : 0; }

static int placement_index(const char *s)
{
    for (int k = 0; s && k < EBPF_PLACE_COUNT; k++)
        if (!strcmp(s, ebpf_placement_names[k]))
            return k;
    return -1;
}

int report_read_sweep(struct report *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s: line %d: %s", path, jerr.line, jerr.text);
        return -EINVAL;
    }
    int rc = -EINVAL;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, SWEEP_FORMAT)) {
        snprintf(err, errlen, "%s: not a sweep plan (format %s expected)", path, SWEEP_FORMAT);
        goto out;
    }
    r->ebpfsim = dup_str(json_object_get(root, "ebpfsim"));
    r->config = dup_str(json_object_get(root, "config"));
    json_t *a = json_object_get(root, "sets"), *v;
    size_t i;
    r->n_sets = (unsigned)json_array_size(a);
    r->sets = calloc(r->n_sets + 1, sizeof(char *));
    json_array_foreach(a, i, v) r->sets[i] = dup_str(v);
    r->limit = (uint64_t)num(json_object_get(root, "limit"));
    r->kernel_repeat = (unsigned)num(json_object_get(root, "kernel_repeat"));
    json_t *d = json_object_get(root, "defaults");
    r->default_clock_mhz = num(json_object_get(d, "clock_mhz"));
    r->default_cores = (unsigned)num(json_object_get(d, "cores"));
    r->exit_gap = (unsigned)num(json_object_get(d, "exit_gap"));
    r->line_rate_gbps = num(json_object_get(d, "line_rate_gbps"));
    const char *pacing = json_string_value(json_object_get(d, "pacing"));
    r->line_rate_pacing = pacing && !strcmp(pacing, "line_rate");
    json_t *ref = json_object_get(root, "reference");
    r->ref_cores = (unsigned)num(json_object_get(ref, "cores"));
    r->ref_clock = num(json_object_get(ref, "clock_mhz"));
    int pl = placement_index(json_string_value(json_object_get(ref, "placement")));
    r->ref_placement = pl < 0 ? 0 : (unsigned)pl;
    r->ref_trace = (unsigned)num(json_object_get(ref, "trace"));

    a = json_object_get(root, "programs");
    r->n_progs = (unsigned)json_array_size(a);
    r->progs = calloc(r->n_progs + 1, sizeof(*r->progs));
    json_array_foreach(a, i, v) {
        struct rep_program *p = &r->progs[i];
        snprintf(p->name, sizeof(p->name), "%s", str_or(json_object_get(v, "name"), "?"));
        p->object = dup_str(json_object_get(v, "object"));
        p->maps_in = dup_str(json_object_get(v, "maps_in"));
        json_t *extra = json_object_get(v, "extra"), *x;
        size_t k;
        p->n_extra = (unsigned)json_array_size(extra);
        p->extra = calloc(p->n_extra + 1, sizeof(char *));
        json_array_foreach(extra, k, x) p->extra[k] = dup_str(x);
    }
    a = json_object_get(root, "traces");
    r->n_traces = (unsigned)json_array_size(a);
    r->traces = calloc(r->n_traces + 1, sizeof(*r->traces));
    json_array_foreach(a, i, v) {
        struct rep_trace *t = &r->traces[i];
        snprintf(t->name, sizeof(t->name), "%s", str_or(json_object_get(v, "name"), "?"));
        t->path = dup_str(json_object_get(v, "path"));
        t->frames = (uint64_t)num(json_object_get(v, "frames"));
        t->mean_frame = num(json_object_get(v, "mean_frame_bytes"));
        t->min_frame = (uint32_t)num(json_object_get(v, "min_frame_bytes"));
        t->max_frame = (uint32_t)num(json_object_get(v, "max_frame_bytes"));
    }
    a = json_object_get(root, "cores");
    r->n_cores = (unsigned)json_array_size(a);
    r->cores = calloc(r->n_cores + 1, sizeof(unsigned));
    json_array_foreach(a, i, v) r->cores[i] = (unsigned)num(v);
    a = json_object_get(root, "clock_mhz");
    r->n_clocks = (unsigned)json_array_size(a);
    r->clocks = calloc(r->n_clocks + 1, sizeof(double));
    json_array_foreach(a, i, v) r->clocks[i] = num(v);
    a = json_object_get(root, "placement");
    r->n_placements = (unsigned)json_array_size(a);
    r->placements = calloc(r->n_placements + 1, sizeof(unsigned));
    json_array_foreach(a, i, v) {
        pl = placement_index(json_string_value(v));
        r->placements[i] = pl < 0 ? 0 : (unsigned)pl;
    }
    a = json_object_get(root, "points");
    r->n_points = (unsigned)json_array_size(a);
    r->points = calloc(r->n_points + 1, sizeof(*r->points));
    json_array_foreach(a, i, v) {
        struct rep_point *p = &r->points[i];
        p->index = (unsigned)num(json_object_get(v, "index"));
        p->prog = (unsigned)num(json_object_get(v, "program"));
        p->trace = (unsigned)num(json_object_get(v, "trace"));
        p->cores = (unsigned)num(json_object_get(v, "cores"));
        p->clock_mhz = num(json_object_get(v, "clock_mhz"));
        pl = placement_index(json_string_value(json_object_get(v, "placement")));
        p->placement = pl < 0 ? 0 : (unsigned)pl;
        p->command = dup_str(json_object_get(v, "command"));
        if (p->prog >= r->n_progs || p->trace >= r->n_traces) {
            snprintf(err, errlen, "%s: point %zu names no program or trace of the plan", path, i);
            goto out;
        }
    }
    a = json_object_get(root, "kernel");
    r->n_kernel = (unsigned)json_array_size(a);
    r->kernel = calloc(r->n_kernel + 1, sizeof(*r->kernel));
    json_array_foreach(a, i, v) {
        struct rep_kernel *k = &r->kernel[i];
        k->index = (unsigned)num(json_object_get(v, "index"));
        k->prog = (unsigned)num(json_object_get(v, "program"));
        k->trace = (unsigned)num(json_object_get(v, "trace"));
        k->command = dup_str(json_object_get(v, "command"));
        if (k->prog >= r->n_progs || k->trace >= r->n_traces) {
            snprintf(err, errlen, "%s: kernel job %zu names no program or trace of the plan", path, i);
            goto out;
        }
    }
    if (!r->n_progs || !r->n_traces || !r->n_points || r->ref_trace >= r->n_traces) {
        snprintf(err, errlen, "%s: the plan holds no points", path);
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static void free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

void report_free(struct report *r)
{
    free(r->out_dir);
    free(r->ebpfsim);
    free(r->config);
    for (unsigned i = 0; i < r->n_sets; i++)
        free(r->sets[i]);
    free(r->sets);
    for (unsigned i = 0; i < r->n_progs; i++) {
        free(r->progs[i].object);
        free(r->progs[i].maps_in);
        for (unsigned k = 0; k < r->progs[i].n_extra; k++)
            free(r->progs[i].extra[k]);
        free(r->progs[i].extra);
    }
    free(r->progs);
    for (unsigned i = 0; i < r->n_traces; i++)
        free(r->traces[i].path);
    free(r->traces);
    free(r->cores);
    free(r->clocks);
    free(r->placements);
    for (unsigned i = 0; i < r->n_points; i++) {
        free(r->points[i].command);
        free_argv(r->points[i].argv);
    }
    free(r->points);
    for (unsigned i = 0; i < r->n_kernel; i++) {
        free(r->kernel[i].command);
        free_argv(r->kernel[i].argv);
    }
    free(r->kernel);
    memset(r, 0, sizeof(*r));
}
