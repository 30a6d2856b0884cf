/*
 * Load-time rejections, each with its exact error text and return code.
 */
#include "test_util.h"

#define I(c, d, s, o, i) ((struct ebpf_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})
#define EXIT I(0x95, 0, 0, 0, 0)

static void expect_err_vm(ebpf_vm *vm, const struct ebpf_insn *insns, size_t n, int rc,
                          const char *msg)
{
    ebpf_prog *prog = (ebpf_prog *)&prog; /* must be reset to NULL */
    char err[EBPF_ERR_LEN];
    memset(err, 'x', sizeof(err));
    err[sizeof(err) - 1] = 0;
    int got = ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err));
    if (got != rc || strcmp(err, msg)) {
        print_error("load: rc %d \"%s\"\n want: rc %d \"%s\"\n", got, err, rc, msg);
        fail();
    }
    assert_null(prog);
}

static void expect_err(const struct ebpf_insn *insns, size_t n, const char *msg)
{
    ebpf_vm *vm = tu_vm();
    expect_err_vm(vm, insns, n, -EINVAL, msg);
    ebpf_vm_destroy(vm);
}

static void expect_asm_err_vm(ebpf_vm *vm, const char *text, const char *msg)
{
    size_t n;
    struct ebpf_insn *insns = tu_asm(text, &n);
    expect_err_vm(vm, insns, n, -EINVAL, msg);
    free(insns);
}

static void expect_asm_err(const char *text, const char *msg)
{
    ebpf_vm *vm = tu_vm();
    expect_asm_err_vm(vm, text, msg);
    ebpf_vm_destroy(vm);
}

static void expect_ok_vm(ebpf_vm *vm, const struct ebpf_insn *insns, size_t n)
{
    ebpf_prog *prog = NULL;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err));
    if (rc != 0) {
        print_error("unexpected rejection: %s\n", err);
        fail();
    }
    ebpf_prog_destroy(prog);
}

/* ------------------------------------------------------------------------ */

static void test_empty_and_too_long(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    struct ebpf_insn one = EXIT;
    expect_err_vm(vm, &one, 0, -EINVAL, "program is empty");
    expect_err_vm(vm, NULL, 0, -EINVAL, "program is empty");
    ebpf_vm_destroy(vm);

    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    assert_int_equal(cfg.isa_version, 4);
    assert_int_equal(cfg.max_insns, EBPF_MAX_INSNS);
    assert_int_equal(cfg.group_mask, (1u << EBPF_GROUP_COUNT) - 1);
    cfg.max_insns = 4;
    vm = ebpf_vm_create(&cfg);
    struct ebpf_insn p[5] = {I(0xb7, 0, 0, 0, 0), I(0xb7, 0, 0, 0, 0), I(0xb7, 0, 0, 0, 0),
                             I(0xb7, 0, 0, 0, 0), EXIT};
    expect_err_vm(vm, p, 5, -E2BIG, "program has 5 instructions, limit is 4");
    expect_ok_vm(vm, p + 1, 4);
    ebpf_vm_destroy(vm);

    /* the default limit is the kernel's */
    vm = tu_vm();
    size_t n = EBPF_MAX_INSNS + 1;
    struct ebpf_insn *big = calloc(n, sizeof(*big));
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = EXIT;
    expect_err_vm(vm, big, n, -E2BIG, "program has 1000001 instructions, limit is 1000000");
    expect_ok_vm(vm, big, n - 1);
    free(big);
    ebpf_vm_destroy(vm);
}

static void test_unknown_opcode(void **state)
{
    (void)state;
    struct ebpf_insn p[3] = {I(0xb7, 0, 0, 0, 0), I(0xff, 0, 0, 0, 0), EXIT};
    expect_err(p, 3, "insn 1: unknown opcode 0xff");
    p[1] = I(0x00, 0, 0, 0, 0);
    expect_err(p, 3, "insn 1: unknown opcode 0x00");
    p[1] = I(0x8f, 1, 2, 3, 4);
    expect_err(p, 3, "insn 1: unknown opcode 0x8f");
    p[0] = I(0x0e, 0, 0, 0, 0);
    expect_err(p, 3, "insn 0: unknown opcode 0x0e");
}

static void test_bad_key(void **state)
{
    (void)state;
    struct ebpf_insn p[2] = {I(0x37, 0, 0, 2, 1), EXIT};
    expect_err(p, 2, "insn 0: opcode 0x37 with offset 2 is not a valid instruction");
    p[0] = I(0x3c, 0, 1, -1, 0);
    expect_err(p, 2, "insn 0: opcode 0x3c with offset -1 is not a valid instruction");
    p[0] = I(0xbf, 0, 1, 64, 0);
    expect_err(p, 2, "insn 0: opcode 0xbf with offset 64 is not a valid instruction");
    p[0] = I(0xb7, 0, 0, 8, 0);
    expect_err(p, 2, "insn 0: opcode 0xb7 with offset 8 is not a valid instruction");
    p[0] = I(0xd4, 0, 0, 0, 17);
    expect_err(p, 2, "insn 0: opcode 0xd4 with immediate 17 is not a valid instruction");
    p[0] = I(0xd7, 0, 0, 0, 8);
    expect_err(p, 2, "insn 0: opcode 0xd7 with immediate 8 is not a valid instruction");
    p[0] = I(0xc3, 1, 2, 0, 0x02);
    expect_err(p, 2, "insn 0: opcode 0xc3 with immediate 2 is not a valid instruction");
    p[0] = I(0xdb, 1, 2, 0, 0xe0);
    expect_err(p, 2, "insn 0: opcode 0xdb with immediate 224 is not a valid instruction");
    p[0] = I(0x85, 0, 3, 0, 1);
    expect_err(p, 2, "insn 0: opcode 0x85 with source 3 is not a valid instruction");
    p[0] = I(0x85, 0, 2, 0, 1);
    expect_err(p, 2, "insn 0: opcode 0x85 with source 2 is not a valid instruction");
    struct ebpf_insn q[3] = {I(0x18, 0, 3, 0, 0), I(0, 0, 0, 0, 0), EXIT};
    expect_err(q, 3, "insn 0: opcode 0x18 with source 3 is not a valid instruction");
}

static void test_invalid_register(void **state)
{
    (void)state;
    struct ebpf_insn p[2] = {I(0xb7, 11, 0, 0, 0), EXIT};
    expect_err(p, 2, "insn 0: invalid register r11");
    p[0] = I(0xbf, 0, 12, 0, 0);
    expect_err(p, 2, "insn 0: invalid register r12");
    p[0] = I(0x61, 0, 15, 0, 0); /* ldxw r0, [r15] */
    expect_err(p, 2, "insn 0: invalid register r15");
    p[0] = I(0x7b, 11, 1, 0, 0); /* stxdw [r11], r1 */
    expect_err(p, 2, "insn 0: invalid register r11");
    p[0] = I(0x1d, 1, 13, 0, 0); /* jeq r1, r13 */
    expect_err(p, 2, "insn 0: invalid register r13");
    p[0] = I(0x40, 0, 11, 0, 0); /* ldindw r11 */
    expect_err(p, 2, "insn 0: invalid register r11");
    p[0] = I(0x8d, 14, 0, 0, 0); /* callx r14 */
    expect_err(p, 2, "insn 0: invalid register r14");
    p[0] = I(0xdb, 1, 11, 0, 0x01); /* lock fetch add [r1], r11 */
    expect_err(p, 2, "insn 0: invalid register r11");
}

static void test_reserved_fields(void **state)
{
    (void)state;
    struct ebpf_insn p[2] = {I(0x07, 0, 1, 0, 1), EXIT};
    expect_err(p, 2, "insn 0: 'add' has a non-zero reserved field src (1)");
    p[0] = I(0x07, 0, 0, 5, 1);
    expect_err(p, 2, "insn 0: 'add' has a non-zero reserved field off (5)");
    p[0] = I(0x0f, 0, 1, 0, 7);
    expect_err(p, 2, "insn 0: 'add' has a non-zero reserved field imm (7)");
    p[0] = I(0x84, 0, 0, 0, -1);
    expect_err(p, 2, "insn 0: 'neg32' has a non-zero reserved field imm (-1)");
    p[0] = I(0xdc, 0, 2, 0, 16);
    expect_err(p, 2, "insn 0: 'be16' has a non-zero reserved field src (2)");
    p[0] = I(0x61, 0, 1, 0, 3);
    expect_err(p, 2, "insn 0: 'ldxw' has a non-zero reserved field imm (3)");
    p[0] = I(0x62, 1, 2, 0, 3);
    expect_err(p, 2, "insn 0: 'stw' has a non-zero reserved field src (2)");
    p[0] = I(0x63, 1, 2, 0, 3);
    expect_err(p, 2, "insn 0: 'stxw' has a non-zero reserved field imm (3)");
    p[0] = I(0xc3, 1, 2, 0, 0x100);
    expect_err(p, 2, "insn 0: opcode 0xc3 with immediate 256 is not a valid instruction");
    p[0] = I(0x85, 1, 0, 0, 5);
    expect_err(p, 2, "insn 0: 'call' has a non-zero reserved field dst (1)");
    p[0] = I(0x85, 0, 0, 1, 5);
    expect_err(p, 2, "insn 0: 'call' has a non-zero reserved field off (1)");
    p[0] = I(0x8d, 1, 0, 0, 5);
    expect_err(p, 2, "insn 0: 'call' has a non-zero reserved field imm (5)");
    p[0] = I(0x20, 1, 0, 0, 5);
    expect_err(p, 2, "insn 0: 'ldabsw' has a non-zero reserved field dst (1)");
    p[0] = I(0x05, 0, 0, 0, 1);
    expect_err(p, 2, "insn 0: 'ja' has a non-zero reserved field imm (1)");
    p[0] = I(0x06, 0, 0, 1, 0);
    expect_err(p, 2, "insn 0: 'ja32' has a non-zero reserved field off (1)");
    p[0] = I(0x15, 0, 3, 0, 0);
    expect_err(p, 2, "insn 0: 'jeq' has a non-zero reserved field src (3)");
    p[0] = I(0x1d, 0, 3, 0, 9);
    expect_err(p, 2, "insn 0: 'jeq' has a non-zero reserved field imm (9)");
    struct ebpf_insn q[3] = {I(0x18, 0, 0, 4, 1), I(0, 0, 0, 0, 0), EXIT};
    expect_err(q, 3, "insn 0: 'lddw' has a non-zero reserved field off (4)");
    struct ebpf_insn e = I(0x95, 0, 0, 0, 1);
    expect_err(&e, 1, "insn 0: 'exit' has a non-zero reserved field imm (1)");
    e = I(0x95, 1, 0, 0, 0);
    expect_err(&e, 1, "insn 0: 'exit' has a non-zero reserved field dst (1)");
}

static void test_write_r10(void **state)
{
    (void)state;
    expect_asm_err("mov %r10, 1\nexit", "insn 0: 'mov' writes r10, which is read-only");
    expect_asm_err("mov %r0, 0\nadd32 %r10, %r0\nexit",
                   "insn 1: 'add32' writes r10, which is read-only");
    expect_asm_err("neg %r10\nexit", "insn 0: 'neg' writes r10, which is read-only");
    expect_asm_err("be16 %r10\nexit", "insn 0: 'be16' writes r10, which is read-only");
    expect_asm_err("ldxdw %r10, [%r10-8]\nexit", "insn 0: 'ldxdw' writes r10, which is read-only");
    expect_asm_err("lddw %r10, 0x1234\nexit", "insn 0: 'lddw' writes r10, which is read-only");
    expect_asm_err("mov %r1, %r10\nlock fetch add [%r1-8], %r10\nexit",
                   "insn 1: 'lock fetch add' writes r10, which is read-only");
    expect_asm_err("lock xchg32 [%r10-8], %r10\nexit",
                   "insn 0: 'lock xchg32' writes r10, which is read-only");
    /* reading r10, storing through it, and a plain atomic with src r10 are fine */
    ebpf_vm *vm = tu_vm();
    ebpf_prog *p = tu_load(vm, "mov %r1, %r10\nstdw [%r10-8], 0\nstxdw [%r10-16], %r10\n"
                               "lock add [%r10-8], %r10\nldxdw %r0, [%r10-8]\nexit");
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, p, 0, 0, &res), 0);
    assert_int_equal(res.r0, ebpf_addr(EBPF_REGION_STACK, EBPF_MAX_FRAMES * EBPF_STACK_SIZE));
    ebpf_prog_destroy(p);
    ebpf_vm_destroy(vm);
}

static void test_isa_version_gating(void **state)
{
    (void)state;
    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    cfg.isa_version = 3;
    ebpf_vm *vm = ebpf_vm_create(&cfg);
    ebpf_vm_register_conformance_helpers(vm);
    expect_asm_err_vm(vm, "mov %r0, 1\nsdiv %r0, 2\nexit",
                      "insn 1: 'sdiv' needs ISA v4, the VM implements v3");
    expect_asm_err_vm(vm, "movsx864 %r0, %r1\nexit",
                      "insn 0: 'movsx864' needs ISA v4, the VM implements v3");
    expect_asm_err_vm(vm, "ldxsb %r0, [%r10-1]\nexit",
                      "insn 0: 'ldxsb' needs ISA v4, the VM implements v3");
    expect_asm_err_vm(vm, "bswap16 %r0\nexit",
                      "insn 0: 'bswap16' needs ISA v4, the VM implements v3");
    expect_asm_err_vm(vm, "ja32 +0\nexit", "insn 0: 'ja32' needs ISA v4, the VM implements v3");
    /* v3 features load */
    size_t n;
    struct ebpf_insn *insns = tu_asm("mov %r0, 0\njeq32 %r0, 0, +0\nlock add [%r10-8], %r0\n"
                                     "call local f\nexit\nf:\nexit",
                                     &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);

    cfg.isa_version = 2;
    vm = ebpf_vm_create(&cfg);
    expect_asm_err_vm(vm, "jeq32 %r0, 0, +0\nexit",
                      "insn 0: 'jeq32' needs ISA v3, the VM implements v2");
    expect_asm_err_vm(vm, "lock add [%r10-8], %r0\nexit",
                      "insn 0: 'lock add' needs ISA v3, the VM implements v2");
    expect_asm_err_vm(vm, "call local f\nexit\nf:\nexit",
                      "insn 0: 'call local' needs ISA v3, the VM implements v2");
    ebpf_vm_destroy(vm);

    cfg.isa_version = 1;
    vm = ebpf_vm_create(&cfg);
    expect_asm_err_vm(vm, "mov %r0, 0\njlt %r0, 1, +0\nexit",
                      "insn 1: 'jlt' needs ISA v2, the VM implements v1");
    ebpf_vm_destroy(vm);

    /* out-of-range versions mean the default (4) */
    cfg.isa_version = 9;
    vm = ebpf_vm_create(&cfg);
    insns = tu_asm("mov %r0, 1\nsdiv %r0, 2\nexit", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);
}

/* Zero in a configuration field means its default (ebpf.h documents a
 * default for each); that holds for group_mask as for the other three. */
static void test_zero_config_fields_mean_defaults(void **state)
{
    (void)state;
    struct ebpf_vm_config cfg = {.isa_version = 3};
    ebpf_vm *vm = ebpf_vm_create(&cfg);
    assert_non_null(vm);
    size_t n;
    struct ebpf_insn *insns = tu_asm("mov %r0, 0\nldabsb 0\nexit", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    expect_asm_err_vm(vm, "sdiv %r0, 2\nexit", "insn 0: 'sdiv' needs ISA v4, the VM implements v3");
    ebpf_vm_destroy(vm);
}

static void test_group_gating(void **state)
{
    (void)state;
    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    /* the conformance runner's default set: no packet, no callx */
    cfg.group_mask &= ~((1u << EBPF_GROUP_PACKET) | (1u << EBPF_GROUP_CALLX));
    ebpf_vm *vm = ebpf_vm_create(&cfg);
    ebpf_vm_register_conformance_helpers(vm);
    expect_asm_err_vm(vm, "ldabsw 0\nexit",
                      "insn 0: 'ldabsw' is in conformance group packet, which is not enabled");
    expect_asm_err_vm(vm, "mov %r1, 1\nldindb %r1, 0\nexit",
                      "insn 1: 'ldindb' is in conformance group packet, which is not enabled");
    expect_asm_err_vm(vm, "mov %r2, 5\ncall %r2\nexit",
                      "insn 1: 'call' is in conformance group callx, which is not enabled");
    ebpf_vm_destroy(vm);

    ebpf_vm_config_default(&cfg);
    cfg.group_mask = 1u << EBPF_GROUP_BASE32;
    vm = ebpf_vm_create(&cfg);
    expect_asm_err_vm(vm, "mov32 %r0, 1\nmul32 %r0, 3\nexit",
                      "insn 1: 'mul32' is in conformance group divmul32, which is not enabled");
    expect_asm_err_vm(vm, "mov %r0, 1\nexit",
                      "insn 0: 'mov' is in conformance group base64, which is not enabled");
    expect_asm_err_vm(vm, "lock add32 [%r10-4], %r0\nexit",
                      "insn 0: 'lock add32' is in conformance group atomic32, which is not enabled");
    size_t n;
    struct ebpf_insn *insns = tu_asm("mov32 %r0, 1\nadd32 %r0, 3\nexit", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);

    /* version is checked before group */
    ebpf_vm_config_default(&cfg);
    cfg.isa_version = 3;
    cfg.group_mask = 1u << EBPF_GROUP_BASE32;
    vm = ebpf_vm_create(&cfg);
    expect_asm_err_vm(vm, "sdiv %r0, 2\nexit", "insn 0: 'sdiv' needs ISA v4, the VM implements v3");
    ebpf_vm_destroy(vm);
}

static void test_jump_range(void **state)
{
    (void)state;
    expect_asm_err("ja +5\nexit", "insn 0: jump target 6 is outside the program [0, 2)");
    expect_asm_err("ja +1\nexit", "insn 0: jump target 2 is outside the program [0, 2)");
    expect_asm_err("ja -2\nexit", "insn 0: jump target -1 is outside the program [0, 2)");
    expect_asm_err("mov %r0, 0\njeq %r0, 0, -3\nexit",
                   "insn 1: jump target -1 is outside the program [0, 3)");
    expect_asm_err("mov %r0, 0\njne32 %r0, %r0, +32767\nexit",
                   "insn 1: jump target 32769 is outside the program [0, 3)");
    expect_asm_err("ja32 +2\nexit", "insn 0: jump target 3 is outside the program [0, 2)");
    expect_asm_err("ja32 -2147483648\nexit",
                   "insn 0: jump target -2147483647 is outside the program [0, 2)");
    expect_asm_err("call local +1\nexit", "insn 0: jump target 2 is outside the program [0, 2)");
    expect_asm_err("call local -2\nexit", "insn 0: jump target -1 is outside the program [0, 2)");
    expect_asm_err("lddw %r0, func(+5)\nexit",
                   "insn 0: jump target 6 is outside the program [0, 3)");
    /* both ends are fine */
    ebpf_vm *vm = tu_vm();
    size_t n;
    struct ebpf_insn *insns = tu_asm("ja +0\nja -2\n", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);
}

static void test_lddw_slots(void **state)
{
    (void)state;
    /* jumping into the middle of lddw */
    expect_asm_err("ja +1\nlddw %r0, 1\nexit",
                   "insn 0: jump target 2 is the second slot of lddw");
    expect_asm_err("mov %r0, 0\nlddw %r1, 1\njeq %r0, 0, -2\nexit",
                   "insn 3: jump target 2 is the second slot of lddw");
    expect_asm_err("call local +1\nlddw %r1, 1\nexit",
                   "insn 0: jump target 2 is the second slot of lddw");
    /* missing second slot */
    struct ebpf_insn p[3] = {I(0x95, 0, 0, 0, 0), I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0)};
    expect_err(p, 2, "insn 1: lddw is missing its second slot");
    expect_err(p + 1, 1, "insn 0: lddw is missing its second slot");
    /* second slot must have code, registers and offset 0 (imm is the upper half) */
    struct ebpf_insn q[3] = {I(0x18, 0, 0, 0, 1), I(0x95, 0, 0, 0, 0), EXIT};
    expect_err(q, 3, "insn 1: second slot of lddw must have code, registers and offset 0");
    q[1] = I(0, 1, 0, 0, 0);
    expect_err(q, 3, "insn 1: second slot of lddw must have code, registers and offset 0");
    q[1] = I(0, 0, 1, 0, 0);
    expect_err(q, 3, "insn 1: second slot of lddw must have code, registers and offset 0");
    q[1] = I(0, 0, 0, -1, 0);
    expect_err(q, 3, "insn 1: second slot of lddw must have code, registers and offset 0");
    q[1] = I(0, 0, 0, 0, -1);
    ebpf_vm *vm = tu_vm();
    expect_ok_vm(vm, q, 3);
    ebpf_vm_destroy(vm);
    /* the second slot is not decoded as an instruction on its own */
    q[1] = I(0, 0, 0, 0, 0);
    vm = tu_vm();
    expect_ok_vm(vm, q, 3);
    ebpf_vm_destroy(vm);
}

static void test_unknown_helper(void **state)
{
    (void)state;
    expect_asm_err("call 99\nexit", "insn 0: unknown helper id 99");
    expect_asm_err("call -1\nexit", "insn 0: unknown helper id -1");
    expect_asm_err("call 512\nexit", "insn 0: unknown helper id 512");
    expect_asm_err("call 0x7fffffff\nexit", "insn 0: unknown helper id 2147483647");
    /* a VM without the conformance helpers does not know 5 */
    ebpf_vm *vm = ebpf_vm_create(NULL);
    size_t n;
    struct ebpf_insn *insns = tu_asm("call 5\nexit", &n);
    expect_err_vm(vm, insns, n, -EINVAL, "insn 0: unknown helper id 5");
    ebpf_vm_register_conformance_helpers(vm);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);
}

static void test_falls_off(void **state)
{
    (void)state;
    expect_asm_err("mov %r0, 0", "insn 0: program does not end with exit or jump (falls off the end)");
    expect_asm_err("mov %r0, 0\nexit\nmov %r0, 1",
                   "insn 2: program does not end with exit or jump (falls off the end)");
    expect_asm_err("mov %r0, 0\njeq %r0, 0, -2",
                   "insn 1: program does not end with exit or jump (falls off the end)");
    expect_asm_err("exit\nlddw %r0, 1",
                   "insn 1: program does not end with exit or jump (falls off the end)");
    expect_asm_err("exit\ncall 5", "insn 1: program does not end with exit or jump (falls off the end)");
    expect_asm_err("exit\ncall local -2",
                   "insn 1: program does not end with exit or jump (falls off the end)");
    /* ja and ja32 end a program */
    ebpf_vm *vm = tu_vm();
    size_t n;
    struct ebpf_insn *insns = tu_asm("exit\nja -2", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    insns = tu_asm("exit\nja32 -2", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);
}

static void test_function_boundaries(void **state)
{
    (void)state;
    expect_asm_err("mov %r0, 0\ncall local f\nmov %r0, 1\nf:\nexit",
                   "insn 2: function ending before insn 3 does not end with exit or jump");
    expect_asm_err("call local f\nlddw %r0, 1\nf:\nexit",
                   "insn 1: function ending before insn 3 does not end with exit or jump");
    /* a conditional jump does not end a function */
    expect_asm_err("mov %r0, 0\ncall local f\njeq %r0, 0, -3\nf:\nexit",
                   "insn 2: function ending before insn 3 does not end with exit or jump");
    /* nor does a call as the last instruction of the callee */
    expect_asm_err("call local f\nexit\nf:\ncall local g\ng:\nexit",
                   "insn 2: function ending before insn 3 does not end with exit or jump");
    /* lddw func makes a function start too */
    expect_asm_err("lddw %r1, func(f)\nmov %r0, 0\nf:\nexit",
                   "insn 2: function ending before insn 3 does not end with exit or jump");
    /* ja ends a function */
    ebpf_vm *vm = tu_vm();
    size_t n;
    struct ebpf_insn *insns = tu_asm("call local f\nja +1\nf:\nexit\nexit", &n);
    expect_ok_vm(vm, insns, n);
    free(insns);
    ebpf_vm_destroy(vm);
}

static int resolver_calls;
static int resolve(void *user, int row, int32_t lo, int32_t hi, uint64_t *value, char *err,
                   size_t errlen)
{
    (void)user;
    resolver_calls++;
    if (lo == 3) {
        snprintf(err, errlen, "no map with fd %d", lo);
        return -EINVAL;
    }
    *value = ((uint64_t)row << 48) | ((uint64_t)(uint32_t)lo << 16) | (uint32_t)hi;
    return 0;
}

static void test_lddw_pseudo(void **state)
{
    (void)state;
    expect_asm_err("lddw %r1, map_fd(3)\nexit",
                   "insn 0: lddw refers to a map (src 1) but no maps are loaded");
    expect_asm_err("lddw %r1, map_value(3, 8)\nexit",
                   "insn 0: lddw refers to a map (src 2) but no maps are loaded");
    expect_asm_err("mov %r0, 0\nlddw %r1, map_idx(0)\nexit",
                   "insn 1: lddw refers to a map (src 5) but no maps are loaded");
    expect_asm_err("lddw %r1, map_idx_value(0, 4)\nexit",
                   "insn 0: lddw refers to a map (src 6) but no maps are loaded");

    /* with a resolver: its error is passed on, its value is what lddw loads */
    ebpf_vm *vm = tu_vm();
    ebpf_vm_set_pseudo_resolver(vm, resolve, NULL);
    expect_asm_err_vm(vm, "lddw %r1, map_fd(3)\nexit", "insn 0: no map with fd 3");
    resolver_calls = 0;
    ebpf_prog *p = tu_load(vm, "lddw %r0, map_value(7, 9)\nexit");
    assert_int_equal(resolver_calls, 1);
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, p, 0, 0, &res), 0);
    assert_int_equal(res.r0, ((uint64_t)EBPF_ROW_LDDW_MAP_VALUE << 48) | (7u << 16) | 9u);
    ebpf_prog_destroy(p);
    p = tu_load(vm, "lddw %r0, map_idx(2)\nexit");
    assert_int_equal(ebpf_vm_run(vm, p, 0, 0, &res), 0);
    assert_int_equal(res.r0, ((uint64_t)EBPF_ROW_LDDW_MAP_IDX << 48) | (2u << 16));
    ebpf_prog_destroy(p);
    /* plain lddw and lddw func never reach the resolver */
    resolver_calls = 0;
    p = tu_load(vm, "lddw %r0, 5\nlddw %r1, func(f)\nexit\nf:\nexit");
    assert_int_equal(resolver_calls, 0);
    ebpf_prog_destroy(p);
    ebpf_vm_destroy(vm);
}

static void test_error_buffer_handling(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    struct ebpf_insn p[2] = {I(0xff, 0, 0, 0, 0), EXIT};
    ebpf_prog *prog = NULL;
    /* no buffer */
    assert_int_equal(ebpf_prog_load(vm, p, 2, &prog, NULL, 0), -EINVAL);
    assert_null(prog);
    /* a short buffer is truncated and terminated */
    char small[8];
    memset(small, 'x', sizeof(small));
    assert_int_equal(ebpf_prog_load(vm, p, 2, &prog, small, sizeof(small)), -EINVAL);
    assert_string_equal(small, "insn 0:");
    /* the first error wins */
    struct ebpf_insn q[3] = {I(0xb7, 11, 0, 0, 0), I(0xff, 0, 0, 0, 0), EXIT};
    expect_err_vm(vm, q, 3, -EINVAL, "insn 0: invalid register r11");
    ebpf_vm_destroy(vm);
}

/* A successful load exposes what it loaded. */
static void test_loaded_program_accessors(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    size_t n;
    struct ebpf_insn *insns =
        tu_asm("lddw %r0, 1\njeq32 %r0, 1, +1\nlock add [%r10-8], %r0\nsdiv %r0, 1\nexit", &n);
    ebpf_prog *p = NULL;
    char err[EBPF_ERR_LEN];
    assert_int_equal(ebpf_prog_load(vm, insns, n, &p, err, sizeof(err)), 0);
    assert_int_equal(ebpf_prog_len(p), n);
    assert_memory_equal(ebpf_prog_insns(p), insns, n * sizeof(*insns));
    assert_int_equal(ebpf_prog_version(p), 4);
    assert_int_equal(ebpf_prog_groups(p), (1u << EBPF_GROUP_BASE64) | (1u << EBPF_GROUP_BASE32) |
                                              (1u << EBPF_GROUP_ATOMIC64) |
                                              (1u << EBPF_GROUP_DIVMUL64));
    /* the program keeps its own copy */
    memset(insns, 0xff, n * sizeof(*insns));
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, p, 0, 0, &res), 0);
    assert_int_equal(res.r0, 1);
    free(insns);
    ebpf_prog_destroy(p);
    ebpf_prog_destroy(NULL);
    ebpf_vm_destroy(vm);
    ebpf_vm_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_too_long),
        cmocka_unit_test(test_unknown_opcode),
        cmocka_unit_test(test_bad_key),
        cmocka_unit_test(test_invalid_register),
        cmocka_unit_test(test_reserved_fields),
        cmocka_unit_test(test_write_r10),
        cmocka_unit_test(test_isa_version_gating),
        cmocka_unit_test(test_group_gating),
        cmocka_unit_test(test_zero_config_fields_mean_defaults),
        cmocka_unit_test(test_jump_range),
        cmocka_unit_test(test_lddw_slots),
        cmocka_unit_test(test_unknown_helper),
        cmocka_unit_test(test_falls_off),
        cmocka_unit_test(test_function_boundaries),
        cmocka_unit_test(test_lddw_pseudo),
        cmocka_unit_test(test_error_buffer_handling),
        cmocka_unit_test(test_loaded_program_accessors),
    };
    return cmocka_run_group_tests_name("load_errors", tests, NULL, NULL);
}
