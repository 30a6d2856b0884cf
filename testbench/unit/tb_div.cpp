// Unit bench of ebpf_div (through tb_div_top: decoder + divider).  div,
// sdiv, mod, smod, 32 and 64 bits, immediate and register forms, over every
// pair of edge operands (x / 0, x % 0, INT_MIN / -1 included) and seeded
// random ones, in shuffled order and back to back as EX issues them.  The
// expected result is r0 of the same instruction run by the C model, and
// done_o must rise in EX cycle N, N being the cycles the C timing model
// charges the instruction (17 for 32-bit, 33 for 64-bit).
#include <algorithm>

#include "Vtb_div.h"
#include "exec_ref.h"
#include "timing_ref.h"

using namespace unit;

namespace {
struct Case {
    int row;
    Operands op;
};
}

int main(int argc, char **argv)
{
    Bench<Vtb_div> b("tb_div", argc, argv);
    Vtb_div &t = b.top();
    Model m;
    Timing tm;
    if (!tm.ok())
        b.fatal("the timing model could not be created");
    std::vector<int> rows =
        rows_where([](const ebpf_isa_row &r) { return r.tclass == EBPF_TCLASS_DIV; });
    if (rows.empty())
        b.fatal("no divide rows in the ISA table");
    std::vector<Case> cases;
    for (int row : rows)
        for (const Operands &op : operand_set(row, b.rng(), 1500))
            cases.push_back({row, op});
    for (size_t i = cases.size(); i > 1; i--)
        std::swap(cases[i - 1], cases[b.rng().below((uint32_t)i)]);

    t.rst_ni = 0;
    t.start_i = 0;
    b.tick(t.clk_i);
    t.rst_ni = 1;
    b.tick(t.clk_i);
    uint64_t cycles32 = 0, cycles64 = 0;
    for (const Case &c : cases) {
        ebpf_insn in = exec_insn(c.row, (int32_t)(uint32_t)c.op.b);
        uint64_t src = uses_imm(c.row) ? b.rng().next() : c.op.b;
        uint64_t want;
        std::string err;
        if (!model_exec(m, in, c.op.a, src, want, err))
            b.fatal("the model refused %s: %s", disasm(in).c_str(), err.c_str());
        const ebpf_retire *rec = m.record_at(kInsnPc);
        if (!rec)
            b.fatal("no retire record for %s", disasm(in).c_str());
        uint64_t n = tm.issue_cycles(*rec);
        ((ebpf_isa[c.row].opcode & 7) == 7 ? cycles64 : cycles32) = n;
        // EX cycle 1 starts the divider; count cycles until done_o
        t.insn_i = insn_word(in);
        t.a_i = c.op.a;
        t.b_i = src;
        t.start_i = 1;
        b.eval();
        uint64_t cycle = 1;
        bool early = t.done_o;
        b.tick(t.clk_i);
        t.start_i = 0;
        for (cycle = 2; cycle <= n + 8; cycle++) {
            b.eval();
            if (t.done_o)
                break;
            b.tick(t.clk_i);
        }
        b.check(!early && !t.illegal_o && cycle == n,
                "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": done_o expected in EX cycle %"
                PRIu64 ", came %s %" PRIu64,
                ebpf_isa[c.row].id, disasm(in).c_str(), c.op.a, src, n,
                early ? "in cycle 1 (with start_i), or" : "in cycle",
                t.done_o ? cycle : (uint64_t)0);
        b.expect(t.result_o == want,
                "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": expected 0x%016" PRIx64
                ", got 0x%016" PRIx64,
                ebpf_isa[c.row].id, disasm(in).c_str(), c.op.a, src, want, (uint64_t)t.result_o);
        b.tick(t.clk_i); // the instruction leaves EX; the next one enters
    }
    char what[128];
    std::snprintf(what, sizeof(what),
                  "%zu divide rows, results and latency %" PRIu64 "/%" PRIu64 " cycles (32/64-bit)",
                  rows.size(), cycles32, cycles64);
    return b.finish(what);
}
