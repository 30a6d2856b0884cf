/*
 * The ISA table (model/isa.def) against itself and against the conformance
 * suite: every row decodes to itself, everything else is illegal, rows never
 * collide, and the version/groups the table assigns to each conformance test
 * equal what bpf_conformance reports in assembled.tsv.
 */
#include "test_util.h"

#include "vm_int.h" /* ebpf_asm_pseudo_keyword */

static struct ebpf_insn keyed(int row)
{
    struct ebpf_insn in = {0};
    in.code = ebpf_isa[row].opcode;
    switch (ebpf_isa[row].key) {
    case EBPF_KEY_OFF: in.off = (int16_t)ebpf_isa[row].keyval; break;
    case EBPF_KEY_IMM: in.imm = ebpf_isa[row].keyval; break;
    case EBPF_KEY_SRC: in.src = (uint8_t)ebpf_isa[row].keyval; break;
    default: break;
    }
    return in;
}

static void set_key(struct ebpf_insn *in, unsigned key, int32_t v)
{
    switch (key) {
    case EBPF_KEY_OFF: in->off = (int16_t)v; break;
    case EBPF_KEY_IMM: in->imm = v; break;
    case EBPF_KEY_SRC: in->src = (uint8_t)v; break;
    default: break;
    }
}

/* Row with this opcode and key value, -1 if none. */
static int table_lookup(uint8_t opcode, int32_t keyval)
{
    for (int r = 0; r < EBPF_ROW_COUNT; r++)
        if (ebpf_isa[r].opcode == opcode &&
            (ebpf_isa[r].key == EBPF_KEY_NONE || ebpf_isa[r].keyval == keyval))
            return r;
    return -1;
}

static int opcode_key(uint8_t opcode)
{
    for (int r = 0; r < EBPF_ROW_COUNT; r++)
        if (ebpf_isa[r].opcode == opcode)
            return ebpf_isa[r].key;
    return -1; /* opcode not in the table */
}

/* ------------------------------------------------------------------------ */

static void test_row_count_and_ids(void **state)
{
    (void)state;
    /* 169 rows today; a change to isa.def must be deliberate. */
    assert_int_equal(EBPF_ROW_COUNT, 169);
    assert_string_equal(ebpf_isa[EBPF_ROW_ADD64_IMM].id, "ADD64_IMM");
    assert_string_equal(ebpf_isa[EBPF_ROW_ACMPXCHG64].id, "ACMPXCHG64");
    assert_string_equal(ebpf_isa[EBPF_ROW_LDDW_MAP_IDX_VALUE].id, "LDDW_MAP_IDX_VALUE");
    for (int r = 0; r < EBPF_ROW_COUNT; r++) {
        const struct ebpf_isa_row *R = &ebpf_isa[r];
        assert_non_null(R->id);
        assert_non_null(R->mnemonic);
        assert_in_range(R->version, 1, 4);
        assert_in_range(R->group, 0, EBPF_GROUP_COUNT - 1);
        assert_in_range(R->tclass, 0, EBPF_TCLASS_COUNT - 1);
        assert_in_range(R->form, 0, EBPF_FORM_COUNT - 1);
        assert_in_range(R->key, EBPF_KEY_NONE, EBPF_KEY_SRC);
        assert_in_range(R->writes, EBPF_WRITES_NONE, EBPF_WRITES_R0);
        if (R->key == EBPF_KEY_NONE)
            assert_int_equal(R->keyval, 0);
    }
    assert_string_equal(ebpf_group_names[EBPF_GROUP_BASE32], "base32");
    assert_string_equal(ebpf_group_names[EBPF_GROUP_CALLX], "callx");
}

static void test_every_row_decodes_to_itself(void **state)
{
    (void)state;
    struct tu_rng rng = {1};
    for (int r = 0; r < EBPF_ROW_COUNT; r++) {
        struct ebpf_insn in = keyed(r);
        if (ebpf_decode(&in) != r) {
            print_error("row %s (opcode 0x%02x key %d) decodes to %d\n", ebpf_isa[r].id,
                        ebpf_isa[r].opcode, ebpf_isa[r].keyval, ebpf_decode(&in));
            fail();
        }
        /* Non-key fields never change the row (legality of those fields is
         * the loader's business, not the decoder's). */
        for (int k = 0; k < 64; k++) {
            struct ebpf_insn x;
            uint64_t raw = tu_rand64(&rng);
            memcpy(&x, &raw, sizeof(x));
            x.code = ebpf_isa[r].opcode;
            set_key(&x, ebpf_isa[r].key, ebpf_isa[r].keyval);
            assert_int_equal(ebpf_decode(&x), r);
        }
    }
}

static void test_everything_else_is_illegal(void **state)
{
    (void)state;
    struct tu_rng rng = {2};
    unsigned checked = 0, illegal_opcodes = 0;
    for (int op = 0; op < 256; op++) {
        int key = opcode_key((uint8_t)op);
        if (key < 0) {
            illegal_opcodes++;
            for (int k = 0; k < 200; k++) {
                struct ebpf_insn x;
                uint64_t raw = tu_rand64(&rng);
                memcpy(&x, &raw, sizeof(x));
                x.code = (uint8_t)op;
                if (k == 0)
                    memset((uint8_t *)&x + 1, 0, 7);
                if (ebpf_decode(&x) != -1) {
                    print_error("opcode 0x%02x is not in the table but decodes to %d\n", op,
                                ebpf_decode(&x));
                    fail();
                }
                checked++;
            }
            continue;
        }
        if (key == EBPF_KEY_NONE) {
            /* exactly one row, whatever the other fields hold */
            int n = 0;
            for (int r = 0; r < EBPF_ROW_COUNT; r++)
                n += ebpf_isa[r].opcode == op;
            assert_int_equal(n, 1);
            continue;
        }
        /* Keyed opcode: scan key values around and far from the legal ones. */
        int32_t lo, hi;
        switch (key) {
        case EBPF_KEY_SRC: lo = 0, hi = 15; break;
        case EBPF_KEY_OFF: lo = -300, hi = 300; break;
        default: lo = -300, hi = 600; break;
        }
        for (int64_t v = lo; v <= hi + 4; v++) {
            int32_t kv = (int32_t)v;
            if (v > hi) { /* extremes */
                static const int32_t ext[] = {INT32_MIN, INT32_MAX, 0x10000, -32768};
                kv = ext[v - hi - 1];
                if (key == EBPF_KEY_SRC)
                    continue;
                if (key == EBPF_KEY_OFF && (kv < INT16_MIN || kv > INT16_MAX))
                    continue;
            }
            struct ebpf_insn x = {0};
            x.code = (uint8_t)op;
            set_key(&x, (unsigned)key, kv);
            int want = table_lookup((uint8_t)op, kv);
            int got = ebpf_decode(&x);
            if (got != want) {
                print_error("opcode 0x%02x key %d: decodes to %d, table says %d\n", op, kv, got,
                            want);
                fail();
            }
            checked++;
        }
    }
    /* 256 opcode bytes, 126 of them used by the table. */
    assert_int_equal(illegal_opcodes, 256 - 126);

    /* The neighbours the brief names explicitly. */
    struct ebpf_insn x = {.code = 0x37, .off = 2};
    assert_int_equal(ebpf_decode(&x), -1); /* div with off 2 */
    x = (struct ebpf_insn){.code = 0xd4, .imm = 17};
    assert_int_equal(ebpf_decode(&x), -1); /* le17 */
    x = (struct ebpf_insn){.code = 0x85, .src = 3};
    assert_int_equal(ebpf_decode(&x), -1); /* call with src 3 */
    x = (struct ebpf_insn){.code = 0x18, .src = 3};
    assert_int_equal(ebpf_decode(&x), -1); /* lddw src 3 (unused pseudo) */
    x = (struct ebpf_insn){.code = 0xc3, .imm = 0xf0};
    assert_int_equal(ebpf_decode(&x), -1); /* cmpxchg without the fetch bit */
    x = (struct ebpf_insn){.code = 0xdb, .imm = 0xe0};
    assert_int_equal(ebpf_decode(&x), -1); /* xchg without the fetch bit */
    x = (struct ebpf_insn){.code = 0xbf, .off = 1};
    assert_int_equal(ebpf_decode(&x), -1);
    x = (struct ebpf_insn){.code = 0xbc, .off = 32};
    assert_int_equal(ebpf_decode(&x), -1); /* movsx3232 does not exist */
    x = (struct ebpf_insn){.code = 0xb7, .off = 8};
    assert_int_equal(ebpf_decode(&x), -1); /* movsx has no immediate form */
    assert_true(checked > 30000);
}

static void test_no_collisions(void **state)
{
    (void)state;
    for (int a = 0; a < EBPF_ROW_COUNT; a++) {
        for (int b = a + 1; b < EBPF_ROW_COUNT; b++) {
            const struct ebpf_isa_row *A = &ebpf_isa[a], *B = &ebpf_isa[b];
            if (A->opcode != B->opcode)
                continue;
            /* Rows sharing an opcode are told apart by the same key field. */
            if (A->key == EBPF_KEY_NONE || A->key != B->key || A->keyval == B->keyval) {
                print_error("rows %s and %s collide (opcode 0x%02x)\n", A->id, B->id, A->opcode);
                fail();
            }
        }
    }
}

static void test_mnemonic_form_unique(void **state)
{
    (void)state;
    /* (mnemonic, form) pairs that are not unique.  The assembler tells these
     * apart by the pseudo keyword (map_fd vs map_idx), so the real key is
     * (mnemonic, form, keyword); the table has exactly these two shared pairs. */
    static const char *const expected_shared[][2] = {
        {"LDDW_MAP_FD", "LDDW_MAP_IDX"},
        {"LDDW_MAP_VALUE", "LDDW_MAP_IDX_VALUE"},
    };
    unsigned shared = 0;
    for (int a = 0; a < EBPF_ROW_COUNT; a++) {
        for (int b = a + 1; b < EBPF_ROW_COUNT; b++) {
            const struct ebpf_isa_row *A = &ebpf_isa[a], *B = &ebpf_isa[b];
            if (strcmp(A->mnemonic, B->mnemonic) || A->form != B->form)
                continue;
            const char *ka = ebpf_asm_pseudo_keyword(a), *kb = ebpf_asm_pseudo_keyword(b);
            if (!ka || !kb || !strcmp(ka, kb)) {
                print_error("rows %s and %s share mnemonic '%s' and form %u\n", A->id, B->id,
                            A->mnemonic, A->form);
                fail();
            }
            assert_true(shared < TU_ARRAY_LEN(expected_shared));
            assert_string_equal(A->id, expected_shared[shared][0]);
            assert_string_equal(B->id, expected_shared[shared][1]);
            shared++;
        }
    }
    assert_int_equal(shared, TU_ARRAY_LEN(expected_shared));
}

/* Each row's form, memory size, width and written register agree with its
 * opcode's class bits. */
static void test_rows_consistent_with_encoding(void **state)
{
    (void)state;
    for (int r = 0; r < EBPF_ROW_COUNT; r++) {
        const struct ebpf_isa_row *R = &ebpf_isa[r];
        unsigned cls = R->opcode & 7;
        switch (R->form) {
        case EBPF_FORM_ALU_IMM:
        case EBPF_FORM_ALU_REG:
        case EBPF_FORM_ALU_UNARY:
        case EBPF_FORM_ENDIAN:
            assert_true(cls == 4 || cls == 7);
            if (R->form == EBPF_FORM_ALU_REG)
                assert_int_equal(R->opcode & 8, 8);
            if (R->form == EBPF_FORM_ALU_IMM)
                assert_int_equal(R->opcode & 8, 0);
            assert_int_equal(R->writes, EBPF_WRITES_DST);
            break;
        case EBPF_FORM_JA:
        case EBPF_FORM_JMP_IMM:
        case EBPF_FORM_JMP_REG:
        case EBPF_FORM_JA32:
            assert_true(cls == 5 || cls == 6);
            assert_int_equal(R->writes, EBPF_WRITES_NONE);
            break;
        case EBPF_FORM_CALL:
        case EBPF_FORM_CALL_LOCAL:
        case EBPF_FORM_CALLX:
        case EBPF_FORM_EXIT: assert_int_equal(cls, 5); break;
        case EBPF_FORM_LDDW:
        case EBPF_FORM_LDDW_MAP:
        case EBPF_FORM_LDDW_MAP_VALUE:
        case EBPF_FORM_LDDW_FUNC:
        case EBPF_FORM_LDABS:
        case EBPF_FORM_LDIND: assert_int_equal(cls, 0); break;
        case EBPF_FORM_LDX:
            assert_int_equal(cls, 1);
            assert_int_equal(R->writes, EBPF_WRITES_DST);
            break;
        case EBPF_FORM_ST: assert_int_equal(cls, 2); break;
        case EBPF_FORM_STX:
        case EBPF_FORM_ATOMIC: assert_int_equal(cls, 3); break;
        default: fail();
        }
        assert_int_equal(ebpf_row_is_wide(r), R->opcode == 0x18);
        bool mem = R->form == EBPF_FORM_LDX || R->form == EBPF_FORM_ST ||
                   R->form == EBPF_FORM_STX || R->form == EBPF_FORM_ATOMIC ||
                   R->form == EBPF_FORM_LDABS || R->form == EBPF_FORM_LDIND;
        static const unsigned size_of[4] = {4, 2, 1, 8};
        assert_int_equal(ebpf_row_mem_size(r), mem ? size_of[(R->opcode >> 3) & 3] : 0);
        /* The key field is always one the row's form uses. */
        unsigned f = ebpf_row_fields(r);
        if (R->key == EBPF_KEY_OFF)
            assert_true(f & EBPF_FIELD_OFF);
        if (R->key == EBPF_KEY_IMM)
            assert_true(f & EBPF_FIELD_IMM);
        if (R->key == EBPF_KEY_SRC)
            assert_true(f & EBPF_FIELD_SRC);
        if (R->writes == EBPF_WRITES_DST)
            assert_true(f & EBPF_FIELD_DST);
        if (R->writes == EBPF_WRITES_SRC)
            assert_true(f & EBPF_FIELD_SRC);
    }
    assert_int_equal(ebpf_row_mem_size(EBPF_ROW_LDXSB), 1);
    assert_int_equal(ebpf_row_mem_size(EBPF_ROW_LDXSW), 4);
    assert_int_equal(ebpf_row_mem_size(EBPF_ROW_ACMPXCHG64), 8);
    assert_int_equal(ebpf_row_mem_size(EBPF_ROW_LDINDH), 2);
    assert_int_equal(ebpf_row_fields(EBPF_ROW_EXIT), 0);
    assert_int_equal(ebpf_row_fields(EBPF_ROW_JA), EBPF_FIELD_OFF);
    assert_int_equal(ebpf_row_fields(EBPF_ROW_CALL), EBPF_FIELD_IMM | EBPF_FIELD_SRC);
    assert_int_equal(ebpf_row_fields(EBPF_ROW_SDIV64_IMM),
                     EBPF_FIELD_DST | EBPF_FIELD_IMM | EBPF_FIELD_OFF);
}

/* ------------------------------------------------------------------------ */
/* Version and groups per conformance test, from the table, vs assembled.tsv */

struct tsv_row {
    char name[96];
    unsigned min_cpu;
    uint32_t groups;
    size_t n_slots, mem_len;
    struct ebpf_insn *insns;
};

static uint32_t parse_groups(const char *s)
{
    uint32_t mask = 0;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
        int g;
        for (g = 0; g < EBPF_GROUP_COUNT; g++)
            if (!strcmp(tok, ebpf_group_names[g]))
                break;
        assert_true(g < EBPF_GROUP_COUNT);
        mask |= 1u << g;
    }
    return mask;
}

static void groups_str(uint32_t mask, char *buf, size_t len)
{
    buf[0] = 0;
    for (int g = 0; g < EBPF_GROUP_COUNT; g++)
        if (mask & (1u << g))
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "+" : "",
                     ebpf_group_names[g]);
}

static size_t load_tsv(struct tsv_row **out)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/conformance/assembled.tsv", tu_shared_dir());
    char *text = tu_read_file(path, NULL);
    if (!text) {
        print_error("cannot read %s\n", path);
        fail();
    }
    size_t n = 0, cap = 512;
    struct tsv_row *rows = calloc(cap, sizeof(*rows));
    assert_non_null(rows);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        assert_true(n < cap);
        struct tsv_row *t = &rows[n++];
        char *f[7];
        char *fs = NULL;
        int nf = 0;
        for (char *tok = strtok_r(line, "\t", &fs); tok && nf < 7; tok = strtok_r(NULL, "\t", &fs))
            f[nf++] = tok;
        assert_int_equal(nf, 7);
        snprintf(t->name, sizeof(t->name), "%s", f[0]);
        assert_true(f[1][0] == 'v');
        t->min_cpu = (unsigned)atoi(f[1] + 1);
        t->groups = parse_groups(f[2]);
        t->n_slots = strtoul(f[3], NULL, 10);
        t->mem_len = strtoul(f[4], NULL, 10);
        t->insns = calloc(t->n_slots, sizeof(*t->insns));
        assert_non_null(t->insns);
        const char *p = f[6];
        for (size_t i = 0; i < t->n_slots; i++) {
            while (*p == ' ')
                p++;
            uint8_t *b = (uint8_t *)&t->insns[i];
            for (int k = 0; k < 8; k++) {
                unsigned v;
                assert_int_equal(sscanf(p + 2 * k, "%2x", &v), 1);
                b[k] = (uint8_t)v;
            }
            p += 16;
        }
        while (*p == ' ')
            p++;
        assert_int_equal(*p, 0);
    }
    free(text);
    *out = rows;
    return n;
}

/* bpf_conformance's own spec table puts these four 64-bit opcodes in base32
 * although their siblings (0x17 sub imm, 0x65 jsgt imm, 0x07.. ALU64, 0x79
 * ldxdw) are base64; isa.def follows the class and says base64. */
static int conformance_group_override(uint8_t opcode)
{
    switch (opcode) {
    case 0x1f: /* sub r64, r64 */
    case 0x6d: /* jsgt r64, r64 */
    case 0x87: /* neg r64 */
    case 0x81: /* ldxsw */
        return EBPF_GROUP_BASE32;
    default: return -1;
    }
}

static void table_gating(const struct tsv_row *t, bool conformance_quirks, unsigned *ver,
                         uint32_t *groups)
{
    *ver = 1;
    *groups = 0;
    for (size_t i = 0; i < t->n_slots; i++) {
        int row = ebpf_decode(&t->insns[i]);
        assert_true(row >= 0);
        if (ebpf_isa[row].version > *ver)
            *ver = ebpf_isa[row].version;
        int g = conformance_quirks ? conformance_group_override(ebpf_isa[row].opcode) : -1;
        *groups |= 1u << (g >= 0 ? g : ebpf_isa[row].group);
        if (ebpf_row_is_wide(row))
            i++; /* the second slot is not an instruction */
    }
}

static void test_conformance_version_and_groups(void **state)
{
    (void)state;
    struct tsv_row *rows;
    size_t n = load_tsv(&rows);
    assert_int_equal(n, 313);

    ebpf_vm *vm = tu_vm();
    unsigned ver_bad = 0, grp_bad = 0, n_differ = 0;
    char differ[4096] = "";
    for (size_t i = 0; i < n; i++) {
        const struct tsv_row *t = &rows[i];
        unsigned ver;
        uint32_t groups, groups_q;
        table_gating(t, false, &ver, &groups);
        if (ver != t->min_cpu) {
            print_error("%s: table says v%u, assembled.tsv says v%u\n", t->name, ver, t->min_cpu);
            ver_bad++;
        }
        /* With bpf_conformance's four base32 quirks, every row must match. */
        table_gating(t, true, &ver, &groups_q);
        if (groups_q != t->groups) {
            char a[128], b[128];
            groups_str(groups_q, a, sizeof(a));
            groups_str(t->groups, b, sizeof(b));
            print_error("%s: table (with quirks) gives %s, assembled.tsv says %s\n", t->name, a, b);
            grp_bad++;
        }
        /* Without them, list the rows where the table's choice shows. */
        if (groups != t->groups) {
            char a[128], b[128];
            groups_str(groups, a, sizeof(a));
            groups_str(t->groups, b, sizeof(b));
            printf("  group choice differs: %s: isa.def gives %s, assembled.tsv says %s\n",
                   t->name, a, b);
            snprintf(differ + strlen(differ), sizeof(differ) - strlen(differ), "%s%s",
                     n_differ ? " " : "", t->name);
            n_differ++;
        }
        /* The loader computes the same version and groups as the table. */
        ebpf_prog *prog = NULL;
        char err[EBPF_ERR_LEN];
        int rc = ebpf_prog_load(vm, t->insns, t->n_slots, &prog, err, sizeof(err));
        if (rc < 0) {
            print_error("%s: does not load: %s\n", t->name, err);
            ver_bad++;
            continue;
        }
        assert_int_equal(ebpf_prog_version(prog), ver);
        assert_int_equal(ebpf_prog_groups(prog), groups);
        assert_int_equal(ebpf_prog_len(prog), t->n_slots);
        ebpf_prog_destroy(prog);
    }
    printf("  %u of %zu conformance tests differ only by bpf_conformance's base32 quirks\n",
           n_differ, n);
    /* Exactly these tests use sub64 reg / jsgt reg / neg64 / ldxsw and no
     * other base64 instruction, so the tsv says base32 where isa.def says
     * base32+base64. */
    assert_string_equal(differ, "neg64.data rfc9669_ldxsw.data");
    assert_int_equal(ver_bad, 0);
    assert_int_equal(grp_bad, 0);

    /* Suite counts by version, from FORMAT.md section 4. */
    unsigned by_ver[5] = {0};
    for (size_t i = 0; i < n; i++)
        by_ver[rows[i].min_cpu]++;
    assert_int_equal(by_ver[1], 163);
    assert_int_equal(by_ver[2], 9);
    assert_int_equal(by_ver[3], 82);
    assert_int_equal(by_ver[4], 59);

    ebpf_vm_destroy(vm);
    for (size_t i = 0; i < n; i++)
        free(rows[i].insns);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_count_and_ids),
        cmocka_unit_test(test_every_row_decodes_to_itself),
        cmocka_unit_test(test_everything_else_is_illegal),
        cmocka_unit_test(test_no_collisions),
        cmocka_unit_test(test_mnemonic_form_unique),
        cmocka_unit_test(test_rows_consistent_with_encoding),
        cmocka_unit_test(test_conformance_version_and_groups),
    };
    return cmocka_run_group_tests_name("isa_table", tests, NULL, NULL);
}
