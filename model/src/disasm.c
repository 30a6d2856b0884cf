/* Disassembler: prints the dialect the assembler reads, so text round-trips. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "vm_int.h"

static void fmt_imm(char *buf, size_t len, int32_t imm)
{
    if (imm > -4096 && imm < 4096)
        snprintf(buf, len, "%" PRId32, imm);
    else
        snprintf(buf, len, "0x%" PRIx32, (uint32_t)imm);
}

static void fmt_mem(char *buf, size_t len, unsigned reg, int16_t off)
{
    if (off == 0)
        snprintf(buf, len, "[%%r%u]", reg);
    else
        snprintf(buf, len, "[%%r%u%c%d]", reg, off < 0 ? '-' : '+', off < 0 ? -off : off);
}

int ebpf_disasm_insn(const struct ebpf_insn *insns, size_t n, size_t idx, char *buf, size_t len)
{
    const struct ebpf_insn *in = &insns[idx];
    int row = ebpf_decode(in);
    if (row < 0) {
        uint64_t raw;
        __builtin_memcpy(&raw, in, sizeof(raw));
        snprintf(buf, len, ".illegal 0x%016" PRIx64, raw);
        return -EINVAL;
    }
    const struct ebpf_isa_row *R = &ebpf_isa[row];
    const char *mn = R->mnemonic;
    char imm[32], mem[32];
    fmt_imm(imm, sizeof(imm), in->imm);
    switch (R->form) {
    case EBPF_FORM_ALU_IMM: snprintf(buf, len, "%s %%r%u, %s", mn, in->dst, imm); break;
    case EBPF_FORM_ALU_REG: snprintf(buf, len, "%s %%r%u, %%r%u", mn, in->dst, in->src); break;
    case EBPF_FORM_ALU_UNARY:
    case EBPF_FORM_ENDIAN:
    case EBPF_FORM_CALLX: snprintf(buf, len, "%s %%r%u", mn, in->dst); break;
    case EBPF_FORM_JA: snprintf(buf, len, "%s %+d", mn, in->off); break;
    case EBPF_FORM_JA32:
    case EBPF_FORM_CALL_LOCAL: snprintf(buf, len, "%s %+" PRId32, mn, in->imm); break;
    case EBPF_FORM_JMP_IMM:
        snprintf(buf, len, "%s %%r%u, %s, %+d", mn, in->dst, imm, in->off);
        break;
    case EBPF_FORM_JMP_REG:
        snprintf(buf, len, "%s %%r%u, %%r%u, %+d", mn, in->dst, in->src, in->off);
        break;
    case EBPF_FORM_CALL:
    case EBPF_FORM_LDABS: snprintf(buf, len, "%s %s", mn, imm); break;
    case EBPF_FORM_LDIND: snprintf(buf, len, "%s %%r%u, %s", mn, in->src, imm); break;
    case EBPF_FORM_EXIT: snprintf(buf, len, "%s", mn); break;
    case EBPF_FORM_LDDW:
    case EBPF_FORM_LDDW_MAP:
    case EBPF_FORM_LDDW_MAP_VALUE:
    case EBPF_FORM_LDDW_FUNC: {
        if (idx + 1 >= n) {
            snprintf(buf, len, ".illegal lddw without its second slot");
            return -EINVAL;
        }
        int32_t hi = insns[idx + 1].imm;
        if (R->form == EBPF_FORM_LDDW)
            snprintf(buf, len, "%s %%r%u, 0x%" PRIx64, mn, in->dst,
                     (uint64_t)(uint32_t)in->imm | ((uint64_t)(uint32_t)hi << 32));
        else if (R->form == EBPF_FORM_LDDW_MAP)
            snprintf(buf, len, "%s %%r%u, %s(%" PRId32 ")", mn, in->dst,
                     ebpf_asm_pseudo_keyword(row), in->imm);
        else if (R->form == EBPF_FORM_LDDW_MAP_VALUE)
            snprintf(buf, len, "%s %%r%u, %s(%" PRId32 ", %" PRId32 ")", mn, in->dst,
                     ebpf_asm_pseudo_keyword(row), in->imm, hi);
        else
            snprintf(buf, len, "%s %%r%u, func(%+" PRId32 ")", mn, in->dst, in->imm);
        return 2;
    }
    case EBPF_FORM_LDX:
        fmt_mem(mem, sizeof(mem), in->src, in->off);
        snprintf(buf, len, "%s %%r%u, %s", mn, in->dst, mem);
        break;
    case EBPF_FORM_ST:
        fmt_mem(mem, sizeof(mem), in->dst, in->off);
        snprintf(buf, len, "%s %s, %s", mn, mem, imm);
        break;
    case EBPF_FORM_STX:
    case EBPF_FORM_ATOMIC:
        fmt_mem(mem, sizeof(mem), in->dst, in->off);
        snprintf(buf, len, "%s %s, %%r%u", mn, mem, in->src);
        break;
    }
    return 1;
}
