/* Load-time checks (a strict loader, not the kernel verifier's data-flow
 * analysis) and pre-decoding.  Every rejection names the instruction index. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

static const char *const field_names[] = {"dst", "src", "off", "imm"};

static int check_fields(const struct ebpf_insn *in, int row, size_t i, char *err, size_t errlen)
{
    unsigned used = ebpf_row_fields(row);
    const int32_t values[4] = {in->dst, in->src, in->off, in->imm};
    for (unsigned f = 0; f < 4; f++) {
        if (!(used & (1u << f)) && values[f] != 0)
            return ebpf_errf(err, errlen, -EINVAL,
                             "insn %zu: '%s' has a non-zero reserved field %s (%" PRId32 ")", i,
                             ebpf_isa[row].mnemonic, field_names[f], values[f]);
    }
    if ((used & EBPF_FIELD_DST) && in->dst > 10)
        return ebpf_errf(err, errlen, -EINVAL, "insn %zu: invalid register r%u", i, in->dst);
    if ((used & EBPF_FIELD_SRC) && ebpf_isa[row].key != EBPF_KEY_SRC && in->src > 10)
        return ebpf_errf(err, errlen, -EINVAL, "insn %zu: invalid register r%u", i, in->src);
    return 0;
}

static int written_reg(const struct ebpf_insn *in, int row)
{
    switch (ebpf_isa[row].writes) {
    case EBPF_WRITES_DST: return in->dst;
    case EBPF_WRITES_SRC: return in->src;
    case EBPF_WRITES_R0: return 0;
    default: return -1;
    }
}

/* Jump / call target of instruction i; false if it has none. */
static bool branch_target(const struct ebpf_insn *in, int row, size_t i, int64_t *t)
{
    switch (ebpf_isa[row].form) {
    case EBPF_FORM_JA:
    case EBPF_FORM_JMP_IMM:
    case EBPF_FORM_JMP_REG: *t = (int64_t)i + 1 + in->off; return true;
    case EBPF_FORM_JA32:
    case EBPF_FORM_CALL_LOCAL:
    case EBPF_FORM_LDDW_FUNC: *t = (int64_t)i + 1 + in->imm; return true;
    default: return false;
    }
}

static bool ends_block(int row)
{
    return row == EBPF_ROW_EXIT || row == EBPF_ROW_JA || row == EBPF_ROW_JA32;
}

int ebpf_prog_load(ebpf_vm *vm, const struct ebpf_insn *insns, size_t n, ebpf_prog **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    if (n == 0)
        return ebpf_errf(err, errlen, -EINVAL, "program is empty");
    if (n > vm->cfg.max_insns)
        return ebpf_errf(err, errlen, -E2BIG, "program has %zu instructions, limit is %" PRIu32, n,
                         vm->cfg.max_insns);

    int rc = -ENOMEM;
    ebpf_prog *p = calloc(1, sizeof(*p));
    int16_t *rows = calloc(n, sizeof(*rows));
    uint8_t *is_func = calloc(n, 1);
    if (!p || !rows || !is_func)
        goto fail_nomem;
    p->n = n;
    p->insns = malloc(n * sizeof(*insns));
    p->code = calloc(n, sizeof(*p->code));
    if (!p->insns || !p->code)
        goto fail_nomem;
    memcpy(p->insns, insns, n * sizeof(*insns));
    p->version = 1;

    /* Pass 1: decode each slot, check its fields, mark lddw second halves. */
    rc = -EINVAL;
    for (size_t i = 0; i < n; i++) {
        const struct ebpf_insn *in = &insns[i];
        int row = ebpf_decode(in);
        if (row < 0) {
            ebpf_errf(err, errlen, -EINVAL, "insn %zu: unknown opcode 0x%02x", i, in->code);
            /* Say which field made a known opcode illegal. */
            for (int r = 0; r < EBPF_ROW_COUNT; r++) {
                if (ebpf_isa[r].opcode != in->code)
                    continue;
                static const char *const key_names[] = {"", "offset", "immediate", "source"};
                int32_t v = ebpf_isa[r].key == EBPF_KEY_OFF   ? in->off
                            : ebpf_isa[r].key == EBPF_KEY_IMM ? in->imm
                                                              : in->src;
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: opcode 0x%02x with %s %" PRId32 " is not a valid instruction", i,
                          in->code, key_names[ebpf_isa[r].key], v);
                break;
            }
            goto fail;
        }
        const struct ebpf_isa_row *R = &ebpf_isa[row];
        if ((rc = check_fields(in, row, i, err, errlen)) < 0)
            goto fail;
        rc = -EINVAL;
        int w = written_reg(in, row);
        if (w == 10) {
            ebpf_errf(err, errlen, -EINVAL, "insn %zu: '%s' writes r10, which is read-only", i,
                      R->mnemonic);
            goto fail;
        }
        if (R->version > vm->cfg.isa_version) {
            ebpf_errf(err, errlen, -EINVAL, "insn %zu: '%s' needs ISA v%u, the VM implements v%u", i,
                      R->mnemonic, R->version, vm->cfg.isa_version);
            goto fail;
        }
        if (!(vm->cfg.group_mask & (1u << R->group))) {
            ebpf_errf(err, errlen, -EINVAL,
                      "insn %zu: '%s' is in conformance group %s, which is not enabled", i,
                      R->mnemonic, ebpf_group_names[R->group]);
            goto fail;
        }
        if (R->version > p->version)
            p->version = R->version;
        p->groups |= 1u << R->group;
        if (R->form == EBPF_FORM_CALL) {
            if (in->imm < 0 || in->imm >= EBPF_MAX_HELPER_ID || !vm->helpers[in->imm].fn) {
                ebpf_errf(err, errlen, -EINVAL, "insn %zu: unknown helper id %" PRId32, i, in->imm);
                goto fail;
            }
        }
        rows[i] = (int16_t)row;
        if (ebpf_row_is_wide(row)) {
            if (i + 1 >= n) {
                ebpf_errf(err, errlen, -EINVAL, "insn %zu: lddw is missing its second slot", i);
                goto fail;
            }
            const struct ebpf_insn *hi = &insns[i + 1];
            if (hi->code || hi->dst || hi->src || hi->off) {
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: second slot of lddw must have code, registers and offset 0",
                          i + 1);
                goto fail;
            }
            if (hi->imm && (row == EBPF_ROW_LDDW_MAP_FD || row == EBPF_ROW_LDDW_MAP_IDX ||
                            row == EBPF_ROW_LDDW_FUNC)) {
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: second slot of lddw %s must have imm 0", i + 1,
                          ebpf_asm_pseudo_keyword(row));
                goto fail;
            }
            rows[++i] = -1; /* second half */
        }
    }

    /* Pass 2: branch targets, pseudo values, pre-decoding. */
    is_func[0] = 1;
    for (size_t i = 0; i < n; i++) {
        int row = rows[i];
        if (row < 0)
            continue;
        const struct ebpf_insn *in = &insns[i];
        struct ebpf_dinsn *d = &p->code[i];
        d->row = (uint16_t)row;
        d->dst = in->dst;
        d->src = in->src;
        d->imm = in->imm;
        d->u.off = in->off;
        int64_t t = 0;
        if (branch_target(in, row, i, &t)) {
            if (t < 0 || t >= (int64_t)n) {
                ebpf_errf(err, errlen, -EINVAL, "insn %zu: jump target %" PRId64 " is outside the program [0, %zu)",
                          i, t, n);
                goto fail;
            }
            if (rows[t] < 0) {
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: jump target %" PRId64 " is the second slot of lddw", i, t);
                goto fail;
            }
            d->u.target = (uint64_t)t;
            if (row == EBPF_ROW_CALL_LOCAL || row == EBPF_ROW_LDDW_FUNC)
                is_func[t] = 1;
        }
        if (ebpf_row_is_wide(row)) {
            int32_t hi_imm = insns[i + 1].imm;
            if (row == EBPF_ROW_LDDW) {
                d->u.imm64 = (uint64_t)(uint32_t)in->imm | ((uint64_t)(uint32_t)hi_imm << 32);
            } else if (row == EBPF_ROW_LDDW_FUNC) {
                d->u.imm64 = ebpf_addr(EBPF_REGION_CODE, (uint32_t)t);
            } else if (!vm->pseudo.fn) {
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: lddw refers to a map (src %u) but no maps are loaded", i,
                          in->src);
                goto fail;
            } else {
                char why[EBPF_ERR_LEN] = "";
                if (vm->pseudo.fn(vm->pseudo.user, row, in->imm, hi_imm, &d->u.imm64, why,
                                  sizeof(why)) < 0) {
                    ebpf_errf(err, errlen, -EINVAL, "insn %zu: %s", i, why);
                    goto fail;
                }
            }
        }
    }

    /* Pass 3: every function (main and each local-call target) must end in
     * exit or an unconditional jump, so no path falls off its end. */
    for (size_t i = 0; i < n; i++) {
        size_t next = i + 1;
        while (next < n && rows[next] < 0)
            next++;
        bool last_of_func = next >= n || is_func[next];
        if (rows[i] >= 0 && last_of_func && !ends_block(rows[i])) {
            if (next >= n)
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: program does not end with exit or jump (falls off the end)", i);
            else
                ebpf_errf(err, errlen, -EINVAL,
                          "insn %zu: function ending before insn %zu does not end with exit or jump",
                          i, next);
            goto fail;
        }
    }

    free(rows);
    free(is_func);
    *out = p;
    return 0;

fail_nomem:
    ebpf_errf(err, errlen, -ENOMEM, "out of memory loading %zu instructions", n);
fail:
    free(rows);
    free(is_func);
    ebpf_prog_destroy(p);
    return rc;
}
