/*
 * tb_model.h - what the RTL testbench needs from the C model beyond its
 * public API: resolved lddw values of a loaded program, the region table of
 * a VM, running one helper of a VM on behalf of the RTL core's helper unit,
 * the model's exact fault messages for faults the RTL reports, and telling
 * the records of bpf_loop callbacks (which run inside a helper) from the
 * program's own.  Implemented in C against the model's internal headers so
 * the harness (C++) stays on the public API otherwise.
 */
#ifndef TB_MODEL_H
#define TB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebpf.h"
#include "ebpf_runtime.h"
#include "ebpf_xdp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value lddw at slot i of a loaded program puts in its register (pseudo
 * sources resolved as the loader did). */
uint64_t tbm_prog_imm64(const ebpf_prog *prog, size_t i);
/* The loaded (checked, pre-decoded) program i of an object. */
const ebpf_prog *tbm_object_prog(const ebpf_object *obj, unsigned i);

/* A VM region: window [lo, hi) and permissions (EBPF_MEM_READ |
 * EBPF_MEM_WRITE, 0 when unmapped). */
void tbm_vm_region(const ebpf_vm *vm, uint32_t id, uint32_t *lo, uint32_t *hi, unsigned *perm);
uint32_t tbm_vm_region_count(const ebpf_vm *vm);
/* The VM's stack memory (EBPF_STACK_SIZE * EBPF_MAX_FRAMES bytes). */
uint8_t *tbm_vm_stack(ebpf_vm *vm);

struct tbm_helper_result {
    uint64_t r0;
    struct ebpf_fault fault;     /* kind EBPF_FAULT_NONE unless the call faulted */
    const ebpf_prog *tail_call;  /* non-NULL: continue in this program */
};

/* Call helper id of vm with r1..r5 as the interpreter would: prog is the
 * program running (callbacks of bpf_loop run in it), pc the call's index,
 * depth its frame.  Unknown ids fault as bad-call.  The caller has pointed
 * the VM's regions at the current memory contents. */
void tbm_call_helper(ebpf_vm *vm, const ebpf_prog *prog, uint32_t pc, uint64_t id,
                     const uint64_t args[5], unsigned depth, bool callx, unsigned callx_reg,
                     struct tbm_helper_result *out);

/* The fault the model raises for a failed access of size bytes at addr
 * (perm: what the access needed) by the instruction at pc in frame depth. */
void tbm_mem_fault(ebpf_vm *vm, uint32_t pc, unsigned depth, uint64_t addr, unsigned size,
                   unsigned perm, struct ebpf_fault *out);
/* The fault the model raises for a bpf-to-bpf call past EBPF_MAX_FRAMES. */
void tbm_call_depth_fault(uint32_t pc, struct ebpf_fault *out);

/* For XDP runs on a core: the frame helpers see (bpf_xdp_adjust_head ...). */
void tbm_core_set_frame(ebpf_core *core, struct ebpf_xdp_frame *frame);
/* Redirect state a run left in the core (bpf_redirect / bpf_redirect_map). */
void tbm_core_redirect(const ebpf_core *core, bool *set, uint32_t *ifindex, int32_t *map);
void tbm_core_reset_redirect(ebpf_core *core);
/* Before a run: clear the fault, the pending tail call, the tail-call and
 * nested-instruction counts, as ebpf_vm_run does. */
void tbm_vm_reset_run(ebpf_vm *vm);
uint32_t tbm_vm_tail_calls(const ebpf_vm *vm);
/* The program the VM runs (after a tail call: its target). */
const ebpf_prog *tbm_vm_cur_prog(const ebpf_vm *vm);
/* Instructions bpf_loop callbacks ran since the last reset. */
uint64_t tbm_vm_nested_insns(const ebpf_vm *vm);

/* Wrap the helpers of vm that run program code (bpf_loop) so that *depth is
 * above zero while one runs: retire records seen then belong to a callback.
 * Returns -ENOSPC when too many VMs are wrapped. */
int tbm_vm_wrap_nesting(ebpf_vm *vm, int *depth);
void tbm_vm_unwrap_nesting(ebpf_vm *vm);

#ifdef __cplusplus
}
#endif
#endif
