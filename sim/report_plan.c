/* Planning a sweep: the grid's points, one self-contained command line per
 * point (and per cosim and kernel job), and the files that carry them
 * (sweep.json, jobs.txt, kernel-jobs.txt, jobs.mk, slurm.sh).  sweep.json is read back by the
 * merge. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ebpf_timing.h"
#include "pcapio.h"
#include "jsonfile.h"
#include "report.h"

#define SWEEP_FORMAT "ebpfsim-sweep/1"

const char *const rep_stall_names[REP_STALLS] = {"load_use", "branch", "multicycle",
                                                 "memory",   "helper", "pkt_wait"};
const char *const rep_verdict_names[REP_VERDICTS] = {"aborted", "drop", "pass", "tx", "redirect"};
const char *const rep_drop_names[REP_DROPS] = {"rx_overflow", "tx_overflow", "host_ring"};
const char *const rep_lat_names[REP_LAT] = {"p50", "p90", "p99", "p999", "max"};
const char *const rep_status_names[4] = {"missing", "ok", "failed", "skipped"};

static const struct {
    const char *name, *key;
} dim_info[DIM_COUNT] = {
    [DIM_RATE] = {"rates", "nic.line_rate_gbps"},
    [DIM_CORES] = {"cores", "core.cores"},
    [DIM_CLOCK] = {"clock", "core.clock_mhz"},
    [DIM_PLACEMENT] = {"placement", "memory.placement"},
};

void report_dim_value(const struct report *r, enum rep_dim d, unsigned i, char *buf, size_t len)
{
    double v = r->dim[d].v[i];
    if (d == DIM_PLACEMENT)
        snprintf(buf, len, "%s", v >= 0 && v < EBPF_PLACE_COUNT ? ebpf_placement_names[(int)v] : "?");
    else
        snprintf(buf, len, "%g", v);
}

int report_scan_trace(struct rep_trace *t, uint64_t limit, char *err, size_t errlen)
{
    struct pcap_in in;
    if (pcap_in_open(&in, t->path, err, errlen) < 0)
        return -EINVAL;
    struct pkt_in pkt;
    int rc;
    double sum = 0;
    t->frames = 0;
    t->min_frame = UINT32_MAX;
    t->max_frame = 0;
    while ((!limit || t->frames < limit) && (rc = pcap_in_next(&in, &pkt, err, errlen)) == 1) {
        /* as the MAC sees it: padded to 60 bytes, plus the FCS */
        uint32_t wire = (pkt.wirelen < 60 ? 60 : pkt.wirelen) + 4;
        sum += wire;
        t->min_frame = wire < t->min_frame ? wire : t->min_frame;
        t->max_frame = wire > t->max_frame ? wire : t->max_frame;
        t->frames++;
    }
    pcap_in_close(&in);
    if (rc < 0)
        return -EINVAL;
    if (!t->frames) {
        snprintf(err, errlen, "%s: the trace holds no packets", t->path);
        return -EINVAL;
    }
    t->mean_frame = sum / (double)t->frames;
    return 0;
}

/* ------------------------------------------------------------ commands */

static bool shell_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:,+-@%", *s))
            return false;
    return true;
}

static void sh_word(FILE *f, const char *s)
{
    fputc(' ', f);
    if (shell_safe(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* "mkdir -p D && COMMAND OPT D/F 2>D/stderr.txt; s=$?; echo $s >D/exit; test $s = 0" */
static void job_tail(FILE *f, const char *dir, const char *opt, const char *json)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, json);
    fputc(' ', f);
    fputs(opt, f);
    sh_word(f, path);
    snprintf(path, sizeof(path), "%s/stderr.txt", dir);
    fputs(" 2>", f);
    sh_word(f, path);
    fputs("; s=$?; echo $s >", f);
    snprintf(path, sizeof(path), "%s/exit", dir);
    sh_word(f, path);
    fputs("; test $s = 0", f);
}

static void job_head(FILE *f, const struct report *r, const char *dir, const char *what,
                     const struct rep_program *p, const struct rep_trace *t)
{
    fputs("mkdir -p", f);
    sh_word(f, dir);
    fputs(" &&", f);
    sh_word(f, r->ebpfsim);
    fputs(what, f);
    sh_word(f, p->object);
    fputs(" --pcap", f);
    sh_word(f, t->path);
    if (p->maps_in) {
        fputs(" --maps-in", f);
        sh_word(f, p->maps_in);
    }
    for (unsigned k = 0; k < p->n_extra; k++)
        sh_word(f, p->extra[k]);
    if (r->limit)
        fprintf(f, " --limit %llu", (unsigned long long)r->limit);
}

/* --config, the --set list, then dimension d at value index i for each
 * dimension in dims (-1: not set). */
static void config_args(FILE *f, const struct report *r, const int d_index[DIM_COUNT])
{
    if (r->config) {
        fputs(" --config", f);
        sh_word(f, r->config);
    }
    for (unsigned i = 0; i < r->n_sets; i++) {
        fputs(" --set", f);
        sh_word(f, r->sets[i]);
    }
    for (int d = 0; d < DIM_COUNT; d++) {
        if (d_index[d] < 0)
            continue;
        char val[64], set[160];
        report_dim_value(r, (enum rep_dim)d, (unsigned)d_index[d], val, sizeof(val));
        snprintf(set, sizeof(set), "%s=%s", r->dim[d].key, val);
        fputs(" --set", f);
        sh_word(f, set);
    }
}

/* A job's command line into *buf, up to its own options: its folder
 * DIR/sub/NNNN (into dir), then job_head. */
static FILE *job_open(char **buf, size_t *len, char dir[4096], const struct report *r, const char *sub,
                      unsigned index, const char *what, unsigned prog, unsigned trace)
{
    snprintf(dir, 4096, "%s/%s/%04u", r->dir, sub, index);
    *buf = NULL;
    FILE *f = open_memstream(buf, len);
    if (f)
        job_head(f, r, dir, what, &r->progs[prog], &r->traces[trace]);
    return f;
}

static char *point_command(const struct report *r, const struct rep_point *pt)
{
    char dir[4096], *buf;
    size_t len;
    FILE *f = job_open(&buf, &len, dir, r, "points", pt->index, " nic", pt->prog, pt->trace);
    if (!f)
        return NULL;
    int d[DIM_COUNT];
    for (int k = 0; k < DIM_COUNT; k++)
        d[k] = (int)pt->d[k];
    config_args(f, r, d);
    fputs(" --quiet", f);
    job_tail(f, dir, "--json", "nic.json");
    fclose(f);
    return buf;
}

/* The RTL and the model in lockstep over the trace, with the reference
 * map placement (the core's cycle rules are the RTL's own; the clock, the
 * cores and the line rate do not change a packet's cycles). */
static char *cosim_command(const struct report *r, const struct rep_cosim *c)
{
    char dir[4096], path[4200], *buf;
    size_t len;
    FILE *f = job_open(&buf, &len, dir, r, "cosim", c->index, " run", c->prog, c->trace);
    if (!f)
        return NULL;
    int d[DIM_COUNT] = {-1, -1, -1, (int)r->dim[DIM_PLACEMENT].ref};
    config_args(f, r, d);
    fputs(" --engine cosim --quiet >", f);
    snprintf(path, sizeof(path), "%s/stdout.txt", dir);
    sh_word(f, path);
    job_tail(f, dir, "--cosim-json", "cosim.json");
    fclose(f);
    return buf;
}

static char *kernel_command(const struct report *r, const struct rep_kernel *k)
{
    char dir[4096], *buf;
    size_t len;
    FILE *f = job_open(&buf, &len, dir, r, "kernel", k->index, " report kbench", k->prog, k->trace);
    if (!f)
        return NULL;
    fprintf(f, " --packets %u --repeat %u", r->kernel_packets, r->kernel_repeat);
    job_tail(f, dir, "--json", "kbench.json");
    fclose(f);
    return buf;
}

/* A combination of value indices is a point when every dimension that is
 * not crossed sits at its reference, or exactly one of them varies while
 * everything else (the crossed dimensions too) sits at the reference. */
static bool in_grid(const struct report *r, const unsigned d[DIM_COUNT])
{
    unsigned off_uncrossed = 0, off_crossed = 0;
    for (int k = 0; k < DIM_COUNT; k++) {
        if (d[k] == r->dim[k].ref)
            continue;
        if (r->dim[k].crossed)
            off_crossed++;
        else
            off_uncrossed++;
    }
    return off_uncrossed == 0 || (off_uncrossed == 1 && off_crossed == 0);
}

int report_plan_points(struct report *r, char *err, size_t errlen)
{
    for (int k = 0; k < DIM_COUNT; k++) {
        r->dim[k].name = dim_info[k].name;
        r->dim[k].key = dim_info[k].key;
    }
    unsigned combos = 1;
    for (int k = 0; k < DIM_COUNT; k++)
        combos *= r->dim[k].n;
    unsigned cap = r->n_progs * r->n_traces * combos;
    r->points = calloc(cap + 1, sizeof(*r->points));
    r->kernel = calloc(r->n_progs * r->n_traces + 1, sizeof(*r->kernel));
    r->cosim = calloc(r->n_progs * r->n_traces + 1, sizeof(*r->cosim));
    if (!r->points || !r->kernel || !r->cosim) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    r->n_points = r->n_kernel = r->n_cosim = 0;
    for (unsigned p = 0; p < r->n_progs; p++)
        for (unsigned t = 0; t < r->n_traces; t++) {
            for (unsigned c = 0; c < combos; c++) {
                unsigned d[DIM_COUNT], rest = c;
                for (int k = DIM_COUNT - 1; k >= 0; k--) {
                    d[k] = rest % r->dim[k].n;
                    rest /= r->dim[k].n;
                }
                if (!in_grid(r, d))
                    continue;
                struct rep_point *pt = &r->points[r->n_points++];
                pt->index = r->n_points;
                pt->prog = p;
                pt->trace = t;
                memcpy(pt->d, d, sizeof(d));
                if (!(pt->command = point_command(r, pt))) {
                    snprintf(err, errlen, "out of memory");
                    return -ENOMEM;
                }
            }
            if (r->rtl_check) {
                struct rep_cosim *cj = &r->cosim[r->n_cosim++];
                cj->index = r->n_cosim;
                cj->prog = p;
                cj->trace = t;
                if (!(cj->command = cosim_command(r, cj))) {
                    snprintf(err, errlen, "out of memory");
                    return -ENOMEM;
                }
            }
            if (r->kernel_repeat) {
                struct rep_kernel *k = &r->kernel[r->n_kernel++];
                k->index = r->n_kernel;
                k->prog = p;
                k->trace = t;
                k->repeat = r->kernel_repeat;
                if (!(k->command = kernel_command(r, k))) {
                    snprintf(err, errlen, "out of memory");
                    return -ENOMEM;
                }
            }
        }
    return 0;
}

/* ------------------------------------------------------------ files */

/* Remove what earlier runs left in DIR/sub/NNNN (only the files the jobs
 * write), so that a new plan never merges old results. */
static void clear_results(const char *dir, const char *sub)
{
    static const char *const ours[] = {"nic.json", "kbench.json", "cosim.json", "stdout.txt",
                                       "stderr.txt", "exit"};
    char path[4352];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p2[4608];
        for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
            snprintf(p2, sizeof(p2), "%s/%s/%s", path, e->d_name, ours[i]);
            unlink(p2);
        }
        snprintf(p2, sizeof(p2), "%s/%s", path, e->d_name);
        rmdir(p2);
    }
    closedir(d);
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *report_config_json(const struct report *r)
{
    json_t *c = json_object();
    json_object_set_new(c, "clock_mhz", json_real(r->cfg_clock_mhz));
    json_object_set_new(c, "cores", json_integer(r->cfg_cores));
    json_object_set_new(c, "line_rate_gbps", json_real(r->cfg_rate_gbps));
    json_object_set_new(c, "placement", json_string(ebpf_placement_names[r->cfg_placement]));
    json_object_set_new(c, "exit_gap", json_integer(r->exit_gap));
    json_object_set_new(c, "pacing", json_string(r->pacing));
    return c;
}

json_t *report_sets_json(const struct report *r)
{
    json_t *sets = json_array();
    for (unsigned i = 0; i < r->n_sets; i++)
        json_array_append_new(sets, json_string(r->sets[i]));
    return sets;
}

json_t *report_dim_values_json(const struct report *r, enum rep_dim d)
{
    json_t *v = json_array();
    for (unsigned i = 0; i < r->dim[d].n; i++) {
        char buf[64];
        report_dim_value(r, d, i, buf, sizeof(buf));
        json_array_append_new(v, d == DIM_PLACEMENT ? json_string(buf) : json_real(r->dim[d].v[i]));
    }
    return v;
}

json_t *report_trace_json(const struct rep_trace *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "path", json_string(t->path));
    json_object_set_new(o, "frames", json_integer((json_int_t)t->frames));
    json_object_set_new(o, "mean_frame_bytes", json_real(t->mean_frame));
    json_object_set_new(o, "min_frame_bytes", json_integer(t->min_frame));
    json_object_set_new(o, "max_frame_bytes", json_integer(t->max_frame));
    return o;
}

json_t *report_program_json(const struct rep_program *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "object", json_string(p->object));
    json_object_set_new(o, "maps_in", str_or_null(p->maps_in));
    return o;
}

/* A kernel or cosim job in sweep.json. */
static json_t *job_json(unsigned index, unsigned prog, unsigned trace, const char *command)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(index));
    json_object_set_new(o, "program", json_integer(prog));
    json_object_set_new(o, "trace", json_integer(trace));
    json_object_set_new(o, "command", json_string(command));
    return o;
}

static int write_sweep_json(const struct report *r, const char *path, char *err, size_t errlen)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string(SWEEP_FORMAT));
    json_object_set_new(root, "ebpfsim", json_string(r->ebpfsim));
    json_object_set_new(root, "config", str_or_null(r->config));
    json_object_set_new(root, "sets", report_sets_json(r));
    json_object_set_new(root, "limit", json_integer((json_int_t)r->limit));
    json_object_set_new(root, "kernel_repeat", json_integer(r->kernel_repeat));
    json_object_set_new(root, "kernel_packets", json_integer(r->kernel_packets));
    json_object_set_new(root, "configuration", report_config_json(r));
    json_t *dims = json_array();
    for (int k = 0; k < DIM_COUNT; k++) {
        const struct rep_dimension *d = &r->dim[k];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(d->name));
        json_object_set_new(o, "key", json_string(d->key));
        json_object_set_new(o, "values", report_dim_values_json(r, (enum rep_dim)k));
        json_object_set_new(o, "reference", json_integer(d->ref));
        json_object_set_new(o, "crossed", json_boolean(d->crossed));
        json_array_append_new(dims, o);
    }
    json_object_set_new(root, "dimensions", dims);
    json_t *progs = json_array();
    for (unsigned i = 0; i < r->n_progs; i++) {
        const struct rep_program *p = &r->progs[i];
        json_t *o = report_program_json(p), *extra = json_array();
        for (unsigned k = 0; k < p->n_extra; k++)
            json_array_append_new(extra, json_string(p->extra[k]));
        json_object_set_new(o, "extra", extra);
        json_array_append_new(progs, o);
    }
    json_object_set_new(root, "programs", progs);
    json_t *traces = json_array();
    for (unsigned i = 0; i < r->n_traces; i++)
        json_array_append_new(traces, report_trace_json(&r->traces[i]));
    json_object_set_new(root, "traces", traces);
    json_t *pts = json_array();
    for (unsigned i = 0; i < r->n_points; i++) {
        const struct rep_point *p = &r->points[i];
        json_t *o = json_object(), *d = json_array();
        json_object_set_new(o, "index", json_integer(p->index));
        json_object_set_new(o, "program", json_integer(p->prog));
        json_object_set_new(o, "trace", json_integer(p->trace));
        for (int k = 0; k < DIM_COUNT; k++)
            json_array_append_new(d, json_integer(p->d[k]));
        json_object_set_new(o, "d", d);
        json_object_set_new(o, "command", json_string(p->command));
        json_array_append_new(pts, o);
    }
    json_object_set_new(root, "points", pts);
    json_t *ks = json_array();
    for (unsigned i = 0; i < r->n_kernel; i++) {
        const struct rep_kernel *k = &r->kernel[i];
        json_array_append_new(ks, job_json(k->index, k->prog, k->trace, k->command));
    }
    json_object_set_new(root, "kernel", ks);
    json_object_set_new(root, "rtl_check", json_boolean(r->rtl_check));
    json_object_set_new(root, "rtl_check_note", json_string(r->rtl_check_note));
    json_t *cs = json_array();
    for (unsigned i = 0; i < r->n_cosim; i++) {
        const struct rep_cosim *c = &r->cosim[i];
        json_array_append_new(cs, job_json(c->index, c->prog, c->trace, c->command));
    }
    json_object_set_new(root, "cosim", cs);
    int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -EIO;
    }
    return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t plen, char *err,
                      size_t errlen)
{
    snprintf(path, plen, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, char *err, size_t errlen)
{
    if (fclose(f)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -EIO;
    }
    return 0;
}

/* A make target name: make cannot take spaces or colons in one. */
static bool make_safe(const char *s)
{
    return !strpbrk(s, " \t:#$%;=\\'\"");
}

int report_write_plan(const struct report *r, char *err, size_t errlen)
{
    char path[4352];
    if (mkdir(r->dir, 0777) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", r->dir, strerror(errno));
        return -errno;
    }
    clear_results(r->dir, "points");
    clear_results(r->dir, "kernel");
    clear_results(r->dir, "cosim");
    static const char *const old[] = {"report.json", "report.md", "report.html"};
    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", r->dir, old[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/sweep.json", r->dir);
    int rc = write_sweep_json(r, path, err, errlen);
    if (rc < 0)
        return rc;
    /* the job lists: line N is point N, then the cosim jobs */
    FILE *f = open_out(r->dir, "jobs.txt", path, sizeof(path), err, errlen);
    if (!f)
        return -EIO;
    for (unsigned i = 0; i < r->n_points; i++)
        fprintf(f, "%s\n", r->points[i].command);
    for (unsigned i = 0; i < r->n_cosim; i++)
        fprintf(f, "%s\n", r->cosim[i].command);
    if ((rc = close_out(f, path, err, errlen)) < 0)
        return rc;
    if (!(f = open_out(r->dir, "kernel-jobs.txt", path, sizeof(path), err, errlen)))
        return -EIO;
    for (unsigned i = 0; i < r->n_kernel; i++)
        fprintf(f, "%s\n", r->kernel[i].command);
    if ((rc = close_out(f, path, err, errlen)) < 0)
        return rc;
    /* make: one target per job (its exit file), so make -j runs the jobs
     * not run yet; the kernel measurements one at a time after them */
    if (!(f = open_out(r->dir, "jobs.mk", path, sizeof(path), err, errlen)))
        return -EIO;
    bool mk = make_safe(r->dir);
    fprintf(f, "# Generated by ebpfsim report plan.  make -f jobs.mk -j2 -k jobs (the points\n"
               "# and the cosim jobs), then make -f jobs.mk kernel (one at a time), then\n"
               "# ebpfsim report merge.\n"
               ".PHONY: all jobs points cosim kernel\nall: jobs kernel\njobs: points cosim\n");
    for (int list = 0; list < 2; list++) {
        const char *sub = list ? "cosim" : "points";
        unsigned n = list ? r->n_cosim : r->n_points;
        if (!mk) {
            fprintf(f, "%s:\n\t@echo 'the output directory name cannot be a make target; use "
                       "jobs.txt'; exit 1\n", sub);
            continue;
        }
        fprintf(f, "%s:", sub);
        for (unsigned i = 0; i < n; i++)
            fprintf(f, " \\\n  %s/%s/%04u/exit", r->dir, sub, i + 1);
        fprintf(f, "\n");
        for (unsigned i = 0; i < n; i++) {
            fprintf(f, "%s/%s/%04u/exit:\n\t", r->dir, sub, i + 1);
            /* make expands $: the shell's $? and $s become $$? and $$s */
            for (const char *c = list ? r->cosim[i].command : r->points[i].command; *c; c++)
                fputs(*c == '$' ? "$$" : (char[2]){*c, 0}, f);
            fputc('\n', f);
        }
    }
    fprintf(f, "# after the other jobs: nothing else runs while the kernel is timed\n"
               "kernel: jobs\n\t@sh %s/kernel-jobs.txt || true\n",
            r->dir);
    if ((rc = close_out(f, path, err, errlen)) < 0)
        return rc;
    /* Slurm: task N runs line N (and N + STRIDE, N + 2 STRIDE, ... when the
     * array is smaller than the job list) */
    if (!(f = open_out(r->dir, "slurm.sh", path, sizeof(path), err, errlen)))
        return -EIO;
    fprintf(f,
            "#!/bin/sh\n"
            "# Generated by ebpfsim report plan: a Slurm job array over jobs.txt.\n"
            "#   sbatch %s/slurm.sh\n"
            "# Larger than the cluster's MaxArraySize: sbatch --array=1-K --export=ALL,STRIDE=K ...\n"
            "#SBATCH --job-name=ebpfsim-sweep\n"
            "#SBATCH --array=1-%u\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=%s/slurm-%%A_%%a.out\n"
            "jobs=%s/jobs.txt\n"
            "n=%u\n"
            "i=${SLURM_ARRAY_TASK_ID:?run under sbatch --array, or set SLURM_ARRAY_TASK_ID}\n"
            "stride=${STRIDE:-$n}\n"
            "status=0\n"
            "while [ \"$i\" -le \"$n\" ]; do\n"
            "    line=$(sed -n \"${i}p\" \"$jobs\")\n"
            "    sh -c \"$line\" || status=1\n"
            "    i=$((i + stride))\n"
            "done\n"
            "exit $status\n",
            r->dir, r->n_points + r->n_cosim, r->dir, r->dir, r->n_points + r->n_cosim);
    if ((rc = close_out(f, path, err, errlen)) < 0)
        return rc;
    chmod(path, 0755);
    snprintf(path, sizeof(path), "%s/points", r->dir);
    mkdir(path, 0777);
    if (r->n_kernel) {
        snprintf(path, sizeof(path), "%s/kernel", r->dir);
        mkdir(path, 0777);
    }
    if (r->n_cosim) {
        snprintf(path, sizeof(path), "%s/cosim", r->dir);
        mkdir(path, 0777);
    }
    return 0;
}

/* ------------------------------------------------------------ reading */

static char *dup_str(json_t *v) { return json_is_string(v) ? strdup(json_string_value(v)) : NULL; }

static double num(json_t *v) { return json_is_number(v) ? json_number_value(v) : 0; }

static int placement_index(const char *s)
{
    for (int k = 0; s && k < EBPF_PLACE_COUNT; k++)
        if (!strcmp(s, ebpf_placement_names[k]))
            return k;
    return -1;
}

/* A kernel or cosim job of sweep.json; false if it does not fit the plan. */
static bool read_job(const struct report *r, json_t *v, size_t i, unsigned *index, unsigned *prog,
                     unsigned *trace, char **command)
{
    *index = (unsigned)num(json_object_get(v, "index"));
    *prog = (unsigned)num(json_object_get(v, "program"));
    *trace = (unsigned)num(json_object_get(v, "trace"));
    *command = dup_str(json_object_get(v, "command"));
    return *prog < r->n_progs && *trace < r->n_traces && *index == i + 1;
}

int report_read_sweep(struct report *r, const char *dir, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    char path[4352];
    snprintf(path, sizeof(path), "%s/sweep.json", dir);
    json_t *root = jsonfile_load(path, err, errlen);
    if (!root) {
        if (access(path, F_OK) < 0)
            snprintf(err, errlen, "%s: no sweep plan (ebpfsim report plan writes it)", path);
        return -EINVAL;
    }
    int rc = -EINVAL;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, SWEEP_FORMAT)) {
        snprintf(err, errlen, "%s: not a sweep plan (format %s expected)", path, SWEEP_FORMAT);
        goto out;
    }
    r->dir = strdup(dir);
    r->ebpfsim = dup_str(json_object_get(root, "ebpfsim"));
    r->config = dup_str(json_object_get(root, "config"));
    json_t *a = json_object_get(root, "sets"), *v;
    size_t i;
    r->n_sets = (unsigned)json_array_size(a);
    r->sets = calloc(r->n_sets + 1, sizeof(char *));
    json_array_foreach(a, i, v) r->sets[i] = dup_str(v);
    r->limit = (uint64_t)num(json_object_get(root, "limit"));
    r->kernel_repeat = (unsigned)num(json_object_get(root, "kernel_repeat"));
    r->kernel_packets = (unsigned)num(json_object_get(root, "kernel_packets"));
    json_t *c = json_object_get(root, "configuration");
    r->cfg_clock_mhz = num(json_object_get(c, "clock_mhz"));
    r->cfg_cores = (unsigned)num(json_object_get(c, "cores"));
    r->cfg_rate_gbps = num(json_object_get(c, "line_rate_gbps"));
    int pl = placement_index(json_string_value(json_object_get(c, "placement")));
    r->cfg_placement = pl < 0 ? 0 : (unsigned)pl;
    r->exit_gap = (unsigned)num(json_object_get(c, "exit_gap"));
    const char *pacing = json_string_value(json_object_get(c, "pacing"));
    r->pacing = pacing && !strcmp(pacing, "capture") ? "capture" : "line_rate";

    a = json_object_get(root, "dimensions");
    if (json_array_size(a) != DIM_COUNT) {
        snprintf(err, errlen, "%s: %d dimensions expected", path, DIM_COUNT);
        goto out;
    }
    for (int k = 0; k < DIM_COUNT; k++) {
        struct rep_dimension *d = &r->dim[k];
        json_t *o = json_array_get(a, (size_t)k), *vals = json_object_get(o, "values");
        d->name = dim_info[k].name;
        d->key = dim_info[k].key;
        d->n = (unsigned)json_array_size(vals);
        d->v = calloc(d->n + 1, sizeof(double));
        json_array_foreach(vals, i, v) {
            if (k == DIM_PLACEMENT) {
                pl = placement_index(json_string_value(v));
                d->v[i] = pl < 0 ? 0 : pl;
            } else {
                d->v[i] = num(v);
            }
        }
        d->ref = (unsigned)num(json_object_get(o, "reference"));
        d->crossed = json_is_true(json_object_get(o, "crossed"));
        if (!d->n || d->ref >= d->n) {
            snprintf(err, errlen, "%s: dimension %s has no values", path, d->name);
            goto out;
        }
    }
    a = json_object_get(root, "programs");
    r->n_progs = (unsigned)json_array_size(a);
    r->progs = calloc(r->n_progs + 1, sizeof(*r->progs));
    json_array_foreach(a, i, v) {
        struct rep_program *p = &r->progs[i];
        const char *name = json_string_value(json_object_get(v, "name"));
        snprintf(p->name, sizeof(p->name), "%s", name ? name : "?");
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
        const char *name = json_string_value(json_object_get(v, "name"));
        snprintf(t->name, sizeof(t->name), "%s", name ? name : "?");
        t->path = dup_str(json_object_get(v, "path"));
        t->frames = (uint64_t)num(json_object_get(v, "frames"));
        t->mean_frame = num(json_object_get(v, "mean_frame_bytes"));
        t->min_frame = (uint32_t)num(json_object_get(v, "min_frame_bytes"));
        t->max_frame = (uint32_t)num(json_object_get(v, "max_frame_bytes"));
    }
    a = json_object_get(root, "points");
    r->n_points = (unsigned)json_array_size(a);
    r->points = calloc(r->n_points + 1, sizeof(*r->points));
    json_array_foreach(a, i, v) {
        struct rep_point *p = &r->points[i];
        p->index = (unsigned)num(json_object_get(v, "index"));
        p->prog = (unsigned)num(json_object_get(v, "program"));
        p->trace = (unsigned)num(json_object_get(v, "trace"));
        json_t *d = json_object_get(v, "d");
        bool ok = json_array_size(d) == DIM_COUNT;
        for (int k = 0; ok && k < DIM_COUNT; k++) {
            p->d[k] = (unsigned)num(json_array_get(d, (size_t)k));
            ok = p->d[k] < r->dim[k].n;
        }
        p->command = dup_str(json_object_get(v, "command"));
        if (!ok || p->prog >= r->n_progs || p->trace >= r->n_traces || p->index != i + 1) {
            snprintf(err, errlen, "%s: point %zu does not fit the plan's grid", path, i + 1);
            goto out;
        }
    }
    a = json_object_get(root, "kernel");
    r->n_kernel = (unsigned)json_array_size(a);
    r->kernel = calloc(r->n_kernel + 1, sizeof(*r->kernel));
    json_array_foreach(a, i, v) {
        struct rep_kernel *k = &r->kernel[i];
        k->repeat = r->kernel_repeat;
        if (!read_job(r, v, i, &k->index, &k->prog, &k->trace, &k->command)) {
            snprintf(err, errlen, "%s: kernel job %zu does not fit the plan", path, i + 1);
            goto out;
        }
    }
    r->rtl_check = json_is_true(json_object_get(root, "rtl_check"));
    const char *why = json_string_value(json_object_get(root, "rtl_check_note"));
    snprintf(r->rtl_check_note, sizeof(r->rtl_check_note), "%s",
             why ? why : "the plan has no RTL check (planned by an older ebpfsim)");
    a = json_object_get(root, "cosim");
    r->n_cosim = (unsigned)json_array_size(a);
    r->cosim = calloc(r->n_cosim + 1, sizeof(*r->cosim));
    json_array_foreach(a, i, v) {
        struct rep_cosim *cj = &r->cosim[i];
        if (!read_job(r, v, i, &cj->index, &cj->prog, &cj->trace, &cj->command)) {
            snprintf(err, errlen, "%s: cosim job %zu does not fit the plan", path, i + 1);
            goto out;
        }
    }
    if (!r->n_progs || !r->n_traces || !r->n_points) {
        snprintf(err, errlen, "%s: the plan holds no points", path);
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

void report_free(struct report *r)
{
    free(r->dir);
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
    for (int k = 0; k < DIM_COUNT; k++)
        free(r->dim[k].v);
    for (unsigned i = 0; i < r->n_points; i++)
        free(r->points[i].command);
    free(r->points);
    for (unsigned i = 0; i < r->n_kernel; i++)
        free(r->kernel[i].command);
    free(r->kernel);
    for (unsigned i = 0; i < r->n_cosim; i++)
        free(r->cosim[i].command);
    free(r->cosim);
    memset(r, 0, sizeof(*r));
}
