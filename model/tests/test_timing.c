/* Timing model: hand-worked cycle counts for micro-programs, and the
 * published cycles-per-instruction table checked against the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebpf.h"
#include "ebpf_runtime.h"
#include "ebpf_timing.h"

/* The tests state their configuration: the scalar core (one instruction
 * per cycle, every load-class result one cycle late) and the dual-issue
 * core (pairs, local loads delivered in EX). */
static struct ebpf_core_timing scalar_cfg, dual_cfg;
static const struct ebpf_core_timing *tcfg = &scalar_cfg;

/* Assemble, run once (plain VM, mem buffer) and time it. */
static struct ebpf_packet_timing time_asm(const char *text, uint64_t *r0)
{
    struct ebpf_insn *insns;
    size_t n;
    char err[EBPF_ERR_LEN];
    int rc = ebpf_asm(text, &insns, &n, err, sizeof(err));
    if (rc < 0)
        fail_msg("asm: %s", err);
    ebpf_vm *vm = ebpf_vm_create(NULL);
    ebpf_prog *prog;
    if (ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err)) < 0)
        fail_msg("load: %s", err);
    ebpf_timing *t = ebpf_timing_create(tcfg, NULL);
    ebpf_vm_set_tracer(vm, ebpf_timing_tracer, t);
    ebpf_timing_begin(t);
    uint8_t mem[64] = {0};
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run_mem(vm, prog, mem, sizeof(mem), &res), 0);
    struct ebpf_packet_timing pt;
    ebpf_timing_end(t, &pt);
    if (r0)
        *r0 = res.r0;
    assert_int_equal(pt.insns, res.insns);
    ebpf_timing_destroy(t);
    ebpf_prog_destroy(prog);
    ebpf_vm_destroy(vm);
    free(insns);
    return pt;
}

static void expect(const char *text, uint64_t insns, uint64_t issue, const uint64_t stall[6])
{
    struct ebpf_packet_timing pt = time_asm(text, NULL);
    assert_int_equal(pt.insns, insns);
    assert_int_equal(pt.issue_cycles, issue);
    assert_int_equal(pt.cycles, issue + 3); /* pipeline fill */
    for (int k = 0; k < EBPF_STALL_COUNT; k++) {
        if (pt.stall[k] != stall[k])
            fail_msg("stall %s: %llu, expected %llu\n%s", ebpf_stall_names[k],
                     (unsigned long long)pt.stall[k], (unsigned long long)stall[k], text);
    }
}

enum { LU, BR, MC, MEM, HLP, PKT };

static void test_straight_alu(void **state)
{
    (void)state;
    /* 2 instructions, one cycle each */
    expect("mov %r0, 1\nexit\n", 2, 2, (uint64_t[6]){0});
    /* mul takes one extra cycle */
    expect("mov %r0, 1\nadd %r0, 2\nmul %r0, 3\nexit\n", 4, 5, (uint64_t[6]){[MC] = 1});
}

static void test_divide(void **state)
{
    (void)state;
    /* div32: 17 cycles (16 extra); div64: 33 (32 extra) */
    expect("mov32 %r0, 100\nmov32 %r1, 7\ndiv32 %r0, %r1\nexit\n", 4, 20, (uint64_t[6]){[MC] = 16});
    expect("mov %r0, 100\nmov %r1, 7\nmod %r0, %r1\nexit\n", 4, 36, (uint64_t[6]){[MC] = 32});
    expect("mov %r0, -100\nsdiv %r0, 7\nexit\n", 3, 35, (uint64_t[6]){[MC] = 32});
}

static void test_load_use(void **state)
{
    (void)state;
    /* exit reads r0 right after the load that wrote it: one stall */
    expect("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit\n", 3, 4, (uint64_t[6]){[LU] = 1});
    /* an independent instruction between them hides the latency */
    expect("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nmov %r1, 0\nexit\n", 4, 4, (uint64_t[6]){0});
    /* the use is the base register of the next load */
    expect("stdw [%r10-8], 0\nmov %r1, %r10\nldxdw %r2, [%r1-8]\nadd %r2, %r10\n"
           "ldxb %r0, [%r2-1]\nexit\n",
           6, 8, (uint64_t[6]){[LU] = 2});
    /* a mov of the loaded register reads it; a mov over it does not */
    expect("ldxdw %r1, [%r10-8]\nmov %r1, 3\nmov %r0, 0\nexit\n", 4, 4, (uint64_t[6]){0});
    expect("ldxdw %r1, [%r10-8]\nmov %r0, %r1\nexit\n", 3, 4, (uint64_t[6]){[LU] = 1});
    /* atomic fetch is a load for the register it fetches into */
    expect("stdw [%r10-8], 1\nmov %r1, 2\nlock fetch add [%r10-8], %r1\nmov %r0, %r1\nexit\n", 5,
           7, (uint64_t[6]){[LU] = 1, [MC] = 1});
    /* a store does not make the next instruction wait */
    expect("stdw [%r10-8], 1\nmov %r0, 0\nexit\n", 3, 3, (uint64_t[6]){0});
}

static void test_branches(void **state)
{
    (void)state;
    /* taken conditional branch: two bubbles */
    expect("mov %r0, 0\njeq %r0, 0, +1\nmov %r0, 1\nexit\n", 3, 5, (uint64_t[6]){[BR] = 2});
    /* not taken: none */
    expect("mov %r0, 0\njne %r0, 0, +1\nmov %r0, 1\nexit\n", 4, 4, (uint64_t[6]){0});
    /* unconditional jump resolved in ID: one bubble */
    expect("ja +1\nmov %r0, 9\nmov %r0, 0\nexit\n", 3, 4, (uint64_t[6]){[BR] = 1});
    expect("ja32 +1\nmov %r0, 9\nmov %r0, 0\nexit\n", 3, 4, (uint64_t[6]){[BR] = 1});
    /* a loop: 3 iterations of (add, jne taken) + final not-taken */
    expect("mov %r0, 0\nmov %r1, 3\nl:\nadd %r0, 1\nsub %r1, 1\njne %r1, 0, l\nexit\n", 12, 16,
           (uint64_t[6]){[BR] = 4});
}

static void test_calls_and_lddw(void **state)
{
    (void)state;
    /* call local: 2; callee exit returns: 1 + 1 */
    expect("call local f\nexit\nf:\nmov %r0, 7\nexit\n", 4, 6, (uint64_t[6]){[BR] = 2});
    /* lddw: 2 */
    expect("lddw %r0, 0x1122334455667788\nexit\n", 2, 3, (uint64_t[6]){[MC] = 1});
    /* helper with the default cost: 1 + 2 (id 5, registered by the
     * conformance helpers is not registered here: use callx? no: the
     * model helpers come with objects, tested below) */
}

/* Object-level: helpers with map costs and map-memory latency. */
static struct ebpf_packet_timing time_object(const char *text, const struct ebpf_map_spec *maps,
                                             size_t n_maps)
{
    struct ebpf_insn *insns;
    size_t n;
    char err[EBPF_ERR_LEN];
    if (ebpf_asm(text, &insns, &n, err, sizeof(err)) < 0)
        fail_msg("asm: %s", err);
    ebpf_object *obj;
    if (ebpf_object_from_insns(insns, n, maps, n_maps, NULL, &obj, err, sizeof(err)) < 0)
        fail_msg("object: %s", err);
    free(insns);
    ebpf_core *core = ebpf_core_create(obj, 0, err, sizeof(err));
    assert_non_null(core);
    ebpf_timing *t = ebpf_timing_create(tcfg, obj);
    ebpf_vm_set_tracer(ebpf_core_vm(core), ebpf_timing_tracer, t);
    struct ebpf_xdp_frame f;
    assert_int_equal(ebpf_xdp_frame_init(&f, 0), 0);
    uint8_t pkt[64] = {0};
    assert_int_equal(ebpf_xdp_frame_load(&f, pkt, sizeof(pkt)), 0);
    ebpf_timing_begin(t);
    struct ebpf_xdp_result res;
    assert_int_equal(ebpf_core_run_xdp(core, 0, &f, &res), 0);
    struct ebpf_packet_timing pt;
    ebpf_timing_end(t, &pt);
    ebpf_xdp_frame_free(&f);
    ebpf_timing_destroy(t);
    ebpf_core_destroy(core);
    ebpf_object_close(obj);
    return pt;
}

static void test_helpers_and_map_memory(void **state)
{
    (void)state;
    const struct ebpf_map_spec array = {.name = "a", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
                                        .value_size = 8, .max_entries = 4};
    const struct ebpf_map_spec hash = {.name = "h", .type = BPF_MAP_TYPE_HASH, .key_size = 4,
                                       .value_size = 8, .max_entries = 4};
    /* array lookup: 1 + 1 (fixed 1, no accesses); the value load goes to
     * map SRAM (latency 2: one memory stall); r0 is read by jeq right after
     * the call (no load-use: helper results forward); exit reads r0 after
     * the load: load-use 1 */
    const char *prog = "stw [%r10-4], 1\n"
                       "lddw %r1, map_fd(0)\n"
                       "mov %r2, %r10\n"
                       "add %r2, -4\n"
                       "call 1\n"
                       "jeq %r0, 0, +1\n"
                       "ldxdw %r0, [%r0]\n"
                       "exit\n";
    struct ebpf_packet_timing pt = time_object(prog, &array, 1);
    assert_int_equal(pt.insns, 8);
    assert_int_equal(pt.stall[MC], 1);   /* lddw */
    assert_int_equal(pt.stall[HLP], 1);  /* array lookup */
    assert_int_equal(pt.stall[MEM], 1);  /* value load from map SRAM */
    assert_int_equal(pt.stall[LU], 1);   /* exit after the load */
    assert_int_equal(pt.stall[BR], 0);
    assert_int_equal(pt.issue_cycles, 12);
    /* hash lookup of a missing key: 2 fixed + 1 access x 2 = 4; jeq taken */
    pt = time_object(prog, &hash, 1);
    assert_int_equal(pt.insns, 7);
    assert_int_equal(pt.stall[HLP], 4);
    assert_int_equal(pt.stall[BR], 2);
    assert_int_equal(pt.stall[MEM], 0);
    assert_int_equal(pt.issue_cycles, 7 + 1 + 4 + 2);
    /* adjust_head: 2 */
    pt = time_object("mov %r2, -4\ncall 44\nmov %r0, 2\nexit\n", NULL, 0);
    assert_int_equal(pt.stall[HLP], 2);
    assert_int_equal(pt.issue_cycles, 6);
}

/* Dual issue: pairs of independent single-cycle instructions. */
static void test_dual_issue(void **state)
{
    (void)state;
    tcfg = &dual_cfg;
    /* two independent movs pair; exit issues alone */
    expect("mov %r0, 1\nmov %r1, 2\nexit\n", 3, 2, (uint64_t[6]){0});
    /* the second reads what the first writes: no pair */
    expect("mov %r1, 1\nadd %r1, 2\nmov %r0, %r1\nexit\n", 4, 4, (uint64_t[6]){0});
    /* one memory access per pair: st, (st, mov), exit */
    expect("stdw [%r10-8], 1\nstdw [%r10-16], 2\nmov %r0, 0\nexit\n", 4, 3, (uint64_t[6]){0});
    /* a taken branch in the second slot: (mov, mov), (mov, jeq) +2, exit */
    expect("mov %r0, 0\nmov %r1, 0\nmov %r2, 0\njeq %r1, 0, +1\nmov %r0, 1\nexit\n", 5, 5,
           (uint64_t[6]){[BR] = 2});
    /* a branch that falls through pairs with the next instruction: mov,
     * (jeq, mov), exit */
    expect("mov %r1, 1\njeq %r1, 0, +1\nmov %r0, 2\nexit\n", 4, 3, (uint64_t[6]){0});
    /* a taken branch does not pair with its target */
    expect("mov %r1, 0\njeq %r1, 0, +0\nmov %r0, 2\nexit\n", 4, 6, (uint64_t[6]){[BR] = 2});
    /* one branch per pair: (mov, mov), jeq, (jeq, mov), exit */
    expect("mov %r1, 1\nmov %r2, 1\njeq %r1, 0, +2\njeq %r2, 0, +1\nmov %r0, 0\nexit\n", 6, 4,
           (uint64_t[6]){0});
    /* mul, lddw, jumps, calls and exits issue alone */
    expect("mov %r0, 1\nmul %r1, 3\nmov %r2, 1\nlddw %r3, 7\nmov %r4, 1\nexit\n", 6, 8,
           (uint64_t[6]){[MC] = 2});
    /* local loads deliver in EX: no load-use */
    expect("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit\n", 3, 3, (uint64_t[6]){0});
    /* an atomic's fetch still delivers in MEM, and a pair waits once:
     * (st, mov), atomic (+1), (mov, mov) reading r1 (+1), exit */
    expect("stdw [%r10-8], 1\nmov %r1, 2\nlock fetch add [%r10-8], %r1\nmov %r0, %r1\n"
           "mov %r2, %r1\nexit\n",
           6, 6, (uint64_t[6]){[LU] = 1, [MC] = 1});
    /* map memory: stw, lddw (+1), mov, add, call (+1 array lookup),
     * (jeq, ldxdw from map SRAM +1), exit after the map load (+1) */
    const struct ebpf_map_spec array = {.name = "a", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
                                        .value_size = 8, .max_entries = 4};
    struct ebpf_packet_timing pt = time_object("stw [%r10-4], 1\nlddw %r1, map_fd(0)\n"
                                               "mov %r2, %r10\nadd %r2, -4\ncall 1\n"
                                               "jeq %r0, 0, +1\nldxdw %r0, [%r0]\nexit\n",
                                               &array, 1);
    assert_int_equal(pt.insns, 8);
    assert_int_equal(pt.groups, 7);
    assert_int_equal(pt.stall[MC], 1);
    assert_int_equal(pt.stall[HLP], 1);
    assert_int_equal(pt.stall[MEM], 1);
    assert_int_equal(pt.stall[LU], 1);
    assert_int_equal(pt.issue_cycles, 11);
    tcfg = &scalar_cfg;
}

/* Load-use after a late load (map memory, latency 2: one memory stall)
 * whose value is no longer pending when the next group issues. */
static const struct ebpf_map_spec one_cell = {.name = "c", .type = BPF_MAP_TYPE_ARRAY,
                                              .key_size = 4, .value_size = 16, .max_entries = 1};

static void expect_object(const char *text, uint64_t insns, uint64_t groups, uint64_t issue,
                          const uint64_t stall[6])
{
    struct ebpf_packet_timing pt = time_object(text, &one_cell, 1);
    assert_int_equal(pt.insns, insns);
    assert_int_equal(pt.groups, groups);
    assert_int_equal(pt.issue_cycles, issue);
    for (int k = 0; k < EBPF_STALL_COUNT; k++) {
        if (pt.stall[k] != stall[k])
            fail_msg("stall %s: %llu, expected %llu\n%s", ebpf_stall_names[k],
                     (unsigned long long)pt.stall[k], (unsigned long long)stall[k], text);
    }
}

static void test_dual_issue_late_loads(void **state)
{
    (void)state;
    tcfg = &dual_cfg;
    /* mov alone (lddw does not pair), lddw (+1), (ldxdw r0 from map SRAM
     * +1, jeq taken +2): the target's group reads r0, but the branch's two
     * bubbles passed while the load was in MEM - no load-use */
    const char *load_taken = "mov %r2, 0\nlddw %r1, map_value(0, 0)\nldxdw %r0, [%r1]\n"
                             "jeq %r2, 0, +1\nmov %r0, 5\nexit\n";
    expect_object(load_taken, 5, 4, 8, (uint64_t[6]){[MC] = 1, [MEM] = 1, [BR] = 2});
    /* the same branch not taken: nothing passes, add reads r0 (+1) */
    expect_object("mov %r2, 1\nlddw %r1, map_value(0, 0)\nldxdw %r0, [%r1]\n"
                  "jeq %r2, 0, +1\nadd %r0, 5\nexit\n",
                  6, 5, 8, (uint64_t[6]){[LU] = 1, [MC] = 1, [MEM] = 1});
    /* write-after-write in a pair: (ldxdw r0, mov r0) - exit reads the
     * mov's r0, which forwards like any ALU result */
    expect_object("lddw %r1, map_value(0, 0)\nldxdw %r0, [%r1]\nmov %r0, 2\nexit\n", 4, 3, 5,
                  (uint64_t[6]){[MC] = 1, [MEM] = 1});
    /* ... and the other order, (mov r0, ldxdw r0): the load wins, exit waits */
    expect_object("lddw %r1, map_value(0, 0)\nmov %r0, 2\nldxdw %r0, [%r1]\nexit\n", 4, 3, 6,
                  (uint64_t[6]){[LU] = 1, [MC] = 1, [MEM] = 1});
    /* ... and a write of another register beside the load changes nothing */
    expect_object("lddw %r1, map_value(0, 0)\nldxdw %r0, [%r1]\nmov %r3, 2\nexit\n", 4, 3, 6,
                  (uint64_t[6]){[LU] = 1, [MC] = 1, [MEM] = 1});
    /* a group split by load-use: lddw, (ldxdw r2, mov), (ldxdw r0, mov r4,
     * r2): only the second reads r2, so the first issues alone and the
     * second a cycle later (+1); that cycle passed behind the first's
     * load, so exit reading r0 does not wait */
    expect_object("lddw %r1, map_value(0, 0)\nldxdw %r2, [%r1]\nmov %r3, 1\n"
                  "ldxdw %r0, [%r1+8]\nmov %r4, %r2\nexit\n",
                  6, 4, 8, (uint64_t[6]){[LU] = 1, [MC] = 1, [MEM] = 2});
    /* ... but when the first instruction waits, the whole pair waits before
     * the load issues: (mov r4, r2 +1, ldxdw r0), exit waits too (+1) */
    expect_object("lddw %r1, map_value(0, 0)\nldxdw %r2, [%r1]\nmov %r3, 1\n"
                  "mov %r4, %r2\nldxdw %r0, [%r1+8]\nexit\n",
                  6, 4, 9, (uint64_t[6]){[LU] = 2, [MC] = 1, [MEM] = 2});
    /* a load-use penalty longer than the branch's bubbles: the rest is
     * still waited (exploration: load_use_penalty 3, taken branch 2) */
    struct ebpf_core_timing slow = dual_cfg;
    slow.load_use_penalty = 3;
    tcfg = &slow;
    expect_object(load_taken, 5, 4, 9, (uint64_t[6]){[LU] = 1, [MC] = 1, [MEM] = 1, [BR] = 2});
    /* the scalar core and dual issue with local loads one cycle late: a
     * taken branch issues alone, so the load's group is not the target's
     * previous group (mov, lddw +1, ldxdw +1, jeq +2, exit) */
    struct ebpf_core_timing late_local = dual_cfg;
    late_local.local_load_use_penalty = 1;
    const struct ebpf_core_timing *cfgs[] = {&scalar_cfg, &late_local};
    for (int i = 0; i < 2; i++) {
        tcfg = cfgs[i];
        if (i == 0)
            expect_object(load_taken, 5, 5, 9, (uint64_t[6]){[MC] = 1, [MEM] = 1, [BR] = 2});
        /* a local load and a taken branch, the target reading it: scalar,
         * three groups and no wait; late local loads in pairs, (ldxdw, jeq)
         * and no wait either */
        expect("mov %r1, 0\nstdw [%r10-8], 5\nldxdw %r0, [%r10-8]\njeq %r1, 0, +1\n"
               "mov %r0, 9\nexit\n",
               5, i == 0 ? 7 : 5, (uint64_t[6]){[BR] = 2});
        /* write-after-write: (ldxdw r0, mov r0) pairs only with dual issue;
         * exit waits for neither */
        expect("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nmov %r0, 3\nexit\n", 4,
               i == 0 ? 4 : 3, (uint64_t[6]){0});
    }
    tcfg = &scalar_cfg;
}

/* docs/microarchitecture.md's table must state the model's base cycles. */
static void test_published_table(void **state)
{
    (void)state;
    FILE *f = fopen("docs/microarchitecture.md", "r");
    assert_non_null(f);
    struct ebpf_core_timing cfg;
    ebpf_core_timing_default(&cfg);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof(line), f)) {
        char cls[32], insns[256], base[64];
        if (sscanf(line, "| %31[a-z] | %255[^|]| %63[^|]|", cls, insns, base) != 3)
            continue;
        int c;
        for (c = 0; c < EBPF_TCLASS_COUNT; c++)
            if (!strcmp(ebpf_tclass_names[c], cls))
                break;
        if (c == EBPF_TCLASS_COUNT || base[0] < '0' || base[0] > '9')
            continue; /* not a row of the cycles table */
        rows++;
        unsigned b = (unsigned)atoi(base);
        assert_int_equal(b, cfg.base[c]);
        if (c == EBPF_TCLASS_DIV) {
            const char *p64 = strstr(base, ", ");
            assert_non_null(p64);
            assert_int_equal((unsigned)atoi(p64 + 2), cfg.div64_base);
        }
    }
    fclose(f);
    assert_int_equal(rows, EBPF_TCLASS_COUNT);
}

int main(void)
{
    ebpf_core_timing_default(&scalar_cfg);
    scalar_cfg.issue_width = 1;
    scalar_cfg.local_load_use_penalty = 1;
    ebpf_core_timing_default(&dual_cfg);
    dual_cfg.issue_width = 2;
    dual_cfg.local_load_use_penalty = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_straight_alu),
        cmocka_unit_test(test_divide),
        cmocka_unit_test(test_load_use),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_calls_and_lddw),
        cmocka_unit_test(test_helpers_and_map_memory),
        cmocka_unit_test(test_dual_issue),
        cmocka_unit_test(test_dual_issue_late_loads),
        cmocka_unit_test(test_published_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
