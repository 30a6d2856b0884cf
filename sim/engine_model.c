/* The model engine: the C reference model runs the program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_runtime.h"
#include "ebpf_hwconfig.h"
#include "ebpf_timing.h"
#include "engine.h"
#include "routes.h"

struct engine {
    ebpf_object *obj;
    ebpf_core *core;
    struct ebpf_xdp_frame frame;
    int prog;
    FILE *trace_log;
    FILE *events;
    uint8_t *out;
    size_t out_cap;
    ebpf_timing *timing;
    /* set_prog: the object whose program runs (NULL: obj); another object's
     * program runs on a core of its own */
    ebpf_object *run_obj;
    ebpf_object *alt_obj;
    ebpf_core *alt_core;
    ebpf_timing *alt_timing;
    const struct ebpf_hwconfig *hw;
};

static void model_close(struct engine *e)
{
    if (!e)
        return;
    ebpf_core_destroy(e->core);
    ebpf_timing_destroy(e->timing);
    ebpf_core_destroy(e->alt_core);
    ebpf_timing_destroy(e->alt_timing);
    ebpf_object_close(e->obj);
    ebpf_xdp_frame_free(&e->frame);
    if (e->trace_log)
        fclose(e->trace_log);
    if (e->events)
        fclose(e->events);
    free(e->out);
    free(e);
}

static FILE *open_output(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

static int model_open(struct engine **out, const struct engine_opts *opts, char *err,
                      size_t errlen)
{
    struct engine *e = calloc(1, sizeof(*e));
    if (!e)
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    int rc = -EINVAL;
    if (opts->trace_log && !(e->trace_log = open_output(opts->trace_log, err, errlen)))
        goto fail;
    if (opts->events && !(e->events = open_output(opts->events, err, errlen)))
        goto fail;
    struct ebpf_object_opts oo = {
        .n_cpus = opts->n_cpus ? opts->n_cpus : 1,
        .prandom_seed = opts->prandom_seed,
        .trace_log = e->trace_log,
        .events = e->events,
    };
    if ((rc = ebpf_object_open(opts->object, &oo, &e->obj, err, errlen)) < 0)
        goto fail;
    if (opts->routes && (rc = routes_load(e->obj, opts->routes, err, errlen)) < 0)
        goto fail;
    if (opts->prog) {
        e->prog = ebpf_object_find_prog(e->obj, opts->prog);
        if (e->prog < 0) {
            int n = snprintf(err, errlen, "%s: no program named '%s' (programs:", opts->object,
                             opts->prog);
            for (unsigned i = 0; i < ebpf_object_prog_count(e->obj) && n > 0 && (size_t)n < errlen; i++)
                n += snprintf(err + n, errlen - (size_t)n, " %s", ebpf_object_prog_name(e->obj, i));
            if (n > 0 && (size_t)n < errlen)
                snprintf(err + n, errlen - (size_t)n, ")");
            rc = -ENOENT;
            goto fail;
        }
    } else if ((e->prog = ebpf_object_default_xdp_prog(e->obj)) < 0) {
        snprintf(err, errlen, "%s: no XDP program (section xdp, xdp/..., xdp.frags); use --prog",
                 opts->object);
        rc = -ENOENT;
        goto fail;
    }
    if (!(e->core = ebpf_core_create(e->obj, 0, err, errlen))) {
        rc = -ENOMEM;
        goto fail;
    }
    if (opts->timing) {
        if (!(e->timing = ebpf_timing_create(opts->hw ? &opts->hw->timing : NULL, e->obj))) {
            snprintf(err, errlen, "out of memory");
            rc = -ENOMEM;
            goto fail;
        }
        for (unsigned m = 0; opts->hw && m < ebpf_object_map_count(e->obj); m++)
            ebpf_timing_set_placement(e->timing, m,
                                      ebpf_hwconfig_placement(opts->hw, ebpf_object_map_name(e->obj, m)));
        ebpf_vm_set_tracer(ebpf_core_vm(e->core), ebpf_timing_tracer, e->timing);
    }
    e->hw = opts->hw;
    if ((rc = ebpf_xdp_frame_init(&e->frame, opts->linear_max)) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    *out = e;
    return 0;
fail:
    model_close(e);
    return rc;
}

static int model_run_packet(struct engine *e, const uint8_t *pkt, uint32_t len,
                            struct pkt_result *res)
{
    /* field by field: the message buffers are most of the struct, and
     * this runs once per packet */
    res->action = 0;
    res->retval = res->insns = 0;
    res->has_insns = false;
    res->data = NULL;
    res->data_len = res->meta_len = 0;
    res->redirect_target = -1;
    res->redirect_map = NULL;
    res->fault_kind = 0;
    res->fault[0] = '\0';
    res->duration_ns = 0;
    res->refused = false;
    res->refused_why[0] = '\0';
    res->has_timing = false;
    res->cycles = res->issue_cycles = 0;
    memset(res->stall, 0, sizeof(res->stall));
    int lrc = ebpf_xdp_frame_load(&e->frame, pkt, len);
    if (lrc < 0) {
        res->refused = true;
        snprintf(res->refused_why, sizeof(res->refused_why), "%s",
                 lrc == -EINVAL ? "frame shorter than 14 bytes"
                                : "frame needs more than 17 page fragments");
        return 0;
    }
    struct ebpf_xdp_result xr;
    bool alt = e->run_obj && e->run_obj != e->obj;
    ebpf_timing *timing = alt ? e->alt_timing : e->timing;
    if (timing)
        ebpf_timing_begin(timing);
    ebpf_core_run_xdp(alt ? e->alt_core : e->core, (unsigned)e->prog, &e->frame, &xr);
    if (timing) {
        struct ebpf_packet_timing pt;
        ebpf_timing_end(timing, &pt);
        res->has_timing = true;
        res->cycles = pt.cycles;
        res->issue_cycles = pt.issue_cycles;
        for (int k = 0; k < EBPF_STALL_COUNT; k++)
            res->stall[k] = pt.stall[k];
    }
    res->action = xr.action;
    res->retval = xr.retval;
    res->insns = xr.insns;
    res->has_insns = true;
    res->fault_kind = xr.fault.kind;
    if (xr.fault.kind)
        ebpf_fault_format(&xr.fault, res->fault, sizeof(res->fault));
    if (xr.action == EBPF_XDP_REDIRECT) {
        res->redirect_target = (int32_t)xr.redirect_ifindex;
        res->redirect_map = xr.redirect_map >= 0
                                ? ebpf_object_map_name(alt ? e->run_obj : e->obj, (unsigned)xr.redirect_map)
                                : NULL;
    }
    /* Output as BPF_PROG_TEST_RUN returns it: data_meta .. data_end, then
     * the fragments. */
    const struct ebpf_xdp_frame *f = &e->frame;
    size_t n = (size_t)(f->data_end - f->data_meta) + f->frags_len;
    res->meta_len = f->data - f->data_meta;
    res->data_len = (uint32_t)n;
    if (!f->frags_len) {
        /* contiguous: the frame itself, valid until the next packet */
        res->data = f->buf + f->data_meta;
        return 0;
    }
    if (n > e->out_cap) {
        uint8_t *p = realloc(e->out, n);
        if (!p)
            return -ENOMEM;
        e->out = p;
        e->out_cap = n;
    }
    memcpy(e->out, f->buf + f->data_meta, f->data_end - f->data_meta);
    memcpy(e->out + (f->data_end - f->data_meta), f->frags, f->frags_len);
    res->data = e->out;
    return 0;
}

static unsigned model_map_count(struct engine *e) { return ebpf_object_map_count(e->obj); }

static void model_map_info(struct engine *e, unsigned i, struct engine_map_info *info)
{
    ebpf_map *m = ebpf_object_map(e->obj, i);
    const struct ebpf_map_spec *s = ebpf_map_get_spec(m);
    info->name = ebpf_object_map_name(e->obj, i);
    info->type = s->type;
    info->key_size = s->key_size;
    info->value_size = (uint32_t)ebpf_map_sys_value_size(m);
    info->max_entries = s->max_entries;
    bool percpu = s->type == BPF_MAP_TYPE_PERCPU_ARRAY || s->type == BPF_MAP_TYPE_PERCPU_HASH ||
                  s->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    info->n_cpus = percpu ? ebpf_map_n_cpus(m) : 1;
    info->cpu_stride = percpu ? (s->value_size + 7) / 8 * 8 : s->value_size;
}

static int model_map_lookup(struct engine *e, unsigned i, const void *key, void *value)
{
    return ebpf_map_sys_lookup(ebpf_object_map(e->obj, i), key, value);
}

static int model_map_update(struct engine *e, unsigned i, const void *key, const void *value,
                            uint64_t flags)
{
    return ebpf_map_sys_update(ebpf_object_map(e->obj, i), key, value, flags);
}

static int model_map_next_key(struct engine *e, unsigned i, const void *key, void *next)
{
    return ebpf_map_get_next_key(ebpf_object_map(e->obj, i), key, next);
}

static const char *model_prog_name(struct engine *e)
{
    return ebpf_object_prog_name(e->run_obj ? e->run_obj : e->obj, (unsigned)e->prog);
}

static int model_prog_ref(struct engine *e, const char *name, uint32_t *value)
{
    int i = ebpf_object_find_prog(e->obj, name);
    if (i < 0)
        return i;
    *value = (uint32_t)i;
    return 0;
}

static void model_set_time(struct engine *e, uint64_t ns)
{
    ebpf_object_set_time(e->obj, ns);
    if (e->alt_obj)
        ebpf_object_set_time(e->alt_obj, ns);
}

/* Program replacement at a packet boundary (the driver shim's PROG_ATTACH):
 * the next packet runs program prog_index of obj. */
static int model_set_prog(struct engine *e, ebpf_object *obj, unsigned prog_index, char *err,
                          size_t errlen)
{
    if (prog_index >= ebpf_object_prog_count(obj)) {
        snprintf(err, errlen, "%s: no program %u", ebpf_object_name(obj), prog_index);
        return -ENOENT;
    }
    if (obj != e->obj && obj != e->alt_obj) {
        ebpf_core *core = ebpf_core_create(obj, 0, err, errlen);
        if (!core)
            return -ENOMEM;
        ebpf_timing *timing = NULL;
        if (e->timing) {
            if (!(timing = ebpf_timing_create(e->hw ? &e->hw->timing : NULL, obj))) {
                ebpf_core_destroy(core);
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
            }
            for (unsigned m = 0; e->hw && m < ebpf_object_map_count(obj); m++)
                ebpf_timing_set_placement(timing, m,
                                          ebpf_hwconfig_placement(e->hw, ebpf_object_map_name(obj, m)));
            ebpf_vm_set_tracer(ebpf_core_vm(core), ebpf_timing_tracer, timing);
        }
        ebpf_core_destroy(e->alt_core);
        ebpf_timing_destroy(e->alt_timing);
        e->alt_obj = obj;
        e->alt_core = core;
        e->alt_timing = timing;
    }
    e->run_obj = obj;
    e->prog = (int)prog_index;
    return 0;
}

static int model_map_ref(struct engine *e, const char *name, uint32_t *value)
{
    int i = ebpf_object_find_map(e->obj, name);
    if (i < 0)
        return i;
    *value = (uint32_t)i;
    return 0;
}

const struct engine_ops engine_model_ops = {
    .name = "model",
    .open = model_open,
    .close = model_close,
    .run_packet = model_run_packet,
    .map_count = model_map_count,
    .map_info = model_map_info,
    .map_lookup = model_map_lookup,
    .map_update = model_map_update,
    .map_next_key = model_map_next_key,
    .prog_name = model_prog_name,
    .prog_ref = model_prog_ref,
    .map_ref = model_map_ref,
    .set_time = model_set_time,
    .object = engine_model_object,
    .set_prog = model_set_prog,
};

ebpf_object *engine_model_object(struct engine *e) { return e->obj; }
int engine_model_prog(struct engine *e) { return e->prog; }

const char *engine_stall_name(int k)
{
    _Static_assert(ENGINE_STALLS == EBPF_STALL_COUNT, "stall lists differ");
    return k >= 0 && k < EBPF_STALL_COUNT ? ebpf_stall_names[k] : "?";
}

const struct engine_ops *engine_find(const char *name)
{
    if (!strcmp(name, "model"))
        return &engine_model_ops;
    if (!strcmp(name, "kernel"))
        return &engine_kernel_ops;
    if (!strcmp(name, "rtl"))
        return &engine_rtl_ops;
    if (!strcmp(name, "cosim"))
        return &engine_cosim_ops;
    return NULL;
}
