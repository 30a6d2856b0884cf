/*
 * JMP and JMP32 semantics: every conditional jump, register and immediate
 * forms, against a C reference over signed/unsigned boundary values; ja, ja32
 * (offset in imm), backward jumps, the implicit 'exit' label, and exact
 * instruction counts for loops.
 */
#include "test_util.h"

#define C(name, text, r0) {name, text, r0, 0}
#define CN(name, text, r0, n) {name, text, r0, n}

static const char *const jops[] = {"jeq", "jne", "jgt", "jge", "jlt", "jle",
                                   "jsgt", "jsge", "jslt", "jsle", "jset"};

static bool jmp_ref(const char *op, int width, uint64_t a, uint64_t b)
{
    if (width == 32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = width == 32 ? (int64_t)(int32_t)(uint32_t)a : (int64_t)a;
    int64_t sb = width == 32 ? (int64_t)(int32_t)(uint32_t)b : (int64_t)b;
    if (!strcmp(op, "jeq")) return a == b;
    if (!strcmp(op, "jne")) return a != b;
    if (!strcmp(op, "jgt")) return a > b;
    if (!strcmp(op, "jge")) return a >= b;
    if (!strcmp(op, "jlt")) return a < b;
    if (!strcmp(op, "jle")) return a <= b;
    if (!strcmp(op, "jsgt")) return sa > sb;
    if (!strcmp(op, "jsge")) return sa >= sb;
    if (!strcmp(op, "jslt")) return sa < sb;
    if (!strcmp(op, "jsle")) return sa <= sb;
    if (!strcmp(op, "jset")) return (a & b) != 0;
    fail_msg("no reference for %s", op);
    return false;
}

/* Register form: both operands 64-bit; JMP32 must ignore the upper halves. */
static void test_jmp_reg_boundaries(void **state)
{
    (void)state;
    static const uint64_t vals[] = {0,
                                    1,
                                    UINT64_MAX,
                                    0x7fffffff,
                                    0x80000000,
                                    0xffffffff,
                                    0x100000000,
                                    0x1ffffffff,
                                    0xffffffff00000000,
                                    0x7fffffffffffffff,
                                    0x8000000000000000,
                                    0x8000000000000001,
                                    0xffffffff80000000,
                                    0x00000001fffffffe};
    ebpf_vm *vm = tu_vm();
    char text[256];
    unsigned bad = 0, runs = 0;
    for (size_t o = 0; o < TU_ARRAY_LEN(jops); o++) {
        for (int width = 32; width <= 64; width += 32) {
            for (size_t i = 0; i < TU_ARRAY_LEN(vals); i++) {
                for (size_t j = 0; j < TU_ARRAY_LEN(vals); j++) {
                    snprintf(text, sizeof(text),
                             "lddw %%r1, 0x%" PRIx64 "\nlddw %%r2, 0x%" PRIx64
                             "\nmov %%r0, 0\n%s%s %%r1, %%r2, +1\nexit\nmov %%r0, 1\nexit",
                             vals[i], vals[j], jops[o], width == 32 ? "32" : "");
                    struct ebpf_run_result res;
                    int rc = tu_run_on(vm, text, NULL, 0, &res);
                    bool want = jmp_ref(jops[o], width, vals[i], vals[j]);
                    runs++;
                    /* lddw, lddw, mov, jXX, (exit) or (mov, exit) */
                    if (rc != 0 || res.r0 != (uint64_t)want || res.insns != (want ? 6u : 5u)) {
                        print_error("%s%s 0x%" PRIx64 ", 0x%" PRIx64 ": r0 %" PRIu64
                                    " after %" PRIu64 " insns, want %d\n",
                                    jops[o], width == 32 ? "32" : "", vals[i], vals[j], res.r0,
                                    res.insns, want);
                        bad++;
                    }
                }
            }
        }
    }
    printf("  %u register-form jumps checked\n", runs);
    ebpf_vm_destroy(vm);
    assert_int_equal(bad, 0);
}

/* Immediate form: imm is sign-extended to 64 bits (JMP) or used as 32 bits
 * (JMP32). */
static void test_jmp_imm_boundaries(void **state)
{
    (void)state;
    static const uint64_t vals[] = {0,          1,           UINT64_MAX,         0x7fffffff,
                                    0x80000000, 0xffffffff,  0xffffffff80000000, 0x100000000,
                                    0x17fffffff, 0x8000000000000000};
    static const int32_t imms[] = {0, 1, -1, INT32_MAX, INT32_MIN, 0x40000000, -2};
    ebpf_vm *vm = tu_vm();
    char text[256];
    unsigned bad = 0, runs = 0;
    for (size_t o = 0; o < TU_ARRAY_LEN(jops); o++) {
        for (int width = 32; width <= 64; width += 32) {
            for (size_t i = 0; i < TU_ARRAY_LEN(vals); i++) {
                for (size_t j = 0; j < TU_ARRAY_LEN(imms); j++) {
                    snprintf(text, sizeof(text),
                             "lddw %%r1, 0x%" PRIx64 "\nmov %%r0, 0\n%s%s %%r1, %" PRId32
                             ", +1\nexit\nmov %%r0, 1\nexit",
                             vals[i], jops[o], width == 32 ? "32" : "", imms[j]);
                    struct ebpf_run_result res;
                    int rc = tu_run_on(vm, text, NULL, 0, &res);
                    bool want = jmp_ref(jops[o], width, vals[i], (uint64_t)(int64_t)imms[j]);
                    runs++;
                    if (rc != 0 || res.r0 != (uint64_t)want || res.insns != (want ? 5u : 4u)) {
                        print_error("%s%s 0x%" PRIx64 ", %" PRId32 ": r0 %" PRIu64 ", want %d\n",
                                    jops[o], width == 32 ? "32" : "", vals[i], imms[j], res.r0,
                                    want);
                        bad++;
                    }
                }
            }
        }
    }
    printf("  %u immediate-form jumps checked\n", runs);
    ebpf_vm_destroy(vm);
    assert_int_equal(bad, 0);
}

static void test_jmp_specific(void **state)
{
    (void)state;
    static const struct tu_case cases[] = {
        /* imm -1 is 0xffffffffffffffff for JMP, 0xffffffff for JMP32 */
        C("jeq imm -1 vs 0xffffffff", "mov32 %r1, -1\nmov %r0, 1\njeq %r1, -1, +1\nmov %r0, 2\nexit", 2),
        C("jeq32 imm -1 vs 0xffffffff", "mov32 %r1, -1\nmov %r0, 1\njeq32 %r1, -1, +1\nmov %r0, 2\nexit", 1),
        C("jgt unsigned: -1 > 1", "mov %r1, -1\nmov %r0, 0\njgt %r1, 1, +1\nexit\nmov %r0, 1\nexit", 1),
        C("jsgt signed: -1 > 1 false", "mov %r1, -1\nmov %r0, 0\njsgt %r1, 1, +1\nexit\nmov %r0, 1\nexit", 0),
        C("jgt32 ignores upper", "lddw %r1, 0xffffffff00000000\nmov %r0, 0\njgt32 %r1, 0, +1\nexit\nmov %r0, 1\nexit", 0),
        C("jslt32 INT32_MIN < INT32_MAX", "mov32 %r1, 0x80000000\nmov32 %r2, 0x7fffffff\nmov %r0, 0\njslt32 %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 1),
        C("jslt INT32_MIN zero-extended is positive", "mov32 %r1, 0x80000000\nmov32 %r2, 0x7fffffff\nmov %r0, 0\njslt %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 0),
        C("jset32 upper bits do not count", "lddw %r1, 0x100000000\nlddw %r2, 0x100000000\nmov %r0, 0\njset32 %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 0),
        C("jset upper bits count", "lddw %r1, 0x100000000\nlddw %r2, 0x100000000\nmov %r0, 0\njset %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 1),
        /* jump forms */
        CN("ja +0 is a no-op", "mov %r0, 1\nja +0\nexit", 1, 3),
        CN("ja forward", "mov %r0, 1\nja +1\nmov %r0, 2\nexit", 1, 3),
        CN("ja to label", "mov %r0, 1\nja out\nmov %r0, 2\nmov %r0, 3\nout:\nexit", 1, 3),
        CN("implicit exit label", "mov %r0, 7\nja exit\nmov %r0, 2\nexit", 7, 3),
        CN("ja backward", "mov %r0, 0\nja +2\nmov %r0, 5\nexit\nja -3\n", 5, 5),
        CN("ja over lddw", "mov %r0, 1\nja +2\nlddw %r0, 0x55\nexit", 1, 3),
        CN("ja32 forward", "mov %r0, 1\nja32 +1\nmov %r0, 2\nexit", 1, 3),
        CN("ja32 to label", "mov %r0, 1\nja32 out\nmov %r0, 2\nout:\nexit", 1, 3),
        CN("ja32 backward", "mov %r0, 0\nja32 +2\nmov %r0, 5\nexit\nja32 -3", 5, 5),
        CN("conditional backward", "mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit", 10, 22),
        CN("jne loop count", "mov %r0, 0\nmov %r1, 5\nl:\nadd %r0, 3\nsub %r1, 1\njne %r1, 0, l\nexit", 15, 18),
        CN("not taken falls through", "mov %r0, 1\njeq %r0, 0, +1\nmov %r0, 2\nexit", 2, 4),
        CN("jmp32 loop", "mov %r0, 0\nlddw %r1, 0x700000003\nl:\nadd %r0, 1\nsub %r1, 1\njne32 %r1, 0, l\nexit", 3, 12),
    };
    tu_check_cases(cases, TU_ARRAY_LEN(cases));
}

/* ja32 reaches past the 16-bit range of ja. */
static void test_ja32_long(void **state)
{
    (void)state;
    size_t n = 40000;
    size_t cap = n * 16 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "mov %%r0, 1\nja32 far\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "mov %%r0, 2\n");
    snprintf(text + len, cap - len, "far:\nexit\n");
    size_t slots;
    struct ebpf_insn *insns = tu_asm(text, &slots);
    assert_int_equal(slots, n + 3);
    assert_int_equal(insns[1].code, 0x06);
    assert_int_equal(insns[1].imm, (int32_t)n);
    assert_int_equal(insns[1].off, 0);
    free(insns);
    struct ebpf_run_result res = tu_run_ok(text, NULL, 0);
    assert_int_equal(res.r0, 1);
    assert_int_equal(res.insns, 3);
    free(text);
}

/* Random comparisons against the reference, both widths and forms. */
static void test_jmp_random(void **state)
{
    (void)state;
    struct tu_rng rng = {42};
    ebpf_vm *vm = tu_vm();
    char text[256];
    unsigned bad = 0;
    for (int k = 0; k < 3000; k++) {
        const char *op = jops[tu_below(&rng, TU_ARRAY_LEN(jops))];
        int width = tu_below(&rng, 2) ? 32 : 64;
        uint64_t a = tu_rand64(&rng), b = tu_rand64(&rng);
        /* make equality and near-equality common */
        switch (tu_below(&rng, 4)) {
        case 0: b = a; break;
        case 1: b = (a & 0xffffffff) | (b & ~UINT64_C(0xffffffff)); break;
        default: break;
        }
        bool imm = tu_below(&rng, 2);
        if (imm) {
            int32_t i32 = (int32_t)(uint32_t)b;
            snprintf(text, sizeof(text),
                     "lddw %%r4, 0x%" PRIx64 "\nmov %%r0, 0\n%s%s %%r4, %" PRId32
                     ", +1\nexit\nmov %%r0, 1\nexit",
                     a, op, width == 32 ? "32" : "", i32);
            b = (uint64_t)(int64_t)i32;
        } else {
            snprintf(text, sizeof(text),
                     "lddw %%r4, 0x%" PRIx64 "\nlddw %%r9, 0x%" PRIx64
                     "\nmov %%r0, 0\n%s%s %%r4, %%r9, +1\nexit\nmov %%r0, 1\nexit",
                     a, b, op, width == 32 ? "32" : "");
        }
        struct ebpf_run_result res;
        int rc = tu_run_on(vm, text, NULL, 0, &res);
        bool want = jmp_ref(op, width, a, b);
        if (rc != 0 || res.r0 != (uint64_t)want) {
            print_error("%s", text);
            bad++;
        }
    }
    ebpf_vm_destroy(vm);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmp_reg_boundaries),
        cmocka_unit_test(test_jmp_imm_boundaries),
        cmocka_unit_test(test_jmp_specific),
        cmocka_unit_test(test_ja32_long),
        cmocka_unit_test(test_jmp_random),
    };
    return cmocka_run_group_tests_name("jmp", tests, NULL, NULL);
}
