// engine_rtl.cpp - the "rtl" and "cosim" engines of ebpfsim (sim/engine.h)
// and the plain-program entry points the conformance and random-program
// commands use.  The object, its maps and the helpers are the C model's
// (one set of maps); the program runs on the Verilated core, alone or in
// lockstep with the model.
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ebpf_hwconfig.h"
#include "ebpf_runtime.h"
#include "rtl_run.h"
#include "tb_model.h"

extern "C" {
#include "engine.h"
#include "routes.h"
}

struct engine {
    bool cosim = false;
    ebpf_object *own = nullptr;   // the object the engine opened: its maps, refs
    ebpf_object *obj = nullptr;   // the object whose program runs (own, or set_prog's)
    ebpf_core *core = nullptr;    // core 0 of obj
    int prog = 0;
    struct ebpf_xdp_frame frame {};
    FILE *trace_log = nullptr;
    FILE *events = nullptr;
    std::vector<uint8_t> out;
    bool timing = false;
    struct ebpf_core_timing tcfg {};
    const struct ebpf_hwconfig *hw = nullptr;
    rtl::Runner *runner = nullptr;
    uint64_t packets = 0;
    std::string name;             // object file name, for reports
    std::string prog_name;        // the program running, for reports
    struct engine_cosim_stats cs {}; // cosim: frames, refusals, cycle sums, first failure
};

static void rtl_close(struct engine *e)
{
    if (!e)
        return;
    // (set_prog's object may be closed already: only names kept here)
    if (e->runner && e->runner->stats().runs)
        std::printf("%s %s (%s): %s\n", e->cosim ? "cosim" : "rtl", e->name.c_str(),
                    e->prog_name.c_str(), e->runner->summary().c_str());
    delete e->runner;
    ebpf_core_destroy(e->core);
    ebpf_object_close(e->own);
    ebpf_xdp_frame_free(&e->frame);
    if (e->trace_log)
        std::fclose(e->trace_log);
    if (e->events)
        std::fclose(e->events);
    delete e;
}

// Programs of obj into the RTL, the maps of core's VM into its map table.
static int load_object(struct engine *e, ebpf_object *obj, char *err, size_t errlen)
{
    std::vector<const ebpf_prog *> progs;
    for (unsigned i = 0; i < ebpf_object_prog_count(obj); i++)
        progs.push_back(tbm_object_prog(obj, i));
    char why[512];
    int rc = e->runner->load(progs.data(), (unsigned)progs.size(), why, sizeof(why));
    if (rc < 0) {
        std::snprintf(err, errlen, "%s: %s", ebpf_object_name(obj), why);
        return rc;
    }
    std::vector<uint8_t> placement;
    for (unsigned m = 0; e->hw && m < ebpf_object_map_count(obj); m++)
        placement.push_back(
            (uint8_t)ebpf_hwconfig_placement(e->hw, ebpf_object_map_name(obj, m)));
    rc = e->runner->attach(ebpf_core_vm(e->core), obj, &e->tcfg,
                           placement.empty() ? nullptr : placement.data(), why, sizeof(why));
    if (rc < 0)
        std::snprintf(err, errlen, "%s: %s", ebpf_object_name(obj), why);
    return rc;
}

static FILE *open_output(const char *path, char *err, size_t errlen)
{
    FILE *f = std::fopen(path, "w");
    if (!f)
        std::snprintf(err, errlen, "%s: %s", path, std::strerror(errno));
    return f;
}

static int open_common(struct engine **out, const struct engine_opts *opts, bool cosim, char *err,
                       size_t errlen)
{
    struct engine *e = new engine;
    e->cosim = cosim;
    e->timing = opts->timing;
    e->hw = opts->hw;
    const char *slash = std::strrchr(opts->object, '/');
    e->name = slash ? slash + 1 : opts->object;
    int rc = -EINVAL;
    if (opts->hw)
        e->tcfg = opts->hw->timing;
    else
        ebpf_core_timing_default(&e->tcfg);
    if ((rc = rtl::Runner::check_timing(&e->tcfg, err, errlen)) < 0)
        goto fail;
    if (opts->trace_log && !(e->trace_log = open_output(opts->trace_log, err, errlen)))
        goto fail;
    if (opts->events && !(e->events = open_output(opts->events, err, errlen)))
        goto fail;
    {
        struct ebpf_object_opts oo = {};
        oo.n_cpus = opts->n_cpus ? opts->n_cpus : 1;
        oo.prandom_seed = opts->prandom_seed;
        oo.trace_log = e->trace_log;
        oo.events = e->events;
        if ((rc = ebpf_object_open(opts->object, &oo, &e->own, err, errlen)) < 0)
            goto fail;
    }
    e->obj = e->own;
    if (opts->routes && (rc = routes_load(e->obj, opts->routes, err, errlen)) < 0)
        goto fail;
    if (opts->prog) {
        e->prog = ebpf_object_find_prog(e->obj, opts->prog);
        if (e->prog < 0) {
            std::snprintf(err, errlen, "%s: no program named '%s'", opts->object, opts->prog);
            rc = -ENOENT;
            goto fail;
        }
    } else if ((e->prog = ebpf_object_default_xdp_prog(e->obj)) < 0) {
        std::snprintf(err, errlen,
                      "%s: no XDP program (section xdp, xdp/..., xdp.frags); use --prog",
                      opts->object);
        rc = -ENOENT;
        goto fail;
    }
    if (!(e->core = ebpf_core_create(e->obj, 0, err, errlen))) {
        rc = -ENOMEM;
        goto fail;
    }
    if ((rc = ebpf_xdp_frame_init(&e->frame, opts->linear_max)) < 0) {
        std::snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (e->frame.buf_size > rtl::kPacketBytes) {
        std::snprintf(err, errlen,
                      "--linear-max %u: frames do not fit the RTL's %u-byte packet buffer "
                      "(at most %u linear bytes)",
                      e->frame.linear_max, rtl::kPacketBytes,
                      rtl::kPacketBytes - EBPF_XDP_HEADROOM - EBPF_XDP_TAILROOM);
        rc = -E2BIG;
        goto fail;
    }
    {
        rtl::RunnerOptions ro;
        ro.cosim = cosim;
        ro.wave = opts->wave;
        e->runner = new rtl::Runner(ro);
    }
    if ((rc = load_object(e, e->obj, err, errlen)) < 0)
        goto fail;
    e->prog_name = ebpf_object_prog_name(e->obj, (unsigned)e->prog);
    *out = e;
    return 0;
fail:
    rtl_close(e);
    return rc;
}

static int rtl_open(struct engine **out, const struct engine_opts *opts, char *err, size_t errlen)
{
    return open_common(out, opts, false, err, errlen);
}

static int cosim_open(struct engine **out, const struct engine_opts *opts, char *err,
                      size_t errlen)
{
    return open_common(out, opts, true, err, errlen);
}

// The cosim figures of one packet: the cycle sums over the packets whose
// counts were compared (a divergence ends a run before its count), and the
// first failure.
static void cosim_account(struct engine *e, uint64_t index, const rtl::Outcome &oc, int rc,
                          const char *err)
{
    struct engine_cosim_stats &s = e->cs;
    const rtl::RunnerStats &st = e->runner->stats();
    bool diverged = st.divergences > s.divergences;
    bool mismatch = st.cycle_mismatches > s.cycle_mismatches;
    if (rc == 0 || mismatch) {
        s.model_cycles += oc.timing.cycles;
        s.rtl_cycles += oc.cycles;
    }
    if (rc < 0 && !s.failed) {
        s.failed = true;
        s.fail_packet = index;
        std::snprintf(s.fail_kind, sizeof(s.fail_kind), "%s",
                      diverged ? "divergence" : mismatch ? "cycles" : "error");
        s.fail_model_cycles = oc.timing.cycles;
        s.fail_rtl_cycles = oc.cycles;
        // a divergence's report (printed on stderr) up to its instruction
        // history; otherwise the error itself
        std::string msg = diverged ? e->runner->last_report() : std::string(err);
        size_t cut = msg.find("  the last ");
        if (cut == std::string::npos)
            cut = msg.find("  (no instruction");
        msg = msg.substr(0, cut);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
            msg.pop_back();
        std::snprintf(s.fail_message, sizeof(s.fail_message), "%s", msg.c_str());
    }
    s.runs = st.runs;
    s.insns = st.insns;
    s.cycle_counts = st.cycles_compared;
    s.divergences = st.divergences;
    s.cycle_mismatches = st.cycle_mismatches;
}

static void cosim_stats(struct engine *e, struct engine_cosim_stats *out) { *out = e->cs; }

static int rtl_run_packet(struct engine *e, const uint8_t *pkt, uint32_t len,
                          struct pkt_result *res)
{
    std::memset(res, 0, sizeof(*res));
    res->redirect_target = -1;
    uint64_t index = e->packets++;
    e->cs.frames++;
    int lrc = ebpf_xdp_frame_load(&e->frame, pkt, len);
    if (lrc < 0) {
        e->cs.refused++;
        res->refused = true;
        std::snprintf(res->refused_why, sizeof(res->refused_why), "%s",
                      lrc == -EINVAL ? "frame shorter than 14 bytes"
                                     : "frame needs more than 17 page fragments");
        return 0;
    }
    rtl::Job job;
    job.kind = rtl::Job::Xdp;
    job.prog = (unsigned)e->prog;
    job.frame = &e->frame;
    job.core = e->core;
    char label[320];
    std::snprintf(label, sizeof(label), "packet %" PRIu64 " (%s, program %s)", index,
                  e->name.c_str(), ebpf_object_prog_name(e->obj, (unsigned)e->prog));
    job.label = label;
    if (e->cosim) {
        job.model = [e](struct ebpf_run_result *r) {
            struct ebpf_xdp_result xr;
            int rc = ebpf_core_run_xdp(e->core, (unsigned)e->prog, &e->frame, &xr);
            r->r0 = xr.retval;
            r->insns = xr.insns;
            r->fault = xr.fault;
            return rc;
        };
    }
    rtl::Outcome oc;
    int rc = e->runner->run(job, oc, res->fault, sizeof(res->fault));
    if (e->cosim)
        cosim_account(e, index, oc, rc, res->fault);
    if (rc < 0)
        return rc;
    // the verdict as ebpf_core_run_xdp derives it
    uint32_t act = (uint32_t)oc.res.r0;
    res->action = oc.res.fault.kind || act > EBPF_XDP_REDIRECT ? (uint32_t)EBPF_XDP_ABORTED : act;
    res->retval = oc.res.r0;
    res->insns = oc.res.insns;
    res->has_insns = true;
    res->fault_kind = oc.res.fault.kind;
    if (oc.res.fault.kind)
        ebpf_fault_format(&oc.res.fault, res->fault, sizeof(res->fault));
    if (res->action == EBPF_XDP_REDIRECT) {
        bool set;
        uint32_t ifindex;
        int32_t map;
        tbm_core_redirect(e->core, &set, &ifindex, &map);
        res->redirect_target = (int32_t)ifindex;
        res->redirect_map = set && map >= 0 ? ebpf_object_map_name(e->obj, (unsigned)map) : nullptr;
    }
    if (e->timing) {
        res->has_timing = true;
        res->cycles = oc.cycles; // the RTL's counter
        res->issue_cycles = oc.cycles >= e->tcfg.pipeline_fill ? oc.cycles - e->tcfg.pipeline_fill : 0;
        for (int k = 0; k < EBPF_STALL_COUNT; k++)
            res->stall[k] = oc.timing.stall[k];
    }
    const struct ebpf_xdp_frame *f = &e->frame;
    size_t n = (size_t)(f->data_end - f->data_meta) + f->frags_len;
    e->out.resize(n ? n : 1);
    std::memcpy(e->out.data(), f->buf + f->data_meta, f->data_end - f->data_meta);
    if (f->frags_len)
        std::memcpy(e->out.data() + (f->data_end - f->data_meta), f->frags, f->frags_len);
    res->data = e->out.data();
    res->data_len = (uint32_t)n;
    res->meta_len = f->data - f->data_meta;
    return 0;
}

// Maps, references and object() are the engine's own object's, as in the
// model engine (set_prog changes only which program runs).
static unsigned rtl_map_count(struct engine *e) { return ebpf_object_map_count(e->own); }

static void rtl_map_info(struct engine *e, unsigned i, struct engine_map_info *info)
{
    // as the model engine describes them: the maps are the model's
    ebpf_map *m = ebpf_object_map(e->own, i);
    const struct ebpf_map_spec *s = ebpf_map_get_spec(m);
    info->name = ebpf_object_map_name(e->own, i);
    info->type = s->type;
    info->key_size = s->key_size;
    info->value_size = (uint32_t)ebpf_map_sys_value_size(m);
    info->max_entries = s->max_entries;
    bool percpu = s->type == BPF_MAP_TYPE_PERCPU_ARRAY || s->type == BPF_MAP_TYPE_PERCPU_HASH ||
                  s->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    info->n_cpus = percpu ? ebpf_map_n_cpus(m) : 1;
    info->cpu_stride = percpu ? (s->value_size + 7) / 8 * 8 : s->value_size;
}

static int rtl_map_lookup(struct engine *e, unsigned i, const void *key, void *value)
{
    return ebpf_map_sys_lookup(ebpf_object_map(e->own, i), key, value);
}

static int rtl_map_update(struct engine *e, unsigned i, const void *key, const void *value,
                          uint64_t flags)
{
    return ebpf_map_sys_update(ebpf_object_map(e->own, i), key, value, flags);
}

static int rtl_map_next_key(struct engine *e, unsigned i, const void *key, void *next)
{
    return ebpf_map_get_next_key(ebpf_object_map(e->own, i), key, next);
}

static const char *rtl_prog_name(struct engine *e)
{
    return ebpf_object_prog_name(e->obj, (unsigned)e->prog);
}

static int rtl_prog_ref(struct engine *e, const char *name, uint32_t *value)
{
    int i = ebpf_object_find_prog(e->own, name);
    if (i < 0)
        return i;
    *value = (uint32_t)i;
    return 0;
}

static void rtl_set_time(struct engine *e, uint64_t ns)
{
    ebpf_object_set_time(e->own, ns);
    if (e->obj != e->own)
        ebpf_object_set_time(e->obj, ns);
}

static int rtl_map_ref(struct engine *e, const char *name, uint32_t *value)
{
    int i = ebpf_object_find_map(e->own, name);
    if (i < 0)
        return i;
    *value = (uint32_t)i;
    return 0;
}

static struct ebpf_object *rtl_object(struct engine *e) { return e->own; }

static int rtl_set_prog(struct engine *e, struct ebpf_object *obj, unsigned prog_index, char *err,
                        size_t errlen)
{
    if (prog_index >= ebpf_object_prog_count(obj)) {
        std::snprintf(err, errlen, "%s has no program %u", ebpf_object_name(obj), prog_index);
        return -ENOENT;
    }
    if (obj != e->obj) {
        ebpf_core *core = ebpf_core_create(obj, 0, err, errlen);
        if (!core)
            return -ENOMEM;
        ebpf_core *old_core = e->core;
        ebpf_object *old_obj = e->obj;
        e->core = core;
        e->obj = obj;
        int rc = load_object(e, obj, err, errlen);
        if (rc < 0) {
            // back to the program that ran
            e->core = old_core;
            e->obj = old_obj;
            char why[256];
            load_object(e, old_obj, why, sizeof(why));
            ebpf_core_destroy(core);
            return rc;
        }
        ebpf_core_destroy(old_core);
        const char *n = ebpf_object_name(obj);
        e->name = n;
    }
    e->prog = (int)prog_index;
    e->prog_name = ebpf_object_prog_name(obj, prog_index);
    return 0;
}

const struct engine_ops engine_rtl_ops = {
    "rtl",          rtl_open,     rtl_close,    rtl_run_packet, rtl_map_count,
    rtl_map_info,   rtl_map_lookup, rtl_map_update, rtl_map_next_key, rtl_prog_name,
    rtl_prog_ref,   rtl_set_time, rtl_map_ref,  rtl_object,     rtl_set_prog,
    nullptr,
};

const struct engine_ops engine_cosim_ops = {
    "cosim",        cosim_open,   rtl_close,    rtl_run_packet, rtl_map_count,
    rtl_map_info,   rtl_map_lookup, rtl_map_update, rtl_map_next_key, rtl_prog_name,
    rtl_prog_ref,   rtl_set_time, rtl_map_ref,  rtl_object,     rtl_set_prog,
    cosim_stats,
};

// ---------------------------------------------------------------- plain programs

struct rtl_plain {
    rtl::Runner *runner;
    ebpf_vm *vm = nullptr;
    uint64_t runs = 0;
};

struct rtl_plain *rtl_plain_create(bool cosim, const char *wave, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    rtl::RunnerOptions ro;
    ro.cosim = cosim;
    ro.wave = wave;
    struct rtl_plain *p = new rtl_plain;
    p->runner = new rtl::Runner(ro);
    return p;
}

void rtl_plain_destroy(struct rtl_plain *p)
{
    if (!p)
        return;
    delete p->runner;
    delete p;
}

static int plain_run(struct rtl_plain *p, ebpf_vm *vm, const ebpf_prog *prog, rtl::Job &job,
                     struct ebpf_run_result *res, char *err, size_t errlen)
{
    int rc = p->runner->load(&prog, 1, err, errlen);
    if (rc < 0)
        return rc;
    if (vm != p->vm) {
        if ((rc = p->runner->attach(vm, nullptr, nullptr, nullptr, err, errlen)) < 0)
            return rc;
        p->vm = vm;
    }
    rtl::Outcome oc;
    rc = p->runner->run(job, oc, err, errlen);
    if (rc < 0)
        return rc;
    *res = oc.res;
    return res->fault.kind ? -EFAULT : 0;
}

int rtl_plain_run_mem(struct rtl_plain *p, struct ebpf_vm *vm, const struct ebpf_prog *prog,
                      void *mem, size_t len, const char *label, struct ebpf_run_result *res,
                      char *err, size_t errlen)
{
    rtl::Job job;
    job.kind = rtl::Job::Mem;
    job.mem = static_cast<uint8_t *>(mem);
    job.mem_len = len;
    job.label = label;
    if (p->runner->cosim())
        job.model = [=](struct ebpf_run_result *r) { return ebpf_vm_run_mem(vm, prog, mem, len, r); };
    return plain_run(p, vm, prog, job, res, err, errlen);
}

int rtl_plain_run_xdp(struct rtl_plain *p, struct ebpf_vm *vm, const struct ebpf_prog *prog,
                      struct ebpf_xdp_frame *frame, const char *label,
                      struct ebpf_run_result *res, char *err, size_t errlen)
{
    rtl::Job job;
    job.kind = rtl::Job::Xdp;
    job.frame = frame;
    job.label = label;
    if (p->runner->cosim())
        job.model = [=](struct ebpf_run_result *r) {
            ebpf_xdp_attach(vm, frame);
            return ebpf_vm_run(vm, prog, ebpf_xdp_ctx_addr(), 0, r);
        };
    return plain_run(p, vm, prog, job, res, err, errlen);
}

void rtl_plain_summary(const struct rtl_plain *p, const char *what, FILE *out)
{
    std::fprintf(out, "%s %s: %s\n", p->runner->cosim() ? "cosim" : "rtl", what,
                 p->runner->summary().c_str());
}

int rtl_plain_failures(const struct rtl_plain *p)
{
    const rtl::RunnerStats &s = p->runner->stats();
    return (int)(s.divergences + s.cycle_mismatches);
}
