/* The ISA table and the decoder built from it. */
#include <pthread.h>

#include "ebpf.h"

const struct ebpf_isa_row ebpf_isa[EBPF_ROW_COUNT] = {
#define EBPF_ISA(ID, OPC, KEY, KEYVAL, MN, FORM, VER, GROUP, TCLASS, WRITES)                  \
    [EBPF_ROW_##ID] = {#ID,                                                                \
                       MN,                                                                 \
                       OPC,                                                                \
                       EBPF_KEY_##KEY,                                                     \
                       KEYVAL,                                                             \
                       EBPF_FORM_##FORM,                                                   \
                       VER,                                                                \
                       EBPF_GROUP_##GROUP,                                                 \
                       EBPF_TCLASS_##TCLASS,                                               \
                       EBPF_WRITES_##WRITES},
#include "../isa.def"
#undef EBPF_ISA
};

const char *const ebpf_group_names[EBPF_GROUP_COUNT] = {
    "base32", "base64", "atomic32", "atomic64", "divmul32", "divmul64", "packet", "callx",
};

const char *const ebpf_tclass_names[EBPF_TCLASS_COUNT] = {
    "alu",   "mul",  "div",    "load", "store", "atomic", "branch",
    "jump",  "helper", "call", "exit", "lddw",  "ldpkt",
};

/* Rows sharing an opcode are chained, so decoding is one index plus at most
 * a handful of key compares. */
static int16_t first_row[256];
static int16_t next_row[EBPF_ROW_COUNT];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
    for (int i = 0; i < 256; i++)
        first_row[i] = -1;
    for (int r = EBPF_ROW_COUNT - 1; r >= 0; r--) {
        next_row[r] = first_row[ebpf_isa[r].opcode];
        first_row[ebpf_isa[r].opcode] = (int16_t)r;
    }
}

static int32_t key_field(const struct ebpf_insn *insn, unsigned key)
{
    switch (key) {
    case EBPF_KEY_OFF: return insn->off;
    case EBPF_KEY_IMM: return insn->imm;
    case EBPF_KEY_SRC: return insn->src;
    default: return 0;
    }
}

int ebpf_decode(const struct ebpf_insn *insn)
{
    pthread_once(&index_once, build_index);
    for (int r = first_row[insn->code]; r >= 0; r = next_row[r]) {
        const struct ebpf_isa_row *row = &ebpf_isa[r];
        if (row->key == EBPF_KEY_NONE || key_field(insn, row->key) == row->keyval)
            return r;
    }
    return -1;
}

unsigned ebpf_row_mem_size(int row)
{
    switch (ebpf_isa[row].form) {
    case EBPF_FORM_LDX:
    case EBPF_FORM_ST:
    case EBPF_FORM_STX:
    case EBPF_FORM_ATOMIC:
    case EBPF_FORM_LDABS:
    case EBPF_FORM_LDIND: {
        static const unsigned sizes[4] = {4, 2, 1, 8}; /* BPF_W, BPF_H, BPF_B, BPF_DW */
        return sizes[(ebpf_isa[row].opcode >> 3) & 3];
    }
    default: return 0;
    }
}

bool ebpf_row_is_wide(int row)
{
    return ebpf_isa[row].opcode == 0x18;
}

unsigned ebpf_row_fields(int row)
{
    enum { D = EBPF_FIELD_DST, S = EBPF_FIELD_SRC, O = EBPF_FIELD_OFF, I = EBPF_FIELD_IMM };
    static const unsigned form_fields[EBPF_FORM_COUNT] = {
        [EBPF_FORM_ALU_IMM] = D | I,       [EBPF_FORM_ALU_REG] = D | S,
        [EBPF_FORM_ALU_UNARY] = D,         [EBPF_FORM_ENDIAN] = D,
        [EBPF_FORM_JA] = O,                [EBPF_FORM_JA32] = I,
        [EBPF_FORM_JMP_IMM] = D | O | I,   [EBPF_FORM_JMP_REG] = D | S | O,
        [EBPF_FORM_CALL] = I,              [EBPF_FORM_CALL_LOCAL] = I,
        [EBPF_FORM_CALLX] = D,             [EBPF_FORM_EXIT] = 0,
        [EBPF_FORM_LDDW] = D | I,          [EBPF_FORM_LDDW_MAP] = D | I,
        [EBPF_FORM_LDDW_MAP_VALUE] = D | I, [EBPF_FORM_LDDW_FUNC] = D | I,
        [EBPF_FORM_LDABS] = I,             [EBPF_FORM_LDIND] = S | I,
        [EBPF_FORM_LDX] = D | S | O,       [EBPF_FORM_ST] = D | O | I,
        [EBPF_FORM_STX] = D | S | O,       [EBPF_FORM_ATOMIC] = D | S | O,
    };
    static const unsigned key_bits[] = {
        [EBPF_KEY_NONE] = 0, [EBPF_KEY_OFF] = O, [EBPF_KEY_IMM] = I, [EBPF_KEY_SRC] = S,
    };
    return form_fields[ebpf_isa[row].form] | key_bits[ebpf_isa[row].key];
}

struct ebpf_insn ebpf_make_insn(int row, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
    const struct ebpf_isa_row *r = &ebpf_isa[row];
    struct ebpf_insn in = {.code = r->opcode, .dst = dst & 15, .src = src & 15, .off = off, .imm = imm};
    switch (r->key) {
    case EBPF_KEY_OFF: in.off = (int16_t)r->keyval; break;
    case EBPF_KEY_IMM: in.imm = r->keyval; break;
    case EBPF_KEY_SRC: in.src = (uint8_t)r->keyval; break;
    default: break;
    }
    return in;
}
