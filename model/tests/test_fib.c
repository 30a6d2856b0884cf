/* bpf_fib_lookup against a user-supplied route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebpf_runtime.h"

/* The packet holds a struct bpf_fib_lookup (64 bytes) and the flags (4);
 * the program copies it to the stack, calls the helper, copies it back. */
static const char *prog_text(void)
{
    static char text[4096];
    char *p = text;
    p += sprintf(p, "mov %%r6, %%r1\nldxw %%r7, [%%r1+0]\n");
    for (int i = 0; i < 8; i++)
        p += sprintf(p, "ldxdw %%r2, [%%r7+%d]\nstxdw [%%r10-%d], %%r2\n", 8 * i, 64 - 8 * i);
    p += sprintf(p, "mov %%r1, %%r6\nmov %%r2, %%r10\nadd %%r2, -64\nmov %%r3, 64\n"
                    "ldxw %%r4, [%%r7+64]\ncall 69\n");
    for (int i = 0; i < 8; i++)
        p += sprintf(p, "ldxdw %%r2, [%%r10-%d]\nstxdw [%%r7+%d], %%r2\n", 64 - 8 * i, 8 * i);
    sprintf(p, "exit\n");
    return text;
}

static ebpf_object *obj;
static ebpf_core *core;
static struct ebpf_xdp_frame frame;

static int setup(void **state)
{
    (void)state;
    struct ebpf_insn *insns;
    size_t n;
    char err[EBPF_ERR_LEN];
    if (ebpf_asm(prog_text(), &insns, &n, err, sizeof(err)) < 0)
        return -1;
    int rc = ebpf_object_from_insns(insns, n, NULL, 0, NULL, &obj, err, sizeof(err));
    free(insns);
    if (rc < 0)
        return -1;
    struct ebpf_route r = {.family = 2, .prefix_len = 8, .addr = {10}, .ifindex = 3,
                           .has_gateway = 1, .gateway = {10, 0, 0, 1}, .mtu = 1500,
                           .has_neigh = 1, .smac = {2, 0, 0, 0, 0, 1}, .dmac = {2, 0, 0, 0, 0, 2}};
    ebpf_object_add_route(obj, &r);
    /* a longer prefix inside 10/8 without a neighbour entry */
    struct ebpf_route r2 = {.family = 2, .prefix_len = 24, .addr = {10, 9, 9}, .ifindex = 4};
    ebpf_object_add_route(obj, &r2);
    struct ebpf_route bh = {.family = 2, .prefix_len = 16, .addr = {192, 168},
                            .type = EBPF_ROUTE_BLACKHOLE};
    ebpf_object_add_route(obj, &bh);
    struct ebpf_route v6 = {.family = 10, .prefix_len = 32, .addr = {0x20, 0x01, 0x0d, 0xb8},
                            .ifindex = 5, .has_neigh = 1, .dmac = {6, 6, 6, 6, 6, 6}};
    ebpf_object_add_route(obj, &v6);
    core = ebpf_core_create(obj, 0, err, sizeof(err));
    return core && ebpf_xdp_frame_init(&frame, 0) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ebpf_xdp_frame_free(&frame);
    ebpf_core_destroy(core);
    ebpf_object_close(obj);
    return 0;
}

static uint64_t lookup(struct bpf_fib_lookup *p, uint32_t flags)
{
    uint8_t pkt[68];
    memcpy(pkt, p, 64);
    memcpy(pkt + 64, &flags, 4);
    assert_int_equal(ebpf_xdp_frame_load(&frame, pkt, sizeof(pkt)), 0);
    struct ebpf_xdp_result res;
    int rc = ebpf_core_run_xdp(core, 0, &frame, &res);
    if (rc < 0) {
        char msg[256];
        ebpf_fault_format(&res.fault, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    memcpy(p, frame.buf + frame.data, 64);
    return res.retval;
}

static void test_gateway_route(void **state)
{
    (void)state;
    struct bpf_fib_lookup p = {.family = 2, .tot_len = 100, .ipv4_dst = 0x05060a0a /* 10.10.6.5 */};
    assert_int_equal(lookup(&p, 0), BPF_FIB_LKUP_RET_SUCCESS);
    assert_int_equal(p.ifindex, 3);
    assert_int_equal(p.ipv4_dst, 0x0100000a); /* the gateway, 10.0.0.1 */
    assert_int_equal(p.mtu_result, 1500);
    static const uint8_t smac[6] = {2, 0, 0, 0, 0, 1}, dmac[6] = {2, 0, 0, 0, 0, 2};
    assert_memory_equal(p.smac, smac, 6);
    assert_memory_equal(p.dmac, dmac, 6);
}

static void test_longest_prefix_and_no_neigh(void **state)
{
    (void)state;
    struct bpf_fib_lookup p = {.family = 2, .ipv4_dst = 0x0709090a /* 10.9.9.7 */};
    assert_int_equal(lookup(&p, 0), BPF_FIB_LKUP_RET_NO_NEIGH);
    assert_int_equal(p.ifindex, 4);
    struct bpf_fib_lookup q = {.family = 2, .ipv4_dst = 0x0709090a};
    assert_int_equal(lookup(&q, BPF_FIB_LOOKUP_SKIP_NEIGH), BPF_FIB_LKUP_RET_SUCCESS);
}

static void test_failures(void **state)
{
    (void)state;
    struct bpf_fib_lookup p = {.family = 2, .ipv4_dst = 0x0101a8c0 /* 192.168.1.1 */};
    assert_int_equal(lookup(&p, 0), BPF_FIB_LKUP_RET_BLACKHOLE);
    struct bpf_fib_lookup q = {.family = 2, .ipv4_dst = 0x01010101 /* 1.1.1.1 */};
    assert_int_equal(lookup(&q, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
    struct bpf_fib_lookup big = {.family = 2, .tot_len = 9000, .ipv4_dst = 0x0100000a};
    assert_int_equal(lookup(&big, 0), BPF_FIB_LKUP_RET_FRAG_NEEDED);
    assert_int_equal(big.mtu_result, 1500);
    struct bpf_fib_lookup fam = {.family = 7};
    assert_int_equal(lookup(&fam, 0), (uint64_t)(int64_t)-97 /* EAFNOSUPPORT */);
    struct bpf_fib_lookup fl = {.family = 2};
    assert_int_equal(lookup(&fl, 0x80), (uint64_t)(int64_t)-22 /* EINVAL */);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct bpf_fib_lookup p = {.family = 10};
    uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    memcpy(p.ipv6_dst, dst, 16);
    assert_int_equal(lookup(&p, 0), BPF_FIB_LKUP_RET_SUCCESS);
    assert_int_equal(p.ifindex, 5);
    static const uint8_t dmac[6] = {6, 6, 6, 6, 6, 6};
    assert_memory_equal(p.dmac, dmac, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway_route),
        cmocka_unit_test(test_longest_prefix_and_no_neigh),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
