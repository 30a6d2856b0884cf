// Unit bench of ebpf_mul (through tb_mul_top: decoder + multiplier).
// mul and mul32, immediate and register forms, over every pair of edge
// operands and seeded random ones, in shuffled order.  The expected product
// is r0 of the same instruction run by the C model; the product must be on
// result_o in EX cycle N, N being the cycles the C timing model charges the
// instruction (2), and must then hold while start_i is low and the inputs
// change (the operands are registered at start).
#include <algorithm>

#include "Vtb_mul.h"
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
    Bench<Vtb_mul> b("tb_mul", argc, argv);
    Vtb_mul &t = b.top();
    Model m;
    Timing tm;
    if (!tm.ok())
        b.fatal("the timing model could not be created");
    std::vector<int> rows =
        rows_where([](const ebpf_isa_row &r) { return r.tclass == EBPF_TCLASS_MUL; });
    if (rows.empty())
        b.fatal("no multiply rows in the ISA table");
    std::vector<Case> cases;
    for (int row : rows)
        for (const Operands &op : operand_set(row, b.rng(), 2000))
            cases.push_back({row, op});
    for (size_t i = cases.size(); i > 1; i--)
        std::swap(cases[i - 1], cases[b.rng().below((uint32_t)i)]);

    t.start_i = 0;
    b.tick(t.clk_i);
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
        if (n < 1)
            b.fatal("the timing model charges %s %" PRIu64 " cycles", disasm(in).c_str(), n);
        // EX cycle 1: start with the operands; the product is read in cycle n
        t.insn_i = insn_word(in);
        t.a_i = c.op.a;
        t.b_i = src;
        t.start_i = 1;
        b.tick(t.clk_i);
        t.start_i = 0;
        for (uint64_t k = 2; k < n; k++)
            b.tick(t.clk_i);
        b.eval();
        b.check(!t.illegal_o && t.result_o == want,
                "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": expected 0x%016" PRIx64
                " in EX cycle %" PRIu64 ", got 0x%016" PRIx64,
                ebpf_isa[c.row].id, disasm(in).c_str(), c.op.a, src, want, n,
                (uint64_t)t.result_o);
        // without start the registered operands stay
        t.a_i = b.rng().next();
        t.b_i = b.rng().next();
        b.tick(t.clk_i);
        b.expect(t.result_o == want,
                "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": product 0x%016" PRIx64
                " changed to 0x%016" PRIx64 " without start_i",
                ebpf_isa[c.row].id, disasm(in).c_str(), c.op.a, src, want, (uint64_t)t.result_o);
    }
    char what[96];
    std::snprintf(what, sizeof(what), "%zu multiply rows, products and hold", rows.size());
    return b.finish(what);
}
