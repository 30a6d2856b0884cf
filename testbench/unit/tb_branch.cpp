// Unit bench of ebpf_branch (through tb_branch_top: decoder + comparator).
// Every conditional jump row, JMP and JMP32, immediate and register forms,
// over every pair of edge operands and seeded random ones; the expected
// decision is whether the C model takes the jump.
#include "Vtb_branch.h"
#include "exec_ref.h"

using namespace unit;

int main(int argc, char **argv)
{
    Bench<Vtb_branch> b("tb_branch", argc, argv);
    Vtb_branch &t = b.top();
    Model m;
    std::vector<int> rows = rows_where([](const ebpf_isa_row &r) {
        return r.form == EBPF_FORM_JMP_IMM || r.form == EBPF_FORM_JMP_REG;
    });
    if (rows.empty())
        b.fatal("no conditional jump rows in the ISA table");
    long taken = 0;
    for (int row : rows) {
        for (const Operands &op : operand_set(row, b.rng(), 1000)) {
            ebpf_insn in = exec_insn(row, (int32_t)(uint32_t)op.b);
            uint64_t src = uses_imm(row) ? b.rng().next() : op.b;
            uint64_t want;
            std::string err;
            if (!model_exec(m, in, op.a, src, want, err))
                b.fatal("the model refused %s: %s", disasm(in).c_str(), err.c_str());
            t.insn_i = insn_word(in);
            t.a_i = op.a;
            t.b_i = src;
            b.eval();
            taken += want != 0;
            b.check(!t.illegal_o && (uint64_t)t.taken_o == want,
                    "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": expected %s, got %s%s",
                    ebpf_isa[row].id, disasm(in).c_str(), op.a, src, want ? "taken" : "not taken",
                    t.taken_o ? "taken" : "not taken", t.illegal_o ? " (decoded as illegal)" : "");
        }
    }
    char what[96];
    std::snprintf(what, sizeof(what), "%zu branch rows, %ld taken", rows.size(), taken);
    return b.finish(what);
}
