/* Parser for bpf_conformance test files (see ../shared/conformance/FORMAT.md
 * for the layout; this follows the reference runner's rules). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

enum section { SEC_NONE, SEC_ASM, SEC_RESULT, SEC_MEM, SEC_RAW, SEC_IGNORE, SEC_ERROR };

struct strbuf {
    char *s;
    size_t len, cap;
};

static int sb_append(struct strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 2 > b->cap) {
        size_t cap = (b->len + n + 2) * 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -ENOMEM;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len++] = '\n';
    b->s[b->len] = 0;
    return 0;
}

static enum section header_kind(const char *line)
{
    /* Keyword by substring, in the reference runner's order. */
    if (strstr(line, "asm")) return SEC_ASM;
    if (strstr(line, "result")) return SEC_RESULT;
    if (strstr(line, "mem")) return SEC_MEM;
    if (strstr(line, "raw")) return SEC_RAW;
    if (strstr(line, "no register offset")) return SEC_IGNORE;
    if (strstr(line, " c")) return SEC_IGNORE;
    if (strstr(line, "error")) return SEC_ERROR;
    return SEC_NONE;
}

int ebpf_parse_hex_bytes(const char *text, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    size_t cap = strlen(text) / 2 + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
    const char *p = text;
    size_t tok = 0;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t l = (size_t)(p - start);
        if (l >= 2 && start[0] == '0' && (start[1] == 'x' || start[1] == 'X'))
            start += 2, l -= 2;
        if (l == 0 || l % 2) {
            free(buf);
            return ebpf_errf(err, errlen, -EINVAL, "hex token %zu: '%.*s' is not a whole number of bytes",
                             tok, (int)(p - start), start);
        }
        for (size_t i = 0; i < l; i += 2) {
            if (!isxdigit((unsigned char)start[i]) || !isxdigit((unsigned char)start[i + 1])) {
                free(buf);
                return ebpf_errf(err, errlen, -EINVAL, "hex token %zu: '%.*s' is not hex", tok,
                                 (int)l, start);
            }
            char b[3] = {start[i], start[i + 1], 0};
            if (n == cap) {
                cap *= 2;
                uint8_t *nb = realloc(buf, cap);
                if (!nb) {
                    free(buf);
                    return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
                }
                buf = nb;
            }
            buf[n++] = (uint8_t)strtoul(b, NULL, 16);
        }
        tok++;
    }
    *out = buf;
    *len = n;
    return 0;
}

void ebpf_testcase_free(struct ebpf_testcase *tc)
{
    free(tc->asm_text);
    free(tc->raw);
    free(tc->mem);
    free(tc->error);
    memset(tc, 0, sizeof(*tc));
}

int ebpf_testcase_parse(const char *text, struct ebpf_testcase *tc, char *err, size_t errlen)
{
    memset(tc, 0, sizeof(*tc));
    struct strbuf sec[7] = {{0}};
    bool seen[7] = {false};
    char *copy = strdup(text);
    if (!copy)
        return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
    enum section cur = SEC_NONE;
    int lineno = 0, rc = 0;
    char last_result[128] = "";
    int result_line = 0;
    char *save;
    for (char *p = copy; p; p = save) {
        save = strchr(p, '\n');
        if (save)
            *save++ = 0;
        lineno++;
        char *cr;
        while ((cr = strchr(p, '\r')))
            memmove(cr, cr + 1, strlen(cr));
        char *hash = strchr(p, '#');
        if (hash)
            *hash = 0;
        char *line = p;
        while (isspace((unsigned char)*line))
            line++;
        size_t l = strlen(line);
        while (l && isspace((unsigned char)line[l - 1]))
            line[--l] = 0;
        if (!l)
            continue;
        if (strstr(line, "--")) {
            cur = header_kind(line);
            if (cur == SEC_NONE) {
                rc = ebpf_errf(err, errlen, -EINVAL, "line %d: unknown section header '%s'", lineno, line);
                goto out;
            }
            seen[cur] = true;
            continue;
        }
        if (cur == SEC_RESULT) {
            snprintf(last_result, sizeof(last_result), "%s", line);
            result_line = lineno;
        } else if (cur != SEC_NONE && cur != SEC_IGNORE) {
            if ((rc = sb_append(&sec[cur], line, l)) < 0) {
                ebpf_errf(err, errlen, rc, "out of memory");
                goto out;
            }
        }
    }
    if (!seen[SEC_ASM] && !seen[SEC_RAW]) {
        rc = ebpf_errf(err, errlen, -EINVAL, "no '-- asm' or '-- raw' section");
        goto out;
    }
    if (seen[SEC_ASM]) {
        tc->asm_text = sec[SEC_ASM].s ? sec[SEC_ASM].s : strdup("");
        sec[SEC_ASM].s = NULL;
    }
    if (seen[SEC_RESULT] && last_result[0]) {
        errno = 0;
        char *end;
        tc->result = strtoull(last_result, &end, strncmp(last_result, "0x", 2) ? 10 : 16);
        if (*last_result == '-') /* negative decimal results wrap to 64 bits */
            tc->result = (uint64_t)strtoll(last_result, &end, 10);
        if (errno || *end) {
            rc = ebpf_errf(err, errlen, -EINVAL, "line %d: bad result '%s'", result_line, last_result);
            goto out;
        }
        tc->has_result = true;
    }
    if (seen[SEC_MEM] && sec[SEC_MEM].s) {
        char why[EBPF_ERR_LEN];
        if ((rc = ebpf_parse_hex_bytes(sec[SEC_MEM].s, &tc->mem, &tc->mem_len, why, sizeof(why))) < 0) {
            ebpf_errf(err, errlen, rc, "'-- mem' section: %s", why);
            goto out;
        }
    }
    if (seen[SEC_RAW] && sec[SEC_RAW].s) {
        size_t cap = 16;
        tc->raw = malloc(cap * sizeof(*tc->raw));
        char *tokp = sec[SEC_RAW].s, *tok;
        while (tc->raw && (tok = strtok_r(tokp, " \t\n", &tokp))) {
            char *end;
            errno = 0;
            uint64_t w = strtoull(tok, &end, 16);
            if (errno || *end) {
                rc = ebpf_errf(err, errlen, -EINVAL, "'-- raw' section: bad word '%s'", tok);
                goto out;
            }
            if (tc->n_raw == cap) {
                cap *= 2;
                struct ebpf_insn *r = realloc(tc->raw, cap * sizeof(*r));
                if (!r)
                    break;
                tc->raw = r;
            }
            memcpy(&tc->raw[tc->n_raw++], &w, sizeof(w));
        }
        if (!tc->raw) {
            rc = ebpf_errf(err, errlen, -ENOMEM, "out of memory");
            goto out;
        }
    }
    if (seen[SEC_ERROR]) {
        char *e = sec[SEC_ERROR].s ? sec[SEC_ERROR].s : strdup("");
        sec[SEC_ERROR].s = NULL;
        size_t el = strlen(e);
        while (el && isspace((unsigned char)e[el - 1]))
            e[--el] = 0;
        tc->error = e;
    }
out:
    for (int i = 0; i < 7; i++)
        free(sec[i].s);
    free(copy);
    if (rc < 0)
        ebpf_testcase_free(tc);
    return rc;
}

int ebpf_testcase_program(const struct ebpf_testcase *tc, struct ebpf_insn **insns, size_t *n,
                          char *err, size_t errlen)
{
    if (tc->raw) {
        *insns = malloc(tc->n_raw * sizeof(**insns));
        if (!*insns)
            return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
        memcpy(*insns, tc->raw, tc->n_raw * sizeof(**insns));
        *n = tc->n_raw;
        return 0;
    }
    return ebpf_asm(tc->asm_text ? tc->asm_text : "", insns, n, err, errlen);
}
