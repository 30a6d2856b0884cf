// rtl_run.cpp - see rtl_run.h.
#include "rtl_run.h"

#include <cerrno>
#include <cstdarg>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

#include "verilated.h"

namespace rtl {

static void cosim_tracer(void *user, const struct ebpf_retire *rec)
{
    static_cast<Runner *>(user)->model_retire(*rec);
}

static bool is_helper_row(unsigned row)
{
    return row < EBPF_ROW_COUNT && ebpf_isa[row].tclass == EBPF_TCLASS_HELPER;
}

static std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static std::string fmt(const char *f, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

Runner::Runner(const RunnerOptions &opts) : opts_(opts), ctx_(new VerilatedContext)
{
    // Checker self-test (testbench/run-cosim.sh): EBPF_COSIM_INJECT=wdata:N
    // flips bit 0 of the value the RTL's instruction N of each run writes,
    // cycles:N adds N to each run's cycle count, as if the RTL had done so.
    if (const char *inj = std::getenv("EBPF_COSIM_INJECT")) {
        unsigned long long v = 0;
        if (std::sscanf(inj, "wdata:%llu", &v) == 1)
            inject_wdata_seq_ = v;
        else if (std::sscanf(inj, "cycles:%llu", &v) == 1)
            inject_cycles_ = v;
    }
    if (opts_.wave)
        ctx_->traceEverOn(true);
    core_.reset(new Core(ctx_.get()));
    ebpf_core_timing_default(&tcfg_);
    last_.resize(8);
}

Runner::~Runner()
{
    if (vm_ && opts_.cosim)
        tbm_vm_unwrap_nesting(vm_);
    core_.reset();
    ebpf_timing_destroy(timing_);
}

int Runner::load(const ebpf_prog *const *progs, unsigned n, char *err, size_t errlen)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += ebpf_prog_len(progs[i]);
    if (total > kImemDepth) {
        std::snprintf(err, errlen,
                      "the programs need %zu instruction slots; the RTL's instruction memory has %u",
                      total, kImemDepth);
        return -E2BIG;
    }
    progs_.assign(progs, progs + n);
    base_.clear();
    uint32_t at = 0;
    for (unsigned k = 0; k < n; k++) {
        base_.push_back(at);
        const ebpf_prog *p = progs[k];
        const struct ebpf_insn *insns = ebpf_prog_insns(p);
        size_t len = ebpf_prog_len(p);
        for (size_t i = 0; i < len; i++) {
            struct ebpf_insn in = insns[i];
            int row = ebpf_decode(&in);
            uint64_t w;
            if (row >= 0 && ebpf_row_is_wide(row) && i + 1 < len) {
                // lddw with its pseudo source resolved, as the loader did
                uint64_t v = tbm_prog_imm64(p, i);
                struct ebpf_insn hi = insns[i + 1];
                in.imm = (int32_t)(uint32_t)v;
                hi.imm = (int32_t)(uint32_t)(v >> 32);
                std::memcpy(&w, &in, 8);
                core_->write_imem(at + (uint32_t)i, w);
                std::memcpy(&w, &hi, 8);
                core_->write_imem(at + (uint32_t)i + 1, w);
                i++;
                continue;
            }
            std::memcpy(&w, &in, 8);
            core_->write_imem(at + (uint32_t)i, w);
        }
        at += (uint32_t)len;
    }
    return 0;
}

int Runner::check_timing(const struct ebpf_core_timing *cfg, char *err, size_t errlen)
{
    struct ebpf_core_timing d;
    ebpf_core_timing_default(&d);
    // the [core] keys (docs/configuration.md) the RTL's pipeline fixes
    struct key {
        const char *name;
        unsigned value, rtl;
    };
    std::vector<key> keys = {
        {"issue_width", cfg->issue_width, d.issue_width},
        {"local_load_use_penalty", cfg->local_load_use_penalty, d.local_load_use_penalty},
        {"load_use_penalty", cfg->load_use_penalty, d.load_use_penalty},
        {"taken_branch_penalty", cfg->taken_branch_penalty, d.taken_branch_penalty},
        {"subprog_exit_penalty", cfg->subprog_exit_penalty, d.subprog_exit_penalty},
        {"pipeline_fill", cfg->pipeline_fill, d.pipeline_fill},
        {"cycles.div64", cfg->div64_base, d.div64_base},
    };
    static char names[EBPF_TCLASS_COUNT][32];
    for (int c = 0; c < EBPF_TCLASS_COUNT; c++) {
        std::snprintf(names[c], sizeof(names[c]), "cycles.%s",
                      c == EBPF_TCLASS_DIV ? "div32" : ebpf_tclass_names[c]);
        keys.push_back({names[c], cfg->base[c], d.base[c]});
    }
    for (const key &k : keys) {
        if (k.value == k.rtl)
            continue;
        std::snprintf(err, errlen,
                      "[core] %s = %u: the RTL implements %s = %u (the default core timing of "
                      "docs/configuration.md); of the hardware configuration only map placement, "
                      "memory latencies and helper costs may change on the rtl and cosim engines",
                      k.name, k.value, k.name, k.rtl);
        return -EINVAL;
    }
    return 0;
}

int Runner::attach(ebpf_vm *vm, const ebpf_object *obj, const struct ebpf_core_timing *cfg,
                   const uint8_t *placement, char *err, size_t errlen)
{
    if (cfg) {
        int rc = check_timing(cfg, err, errlen);
        if (rc < 0)
            return rc;
        tcfg_ = *cfg;
    } else {
        ebpf_core_timing_default(&tcfg_);
    }
    uint32_t n = tbm_vm_region_count(vm);
    for (uint32_t id = EBPF_REGION_FIRST_DYNAMIC + kNumMaps; id < n; id++) {
        uint32_t lo, hi;
        unsigned perm;
        tbm_vm_region(vm, id, &lo, &hi, &perm);
        if (perm) {
            std::snprintf(err, errlen, "map region %u: the RTL's map table has %u entries", id,
                          kNumMaps);
            return -E2BIG;
        }
    }
    if (vm_ && opts_.cosim && vm_ != vm)
        tbm_vm_unwrap_nesting(vm_);
    if (vm_ != vm)
        mirror_ = false; // another VM's stack
    vm_ = vm;
    if (opts_.cosim && tbm_vm_wrap_nesting(vm, &nesting_) < 0) {
        std::snprintf(err, errlen, "too many co-simulated VMs");
        return -ENOSPC;
    }
    for (unsigned i = 0; i < kNumMaps; i++) {
        uint32_t lo, hi;
        unsigned perm;
        tbm_vm_region(vm, EBPF_REGION_FIRST_DYNAMIC + i, &lo, &hi, &perm);
        core_->set_map(i, perm ? hi : 0, perm);
    }
    ebpf_timing_destroy(timing_);
    timing_ = ebpf_timing_create(&tcfg_, obj);
    if (!timing_) {
        std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    unsigned nmaps = obj ? ebpf_object_map_count(obj) : 0;
    placement_.assign(nmaps, tcfg_.default_placement);
    for (unsigned m = 0; m < nmaps; m++) {
        if (placement && placement[m] < EBPF_PLACE_COUNT)
            placement_[m] = placement[m];
        ebpf_timing_set_placement(timing_, m, (enum ebpf_placement)placement_[m]);
    }
    return 0;
}

int Runner::find_prog(const ebpf_prog *p) const
{
    for (size_t i = 0; i < progs_.size(); i++)
        if (progs_[i] == p)
            return (int)i;
    return -1;
}

std::string Runner::summary() const
{
    if (opts_.cosim)
        return fmt("%" PRIu64 " runs, %" PRIu64 " instructions and %" PRIu64
                   " cycle counts compared, %" PRIu64 " divergences, %" PRIu64 " cycle mismatches",
                   stats_.runs, stats_.insns, stats_.cycles_compared, stats_.divergences,
                   stats_.cycle_mismatches);
    return fmt("%" PRIu64 " runs, %" PRIu64 " instructions retired, %" PRIu64
               " cycle counts checked against the timing model, %" PRIu64 " cycle mismatches",
               stats_.runs, stats_.insns, stats_.cycles_compared, stats_.cycle_mismatches);
}

// ------------------------------------------------------------ memory sync

// The RTL's local memories mirror the model's stack and frame buffer:
// between runs they agree everywhere (both sides executed the same stores,
// and helpers' writes are copied over), so a run copies only what the
// model changed: the new frame, and around a helper call the live stack
// frames and the packet window (before and after the call: adjust_head,
// adjust_tail and adjust_meta move it).  The whole stack is copied when
// bpf_loop callbacks ran (they use deeper frames).
void Runner::sync_to_model(unsigned depth)
{
    uint32_t lo = (EBPF_MAX_FRAMES - 1 - depth) * EBPF_STACK_SIZE;
    core_->stack_read(lo, tbm_vm_stack(vm_) + lo, kStackBytes - lo);
    if (job_->kind == Job::Xdp) {
        const struct ebpf_xdp_frame *f = job_->frame;
        core_->packet_read(f->data_meta, f->buf + f->data_meta, f->data_end - f->data_meta);
    } else if (job_->mem_len) {
        core_->packet_read(0, job_->mem, (uint32_t)job_->mem_len);
    }
}

void Runner::sync_to_rtl(unsigned depth, bool whole_stack)
{
    uint32_t lo = whole_stack ? 0 : (EBPF_MAX_FRAMES - 1 - depth) * EBPF_STACK_SIZE;
    core_->stack_update(lo, tbm_vm_stack(vm_) + lo, kStackBytes - lo);
    if (job_->kind == Job::Xdp) {
        const struct ebpf_xdp_frame *f = job_->frame;
        CoreStatus st = core_->status(); // the window before the call
        uint32_t a = st.data_meta < f->data_meta ? st.data_meta : f->data_meta;
        uint32_t b = st.data_end > f->data_end ? st.data_end : f->data_end;
        if (b > f->buf_size)
            b = f->buf_size;
        if (a < b)
            core_->packet_update(a, f->buf + a, b - a);
    } else if (job_->mem_len) {
        core_->packet_update(0, job_->mem, (uint32_t)job_->mem_len);
    }
}

// ------------------------------------------------------------ map port

unsigned Runner::map_latency(uint64_t addr)
{
    uint64_t m = (addr >> 32) - EBPF_REGION_FIRST_DYNAMIC;
    unsigned p = m < placement_.size() ? placement_[m] : tcfg_.default_placement;
    return tcfg_.mem_latency[p];
}

uint64_t Runner::map_read(uint64_t addr, unsigned size)
{
    const void *p = ebpf_vm_translate(vm_, addr, size, EBPF_MEM_READ);
    if (!p) {
        harness_error(fmt("the RTL read %u bytes of map memory at 0x%" PRIx64
                          ", outside the model's region",
                          size, addr));
        return 0;
    }
    uint64_t v = 0;
    std::memcpy(&v, p, size);
    return v;
}

void Runner::map_write(uint64_t addr, unsigned size, uint64_t value)
{
    void *p = ebpf_vm_translate(vm_, addr, size, EBPF_MEM_WRITE);
    if (!p) {
        harness_error(fmt("the RTL wrote %u bytes of map memory at 0x%" PRIx64
                          ", outside the model's region",
                          size, addr));
        return;
    }
    // in co-simulation the model applies the write (the RTL's is checked
    // through its retire record)
    if (!opts_.cosim)
        std::memcpy(p, &value, size);
}

// ------------------------------------------------------------ helpers

void Runner::nested_snapshot(uint64_t *insns, uint64_t *issue)
{
    struct ebpf_packet_timing pt;
    ebpf_timing_end(timing_, &pt);
    *insns = pt.insns;
    *issue = pt.issue_cycles;
}

// Cycles the helper unit takes: the timing model's helper latency, none for
// a call that faults (the model charges none).  bpf_loop's callbacks run in
// the model inside the call; the timing model charges their instructions
// (it sees their records before the call's), so the helper unit takes those
// cycles too.  The load-use stall the call itself takes in the RTL when a
// load of the issue group before it writes one of its arguments is then
// charged by the timing model to the callback's first instruction instead
// (or not at all), so it comes off the callback's cycles.
//
// A tail call that succeeds redirects the fetch from EX, which costs the
// two bubbles of a taken branch; the timing model's tail_call latency
// covers them, so the helper unit answers two cycles sooner.
unsigned Runner::helper_latency(uint64_t id, const uint64_t args[5], bool fault, bool tail,
                                uint64_t nested_insns, uint64_t nested_issue, int prev_load_reg,
                                unsigned prev_load_pen, bool callx, unsigned dst)
{
    unsigned lat = fault ? 0 : ebpf_timing_helper_latency(timing_, (uint32_t)id, args);
    if (tail)
        lat = lat > tcfg_.taken_branch_penalty ? lat - tcfg_.taken_branch_penalty : 0;
    if (nested_insns) {
        uint64_t extra = nested_issue;
        unsigned reads = 0x3e | (callx ? 1u << dst : 0);
        if (prev_load_reg >= 0 && ((reads >> prev_load_reg) & 1))
            extra -= prev_load_pen;
        lat += (unsigned)extra;
    }
    return lat;
}

bool Runner::helper(const HelperRequest &req, HelperResponse &resp)
{
    if (opts_.cosim) {
        if (answers_.empty())
            return false; // the model has not made this call yet
        resp = answers_.front().resp;
        answers_.pop_front();
        return true;
    }
    const ebpf_prog *p = progs_[cur_prog_];
    uint32_t pc = next_pc_;
    bool callx = false;
    unsigned dst = 0;
    if (pc < ebpf_prog_len(p)) {
        struct ebpf_insn in = ebpf_prog_insns(p)[pc];
        int row = ebpf_decode(&in);
        callx = row >= 0 && ebpf_isa[row].form == EBPF_FORM_CALLX;
        dst = in.dst;
    }
    sync_to_model(req.depth);
    uint64_t nested0 = tbm_vm_nested_insns(vm_);
    uint32_t d0 = 0, e0 = 0, m0 = 0;
    struct ebpf_xdp_frame *f = job_->kind == Job::Xdp ? job_->frame : nullptr;
    if (f)
        d0 = f->data, e0 = f->data_end, m0 = f->data_meta;
    // callbacks of bpf_loop retire in the model: the timing model sees them
    uint64_t ni0, nis0, ni1, nis1;
    nested_snapshot(&ni0, &nis0);
    ebpf_vm_set_tracer(vm_, ebpf_timing_tracer, timing_);
    tbm_call_helper(vm_, p, pc, req.id, req.args, req.depth, callx, dst, &last_helper_);
    ebpf_vm_set_tracer(vm_, nullptr, nullptr);
    have_helper_ = true;
    resp.nested = tbm_vm_nested_insns(vm_) != nested0;
    resp.r0 = last_helper_.r0;
    resp.fault = last_helper_.fault.kind;
    if (f && (f->data != d0 || f->data_end != e0 || f->data_meta != m0)) {
        resp.ctx_changed = true;
        resp.data = (uint16_t)f->data;
        resp.data_end = (uint16_t)f->data_end;
        resp.data_meta = (uint16_t)f->data_meta;
    }
    if (last_helper_.tail_call) {
        int k = find_prog(last_helper_.tail_call);
        if (k < 0) {
            harness_error("a tail call into a program that is not in the RTL's instruction memory");
        } else {
            resp.tail_call = true;
            resp.tail_pc = base_[(size_t)k];
            cur_prog_ = (unsigned)k;
        }
    }
    nested_snapshot(&ni1, &nis1);
    resp.latency = helper_latency(req.id, req.args, resp.fault != 0, resp.tail_call, ni1 - ni0,
                                  nis1 - nis0, grp_load_reg_, grp_load_pen_, callx, dst);
    return true;
}

void Runner::helper_deliver(const HelperRequest &req, const HelperResponse &resp)
{
    // the helper may have written the stack and the packet
    sync_to_rtl(req.depth, resp.nested);
}

// ------------------------------------------------------------ retire

// Cycles of an instruction's cost that the RTL pays after retiring it (the
// bubbles of a redirect), so the timing model's cumulative count minus
// these is the cycle the RTL retires it in.
static unsigned post_penalty(const struct ebpf_core_timing &c, const struct ebpf_retire &r)
{
    if (r.row >= EBPF_ROW_COUNT || r.fault)
        return 0;
    switch (ebpf_isa[r.row].tclass) {
    case EBPF_TCLASS_BRANCH: return r.taken ? c.taken_branch_penalty : 0;
    case EBPF_TCLASS_JUMP:
    case EBPF_TCLASS_CALL: return c.base[ebpf_isa[r.row].tclass] - 1;
    case EBPF_TCLASS_EXIT: return r.frame > 0 ? c.subprog_exit_penalty : 0;
    case EBPF_TCLASS_HELPER: return r.taken ? c.taken_branch_penalty : 0; // tail call
    default: return 0;
    }
}

void Runner::retire(const struct ebpf_retire &rec, uint64_t cycle)
{
    rtl_retired_++;
    if (opts_.cosim) {
        rq_.emplace_back(rec, cycle);
        if (rec.seq == inject_wdata_seq_ && rec.wreg >= 0)
            rq_.back().first.wdata ^= 1;
        match();
        return;
    }
    ebpf_timing_retire(timing_, &rec);
    grp_load_reg_ = ebpf_timing_group_load(timing_, &grp_load_pen_);
    last_rtl_ = rec;
    have_last_rtl_ = true;
    next_pc_ = rec.next_pc;
}

void Runner::model_retire(const struct ebpf_retire &rec)
{
    if (nesting_ > 0) {
        // a bpf_loop callback: runs inside the helper call
        ebpf_timing_retire(timing_, &rec);
        return;
    }
    uint64_t seq = model_retired_++;
    if (diverged_ || failed_) {
        ebpf_timing_retire(timing_, &rec);
        return;
    }
    if (is_helper_row(rec.row)) {
        Answer a;
        a.rec = rec;
        HelperResponse &r = a.resp;
        r.r0 = rec.wreg == 0 ? rec.wdata : 0;
        r.fault = rec.fault;
        if (job_->kind == Job::Xdp) {
            r.ctx_changed = true;
            r.data = (uint16_t)job_->frame->data;
            r.data_end = (uint16_t)job_->frame->data_end;
            r.data_meta = (uint16_t)job_->frame->data_meta;
        }
        if (rec.taken && !rec.fault) {
            int k = find_prog(tbm_vm_cur_prog(vm_));
            if (k < 0) {
                harness_error("a tail call into a program that is not in the RTL's instruction "
                              "memory");
            } else {
                r.tail_call = true;
                r.tail_pc = base_[(size_t)k];
                cur_prog_ = (unsigned)k;
            }
        }
        bool callx = ebpf_isa[rec.row].form == EBPF_FORM_CALLX;
        uint64_t ni, nis;
        nested_snapshot(&ni, &nis);
        r.nested = ni > outer_insns_;
        r.latency = helper_latency(rec.imm64, rec.args, rec.fault != 0, r.tail_call,
                                   ni - outer_insns_, nis - outer_issue_,
                                   grp_load_reg_, grp_load_pen_, callx, rec.insn.dst);
        answers_.push_back(a);
    }
    struct ebpf_packet_timing before, after;
    ebpf_timing_end(timing_, &before);
    ebpf_timing_retire(timing_, &rec);
    ebpf_timing_end(timing_, &after);
    nested_snapshot(&outer_insns_, &outer_issue_);
    grp_load_reg_ = ebpf_timing_group_load(timing_, &grp_load_pen_);
    uint64_t cycle = tcfg_.pipeline_fill + outer_issue_ - post_penalty(tcfg_, rec);
    // The second instruction of a pair retires with the first: the first's
    // cycle is the pair's, unless the second waited for a load (the RTL
    // then issues the first alone one cycle earlier).
    if (after.groups == before.groups &&
        after.stall[EBPF_STALL_LOAD_USE] == before.stall[EBPF_STALL_LOAD_USE]) {
        if (!mq_.empty() && mq_.back().seq + 1 == rec.seq)
            mq_cycle_.back() = cycle;
        else if (cycle_check_.valid && cycle_check_.m.seq + 1 == rec.seq)
            cycle_check_.model_cycle = cycle;
    }
    mq_.push_back(rec);
    mq_cycle_.push_back(cycle);
    match();
    // the RTL retires this instruction and the next one (whose map reads
    // must see the maps before the model executes it)
    advance_to(seq + 2, false);
}

void Runner::match()
{
    while (!diverged_ && !mq_.empty() && !rq_.empty()) {
        const struct ebpf_retire &m = mq_.front();
        const struct ebpf_retire &r = rq_.front().first;
        std::string d = retire_diff(m, r);
        if (!d.empty()) {
            diverge("the RTL and the model retired different results:\n" + d, &m, &r);
            return;
        }
        Pair &p = last_[last_next_++ % last_.size()];
        p.m = m;
        p.r = r;
        p.model_cycle = mq_cycle_.front();
        p.rtl_cycle = rq_.front().second;
        // checked once the model's next record shows whether it paired
        check_cycle();
        cycle_check_ = p;
        cycle_check_.valid = true;
        compared_++;
        mq_.pop_front();
        mq_cycle_.pop_front();
        rq_.pop_front();
    }
}

// The first instruction the RTL retired in another cycle than the timing
// model's rules say (reported with a cycle mismatch).
void Runner::check_cycle()
{
    Pair &p = cycle_check_;
    if (p.valid && p.model_cycle != p.rtl_cycle && first_cycle_seq_ == UINT64_MAX) {
        first_cycle_seq_ = p.m.seq;
        first_cycle_rec_ = p.m;
        first_cycle_model_ = p.model_cycle;
        first_cycle_rtl_ = p.rtl_cycle;
    }
    p.valid = false;
}

// Runs the RTL until it has retired `retired` instructions (or finished,
// with until_done); false when it waits for the model (a helper answer).
bool Runner::advance_to(uint64_t retired, bool until_done)
{
    uint64_t last = rtl_retired_, idle = 0;
    while (!diverged_ && !failed_) {
        if (!until_done && rtl_retired_ >= retired)
            return true;
        Core::Step st = core_->step(*this);
        if (st == Core::Step::Paused)
            return false;
        if (st == Core::Step::Done)
            return true;
        if (++run_cycles_ > opts_.max_cycles && !opts_.cosim) {
            harness_error(fmt("the RTL did not finish in %" PRIu64 " cycles", opts_.max_cycles));
            break;
        }
        if (rtl_retired_ != last) {
            last = rtl_retired_;
            idle = 0;
        } else if (++idle > opts_.max_cycles) {
            if (opts_.cosim)
                diverge(fmt("the RTL retired nothing for %" PRIu64 " cycles", idle), nullptr,
                        nullptr);
            else
                harness_error(fmt("the RTL retired nothing for %" PRIu64 " cycles", idle));
        }
    }
    return true;
}

void Runner::harness_error(const std::string &why)
{
    if (!failed_)
        fail_msg_ = why;
    failed_ = true;
}

void Runner::diverge(const std::string &why, const struct ebpf_retire *m,
                     const struct ebpf_retire *r)
{
    if (diverged_)
        return;
    diverged_ = true;
    const struct ebpf_retire *any = m ? m : r;
    std::string s = fmt("cosim: DIVERGENCE in %s", job_->label.c_str());
    if (any)
        s += fmt(", instruction %" PRIu64 " of the run (pc %u: %s)", any->seq, any->pc,
                 retire_disasm(*any).c_str());
    s += "\n  " + why;
    if (s.back() != '\n')
        s += "\n";
    if (m)
        s += "  model: " + retire_format(*m) + "\n";
    if (r)
        s += "  rtl:   " + retire_format(*r) + "\n";
    size_t n = compared_ < last_.size() ? compared_ : last_.size();
    if (n) {
        s += fmt("  the last %zu instructions both retired alike:\n", n);
        for (size_t i = 0; i < n; i++) {
            const Pair &p = last_[(last_next_ - n + i) % last_.size()];
            s += fmt("    #%-5" PRIu64 " pc %-5u %-34s %s\n", p.m.seq, p.m.pc,
                     retire_disasm(p.m).c_str(), retire_format(p.m).c_str());
        }
    } else {
        s += "  (no instruction retired alike before it)\n";
    }
    if (core_->tracing())
        s += fmt("  waveform: %s holds this run (simulation time %" PRIu64 " to %" PRIu64 ")\n",
                 opts_.wave, wave_t0_, core_->sim_time());
    report_ = s;
}

void Runner::note_cycle_mismatch(const Outcome &out, uint64_t rtl_cycles)
{
    uint64_t m = out.timing.cycles;
    uint64_t d = rtl_cycles > m ? rtl_cycles - m : m - rtl_cycles;
    if (d > stats_.max_cycle_diff)
        stats_.max_cycle_diff = d;
    stats_.cycle_mismatches++;
    report_cycles(out, m);
}

void Runner::report_cycles(const Outcome &out, uint64_t model_cycles)
{
    uint64_t rc = out.cycles;
    int64_t d = (int64_t)rc - (int64_t)model_cycles;
    std::string s = fmt("%s: CYCLE MISMATCH in %s: RTL %" PRIu64 " cycles, timing model %" PRIu64
                        " (difference %+" PRId64 ", %.2f%%)\n",
                        opts_.cosim ? "cosim" : "rtl", job_->label.c_str(), rc, model_cycles, d,
                        model_cycles ? 100.0 * (double)d / (double)model_cycles : 0.0);
    s += fmt("  timing model: %" PRIu64 " instructions, %" PRIu64 " issue cycles; stalls:",
             out.timing.insns, out.timing.issue_cycles);
    for (int k = 0; k < EBPF_STALL_COUNT; k++)
        s += fmt(" %s %" PRIu64, ebpf_stall_names[k], out.timing.stall[k]);
    s += "\n";
    if (first_cycle_seq_ != UINT64_MAX)
        s += fmt("  first instruction retired at another cycle: #%" PRIu64 " pc %u (%s): timing "
                 "model %" PRIu64 ", RTL %" PRIu64 "\n",
                 first_cycle_seq_, first_cycle_rec_.pc, retire_disasm(first_cycle_rec_).c_str(),
                 first_cycle_model_, first_cycle_rtl_);
    std::fputs(s.c_str(), opts_.report);
}

// ------------------------------------------------------------ runs

int Runner::run(const Job &job, Outcome &out, char *err, size_t errlen)
{
    out = Outcome();
    if (!vm_ || !timing_ || job.prog >= progs_.size()) {
        std::snprintf(err, errlen, "no program %u loaded in the RTL", job.prog);
        return -EINVAL;
    }
    if (opts_.cosim && !job.model) {
        std::snprintf(err, errlen, "co-simulation needs the model's run");
        return -EINVAL;
    }
    RunSetup s;
    s.entry = base_[job.prog];
    if (job.kind == Job::Xdp) {
        const struct ebpf_xdp_frame *f = job.frame;
        if (f->buf_size > kPacketBytes) {
            std::snprintf(err, errlen,
                          "a frame buffer of %u bytes does not fit the RTL's %u-byte packet buffer "
                          "(--linear-max at most %u)",
                          f->buf_size, kPacketBytes,
                          kPacketBytes - EBPF_XDP_HEADROOM - EBPF_XDP_TAILROOM);
            return -E2BIG;
        }
        s.xdp = true;
        s.r1 = ebpf_xdp_ctx_addr();
        s.data = (uint16_t)f->data;
        s.data_end = (uint16_t)f->data_end;
        s.data_meta = (uint16_t)f->data_meta;
        s.ingress_ifindex = f->ingress_ifindex;
        s.rx_queue_index = f->rx_queue_index;
        s.egress_ifindex = f->egress_ifindex;
        if (mirror_ && mirror_buf_ == f->buf && mirror_size_ == f->buf_size) {
            core_->packet_write(f->data_meta, f->buf + f->data_meta, f->data_end - f->data_meta);
        } else {
            core_->packet_write(0, f->buf, f->buf_size);
            core_->stack_write(0, tbm_vm_stack(vm_), kStackBytes);
            mirror_ = true;
            mirror_buf_ = f->buf;
            mirror_size_ = f->buf_size;
        }
    } else {
        mirror_ = false;
        if (job.mem_len > kPacketBytes) {
            std::snprintf(err, errlen, "%zu bytes of memory do not fit the RTL's %u-byte buffer",
                          job.mem_len, kPacketBytes);
            return -E2BIG;
        }
        s.mem_len = (uint32_t)job.mem_len;
        s.r1 = job.mem_len ? ebpf_addr(EBPF_REGION_MEM, 0) : 0;
        s.r2 = job.mem_len;
        if (job.mem_len)
            core_->packet_write(0, job.mem, (uint32_t)job.mem_len);
    }

    job_ = &job;
    cur_prog_ = job.prog;
    rtl_retired_ = model_retired_ = compared_ = run_cycles_ = 0;
    diverged_ = failed_ = false;
    fail_msg_.clear();
    report_.clear();
    mq_.clear();
    rq_.clear();
    mq_cycle_.clear();
    answers_.clear();
    last_next_ = 0;
    have_last_rtl_ = have_helper_ = false;
    grp_load_reg_ = -1;
    grp_load_pen_ = 0;
    outer_insns_ = outer_issue_ = 0;
    next_pc_ = 0;
    first_cycle_seq_ = UINT64_MAX;
    cycle_check_.valid = false;
    ebpf_timing_begin(timing_);

    if (opts_.wave && (opts_.cosim || !core_->tracing())) {
        std::string why;
        if (!core_->trace_open(opts_.wave, why)) {
            std::snprintf(err, errlen, "%s", why.c_str());
            return -EIO;
        }
    }
    wave_t0_ = core_->sim_time();

    if (opts_.cosim) {
        if (job.kind == Job::Mem)
            core_->stack_write(0, tbm_vm_stack(vm_), kStackBytes);
        core_->start(s);
        ebpf_vm_set_tracer(vm_, cosim_tracer, this);
        advance_to(1, false);
        struct ebpf_run_result mres;
        std::memset(&mres, 0, sizeof(mres));
        job.model(&mres);
        ebpf_vm_set_tracer(vm_, nullptr, nullptr);
        out.res = mres;
        return finish_cosim(job, out, err, errlen);
    }

    tbm_vm_reset_run(vm_);
    ebpf_vm_set_tracer(vm_, nullptr, nullptr);
    if (job.kind == Job::Xdp) {
        if (job.core) {
            tbm_core_reset_redirect(job.core);
            tbm_core_set_frame(job.core, job.frame);
        } else {
            ebpf_xdp_attach(vm_, job.frame);
        }
    } else if (job.mem_len) {
        ebpf_vm_map_region(vm_, EBPF_REGION_MEM, job.mem, 0, (uint32_t)job.mem_len,
                           EBPF_MEM_READ | EBPF_MEM_WRITE, "mem");
    } else {
        ebpf_vm_unmap_region(vm_, EBPF_REGION_MEM);
    }
    core_->start(s);
    advance_to(UINT64_MAX, true);
    return finish_rtl(job, out, err, errlen);
}

int Runner::finish_rtl(const Job &job, Outcome &out, char *err, size_t errlen)
{
    int rc = 0;
    CoreStatus st = core_->status();
    if (failed_) {
        std::snprintf(err, errlen, "%s: %s", job.label.c_str(), fail_msg_.c_str());
        core_->abandon();
        mirror_ = false;
        rc = -EIO;
    } else {
        if (job.kind == Job::Xdp) {
            struct ebpf_xdp_frame *f = job.frame;
            core_->packet_read(st.data_meta, f->buf + st.data_meta, st.data_end - st.data_meta);
            f->data = st.data;
            f->data_end = st.data_end;
            f->data_meta = st.data_meta;
        } else if (job.mem_len) {
            core_->packet_read(0, job.mem, (uint32_t)job.mem_len);
        }
        struct ebpf_run_result &res = out.res;
        res.r0 = st.r0;
        res.insns = st.insns + tbm_vm_nested_insns(vm_);
        if (st.fault) {
            const struct ebpf_retire &r = last_rtl_;
            if (st.fault == kFaultIllegal) {
                std::snprintf(err, errlen, "%s: the RTL decoded an illegal encoding at pc %u",
                              job.label.c_str(), st.fault_pc);
                rc = -EIO;
            } else if (is_helper_row(r.row)) {
                res.fault = last_helper_.fault;
                // a helper that faults has already set r0, as in the model
                if (r.fault != EBPF_FAULT_BAD_CALL)
                    res.r0 = last_helper_.r0;
            } else if (r.fault == EBPF_FAULT_CALL_DEPTH) {
                tbm_call_depth_fault(r.pc, &res.fault);
            } else {
                unsigned form = ebpf_isa[r.row].form;
                unsigned perm = form == EBPF_FORM_LDX     ? EBPF_MEM_READ
                                : form == EBPF_FORM_ATOMIC ? EBPF_MEM_READ | EBPF_MEM_WRITE
                                                           : EBPF_MEM_WRITE;
                tbm_mem_fault(vm_, r.pc, r.frame, r.mem_addr, ebpf_row_mem_size(r.row), perm,
                              &res.fault);
            }
        }
        out.cycles = st.cycles;
        ebpf_timing_end(timing_, &out.timing);
        stats_.runs++;
        stats_.insns += st.insns;
        // the timing model over the RTL's own retire records must agree
        // with its cycle counter
        stats_.cycles_compared++;
        if (rc == 0 && st.cycles != out.timing.cycles) {
            note_cycle_mismatch(out, st.cycles);
            std::snprintf(err, errlen, "%s: the RTL took %" PRIu64
                          " cycles, the timing model over its records %" PRIu64
                          " (reported above)",
                          job.label.c_str(), st.cycles, out.timing.cycles);
            rc = -EPROTO;
        }
    }
    if (job.kind == Job::Xdp && job.core)
        tbm_core_set_frame(job.core, nullptr);
    else if (job.kind == Job::Mem)
        ebpf_vm_unmap_region(vm_, EBPF_REGION_MEM);
    stats_.core_cycles = core_->cycles_simulated();
    job_ = nullptr;
    return rc;
}

int Runner::finish_cosim(const Job &job, Outcome &out, char *err, size_t errlen)
{
    const struct ebpf_run_result &mres = out.res;
    if (!diverged_ && !failed_) {
        // the RTL finishes with the model's last instruction: one more
        // retire is already a divergence (and keeps a runaway RTL bounded)
        if (!advance_to(model_retired_ + 1, false))
            diverge("the RTL calls a helper after the model's last instruction", nullptr, nullptr);
    }
    if (!diverged_ && !failed_) {
        if (!mq_.empty())
            diverge(fmt("the RTL finished after %" PRIu64 " instructions; the model retired more",
                        rtl_retired_),
                    &mq_.front(), nullptr);
        else if (!rq_.empty())
            diverge("the RTL retired an instruction after the model's last", nullptr,
                    &rq_.front().first);
    }
    check_cycle();
    CoreStatus st = core_->status();
    st.cycles += inject_cycles_;
    if (!diverged_ && !failed_) {
        // the end state: verdict, fault, instruction count, frame, memory
        bool helper_fault = mres.fault.kind && compared_ && is_helper_row(last_[(last_next_ - 1) %
                                                                                 last_.size()].m.row);
        uint64_t rtl_insns = st.insns + tbm_vm_nested_insns(vm_);
        std::string why;
        if (st.fault != mres.fault.kind)
            why += fmt("    fault      model %s, rtl %u\n", ebpf_fault_names[mres.fault.kind],
                       st.fault);
        if (!helper_fault && st.r0 != mres.r0)
            why += fmt("    r0         model 0x%" PRIx64 ", rtl 0x%" PRIx64 "\n", mres.r0, st.r0);
        if (rtl_insns != mres.insns)
            why += fmt("    insns      model %" PRIu64 ", rtl %" PRIu64 "\n", mres.insns, rtl_insns);
        static uint8_t buf[kPacketBytes];
        if (job.kind == Job::Xdp) {
            const struct ebpf_xdp_frame *f = job.frame;
            if (st.data != f->data || st.data_end != f->data_end || st.data_meta != f->data_meta)
                why += fmt("    frame      model data %u end %u meta %u, rtl data %u end %u meta %u\n",
                           f->data, f->data_end, f->data_meta, st.data, st.data_end, st.data_meta);
            else {
                core_->packet_read(f->data_meta, buf + f->data_meta, f->data_end - f->data_meta);
                for (uint32_t i = f->data_meta; i < f->data_end; i++)
                    if (buf[i] != f->buf[i]) {
                        why += fmt("    packet     byte %u: model 0x%02x, rtl 0x%02x\n", i,
                                   f->buf[i], buf[i]);
                        break;
                    }
            }
        } else if (job.mem_len) {
            core_->packet_read(0, buf, (uint32_t)job.mem_len);
            for (size_t i = 0; i < job.mem_len; i++)
                if (buf[i] != job.mem[i]) {
                    why += fmt("    memory     byte %zu: model 0x%02x, rtl 0x%02x\n", i, job.mem[i],
                               buf[i]);
                    break;
                }
        }
        if (!why.empty())
            diverge("the runs end in different states:\n" + why, nullptr, nullptr);
    }
    out.cycles = st.cycles;
    ebpf_timing_end(timing_, &out.timing);
    int rc = 0;
    if (failed_) {
        std::snprintf(err, errlen, "%s: %s", job.label.c_str(), fail_msg_.c_str());
        rc = -EIO;
    } else if (diverged_) {
        std::fputs(report_.c_str(), opts_.report);
        stats_.divergences++;
        std::snprintf(err, errlen, "%s: co-simulation divergence (reported above)",
                      job.label.c_str());
        rc = -EPROTO;
    } else {
        stats_.runs++;
        stats_.insns += compared_;
        stats_.cycles_compared++;
        if (st.cycles != out.timing.cycles) {
            note_cycle_mismatch(out, st.cycles);
            std::snprintf(err, errlen, "%s: the RTL took %" PRIu64
                          " cycles, the timing model %" PRIu64 " (reported above)",
                          job.label.c_str(), st.cycles, out.timing.cycles);
            rc = -EPROTO;
        }
    }
    if (diverged_ || failed_ || core_->busy()) {
        core_->abandon();
        mirror_ = false;
    }
    if (opts_.wave)
        core_->trace_close();
    stats_.core_cycles = core_->cycles_simulated();
    job_ = nullptr;
    return rc;
}

} // namespace rtl
