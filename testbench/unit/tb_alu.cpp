// Unit bench of ebpf_alu (through tb_alu_top: decoder + ALU, as EX drives
// it).  Every ALU-class row (add ... arsh, neg, mov, movsx, le/be/bswap) of
// the ISA table, over every pair of edge operands and seeded random ones;
// the expected result is r0 of the same instruction run by the C model.
#include "Vtb_alu.h"
#include "exec_ref.h"

using namespace unit;

int main(int argc, char **argv)
{
    Bench<Vtb_alu> b("tb_alu", argc, argv);
    Vtb_alu &t = b.top();
    Model m;
    std::vector<int> rows = rows_where([](const ebpf_isa_row &r) {
        return r.tclass == EBPF_TCLASS_ALU &&
               (r.form == EBPF_FORM_ALU_IMM || r.form == EBPF_FORM_ALU_REG ||
                r.form == EBPF_FORM_ALU_UNARY || r.form == EBPF_FORM_ENDIAN);
    });
    if (rows.empty())
        b.fatal("no ALU rows in the ISA table");
    for (int row : rows) {
        for (const Operands &op : operand_set(row, b.rng(), 1000)) {
            ebpf_insn in = exec_insn(row, (int32_t)(uint32_t)op.b);
            // immediate forms: the source register holds something else,
            // so a control bug that reads it shows
            uint64_t src = uses_imm(row) ? b.rng().next() : op.b;
            uint64_t want;
            std::string err;
            if (!model_exec(m, in, op.a, src, want, err))
                b.fatal("the model refused %s: %s", disasm(in).c_str(), err.c_str());
            t.insn_i = insn_word(in);
            t.a_i = op.a;
            t.b_i = src;
            b.eval();
            b.check(!t.illegal_o && t.result_o == want,
                    "%s %s, dst=0x%016" PRIx64 " src=0x%016" PRIx64 ": expected 0x%016" PRIx64
                    ", got 0x%016" PRIx64 "%s",
                    ebpf_isa[row].id, disasm(in).c_str(), op.a, src, want, (uint64_t)t.result_o,
                    t.illegal_o ? " (decoded as illegal)" : "");
        }
    }
    char what[64];
    std::snprintf(what, sizeof(what), "%zu ALU rows", rows.size());
    return b.finish(what);
}
