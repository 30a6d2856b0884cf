// exec_ref.h - the C model as the reference of the execute units (ALU,
// branch, multiplier, divider): the instruction under test runs as a
// one-instruction program through the model's public API,
//
//     lddw r1, a ; lddw r2, b ; <insn r1, r2 | r1, imm> ; mov r0, r1 ; exit
//
// (branches: `jcc r1, r2|imm, +2 ; mov r0, 0 ; exit ; mov r0, 1 ; exit`),
// and r0 is the expected result.  The RTL side decodes the same 64-bit
// instruction word with a = r1 and b = r2.
#ifndef UNIT_EXEC_REF_H
#define UNIT_EXEC_REF_H

#include "bench.h"

namespace unit {

// Slot of the instruction under test in the program.
constexpr uint32_t kInsnPc = 4;

// The instruction of row with dst r1 and src r2 (register forms) or the
// immediate imm (immediate forms); key fields come from the row.
inline ebpf_insn exec_insn(int row, int32_t imm)
{
    switch (ebpf_isa[row].form) {
    case EBPF_FORM_ALU_IMM: return make(row, 1, 0, 0, imm);
    case EBPF_FORM_ALU_REG: return make(row, 1, 2, 0, 0);
    case EBPF_FORM_JMP_IMM: return make(row, 1, 0, 2, imm);
    case EBPF_FORM_JMP_REG: return make(row, 1, 2, 2, 0);
    default: return make(row, 1, 0, 0, 0); // unary, endian
    }
}

inline bool uses_imm(int row)
{
    return ebpf_isa[row].form == EBPF_FORM_ALU_IMM || ebpf_isa[row].form == EBPF_FORM_JMP_IMM;
}

inline bool uses_src(int row)
{
    return ebpf_isa[row].form == EBPF_FORM_ALU_REG || ebpf_isa[row].form == EBPF_FORM_JMP_REG;
}

// r0 of the program above; false (with err) if the model refuses it.
inline bool model_exec(Model &m, const ebpf_insn &in, uint64_t a, uint64_t b, uint64_t &r0,
                       std::string &err)
{
    int row = ebpf_decode(&in);
    std::vector<ebpf_insn> p;
    push_lddw(p, 1, a);
    push_lddw(p, 2, b);
    p.push_back(in);
    if (ebpf_isa[row].form == EBPF_FORM_JMP_IMM || ebpf_isa[row].form == EBPF_FORM_JMP_REG) {
        p.push_back(make(EBPF_ROW_MOV64_IMM, 0, 0, 0, 0));
        p.push_back(make(EBPF_ROW_EXIT, 0, 0, 0, 0));
        p.push_back(make(EBPF_ROW_MOV64_IMM, 0, 0, 0, 1));
    } else {
        p.push_back(make(EBPF_ROW_MOV64_REG, 0, 1, 0, 0));
    }
    p.push_back(make(EBPF_ROW_EXIT, 0, 0, 0, 0));
    Model::Result res;
    if (!m.run(p, res, err))
        return false;
    if (res.rc != 0) {
        char buf[256];
        ebpf_fault_format(&res.fault, buf, sizeof(buf));
        err = buf;
        return false;
    }
    r0 = res.r0;
    return true;
}

// Operand pairs for a row: every pair of edge values for register forms,
// every edge value against every distinct 32-bit edge immediate for
// immediate forms, every edge value for unary forms; then `randoms` seeded
// random pairs.
struct Operands {
    uint64_t a, b;
};

inline std::vector<Operands> operand_set(int row, Rng &rng, unsigned randoms)
{
    const std::vector<uint64_t> &e = edge_values();
    std::vector<Operands> v;
    if (uses_src(row)) {
        for (uint64_t a : e)
            for (uint64_t b : e)
                v.push_back({a, b});
    } else if (uses_imm(row)) {
        std::vector<uint64_t> imms;
        for (uint64_t x : e) {
            uint64_t s = (uint64_t)(int64_t)(int32_t)(uint32_t)x;
            bool seen = false;
            for (uint64_t y : imms)
                seen |= y == s;
            if (!seen)
                imms.push_back(s);
        }
        for (uint64_t a : e)
            for (uint64_t b : imms)
                v.push_back({a, b});
    } else {
        for (uint64_t a : e)
            v.push_back({a, 0});
    }
    for (unsigned i = 0; i < randoms; i++) {
        uint64_t a = random_operand(rng), b = random_operand(rng);
        if (uses_imm(row))
            b = (uint64_t)(int64_t)(int32_t)(uint32_t)b;
        v.push_back({a, b});
    }
    return v;
}

} // namespace unit

#endif
