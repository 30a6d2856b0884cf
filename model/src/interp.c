/* Interpreter entry points.  The loop itself lives in interp_loop.h and is
 * compiled twice: without tracing (the fast path) and with retire records. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vm_int.h"

struct frame {
    const struct ebpf_dinsn *ret;
    uint64_t saved[4]; /* r6..r9 */
    uint64_t fp;       /* caller's r10 */
};

static inline __attribute__((always_inline)) void *
xlate(const struct ebpf_region *regions, uint32_t n_regions, uint64_t addr, unsigned size,
      unsigned perm)
{
    uint64_t id = addr >> 32;
    if (unlikely(id >= n_regions))
        return NULL;
    const struct ebpf_region *r = &regions[id];
    uint32_t off = (uint32_t)addr;
    if (unlikely((r->perm & perm) != perm || off < r->lo || (uint64_t)off + size > r->hi))
        return NULL;
    return r->host + off;
}

/* Slow path of loads/stores that missed every plain region: the context. */
static int ctx_load(ebpf_vm *vm, uint64_t addr, unsigned size, uint64_t *value)
{
    if ((addr >> 32) != EBPF_REGION_CTX || !vm->ctx.load)
        return -EFAULT;
    return vm->ctx.load(vm->ctx.user, (uint32_t)addr, size, value);
}

static int ctx_store(ebpf_vm *vm, uint64_t addr, unsigned size, uint64_t value)
{
    if ((addr >> 32) != EBPF_REGION_CTX || !vm->ctx.store)
        return -EFAULT;
    return vm->ctx.store(vm->ctx.user, (uint32_t)addr, size, value);
}

/* Signed division as the kernel defines it: x / 0 = 0, x % 0 = x, and
 * INT_MIN / -1 wraps (no trap). 32-bit forms zero-extend their result. */
static inline uint64_t sdiv64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return 0;
    if ((int64_t)b == -1)
        return -a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t smod64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if ((int64_t)b == -1)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint64_t sdiv32(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)(uint32_t)a, y = (int32_t)(uint32_t)b;
    if (y == 0)
        return 0;
    if (y == -1)
        return (uint32_t)(-(uint32_t)x);
    return (uint32_t)(x / y);
}

static inline uint64_t smod32(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)(uint32_t)a, y = (int32_t)(uint32_t)b;
    if (y == 0)
        return (uint32_t)x;
    if (y == -1)
        return 0;
    return (uint32_t)(x % y);
}

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* What a retire record needs of its row, one byte per row (the tracer
 * asks for every instruction): the register-write selector, and whether
 * the row is an lddw. */
static const uint8_t row_trace[EBPF_ROW_COUNT] = {
#define EBPF_ISA(ID, OPC, KEY, KV, MN, FORM, VER, GROUP, TCLASS, WRITES) \
    [EBPF_ROW_##ID] = EBPF_WRITES_##WRITES | ((OPC) == 0x18 ? 4 : 0),
#include "../isa.def"
#undef EBPF_ISA
};

static inline int retire_wreg(const struct ebpf_retire *rec)
{
    switch (row_trace[rec->row] & 3) {
    case EBPF_WRITES_DST: return rec->insn.dst;
    case EBPF_WRITES_SRC: return rec->insn.src;
    case EBPF_WRITES_R0: return 0;
    default: return -1;
    }
}

#define INTERP_NAME run_fast
#define INTERP_TRACE 0
#include "interp_loop.h"
#undef INTERP_NAME
#undef INTERP_TRACE

#define INTERP_NAME run_traced
#define INTERP_TRACE 1
#include "interp_loop.h"
#undef INTERP_NAME
#undef INTERP_TRACE

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

int ebpf_vm_run(ebpf_vm *vm, const ebpf_prog *prog, uint64_t r1, uint64_t r2,
                struct ebpf_run_result *res)
{
    ebpf_fault_clear(&vm->fault);
    vm->pending.tail_call = NULL;
    vm->tail_calls = 0;
    vm->nested_insns = 0;
    const uint64_t args[5] = {r1, r2, 0, 0, 0};
    int rc = vm->tracer ? run_traced(vm, prog, 0, 0, args, res) : run_fast(vm, prog, 0, 0, args, res);
    res->insns += vm->nested_insns;
    return rc;
}

int ebpf_vm_callback(ebpf_vm *vm, uint64_t fn, const uint64_t args[5], uint64_t *r0)
{
    const struct ebpf_prog *prog = vm->cur_prog;
    if ((fn >> 32) != EBPF_REGION_CODE || !prog || (uint32_t)fn >= prog->n) {
        ebpf_vm_helper_fault(vm, "callback 0x%" PRIx64 " is not a function of the program", fn);
        return -EINVAL;
    }
    unsigned depth = vm->cur_depth + 1;
    if (depth >= EBPF_MAX_FRAMES) {
        ebpf_vm_set_fault(vm, EBPF_FAULT_CALL_DEPTH, "callback would exceed %d frames",
                          EBPF_MAX_FRAMES);
        return -E2BIG;
    }
    /* the caller's stack window and position are restored afterwards */
    uint32_t lo = vm->regions[EBPF_REGION_STACK].lo, pc = vm->cur_pc, caller_depth = vm->cur_depth;
    struct ebpf_run_result res;
    int rc = vm->tracer ? run_traced(vm, prog, (uint32_t)fn, depth, args, &res)
                        : run_fast(vm, prog, (uint32_t)fn, depth, args, &res);
    vm->regions[EBPF_REGION_STACK].lo = lo;
    vm->cur_pc = pc;
    vm->cur_depth = caller_depth;
    vm->cur_prog = prog;
    vm->nested_insns += res.insns;
    *r0 = res.r0;
    return rc;
}

int ebpf_vm_run_mem(ebpf_vm *vm, const ebpf_prog *prog, void *mem, size_t len,
                    struct ebpf_run_result *res)
{
    if (len > UINT32_MAX)
        return -E2BIG;
    uint64_t r1 = 0;
    if (len) {
        ebpf_vm_map_region(vm, EBPF_REGION_MEM, mem, 0, (uint32_t)len,
                           EBPF_MEM_READ | EBPF_MEM_WRITE, "mem");
        r1 = ebpf_addr(EBPF_REGION_MEM, 0);
    } else {
        ebpf_vm_unmap_region(vm, EBPF_REGION_MEM);
    }
    int rc = ebpf_vm_run(vm, prog, r1, len, res);
    ebpf_vm_unmap_region(vm, EBPF_REGION_MEM);
    return rc;
}
