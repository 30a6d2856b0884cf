/* See tb_model.h. */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

#include "runtime_int.h"
#include "tb_model.h"

uint64_t tbm_prog_imm64(const ebpf_prog *prog, size_t i)
{
    return i < prog->n ? prog->code[i].u.imm64 : 0;
}

const ebpf_prog *tbm_object_prog(const ebpf_object *obj, unsigned i)
{
    return i < obj->n_progs ? obj->progs[i].loaded : NULL;
}

void tbm_vm_region(const ebpf_vm *vm, uint32_t id, uint32_t *lo, uint32_t *hi, unsigned *perm)
{
    if (id >= vm->n_regions) {
        *lo = *hi = 0;
        *perm = 0;
        return;
    }
    *lo = vm->regions[id].lo;
    *hi = vm->regions[id].hi;
    *perm = vm->regions[id].perm;
}

uint32_t tbm_vm_region_count(const ebpf_vm *vm) { return vm->n_regions; }

uint8_t *tbm_vm_stack(ebpf_vm *vm) { return vm->stack; }

static void set_stack_window(ebpf_vm *vm, unsigned depth)
{
    vm->regions[EBPF_REGION_STACK].lo = (EBPF_MAX_FRAMES - depth - 1) * EBPF_STACK_SIZE;
}

void tbm_call_helper(ebpf_vm *vm, const ebpf_prog *prog, uint32_t pc, uint64_t id,
                     const uint64_t args[5], unsigned depth, bool callx, unsigned callx_reg,
                     struct tbm_helper_result *out)
{
    memset(out, 0, sizeof(*out));
    memset(&vm->fault, 0, sizeof(vm->fault));
    vm->pending.tail_call = NULL;
    vm->cur_pc = pc;
    vm->cur_depth = depth;
    vm->cur_prog = prog;
    set_stack_window(vm, depth);
    if (id >= EBPF_MAX_HELPER_ID || !vm->helpers[id].fn) {
        /* the interpreter's own messages for both call forms */
        if (callx)
            ebpf_vm_set_fault(vm, EBPF_FAULT_BAD_CALL,
                              "callx through r%u = 0x%" PRIx64 " names no registered helper",
                              callx_reg, id);
        else
            ebpf_vm_set_fault(vm, EBPF_FAULT_BAD_CALL,
                              "helper id %" PRId32 " is not registered in this VM", (int32_t)id);
        out->fault = vm->fault;
        return;
    }
    out->r0 = vm->helpers[id].fn(vm, args[0], args[1], args[2], args[3], args[4]);
    out->fault = vm->fault;
    out->tail_call = vm->pending.tail_call;
    vm->pending.tail_call = NULL;
    if (out->fault.kind)
        out->tail_call = NULL;
}

void tbm_mem_fault(ebpf_vm *vm, uint32_t pc, unsigned depth, uint64_t addr, unsigned size,
                   unsigned perm, struct ebpf_fault *out)
{
    memset(&vm->fault, 0, sizeof(vm->fault));
    set_stack_window(vm, depth);
    ebpf_vm_mem_fault(vm, pc, addr, size, perm);
    *out = vm->fault;
}

void tbm_call_depth_fault(uint32_t pc, struct ebpf_fault *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = EBPF_FAULT_CALL_DEPTH;
    out->pc = pc;
    snprintf(out->msg, sizeof(out->msg), "call would exceed %d frames", EBPF_MAX_FRAMES);
}

void tbm_core_set_frame(ebpf_core *core, struct ebpf_xdp_frame *frame)
{
    core->frame = frame;
    if (frame)
        ebpf_xdp_attach(core->vm, frame);
}

void tbm_core_redirect(const ebpf_core *core, bool *set, uint32_t *ifindex, int32_t *map)
{
    *set = core->redirect_set;
    *ifindex = core->redirect_ifindex;
    *map = core->redirect_map;
}

void tbm_core_reset_redirect(ebpf_core *core)
{
    core->redirect_set = false;
    core->redirect_map = -1;
    core->redirect_ifindex = 0;
}

void tbm_vm_reset_run(ebpf_vm *vm)
{
    memset(&vm->fault, 0, sizeof(vm->fault));
    vm->pending.tail_call = NULL;
    vm->tail_calls = 0;
    vm->nested_insns = 0;
}

uint32_t tbm_vm_tail_calls(const ebpf_vm *vm) { return vm->tail_calls; }
const ebpf_prog *tbm_vm_cur_prog(const ebpf_vm *vm) { return vm->cur_prog; }
uint64_t tbm_vm_nested_insns(const ebpf_vm *vm) { return vm->nested_insns; }

/* ---- nesting wrappers ------------------------------------------------- */

static struct wrap {
    ebpf_vm *vm;
    int *depth;
    ebpf_helper_fn orig;
} wraps[64];

static uint64_t nesting_loop(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                             uint64_t r5)
{
    for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
        if (wraps[i].vm != vm)
            continue;
        (*wraps[i].depth)++;
        uint64_t r0 = wraps[i].orig(vm, r1, r2, r3, r4, r5);
        (*wraps[i].depth)--;
        return r0;
    }
    ebpf_vm_helper_fault(vm, "bpf_loop: testbench wrapper lost its VM");
    return 0;
}

int tbm_vm_wrap_nesting(ebpf_vm *vm, int *depth)
{
    ebpf_helper_fn fn = vm->helpers[BPF_FUNC_loop].fn;
    if (!fn || fn == nesting_loop)
        return 0;
    for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
        if (wraps[i].vm)
            continue;
        wraps[i] = (struct wrap){vm, depth, fn};
        vm->helpers[BPF_FUNC_loop].fn = nesting_loop;
        return 0;
    }
    return -ENOSPC;
}

void tbm_vm_unwrap_nesting(ebpf_vm *vm)
{
    for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
        if (wraps[i].vm != vm)
            continue;
        vm->helpers[BPF_FUNC_loop].fn = wraps[i].orig;
        memset(&wraps[i], 0, sizeof(wraps[i]));
    }
}
