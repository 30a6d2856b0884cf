// rtl_run.h - runs programs on the RTL core (rtl::Core) the way the model
// runs them, alone ("rtl") or in lockstep with the C model ("cosim").
//
// The RTL's helper unit and map memory are served from the C model: map
// accesses go to the model's map storage (one set of maps), helpers are the
// model's own functions.  In co-simulation the model executes every
// instruction first and the RTL is kept exactly one instruction behind or
// ahead of it, so each side's effects on the shared maps happen once:
//   - the model runs the program with a tracer; on each retire record it
//     lets the RTL retire the same instruction and the next one, then
//     compares the two records field by field;
//   - the RTL's map reads see the maps before the model executes that
//     instruction (atomics read the old value), its map writes are checked
//     through its retire record but not applied (the model applies them);
//   - a helper is called once, by the model; the RTL's helper request waits
//     (the core is held mid-cycle) until the model's record of that call
//     arrives, then gets its r0, fault, frame and tail call, and the model's
//     stack and packet (which the helper may have written) are copied in.
// Per packet, the RTL's cycle counter must equal the timing model's
// standalone cycles computed from the model's records.
#ifndef RTL_RUN_H
#define RTL_RUN_H

#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ebpf.h"
#include "ebpf_runtime.h"
#include "ebpf_timing.h"
#include "ebpf_xdp.h"
#include "rtl_core.h"
#include "tb_model.h"

class VerilatedContext;

namespace rtl {

struct RunnerOptions {
    bool cosim = false;
    const char *wave = nullptr; // FST: rtl: the whole run; cosim: the last packet
                                // (the one that diverged, if one did)
    FILE *report = stderr;      // divergence and cycle-mismatch reports
    uint64_t max_cycles = 50000000; // rtl: per run; cosim: without a retire
};

struct Job {
    enum Kind { Xdp, Mem } kind = Xdp;
    unsigned prog = 0;                 // program index in the loaded image
    struct ebpf_xdp_frame *frame = nullptr; // Xdp
    ebpf_core *core = nullptr;         // Xdp on an object's core (may be NULL)
    uint8_t *mem = nullptr;            // Mem
    size_t mem_len = 0;
    // co-simulation: runs the model (the runner installs its tracer first)
    std::function<int(struct ebpf_run_result *)> model;
    std::string label;                 // "packet 17", "test add.data" (reports)
};

struct Outcome {
    struct ebpf_run_result res{};      // r0, instructions (callbacks included), fault
    uint64_t cycles = 0;               // the RTL's per-packet counter
    struct ebpf_packet_timing timing{}; // timing model (stall breakdown)
};

struct RunnerStats {
    uint64_t runs = 0;
    uint64_t insns = 0;                // instructions compared (cosim) / retired (rtl)
    uint64_t cycles_compared = 0;      // per-packet cycle counts compared
    uint64_t divergences = 0;
    uint64_t cycle_mismatches = 0;
    uint64_t max_cycle_diff = 0;
    uint64_t core_cycles = 0;          // clock cycles simulated
};

class Runner : public Listener {
public:
    explicit Runner(const RunnerOptions &opts);
    ~Runner() override;

    // Programs into instruction memory, one after the other (all programs
    // of an object, so that tail calls find their targets).
    int load(const ebpf_prog *const *progs, unsigned n, char *err, size_t errlen);
    // The VM whose maps, helpers and fault messages the RTL uses; obj
    // gives the timing model the map types (NULL for plain programs).  cfg
    // (NULL: the defaults) and placement (per map, NULL: cfg's default)
    // set the map memory latencies and the helper unit's costs; the core's
    // own cycle rules are fixed in the RTL and must be cfg's.
    int attach(ebpf_vm *vm, const ebpf_object *obj, const struct ebpf_core_timing *cfg,
               const uint8_t *placement, char *err, size_t errlen);
    // 0 if the RTL implements cfg's core cycle rules, else -EINVAL and why.
    static int check_timing(const struct ebpf_core_timing *cfg, char *err, size_t errlen);
    // 0, or < 0 with err: -EPROTO after a co-simulation divergence or a
    // cycle mismatch (reported on opts.report), others for harness errors.
    int run(const Job &job, Outcome &out, char *err, size_t errlen);

    const RunnerStats &stats() const { return stats_; }
    bool cosim() const { return opts_.cosim; }
    // "N runs, M instructions and N cycle counts compared, 0 divergences, 0 cycle mismatches"
    std::string summary() const;
    // The last co-simulation divergence's report (as printed on opts.report).
    const std::string &last_report() const { return report_; }

    // Listener
    unsigned map_latency(uint64_t addr) override;
    uint64_t map_read(uint64_t addr, unsigned size) override;
    void map_write(uint64_t addr, unsigned size, uint64_t value) override;
    bool helper(const HelperRequest &req, HelperResponse &resp) override;
    void helper_deliver(const HelperRequest &req, const HelperResponse &resp) override;
    void retire(const struct ebpf_retire &rec, uint64_t cycle) override;

    // the model's retire records in co-simulation
    void model_retire(const struct ebpf_retire &rec);

private:
    struct Pair {                      // an instruction both sides retired
        struct ebpf_retire m, r;
        uint64_t model_cycle, rtl_cycle;
        bool valid = false;
    };
    struct Answer {                    // the model's outcome of a helper call
        struct ebpf_retire rec;
        HelperResponse resp;
    };

    bool advance_to(uint64_t retired, bool until_done);
    void match();
    void check_cycle();
    void diverge(const std::string &why, const struct ebpf_retire *m, const struct ebpf_retire *r);
    void harness_error(const std::string &why);
    unsigned helper_latency(uint64_t id, const uint64_t args[5], bool fault, bool tail,
                            uint64_t nested_insns, uint64_t nested_issue, int prev_load_reg,
                            unsigned prev_load_pen, bool callx, unsigned dst);
    void note_cycle_mismatch(const Outcome &out, uint64_t rtl_cycles);
    void nested_snapshot(uint64_t *insns, uint64_t *issue);
    int find_prog(const ebpf_prog *p) const;
    void sync_to_model(unsigned depth);
    void sync_to_rtl(unsigned depth, bool whole_stack);
    void report_cycles(const Outcome &out, uint64_t model_cycles);
    int finish_rtl(const Job &job, Outcome &out, char *err, size_t errlen);
    int finish_cosim(const Job &job, Outcome &out, char *err, size_t errlen);

    RunnerOptions opts_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Core> core_;
    std::vector<const ebpf_prog *> progs_;
    std::vector<uint32_t> base_;
    ebpf_vm *vm_ = nullptr;
    ebpf_timing *timing_ = nullptr;
    struct ebpf_core_timing tcfg_;
    std::vector<uint8_t> placement_;   // per map
    int nesting_ = 0;
    RunnerStats stats_;

    // run in progress
    const Job *job_ = nullptr;
    unsigned cur_prog_ = 0;
    uint64_t rtl_retired_ = 0;         // RTL records seen this run
    uint64_t model_retired_ = 0;       // model (outer) records seen this run
    uint64_t compared_ = 0;
    uint64_t run_cycles_ = 0;          // cycles of this run (rtl: bounded by max_cycles)
    bool diverged_ = false;
    bool failed_ = false;              // harness error
    std::string fail_msg_;
    std::string report_;
    std::deque<struct ebpf_retire> mq_;
    std::deque<std::pair<struct ebpf_retire, uint64_t>> rq_;
    std::deque<uint64_t> mq_cycle_;    // model's retire cycle of each queued record
    std::deque<Answer> answers_;
    std::vector<Pair> last_;           // ring of the last 8 pairs
    size_t last_next_ = 0;
    int grp_load_reg_ = -1;            // the load of the last issue group before the next
    unsigned grp_load_pen_ = 0;        // record (load-use across bpf_loop), and its penalty
    uint64_t outer_insns_ = 0, outer_issue_ = 0; // timing after the last outer record
    struct ebpf_retire last_rtl_{};    // last RTL record (rtl mode)
    bool have_last_rtl_ = false;
    uint32_t next_pc_ = 0;             // pc of the next instruction (rtl mode)
    struct tbm_helper_result last_helper_{};
    bool have_helper_ = false;
    Pair cycle_check_;                 // the last matched pair, its cycle not yet checked
    uint64_t first_cycle_seq_ = UINT64_MAX; // first instruction whose retire cycle differs
    struct ebpf_retire first_cycle_rec_{};
    uint64_t first_cycle_model_ = 0, first_cycle_rtl_ = 0;
    uint64_t wave_t0_ = 0;
    uint64_t inject_wdata_seq_ = UINT64_MAX; // checker self-test (EBPF_COSIM_INJECT)
    uint64_t inject_cycles_ = 0;
    bool mirror_ = false;              // RTL memories equal the model's (see sync_to_rtl)
    const uint8_t *mirror_buf_ = nullptr;
    uint32_t mirror_size_ = 0;
};

} // namespace rtl

#endif
