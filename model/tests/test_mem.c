/*
 * Memory instructions: lddw, every load/store width (zero- and sign-extending
 * loads, store immediate and store register), the stack, r1/r2 set-up of
 * ebpf_vm_run_mem, legacy LDABS/LDIND packet loads, and exact instruction
 * counts.
 */
#include "test_util.h"

#define C(name, text, r0) {name, text, r0, 0}
#define CN(name, text, r0, n) {name, text, r0, n}

static void test_lddw(void **state)
{
    (void)state;
    static const struct tu_case cases[] = {
        CN("lddw full", "lddw %r0, 0x1122334455667788\nexit", 0x1122334455667788, 2),
        C("lddw high only", "lddw %r0, 0x8000000000000000\nexit", 0x8000000000000000),
        C("lddw low only is not sign-extended", "lddw %r0, 0x80000000\nexit", 0x80000000),
        C("lddw -1", "lddw %r0, -1\nexit", UINT64_MAX),
        C("lddw overwrites upper", "mov %r0, -1\nlddw %r0, 5\nexit", 5),
        CN("two lddw", "lddw %r1, 0x100000000\nlddw %r0, 0x1\nadd %r0, %r1\nexit", 0x100000001, 4),
    };
    tu_check_cases(cases, TU_ARRAY_LEN(cases));

    /* Raw encoding: the second slot carries the upper half in imm. */
    size_t n;
    struct ebpf_insn *insns = tu_asm("lddw %r3, 0x1122334455667788\nexit", &n);
    assert_int_equal(n, 3);
    assert_int_equal(insns[0].code, 0x18);
    assert_int_equal(insns[0].dst, 3);
    assert_int_equal((uint32_t)insns[0].imm, 0x55667788);
    assert_int_equal(insns[1].code, 0);
    assert_int_equal((uint32_t)insns[1].imm, 0x11223344);
    free(insns);
}

static void test_run_mem_registers(void **state)
{
    (void)state;
    uint8_t mem[13] = {0};
    /* r2 = length, r1 = model address of the buffer */
    assert_int_equal(tu_r0_mem("mov %r0, %r2\nexit", mem, sizeof(mem)), 13);
    assert_int_equal(tu_r0_mem("mov %r0, %r1\nexit", mem, sizeof(mem)),
                     ebpf_addr(EBPF_REGION_MEM, 0));
    /* no memory: r1 = 0, r2 = 0 */
    assert_int_equal(tu_r0("mov %r0, %r1\nor %r0, %r2\nexit"), 0);
    /* registers other than r1, r2, r10 start at zero */
    assert_int_equal(tu_r0_mem("mov %r0, %r3\nor %r0, %r4\nor %r0, %r5\nor %r0, %r6\n"
                               "or %r0, %r7\nor %r0, %r8\nor %r0, %r9\nexit",
                               mem, sizeof(mem)),
                     0);
    /* larger than the 32-bit region window */
    ebpf_vm *vm = tu_vm();
    ebpf_prog *prog = tu_load(vm, "exit");
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run_mem(vm, prog, mem, (size_t)UINT32_MAX + 1, &res), -E2BIG);
    ebpf_prog_destroy(prog);
    ebpf_vm_destroy(vm);
}

static void test_loads(void **state)
{
    (void)state;
    uint8_t mem[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                       0x80, 0xff, 0x7f, 0x80, 0x00, 0x80, 0xff, 0xff};
    static const struct {
        const char *text;
        uint64_t r0;
    } cases[] = {
        {"ldxb %r0, [%r1]\nexit", 0x11},
        {"ldxb %r0, [%r1+8]\nexit", 0x80},
        {"ldxh %r0, [%r1]\nexit", 0x2211},
        {"ldxh %r0, [%r1+9]\nexit", 0x7fff},
        {"ldxw %r0, [%r1]\nexit", 0x44332211},
        {"ldxw %r0, [%r1+1]\nexit", 0x55443322}, /* unaligned */
        {"ldxw %r0, [%r1+12]\nexit", 0xffff8000},
        {"ldxdw %r0, [%r1]\nexit", 0x8877665544332211},
        {"ldxdw %r0, [%r1+8]\nexit", 0xffff8000807fff80},
        {"ldxdw %r0, [%r1+3]\nexit", 0x7fff808877665544}, /* unaligned */
        {"ldxsb %r0, [%r1+8]\nexit", 0xffffffffffffff80},
        {"ldxsb %r0, [%r1+10]\nexit", 0x7f},
        {"ldxsh %r0, [%r1+10]\nexit", 0xffffffffffff807f},
        {"ldxsh %r0, [%r1+1]\nexit", 0x3322},
        {"ldxsw %r0, [%r1+12]\nexit", 0xffffffffffff8000},
        {"ldxsw %r0, [%r1+0]\nexit", 0x44332211},
        {"ldxsw %r0, [%r1+8]\nexit", 0xffffffff807fff80},
        {"ldxsw %r0, [%r1+4]\nexit", 0xffffffff88776655},
        /* negative offsets and the last byte */
        {"mov %r2, %r1\nadd %r2, 16\nldxb %r0, [%r2-1]\nexit", 0xff},
        {"mov %r2, %r1\nadd %r2, 16\nldxdw %r0, [%r2-8]\nexit", 0xffff8000807fff80},
        {"ldxb %r0, [%r1+15]\nexit", 0xff},
        /* dst upper bits are replaced */
        {"mov %r0, -1\nldxb %r0, [%r1]\nexit", 0x11},
        {"mov %r0, -1\nldxw %r0, [%r1]\nexit", 0x44332211},
    };
    unsigned bad = 0;
    for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
        uint8_t copy[sizeof(mem)];
        memcpy(copy, mem, sizeof(mem));
        uint64_t r0 = tu_r0_mem(cases[i].text, copy, sizeof(copy));
        uint64_t want = cases[i].r0;
        if (r0 != want) {
            print_error("%s: r0 = 0x%" PRIx64 ", want 0x%" PRIx64 "\n", cases[i].text, r0, want);
            bad++;
        }
        assert_memory_equal(copy, mem, sizeof(mem)); /* loads do not write */
    }
    assert_int_equal(bad, 0);
}

static void test_stores(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned off;      /* first byte written */
        unsigned len;      /* bytes written */
        uint64_t value;    /* little-endian value of those bytes */
    } cases[] = {
        {"stb [%r1+3], 0x1ab\nexit", 3, 1, 0xab},
        {"sth [%r1+3], 0x1abcd\nexit", 3, 2, 0xabcd},
        {"stw [%r1+3], 0x12345678\nexit", 3, 4, 0x12345678},
        {"stw [%r1+4], -2\nexit", 4, 4, 0xfffffffe},
        {"stdw [%r1+4], -2\nexit", 4, 8, 0xfffffffffffffffe},         /* imm sign-extended */
        {"stdw [%r1+4], 0x7fffffff\nexit", 4, 8, 0x7fffffff},
        {"stdw [%r1+4], 0x80000000\nexit", 4, 8, 0xffffffff80000000},
        {"lddw %r2, 0x1122334455667788\nstxb [%r1+1], %r2\nexit", 1, 1, 0x88},
        {"lddw %r2, 0x1122334455667788\nstxh [%r1+1], %r2\nexit", 1, 2, 0x7788},
        {"lddw %r2, 0x1122334455667788\nstxw [%r1+1], %r2\nexit", 1, 4, 0x55667788},
        {"lddw %r2, 0x1122334455667788\nstxdw [%r1+1], %r2\nexit", 1, 8, 0x1122334455667788},
        {"lddw %r2, 0x1122334455667788\nmov %r3, %r1\nadd %r3, 20\nstxdw [%r3-8], %r2\nexit", 12,
         8, 0x1122334455667788},
        {"stb [%r1+19], 7\nexit", 19, 1, 7}, /* last byte */
    };
    unsigned bad = 0;
    for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
        uint8_t mem[20], want[20];
        memset(mem, 0xcc, sizeof(mem));
        memset(want, 0xcc, sizeof(want));
        for (unsigned k = 0; k < cases[i].len; k++)
            want[cases[i].off + k] = (uint8_t)(cases[i].value >> (8 * k));
        struct ebpf_run_result res = tu_run_ok(cases[i].text, mem, sizeof(mem));
        (void)res;
        if (memcmp(mem, want, sizeof(mem))) {
            print_error("%s: memory differs\n", cases[i].text);
            for (unsigned k = 0; k < sizeof(mem); k++)
                print_error("  [%2u] %02x want %02x\n", k, mem[k], want[k]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_store_then_load_round_trip(void **state)
{
    (void)state;
    uint8_t mem[8] = {0};
    static const struct tu_case cases[] = {
        C("stack dw", "lddw %r1, 0x0123456789abcdef\nstxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit",
          0x0123456789abcdef),
        C("stack w", "mov %r1, -1\nstxw [%r10-4], %r1\nldxw %r0, [%r10-4]\nexit", 0xffffffff),
        C("stack sw", "mov %r1, -1\nstxw [%r10-4], %r1\nldxsw %r0, [%r10-4]\nexit", UINT64_MAX),
        C("stack b in dw", "stdw [%r10-8], 0\nstb [%r10-6], 0x5a\nldxdw %r0, [%r10-8]\nexit",
          0x5a0000),
        C("stack bottom of frame", "stdw [%r10-512], 0x77\nldxdw %r0, [%r10-512]\nexit", 0x77),
        C("stack unaligned", "stdw [%r10-16], -1\nsth [%r10-13], 0\nldxdw %r0, [%r10-16]\nexit",
          0xffffff0000ffffff),
        C("stack through another register",
          "mov %r2, %r10\nsub %r2, 100\nstw [%r2+0], 9\nldxw %r0, [%r10-100]\nexit", 9),
    };
    tu_check_cases(cases, TU_ARRAY_LEN(cases));
    /* mem and stack in one program, exact count */
    struct ebpf_run_result res = tu_run_ok(
        "stdw [%r1+0], 0x11\nldxdw %r2, [%r1+0]\nstxdw [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit",
        mem, sizeof(mem));
    assert_int_equal(res.r0, 0x11);
    assert_int_equal(res.insns, 5);
    assert_int_equal(mem[0], 0x11);
}

/* Legacy packet loads: offsets from the start of the packet (the mem buffer
 * in ebpf_vm_run_mem), network byte order, out of range ends the program
 * with r0 = 0. */
static void test_ldabs_ldind(void **state)
{
    (void)state;
    uint8_t pkt[6] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    static const struct {
        const char *text;
        uint64_t r0;
        uint64_t insns;
    } cases[] = {
        {"ldabsw 0\nexit", 0x01020304, 2},
        {"ldabsw 2\nexit", 0x03040506, 2},
        {"ldabsh 4\nexit", 0x0506, 2},
        {"ldabsb 5\nexit", 0x06, 2},
        {"mov %r0, -1\nldabsb 0\nexit", 0x01, 3},           /* r0 fully replaced */
        {"mov %r0, 7\nldabsw 3\nmov %r0, 9\nexit", 0, 2},   /* 3+4 > 6: ends, r0 = 0 */
        {"mov %r0, 7\nldabsh 5\nmov %r0, 9\nexit", 0, 2},
        {"mov %r0, 7\nldabsb 6\nmov %r0, 9\nexit", 0, 2},
        {"mov %r0, 7\nldabsb -1\nmov %r0, 9\nexit", 0, 2},
        {"mov %r3, 1\nldindw %r3, 1\nexit", 0x03040506, 3},
        {"mov %r3, 4\nldindh %r3, -2\nexit", 0x0304, 3},
        {"mov %r3, 5\nldindb %r3, 0\nexit", 0x06, 3},
        {"mov %r3, 3\nldindw %r3, 0\nmov %r0, 9\nexit", 0, 2},
        {"mov %r3, -5\nldindb %r3, 2\nmov %r0, 9\nexit", 0, 2},
        {"mov %r3, 0\nldindb %r3, 0x7fffffff\nmov %r0, 9\nexit", 0, 2},
        {"lddw %r3, 0x100000002\nldindb %r3, 0\nexit", 0x03, 3}, /* offset is 32-bit */
        {"lddw %r3, 0xffffffff00000001\nldindw %r3, 1\nexit", 0x03040506, 3},
        {"lddw %r3, 0x1fffffffe\nldindh %r3, 3\nexit", 0x0203, 3},
    };
    unsigned bad = 0;
    for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
        struct ebpf_run_result res = tu_run_ok(cases[i].text, pkt, sizeof(pkt));
        if (res.r0 != cases[i].r0 || res.insns != cases[i].insns) {
            print_error("%s: r0 0x%" PRIx64 " after %" PRIu64 " insns, want 0x%" PRIx64
                        " after %" PRIu64 "\n",
                        cases[i].text, res.r0, res.insns, cases[i].r0, cases[i].insns);
            bad++;
        }
    }
    /* No packet at all: every legacy load is out of range. */
    struct ebpf_run_result res = tu_run_ok("mov %r0, 3\nldabsb 0\nmov %r0, 4\nexit", NULL, 0);
    assert_int_equal(res.r0, 0);
    assert_int_equal(res.insns, 2);
    assert_int_equal(bad, 0);
}

/* With a packet region mapped, legacy loads read it (from its window start)
 * instead of the mem buffer. */
static void test_ldabs_packet_region(void **state)
{
    (void)state;
    uint8_t buf[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_map_region(vm, EBPF_REGION_PACKET, buf, 2, 6, EBPF_MEM_READ, "packet"),
                     0);
    ebpf_prog *prog = tu_load(vm, "ldabsh 1\nmov %r6, %r0\nldabsw 0\nlsh %r6, 32\nor %r0, %r6\n"
                                  "exit");
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, prog, 0, 0, &res), 0);
    assert_int_equal(res.r0, 0x0000a3a4a2a3a4a5);
    ebpf_prog_destroy(prog);
    prog = tu_load(vm, "mov %r0, 1\nldabsb 4\nexit"); /* window is 4 bytes */
    assert_int_equal(ebpf_vm_run(vm, prog, 0, 0, &res), 0);
    assert_int_equal(res.r0, 0);
    ebpf_prog_destroy(prog);
    ebpf_vm_destroy(vm);
}

/* A region mapped by the caller at a dynamic id, with a window [lo, hi). */
static void test_dynamic_region(void **state)
{
    (void)state;
    uint8_t buf[32];
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_map_region(vm, 9, buf, 8, 24, EBPF_MEM_READ | EBPF_MEM_WRITE, "ctx9"),
                     0);
    assert_string_equal(ebpf_vm_region_name(vm, 9), "ctx9");
    ebpf_prog *prog = tu_load(vm, "ldxb %r0, [%r1+8]\nstb [%r1+23], 0xee\nldxb %r2, [%r1+23]\n"
                                  "lsh %r2, 8\nor %r0, %r2\nexit");
    struct ebpf_run_result res;
    assert_int_equal(ebpf_vm_run(vm, prog, ebpf_addr(9, 0), 0, &res), 0);
    assert_int_equal(res.r0, 0xee08);
    assert_int_equal(buf[23], 0xee);
    assert_non_null(ebpf_vm_translate(vm, ebpf_addr(9, 8), 16, EBPF_MEM_READ));
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 8), 17, EBPF_MEM_READ));
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 7), 1, EBPF_MEM_READ));
    assert_ptr_equal(ebpf_vm_translate(vm, ebpf_addr(9, 10), 4, EBPF_MEM_WRITE), buf + 10);
    ebpf_prog_destroy(prog);
    ebpf_vm_unmap_region(vm, 9);
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 10), 1, EBPF_MEM_READ));
    assert_int_equal(ebpf_vm_map_region(vm, EBPF_REGION_NULL, buf, 0, 1, EBPF_MEM_READ, "x"),
                     -EINVAL);
    assert_int_equal(ebpf_vm_map_region(vm, 9, buf, 5, 4, EBPF_MEM_READ, "x"), -EINVAL);
    ebpf_vm_destroy(vm);
}

/* ebpf_vm_translate must not let a huge size wrap around the bounds check:
 * helpers pass guest-controlled lengths to it. */
static void test_translate_size_overflow(void **state)
{
    (void)state;
    uint8_t buf[64];
    ebpf_vm *vm = tu_vm();
    assert_int_equal(ebpf_vm_map_region(vm, 9, buf, 0, 64, EBPF_MEM_READ, "buf"), 0);
    assert_non_null(ebpf_vm_translate(vm, ebpf_addr(9, 16), 48, EBPF_MEM_READ));
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 16), 49, EBPF_MEM_READ));
    /* off + size wraps to 0 in 64 bits */
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 16), UINT64_MAX - 15, EBPF_MEM_READ));
    assert_null(ebpf_vm_translate(vm, ebpf_addr(9, 16), UINT64_MAX, EBPF_MEM_READ));
    ebpf_vm_destroy(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lddw),
        cmocka_unit_test(test_run_mem_registers),
        cmocka_unit_test(test_loads),
        cmocka_unit_test(test_stores),
        cmocka_unit_test(test_store_then_load_round_trip),
        cmocka_unit_test(test_ldabs_ldind),
        cmocka_unit_test(test_ldabs_packet_region),
        cmocka_unit_test(test_dynamic_region),
        cmocka_unit_test(test_translate_size_overflow),
    };
    return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
