/*
 * Robustness: random byte programs (biased towards valid opcodes so many
 * load) through the loader and, when accepted, the interpreter with a small
 * budget on a small buffer; random well-formed programs (valid encodings,
 * in-range jumps) that must all load.  Every run is done twice, on the fast
 * path and with a tracer, on fresh VMs, and the two must agree exactly; every
 * loaded program must survive disassemble -> assemble byte for byte.  Fixed
 * seeds: the counts printed are the same on every run.  `make test-asan`
 * runs this binary under ASan/UBSan.
 */
#include "test_util.h"

#define N_RANDOM 20000
#define N_WELLFORMED 5000
#define MAX_SLOTS 64
#define MEM_LEN 64
#define BUDGET 1000
#define RO_REGION 8
#define RO_LEN 32

struct counts {
    unsigned programs, loaded, rejected, exited, faulted;
    unsigned kinds[EBPF_FAULT_COUNT];
    unsigned round_tripped, round_trip_skipped;
    unsigned rejections_by_reason[16];
};

/* helpers the random programs may call */
static uint64_t h_sum(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                      uint64_t r5)
{
    (void)vm;
    return r1 + r2 + r3 + r4 + r5;
}

static uint64_t h_odd_faults(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                             uint64_t r5)
{
    (void)r2, (void)r4, (void)r5;
    (void)r1;
    if (r3 & 1)
        ebpf_vm_helper_fault(vm, "odd argument %" PRIu64, r3);
    return r3 >> 1;
}

static uint64_t h_read8(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                        uint64_t r5)
{
    (void)r3, (void)r4, (void)r5;
    const uint8_t *p = ebpf_vm_translate(vm, r1, r2 & 15, EBPF_MEM_READ);
    if (!p)
        return 0;
    uint64_t s = 0;
    for (uint64_t i = 0; i < (r2 & 15); i++)
        s = s * 31 + p[i];
    return s;
}

static ebpf_vm *fuzz_vm(void)
{
    ebpf_vm *vm = ebpf_vm_create(NULL);
    assert_non_null(vm);
    ebpf_vm_register_conformance_helpers(vm);
    assert_int_equal(ebpf_vm_register_helper(vm, 1, "sum", h_sum), 0);
    assert_int_equal(ebpf_vm_register_helper(vm, 2, "odd_faults", h_odd_faults), 0);
    assert_int_equal(ebpf_vm_register_helper(vm, 3, "read8", h_read8), 0);
    /* a read-only region at id 8 */
    static const uint8_t ro[RO_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    assert_int_equal(ebpf_vm_map_region(vm, RO_REGION, (void *)ro, 0, RO_LEN, EBPF_MEM_READ, "ro"),
                     0);
    ebpf_vm_set_budget(vm, BUDGET);
    return vm;
}

struct trace_state {
    uint64_t records;
    bool seq_ok;
};

static void on_retire(void *user, const struct ebpf_retire *rec)
{
    struct trace_state *t = user;
    if (rec->seq != t->records)
        t->seq_ok = false;
    t->records++;
}

static void run_both(const struct ebpf_insn *insns, size_t n, struct counts *c,
                     struct tu_rng *rng)
{
    uint8_t init[MEM_LEN];
    for (int i = 0; i < MEM_LEN; i++)
        init[i] = (uint8_t)tu_rand32(rng);
    uint8_t mem_a[MEM_LEN], mem_b[MEM_LEN];
    memcpy(mem_a, init, MEM_LEN);
    memcpy(mem_b, init, MEM_LEN);

    ebpf_vm *va = fuzz_vm(), *vb = fuzz_vm();
    ebpf_prog *pa = NULL, *pb = NULL;
    char err[EBPF_ERR_LEN];
    assert_int_equal(ebpf_prog_load(va, insns, n, &pa, err, sizeof(err)), 0);
    assert_int_equal(ebpf_prog_load(vb, insns, n, &pb, err, sizeof(err)), 0);
    struct trace_state ts = {.seq_ok = true};
    ebpf_vm_set_tracer(vb, on_retire, &ts);

    struct ebpf_run_result ra, rb;
    memset(&ra, 0, sizeof(ra));
    memset(&rb, 0, sizeof(rb));
    int rca = ebpf_vm_run_mem(va, pa, mem_a, MEM_LEN, &ra);
    int rcb = ebpf_vm_run_mem(vb, pb, mem_b, MEM_LEN, &rb);

    bool same = rca == rcb && ra.r0 == rb.r0 && ra.insns == rb.insns &&
                ra.fault.kind == rb.fault.kind && ra.fault.pc == rb.fault.pc &&
                ra.fault.addr == rb.fault.addr && ra.fault.size == rb.fault.size &&
                ra.fault.write == rb.fault.write && ra.fault.region == rb.fault.region &&
                !strcmp(ra.fault.msg, rb.fault.msg) && !memcmp(mem_a, mem_b, MEM_LEN);
    if (!same || ts.records != rb.insns || !ts.seq_ok) {
        print_error("fast and traced runs differ (rc %d/%d r0 0x%" PRIx64 "/0x%" PRIx64
                    " insns %" PRIu64 "/%" PRIu64 " records %" PRIu64 " kind %u/%u)\n",
                    rca, rcb, ra.r0, rb.r0, ra.insns, rb.insns, ts.records, ra.fault.kind,
                    rb.fault.kind);
        for (size_t i = 0; i < n; i++) {
            char t[128];
            ebpf_disasm_insn(insns, n, i, t, sizeof(t));
            print_error("  %3zu: %s\n", i, t);
        }
        fail();
    }
    /* result sanity */
    assert_true(rca == 0 || rca == -EFAULT);
    assert_true(ra.insns >= 1);
    assert_true(ra.insns <= BUDGET + MAX_SLOTS * EBPF_MAX_FRAMES);
    if (rca == 0) {
        assert_int_equal(ra.fault.kind, EBPF_FAULT_NONE);
        c->exited++;
    } else {
        assert_in_range(ra.fault.kind, 1, EBPF_FAULT_COUNT - 1);
        assert_true(ra.fault.msg[0] != 0);
        assert_true(ra.fault.pc < n);
        c->faulted++;
        c->kinds[ra.fault.kind]++;
    }
    ebpf_prog_destroy(pa);
    ebpf_prog_destroy(pb);
    ebpf_vm_destroy(va);
    ebpf_vm_destroy(vb);
}

/* Disassemble the whole program, assemble the text, compare bytes. */
static void round_trip(const struct ebpf_insn *insns, size_t n, struct counts *c)
{
    for (size_t i = 0; i < n; i++) {
        /* lddw func / map_fd / map_idx print no second-slot immediate */
        int row = ebpf_decode(&insns[i]);
        if (row >= 0 && ebpf_row_is_wide(row)) {
            if (row != EBPF_ROW_LDDW && row != EBPF_ROW_LDDW_MAP_VALUE &&
                row != EBPF_ROW_LDDW_MAP_IDX_VALUE && i + 1 < n && insns[i + 1].imm != 0) {
                c->round_trip_skipped++;
                return;
            }
            i++;
        }
    }
    size_t cap = n * 64 + 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    text[0] = 0;
    for (size_t i = 0; i < n;) {
        char t[128];
        int used = ebpf_disasm_insn(insns, n, i, t, sizeof(t));
        assert_true(used == 1 || used == 2);
        len += (size_t)snprintf(text + len, cap - len, "%s\n", t);
        i += (size_t)used;
    }
    struct ebpf_insn *out = NULL;
    size_t m = 0;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_asm(text, &out, &m, err, sizeof(err));
    if (rc < 0 || m != n || memcmp(out, insns, n * sizeof(*insns))) {
        print_error("round trip failed (%s):\n%s\n", rc < 0 ? err : "bytes differ", text);
        fail();
    }
    free(out);
    free(text);
    c->round_tripped++;
}

static void check_rejection(int rc, const char *err, size_t n, struct counts *c)
{
    assert_true(rc == -EINVAL || rc == -E2BIG);
    if (!strncmp(err, "insn ", 5)) {
        char *end;
        unsigned long idx = strtoul(err + 5, &end, 10);
        assert_true(end != err + 5 && *end == ':');
        assert_true(idx < n);
        static const char *const reasons[] = {
            "unknown opcode",    "is not a valid instruction", "invalid register",
            "reserved field",    "writes r10",                "unknown helper",
            "jump target",       "missing its second slot",   "second slot",
            "does not end",      "no maps are loaded",        "needs ISA",
            "conformance group",
        };
        for (size_t r = 0; r < TU_ARRAY_LEN(reasons); r++)
            if (strstr(err, reasons[r])) {
                c->rejections_by_reason[r]++;
                return;
            }
        fail_msg("unexpected rejection text: %s", err);
    }
    fail_msg("rejection does not name an instruction: %s", err);
}

/* ------------------------------------------------------------------------ */

static int32_t pick_imm(struct tu_rng *rng, size_t n)
{
    switch (tu_below(rng, 8)) {
    case 0: return (int32_t)tu_rand32(rng);
    case 1: return (int32_t)tu_below(rng, 64);
    case 2: return -(int32_t)tu_below(rng, 64);
    case 3: { static const int32_t s[] = {1, 2, 3, 5, 0, -1, INT32_MIN, INT32_MAX, 31, 32, 63, 64};
              return s[tu_below(rng, TU_ARRAY_LEN(s))]; }
    default: return (int32_t)tu_below(rng, (uint32_t)(2 * n + 1)) - (int32_t)n;
    }
}

/* Per program, how noisy its slots are: most programs are clean encodings
 * with random operands (so a good share loads), some have junk slots. */
static void gen_random(struct tu_rng *rng, struct ebpf_insn *p, size_t n)
{
    static const unsigned noise_levels[] = {0, 0, 0, 1, 3, 10, 30};
    static const unsigned sloppy_levels[] = {0, 0, 0, 1, 5};
    unsigned noise = noise_levels[tu_below(rng, TU_ARRAY_LEN(noise_levels))];
    unsigned sloppiness = sloppy_levels[tu_below(rng, TU_ARRAY_LEN(sloppy_levels))];
    for (size_t i = 0; i < n; i++) {
        struct ebpf_insn *in = &p[i];
        uint64_t raw = tu_rand64(rng);
        memcpy(in, &raw, sizeof(*in));
        if (tu_below(rng, 100) < noise)
            continue; /* fully random slot */
        int row = (int)tu_below(rng, EBPF_ROW_COUNT);
        const struct ebpf_isa_row *R = &ebpf_isa[row];
        unsigned f = ebpf_row_fields(row);
        bool sloppy = tu_below(rng, 100) < sloppiness; /* keep the random reserved fields */
        in->code = R->opcode;
        unsigned wild = tu_below(rng, 100);
        if (!(f & EBPF_FIELD_DST) && !sloppy)
            in->dst = 0;
        else
            in->dst = (uint8_t)(wild < 1 ? tu_below(rng, 16) : wild < 2 ? 10 : tu_below(rng, 10));
        wild = tu_below(rng, 100);
        if (!(f & EBPF_FIELD_SRC) && !sloppy)
            in->src = 0;
        else
            in->src = (uint8_t)(wild < 1 ? tu_below(rng, 16) : wild < 4 ? 10 : tu_below(rng, 10));
        if (!(f & EBPF_FIELD_OFF) && !sloppy)
            in->off = 0;
        else
            in->off = (int16_t)(tu_below(rng, 4) ? (int32_t)tu_below(rng, (uint32_t)(2 * n + 1)) -
                                                       (int32_t)n
                                                 : (int32_t)(int16_t)tu_rand32(rng));
        if (!(f & EBPF_FIELD_IMM) && !sloppy)
            in->imm = 0;
        else
            in->imm = pick_imm(rng, n);
        if (R->form == EBPF_FORM_CALL && tu_below(rng, 10)) {
            static const int32_t ids[] = {1, 2, 3, 5};
            in->imm = ids[tu_below(rng, 4)];
        }
        /* most jumps and calls land inside the program */
        if (tu_below(rng, 10)) {
            int32_t rel = (int32_t)tu_below(rng, (uint32_t)n) - (int32_t)i - 1;
            switch (R->form) {
            case EBPF_FORM_JA:
            case EBPF_FORM_JMP_IMM:
            case EBPF_FORM_JMP_REG: in->off = (int16_t)rel; break;
            case EBPF_FORM_JA32:
            case EBPF_FORM_CALL_LOCAL:
            case EBPF_FORM_LDDW_FUNC: in->imm = rel; break;
            default: break;
            }
        }
        if (R->key != EBPF_KEY_NONE && tu_below(rng, 100) < 97) {
            switch (R->key) {
            case EBPF_KEY_OFF: in->off = (int16_t)R->keyval; break;
            case EBPF_KEY_IMM: in->imm = R->keyval; break;
            case EBPF_KEY_SRC: in->src = (uint8_t)R->keyval; break;
            default: break;
            }
        }
        if (ebpf_row_is_wide(row) && i + 1 < n && tu_below(rng, 20)) {
            i++;
            memset(&p[i], 0, sizeof(p[i]));
            if (tu_below(rng, 2))
                p[i].imm = (int32_t)tu_rand32(rng);
        }
    }
    if (tu_below(rng, 4))
        p[n - 1] = (struct ebpf_insn){.code = 0x95};
}

static void test_random_bytes(void **state)
{
    (void)state;
    struct tu_rng rng = {0x5eed0001};
    struct counts c = {0};
    ebpf_vm *vm = fuzz_vm();
    struct ebpf_insn prog[MAX_SLOTS];
    for (int k = 0; k < N_RANDOM; k++) {
        size_t n = 1 + tu_below(&rng, MAX_SLOTS);
        gen_random(&rng, prog, n);
        c.programs++;
        /* the disassembler copes with anything */
        for (size_t i = 0; i < n; i++) {
            char t[128];
            int used = ebpf_disasm_insn(prog, n, i, t, sizeof(t));
            assert_true(used == 1 || used == 2 || used == -EINVAL);
            assert_true(strlen(t) < sizeof(t));
        }
        ebpf_prog *p = NULL;
        char err[EBPF_ERR_LEN] = "";
        int rc = ebpf_prog_load(vm, prog, n, &p, err, sizeof(err));
        if (rc < 0) {
            assert_null(p);
            c.rejected++;
            check_rejection(rc, err, n, &c);
            continue;
        }
        c.loaded++;
        ebpf_prog_destroy(p);
        run_both(prog, n, &c, &rng);
        round_trip(prog, n, &c);
    }
    ebpf_vm_destroy(vm);
    printf("  random bytes: %u programs, %u loaded, %u rejected; of the loaded %u exited, "
           "%u faulted\n",
           c.programs, c.loaded, c.rejected, c.exited, c.faulted);
    printf("  faults:");
    for (int k = 1; k < EBPF_FAULT_COUNT; k++)
        printf(" %s %u", ebpf_fault_names[k], c.kinds[k]);
    printf("\n  rejections: unknown-opcode %u bad-key %u register %u reserved %u r10 %u "
           "helper %u jump %u lddw-missing %u lddw-slot2 %u falls-off %u map %u\n",
           c.rejections_by_reason[0], c.rejections_by_reason[1], c.rejections_by_reason[2],
           c.rejections_by_reason[3], c.rejections_by_reason[4], c.rejections_by_reason[5],
           c.rejections_by_reason[6], c.rejections_by_reason[7], c.rejections_by_reason[8],
           c.rejections_by_reason[9], c.rejections_by_reason[10]);
    printf("  %u loaded programs round-tripped through text (%u skipped)\n", c.round_tripped,
           c.round_trip_skipped);
    assert_int_equal(c.programs, N_RANDOM);
    assert_int_equal(c.loaded + c.rejected, N_RANDOM);
    assert_int_equal(c.exited + c.faulted, c.loaded);
    /* the bias must make a real share load and run */
    assert_true(c.loaded >= N_RANDOM / 10);
    assert_true(c.exited > 0 && c.faulted > 0);
}

/* ------------------------------------------------------------------------ */
/* Well-formed programs: r9 is set to the read-only region first; r1 (mem),
 * r9 and r10 (stack) are never written, memory operands mostly address them
 * in range, jumps land on instruction starts, calls name registered helpers,
 * the last instruction is exit. */

static bool usable_row(int row)
{
    switch (ebpf_isa[row].form) {
    case EBPF_FORM_LDDW_MAP:
    case EBPF_FORM_LDDW_MAP_VALUE:
    case EBPF_FORM_LDDW_FUNC:
    case EBPF_FORM_CALL_LOCAL: return false;
    default: return true;
    }
}

static uint8_t pick_written(struct tu_rng *rng)
{
    static const uint8_t regs[] = {0, 2, 3, 4, 5, 6, 7, 8};
    return regs[tu_below(rng, TU_ARRAY_LEN(regs))];
}

static void pick_mem(struct tu_rng *rng, unsigned size, uint8_t *base, int16_t *off)
{
    unsigned p = tu_below(rng, 100);
    if (p < 35) {
        *base = 1;
        *off = (int16_t)tu_below(rng, MEM_LEN - size + 1);
    } else if (p < 43) {
        *base = 9;
        *off = (int16_t)tu_below(rng, RO_LEN - size + 1);
    } else if (p < 90) {
        *base = 10;
        *off = (int16_t)(-(int32_t)size - (int32_t)tu_below(rng, EBPF_STACK_SIZE - size + 1));
    } else {
        *base = (uint8_t)tu_below(rng, 11);
        *off = (int16_t)tu_rand32(rng);
    }
}

static size_t gen_wellformed(struct tu_rng *rng, struct ebpf_insn *p, size_t n_max)
{
    size_t n = 4 + tu_below(rng, (uint32_t)(n_max - 3));
    bool start[MAX_SLOTS + 1] = {false};
    p[0] = (struct ebpf_insn){.code = 0x18, .dst = 9};
    p[1] = (struct ebpf_insn){.imm = RO_REGION};
    start[0] = true;
    size_t i = 2;
    while (i < n - 1) {
        int row;
        do
            row = (int)tu_below(rng, EBPF_ROW_COUNT);
        while (!usable_row(row) || (ebpf_row_is_wide(row) && i + 2 > n - 1));
        const struct ebpf_isa_row *R = &ebpf_isa[row];
        struct ebpf_insn *in = &p[i];
        memset(in, 0, sizeof(*in));
        in->code = R->opcode;
        start[i] = true;
        unsigned f = ebpf_row_fields(row);
        if (f & EBPF_FIELD_DST)
            in->dst = R->writes == EBPF_WRITES_DST ? pick_written(rng) : (uint8_t)tu_below(rng, 11);
        if ((f & EBPF_FIELD_SRC) && R->key != EBPF_KEY_SRC)
            in->src = R->writes == EBPF_WRITES_SRC ? pick_written(rng) : (uint8_t)tu_below(rng, 11);
        if ((f & EBPF_FIELD_IMM) && R->key != EBPF_KEY_IMM)
            in->imm = pick_imm(rng, n);
        if ((f & EBPF_FIELD_OFF) && R->key != EBPF_KEY_OFF)
            in->off = (int16_t)tu_rand32(rng);
        unsigned size = ebpf_row_mem_size(row);
        uint8_t base;
        int16_t moff;
        switch (R->form) {
        case EBPF_FORM_LDX:
            pick_mem(rng, size, &base, &moff);
            in->src = base, in->off = moff;
            break;
        case EBPF_FORM_ST:
        case EBPF_FORM_STX:
        case EBPF_FORM_ATOMIC:
            pick_mem(rng, size, &base, &moff);
            in->dst = base, in->off = moff;
            break;
        case EBPF_FORM_CALL: in->imm = (int32_t)(1 + tu_below(rng, 5)); break; /* 1, 2, 3, 5 */
        case EBPF_FORM_LDABS: in->imm = (int32_t)tu_below(rng, MEM_LEN + 8); break;
        case EBPF_FORM_LDIND: in->imm = (int32_t)tu_below(rng, 16); break;
        default: break;
        }
        if (R->form == EBPF_FORM_CALL && in->imm == 4)
            in->imm = 5;
        switch (R->key) {
        case EBPF_KEY_OFF: in->off = (int16_t)R->keyval; break;
        case EBPF_KEY_IMM: in->imm = R->keyval; break;
        case EBPF_KEY_SRC: in->src = (uint8_t)R->keyval; break;
        default: break;
        }
        if (ebpf_row_is_wide(row)) {
            memset(&p[i + 1], 0, sizeof(p[i + 1]));
            p[i + 1].imm = (int32_t)tu_rand32(rng);
            i += 2;
        } else {
            i++;
        }
    }
    p[n - 1] = (struct ebpf_insn){.code = 0x95};
    start[n - 1] = true;
    /* now that every slot is known, aim the jumps at instruction starts */
    size_t starts[MAX_SLOTS], ns = 0;
    for (size_t k = 0; k < n; k++)
        if (start[k])
            starts[ns++] = k;
    for (size_t k = 0; k < n; k++) {
        if (!start[k])
            continue;
        int row = ebpf_decode(&p[k]);
        int form = ebpf_isa[row].form;
        if (form != EBPF_FORM_JA && form != EBPF_FORM_JMP_IMM && form != EBPF_FORM_JMP_REG &&
            form != EBPF_FORM_JA32)
            continue;
        /* mostly forward, so many programs finish */
        size_t t = starts[tu_below(rng, (uint32_t)ns)];
        if (t <= k && tu_below(rng, 4))
            t = starts[ns - 1];
        int64_t rel = (int64_t)t - (int64_t)k - 1;
        if (form == EBPF_FORM_JA32)
            p[k].imm = (int32_t)rel;
        else
            p[k].off = (int16_t)rel;
    }
    return n;
}

static void test_wellformed_programs(void **state)
{
    (void)state;
    struct tu_rng rng = {0x5eed0002};
    struct counts c = {0};
    ebpf_vm *vm = fuzz_vm();
    struct ebpf_insn prog[MAX_SLOTS];
    for (int k = 0; k < N_WELLFORMED; k++) {
        size_t n = gen_wellformed(&rng, prog, MAX_SLOTS);
        c.programs++;
        ebpf_prog *p = NULL;
        char err[EBPF_ERR_LEN] = "";
        int rc = ebpf_prog_load(vm, prog, n, &p, err, sizeof(err));
        if (rc < 0) {
            print_error("well-formed program rejected: %s\n", err);
            for (size_t i = 0; i < n; i++) {
                char t[128];
                ebpf_disasm_insn(prog, n, i, t, sizeof(t));
                print_error("  %3zu: %s\n", i, t);
            }
            fail();
        }
        c.loaded++;
        ebpf_prog_destroy(p);
        run_both(prog, n, &c, &rng);
        round_trip(prog, n, &c);
    }
    ebpf_vm_destroy(vm);
    printf("  well-formed: %u programs, %u loaded; %u exited, %u faulted:", c.programs, c.loaded,
           c.exited, c.faulted);
    for (int k = 1; k < EBPF_FAULT_COUNT; k++)
        printf(" %s %u", ebpf_fault_names[k], c.kinds[k]);
    printf("\n  %u round-tripped through text\n", c.round_tripped);
    assert_int_equal(c.loaded, N_WELLFORMED);
    assert_int_equal(c.exited + c.faulted, N_WELLFORMED);
    assert_int_equal(c.round_tripped, N_WELLFORMED);
    assert_true(c.exited >= N_WELLFORMED / 10);
}

/* Conformance programs with one random slot mutated: near-valid inputs. */
static void test_mutated_conformance(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/conformance/assembled.tsv", tu_shared_dir());
    char *text = tu_read_file(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    struct tu_rng rng = {0x5eed0003};
    struct counts c = {0};
    ebpf_vm *vm = fuzz_vm();
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *hex = strrchr(line, '\t');
        assert_non_null(hex);
        struct ebpf_insn prog[256];
        size_t n = 0;
        for (char *p = hex + 1; *p && n < 256;) {
            uint8_t *b = (uint8_t *)&prog[n++];
            for (int k = 0; k < 8; k++) {
                unsigned v;
                assert_int_equal(sscanf(p + 2 * k, "%2x", &v), 1);
                b[k] = (uint8_t)v;
            }
            p += 16;
            while (*p == ' ')
                p++;
        }
        for (int m = 0; m < 20; m++) {
            struct ebpf_insn mut[256];
            memcpy(mut, prog, n * sizeof(*prog));
            size_t at = tu_below(&rng, (uint32_t)n);
            uint8_t *b = (uint8_t *)&mut[at];
            switch (tu_below(&rng, 3)) {
            case 0: b[tu_below(&rng, 8)] ^= (uint8_t)(1u << tu_below(&rng, 8)); break;
            case 1: b[tu_below(&rng, 8)] = (uint8_t)tu_rand32(&rng); break;
            default: mut[at].off = (int16_t)(mut[at].off + (int16_t)tu_below(&rng, 5) - 2); break;
            }
            c.programs++;
            ebpf_prog *p = NULL;
            char err[EBPF_ERR_LEN] = "";
            int rc = ebpf_prog_load(vm, mut, n, &p, err, sizeof(err));
            if (rc < 0) {
                c.rejected++;
                check_rejection(rc, err, n, &c);
                continue;
            }
            c.loaded++;
            ebpf_prog_destroy(p);
            run_both(mut, n, &c, &rng);
            round_trip(mut, n, &c);
        }
    }
    free(text);
    ebpf_vm_destroy(vm);
    printf("  mutated conformance programs: %u, %u loaded (%u exited, %u faulted), %u rejected\n",
           c.programs, c.loaded, c.exited, c.faulted, c.rejected);
    assert_int_equal(c.programs, 313 * 20);
    assert_int_equal(c.loaded + c.rejected, c.programs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_wellformed_programs),
        cmocka_unit_test(test_mutated_conformance),
    };
    return cmocka_run_group_tests_name("fuzz", tests, NULL, NULL);
}
