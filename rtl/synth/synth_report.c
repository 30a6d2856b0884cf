/*
 * synth_report: the resource table of `make synth`, from Yosys's
 * `stat -json` output of the generic and the Xilinx 7-series runs.
 *
 * Both runs keep module boundaries, so each unit (module) is reported per
 * instance with everything below it, and the top row is the whole core.
 * Xilinx cells are grouped the way a utilisation report groups them (LUT,
 * FF, BRAM, DSP ...); generic cells into gates, flip-flop bits and memory
 * bits (memories stay $mem_v2 cells in the generic run, their shapes come
 * from a JSON netlist that holds only them).
 *
 * usage: synth_report --top NAME --generic STAT.json --memories MEM.json
 *                     --xilinx STAT.json --md OUT.md --json OUT.json
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODULES 64
#define MAX_CLASSES 12 /* the larger of X_COUNT and G_COUNT */

/* Xilinx 7-series resource classes. */
enum xcls { X_LUT, X_INV, X_FF, X_RAMB36, X_RAMB18, X_DSP, X_CARRY, X_MUXF, X_LUTRAM, X_SRL,
            X_LATCH, X_OTHER, X_COUNT };
static const char *const xcls_names[X_COUNT] = {
    "lut", "inv", "ff", "ramb36", "ramb18", "dsp", "carry4", "muxf7_f8", "lutram", "srl",
    "latch", "other",
};

/* Generic classes. */
enum gcls { G_GATE, G_FF, G_MEM, G_MEMBITS, G_LATCH, G_COUNT };
_Static_assert(X_COUNT <= MAX_CLASSES && (int)G_COUNT <= MAX_CLASSES, "class arrays");
static const char *const gcls_names[G_COUNT] = {"gates", "ff_bits", "memories", "memory_bits",
                                                "latches"};

struct module {
    char name[512];    /* Yosys name */
    char label[160];   /* printable: "ebpf_dpram (DEPTH=256)" */
    json_t *types;     /* num_cells_by_type (borrowed) */
    double own[MAX_CLASSES];
    double flat[MAX_CLASSES];
    double cells_flat; /* primitive cells, whole subtree */
    int done;
    long instances;    /* in the whole design below the top */
};

struct design {
    json_t *root;
    struct module mod[MAX_MODULES];
    int n;
    int ncls;
};

static int die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "synth_report: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return 1;
}

/* Yosys writes parameter values as binary strings ("32'0...0100000000" in
 * module names, "0...01" in netlists). */
static unsigned long long bin_value(const char *s)
{
    const char *q = strchr(s, '\'');
    if (q)
        s = q + 1;
    unsigned long long v = 0;
    for (; *s == '0' || *s == '1'; s++)
        v = v * 2 + (unsigned)(*s - '0');
    return v;
}

static void make_label(const char *name, char *out, size_t n)
{
    if (strncmp(name, "$paramod\\", 9) != 0) {
        snprintf(out, n, "%s", name[0] == '\\' ? name + 1 : name);
        return;
    }
    /* $paramod\MODULE\P1=V1\P2=V2 */
    const char *p = name + 9;
    const char *e = strchr(p, '\\');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    int w = snprintf(out, n, "%.*s", (int)len, p);
    const char *sep = " (";
    while (e && (size_t)w < n) {
        p = e + 1;
        e = strchr(p, '\\');
        const char *eq = strchr(p, '=');
        if (!eq || (e && eq > e))
            break;
        w += snprintf(out + w, n - (size_t)w, "%s%.*s=%llu", sep, (int)(eq - p), p,
                      bin_value(eq + 1));
        sep = ", ";
    }
    if (strcmp(sep, ", ") == 0 && (size_t)w < n)
        snprintf(out + w, n - (size_t)w, ")");
}

static int find_module(const struct design *d, const char *name)
{
    if (name[0] == '\\')
        name++;
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->mod[i].name, name) == 0)
            return i;
    return -1;
}

/* Yosys 0.23's `stat -json` of a hierarchical design prints the hierarchy
 * lines ("   $paramod\\ebpf_dpram\\DEPTH=...   2") into the JSON; its JSON
 * has one member or bracket per line, so lines that start with anything
 * else are dropped before parsing. */
static json_t *load_stat_json(const char *path, json_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
        err->line = 0;
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap), line[4096];
    while (text && fgets(line, sizeof(line), f)) {
        const char *p = line + strspn(line, " \t");
        if (!strchr("{}[]\"", *p) || *p == 0)
            continue;
        size_t n = strlen(line);
        if (len + n + 1 > cap) {
            char *t = realloc(text, cap *= 2);
            if (!t) {
                free(text);
                text = NULL;
                break;
            }
            text = t;
        }
        memcpy(text + len, line, n);
        len += n;
    }
    fclose(f);
    if (!text) {
        snprintf(err->text, sizeof(err->text), "out of memory");
        err->line = 0;
        return NULL;
    }
    text[len] = 0;
    json_t *root = json_loads(text, 0, err);
    free(text);
    return root;
}

static int load(struct design *d, const char *path)
{
    json_error_t err;
    d->root = load_stat_json(path, &err);
    if (!d->root) {
        fprintf(stderr, "synth_report: %s:%d: %s\n", path, err.line, err.text);
        return -EINVAL;
    }
    json_t *mods = json_object_get(d->root, "modules");
    if (!json_is_object(mods)) {
        fprintf(stderr, "synth_report: %s: no \"modules\" object (not `stat -json` output?)\n",
                path);
        return -EINVAL;
    }
    const char *name;
    json_t *m;
    json_object_foreach(mods, name, m) {
        if (d->n == MAX_MODULES) {
            fprintf(stderr, "synth_report: %s: more than %d modules\n", path, MAX_MODULES);
            return -E2BIG;
        }
        struct module *M = &d->mod[d->n++];
        memset(M, 0, sizeof(*M));
        /* stat writes public names with their leading backslash, netlists
         * without: keep them without */
        snprintf(M->name, sizeof(M->name), "%s", name[0] == '\\' ? name + 1 : name);
        make_label(name, M->label, sizeof(M->label));
        M->types = json_object_get(m, "num_cells_by_type");
        if (!json_is_object(M->types)) {
            fprintf(stderr, "synth_report: %s: module %s has no num_cells_by_type\n", path, name);
            return -EINVAL;
        }
    }
    return 0;
}

static enum xcls xilinx_class(const char *t)
{
    if (strncmp(t, "LUT", 3) == 0 && t[3] >= '1' && t[3] <= '6' && t[4] == 0)
        return X_LUT;
    if (!strcmp(t, "INV"))
        return X_INV;
    if (!strcmp(t, "FDRE") || !strcmp(t, "FDSE") || !strcmp(t, "FDCE") || !strcmp(t, "FDPE") ||
        !strncmp(t, "FDRE_", 5) || !strncmp(t, "FDSE_", 5) || !strncmp(t, "FDCE_", 5) ||
        !strncmp(t, "FDPE_", 5))
        return X_FF;
    if (!strcmp(t, "RAMB36E1"))
        return X_RAMB36;
    if (!strcmp(t, "RAMB18E1"))
        return X_RAMB18;
    if (!strcmp(t, "DSP48E1"))
        return X_DSP;
    if (!strcmp(t, "CARRY4"))
        return X_CARRY;
    if (!strcmp(t, "MUXF7") || !strcmp(t, "MUXF8"))
        return X_MUXF;
    if (!strncmp(t, "RAM", 3))
        return X_LUTRAM;
    if (!strncmp(t, "SRL", 3))
        return X_SRL;
    if (!strncmp(t, "LD", 2) || !strncmp(t, "$_DLATCH", 8))
        return X_LATCH;
    return X_OTHER;
}

static enum gcls generic_class(const char *t)
{
    if (!strncmp(t, "$_DFF", 5) || !strncmp(t, "$_SDFF", 6) || !strncmp(t, "$_ALDFF", 7))
        return G_FF;
    if (!strncmp(t, "$_DLATCH", 8) || !strncmp(t, "$_SR_", 5))
        return G_LATCH;
    if (!strcmp(t, "$mem_v2") || !strcmp(t, "$mem"))
        return G_MEM;
    return G_GATE;
}

/* Flattened counts of module i (per instance, its subtree included). */
static void flatten(struct design *d, int i, int xilinx)
{
    struct module *M = &d->mod[i];
    if (M->done)
        return;
    M->done = 1;
    const char *t;
    json_t *v;
    json_object_foreach(M->types, t, v) {
        double c = (double)json_integer_value(v);
        int sub = find_module(d, t);
        if (sub >= 0) {
            flatten(d, sub, xilinx);
            for (int k = 0; k < d->ncls; k++)
                M->flat[k] += c * d->mod[sub].flat[k];
            M->cells_flat += c * d->mod[sub].cells_flat;
            continue;
        }
        int k = xilinx ? (int)xilinx_class(t) : (int)generic_class(t);
        M->own[k] += c;
        M->cells_flat += c;
    }
    for (int k = 0; k < d->ncls; k++)
        M->flat[k] += M->own[k];
}

static void count_instances(struct design *d, int i, long mult)
{
    struct module *M = &d->mod[i];
    M->instances += mult;
    const char *t;
    json_t *v;
    json_object_foreach(M->types, t, v) {
        int sub = find_module(d, t);
        if (sub >= 0)
            count_instances(d, sub, mult * (long)json_integer_value(v));
    }
}

/* Memory bits of each module's own $mem_v2 cells, from the netlist that
 * holds only memories; added before flattening. */
static int add_memory_bits(struct design *g, const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
        fprintf(stderr, "synth_report: %s:%d: %s\n", path, err.line, err.text);
        return -EINVAL;
    }
    json_t *mods = json_object_get(root, "modules");
    const char *name;
    json_t *m;
    json_object_foreach(mods, name, m) {
        int i = find_module(g, name);
        json_t *cells = json_object_get(m, "cells");
        const char *cn;
        json_t *c;
        json_object_foreach(cells, cn, c) {
            const char *type = json_string_value(json_object_get(c, "type"));
            if (!type || strcmp(type, "$mem_v2") != 0)
                continue;
            if (i < 0) {
                fprintf(stderr, "synth_report: %s: memory %s in module %s, which the stat lacks\n",
                        path, cn, name);
                json_decref(root);
                return -EINVAL;
            }
            json_t *p = json_object_get(c, "parameters");
            const char *size = json_string_value(json_object_get(p, "SIZE"));
            const char *width = json_string_value(json_object_get(p, "WIDTH"));
            if (!size || !width) {
                fprintf(stderr, "synth_report: %s: memory %s has no SIZE/WIDTH\n", path, cn);
                json_decref(root);
                return -EINVAL;
            }
            g->mod[i].own[G_MEMBITS] += (double)bin_value(size) * (double)bin_value(width);
        }
    }
    json_decref(root);
    return 0;
}

/* Cell types of the whole design (the stat's "design" section). */
static json_t *design_types(const struct design *d)
{
    return json_object_get(json_object_get(d->root, "design"), "num_cells_by_type");
}

static double bram36(const struct module *M)
{
    return M->flat[X_RAMB36] + 0.5 * M->flat[X_RAMB18];
}

/* Units in a stable order: the top first, then by name. */
static int order[MAX_MODULES];
static const struct design *sort_d;
static int top_idx;
static int by_label(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (x == top_idx)
        return -1;
    if (y == top_idx)
        return 1;
    return strcmp(sort_d->mod[x].label, sort_d->mod[y].label);
}

static void sort_units(const struct design *d, int top)
{
    for (int i = 0; i < d->n; i++)
        order[i] = i;
    sort_d = d;
    top_idx = top;
    qsort(order, (size_t)d->n, sizeof(order[0]), by_label);
}

static void type_table(FILE *f, json_t *types)
{
    fprintf(f, "| cell | count |\n|---|---:|\n");
    const char *t;
    json_t *v;
    json_object_foreach(types, t, v)
        fprintf(f, "| `%s` | %lld |\n", t, (long long)json_integer_value(v));
}

int main(int argc, char **argv)
{
    const char *top = NULL, *gpath = NULL, *mpath = NULL, *xpath = NULL, *md = NULL, *js = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--top")) top = argv[i + 1];
        else if (!strcmp(argv[i], "--generic")) gpath = argv[i + 1];
        else if (!strcmp(argv[i], "--memories")) mpath = argv[i + 1];
        else if (!strcmp(argv[i], "--xilinx")) xpath = argv[i + 1];
        else if (!strcmp(argv[i], "--md")) md = argv[i + 1];
        else if (!strcmp(argv[i], "--json")) js = argv[i + 1];
        else return die("unknown option %s%s", argv[i], "");
    }
    if (!top || !gpath || !mpath || !xpath || !md || !js)
        return die("usage: synth_report --top NAME --generic STAT.json --memories MEM.json "
                   "--xilinx STAT.json --md OUT.md --json OUT.json%s%s", "", "");

    static struct design g, x;
    g.ncls = G_COUNT;
    x.ncls = X_COUNT;
    if (load(&g, gpath) < 0 || load(&x, xpath) < 0 || add_memory_bits(&g, mpath) < 0)
        return 1;
    int gt = find_module(&g, top), xt = find_module(&x, top);
    if (gt < 0 || xt < 0)
        return die("top module %s missing from %s", top, gt < 0 ? gpath : xpath);
    flatten(&g, gt, 0);
    flatten(&x, xt, 1);
    count_instances(&g, gt, 1);
    count_instances(&x, xt, 1);
    const struct module *GT = &g.mod[gt], *XT = &x.mod[xt];
    if (XT->flat[X_LATCH] > 0 || GT->flat[G_LATCH] > 0)
        return die("the design has latches (%s%s)", XT->flat[X_LATCH] > 0 ? xpath : gpath, "");

    double asyncff = 0;
    {
        const char *t;
        json_t *v;
        json_object_foreach(design_types(&x), t, v)
            if (!strncmp(t, "FDCE", 4) || !strncmp(t, "FDPE", 4))
                asyncff += (double)json_integer_value(v);
    }
    const char *version = json_string_value(json_object_get(x.root, "creator"));
    FILE *f = fopen(md, "w");
    if (!f)
        return die("%s: %s", md, strerror(errno));
    fprintf(f, "# Synthesis report: %s\n\n", top);
    fprintf(f, "%s, written by `make synth` (rtl/synth.mk, scripts in rtl/synth/).\n"
               "Each unit is counted per instance with the units below it; the first row is "
               "the whole core.\n\n", version ? version : "Yosys");
    fprintf(f, "## Xilinx 7-series (`synth_xilinx -family xc7 -noiopad -noclkbuf`)\n\n");
    fprintf(f, "| unit | inst. | LUT | FF | BRAM (RAMB36 eq.) | DSP48E1 | CARRY4 | MUXF7/F8 | "
               "LUTRAM | SRL | INV |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    sort_units(&x, xt);
    for (int k = 0; k < x.n; k++) {
        const struct module *M = &x.mod[order[k]];
        if (!M->instances)
            continue;
        fprintf(f, "| %s%s%s | %ld | %.0f | %.0f | %g | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n",
                order[k] == xt ? "**" : "", M->label, order[k] == xt ? "**" : "", M->instances,
                M->flat[X_LUT], M->flat[X_FF], bram36(M), M->flat[X_DSP], M->flat[X_CARRY],
                M->flat[X_MUXF], M->flat[X_LUTRAM], M->flat[X_SRL], M->flat[X_INV]);
    }
    fprintf(f, "\nBRAM: %.0f RAMB36E1 + %.0f RAMB18E1. INV: inverter cells Yosys leaves in the "
               "netlist (e.g. one per flip-flop with the active-low asynchronous reset, %.0f "
               "FDCE/FDPE in all), listed apart from LUT.\n\n",
            XT->flat[X_RAMB36], XT->flat[X_RAMB18], asyncff);
    fprintf(f, "## Generic (`synth`, memories kept as `$mem_v2` cells)\n\n");
    fprintf(f, "| unit | inst. | cells | gates | FF bits | memories | memory bits |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n");
    sort_units(&g, gt);
    for (int k = 0; k < g.n; k++) {
        const struct module *M = &g.mod[order[k]];
        if (!M->instances)
            continue;
        fprintf(f, "| %s%s%s | %ld | %.0f | %.0f | %.0f | %.0f | %.0f |\n",
                order[k] == gt ? "**" : "", M->label, order[k] == gt ? "**" : "", M->instances,
                M->cells_flat, M->flat[G_GATE], M->flat[G_FF], M->flat[G_MEM],
                M->flat[G_MEMBITS]);
    }
    fprintf(f, "\n### Generic cell types, whole core\n\n");
    type_table(f, design_types(&g));
    fprintf(f, "\n### Xilinx cell types, whole core\n\n");
    type_table(f, design_types(&x));
    if (fclose(f) != 0)
        return die("%s: write failed%s", md, "");

    /* The same numbers for scripts. */
    json_t *out = json_object();
    json_object_set_new(out, "top", json_string(top));
    json_object_set_new(out, "yosys", json_string(version ? version : ""));
    const struct { const char *key; struct design *d; int t; const char *const *names; int n; } runs[] = {
        {"xilinx", &x, xt, xcls_names, X_COUNT}, {"generic", &g, gt, gcls_names, G_COUNT},
    };
    for (size_t r = 0; r < 2; r++) {
        json_t *run = json_object(), *units = json_object();
        for (int i = 0; i < runs[r].d->n; i++) {
            const struct module *M = &runs[r].d->mod[i];
            if (!M->instances)
                continue;
            json_t *u = json_object();
            json_object_set_new(u, "instances", json_integer(M->instances));
            json_object_set_new(u, "cells", json_real(M->cells_flat));
            for (int k = 0; k < runs[r].n; k++)
                json_object_set_new(u, runs[r].names[k], json_real(M->flat[k]));
            if (runs[r].d == &x)
                json_object_set_new(u, "bram36_equivalent", json_real(bram36(M)));
            json_object_set_new(units, M->label, u);
        }
        json_object_set(run, "total", json_object_get(units, runs[r].d->mod[runs[r].t].label));
        json_object_set_new(run, "units", units);
        json_object_set(run, "cell_types", design_types(runs[r].d));
        json_object_set_new(out, runs[r].key, run);
    }
    if (json_dump_file(out, js, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
        return die("%s: write failed%s", js, "");
    json_decref(out);
    json_decref(g.root);
    json_decref(x.root);
    return 0;
}
