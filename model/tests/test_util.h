/*
 * Shared helpers for the model's cmocka tests: assemble-load-run shortcuts,
 * file reading, a deterministic PRNG, and a "check many cases, report every
 * mismatch, then fail once" pattern for table-driven tests.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ebpf.h"

/* ------------------------------------------------------------------ misc */

static inline const char *tu_shared_dir(void)
{
    const char *s = getenv("SHARED_DIR");
    return s && *s ? s : "../shared";
}

/* Whole file as a NUL-terminated string (NULL if it cannot be read). */
static inline char *tu_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[len] = 0;
    if (len_out)
        *len_out = len;
    return buf;
}

/* splitmix64: deterministic on every platform. */
struct tu_rng {
    uint64_t s;
};

static inline uint64_t tu_rand64(struct tu_rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint32_t tu_rand32(struct tu_rng *r) { return (uint32_t)(tu_rand64(r) >> 32); }

/* Uniform in [0, n). */
static inline uint32_t tu_below(struct tu_rng *r, uint32_t n)
{
    return n ? (uint32_t)(((tu_rand64(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

static inline int tu_insn_eq(const struct ebpf_insn *a, const struct ebpf_insn *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

static inline void tu_insn_hex(const struct ebpf_insn *in, char out[17])
{
    const uint8_t *b = (const uint8_t *)in;
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ------------------------------------------------- assemble / load / run */

/* Assemble text or fail the test with the assembler's message. */
static inline struct ebpf_insn *tu_asm(const char *text, size_t *n)
{
    struct ebpf_insn *insns = NULL;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_asm(text, &insns, n, err, sizeof(err));
    if (rc < 0) {
        print_error("assembling failed: %s\n--- program ---\n%s\n", err, text);
        fail();
    }
    return insns;
}

/* Assemble and load into vm, or fail the test. */
static inline ebpf_prog *tu_load(ebpf_vm *vm, const char *text)
{
    size_t n;
    struct ebpf_insn *insns = tu_asm(text, &n);
    ebpf_prog *prog = NULL;
    char err[EBPF_ERR_LEN] = "";
    int rc = ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err));
    free(insns);
    if (rc < 0) {
        print_error("loading failed: %s\n--- program ---\n%s\n", err, text);
        fail();
    }
    return prog;
}

/* A VM with the default configuration and the conformance helpers. */
static inline ebpf_vm *tu_vm(void)
{
    ebpf_vm *vm = ebpf_vm_create(NULL);
    assert_non_null(vm);
    ebpf_vm_register_conformance_helpers(vm);
    return vm;
}

/* Assemble, load and run text on vm over mem; returns ebpf_vm_run_mem's rc. */
static inline int tu_run_on(ebpf_vm *vm, const char *text, void *mem, size_t len,
                            struct ebpf_run_result *res)
{
    ebpf_prog *prog = tu_load(vm, text);
    memset(res, 0xa5, sizeof(*res));
    int rc = ebpf_vm_run_mem(vm, prog, mem, len, res);
    ebpf_prog_destroy(prog);
    return rc;
}

/* Run on a fresh default VM; the program must exit cleanly. */
static inline struct ebpf_run_result tu_run_ok(const char *text, void *mem, size_t len)
{
    ebpf_vm *vm = tu_vm();
    struct ebpf_run_result res;
    int rc = tu_run_on(vm, text, mem, len, &res);
    ebpf_vm_destroy(vm);
    if (rc != 0 || res.fault.kind != EBPF_FAULT_NONE) {
        char buf[256];
        ebpf_fault_format(&res.fault, buf, sizeof(buf));
        print_error("run failed (rc %d): %s\n--- program ---\n%s\n", rc, buf, text);
        fail();
    }
    return res;
}

static inline uint64_t tu_r0(const char *text) { return tu_run_ok(text, NULL, 0).r0; }

static inline uint64_t tu_r0_mem(const char *text, void *mem, size_t len)
{
    return tu_run_ok(text, mem, len).r0;
}

/* printf-style program text into a static buffer. */
static inline const char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *tu_fmt(const char *fmt, ...)
{
    static char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return buf;
}

/* --------------------------------------------- table-driven expectations */

/* One program, one expected r0, one expected instruction count (0: any). */
struct tu_case {
    const char *name;
    const char *text;
    uint64_t r0;
    uint64_t insns;
};

/* Run every case, print each mismatch, fail once at the end. */
static inline void tu_check_cases(const struct tu_case *cases, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        const struct tu_case *c = &cases[i];
        ebpf_vm *vm = tu_vm();
        struct ebpf_run_result res;
        int rc = tu_run_on(vm, c->text, NULL, 0, &res);
        ebpf_vm_destroy(vm);
        if (rc != 0) {
            char buf[256];
            ebpf_fault_format(&res.fault, buf, sizeof(buf));
            print_error("case %s: run failed: %s\n", c->name, buf);
            bad++;
            continue;
        }
        if (res.r0 != c->r0) {
            print_error("case %s: r0 = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", c->name, res.r0,
                        c->r0);
            bad++;
        }
        if (c->insns && res.insns != c->insns) {
            print_error("case %s: %" PRIu64 " instructions retired, expected %" PRIu64 "\n",
                        c->name, res.insns, c->insns);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

#define TU_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
