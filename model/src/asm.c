/* Assembler for the bpf_conformance / uBPF text dialect, driven by the ISA
 * table: a mnemonic selects candidate rows, the operand shapes pick one. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

enum opnd_kind { OPND_REG, OPND_IMM, OPND_MEM, OPND_LABEL, OPND_REL, OPND_PSEUDO };

struct opnd {
    enum opnd_kind kind;
    int reg;          /* REG, MEM */
    int64_t value;    /* IMM, REL (slot delta), MEM offset, PSEUDO first argument */
    uint64_t uvalue;  /* IMM as unsigned (for 64-bit immediates) */
    int64_t value2;   /* PSEUDO second argument */
    int n_args;       /* PSEUDO argument count */
    char name[64];    /* LABEL, PSEUDO keyword */
    struct opnd *inner; /* PSEUDO func(label) */
};

struct label {
    char name[64];
    size_t slot;
};

struct asm_state {
    struct label *labels;
    size_t n_labels, cap_labels;
    char *err;
    size_t errlen;
    int line;
};

static int fail(struct asm_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct asm_state *st, const char *fmt, ...)
{
    char msg[EBPF_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ebpf_errf(st->err, st->errlen, -EINVAL, "line %d: %s", st->line, msg);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static bool is_ident(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_' && *s != '.')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
            return false;
    return true;
}

/* Parse a number: decimal or 0x hex, optional sign.  Stores the 64-bit
 * two's-complement pattern; fails on garbage or overflow. */
static bool parse_number(const char *s, int64_t *out, uint64_t *uout)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    if (neg && v > (1ull << 63))
        return false;
    uint64_t u = neg ? (uint64_t)0 - v : v;
    *out = (int64_t)u;
    *uout = u;
    return true;
}

static bool parse_reg(const char *s, int *reg)
{
    if (*s == '%')
        s++;
    if (s[0] != 'r' || !isdigit((unsigned char)s[1]))
        return false;
    char *end;
    long v = strtol(s + 1, &end, 10);
    if (*end || v < 0 || v > 10)
        return false;
    *reg = (int)v;
    return true;
}

static int parse_operand(struct asm_state *st, char *text, struct opnd *o)
{
    memset(o, 0, sizeof(*o));
    char *s = trim(text);
    if (!*s)
        return fail(st, "empty operand");
    if (*s == '[') {
        char whole[128];
        snprintf(whole, sizeof(whole), "%s", s); /* for messages: s is cut below */
        char *close = strchr(s, ']');
        if (!close || close[1])
            return fail(st, "bad memory operand '%s'", whole);
        *close = 0;
        char *inner = trim(s + 1);
        char *sign = inner + strcspn(inner, "+-");
        int64_t off = 0;
        uint64_t u;
        if (*sign) {
            char c = *sign;
            *sign = 0;
            char *num = trim(sign + 1);
            if (!isdigit((unsigned char)*num) || !parse_number(num, &off, &u) || off < 0)
                return fail(st, "bad offset in memory operand '%s'", whole);
            if (c == '-')
                off = -off;
        }
        if (!parse_reg(trim(inner), &o->reg))
            return fail(st, "bad register '%s' in memory operand '%s'", trim(inner), whole);
        o->kind = OPND_MEM;
        o->value = off;
        return 0;
    }
    if (*s == '%' || (s[0] == 'r' && isdigit((unsigned char)s[1]) && parse_reg(s, &o->reg))) {
        if (!parse_reg(s, &o->reg))
            return fail(st, "bad register '%s'", s);
        o->kind = OPND_REG;
        return 0;
    }
    if ((*s == '+' || *s == '-') && parse_number(s, &o->value, &o->uvalue)) {
        o->kind = OPND_REL; /* also a valid immediate; the form decides */
        return 0;
    }
    if (parse_number(s, &o->value, &o->uvalue)) {
        o->kind = OPND_IMM;
        return 0;
    }
    char *paren = strchr(s, '(');
    size_t slen = strlen(s);
    if (paren && s[slen - 1] == ')') {
        s[slen - 1] = 0;
        *paren = 0;
        char *args = paren + 1;
        o->kind = OPND_PSEUDO;
        snprintf(o->name, sizeof(o->name), "%s", trim(s));
        char *comma = strchr(args, ',');
        if (comma)
            *comma = 0;
        uint64_t u;
        char *a1 = trim(args);
        if (!strcmp(o->name, "func")) {
            /* func(label) or func(+N) */
            if (parse_number(a1, &o->value, &u))
                o->n_args = -1; /* relative */
            else if (is_ident(a1))
                snprintf(o->name + 32, 32, "%.31s", a1), o->n_args = -2;
            else
                return fail(st, "bad func() operand '%s'", a1);
            return 0;
        }
        if (!parse_number(a1, &o->value, &u))
            return fail(st, "bad pseudo operand argument '%s'", a1);
        o->n_args = 1;
        if (comma) {
            if (!parse_number(trim(comma + 1), &o->value2, &u))
                return fail(st, "bad pseudo operand argument '%s'", trim(comma + 1));
            o->n_args = 2;
        }
        return 0;
    }
    if (is_ident(s)) {
        o->kind = OPND_LABEL;
        if (strlen(s) >= sizeof(o->name))
            return fail(st, "label '%s' is too long", s);
        snprintf(o->name, sizeof(o->name), "%s", s);
        return 0;
    }
    return fail(st, "cannot parse operand '%s'", s);
}

/* Split operands at top-level commas (not inside [] or ()). */
static int split_operands(char *s, char **parts, int max)
{
    int n = 0, depth = 0;
    if (!*trim(s))
        return 0;
    parts[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p == '[' || *p == '(')
            depth++;
        else if (*p == ']' || *p == ')')
            depth--;
        else if (*p == ',' && depth == 0) {
            *p = 0;
            if (n == max)
                return -1;
            parts[n++] = p + 1;
        }
    }
    return n;
}

static const char *canonical_mnemonic(const char *m, char *buf, size_t len)
{
    /* swapNN is bpf_conformance's synonym for bswapNN */
    if (!strncmp(m, "swap", 4)) {
        snprintf(buf, len, "b%.90s", m);
        return buf;
    }
    return m;
}

static bool mnemonic_known(const char *m)
{
    for (int r = 0; r < EBPF_ROW_COUNT; r++)
        if (!strcmp(ebpf_isa[r].mnemonic, m))
            return true;
    return false;
}

/* "add64" style aliases for ALU64 rows. */
static bool alias64(const char *m, char *buf, size_t len)
{
    size_t l = strlen(m);
    if (l < 3 || strcmp(m + l - 2, "64"))
        return false;
    snprintf(buf, len, "%.*s", (int)(l - 2), m);
    for (int r = 0; r < EBPF_ROW_COUNT; r++)
        if (!strcmp(ebpf_isa[r].mnemonic, buf) && (ebpf_isa[r].opcode & 7) == 7)
            return true;
    return false;
}

/* Split "lock fetch add32 [%r1], %r2" into mnemonic and operand text. */
static bool split_mnemonic(char *line, char *mn, size_t mnlen, char **rest)
{
    char words[3][32];
    char *ends[3];
    int nw = 0;
    char *p = line;
    while (nw < 3) {
        while (isspace((unsigned char)*p))
            p++;
        char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',')
            p++;
        if (p == start || (size_t)(p - start) >= sizeof(words[0]))
            break;
        snprintf(words[nw], sizeof(words[nw]), "%.*s", (int)(p - start), start);
        ends[nw++] = p;
    }
    for (int k = nw; k >= 1; k--) {
        char cand[100] = "", canon[100], al[100];
        for (int i = 0; i < k; i++) {
            if (i)
                strcat(cand, " ");
            strcat(cand, words[i]);
        }
        const char *c = canonical_mnemonic(cand, canon, sizeof(canon));
        if (mnemonic_known(c)) {
            snprintf(mn, mnlen, "%.63s", c);
            *rest = ends[k - 1];
            return true;
        }
        if (alias64(c, al, sizeof(al))) {
            snprintf(mn, mnlen, "%.63s", al);
            *rest = ends[k - 1];
            return true;
        }
    }
    /* name the whole "lock ..." phrase, not just "lock" */
    mn[0] = 0;
    int take = nw && !strcmp(words[0], "lock") ? nw : nw ? 1 : 0;
    for (int i = 0; i < take && (i == 0 || is_ident(words[i])); i++)
        snprintf(mn + strlen(mn), mnlen - strlen(mn), "%s%s", i ? " " : "", words[i]);
    return false;
}

static bool shape_matches(unsigned form, const struct opnd *o, int n)
{
#define K(i) (o[i].kind)
#define IS_IMM(i) (K(i) == OPND_IMM || K(i) == OPND_REL)
#define IS_TGT(i) (K(i) == OPND_LABEL || K(i) == OPND_REL || K(i) == OPND_IMM)
    switch (form) {
    case EBPF_FORM_ALU_IMM: return n == 2 && K(0) == OPND_REG && IS_IMM(1);
    case EBPF_FORM_ALU_REG: return n == 2 && K(0) == OPND_REG && K(1) == OPND_REG;
    case EBPF_FORM_ALU_UNARY:
    case EBPF_FORM_ENDIAN:
    case EBPF_FORM_CALLX: return n == 1 && K(0) == OPND_REG;
    case EBPF_FORM_JA:
    case EBPF_FORM_JA32:
    case EBPF_FORM_CALL_LOCAL: return n == 1 && IS_TGT(0);
    case EBPF_FORM_JMP_IMM: return n == 3 && K(0) == OPND_REG && IS_IMM(1) && IS_TGT(2);
    case EBPF_FORM_JMP_REG: return n == 3 && K(0) == OPND_REG && K(1) == OPND_REG && IS_TGT(2);
    case EBPF_FORM_CALL:
    case EBPF_FORM_LDABS: return n == 1 && IS_IMM(0);
    case EBPF_FORM_EXIT: return n == 0;
    case EBPF_FORM_LDDW: return n == 2 && K(0) == OPND_REG && IS_IMM(1);
    case EBPF_FORM_LDDW_MAP:
    case EBPF_FORM_LDDW_MAP_VALUE:
    case EBPF_FORM_LDDW_FUNC: return n == 2 && K(0) == OPND_REG && K(1) == OPND_PSEUDO;
    case EBPF_FORM_LDIND: return n == 2 && K(0) == OPND_REG && IS_IMM(1);
    case EBPF_FORM_LDX: return n == 2 && K(0) == OPND_REG && K(1) == OPND_MEM;
    case EBPF_FORM_ST: return n == 2 && K(0) == OPND_MEM && IS_IMM(1);
    case EBPF_FORM_STX:
    case EBPF_FORM_ATOMIC: return n == 2 && K(0) == OPND_MEM && K(1) == OPND_REG;
    default: return false;
    }
#undef K
#undef IS_IMM
#undef IS_TGT
}

/* Pseudo lddw rows are told apart by the operand keyword. */
static const char *pseudo_keyword(int row)
{
    switch (row) {
    case EBPF_ROW_LDDW_MAP_FD: return "map_fd";
    case EBPF_ROW_LDDW_MAP_VALUE: return "map_value";
    case EBPF_ROW_LDDW_FUNC: return "func";
    case EBPF_ROW_LDDW_MAP_IDX: return "map_idx";
    case EBPF_ROW_LDDW_MAP_IDX_VALUE: return "map_idx_value";
    default: return NULL;
    }
}

const char *ebpf_asm_pseudo_keyword(int row) { return pseudo_keyword(row); }

static bool label_lookup(const struct asm_state *st, const char *name, size_t *slot)
{
    for (size_t i = 0; i < st->n_labels; i++)
        if (!strcmp(st->labels[i].name, name)) {
            *slot = st->labels[i].slot;
            return true;
        }
    return false;
}

static int add_label(struct asm_state *st, const char *name, size_t slot)
{
    size_t dummy;
    if (label_lookup(st, name, &dummy))
        return fail(st, "label '%s' defined twice", name);
    if (strlen(name) >= sizeof(st->labels[0].name))
        return fail(st, "label '%s' is too long", name);
    if (st->n_labels == st->cap_labels) {
        size_t cap = st->cap_labels ? st->cap_labels * 2 : 16;
        struct label *l = realloc(st->labels, cap * sizeof(*l));
        if (!l)
            return ebpf_errf(st->err, st->errlen, -ENOMEM, "out of memory");
        st->labels = l;
        st->cap_labels = cap;
    }
    snprintf(st->labels[st->n_labels].name, sizeof(st->labels[0].name), "%s", name);
    st->labels[st->n_labels++].slot = slot;
    return 0;
}

static bool fits_s16(int64_t v) { return v >= INT16_MIN && v <= INT16_MAX; }
static bool fits_imm32(int64_t v) { return v >= INT32_MIN && v <= (int64_t)UINT32_MAX; }

/* Relative slot offset to a target operand from the instruction at slot. */
static int target_offset(struct asm_state *st, const struct opnd *o, size_t slot, int64_t *off)
{
    if (o->kind == OPND_LABEL) {
        size_t t;
        if (!label_lookup(st, o->name, &t))
            return fail(st, "unknown label '%s'", o->name);
        *off = (int64_t)t - (int64_t)slot - 1;
    } else {
        *off = o->value;
    }
    return 0;
}

static int encode(struct asm_state *st, int row, struct opnd *o, size_t slot,
                  struct ebpf_insn out[2])
{
    const struct ebpf_isa_row *R = &ebpf_isa[row];
    struct ebpf_insn *in = &out[0];
    memset(out, 0, 2 * sizeof(*out));
    in->code = R->opcode;
    int64_t v = 0;
    switch (R->form) {
    case EBPF_FORM_ALU_IMM:
    case EBPF_FORM_LDIND:
        in->dst = (uint8_t)(R->form == EBPF_FORM_LDIND ? 0 : o[0].reg);
        in->src = (uint8_t)(R->form == EBPF_FORM_LDIND ? o[0].reg : 0);
        if (!fits_imm32(o[1].value))
            return fail(st, "immediate %" PRId64 " does not fit in 32 bits", o[1].value);
        in->imm = (int32_t)(uint32_t)o[1].uvalue;
        break;
    case EBPF_FORM_ALU_REG:
        in->dst = (uint8_t)o[0].reg;
        in->src = (uint8_t)o[1].reg;
        break;
    case EBPF_FORM_ALU_UNARY:
    case EBPF_FORM_ENDIAN:
    case EBPF_FORM_CALLX: in->dst = (uint8_t)o[0].reg; break;
    case EBPF_FORM_JA:
        if (target_offset(st, &o[0], slot, &v) < 0)
            return -EINVAL;
        if (!fits_s16(v))
            return fail(st, "jump offset %" PRId64 " out of 16-bit range", v);
        in->off = (int16_t)v;
        break;
    case EBPF_FORM_JA32:
    case EBPF_FORM_CALL_LOCAL:
        if (target_offset(st, &o[0], slot, &v) < 0)
            return -EINVAL;
        if (v < INT32_MIN || v > INT32_MAX)
            return fail(st, "offset %" PRId64 " out of 32-bit range", v);
        in->imm = (int32_t)v;
        break;
    case EBPF_FORM_JMP_IMM:
    case EBPF_FORM_JMP_REG:
        in->dst = (uint8_t)o[0].reg;
        if (R->form == EBPF_FORM_JMP_REG) {
            in->src = (uint8_t)o[1].reg;
        } else {
            if (!fits_imm32(o[1].value))
                return fail(st, "immediate does not fit in 32 bits");
            in->imm = (int32_t)(uint32_t)o[1].uvalue;
        }
        if (target_offset(st, &o[2], slot, &v) < 0)
            return -EINVAL;
        if (!fits_s16(v))
            return fail(st, "jump offset %" PRId64 " out of 16-bit range", v);
        in->off = (int16_t)v;
        break;
    case EBPF_FORM_CALL:
    case EBPF_FORM_LDABS:
        if (!fits_imm32(o[0].value))
            return fail(st, "immediate does not fit in 32 bits");
        in->imm = (int32_t)(uint32_t)o[0].uvalue;
        break;
    case EBPF_FORM_EXIT: break;
    case EBPF_FORM_LDDW:
        in->dst = (uint8_t)o[0].reg;
        in->imm = (int32_t)(uint32_t)o[1].uvalue;
        out[1].imm = (int32_t)(uint32_t)(o[1].uvalue >> 32);
        break;
    case EBPF_FORM_LDDW_MAP:
    case EBPF_FORM_LDDW_MAP_VALUE:
        in->dst = (uint8_t)o[0].reg;
        if (o[1].n_args != (R->form == EBPF_FORM_LDDW_MAP ? 1 : 2))
            return fail(st, "%s() takes a map number and, for values, an offset", o[1].name);
        in->imm = (int32_t)o[1].value;
        out[1].imm = (int32_t)o[1].value2;
        break;
    case EBPF_FORM_LDDW_FUNC:
        in->dst = (uint8_t)o[0].reg;
        if (o[1].n_args == -2) {
            struct opnd l = {.kind = OPND_LABEL};
            snprintf(l.name, sizeof(l.name), "%s", o[1].name + 32);
            if (target_offset(st, &l, slot, &v) < 0)
                return -EINVAL;
        } else {
            v = o[1].value;
        }
        in->imm = (int32_t)v;
        break;
    case EBPF_FORM_LDX:
        in->dst = (uint8_t)o[0].reg;
        in->src = (uint8_t)o[1].reg;
        if (!fits_s16(o[1].value))
            return fail(st, "memory offset out of 16-bit range");
        in->off = (int16_t)o[1].value;
        break;
    case EBPF_FORM_ST:
        in->dst = (uint8_t)o[0].reg;
        if (!fits_s16(o[0].value))
            return fail(st, "memory offset out of 16-bit range");
        in->off = (int16_t)o[0].value;
        if (!fits_imm32(o[1].value))
            return fail(st, "immediate does not fit in 32 bits");
        in->imm = (int32_t)(uint32_t)o[1].uvalue;
        break;
    case EBPF_FORM_STX:
    case EBPF_FORM_ATOMIC:
        in->dst = (uint8_t)o[0].reg;
        in->src = (uint8_t)o[1].reg;
        if (!fits_s16(o[0].value))
            return fail(st, "memory offset out of 16-bit range");
        in->off = (int16_t)o[0].value;
        break;
    }
    switch (R->key) {
    case EBPF_KEY_OFF: in->off = (int16_t)R->keyval; break;
    case EBPF_KEY_IMM: in->imm = R->keyval; break;
    case EBPF_KEY_SRC: in->src = (uint8_t)R->keyval; break;
    default: break;
    }
    return ebpf_row_is_wide(row) ? 2 : 1;
}

static int pick_row(struct asm_state *st, const char *mn, struct opnd *o, int n)
{
    bool known = false;
    for (int r = 0; r < EBPF_ROW_COUNT; r++) {
        if (strcmp(ebpf_isa[r].mnemonic, mn))
            continue;
        known = true;
        if (!shape_matches(ebpf_isa[r].form, o, n))
            continue;
        const char *kw = pseudo_keyword(r);
        if (kw && strcmp(kw, o[1].name))
            continue;
        return r;
    }
    return known ? fail(st, "operands do not fit '%s'", mn) : fail(st, "unknown mnemonic '%s'", mn);
}

/* Strip a comment and return the trimmed line (in place). */
static char *clean_line(char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    char *semi = strstr(line, "//");
    if (semi)
        *semi = 0;
    return trim(line);
}

/* If the line starts with "label:", cut it off and return the label. */
static char *take_label(char **line)
{
    char *s = *line;
    char *colon = strchr(s, ':');
    if (!colon)
        return NULL;
    *colon = 0;
    char *name = trim(s);
    if (!is_ident(name)) {
        *colon = ':';
        return NULL;
    }
    *line = trim(colon + 1);
    return name;
}

int ebpf_asm(const char *text, struct ebpf_insn **out, size_t *n_out, char *err, size_t errlen)
{
    struct asm_state st = {.err = err, .errlen = errlen};
    char *copy = strdup(text);
    struct ebpf_insn *code = NULL;
    size_t cap = 0, n = 0;
    int rc = -ENOMEM;
    *out = NULL;
    *n_out = 0;
    ebpf_errf(err, errlen, 0, "out of memory");
    if (!copy)
        goto done;

    /* Pass 1: labels and slot counts. */
    size_t slot = 0;
    bool have_exit_label = false;
    long first_exit = -1;
    char *save = NULL;
    st.line = 0;
    for (char *p = copy; p; p = save) {
        save = strchr(p, '\n');
        if (save)
            *save++ = 0;
        st.line++;
        char *line = clean_line(p);
        char *label = take_label(&line);
        if (label) {
            if ((rc = add_label(&st, label, slot)) < 0)
                goto done;
            if (!strcmp(label, "exit"))
                have_exit_label = true;
        }
        if (!*line)
            continue;
        char mn[64], *rest;
        split_mnemonic(line, mn, sizeof(mn), &rest);
        if (!strcmp(mn, "exit") && first_exit < 0)
            first_exit = (long)slot;
        slot += strcmp(mn, "lddw") ? 1 : 2;
    }
    /* The dialect defines an implicit label 'exit' at the first exit. */
    if (!have_exit_label && first_exit >= 0 && (rc = add_label(&st, "exit", (size_t)first_exit)) < 0)
        goto done;

    /* Pass 2: encode. */
    free(copy);
    copy = strdup(text);
    rc = -ENOMEM;
    if (!copy)
        goto done;
    st.line = 0;
    for (char *p = copy; p; p = save) {
        save = strchr(p, '\n');
        if (save)
            *save++ = 0;
        st.line++;
        char *line = clean_line(p);
        take_label(&line);
        if (!*line)
            continue;
        char mn[64], *rest;
        if (!split_mnemonic(line, mn, sizeof(mn), &rest)) {
            rc = fail(&st, "unknown mnemonic '%s'", mn);
            goto done;
        }
        char *parts[4];
        int np = split_operands(rest, parts, 4);
        if (np < 0) {
            rc = fail(&st, "too many operands");
            goto done;
        }
        struct opnd ops[4];
        for (int i = 0; i < np; i++)
            if ((rc = parse_operand(&st, parts[i], &ops[i])) < 0)
                goto done;
        int row = pick_row(&st, mn, ops, np);
        if (row < 0) {
            rc = row;
            goto done;
        }
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 64;
            struct ebpf_insn *c = realloc(code, cap * sizeof(*c));
            if (!c) {
                rc = ebpf_errf(err, errlen, -ENOMEM, "out of memory");
                goto done;
            }
            code = c;
        }
        int used = encode(&st, row, ops, n, &code[n]);
        if (used < 0) {
            rc = used;
            goto done;
        }
        n += (size_t)used;
    }
    if (n == 0) {
        rc = ebpf_errf(err, errlen, -EINVAL, "no instructions");
        goto done;
    }
    *out = code;
    *n_out = n;
    code = NULL;
    rc = 0;
done:
    free(copy);
    free(code);
    free(st.labels);
    return rc;
}
