/*
 * Calls: bpf-to-bpf calls (r6-r9 preserved, a separate 512-byte frame per
 * call, the callee's stack does not clobber the caller's, at most 8 frames),
 * helper calls through the registry (arguments r1-r5, result in r0), callx,
 * helpers that translate guest pointers, tail calls, lddw func.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

#define C(name, text, r0) {name, text, r0, 0}
#define CN(name, text, r0, n) {name, text, r0, n}

static void test_call_local(void **state)
{
    (void)state;
    static const struct tu_case cases[] = {
        /* arguments in r1-r5, result in r0, r6-r9 preserved */
        CN("args, result, callee-saved",
           "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\n"
           "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\n"
           "call local f\n"
           "mul %r0, 10000\n"
           "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n"
           "f:\n"
           "mov %r0, %r1\nadd %r0, %r2\nadd %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\n"
           "mov %r6, 100\nmov %r7, 100\nmov %r8, 100\nmov %r9, 100\nexit",
           150030, 26),
        /* nested: each level keeps its own r6-r9 */
        C("nested callee-saved",
          "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\ncall local f\n"
          "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n"
          "f:\nmov %r6, 16\nmov %r7, 17\nmov %r8, 18\nmov %r9, 19\ncall local g\n"
          "mov %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n"
          "g:\nmov %r6, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\nmov %r0, 0\nexit",
          100),
        /* the callee's r10 is 512 below the caller's; the caller's is restored */
        C("frame size",
          "mov %r6, %r10\ncall local f\nmov %r7, %r6\nsub %r7, %r0\n"
          "mov %r8, %r10\nsub %r8, %r6\nlsh %r8, 32\nor %r7, %r8\nmov %r0, %r7\nexit\n"
          "f:\nmov %r0, %r10\nexit",
          512),
        C("frame addresses",
          "call local f\nexit\nf:\ncall local g\nexit\ng:\nmov %r0, %r10\nexit",
          0x100000000 + (EBPF_MAX_FRAMES - 2) * EBPF_STACK_SIZE),
        /* the callee's own stack does not clobber the caller's */
        C("separate stacks",
          "stdw [%r10-8], 0x1111\nstdw [%r10-512], 0x5555\ncall local f\n"
          "ldxdw %r0, [%r10-8]\nldxdw %r1, [%r10-512]\nlsh %r0, 16\nor %r0, %r1\nexit\n"
          "f:\nstdw [%r10-8], 0x2222\nstdw [%r10-512], 0x3333\nldxdw %r0, [%r10-8]\nexit",
          0x11115555),
        /* but a pointer into the caller's frame may be passed down */
        C("pointer to caller stack",
          "stdw [%r10-8], 1\nmov %r1, %r10\nsub %r1, 8\ncall local f\nldxdw %r0, [%r10-8]\nexit\n"
          "f:\nstdw [%r1+0], 0x4444\nexit",
          0x4444),
        /* backward target: the callee sits before the caller's code */
        C("backward call",
          "ja main\nf:\nmov %r0, 33\nexit\nmain:\ncall local f\nadd %r0, 1\nexit",
          34),
        /* maximum depth: main + 7 callees = 8 frames */
        CN("depth 8 frames",
           "mov %r1, 6\nmov %r0, 0\ncall local f\nexit\n"
           "f:\nadd %r0, 1\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\nexit",
           7, 37),
    };
    tu_check_cases(cases, TU_ARRAY_LEN(cases));

    /* encoding of call local: src 1, imm relative to the next slot */
    size_t n;
    struct ebpf_insn *insns = tu_asm("call local f\nexit\nf:\nexit", &n);
    assert_int_equal(insns[0].code, 0x85);
    assert_int_equal(insns[0].src, 1);
    assert_int_equal(insns[0].imm, 1);
    free(insns);
}

/* ---------------------------------------------------------------- helpers */

struct helper_log {
    uint64_t args[5];
    int calls;
    const ebpf_prog *tail_target;
    int tail_rc;
};

static uint64_t h_record(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                         uint64_t r5)
{
    struct helper_log *l = ebpf_vm_user(vm);
    l->args[0] = r1;
    l->args[1] = r2;
    l->args[2] = r3;
    l->args[3] = r4;
    l->args[4] = r5;
    l->calls++;
    return UINT64_C(0xfeedface00000000) | (uint64_t)l->calls;
}

static uint64_t h_sum_bytes(ebpf_vm *vm, uint64_t ptr, uint64_t len, uint64_t r3, uint64_t r4,
                            uint64_t r5)
{
    (void)r3, (void)r4, (void)r5;
    const uint8_t *p = ebpf_vm_translate(vm, ptr, len, EBPF_MEM_READ);
    if (!p) {
        ebpf_vm_helper_fault(vm, "sum_bytes: bad buffer 0x%" PRIx64 "+%" PRIu64, ptr, len);
        return 0;
    }
    uint64_t s = 0;
    for (uint64_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

static uint64_t h_tail(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                       uint64_t r5)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
    struct helper_log *l = ebpf_vm_user(vm);
    l->calls++;
    l->tail_rc = ebpf_vm_request_tail_call(vm, l->tail_target);
    return 0;
}

static void test_helper_registry(void **state)
{
    (void)state;
    ebpf_vm *vm = ebpf_vm_create(NULL);
    assert_non_null(vm);
    assert_null(ebpf_vm_helper_name(vm, 100));
    assert_int_equal(ebpf_vm_register_helper(vm, 100, "record", h_record), 0);
    assert_string_equal(ebpf_vm_helper_name(vm, 100), "record");
    assert_int_equal(ebpf_vm_register_helper(vm, 100, "again", h_record), -EEXIST);
    assert_string_equal(ebpf_vm_helper_name(vm, 100), "record");
    assert_int_equal(ebpf_vm_register_helper(vm, 511, "last", h_record), 0);
    assert_int_equal(ebpf_vm_register_helper(vm, 512, "too big", h_record), -EINVAL);
    assert_int_equal(ebpf_vm_register_helper(vm, UINT32_MAX, "too big", h_record), -EINVAL);
    assert_int_equal(ebpf_vm_register_helper(vm, 7, "null", NULL), -EINVAL);
    assert_null(ebpf_vm_helper_name(vm, 7));
    assert_null(ebpf_vm_helper_name(vm, 512));
    assert_null(ebpf_vm_helper_name(vm, 5));
    ebpf_vm_register_conformance_helpers(vm);
    assert_string_equal(ebpf_vm_helper_name(vm, 5), "unwind");
    ebpf_vm_destroy(vm);
}

static void test_helper_call(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    struct helper_log log = {0};
    ebpf_vm_set_user(vm, &log);
    assert_ptr_equal(ebpf_vm_user(vm), &log);
    assert_int_equal(ebpf_vm_register_helper(vm, 100, "record", h_record), 0);
    struct ebpf_run_result res;
    int rc = tu_run_on(vm,
                       "mov %r1, 1\nlddw %r2, 0x2222222222222222\nmov %r3, -3\n"
                       "mov32 %r4, -4\nmov %r5, %r10\nmov %r6, 66\ncall 100\n"
                       "add %r0, %r6\nexit",
                       NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.args[0], 1);
    assert_int_equal(log.args[1], 0x2222222222222222);
    assert_int_equal(log.args[2], (uint64_t)-3);
    assert_int_equal(log.args[3], 0xfffffffc);
    assert_int_equal(log.args[4], ebpf_addr(EBPF_REGION_STACK, EBPF_MAX_FRAMES * EBPF_STACK_SIZE));
    assert_int_equal(res.r0, 0xfeedface00000001 + 66);
    assert_int_equal(res.insns, 9);

    /* callx: the helper id in a register */
    rc = tu_run_on(vm, "mov %r1, 7\nmov %r8, 100\ncall %r8\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(log.calls, 2);
    assert_int_equal(log.args[0], 7);
    assert_int_equal(res.r0, 0xfeedface00000002);
    assert_int_equal(res.insns, 4);

    /* the conformance helper 5 returns its first argument */
    rc = tu_run_on(vm, "lddw %r1, 0x123456789\ncall 5\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, 0x123456789);
    rc = tu_run_on(vm, "mov %r1, -1\nmov %r2, 5\ncall %r2\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, UINT64_MAX);

    /* encodings: call imm has src 0; callx has the register in dst */
    size_t n;
    struct ebpf_insn *insns = tu_asm("call 100\ncall %r8\nexit", &n);
    struct ebpf_insn want0 = {.code = 0x85, .imm = 100}, want1 = {.code = 0x8d, .dst = 8};
    assert_true(tu_insn_eq(&insns[0], &want0));
    assert_true(tu_insn_eq(&insns[1], &want1));
    free(insns);
    ebpf_vm_destroy(vm);
}

static void test_helper_translates_pointers(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_register_helper(vm, 101, "sum_bytes", h_sum_bytes), 0);
    struct ebpf_run_result res;
    int rc = tu_run_on(vm,
                       "lddw %r1, 0x0807060504030201\nstxdw [%r10-8], %r1\n"
                       "mov %r1, %r10\nsub %r1, 8\nmov %r2, 8\ncall 101\nexit",
                       NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, 36);
    /* in a callee, the helper sees the callee's frame */
    rc = tu_run_on(vm,
                   "call local f\nexit\n"
                   "f:\nstdw [%r10-8], 0x0101\nmov %r1, %r10\nsub %r1, 8\nmov %r2, 8\n"
                   "call 101\nexit",
                   NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, 2);
    /* mem buffer */
    uint8_t mem[4] = {10, 20, 30, 40};
    rc = tu_run_on(vm, "call 101\nexit", mem, sizeof(mem), &res); /* r1, r2 = mem, len */
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, 100);
    ebpf_vm_destroy(vm);
}

static void test_tail_call(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    struct helper_log log = {0};
    ebpf_vm_set_user(vm, &log);
    assert_int_equal(ebpf_vm_register_helper(vm, 102, "tail", h_tail), 0);
    ebpf_prog *target = tu_load(vm, "mov %r0, %r1\nadd %r0, 1000\nexit");
    ebpf_prog *prog = tu_load(vm, "stdw [%r10-8], 1\nmov %r1, 5\ncall 102\nmov %r0, 99\nexit");
    log.tail_target = target;
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, prog, 0, 0, &res), 0);
    assert_int_equal(log.tail_rc, 0);
    assert_int_equal(res.r0, 1005); /* r1 kept, the rest of prog skipped */
    assert_int_equal(res.insns, 6);
    ebpf_prog_destroy(prog);

    /* a program that tail-calls itself: 33 tail calls, then -E2BIG and the
     * program goes on after the call */
    prog = tu_load(vm, "call 102\nmov %r0, 7\nexit");
    log.tail_target = prog;
    log.calls = 0;
    assert_int_equal(ebpf_vm_run(vm, prog, 0, 0, &res), 0);
    assert_int_equal(log.calls, EBPF_MAX_TAIL_CALLS + 1);
    assert_int_equal(log.tail_rc, -E2BIG);
    assert_int_equal(res.r0, 7);
    assert_int_equal(res.insns, EBPF_MAX_TAIL_CALLS + 1 + 2);
    /* the count starts again on every run */
    log.calls = 0;
    assert_int_equal(ebpf_vm_run(vm, prog, 0, 0, &res), 0);
    assert_int_equal(log.calls, EBPF_MAX_TAIL_CALLS + 1);
    ebpf_prog_destroy(prog);
    ebpf_prog_destroy(target);
    ebpf_vm_destroy(vm);
}

static void test_lddw_func(void **state)
{
    (void)state;
    /* lddw func(label): the code address of the function */
    assert_int_equal(tu_r0("lddw %r0, func(f)\nexit\nf:\nmov %r0, 1\nexit"),
                     ebpf_addr(EBPF_REGION_CODE, 3));
    size_t n;
    struct ebpf_insn *insns = tu_asm("lddw %r0, func(f)\nexit\nf:\nexit", &n);
    assert_int_equal(n, 4);
    assert_int_equal(insns[0].code, 0x18);
    assert_int_equal(insns[0].src, 4);
    assert_int_equal(insns[0].imm, 2);
    assert_int_equal(insns[1].imm, 0);
    free(insns);
}

/* A program loaded on one VM and run on another that lacks its helper must
 * not call through a NULL pointer.  Run in a child so a crash is reported
 * instead of killing the test binary. */
static void test_prog_on_other_vm_missing_helper(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka's handlers would longjmp back into the runner in the child */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        ebpf_vm *a = ebpf_vm_create(NULL), *b = ebpf_vm_create(NULL);
        ebpf_vm_register_helper(a, 100, "record", h_record);
        struct helper_log log = {0};
        ebpf_vm_set_user(a, &log);
        ebpf_vm_set_user(b, &log);
        struct ebpf_insn *insns;
        size_t n;
        char err[EBPF_ERR_LEN];
        if (ebpf_asm("call 100\nexit", &insns, &n, err, sizeof(err)) < 0)
            _exit(3);
        ebpf_prog *prog;
        if (ebpf_prog_load(a, insns, n, &prog, err, sizeof(err)) < 0)
            _exit(3);
        struct ebpf_run_result res;
        int rc = ebpf_vm_run(b, prog, 0, 0, &res);
        _exit(rc < 0 ? 0 : 10);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("running a program on a VM without its helper killed the process with signal %d",
                 WTERMSIG(status));
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 10)
        fail_msg("the run succeeded although the VM has no helper 100");
    if (WEXITSTATUS(status) != 0)
        fail_msg("the child died with exit status %d (sanitizer report above?)",
                 WEXITSTATUS(status));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_local),
        cmocka_unit_test(test_helper_registry),
        cmocka_unit_test(test_helper_call),
        cmocka_unit_test(test_helper_translates_pointers),
        cmocka_unit_test(test_tail_call),
        cmocka_unit_test(test_lddw_func),
        cmocka_unit_test(test_prog_on_other_vm_missing_helper),
    };
    return cmocka_run_group_tests_name("calls", tests, NULL, NULL);
}
