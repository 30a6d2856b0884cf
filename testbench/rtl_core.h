// rtl_core.h - the Verilated ebpf_core with its host-side services: loads
// programs and frames, runs one program to completion cycle by cycle,
// serves the map memory port and the helper port, and hands every record
// of the retire port to a callback as a struct ebpf_retire.
#ifndef RTL_CORE_H
#define RTL_CORE_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "ebpf.h"

class VerilatedContext;
class VerilatedFstC;
class Vebpf_core;

namespace rtl {

constexpr unsigned kImemDepth = 4096;
constexpr unsigned kNumMaps = 16;
constexpr unsigned kPacketBytes = 4096;
constexpr unsigned kStackBytes = 4096;

struct HelperResponse {
    uint64_t r0 = 0;
    uint8_t fault = 0;       // enum ebpf_fault_kind
    bool ctx_changed = false; // the frame moved (adjust_head/tail/meta)
    uint16_t data = 0, data_end = 0, data_meta = 0;
    bool tail_call = false;
    uint32_t tail_pc = 0;    // instruction memory address of the new program
};

// What the core's ports talk to.
class Environment {
public:
    virtual ~Environment() = default;
    // A helper request; runs it and returns the cycles until the answer.
    virtual unsigned helper(uint64_t id, const uint64_t args[5], bool callx, unsigned depth,
                            HelperResponse &resp) = 0;
    // Map memory: latency of an access in cycles (>= 1), reads and writes.
    virtual unsigned map_latency(uint64_t addr) = 0;
    virtual uint64_t map_read(uint64_t addr, unsigned size) = 0;
    virtual void map_write(uint64_t addr, unsigned size, uint64_t value) = 0;
};

struct RunSetup {
    uint32_t entry = 0;
    uint64_t r1 = 0, r2 = 0;
    bool xdp = false;
    uint32_t mem_len = 0;
    uint16_t data = 0, data_end = 0, data_meta = 0;
    uint32_t ingress_ifindex = 0, rx_queue_index = 0, egress_ifindex = 0;
};

struct RunResult {
    uint64_t r0 = 0;
    uint8_t fault = 0;
    uint32_t fault_pc = 0;
    uint64_t cycles = 0;     // the core's per-packet counter
    uint64_t insns = 0;
    uint16_t data = 0, data_end = 0, data_meta = 0;
    bool timeout = false;
    bool stopped = false;    // the retire callback asked to stop
};

// Called for every retired instruction; return false to stop the run.
using RetireFn = std::function<bool(const struct ebpf_retire &)>;

class Core {
public:
    Core(VerilatedContext *ctx, const char *trace_path = nullptr);
    ~Core();
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;

    void reset();
    void write_imem(uint32_t addr, const struct ebpf_insn &insn);
    void write_imem_word(uint32_t addr, uint64_t word);
    void set_map(unsigned index, uint32_t size, unsigned perm);
    // Backdoor access to the local memories (between runs / in helpers).
    void packet_write(uint32_t off, const uint8_t *src, uint32_t len);
    void packet_read(uint32_t off, uint8_t *dst, uint32_t len) const;
    void stack_write(uint32_t off, const uint8_t *src, uint32_t len);
    void stack_read(uint32_t off, uint8_t *dst, uint32_t len) const;
    // Front door: the packet buffer's host port (8-byte words).
    void packet_write_port(uint32_t off, const uint8_t *src, uint32_t len);

    RunResult run(const RunSetup &setup, Environment &env, const RetireFn &on_retire,
                  uint64_t max_cycles = 100000000);

    uint64_t sim_cycles() const { return cycles_; }
    uint16_t data() const;
    uint16_t data_end() const;
    uint16_t data_meta() const;

private:
    void tick();   // one full clock cycle with the inputs as set
    void half(int clk);

    VerilatedContext *ctx_;
    std::unique_ptr<Vebpf_core> top_;
    VerilatedFstC *trace_ = nullptr;
    uint64_t cycles_ = 0;
};

// Fields of two retire records that differ, as "field: a vs b; ..." (empty
// when they agree).  Memory fields are compared only when an access happened.
std::string retire_diff(const struct ebpf_retire &model, const struct ebpf_retire &rtl);
std::string retire_format(const struct ebpf_retire &r);

} // namespace rtl

#endif
