// bench.h - what every RTL unit bench shares: the Verilator context and
// clock, the +trace / +seed plusargs, a seeded random source, case counting
// and the first-mismatch report, and the C model as the reference.
//
// A bench runs its unit over a list of cases; each case's expected value
// comes from the C model (a one-instruction program through the model's
// public API, or the model's own functions and tables) or, for the
// memories, from a reference array.  The first mismatch stops the bench
// with its inputs, the expected and the actual value; otherwise it prints
// how many cases it compared.
//
// Plusargs:  +trace[=FILE]  FST waveform (default: <bench>.fst beside the
//                           bench executable)
//            +seed=N        random seed (default 1)
#ifndef UNIT_BENCH_H
#define UNIT_BENCH_H

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ebpf.h"

namespace unit {

// splitmix64: small, seedable, the same sequence on every machine.
class Rng {
  public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next()
    {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return n ? (uint32_t)(next() % n) : 0; }
    bool coin() { return next() & 1; }

  private:
    uint64_t s_;
};

// Operand values at the edges of 32- and 64-bit arithmetic (0, 1, -1,
// INT_MIN/MAX, UINT32_MAX, shift amounts 31/32/63/64 and beyond, mixed
// halves); random operands are added to these by each bench.
inline const std::vector<uint64_t> &edge_values()
{
    static const std::vector<uint64_t> v = {
        0, 1, 2, 3, 7, 8, 16, 31, 32, 33, 63, 64, 65, 127, 255, 0x7fff, 0x8000, 0xffff,
        0x7fffffffull, 0x80000000ull, 0x80000001ull, 0xffffffffull, 0x100000000ull,
        0x00000001ffffffffull, 0xffffffff00000000ull, 0xffffffff80000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0x8000000000000001ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
        0x0123456789abcdefull, 0xfedcba9876543210ull,
    };
    return v;
}

// A random operand with the structure that finds bugs: often small, often
// near a sign boundary, sometimes fully random.
inline uint64_t random_operand(Rng &r)
{
    switch (r.below(6)) {
    case 0: return r.below(70);                                 // shift amounts, small values
    case 1: return (uint64_t)(int64_t)(int32_t)(uint32_t)r.next(); // sign-extended 32-bit
    case 2: return (uint32_t)r.next();                          // zero-extended 32-bit
    case 3: return r.next() | 0x8000000000000000ull;            // negative
    case 4: {
        // one draw per statement: the order of operands is unspecified
        uint64_t e = edge_values()[r.below((uint32_t)edge_values().size())];
        return e ^ (1ull << r.below(64));
    }
    default: return r.next();
    }
}

template <class Top> class Bench {
  public:
    Bench(const char *name, int argc, char **argv) : name_(name)
    {
        ctx_.reset(new VerilatedContext);
        ctx_->commandArgs(argc, argv);
        ctx_->randReset(2);
        const char *s = ctx_->commandArgsPlusMatch("seed=");
        if (s && *s)
            seed_ = std::strtoull(s + std::strlen("+seed="), nullptr, 0);
        const char *t = ctx_->commandArgsPlusMatch("trace");
        if (t && *t) {
            std::string path;
            if (std::strncmp(t, "+trace=", 7) == 0) {
                path = t + 7;
            } else {
                std::string exe = argv[0];
                size_t slash = exe.rfind('/');
                path = (slash == std::string::npos ? std::string() : exe.substr(0, slash + 1)) +
                       name_ + ".fst";
            }
            ctx_->traceEverOn(true);
            top_.reset(new Top{ctx_.get(), "TOP"});
            trace_.reset(new VerilatedFstC);
            top_->trace(trace_.get(), 99);
            trace_->open(path.c_str());
            std::printf("%s: waveform %s\n", name_.c_str(), path.c_str());
        } else {
            top_.reset(new Top{ctx_.get(), "TOP"});
        }
        rng_.reset(new Rng(seed_));
    }

    ~Bench() { close(); }

    Top &top() { return *top_; }
    Rng &rng() { return *rng_; }
    uint64_t seed() const { return seed_; }
    long cases() const { return cases_; }

    // Settle the combinational logic at the current time and step time.
    void eval()
    {
        top_->eval();
        if (trace_)
            trace_->dump(ctx_->time());
        ctx_->timeInc(1);
    }

    // One clock cycle of a unit with a clk_i port: falling then rising edge.
    template <class T> void tick(T &clk)
    {
        clk = 0;
        eval();
        clk = 1;
        eval();
    }

    // Count one compared case; stop the bench at the first mismatch with
    // a description of the case (inputs, expected, got).
    void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)))
    {
        cases_++;
        if (ok)
            return;
        va_list ap;
        va_start(ap, fmt);
        fail(fmt, ap);
    }

    // A further comparison within the case last counted by check().
    void expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)))
    {
        if (ok)
            return;
        va_list ap;
        va_start(ap, fmt);
        fail(fmt, ap);
    }

    // A setup step the bench needs (a model program load ...) failed.
    [[noreturn]] void fatal(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
    {
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        std::printf("FAIL %s: %s\n", name_.c_str(), buf);
        close();
        std::fflush(stdout);
        std::_Exit(1);
    }

    // The summary line; returns the process exit status.
    int finish(const char *what)
    {
        close();
        if (cases_ == 0) {
            std::printf("FAIL %s: no case compared\n", name_.c_str());
            return 1;
        }
        std::printf("%s: %ld cases compared (%s), all match the reference (seed %" PRIu64 ")\n",
                    name_.c_str(), cases_, what, seed_);
        return 0;
    }

  private:
    [[noreturn]] void fail(const char *fmt, va_list ap)
    {
        char buf[1024];
        std::vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        std::printf("FAIL %s: case %ld (seed %" PRIu64 "): %s\n", name_.c_str(), cases_, seed_,
                    buf);
        close();
        std::fflush(stdout);
        std::_Exit(1);
    }

    void close()
    {
        if (top_ && !closed_) {
            closed_ = true;
            top_->final();
            if (trace_)
                trace_->close();
        }
    }

    std::string name_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Top> top_;
    std::unique_ptr<VerilatedFstC> trace_;
    std::unique_ptr<Rng> rng_;
    uint64_t seed_ = 1;
    long cases_ = 0;
    bool closed_ = false;
};

// ------------------------------------------------------------- the model

// The 64-bit word of an instruction, as the RTL's instruction memory holds it.
inline uint64_t insn_word(const ebpf_insn &in)
{
    static_assert(sizeof(in) == 8, "struct ebpf_insn is 8 bytes");
    uint64_t w;
    std::memcpy(&w, &in, 8);
    return w;
}

inline ebpf_insn word_insn(uint64_t w)
{
    ebpf_insn in;
    std::memcpy(&in, &w, 8);
    return in;
}

inline ebpf_insn make(int row, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
    return ebpf_make_insn(row, dst, src, off, imm);
}

// lddw dst, v: two slots.
inline void push_lddw(std::vector<ebpf_insn> &p, unsigned dst, uint64_t v)
{
    p.push_back(ebpf_make_insn(EBPF_ROW_LDDW, dst, 0, 0, (int32_t)(uint32_t)v));
    ebpf_insn hi{};
    hi.imm = (int32_t)(uint32_t)(v >> 32);
    p.push_back(hi);
}

// One VM of the model with the retire records of the last run.
class Model {
  public:
    Model()
    {
        ebpf_vm_config cfg;
        ebpf_vm_config_default(&cfg);
        vm_ = ebpf_vm_create(&cfg);
        ebpf_vm_set_tracer(vm_, &Model::on_retire, this);
    }
    ~Model() { ebpf_vm_destroy(vm_); }
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    ebpf_vm *vm() { return vm_; }

    struct Result {
        int rc;             // ebpf_vm_run's
        uint64_t r0;
        ebpf_fault fault;
    };

    // Load and run prog (r1, r2 as given); err holds the loader's message
    // when the load fails (then returns false).
    bool run(const std::vector<ebpf_insn> &prog, Result &res, std::string &err, uint64_t r1 = 0,
             uint64_t r2 = 0)
    {
        char msg[EBPF_ERR_LEN];
        ebpf_prog *p = nullptr;
        if (ebpf_prog_load(vm_, prog.data(), prog.size(), &p, msg, sizeof(msg)) < 0) {
            err = msg;
            return false;
        }
        records_.clear();
        ebpf_run_result rr;
        res.rc = ebpf_vm_run(vm_, p, r1, r2, &rr);
        res.r0 = rr.r0;
        res.fault = rr.fault;
        ebpf_prog_destroy(p);
        return true;
    }

    // Retire records of the last run, in order.
    const std::vector<ebpf_retire> &records() const { return records_; }
    const ebpf_retire *record_at(uint32_t pc) const
    {
        for (const ebpf_retire &r : records_)
            if (r.pc == pc)
                return &r;
        return nullptr;
    }

  private:
    static void on_retire(void *user, const ebpf_retire *rec)
    {
        static_cast<Model *>(user)->records_.push_back(*rec);
    }

    ebpf_vm *vm_;
    std::vector<ebpf_retire> records_;
};

// Text of an instruction for failure messages: "add32 r1, r2 (0x000000000000210c)".
inline std::string disasm(const ebpf_insn &in)
{
    char buf[128];
    ebpf_insn two[2] = {in, ebpf_insn{}};
    if (ebpf_disasm_insn(two, 2, 0, buf, sizeof(buf)) < 0)
        std::snprintf(buf, sizeof(buf), ".illegal");
    char out[192];
    std::snprintf(out, sizeof(out), "%s (0x%016" PRIx64 ")", buf, insn_word(in));
    return out;
}

// The rows of a latency class / operand form.
template <class Pred> std::vector<int> rows_where(Pred pred)
{
    std::vector<int> rows;
    for (int r = 0; r < EBPF_ROW_COUNT; r++)
        if (pred(ebpf_isa[r]))
            rows.push_back(r);
    return rows;
}

} // namespace unit

#endif
