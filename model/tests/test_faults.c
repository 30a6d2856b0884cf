/*
 * Run-time faults: kind, pc, address, size, region, direction and message,
 * exactly; r0 and the instruction count at the fault; the formatted text;
 * that the VM is usable again afterwards.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

#define STACK_TOP (EBPF_MAX_FRAMES * EBPF_STACK_SIZE) /* 4096 */

struct want_fault {
    uint8_t kind;
    uint32_t pc;
    uint64_t addr;
    uint8_t size;
    uint8_t write;
    uint32_t region;
    const char *msg;
    uint64_t insns;
    uint64_t r0;
};

static void check_fault(const struct ebpf_run_result *res, int rc, const struct want_fault *w)
{
    char buf[256];
    ebpf_fault_format(&res->fault, buf, sizeof(buf));
    if (rc != -EFAULT || res->fault.kind != w->kind || res->fault.pc != w->pc ||
        res->fault.addr != w->addr || res->fault.size != w->size ||
        res->fault.write != w->write || res->fault.region != w->region ||
        strcmp(res->fault.msg, w->msg) || res->insns != w->insns || res->r0 != w->r0) {
        print_error("got  rc %d kind %u pc %u addr 0x%" PRIx64 " size %u write %u region %u "
                    "insns %" PRIu64 " r0 0x%" PRIx64 "\n     \"%s\"\n",
                    rc, res->fault.kind, res->fault.pc, res->fault.addr, res->fault.size,
                    res->fault.write, res->fault.region, res->insns, res->r0, res->fault.msg);
        print_error("want rc %d kind %u pc %u addr 0x%" PRIx64 " size %u write %u region %u "
                    "insns %" PRIu64 " r0 0x%" PRIx64 "\n     \"%s\"\n",
                    -EFAULT, w->kind, w->pc, w->addr, w->size, w->write, w->region, w->insns,
                    w->r0, w->msg);
        fail();
    }
}

static void run_fault(const char *text, void *mem, size_t len, const struct want_fault *w)
{
    ebpf_vm *vm = tu_vm();
    struct ebpf_run_result res;
    int rc = tu_run_on(vm, text, mem, len, &res);
    check_fault(&res, rc, w);
    /* the same VM runs a clean program afterwards */
    rc = tu_run_on(vm, "mov %r0, 3\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.fault.kind, EBPF_FAULT_NONE);
    assert_int_equal(res.r0, 3);
    ebpf_vm_destroy(vm);
}

static void test_mem_bounds(void **state)
{
    (void)state;
    uint8_t mem[8] = {0};
    run_fault("mov %r0, 5\nldxdw %r0, [%r1+4]\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 1, 0x400000004, 8, 0, EBPF_REGION_MEM,
                                   "load of 8 bytes at 0x400000004 (mem+4): outside the region's "
                                   "valid window [0, 8)",
                                   2, 5});
    run_fault("stw [%r1+6], 1\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x400000006, 4, 1, EBPF_REGION_MEM,
                                   "store of 4 bytes at 0x400000006 (mem+6): outside the region's "
                                   "valid window [0, 8)",
                                   1, 0});
    run_fault("mov %r2, 1\nstxb [%r1+8], %r2\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 1, 0x400000008, 1, 1, EBPF_REGION_MEM,
                                   "store of 1 bytes at 0x400000008 (mem+8): outside the region's "
                                   "valid window [0, 8)",
                                   2, 0});
    run_fault("mov %r2, 1\nlock add32 [%r1+5], %r2\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 1, 0x400000005, 4, 1, EBPF_REGION_MEM,
                                   "store of 4 bytes at 0x400000005 (mem+5): outside the region's "
                                   "valid window [0, 8)",
                                   2, 0});
    /* a faulting store leaves memory alone */
    uint8_t guard[8];
    memset(mem, 0x11, sizeof(mem));
    memcpy(guard, mem, sizeof(mem));
    run_fault("stdw [%r1+1], -1\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x400000001, 8, 1, EBPF_REGION_MEM,
                                   "store of 8 bytes at 0x400000001 (mem+1): outside the region's "
                                   "valid window [0, 8)",
                                   1, 0});
    assert_memory_equal(mem, guard, sizeof(mem));
    /* just below the buffer is the packet region's id, which is unmapped */
    run_fault("ldxb %r0, [%r1-1]\nexit", mem, sizeof(mem),
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 0, 0x3ffffffff, 1, 0, 3,
                                   "load of 1 bytes at 0x3ffffffff (unmapped): address is in no "
                                   "mapped region",
                                   1, 0});
}

static void test_stack_bounds(void **state)
{
    (void)state;
    /* below frame 0: r10 - 513 */
    run_fault("ldxb %r0, [%r10-513]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x100000dff, 1, 0, EBPF_REGION_STACK,
                                   "load of 1 bytes at 0x100000dff (stack+3583): outside the "
                                   "region's valid window [3584, 4096)",
                                   1, 0});
    run_fault("stdw [%r10-516], 1\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x100000dfc, 8, 1, EBPF_REGION_STACK,
                                   "store of 8 bytes at 0x100000dfc (stack+3580): outside the "
                                   "region's valid window [3584, 4096)",
                                   1, 0});
    /* at and above the top */
    run_fault("ldxb %r0, [%r10+0]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x100001000, 1, 0, EBPF_REGION_STACK,
                                   "load of 1 bytes at 0x100001000 (stack+4096): outside the "
                                   "region's valid window [3584, 4096)",
                                   1, 0});
    run_fault("ldxdw %r0, [%r10-4]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 0, 0x100000ffc, 8, 0, EBPF_REGION_STACK,
                                   "load of 8 bytes at 0x100000ffc (stack+4092): outside the "
                                   "region's valid window [3584, 4096)",
                                   1, 0});
    /* a callee's frame is [r10-512, caller's top); below it faults */
    run_fault("call local f\nexit\nf:\nldxb %r0, [%r10-513]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 2, 0x100000bff, 1, 0, EBPF_REGION_STACK,
                                   "load of 1 bytes at 0x100000bff (stack+3071): outside the "
                                   "region's valid window [3072, 4096)",
                                   2, 0});
    /* after the callee returns, the caller's window is back */
    run_fault("call local f\nldxb %r0, [%r10-513]\nexit\nf:\nstb [%r10-512], 1\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_BOUNDS, 1, 0x100000dff, 1, 0, EBPF_REGION_STACK,
                                   "load of 1 bytes at 0x100000dff (stack+3583): outside the "
                                   "region's valid window [3584, 4096)",
                                   4, 0});
}

static void test_unmapped_and_null(void **state)
{
    (void)state;
    run_fault("ldxdw %r0, [%r0+0]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 0, 0, 8, 0, EBPF_REGION_NULL,
                                   "load of 8 bytes at 0x0 (null): address is in no mapped region",
                                   1, 0});
    /* no mem: r1 is NULL */
    run_fault("stb [%r1+16], 1\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 0, 0x10, 1, 1, EBPF_REGION_NULL,
                                   "store of 1 bytes at 0x10 (null): address is in no mapped region",
                                   1, 0});
    /* an id in the region table that nobody mapped */
    run_fault("lddw %r1, 0x700000000\nldxw %r0, [%r1+0]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 2, 0x700000000, 4, 0, 7,
                                   "load of 4 bytes at 0x700000000 (unmapped): address is in no "
                                   "mapped region",
                                   2, 0});
    /* an id beyond the region table */
    run_fault("lddw %r1, 0x12300000010\nmov %r2, 1\nlock fetch add [%r1+0], %r2\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 3, 0x12300000010, 8, 1, 0x123,
                                   "store of 8 bytes at 0x12300000010 (unmapped): address is in no "
                                   "mapped region",
                                   3, 0});
    /* the top of the address space */
    run_fault("mov %r1, -1\nldxb %r0, [%r1+0]\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 1, UINT64_MAX, 1, 0, UINT32_MAX,
                                   "load of 1 bytes at 0xffffffffffffffff (unmapped): address is "
                                   "in no mapped region",
                                   2, 0});
    /* code addresses are not data */
    run_fault("lddw %r1, func(f)\nldxb %r0, [%r1+0]\nexit\nf:\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_MEM_UNMAPPED, 2, 0x500000004, 1, 0, EBPF_REGION_CODE,
                                   "load of 1 bytes at 0x500000004 (unmapped): address is in no "
                                   "mapped region",
                                   2, 0});
}

static void test_permissions(void **state)
{
    (void)state;
    uint8_t ro[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t wo[16] = {0};
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_map_region(vm, 8, ro, 0, 16, EBPF_MEM_READ, "ro"), 0);
    assert_int_equal(ebpf_vm_map_region(vm, 9, wo, 0, 16, EBPF_MEM_WRITE, "wo"), 0);
    struct ebpf_run_result res;

    /* reading the read-only region works */
    ebpf_prog *p = tu_load(vm, "ldxb %r0, [%r1+15]\nexit");
    assert_int_equal(ebpf_vm_run(vm, p, ebpf_addr(8, 0), 0, &res), 0);
    assert_int_equal(res.r0, 16);
    ebpf_prog_destroy(p);

    p = tu_load(vm, "stb [%r1+2], 1\nexit");
    int rc = ebpf_vm_run(vm, p, ebpf_addr(8, 0), 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_MEM_PERM, 0, 0x800000002, 1, 1, 8,
                                     "store of 1 bytes at 0x800000002 (ro): region is read-only", 1,
                                     0});
    ebpf_prog_destroy(p);

    /* an atomic needs both permissions */
    p = tu_load(vm, "mov %r2, 1\nlock add [%r1+8], %r2\nexit");
    rc = ebpf_vm_run(vm, p, ebpf_addr(8, 0), 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_MEM_PERM, 1, 0x800000008, 8, 1, 8,
                                     "store of 8 bytes at 0x800000008 (ro): region is read-only", 2,
                                     0});
    ebpf_prog_destroy(p);
    assert_int_equal(ro[8], 9);

    /* write-only: stores work, loads fault */
    p = tu_load(vm, "stb [%r1+3], 0x77\nldxb %r0, [%r1+3]\nexit");
    rc = ebpf_vm_run(vm, p, ebpf_addr(9, 0), 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_MEM_PERM, 1, 0x900000003, 1, 0, 9,
                                     "load of 1 bytes at 0x900000003 (wo): region is not readable",
                                     2, 0});
    assert_int_equal(wo[3], 0x77);
    ebpf_prog_destroy(p);
    ebpf_vm_destroy(vm);
}

/* An atomic needs read and write; on a write-only region the read half is
 * what is missing, so this is a permission fault, not a bounds fault. */
static void test_atomic_on_write_only_region(void **state)
{
    (void)state;
    uint8_t wo[16] = {0};
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_map_region(vm, 9, wo, 0, 16, EBPF_MEM_WRITE, "wo"), 0);
    ebpf_prog *p = tu_load(vm, "mov %r2, 1\nlock add [%r1+8], %r2\nexit");
    struct ebpf_run_result res;
    int rc = ebpf_vm_run(vm, p, ebpf_addr(9, 0), 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_MEM_PERM, 1, 0x900000008, 8, 1, 9,
                                     "store of 8 bytes at 0x900000008 (wo): region is not readable",
                                     2, 0});
    ebpf_prog_destroy(p);
    ebpf_vm_destroy(vm);
}

static void test_call_depth(void **state)
{
    (void)state;
    /* main + 7 callees is the limit; the 8th nested call faults at the call */
    run_fault("mov %r1, 7\nmov %r0, 0\ncall local f\nexit\n"
              "f:\nadd %r0, 1\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\nexit",
              NULL, 0,
              &(struct want_fault){EBPF_FAULT_CALL_DEPTH, 7, 0, 0, 0, 0,
                                   "call would exceed 8 frames", 31, 7});
    /* unbounded recursion */
    run_fault("call local -1\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_CALL_DEPTH, 0, 0, 0, 0, 0,
                                   "call would exceed 8 frames", 8, 0});
}

static void test_budget(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    ebpf_vm_set_budget(vm, 100);
    struct ebpf_run_result res;
    int rc = tu_run_on(vm, "ja -1", NULL, 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_BUDGET, 0, 0, 0, 0, 0,
                                     "instruction budget of 100 exhausted", 100, 0});
    /* the budget is checked when a jump is taken: a loop of two faults at the
     * first taken jump at or past the budget; pc is the instruction that would
     * have run next (the jump's target) */
    ebpf_vm_set_budget(vm, 10);
    rc = tu_run_on(vm, "mov %r0, 0\nl:\nadd %r0, 1\nja l", NULL, 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_BUDGET, 1, 0, 0, 0, 0,
                                     "instruction budget of 10 exhausted", 11, 5});
    /* a conditional backward loop */
    rc = tu_run_on(vm, "mov %r0, 0\nl:\nadd %r0, 1\njne %r0, 0, l\nexit", NULL, 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_BUDGET, 1, 0, 0, 0, 0,
                                     "instruction budget of 10 exhausted", 11, 5});
    /* a program that ends within the budget is fine; 0 restores the default */
    rc = tu_run_on(vm, "mov %r0, 0\nl:\nadd %r0, 1\njlt %r0, 4, l\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.insns, 10);
    ebpf_vm_set_budget(vm, 0);
    rc = tu_run_on(vm, "mov %r0, 0\nl:\nadd %r0, 1\njlt %r0, 100000, l\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    assert_int_equal(res.r0, 100000);
    assert_int_equal(res.insns, 200002);
    ebpf_vm_destroy(vm);

    /* the configuration's budget */
    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    assert_int_equal(cfg.insn_budget, UINT64_C(1) << 32);
    cfg.insn_budget = 3;
    vm = ebpf_vm_create(&cfg);
    rc = tu_run_on(vm, "ja -1", NULL, 0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_BUDGET, 0, 0, 0, 0, 0,
                                     "instruction budget of 3 exhausted", 3, 0});
    ebpf_vm_destroy(vm);
}

static void test_callx_unregistered(void **state)
{
    (void)state;
    run_fault("mov %r0, 1\nmov %r2, 77\ncall %r2\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_BAD_CALL, 2, 0, 0, 0, 0,
                                   "callx through r2 = 0x4d names no registered helper", 3, 1});
    /* ids past the helper table, and negative ones */
    run_fault("lddw %r3, 0x100000005\ncall %r3\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_BAD_CALL, 2, 0, 0, 0, 0,
                                   "callx through r3 = 0x100000005 names no registered helper", 2,
                                   0});
    run_fault("mov %r9, -1\ncall %r9\nexit", NULL, 0,
              &(struct want_fault){EBPF_FAULT_BAD_CALL, 1, 0, 0, 0, 0,
                                   "callx through r9 = 0xffffffffffffffff names no registered "
                                   "helper",
                                   2, 0});
}

static uint64_t h_picky(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                        uint64_t r5)
{
    (void)r2, (void)r3, (void)r4, (void)r5;
    if (r1 != 42) {
        ebpf_vm_helper_fault(vm, "picky: wants 42, got %" PRIu64, r1);
        return 0xbad;
    }
    return 1;
}

static void test_helper_fault(void **state)
{
    (void)state;
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_register_helper(vm, 200, "picky", h_picky), 0);
    struct ebpf_run_result res;
    int rc = tu_run_on(vm, "mov %r1, 42\ncall 200\nmov %r6, %r0\nmov %r1, 7\ncall 200\nexit", NULL,
                       0, &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_HELPER, 4, 0, 0, 0, 0, "picky: wants 42, got 7", 5,
                                     0xbad});
    char buf[256];
    ebpf_fault_format(&res.fault, buf, sizeof(buf));
    assert_string_equal(buf, "insn 4: helper: picky: wants 42, got 7");
    /* through callx too, inside a callee */
    rc = tu_run_on(vm, "call local f\nexit\nf:\nmov %r1, 1\nmov %r2, 200\ncall %r2\nexit", NULL, 0,
                   &res);
    check_fault(&res, rc,
                &(struct want_fault){EBPF_FAULT_HELPER, 4, 0, 0, 0, 0, "picky: wants 42, got 1", 4,
                                     0xbad});
    ebpf_vm_destroy(vm);
}

static void test_fault_format(void **state)
{
    (void)state;
    uint8_t mem[4];
    ebpf_vm *vm = tu_vm();
    struct ebpf_run_result res;
    int rc = tu_run_on(vm, "mov %r0, 1\nmov %r0, 2\nldxw %r0, [%r1+1]\nexit", mem, sizeof(mem),
                       &res);
    assert_int_equal(rc, -EFAULT);
    char buf[256];
    ebpf_fault_format(&res.fault, buf, sizeof(buf));
    assert_string_equal(buf, "insn 2: mem-bounds: load of 4 bytes at 0x400000001 (mem+1): outside "
                             "the region's valid window [0, 4)");
    rc = tu_run_on(vm, "mov %r0, 1\nexit", NULL, 0, &res);
    assert_int_equal(rc, 0);
    ebpf_fault_format(&res.fault, buf, sizeof(buf));
    assert_string_equal(buf, "no fault");
    assert_string_equal(ebpf_fault_names[EBPF_FAULT_MEM_UNMAPPED], "mem-unmapped");
    assert_string_equal(ebpf_fault_names[EBPF_FAULT_CALL_DEPTH], "call-depth");
    assert_string_equal(ebpf_fault_names[EBPF_FAULT_BAD_CALL], "bad-call");
    /* short buffers are terminated */
    struct ebpf_fault f = {.kind = EBPF_FAULT_BUDGET, .pc = 12};
    snprintf(f.msg, sizeof(f.msg), "xyz");
    char small[10];
    ebpf_fault_format(&f, small, sizeof(small));
    assert_string_equal(small, "insn 12: ");
    ebpf_vm_destroy(vm);
}

/* The tracer path reports the same faults as the fast path. */
struct trace_count {
    uint64_t n;
    uint8_t last_fault;
};
static void count_retire(void *user, const struct ebpf_retire *rec)
{
    struct trace_count *t = user;
    t->n++;
    t->last_fault = rec->fault;
}

static void test_faults_with_tracer(void **state)
{
    (void)state;
    static const char *const progs[] = {
        "mov %r0, 5\nldxdw %r0, [%r1+4]\nexit",
        "stb [%r10+0], 1\nexit",
        "call local -1\nexit",
        "mov %r2, 77\ncall %r2\nexit",
        "ja -1",
    };
    uint8_t mem[8];
    for (size_t i = 0; i < TU_ARRAY_LEN(progs); i++) {
        ebpf_vm *vm = tu_vm();
        ebpf_vm_set_budget(vm, 50);
        struct ebpf_run_result fast, traced;
        int rc1 = tu_run_on(vm, progs[i], mem, sizeof(mem), &fast);
        struct trace_count tc = {0};
        ebpf_vm_set_tracer(vm, count_retire, &tc);
        int rc2 = tu_run_on(vm, progs[i], mem, sizeof(mem), &traced);
        assert_int_equal(rc1, -EFAULT);
        assert_int_equal(rc2, -EFAULT);
        assert_int_equal(fast.fault.kind, traced.fault.kind);
        assert_int_equal(fast.fault.pc, traced.fault.pc);
        assert_int_equal(fast.fault.addr, traced.fault.addr);
        assert_string_equal(fast.fault.msg, traced.fault.msg);
        assert_int_equal(fast.insns, traced.insns);
        assert_int_equal(fast.r0, traced.r0);
        assert_int_equal(tc.n, traced.insns); /* one record per retired instruction */
        if (traced.fault.kind != EBPF_FAULT_BUDGET)
            assert_int_equal(tc.last_fault, traced.fault.kind);
        ebpf_vm_destroy(vm);
    }
}

/* Mapping a region at a huge id must fail cleanly, not loop forever or try
 * to allocate gigabytes.  Run in a child with a timer. */
static void test_map_region_huge_id(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        alarm(2);
        ebpf_vm *vm = ebpf_vm_create(NULL);
        uint8_t buf[8];
        int rc = ebpf_vm_map_region(vm, 0x80000000u, buf, 0, 8, EBPF_MEM_READ, "huge");
        _exit(rc < 0 ? 0 : 10);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("ebpf_vm_map_region(vm, 0x80000000, ...) did not return: signal %d%s",
                 WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timed out after 2 s)" : "");
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 10)
        fail_msg("ebpf_vm_map_region(vm, 0x80000000, ...) succeeded");
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_bounds),
        cmocka_unit_test(test_stack_bounds),
        cmocka_unit_test(test_unmapped_and_null),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_atomic_on_write_only_region),
        cmocka_unit_test(test_call_depth),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_callx_unregistered),
        cmocka_unit_test(test_helper_fault),
        cmocka_unit_test(test_fault_format),
        cmocka_unit_test(test_faults_with_tracer),
        cmocka_unit_test(test_map_region_huge_id),
    };
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
