/* The driver shim inside ebpfsim (see drvsim.h).  Map JSON goes through the
 * same code as the engines' (sim/mapsjson.c), over an engine interface
 * whose map operations are the driver's commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drvsim.h"
#include "ebpf_hwconfig.h"
#include "engine.h"
#include "nicdrv.h"

/* The engine interface over the driver, for maps_load_json/maps_dump_json.
 * (Its own struct engine: the wrapped engine is only passed through.) */
struct engine {
    struct drvsim *s;
};

struct drvsim {
    const struct engine_ops *ops;
    struct engine *e;          /* the engine running packets */
    struct engine adapter;
    ebpf_object *obj;
    nicdrv *nic;
    nicdrv_sched *sched;
    uint32_t prog_id;          /* the program the engine runs */
    uint64_t base_ps, last_ps;
    bool started;
    char link[16];
};

static unsigned drv_map_count(struct engine *a) { return ebpf_object_map_count(a->s->obj); }

static void drv_map_info(struct engine *a, unsigned i, struct engine_map_info *info)
{
    struct nicdrv_map_info mi;
    nicdrv_map_info(a->s->nic, i, &mi);
    info->name = ebpf_object_map_name(a->s->obj, i);
    info->type = mi.type;
    info->key_size = mi.key_size;
    info->value_size = mi.value_size;
    info->max_entries = mi.max_entries;
    info->n_cpus = mi.n_cpus;
    info->cpu_stride = mi.n_cpus > 1 ? mi.value_size / mi.n_cpus : mi.value_size;
}

static int drv_map_lookup(struct engine *a, unsigned i, const void *key, void *value)
{
    struct nicdrv_map_info mi;
    nicdrv_map_info(a->s->nic, i, &mi);
    return nicdrv_map_lookup_elem(a->s->nic, i, key, mi.key_size, value, mi.value_size);
}

static int drv_map_update(struct engine *a, unsigned i, const void *key, const void *value,
                          uint64_t flags)
{
    struct nicdrv_map_info mi;
    nicdrv_map_info(a->s->nic, i, &mi);
    return nicdrv_map_update_elem(a->s->nic, i, key, mi.key_size, value, mi.value_size, flags);
}

static int drv_map_next_key(struct engine *a, unsigned i, const void *key, void *next)
{
    struct nicdrv_map_info mi;
    nicdrv_map_info(a->s->nic, i, &mi);
    return nicdrv_map_get_next_key(a->s->nic, i, key, next, mi.key_size);
}

static const char *drv_prog_name(struct engine *a)
{
    return a->s->ops ? a->s->ops->prog_name(a->s->e) : "";
}

/* prog_array and map-in-map slots hold the engine's own numbering (the
 * model's: index in the object) */
static int drv_prog_ref(struct engine *a, const char *name, uint32_t *value)
{
    if (a->s->ops)
        return a->s->ops->prog_ref(a->s->e, name, value);
    int i = ebpf_object_find_prog(a->s->obj, name);
    if (i >= 0)
        *value = (uint32_t)i;
    return i < 0 ? i : 0;
}

static int drv_map_ref(struct engine *a, const char *name, uint32_t *value)
{
    if (a->s->ops)
        return a->s->ops->map_ref(a->s->e, name, value);
    int i = ebpf_object_find_map(a->s->obj, name);
    if (i >= 0)
        *value = (uint32_t)i;
    return i < 0 ? i : 0;
}

static const struct engine_ops drv_ops = {
    .name = "driver",
    .map_count = drv_map_count,
    .map_info = drv_map_info,
    .map_lookup = drv_map_lookup,
    .map_update = drv_map_update,
    .map_next_key = drv_map_next_key,
    .prog_name = drv_prog_name,
    .prog_ref = drv_prog_ref,
    .map_ref = drv_map_ref,
};

void drvsim_close(struct drvsim *s)
{
    if (!s)
        return;
    nicdrv_sched_free(s->sched);
    nicdrv_close(s->nic);
    free(s);
}

int drvsim_open_object(struct drvsim **out, ebpf_object *obj, int prog,
                       const struct drvsim_opts *o, char *err, size_t errlen)
{
    *out = NULL;
    struct drvsim *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->obj = obj;
    s->adapter.s = s;
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    int rc;
    if (o->hw && (rc = nicdrv_config_from_hw(&cfg, o->hw, err, errlen)) < 0)
        goto fail;
    cfg.n_cpus = 1;
    if (o->faults && (rc = nicdrv_config_set_faults(&cfg, o->faults, err, errlen)) < 0)
        goto fail;
    snprintf(s->link, sizeof(s->link), "gen%ux%u", cfg.pcie.gen, cfg.pcie.lanes);
    if ((rc = nicdrv_open_object(obj, &cfg, &s->nic, err, errlen)) < 0)
        goto fail;
    /* the program, loaded and attached through the driver */
    if (prog >= 0 && ((rc = nicdrv_prog_load(s->nic, obj, (unsigned)prog, &s->prog_id)) < 0 ||
                      (rc = nicdrv_prog_attach(s->nic, s->prog_id, 0, NICDRV_F_REPLACE)) < 0)) {
        snprintf(err, errlen, "%s", nicdrv_errmsg(s->nic));
        goto fail;
    }
    if (o->schedule) {
        struct ebpf_object_opts oo = {.n_cpus = o->n_cpus ? o->n_cpus : 1};
        if ((rc = nicdrv_sched_load(o->schedule, &s->sched, err, errlen)) < 0 ||
            (rc = nicdrv_sched_bind(s->sched, s->nic, obj, &oo, err, errlen)) < 0)
            goto fail;
    }
    *out = s;
    return 0;
fail:
    drvsim_close(s);
    return rc;
}

int drvsim_open(struct drvsim **out, const struct engine_ops *ops, struct engine *e,
                const struct drvsim_opts *o, char *err, size_t errlen)
{
    *out = NULL;
    ebpf_object *obj = ops->object ? ops->object(e) : NULL;
    if (!obj) {
        snprintf(err, errlen, "engine %s has no model object for the driver to reach", ops->name);
        return -EOPNOTSUPP;
    }
    int prog = ebpf_object_find_prog(obj, ops->prog_name(e));
    if (prog < 0) {
        snprintf(err, errlen, "%s: no program '%s'", ebpf_object_name(obj), ops->prog_name(e));
        return -ENOENT;
    }
    int rc = drvsim_open_object(out, obj, prog, o, err, errlen);
    if (rc == 0) {
        (*out)->ops = ops;
        (*out)->e = e;
    }
    return rc;
}

nicdrv *drvsim_nic(struct drvsim *s) { return s->nic; }

int drvsim_maps_in(struct drvsim *s, const char *path, char *err, size_t errlen)
{
    return maps_load_json(&drv_ops, &s->adapter, path, err, errlen);
}

int drvsim_maps_out(struct drvsim *s, const char *path, char *err, size_t errlen)
{
    return maps_dump_json(&drv_ops, &s->adapter, path, err, errlen);
}

void drvsim_start(struct drvsim *s)
{
    s->base_ps = s->last_ps = nicdrv_now_ps(s->nic);
    s->started = true;
    if (s->sched)
        nicdrv_sched_start(s->sched, s->base_ps);
}

int drvsim_advance(struct drvsim *s, uint64_t t_ps, char *err, size_t errlen)
{
    uint64_t t = s->base_ps + t_ps;
    if (t < s->last_ps)
        t = s->last_ps; /* a capture going backwards in time: no going back */
    s->last_ps = t;
    int rc = s->sched ? nicdrv_sched_advance(s->sched, t) : nicdrv_advance_ps(s->nic, t);
    if (rc < 0)
        snprintf(err, errlen, "%s", nicdrv_errmsg(s->nic));
    return rc;
}

uint32_t drvsim_program(struct drvsim *s, struct ebpf_object **obj, unsigned *prog_index)
{
    uint32_t id;
    nicdrv_dev_attached(nicdrv_device(s->nic), &id, obj, prog_index);
    return id;
}

void drvsim_note_packet(struct drvsim *s, uint64_t index, uint64_t t_ps)
{
    if (s->sched)
        nicdrv_sched_packet(s->sched, index, s->base_ps + t_ps);
}

int drvsim_packet(struct drvsim *s, uint64_t index, uint64_t t_ps, char *err, size_t errlen)
{
    int rc = drvsim_advance(s, t_ps, err, errlen);
    if (rc < 0)
        return rc;
    if (s->sched)
        nicdrv_sched_packet(s->sched, index, s->last_ps);
    ebpf_object *obj = NULL;
    unsigned idx = 0;
    uint32_t id = drvsim_program(s, &obj, &idx);
    if (id == s->prog_id)
        return 0;
    if (!id) {
        snprintf(err, errlen, "packet %" PRIu64 ": no program is attached on the NIC", index);
        return -ENOENT;
    }
    if (!s->ops || !s->ops->set_prog) {
        snprintf(err, errlen, "engine %s cannot replace its program (no set_prog)",
                 s->ops ? s->ops->name : "-");
        return -EOPNOTSUPP;
    }
    if ((rc = s->ops->set_prog(s->e, obj, idx, err, errlen)) < 0)
        return rc;
    s->prog_id = id;
    return 0;
}

int drvsim_finish(struct drvsim *s, char *err, size_t errlen)
{
    if (!s->sched)
        return 0;
    if (!s->started)
        drvsim_start(s);
    int rc = nicdrv_sched_finish(s->sched);
    if (rc < 0)
        snprintf(err, errlen, "%s", nicdrv_errmsg(s->nic));
    return rc;
}

unsigned drvsim_failed(const struct drvsim *s) { return s->sched ? nicdrv_sched_failed(s->sched) : 0; }

static double rel_ns(const struct drvsim *s, uint64_t t)
{
    return ((double)t - (double)s->base_ps) / 1000.0;
}

static const char *const sched_op_names[] = {"update", "delete", "lookup", "replace"};

void drvsim_summary(const struct drvsim *s, FILE *out)
{
    struct nicdrv_stats hs;
    nicdrv_host_stats(s->nic, &hs);
    fprintf(out, "  driver       %s, %" PRIu64 " commands, modelled latency mean %.2f us, max %.2f us",
            s->link, hs.completed + hs.failed,
            hs.latency_count ? hs.latency_sum_ns / (double)hs.latency_count / 1000.0 : 0.0,
            hs.latency_max_ns / 1000.0);
    if (hs.resends || hs.timeouts || hs.reinits)
        fprintf(out, " (%" PRIu64 " resent, %" PRIu64 " timeouts, %" PRIu64 " queue resets)",
                hs.resends, hs.timeouts, hs.reinits);
    fputc('\n', out);
    if (!s->sched)
        return;
    unsigned n = nicdrv_sched_count(s->sched);
    fprintf(out, "  schedule     %u operations, %u failed (times from the start of the traffic)\n", n,
            nicdrv_sched_failed(s->sched));
    for (unsigned i = 0; i < n && i < 32; i++) {
        const struct nicdrv_sched_entry *e = nicdrv_sched_entry(s->sched, i);
        fprintf(out, "    line %u: %s: ", e->line, e->text);
        if (e->rc < 0)
            fprintf(out, "FAILED %s\n", strerror(-e->rc));
        else if (e->op == NICDRV_SCHED_LOOKUP)
            fprintf(out, "read at %.3f us\n", rel_ns(s, e->apply_ps) / 1000.0);
        else {
            fprintf(out, "applied at %.3f us (%.3f us after submission)", rel_ns(s, e->apply_ps) / 1000.0,
                    (double)(e->apply_ps - e->submit_ps) / 1e6);
            if (e->first_packet >= 0)
                fprintf(out, ", first packet %" PRId64 "\n", e->first_packet);
            else
                fprintf(out, ", after the last packet\n");
        }
    }
    if (n > 32)
        fprintf(out, "    ... (%u more in the --schedule-log)\n", n - 32);
}

int drvsim_write_log(const struct drvsim *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    for (unsigned i = 0; s->sched && i < nicdrv_sched_count(s->sched); i++) {
        const struct nicdrv_sched_entry *e = nicdrv_sched_entry(s->sched, i);
        fprintf(f, "{\"line\":%u,\"op\":\"%s\",\"at_ns\":%.3f,\"submit_ns\":%.3f,", e->line,
                sched_op_names[e->op], (double)e->at_ps / 1000.0, rel_ns(s, e->submit_ps));
        if (e->rc == 0)
            fprintf(f, "\"apply_ns\":%.3f,\"latency_ns\":%.3f,", rel_ns(s, e->apply_ps),
                    (double)(e->apply_ps - e->submit_ps) / 1000.0);
        fprintf(f, "\"done_ns\":%.3f,\"attempts\":%u,\"rc\":%d", rel_ns(s, e->done_ps), e->attempts, e->rc);
        if (e->first_packet >= 0)
            fprintf(f, ",\"first_packet\":%" PRId64, e->first_packet);
        else
            fputs(",\"first_packet\":null", f);
        if (e->op == NICDRV_SCHED_REPLACE && e->rc == 0)
            fprintf(f, ",\"prog_id\":%u", e->prog_id);
        if (e->op == NICDRV_SCHED_LOOKUP && e->rc == 0) {
            fputs(",\"value\":\"", f);
            for (uint32_t b = 0; b < e->value_len; b++)
                fprintf(f, "%02x", e->value[b]);
            fputc('"', f);
        }
        if (e->rc < 0) {
            fputs(",\"error\":\"", f);
            for (const char *c = e->msg; *c; c++)
                if (*c == '"' || *c == '\\')
                    fprintf(f, "\\%c", *c);
                else if ((unsigned char)*c >= 0x20)
                    fputc(*c, f);
            fputc('"', f);
        }
        fputs("}\n", f);
    }
    if (fclose(f)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -EIO;
    }
    return 0;
}
