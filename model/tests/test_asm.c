/*
 * Assembler and disassembler:
 *  (a) every ISA row, with random valid fields, survives
 *      disassemble -> assemble byte for byte;
 *  (b) all 313 conformance files assemble to exactly the bytecode
 *      bpf_conformance's own assembler produced (assembled.tsv);
 *  (c) assembler errors carry the exact message and the right line.
 */
#include <dirent.h>

#include "test_util.h"

/* ------------------------------------------------------------------ (a) */

static void random_insn(int row, struct tu_rng *rng, int edge, struct ebpf_insn out[2])
{
    static const int16_t edge_off[] = {0, 1, -1, INT16_MIN, INT16_MAX, 4096, -4096};
    static const int32_t edge_imm[] = {0,    1,     -1,    INT32_MIN, INT32_MAX, 4095,
                                       4096, -4095, -4096, 0x7fff,    -32768,    0x10000};
    const struct ebpf_isa_row *R = &ebpf_isa[row];
    unsigned f = ebpf_row_fields(row);
    memset(out, 0, 2 * sizeof(*out));
    out->code = R->opcode;
    if (f & EBPF_FIELD_DST)
        out->dst = (uint8_t)tu_below(rng, 11);
    if ((f & EBPF_FIELD_SRC) && R->key != EBPF_KEY_SRC)
        out->src = (uint8_t)tu_below(rng, 11);
    if ((f & EBPF_FIELD_OFF) && R->key != EBPF_KEY_OFF)
        out->off = edge >= 0 ? edge_off[edge % TU_ARRAY_LEN(edge_off)] : (int16_t)tu_rand32(rng);
    if ((f & EBPF_FIELD_IMM) && R->key != EBPF_KEY_IMM)
        out->imm = edge >= 0 ? edge_imm[edge % TU_ARRAY_LEN(edge_imm)] : (int32_t)tu_rand32(rng);
    switch (R->key) {
    case EBPF_KEY_OFF: out->off = (int16_t)R->keyval; break;
    case EBPF_KEY_IMM: out->imm = R->keyval; break;
    case EBPF_KEY_SRC: out->src = (uint8_t)R->keyval; break;
    default: break;
    }
    if (ebpf_row_is_wide(row)) {
        /* upper half for lddw, the value offset for map_value forms; the
         * map and func forms have nothing in the second slot */
        if (R->form == EBPF_FORM_LDDW || R->form == EBPF_FORM_LDDW_MAP_VALUE)
            out[1].imm = edge >= 0 ? edge_imm[(edge + 3) % TU_ARRAY_LEN(edge_imm)]
                                   : (int32_t)tu_rand32(rng);
    }
}

static void test_disasm_asm_round_trip(void **state)
{
    (void)state;
    struct tu_rng rng = {7};
    unsigned bad = 0, checked = 0;
    for (int row = 0; row < EBPF_ROW_COUNT; row++) {
        for (int k = 0; k < 60; k++) {
            struct ebpf_insn in[2];
            random_insn(row, &rng, k < 12 ? k : -1, in);
            size_t slots = ebpf_row_is_wide(row) ? 2 : 1;
            char text[128];
            int used = ebpf_disasm_insn(in, slots, 0, text, sizeof(text));
            checked++;
            if (used != (int)slots) {
                print_error("%s: disassembler returned %d for \"%s\"\n", ebpf_isa[row].id, used,
                            text);
                bad++;
                continue;
            }
            struct ebpf_insn *out = NULL;
            size_t n = 0;
            char err[EBPF_ERR_LEN] = "";
            int rc = ebpf_asm(text, &out, &n, err, sizeof(err));
            if (rc < 0 || n != slots || memcmp(out, in, slots * sizeof(*in))) {
                char a[17], b[17] = "";
                tu_insn_hex(&in[0], a);
                if (rc == 0)
                    tu_insn_hex(&out[0], b);
                print_error("%s: %s -> \"%s\" -> %s (rc %d %s)\n", ebpf_isa[row].id, a, text, b,
                            rc, err);
                bad++;
            }
            free(out);
        }
    }
    printf("  %u instructions round-tripped through text\n", checked);
    assert_int_equal(bad, 0);
}

static void test_disasm_text(void **state)
{
    (void)state;
    static const struct {
        struct ebpf_insn in[2];
        const char *text;
    } cases[] = {
        {{{.code = 0x07, .dst = 1, .imm = -5}}, "add %r1, -5"},
        {{{.code = 0x07, .dst = 1, .imm = 4096}}, "add %r1, 0x1000"},
        {{{.code = 0x07, .dst = 1, .imm = -4096}}, "add %r1, 0xfffff000"},
        {{{.code = 0xbf, .dst = 2, .src = 3, .off = 16}}, "movsx1664 %r2, %r3"},
        {{{.code = 0x3f, .dst = 2, .src = 3, .off = 1}}, "sdiv %r2, %r3"},
        {{{.code = 0xdc, .dst = 4, .imm = 32}}, "be32 %r4"},
        {{{.code = 0x05, .off = -3}}, "ja -3"},
        {{{.code = 0x06, .imm = 70000}}, "ja32 +70000"},
        {{{.code = 0x1d, .dst = 1, .src = 2, .off = 0}}, "jeq %r1, %r2, +0"},
        {{{.code = 0x85, .imm = 5}}, "call 5"},
        {{{.code = 0x85, .src = 1, .imm = -7}}, "call local -7"},
        {{{.code = 0x8d, .dst = 9}}, "call %r9"},
        {{{.code = 0x95}}, "exit"},
        {{{.code = 0x18, .dst = 1, .imm = 0x55667788}, {.imm = 0x11223344}},
         "lddw %r1, 0x1122334455667788"},
        {{{.code = 0x18, .dst = 1, .src = 1, .imm = 3}}, "lddw %r1, map_fd(3)"},
        {{{.code = 0x18, .dst = 1, .src = 2, .imm = 3}, {.imm = 8}}, "lddw %r1, map_value(3, 8)"},
        {{{.code = 0x18, .dst = 1, .src = 4, .imm = 2}}, "lddw %r1, func(+2)"},
        {{{.code = 0x18, .dst = 1, .src = 5, .imm = 0}}, "lddw %r1, map_idx(0)"},
        {{{.code = 0x18, .dst = 1, .src = 6, .imm = 1}, {.imm = -4}}, "lddw %r1, map_idx_value(1, -4)"},
        {{{.code = 0x20, .imm = 12}}, "ldabsw 12"},
        {{{.code = 0x50, .src = 3, .imm = -1}}, "ldindb %r3, -1"},
        {{{.code = 0x61, .dst = 0, .src = 10, .off = -8}}, "ldxw %r0, [%r10-8]"},
        {{{.code = 0x91, .dst = 0, .src = 1}}, "ldxsb %r0, [%r1]"},
        {{{.code = 0x7a, .dst = 10, .off = -32768, .imm = 1}}, "stdw [%r10-32768], 1"},
        {{{.code = 0x73, .dst = 1, .src = 2, .off = 32767}}, "stxb [%r1+32767], %r2"},
        {{{.code = 0xc3, .dst = 1, .src = 2, .off = 4, .imm = 0xa1}}, "lock fetch xor32 [%r1+4], %r2"},
        {{{.code = 0xdb, .dst = 1, .src = 2, .imm = 0xf1}}, "lock cmpxchg [%r1], %r2"},
    };
    unsigned bad = 0;
    for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
        char text[128];
        int used = ebpf_disasm_insn(cases[i].in, 2, 0, text, sizeof(text));
        int want = cases[i].in[0].code == 0x18 ? 2 : 1;
        if (used != want || strcmp(text, cases[i].text)) {
            print_error("\"%s\" (%d), want \"%s\" (%d)\n", text, used, cases[i].text, want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);

    /* illegal encodings */
    char text[128];
    struct ebpf_insn ill[2] = {{.code = 0xff, .dst = 1, .imm = 0x12345678}};
    assert_int_equal(ebpf_disasm_insn(ill, 1, 0, text, sizeof(text)), -EINVAL);
    assert_string_equal(text, ".illegal 0x12345678000001ff");
    ill[0] = (struct ebpf_insn){.code = 0x37, .off = 2};
    assert_int_equal(ebpf_disasm_insn(ill, 1, 0, text, sizeof(text)), -EINVAL);
    assert_string_equal(text, ".illegal 0x0000000000020037");
    ill[0] = (struct ebpf_insn){.code = 0x18, .dst = 1, .imm = 1};
    assert_int_equal(ebpf_disasm_insn(ill, 1, 0, text, sizeof(text)), -EINVAL);
    assert_string_equal(text, ".illegal lddw without its second slot");
    /* index into a longer program */
    struct ebpf_insn prog[3] = {{.code = 0x95}, {.code = 0x18, .dst = 2, .imm = -1}, {.imm = -1}};
    assert_int_equal(ebpf_disasm_insn(prog, 3, 1, text, sizeof(text)), 2);
    assert_string_equal(text, "lddw %r2, 0xffffffffffffffff");
}

/* ------------------------------------------------------------------ (b) */

struct tsv_entry {
    char name[96];
    size_t n_slots, mem_len;
    uint64_t r0;
    char hex[8192];
};

static size_t read_tsv(struct tsv_entry **out)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/conformance/assembled.tsv", tu_shared_dir());
    char *text = tu_read_file(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    struct tsv_entry *e = calloc(400, sizeof(*e));
    assert_non_null(e);
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        assert_true(n < 400);
        char *f[7], *fs = NULL;
        int nf = 0;
        for (char *tok = strtok_r(line, "\t", &fs); tok && nf < 7; tok = strtok_r(NULL, "\t", &fs))
            f[nf++] = tok;
        assert_int_equal(nf, 7);
        snprintf(e[n].name, sizeof(e[n].name), "%s", f[0]);
        e[n].n_slots = strtoul(f[3], NULL, 10);
        e[n].mem_len = strtoul(f[4], NULL, 10);
        e[n].r0 = strtoull(f[5], NULL, 0);
        assert_true(strlen(f[6]) < sizeof(e[n].hex));
        snprintf(e[n].hex, sizeof(e[n].hex), "%s", f[6]);
        n++;
    }
    free(text);
    *out = e;
    return n;
}

static void insns_hex(const struct ebpf_insn *insns, size_t n, char *out, size_t len)
{
    out[0] = 0;
    for (size_t i = 0; i < n && strlen(out) + 18 < len; i++) {
        char h[17];
        tu_insn_hex(&insns[i], h);
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", h);
    }
}

static void test_conformance_files_assemble_exactly(void **state)
{
    (void)state;
    struct tsv_entry *tsv;
    size_t n = read_tsv(&tsv);
    assert_int_equal(n, 313);
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/conformance/tests", tu_shared_dir());
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    unsigned files = 0, bad = 0, ran = 0;
    ebpf_vm *vm = tu_vm();
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".data"))
            continue;
        files++;
        const struct tsv_entry *t = NULL;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(tsv[i].name, de->d_name))
                t = &tsv[i];
        if (!t) {
            print_error("%s: not in assembled.tsv\n", de->d_name);
            bad++;
            continue;
        }
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        char *text = tu_read_file(path, NULL);
        assert_non_null(text);
        struct ebpf_testcase tc;
        char err[EBPF_ERR_LEN];
        if (ebpf_testcase_parse(text, &tc, err, sizeof(err)) < 0) {
            print_error("%s: %s\n", de->d_name, err);
            bad++;
            free(text);
            continue;
        }
        free(text);
        /* the asm section, assembled by us */
        assert_non_null(tc.asm_text);
        struct ebpf_insn *insns = NULL;
        size_t slots = 0;
        char hex[8192];
        if (ebpf_asm(tc.asm_text, &insns, &slots, err, sizeof(err)) < 0) {
            print_error("%s: %s\n", de->d_name, err);
            bad++;
        } else {
            insns_hex(insns, slots, hex, sizeof(hex));
            if (slots != t->n_slots || strcmp(hex, t->hex)) {
                print_error("%s:\n  ours %s\n  tsv  %s\n", de->d_name, hex, t->hex);
                bad++;
            }
        }
        free(insns);
        /* the program the runner uses (raw section if present) */
        if (ebpf_testcase_program(&tc, &insns, &slots, err, sizeof(err)) < 0) {
            print_error("%s: %s\n", de->d_name, err);
            bad++;
        } else {
            insns_hex(insns, slots, hex, sizeof(hex));
            if (strcmp(hex, t->hex)) {
                print_error("%s (program):\n  ours %s\n  tsv  %s\n", de->d_name, hex, t->hex);
                bad++;
            }
            /* expected result and memory as the tsv has them, and the model
             * produces that result */
            if (!tc.has_result || tc.result != t->r0 || tc.mem_len != t->mem_len) {
                print_error("%s: result 0x%" PRIx64 " mem %zu, tsv 0x%" PRIx64 " mem %zu\n",
                            de->d_name, tc.result, tc.mem_len, t->r0, t->mem_len);
                bad++;
            }
            ebpf_prog *prog = NULL;
            struct ebpf_run_result res;
            if (ebpf_prog_load(vm, insns, slots, &prog, err, sizeof(err)) < 0 ||
                ebpf_vm_run_mem(vm, prog, tc.mem, tc.mem_len, &res) < 0 || res.r0 != t->r0) {
                print_error("%s: does not run to 0x%" PRIx64 "\n", de->d_name, t->r0);
                bad++;
            } else {
                ran++;
            }
            ebpf_prog_destroy(prog);
            free(insns);
        }
        ebpf_testcase_free(&tc);
    }
    closedir(d);
    ebpf_vm_destroy(vm);
    free(tsv);
    printf("  %u conformance files assembled and compared, %u ran to the expected r0\n", files,
           ran);
    assert_int_equal(files, 313);
    assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------------ (c) */

static void expect_asm_error(const char *text, const char *msg)
{
    struct ebpf_insn *out = (struct ebpf_insn *)&out;
    size_t n = 99;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_asm(text, &out, &n, err, sizeof(err));
    if (rc != -EINVAL || strcmp(err, msg)) {
        print_error("assembling \"%s\": rc %d \"%s\"\n  want -EINVAL \"%s\"\n", text, rc, err, msg);
        if (rc == 0)
            free(out);
        fail();
    }
    assert_null(out);
    assert_int_equal(n, 0);
}

static void test_asm_errors(void **state)
{
    (void)state;
    /* unknown mnemonic */
    expect_asm_error("foo %r0, 1", "line 1: unknown mnemonic 'foo'");
    expect_asm_error("MOV %r0, 1", "line 1: unknown mnemonic 'MOV'");
    expect_asm_error("be8 %r0", "line 1: unknown mnemonic 'be8'");
    expect_asm_error("lock nand [%r1], %r2", "line 1: unknown mnemonic 'lock nand'");
    /* bad operands */
    expect_asm_error("mov %r0, %r11", "line 1: bad register '%r11'");
    expect_asm_error("add %r0, @", "line 1: cannot parse operand '@'");
    expect_asm_error("mov %r0, 12abc", "line 1: cannot parse operand '12abc'");
    expect_asm_error("ldxw %r0, [%r1", "line 1: bad memory operand '[%r1'");
    expect_asm_error("ldxw %r0, [%r12+1]", "line 1: bad register '%r12' in memory operand '[%r12+1]'");
    expect_asm_error("add %r0", "line 1: operands do not fit 'add'");
    expect_asm_error("add %r0, %r1, %r2", "line 1: operands do not fit 'add'");
    expect_asm_error("neg %r0, 1", "line 1: operands do not fit 'neg'");
    expect_asm_error("exit %r0", "line 1: operands do not fit 'exit'");
    expect_asm_error("lock add [%r1], 5", "line 1: operands do not fit 'lock add'");
    expect_asm_error("lddw %r0, foo(1)", "line 1: operands do not fit 'lddw'");
    expect_asm_error("lddw %r0, map_fd(1, 2)",
                     "line 1: map_fd() takes a map number and, for values, an offset");
    expect_asm_error("add %r0, %r1, %r2, %r3, %r4", "line 1: too many operands");
    expect_asm_error("lddw %r0, 0x1ffffffffffffffff",
                     "line 1: cannot parse operand '0x1ffffffffffffffff'");
    /* labels */
    expect_asm_error("ja nowhere\nexit", "line 1: unknown label 'nowhere'");
    expect_asm_error("mov %r0, 0\njeq %r0, 1, nolabel\nexit", "line 2: unknown label 'nolabel'");
    expect_asm_error("call local nowhere\nexit", "line 1: unknown label 'nowhere'");
    expect_asm_error("a:\nexit\na:\nexit", "line 3: label 'a' defined twice");
    expect_asm_error("exit:\nexit\nexit:\nexit", "line 3: label 'exit' defined twice");
    /* immediates out of range */
    expect_asm_error("mov %r0, 0x100000000", "line 1: immediate 4294967296 does not fit in 32 bits");
    expect_asm_error("add %r0, -2147483649",
                     "line 1: immediate -2147483649 does not fit in 32 bits");
    expect_asm_error("jeq %r0, 0x100000000, +1\nexit", "line 1: immediate does not fit in 32 bits");
    expect_asm_error("stw [%r1], 0x1ffffffff", "line 1: immediate does not fit in 32 bits");
    expect_asm_error("call 0x100000000", "line 1: immediate does not fit in 32 bits");
    /* offsets out of range */
    expect_asm_error("ja +32768", "line 1: jump offset 32768 out of 16-bit range");
    expect_asm_error("ja -32769", "line 1: jump offset -32769 out of 16-bit range");
    expect_asm_error("jne %r1, 0, +40000", "line 1: jump offset 40000 out of 16-bit range");
    expect_asm_error("ldxw %r0, [%r1+32768]", "line 1: memory offset out of 16-bit range");
    expect_asm_error("stw [%r1-32769], 1", "line 1: memory offset out of 16-bit range");
    expect_asm_error("stxdw [%r1+65536], %r2", "line 1: memory offset out of 16-bit range");
    expect_asm_error("ja32 +2147483648", "line 1: offset 2147483648 out of 32-bit range");
    /* nothing to assemble */
    expect_asm_error("", "no instructions");
    expect_asm_error("# only a comment\n\n   \n", "no instructions");
    expect_asm_error("label:\n", "no instructions");
}

/* The operand in a memory-operand error is shown as written. */
static void test_asm_error_shows_operand(void **state)
{
    (void)state;
    expect_asm_error("ldxw %r0, [%r1+x]", "line 1: bad offset in memory operand '[%r1+x]'");
}

/* A memory offset with two signs is rejected, in either order (the exact
 * text is checked by test_asm_error_shows_operand). */
static void expect_asm_rejected(const char *text, const char *prefix)
{
    struct ebpf_insn *out = NULL;
    size_t n = 0;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_asm(text, &out, &n, err, sizeof(err));
    if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix))) {
        print_error("assembling \"%s\": rc %d \"%s\", want -EINVAL \"%s...\"\n", text, rc,
                    rc ? err : "", prefix);
        if (rc == 0) {
            char hex[64];
            insns_hex(out, n, hex, sizeof(hex));
            print_error("  assembled to %s\n", hex);
            free(out);
        }
        fail();
    }
}

static void test_asm_rejects_double_sign(void **state)
{
    (void)state;
    expect_asm_rejected("ldxw %r0, [%r1+-4]", "line 1: bad offset in memory operand");
    expect_asm_rejected("ldxw %r0, [%r1-+4]", "line 1: bad offset in memory operand");
    expect_asm_rejected("stw [%r1--4], 1", "line 1: bad offset in memory operand");
}

static void test_asm_error_line_numbers(void **state)
{
    (void)state;
    expect_asm_error("# comment\n\nmov %r0, 1\n  # another\nlabel:\n  bogus %r1\nexit",
                     "line 6: unknown mnemonic 'bogus'");
    expect_asm_error("mov %r0, 1\r\nadd %r0, 1\r\nadd %r0, 0x100000000\r\nexit",
                     "line 3: immediate 4294967296 does not fit in 32 bits");
    expect_asm_error("x:\nmov %r0, 1\n\n\n\ny:\nexit\n\nx:\nexit", "line 9: label 'x' defined twice");
    expect_asm_error("mov %r0, 1 # fine\nlddw %r1, 5\nja %r0 // not a target\nexit",
                     "line 3: operands do not fit 'ja'");
    /* a label far away: the error is on the jump's line */
    size_t n = 40000;
    size_t cap = n * 14 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "mov %%r0, 0\n\nja far\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "add %%r0, 1\n");
    snprintf(text + len, cap - len, "far:\nexit\n");
    expect_asm_error(text, "line 3: jump offset 40000 out of 16-bit range");
    free(text);
}

/* Things the dialect allows. */
static void test_asm_dialect(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *hex;
    } cases[] = {
        {"mov r0, 1", "b700000001000000"},             /* registers without % */
        {"add64 %r1, 2", "0701000002000000"},          /* 64 suffix alias */
        {"swap32 %r1", "d701000020000000"},            /* swap = bswap */
        {"mov %r0, -0x80000000", "b700000000000080"},
        {"mov %r0, 0xffffffff", "b7000000ffffffff"},
        {"mov %r0, +5", "b700000005000000"},
        {"lddw %r0, -1", "18000000ffffffff 00000000ffffffff"},
        {"ldxw %r0, [ %r1 + 4 ]", "6110040000000000"},
        {"l: exit", "9500000000000000"},              /* label and instruction on one line */
        {"ja exit\nexit", "0500000000000000 9500000000000000"}, /* implicit exit label */
        {"exit\nexit: exit\nja exit", "9500000000000000 9500000000000000 0500feff00000000"},
        {"call local f\nexit\nf: exit", "8510000001000000 9500000000000000 9500000000000000"},
        {"lock fetch add32 [%r1-2], %r3", "c331feff01000000"},
        {"stdw [%r10-8], -1", "7a0af8ffffffffff"},
    };
    unsigned bad = 0;
    for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
        struct ebpf_insn *out;
        size_t n;
        char err[EBPF_ERR_LEN] = "", hex[256];
        int rc = ebpf_asm(cases[i].text, &out, &n, err, sizeof(err));
        if (rc < 0) {
            print_error("\"%s\": %s\n", cases[i].text, err);
            bad++;
            continue;
        }
        insns_hex(out, n, hex, sizeof(hex));
        if (strcmp(hex, cases[i].hex)) {
            print_error("\"%s\": %s, want %s\n", cases[i].text, hex, cases[i].hex);
            bad++;
        }
        free(out);
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disasm_asm_round_trip),
        cmocka_unit_test(test_disasm_text),
        cmocka_unit_test(test_conformance_files_assemble_exactly),
        cmocka_unit_test(test_asm_errors),
        cmocka_unit_test(test_asm_error_shows_operand),
        cmocka_unit_test(test_asm_rejects_double_sign),
        cmocka_unit_test(test_asm_error_line_numbers),
        cmocka_unit_test(test_asm_dialect),
    };
    return cmocka_run_group_tests_name("asm", tests, NULL, NULL);
}
