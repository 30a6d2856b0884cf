/*
 * tb_model.h - what the RTL testbenches need from the C model beyond its
 * public API: resolved lddw values of a loaded program, the region table of
 * a core's VM, and running one helper of a VM on behalf of the RTL core
 * (its helper unit).  Implemented in C against the model's internal headers
 * so the harnesses (C++) stay on the public API otherwise.
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
/* Index in obj of a loaded program, or -1. */
int tbm_object_prog_index(const ebpf_object *obj, const ebpf_prog *prog);

/* A VM region as the RTL's map table needs it: size (hi) and permissions
 * (EBPF_MEM_READ | EBPF_MEM_WRITE, 0 when unmapped). */
void tbm_vm_region(const ebpf_vm *vm, uint32_t id, uint32_t *lo, uint32_t *hi, unsigned *perm);
/* The VM's stack memory (EBPF_STACK_SIZE * EBPF_MAX_FRAMES bytes). */
uint8_t *tbm_vm_stack(ebpf_vm *vm);

struct tbm_helper_result {
    uint64_t r0;
    uint8_t fault;             /* enum ebpf_fault_kind */
    char msg[160];
    const ebpf_prog *tail_call; /* non-NULL: continue in this program */
};

/* Call helper id of vm with r1..r5 as the interpreter would (unknown ids
 * fault as bad-call).  depth sets the stack window the helper may use.
 * The caller has pointed the VM's regions at the current memory contents. */
void tbm_call_helper(ebpf_vm *vm, uint64_t id, const uint64_t args[5], unsigned depth, bool callx,
                     struct tbm_helper_result *out);

/* For XDP runs on a core: the frame helpers see (bpf_xdp_adjust_head ...). */
void tbm_core_set_frame(ebpf_core *core, struct ebpf_xdp_frame *frame);
/* Redirect state a run left in the core (bpf_redirect / bpf_redirect_map). */
void tbm_core_redirect(const ebpf_core *core, bool *set, uint32_t *ifindex, int32_t *map);
void tbm_core_reset_redirect(ebpf_core *core);
/* Tail-call count of the last run, and resetting it before a run. */
void tbm_vm_reset_run(ebpf_vm *vm);

#ifdef __cplusplus
}
#endif
#endif
