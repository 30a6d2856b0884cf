/* Internals shared by the model's own files; not part of the public API. */
#ifndef EBPF_VM_INT_H
#define EBPF_VM_INT_H

#include <stdarg.h>

#include "ebpf.h"

#define EBPF_MAX_HELPER_ID 512
#define EBPF_MAX_REGIONS (1u << 16)
#define EBPF_STACK_TOTAL (EBPF_MAX_FRAMES * EBPF_STACK_SIZE)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct ebpf_region {
    uint8_t *host; /* host address of region offset 0 */
    uint32_t lo;   /* first valid offset */
    uint32_t hi;   /* one past the last valid offset */
    uint32_t perm; /* EBPF_MEM_READ | EBPF_MEM_WRITE, 0 when unmapped */
    const char *name;
};

/* A pre-decoded instruction: the executor never looks at encodings again. */
struct ebpf_dinsn {
    uint16_t row;
    uint8_t dst;
    uint8_t src;
    int32_t imm;
    union {
        int64_t off;     /* memory offset */
        uint64_t imm64;  /* lddw value, after pseudo resolution */
        uint64_t target; /* jump / local call target index */
    } u;
};

struct ebpf_prog {
    struct ebpf_insn *insns;
    struct ebpf_dinsn *code;
    size_t n;
    unsigned version;
    uint32_t groups;
};

struct ebpf_helper_slot {
    ebpf_helper_fn fn;
    const char *name;
};

/* Requests a helper leaves for the executor (tail call). */
struct ebpf_pending {
    const struct ebpf_prog *tail_call; /* non-NULL: continue in this program */
};

struct ebpf_vm {
    struct ebpf_vm_config cfg;
    struct ebpf_region *regions;
    uint32_t n_regions;
    struct ebpf_helper_slot helpers[EBPF_MAX_HELPER_ID];
    ebpf_retire_fn tracer;
    void *tracer_user;
    void *user;
    struct ebpf_pseudo_resolver {
        int (*fn)(void *user, int row, int32_t imm_lo, int32_t imm_hi, uint64_t *value,
                  char *err, size_t errlen);
        void *user;
    } pseudo;
    struct ebpf_ctx_ops ctx;
    struct ebpf_fault fault; /* set by a helper or a failed translation */
    struct ebpf_pending pending;
    uint32_t tail_calls;
    uint32_t cur_pc;
    uint32_t cur_depth;            /* frame of the helper call in progress */
    const struct ebpf_prog *cur_prog;
    uint64_t nested_insns;         /* instructions run by callbacks */
    uint8_t stack[EBPF_STACK_TOTAL] __attribute__((aligned(16)));
};

/* "No fault", without clearing the message buffer: the per-packet path
 * runs this for every packet, and a fault's fields are read only when its
 * kind is set (ebpf_vm_set_fault() fills all of them). */
static inline void ebpf_fault_clear(struct ebpf_fault *f)
{
    f->kind = EBPF_FAULT_NONE;
    f->write = f->size = 0;
    f->pc = f->region = 0;
    f->addr = 0;
    f->msg[0] = '\0';
}

void ebpf_vm_set_fault(ebpf_vm *vm, enum ebpf_fault_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ebpf_vm_mem_fault(ebpf_vm *vm, uint32_t pc, uint64_t addr, unsigned size, unsigned perm);
const char *ebpf_asm_pseudo_keyword(int row);
int ebpf_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
