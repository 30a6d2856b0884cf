/*
 * Atomic read-modify-write instructions, 32 and 64 bits: add/or/and/xor with
 * and without fetch, xchg, cmpxchg.  Each case checks memory (including the
 * bytes next to a 32-bit operand), the src register afterwards (fetch forms
 * write the old value zero-extended; plain forms leave src alone, upper half
 * included) and r0 (cmpxchg compares the low half for 32 bits and returns the
 * old value zero-extended).
 */
#include "test_util.h"

struct atomic_op {
    const char *mn;  /* without the 32 suffix */
    int fetch;       /* writes the old value to src */
    int kind;        /* 0 add, 1 or, 2 and, 3 xor, 4 xchg, 5 cmpxchg */
};

static const struct atomic_op ops[] = {
    {"lock add", 0, 0},       {"lock or", 0, 1},        {"lock and", 0, 2},
    {"lock xor", 0, 3},       {"lock fetch add", 1, 0}, {"lock fetch or", 1, 1},
    {"lock fetch and", 1, 2}, {"lock fetch xor", 1, 3}, {"lock xchg", 1, 4},
    {"lock cmpxchg", 0, 5},
};

/* mem[0..7] = operand, mem[8..15] = src after, mem[16..23] = r0 after,
 * mem[24..31] = guard. */
static void run_one(const struct atomic_op *op, int width, uint64_t memv, uint64_t srcv,
                    uint64_t r0v, unsigned *bad)
{
    uint8_t mem[32];
    memset(mem, 0, sizeof(mem));
    memcpy(mem, &memv, 8);
    memset(mem + 24, 0x5c, 8);
    char text[512];
    snprintf(text, sizeof(text),
             "lddw %%r2, 0x%" PRIx64 "\nlddw %%r0, 0x%" PRIx64 "\n%s%s [%%r1+0], %%r2\n"
             "stxdw [%%r1+8], %%r2\nstxdw [%%r1+16], %%r0\nmov %%r0, 0\nexit",
             srcv, r0v, op->mn, width == 32 ? "32" : "");
    struct ebpf_run_result res = tu_run_ok(text, mem, sizeof(mem));

    /* reference */
    uint64_t mask = width == 32 ? 0xffffffff : UINT64_MAX;
    uint64_t old = memv & mask, s = srcv & mask, nv = old;
    uint64_t src_after = srcv, r0_after = r0v;
    switch (op->kind) {
    case 0: nv = (old + s) & mask; break;
    case 1: nv = old | s; break;
    case 2: nv = old & s; break;
    case 3: nv = old ^ s; break;
    case 4: nv = s; break;
    case 5:
        nv = old == (r0v & mask) ? s : old;
        r0_after = old;
        break;
    }
    if (op->fetch)
        src_after = old;
    uint64_t mem_after = (memv & ~mask) | nv;

    uint64_t got_mem, got_src, got_r0;
    memcpy(&got_mem, mem, 8);
    memcpy(&got_src, mem + 8, 8);
    memcpy(&got_r0, mem + 16, 8);
    uint8_t guard[8];
    memset(guard, 0x5c, 8);
    if (got_mem != mem_after || got_src != src_after || got_r0 != r0_after ||
        memcmp(mem + 24, guard, 8) || res.insns != 7) {
        print_error("%s%s mem 0x%" PRIx64 " src 0x%" PRIx64 " r0 0x%" PRIx64
                    ":\n  mem 0x%" PRIx64 " (want 0x%" PRIx64 ") src 0x%" PRIx64
                    " (want 0x%" PRIx64 ") r0 0x%" PRIx64 " (want 0x%" PRIx64 ") insns %" PRIu64
                    "\n",
                    op->mn, width == 32 ? "32" : "", memv, srcv, r0v, got_mem, mem_after, got_src,
                    src_after, got_r0, r0_after, res.insns);
        (*bad)++;
    }
}

static void test_atomics_reference(void **state)
{
    (void)state;
    static const uint64_t vals[] = {0,
                                    1,
                                    0xffffffff,
                                    0x80000000,
                                    0x1122334455667788,
                                    0xffffffffffffffff,
                                    0x00000001ffffffff,
                                    0xdeadbeef00000001,
                                    0x8000000000000000};
    unsigned bad = 0, runs = 0;
    for (size_t o = 0; o < TU_ARRAY_LEN(ops); o++)
        for (int width = 32; width <= 64; width += 32)
            for (size_t i = 0; i < TU_ARRAY_LEN(vals); i++)
                for (size_t j = 0; j < TU_ARRAY_LEN(vals); j++) {
                    /* r0: equal to mem (cmpxchg succeeds), equal in the low
                     * half only, or different */
                    uint64_t r0s[3] = {vals[i], vals[i] ^ 0xabcd000000000000, vals[j] + 1};
                    for (int k = 0; k < 3; k++, runs++)
                        run_one(&ops[o], width, vals[i], vals[j], r0s[k], &bad);
                }
    printf("  %u atomic operations checked\n", runs);
    assert_int_equal(bad, 0);
}

/* The cases the comment at the top promises, spelled out. */
static void test_atomic32_upper_bits(void **state)
{
    (void)state;
    uint64_t mem[2];
    /* fetch add32: old value zero-extended into src, no carry into bytes 4..7 */
    mem[0] = 0x11111111ffffffff;
    mem[1] = 0;
    struct ebpf_run_result res = tu_run_ok("lddw %r2, 0xaaaaaaaa00000001\n"
                                           "lock fetch add32 [%r1], %r2\n"
                                           "mov %r0, %r2\nexit",
                                           mem, sizeof(mem));
    assert_int_equal(mem[0], 0x1111111100000000);
    assert_int_equal(res.r0, 0xffffffff);
    /* plain add32 keeps src, upper half included */
    mem[0] = 5;
    res = tu_run_ok("lddw %r2, 0xaaaaaaaa00000001\nlock add32 [%r1], %r2\nmov %r0, %r2\nexit",
                    mem, sizeof(mem));
    assert_int_equal(mem[0], 6);
    assert_int_equal(res.r0, 0xaaaaaaaa00000001);
    /* xchg32 */
    mem[0] = 0x2222222280000000;
    res = tu_run_ok("lddw %r2, 0xbbbbbbbb00000007\nlock xchg32 [%r1], %r2\nmov %r0, %r2\nexit",
                    mem, sizeof(mem));
    assert_int_equal(mem[0], 0x2222222200000007);
    assert_int_equal(res.r0, 0x80000000);
    /* cmpxchg32: r0's upper half does not take part in the compare, and r0
     * gets the old value zero-extended */
    mem[0] = 0x3333333300000042;
    res = tu_run_ok("lddw %r0, 0xffffffff00000042\nmov %r2, 9\nlock cmpxchg32 [%r1], %r2\n"
                    "exit",
                    mem, sizeof(mem));
    assert_int_equal(mem[0], 0x3333333300000009);
    assert_int_equal(res.r0, 0x42);
    /* cmpxchg32 failing: memory unchanged */
    mem[0] = 0x3333333300000042;
    res = tu_run_ok("mov %r0, 0x43\nmov %r2, 9\nlock cmpxchg32 [%r1], %r2\nexit", mem,
                    sizeof(mem));
    assert_int_equal(mem[0], 0x3333333300000042);
    assert_int_equal(res.r0, 0x42);
    /* cmpxchg64 succeeding and failing */
    mem[0] = 0x8000000000000001;
    res = tu_run_ok("lddw %r0, 0x8000000000000001\nmov %r2, -1\nlock cmpxchg [%r1], %r2\nexit",
                    mem, sizeof(mem));
    assert_int_equal(mem[0], UINT64_MAX);
    assert_int_equal(res.r0, 0x8000000000000001);
    mem[0] = 0x8000000000000001;
    res = tu_run_ok("mov %r0, 1\nmov %r2, -1\nlock cmpxchg [%r1], %r2\nexit", mem, sizeof(mem));
    assert_int_equal(mem[0], 0x8000000000000001);
    assert_int_equal(res.r0, 0x8000000000000001);
}

static void test_atomic_offsets_and_stack(void **state)
{
    (void)state;
    uint64_t mem[3] = {0, 10, 0};
    struct ebpf_run_result res =
        tu_run_ok("mov %r2, 5\nmov %r3, %r1\nadd %r3, 16\nlock fetch add [%r3-8], %r2\n"
                  "mov %r0, %r2\nexit",
                  mem, sizeof(mem));
    assert_int_equal(mem[1], 15);
    assert_int_equal(res.r0, 10);
    assert_int_equal(mem[0], 0);
    assert_int_equal(mem[2], 0);
    /* on the stack */
    res = tu_run_ok("stdw [%r10-8], 3\nmov %r2, 4\nlock or [%r10-8], %r2\n"
                    "mov %r3, 1\nlock fetch xor [%r10-8], %r3\nldxdw %r0, [%r10-8]\n"
                    "lsh %r0, 8\nor %r0, %r3\nexit",
                    NULL, 0);
    assert_int_equal(res.r0, (6 << 8) | 7);
    assert_int_equal(res.insns, 9);
    /* unaligned 32-bit atomic in the middle of a word */
    uint8_t b[8] = {0};
    res = tu_run_ok("mov %r2, -1\nlock xor32 [%r1+2], %r2\nexit", b, sizeof(b));
    uint8_t want[8] = {0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0};
    assert_memory_equal(b, want, 8);
    /* fetch into r0 (src = r0) and an atomic whose src is the address register */
    uint64_t m = 40;
    res = tu_run_ok("mov %r0, 2\nlock fetch add [%r1], %r0\nexit", &m, sizeof(m));
    assert_int_equal(m, 42);
    assert_int_equal(res.r0, 40);
    m = 1;
    res = tu_run_ok("mov %r3, %r1\nlock xchg [%r3], %r3\nmov %r0, %r3\nexit", &m, sizeof(m));
    assert_int_equal(res.r0, 1);
    assert_int_equal(m, ebpf_addr(EBPF_REGION_MEM, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomics_reference),
        cmocka_unit_test(test_atomic32_upper_bits),
        cmocka_unit_test(test_atomic_offsets_and_stack),
    };
    return cmocka_run_group_tests_name("atomic", tests, NULL, NULL);
}
