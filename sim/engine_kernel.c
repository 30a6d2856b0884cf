/* The kernel engine: the object loaded with libbpf, every packet run with
 * BPF_PROG_TEST_RUN (repeat = 1, so each run starts from the input bytes). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct engine {
    struct bpf_object *obj;
    struct bpf_program *prog;
    struct bpf_map **maps;
    unsigned n_maps;
    bool loaded;
    int prog_fd;
    unsigned n_cpus;
    uint8_t *out;
    size_t out_cap;
    char load_err[512];
};

static char kernel_libbpf_msg[1024];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t l = strlen(line);
    while (l && line[l - 1] == '\n')
        line[--l] = 0;
    if (l)
        snprintf(kernel_libbpf_msg, sizeof(kernel_libbpf_msg), "%s", line);
    return 0;
}

static void kernel_close(struct engine *e)
{
    if (!e)
        return;
    if (e->obj)
        bpf_object__close(e->obj);
    free(e->maps);
    free(e->out);
    free(e);
}

static bool is_xdp_section(const char *s)
{
    return !strcmp(s, "xdp") || !strncmp(s, "xdp/", 4) || !strcmp(s, "xdp.frags") ||
           !strncmp(s, "xdp.frags/", 10);
}

static int kernel_open(struct engine **out, const struct engine_opts *opts, char *err,
                       size_t errlen)
{
    if (opts->routes) {
        snprintf(err, errlen, "--routes is for the model; the kernel engine uses the host's FIB");
        return -EINVAL;
    }
    struct engine *e = calloc(1, sizeof(*e));
    if (!e)
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    /* Per-CPU maps and bpf_get_smp_processor_id: run everything on CPU 0. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof(set), &set);
    libbpf_set_print(capture);
    kernel_libbpf_msg[0] = 0;
    e->obj = bpf_object__open_file(opts->object, NULL);
    if (!e->obj) {
        int rc = -errno;
        snprintf(err, errlen, "%s: libbpf cannot open it: %s%s%s", opts->object, strerror(errno),
                 kernel_libbpf_msg[0] ? ": " : "", kernel_libbpf_msg);
        kernel_close(e);
        return rc;
    }
    struct bpf_program *p;
    bpf_object__for_each_program(p, e->obj) {
        if (opts->prog ? !strcmp(bpf_program__name(p), opts->prog)
                       : (!e->prog && is_xdp_section(bpf_program__section_name(p))))
            e->prog = opts->prog || !e->prog ? p : e->prog;
    }
    if (!e->prog) {
        snprintf(err, errlen, opts->prog ? "%s: no program named '%s'"
                                         : "%s: no XDP program (section xdp, xdp/..., xdp.frags)%s",
                 opts->object, opts->prog ? opts->prog : "");
        kernel_close(e);
        return -ENOENT;
    }
    struct bpf_map *m;
    bpf_object__for_each_map(m, e->obj) {
        /* a test run must not touch pinned maps of the host: no pinning */
        bpf_map__set_pin_path(m, NULL);
        e->n_maps++;
    }
    e->maps = calloc(e->n_maps ? e->n_maps : 1, sizeof(*e->maps));
    unsigned i = 0;
    bpf_object__for_each_map(m, e->obj) e->maps[i++] = m;
    int ncpu = libbpf_num_possible_cpus();
    e->n_cpus = ncpu > 0 ? (unsigned)ncpu : 1;
    *out = e;
    return 0;
}

/* Load on first use, so global data given with --maps-in can still be set
 * as the maps' initial values (.rodata is frozen once loaded). */
static int ensure_loaded(struct engine *e)
{
    if (e->loaded)
        return e->prog_fd < 0 ? -EINVAL : 0;
    e->loaded = true;
    kernel_libbpf_msg[0] = 0;
    if (bpf_object__load(e->obj)) {
        int rc = -errno;
        snprintf(e->load_err, sizeof(e->load_err), "kernel refused the object: %s%s%s",
                 strerror(errno), kernel_libbpf_msg[0] ? ": " : "", kernel_libbpf_msg);
        e->prog_fd = -1;
        return rc;
    }
    e->prog_fd = bpf_program__fd(e->prog);
    return 0;
}

static int kernel_run_packet(struct engine *e, const uint8_t *pkt, uint32_t len,
                             struct pkt_result *res)
{
    memset(res, 0, sizeof(*res));
    res->redirect_target = -1;
    if (ensure_loaded(e) < 0) {
        snprintf(res->fault, sizeof(res->fault), "%.250s", e->load_err);
        return -EINVAL;
    }
    size_t cap = (size_t)len + 4096;
    if (cap > e->out_cap) {
        uint8_t *p = realloc(e->out, cap);
        if (!p)
            return -ENOMEM;
        e->out = p;
        e->out_cap = cap;
    }
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = e->out,
                .data_size_out = (uint32_t)cap, .repeat = 1);
    if (bpf_prog_test_run_opts(e->prog_fd, &opts) < 0) {
        res->refused = true;
        snprintf(res->refused_why, sizeof(res->refused_why), "BPF_PROG_TEST_RUN: %s",
                 strerror(errno));
        return 0;
    }
    res->retval = opts.retval;
    res->action = opts.retval <= 4 ? opts.retval : 0;
    res->data = e->out;
    res->data_len = opts.data_size_out;
    res->duration_ns = opts.duration;
    return 0;
}

static unsigned kernel_map_count(struct engine *e) { return e->n_maps; }

static bool is_percpu(uint32_t type)
{
    return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void kernel_map_info(struct engine *e, unsigned i, struct engine_map_info *info)
{
    struct bpf_map *m = e->maps[i];
    info->name = bpf_map__name(m);
    info->type = bpf_map__type(m);
    info->key_size = bpf_map__key_size(m);
    info->max_entries = bpf_map__max_entries(m);
    uint32_t vs = bpf_map__value_size(m);
    info->n_cpus = is_percpu(info->type) ? e->n_cpus : 1;
    info->cpu_stride = is_percpu(info->type) ? (vs + 7) / 8 * 8 : vs;
    info->value_size = info->cpu_stride * info->n_cpus;
}

static int kernel_map_lookup(struct engine *e, unsigned i, const void *key, void *value)
{
    int rc = ensure_loaded(e);
    if (rc < 0)
        return rc;
    return bpf_map_lookup_elem(bpf_map__fd(e->maps[i]), key, value) ? -errno : 0;
}

static int kernel_map_update(struct engine *e, unsigned i, const void *key, const void *value,
                             uint64_t flags)
{
    struct bpf_map *m = e->maps[i];
    if (!e->loaded && bpf_map__is_internal(m)) {
        /* global data before load: becomes the initial value */
        if (*(const uint32_t *)key != 0)
            return -E2BIG;
        return bpf_map__set_initial_value(m, value, bpf_map__value_size(m)) ? -errno : 0;
    }
    int rc = ensure_loaded(e);
    if (rc < 0)
        return rc;
    return bpf_map_update_elem(bpf_map__fd(m), key, value, flags) ? -errno : 0;
}

static int kernel_map_next_key(struct engine *e, unsigned i, const void *key, void *next)
{
    int rc = ensure_loaded(e);
    if (rc < 0)
        return rc;
    return bpf_map_get_next_key(bpf_map__fd(e->maps[i]), key, next) ? -errno : 0;
}

static const char *kernel_prog_name(struct engine *e) { return bpf_program__name(e->prog); }

static int kernel_prog_ref(struct engine *e, const char *name, uint32_t *value)
{
    int rc = ensure_loaded(e);
    if (rc < 0)
        return rc;
    struct bpf_program *p = bpf_object__find_program_by_name(e->obj, name);
    if (!p)
        return -ENOENT;
    *value = (uint32_t)bpf_program__fd(p);
    return 0;
}

static int kernel_map_ref(struct engine *e, const char *name, uint32_t *value)
{
    int rc = ensure_loaded(e);
    if (rc < 0)
        return rc;
    struct bpf_map *m = bpf_object__find_map_by_name(e->obj, name);
    if (!m)
        return -ENOENT;
    *value = (uint32_t)bpf_map__fd(m);
    return 0;
}

const struct engine_ops engine_kernel_ops = {
    .name = "kernel",
    .open = kernel_open,
    .close = kernel_close,
    .run_packet = kernel_run_packet,
    .map_count = kernel_map_count,
    .map_info = kernel_map_info,
    .map_lookup = kernel_map_lookup,
    .map_update = kernel_map_update,
    .map_next_key = kernel_map_next_key,
    .prog_name = kernel_prog_name,
    .prog_ref = kernel_prog_ref,
    .map_ref = kernel_map_ref,
};
