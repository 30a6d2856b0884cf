/* See tb_model.h. */
#include <inttypes.h>
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

int tbm_object_prog_index(const ebpf_object *obj, const ebpf_prog *prog)
{
    for (unsigned i = 0; i < obj->n_progs; i++)
        if (obj->progs[i].loaded == prog)
            return (int)i;
    return -1;
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

uint8_t *tbm_vm_stack(ebpf_vm *vm) { return vm->stack; }

void tbm_call_helper(ebpf_vm *vm, uint64_t id, const uint64_t args[5], unsigned depth, bool callx,
                     struct tbm_helper_result *out)
{
    memset(out, 0, sizeof(*out));
    memset(&vm->fault, 0, sizeof(vm->fault));
    vm->pending.tail_call = NULL;
    vm->regions[EBPF_REGION_STACK].lo = (EBPF_MAX_FRAMES - depth - 1) * EBPF_STACK_SIZE;
    if (id >= EBPF_MAX_HELPER_ID || !vm->helpers[id].fn) {
        out->fault = EBPF_FAULT_BAD_CALL;
        snprintf(out->msg, sizeof(out->msg), "%s 0x%" PRIx64 " names no registered helper",
                 callx ? "callx" : "call", id);
        return;
    }
    out->r0 = vm->helpers[id].fn(vm, args[0], args[1], args[2], args[3], args[4]);
    out->fault = vm->fault.kind;
    if (out->fault)
        snprintf(out->msg, sizeof(out->msg), "%s", vm->fault.msg);
    out->tail_call = vm->pending.tail_call;
    vm->pending.tail_call = NULL;
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
}
