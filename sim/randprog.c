/* Random program generator; see randprog.h.  Row choice comes from the ISA
 * table (by form and latency class), so new rows are drawn automatically. */
#include <string.h>

#include "ebpf_xdp.h"
#include "randprog.h"

uint64_t randprog_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct gen {
    uint64_t rng;
    struct ebpf_insn *out;
    size_t n;
    unsigned version;
};

static uint64_t rnd(struct gen *g, uint64_t bound) { return randprog_next(&g->rng) % bound; }

static void emit(struct gen *g, int row, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
    g->out[g->n++] = ebpf_make_insn(row, dst, src, off, imm);
}

static void emit_lddw(struct gen *g, unsigned dst, uint64_t v)
{
    emit(g, EBPF_ROW_LDDW, dst, 0, 0, (int32_t)(uint32_t)v);
    g->out[g->n++] = (struct ebpf_insn){.imm = (int32_t)(uint32_t)(v >> 32)};
}

/* Interesting constants: edges of the integer ranges and random bits. */
static uint64_t random_value(struct gen *g)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
        0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
        0xfffffffffffffffeull, 63, 64, 31, 32,
    };
    switch (rnd(g, 4)) {
    case 0: return edges[rnd(g, sizeof(edges) / sizeof(edges[0]))];
    case 1: return rnd(g, 256);
    case 2: return (uint64_t)(int64_t)(int32_t)randprog_next(&g->rng);
    default: return randprog_next(&g->rng);
    }
}

static int32_t random_imm(struct gen *g) { return (int32_t)(uint32_t)random_value(g); }

static bool row_allowed(const struct gen *g, int row)
{
    return ebpf_isa[row].version <= g->version;
}

static int pick_row(struct gen *g, bool (*want)(int row))
{
    for (;;) {
        int row = (int)rnd(g, EBPF_ROW_COUNT);
        if (want(row) && row_allowed(g, row))
            return row;
    }
}

static bool is_alu(int row)
{
    unsigned f = ebpf_isa[row].form;
    return f == EBPF_FORM_ALU_IMM || f == EBPF_FORM_ALU_REG || f == EBPF_FORM_ALU_UNARY ||
           f == EBPF_FORM_ENDIAN;
}

static bool is_cond_jump(int row)
{
    unsigned f = ebpf_isa[row].form;
    return f == EBPF_FORM_JMP_IMM || f == EBPF_FORM_JMP_REG;
}

static bool is_stack_op(int row)
{
    unsigned f = ebpf_isa[row].form;
    return f == EBPF_FORM_LDX || f == EBPF_FORM_ST || f == EBPF_FORM_STX || f == EBPF_FORM_ATOMIC;
}

static bool is_alu32(int row) { return (ebpf_isa[row].opcode & 7) == 4; }

static void gen_alu(struct gen *g)
{
    int row = pick_row(g, is_alu);
    const struct ebpf_isa_row *R = &ebpf_isa[row];
    unsigned dst = (unsigned)rnd(g, 10), src = (unsigned)rnd(g, 10);
    int32_t imm = random_imm(g);
    if (R->form == EBPF_FORM_ALU_IMM) {
        unsigned op = R->opcode & 0xf0;
        bool shift = op == 0x60 || op == 0x70 || op == 0xc0;
        /* the verifier rejects constant division by zero and
         * out-of-range constant shifts */
        if (shift)
            imm = (int32_t)rnd(g, is_alu32(row) ? 32 : 64);
        if ((op == 0x30 || op == 0x90) && imm == 0)
            imm = 7;
        emit(g, row, dst, 0, 0, imm);
    } else if (R->form == EBPF_FORM_ALU_REG) {
        emit(g, row, dst, src, 0, 0);
    } else {
        emit(g, row, dst, 0, 0, 0);
    }
}

static void gen_jump(struct gen *g, size_t body_end)
{
    size_t room = body_end - g->n - 1; /* instructions left before the epilogue */
    int16_t off = (int16_t)rnd(g, (room < 4 ? room : 4) + 1);
    int row = pick_row(g, is_cond_jump);
    if (ebpf_isa[row].form == EBPF_FORM_JMP_IMM)
        emit(g, row, (unsigned)rnd(g, 10), 0, off, random_imm(g));
    else
        emit(g, row, (unsigned)rnd(g, 10), (unsigned)rnd(g, 10), off, 0);
}

/* Stack slots r10-8 .. r10-64 are initialised in the prologue. */
static void gen_stack(struct gen *g)
{
    int row = pick_row(g, is_stack_op);
    unsigned size = ebpf_row_mem_size(row);
    int slot = 1 + (int)rnd(g, 8);
    int16_t off = (int16_t)(-8 * slot + (int)(rnd(g, 8 / size) * size));
    unsigned r = (unsigned)rnd(g, 10);
    switch (ebpf_isa[row].form) {
    case EBPF_FORM_LDX: emit(g, row, r, 10, off, 0); break;
    case EBPF_FORM_ST: emit(g, row, 10, 0, off, random_imm(g)); break;
    default: emit(g, row, 10, r, off, 0); break;
    }
}

size_t randprog_generate(uint64_t seed, const struct randprog_opts *opts, struct ebpf_insn *out)
{
    struct gen g = {.rng = seed, .out = out, .version = opts->isa_version ? opts->isa_version : 4};
    unsigned body = opts->body_len ? opts->body_len : 48;
    if (body > RANDPROG_MAX_INSNS - 120)
        body = RANDPROG_MAX_INSNS - 120;

    /* Prologue: packet bounds check, spill the packet pointer, init stack. */
    emit(&g, EBPF_ROW_LDXW, 2, 1, EBPF_XDP_MD_DATA, 0);
    emit(&g, EBPF_ROW_LDXW, 3, 1, EBPF_XDP_MD_DATA_END, 0);
    emit(&g, EBPF_ROW_MOV64_REG, 4, 2, 0, 0);
    emit(&g, EBPF_ROW_ADD64_IMM, 4, 0, 0, RANDPROG_PKT_LEN);
    emit(&g, EBPF_ROW_JGE_REG, 3, 4, 2, 0); /* enough room: skip the early exit */
    emit(&g, EBPF_ROW_MOV64_IMM, 0, 0, 0, 2);
    emit(&g, EBPF_ROW_EXIT, 0, 0, 0, 0);
    emit(&g, EBPF_ROW_STXDW, 10, 2, -72, 0);
    for (int s = 1; s <= 8; s++)
        emit(&g, EBPF_ROW_STDW, 10, 0, (int16_t)(-8 * s), random_imm(&g));
    /* r0..r9: constants, some loaded from the packet so they are unknown
     * to the verifier and both sides of branches get explored. */
    for (unsigned r = 0; r < 10; r++) {
        if (r == 2)
            continue;
        if (rnd(&g, 4) == 0)
            emit(&g, EBPF_ROW_LDXDW, r, 2, (int16_t)(8 * rnd(&g, 17)), 0);
        else if (rnd(&g, 2))
            emit_lddw(&g, r, random_value(&g));
        else
            emit(&g, EBPF_ROW_MOV64_IMM, r, 0, 0, random_imm(&g));
    }
    /* r2 last, as it was the packet pointer */
    emit(&g, EBPF_ROW_MOV64_IMM, 2, 0, 0, random_imm(&g));

    size_t body_end = g.n + body;
    while (g.n < body_end) {
        uint64_t k = rnd(&g, 100);
        if (k < 55 || g.n + 2 >= body_end)
            gen_alu(&g);
        else if (k < 70)
            gen_jump(&g, body_end);
        else if (k < 95)
            gen_stack(&g);
        else if (g.n + 2 < body_end)
            emit_lddw(&g, (unsigned)rnd(&g, 10), random_value(&g));
        else
            gen_alu(&g);
    }

    /* A branch must not land on the second slot of an lddw: retarget it to
     * the lddw itself (offsets are forward, so it still moves forward). */
    for (size_t i = 0; i < g.n; i++) {
        int row = ebpf_decode(&out[i]);
        if (row < 0)
            continue;
        if (ebpf_row_is_wide(row)) {
            i++;
            continue;
        }
        if (ebpf_isa[row].form != EBPF_FORM_JMP_IMM && ebpf_isa[row].form != EBPF_FORM_JMP_REG)
            continue;
        size_t t = i + 1 + (size_t)out[i].off;
        if (t > 0 && t < g.n && out[t].code == 0 && ebpf_decode(&out[t - 1]) == EBPF_ROW_LDDW)
            out[i].off--;
    }

    /* Epilogue: registers to stack, then registers and stack to the packet. */
    for (unsigned r = 0; r < 10; r++)
        emit(&g, EBPF_ROW_STXDW, 10, r, (int16_t)(-80 - 8 * (int)r), 0);
    emit(&g, EBPF_ROW_LDXDW, 1, 10, -72, 0);
    for (unsigned i = 0; i < 18; i++) {
        int16_t from = i < 10 ? (int16_t)(-80 - 8 * (int)i) : (int16_t)(-8 * (int)(i - 9));
        emit(&g, EBPF_ROW_LDXDW, 2, 10, from, 0);
        emit(&g, EBPF_ROW_STXDW, 1, 2, (int16_t)(8 * i), 0);
    }
    emit(&g, EBPF_ROW_LDXDW, 0, 10, -80, 0);
    emit(&g, EBPF_ROW_EXIT, 0, 0, 0, 0);
    return g.n;
}
