// rtl_core.h - the Verilated ebpf_core (built with EBPF_RVFI) and its ports
// as the testbench drives them: instruction memory and map table loading,
// backdoor access to the packet and stack memories, and a run loop that
// advances one clock cycle at a time.  Each cycle it serves the map memory
// port and the helper port through a Listener and hands every record of the
// retire port over as a struct ebpf_retire (both instructions of a pair,
// in program order).  A Listener may leave a helper
// request unanswered; the cycle then stays open (inputs evaluated, clock
// edge not yet applied) until a later step() can answer it, which is how
// co-simulation holds the core while the C model catches up.
#ifndef RTL_CORE_H
#define RTL_CORE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ebpf.h"

class VerilatedContext;
class VerilatedFstC;
class Vebpf_core;

namespace rtl {

constexpr unsigned kImemDepth = 4096;   // ebpf_core IMEM_DEPTH
constexpr unsigned kNumMaps = 16;       // ebpf_core NMAPS
constexpr unsigned kPacketBytes = 4096; // packet buffer, headroom included
constexpr unsigned kStackBytes = EBPF_STACK_SIZE * EBPF_MAX_FRAMES;
constexpr unsigned kFaultIllegal = EBPF_FAULT_COUNT; // ebpf_isa_pkg::FAULT_ILLEGAL

struct HelperRequest {
    uint64_t id = 0;         // helper id (callx: the register's value)
    uint64_t args[5] = {};   // r1..r5
    unsigned depth = 0;      // frame of the call
    uint64_t cycle = 0;      // core cycle of the request
};

struct HelperResponse {
    unsigned latency = 0;    // cycles after the request; 0: in the request's cycle
    uint64_t r0 = 0;
    uint8_t fault = 0;       // enum ebpf_fault_kind
    bool ctx_changed = false; // adjust_head/tail/meta moved the frame
    uint16_t data = 0, data_end = 0, data_meta = 0;
    bool tail_call = false;
    uint32_t tail_pc = 0;    // instruction memory address of the new program
    bool nested = false;     // bpf_loop callbacks ran (in the model)
};

class Listener {
public:
    virtual ~Listener() = default;
    // Map memory: latency of an access in cycles (>= 1), reads and posted writes.
    virtual unsigned map_latency(uint64_t addr) = 0;
    virtual uint64_t map_read(uint64_t addr, unsigned size) = 0;
    virtual void map_write(uint64_t addr, unsigned size, uint64_t value) = 0;
    // A helper request (asked again each step() until it returns true).
    virtual bool helper(const HelperRequest &req, HelperResponse &resp) = 0;
    // The helper's answer is about to be given to the core (memories may be
    // updated now: every older instruction has retired).
    virtual void helper_deliver(const HelperRequest &req, const HelperResponse &resp) = 0;
    // A retired instruction; cycle is the core's cycle count at its retire
    // (the standalone cycles of the packet if it is the last one).
    virtual void retire(const struct ebpf_retire &rec, uint64_t cycle) = 0;
};

struct RunSetup {
    uint32_t entry = 0;
    uint64_t r1 = 0, r2 = 0;
    bool xdp = false;
    uint32_t mem_len = 0;
    uint16_t data = 0, data_end = 0, data_meta = 0;
    uint32_t ingress_ifindex = 0, rx_queue_index = 0, egress_ifindex = 0;
};

struct CoreStatus {
    uint64_t r0 = 0;
    uint8_t fault = 0;
    uint32_t fault_pc = 0;
    uint64_t cycles = 0;     // the core's per-packet counter
    uint64_t insns = 0;
    uint16_t data = 0, data_end = 0, data_meta = 0;
};

class Core {
public:
    explicit Core(VerilatedContext *ctx);
    ~Core();
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;

    // Waveform (FST) of everything simulated until trace_close().
    bool trace_open(const char *path, std::string &err);
    void trace_close();
    bool tracing() const { return trace_ != nullptr; }
    uint64_t sim_time() const;

    void reset();
    void write_imem(uint32_t addr, uint64_t word);
    void set_map(unsigned index, uint32_t size, unsigned perm);
    // Backdoor access to the local memories (between runs / in helpers).
    void packet_write(uint32_t off, const uint8_t *src, uint32_t len);
    void packet_read(uint32_t off, uint8_t *dst, uint32_t len) const;
    void stack_write(uint32_t off, const uint8_t *src, uint32_t len);
    void stack_read(uint32_t off, uint8_t *dst, uint32_t len) const;
    // Word-wise: write the words of [off, off+len) that differ from src.
    void packet_update(uint32_t off, const uint8_t *src, uint32_t len);
    void stack_update(uint32_t off, const uint8_t *src, uint32_t len);

    // Start a program (one clock cycle with start_i).
    void start(const RunSetup &setup);
    enum class Step { Running, Paused, Done };
    // Run (or finish) one clock cycle.  Paused: a helper request is waiting
    // for its answer and the cycle is still open.
    Step step(Listener &l);
    bool busy() const;
    CoreStatus status() const;
    // Leave the core idle after an abandoned run (keeps the map table).
    void abandon();

    uint64_t cycles_simulated() const { return ticks_; }

private:
    void eval_low();
    void posedge();
    void tick();
    void apply_helper_response();
    void retire_channel(Listener &l, unsigned ch);

    VerilatedContext *ctx_;
    std::unique_ptr<Vebpf_core> top_;
    VerilatedFstC *trace_ = nullptr;
    bool fast_clock_ = false;    // one evaluation per cycle (see rtl_core.cpp)
    bool dirty_ = true;          // inputs changed since the last evaluation
    uint64_t ticks_ = 0;
    uint32_t map_size_[kNumMaps] = {};
    unsigned map_perm_[kNumMaps] = {};

    // state of the run in progress
    bool open_ = false;          // cycle evaluated, edge not applied
    bool map_pending_ = false;
    uint64_t map_due_ = 0, map_data_ = 0;
    bool hlp_waiting_ = false;   // request seen, no answer yet
    bool hlp_pending_ = false;   // answered, response due
    uint64_t hlp_due_ = 0;
    HelperRequest hreq_;
    HelperResponse hresp_;
    uint64_t run_cycle_ = 0;     // cycles since start
};

// Fields of two retire records that differ, one "field: model X, rtl Y" per
// line (empty when they agree).  Memory fields are compared only when an
// access happened; helper arguments only for helper calls.
std::string retire_diff(const struct ebpf_retire &model, const struct ebpf_retire &rtl);
// One line: "pc 12 r3=0x5 st4 [0x100000ff8]=0x7 -> 15".
std::string retire_format(const struct ebpf_retire &r);
// The instruction of a record, disassembled with the model's disassembler.
std::string retire_disasm(const struct ebpf_retire &r);

} // namespace rtl

#endif
