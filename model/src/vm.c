/* VM object: configuration, memory regions, helper registry, faults. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

const char *const ebpf_fault_names[EBPF_FAULT_COUNT] = {
    "none", "mem-bounds", "mem-unmapped", "mem-perm", "call-depth", "budget", "bad-call", "helper",
};

int ebpf_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

void ebpf_vm_config_default(struct ebpf_vm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->isa_version = 4;
    cfg->group_mask = (1u << EBPF_GROUP_COUNT) - 1;
    cfg->max_insns = EBPF_MAX_INSNS;
    cfg->insn_budget = UINT64_C(1) << 32;
}

ebpf_vm *ebpf_vm_create(const struct ebpf_vm_config *cfg)
{
    ebpf_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return NULL;
    if (cfg)
        vm->cfg = *cfg;
    else
        ebpf_vm_config_default(&vm->cfg);
    /* zero fields mean "the default", for every field */
    if (vm->cfg.isa_version < 1 || vm->cfg.isa_version > 4)
        vm->cfg.isa_version = 4;
    if (!vm->cfg.group_mask)
        vm->cfg.group_mask = (1u << EBPF_GROUP_COUNT) - 1;
    if (!vm->cfg.max_insns || vm->cfg.max_insns > EBPF_MAX_INSNS)
        vm->cfg.max_insns = EBPF_MAX_INSNS;
    if (!vm->cfg.insn_budget)
        vm->cfg.insn_budget = UINT64_C(1) << 32;
    vm->n_regions = EBPF_REGION_FIRST_DYNAMIC;
    vm->regions = calloc(vm->n_regions, sizeof(*vm->regions));
    if (!vm->regions) {
        free(vm);
        return NULL;
    }
    ebpf_vm_map_region(vm, EBPF_REGION_STACK, vm->stack, 0, EBPF_STACK_TOTAL,
                       EBPF_MEM_READ | EBPF_MEM_WRITE, "stack");
    return vm;
}

void ebpf_vm_destroy(ebpf_vm *vm)
{
    if (!vm)
        return;
    free(vm->regions);
    free(vm);
}

void ebpf_vm_set_budget(ebpf_vm *vm, uint64_t insn_budget)
{
    vm->cfg.insn_budget = insn_budget ? insn_budget : UINT64_C(1) << 32;
}

int ebpf_vm_register_helper(ebpf_vm *vm, uint32_t id, const char *name, ebpf_helper_fn fn)
{
    if (id >= EBPF_MAX_HELPER_ID || !fn)
        return -EINVAL;
    if (vm->helpers[id].fn)
        return -EEXIST;
    vm->helpers[id].fn = fn;
    vm->helpers[id].name = name;
    return 0;
}

const char *ebpf_vm_helper_name(const ebpf_vm *vm, uint32_t id)
{
    if (id >= EBPF_MAX_HELPER_ID || !vm->helpers[id].fn)
        return NULL;
    return vm->helpers[id].name;
}

/* uBPF's helper 5, which the conformance suite calls: returns its argument. */
static uint64_t conformance_unwind(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3,
                                   uint64_t r4, uint64_t r5)
{
    (void)vm, (void)r2, (void)r3, (void)r4, (void)r5;
    return r1;
}

void ebpf_vm_register_conformance_helpers(ebpf_vm *vm)
{
    ebpf_vm_register_helper(vm, 5, "unwind", conformance_unwind);
}

void *ebpf_vm_user(const ebpf_vm *vm) { return vm->user; }
void ebpf_vm_set_user(ebpf_vm *vm, void *user) { vm->user = user; }

void ebpf_vm_set_pseudo_resolver(ebpf_vm *vm, ebpf_pseudo_fn fn, void *user)
{
    vm->pseudo.fn = fn;
    vm->pseudo.user = user;
}

void ebpf_vm_set_ctx(ebpf_vm *vm, const struct ebpf_ctx_ops *ops)
{
    if (ops)
        vm->ctx = *ops;
    else
        memset(&vm->ctx, 0, sizeof(vm->ctx));
}

void ebpf_vm_set_tracer(ebpf_vm *vm, ebpf_retire_fn fn, void *user)
{
    vm->tracer = fn;
    vm->tracer_user = user;
}

int ebpf_vm_map_region(ebpf_vm *vm, uint32_t id, void *host, uint32_t lo, uint32_t hi,
                       unsigned perm, const char *name)
{
    if (id == EBPF_REGION_NULL || id >= EBPF_MAX_REGIONS || lo > hi)
        return -EINVAL;
    if (id >= vm->n_regions) {
        uint32_t n = vm->n_regions;
        while (n <= id)
            n *= 2; /* cannot wrap: id < EBPF_MAX_REGIONS */
        struct ebpf_region *r = realloc(vm->regions, n * sizeof(*r));
        if (!r)
            return -ENOMEM;
        memset(r + vm->n_regions, 0, (n - vm->n_regions) * sizeof(*r));
        vm->regions = r;
        vm->n_regions = n;
    }
    vm->regions[id] = (struct ebpf_region){host, lo, hi, host ? perm : 0, name};
    return 0;
}

void ebpf_vm_unmap_region(ebpf_vm *vm, uint32_t id)
{
    if (id < vm->n_regions)
        memset(&vm->regions[id], 0, sizeof(vm->regions[id]));
}

const char *ebpf_vm_region_name(const ebpf_vm *vm, uint32_t id)
{
    if (id < vm->n_regions && vm->regions[id].name)
        return vm->regions[id].name;
    return id == EBPF_REGION_NULL ? "null" : "unmapped";
}

void *ebpf_vm_translate(ebpf_vm *vm, uint64_t addr, uint64_t size, unsigned perm)
{
    uint64_t id = addr >> 32;
    if (id >= vm->n_regions)
        return NULL;
    const struct ebpf_region *r = &vm->regions[id];
    uint64_t off = (uint32_t)addr;
    if ((r->perm & perm) != perm || off < r->lo || size > r->hi || off > r->hi - size)
        return NULL;
    return r->host + off;
}

void ebpf_vm_set_fault(ebpf_vm *vm, enum ebpf_fault_kind kind, const char *fmt, ...)
{
    if (vm->fault.kind != EBPF_FAULT_NONE)
        return; /* keep the first fault */
    memset(&vm->fault, 0, sizeof(vm->fault));
    vm->fault.kind = (uint8_t)kind;
    vm->fault.pc = vm->cur_pc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->fault.msg, sizeof(vm->fault.msg), fmt, ap);
    va_end(ap);
}

void ebpf_vm_helper_fault(ebpf_vm *vm, const char *fmt, ...)
{
    char msg[sizeof(vm->fault.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ebpf_vm_set_fault(vm, EBPF_FAULT_HELPER, "%s", msg);
}

int ebpf_vm_request_tail_call(ebpf_vm *vm, const ebpf_prog *prog)
{
    if (vm->tail_calls >= EBPF_MAX_TAIL_CALLS)
        return -E2BIG;
    vm->tail_calls++;
    vm->pending.tail_call = prog;
    return 0;
}

/* Work out why addr/size failed translation and record a precise fault;
 * perm is what the access needed (an atomic needs both). */
void ebpf_vm_mem_fault(ebpf_vm *vm, uint32_t pc, uint64_t addr, unsigned size, unsigned perm)
{
    uint64_t id = addr >> 32;
    const struct ebpf_region *r = id < vm->n_regions ? &vm->regions[id] : NULL;
    bool write = perm & EBPF_MEM_WRITE;
    enum ebpf_fault_kind kind;
    const char *why;
    if (id == EBPF_REGION_CTX && vm->ctx.load) {
        kind = EBPF_FAULT_MEM_PERM;
        why = write ? "the context cannot be written" : "no context field of that size there";
    } else if (!r || !r->perm) {
        kind = EBPF_FAULT_MEM_UNMAPPED;
        why = "address is in no mapped region";
    } else if ((perm & EBPF_MEM_READ) && !(r->perm & EBPF_MEM_READ)) {
        kind = EBPF_FAULT_MEM_PERM;
        why = "region is not readable";
    } else if (write && !(r->perm & EBPF_MEM_WRITE)) {
        kind = EBPF_FAULT_MEM_PERM;
        why = "region is read-only";
    } else {
        kind = EBPF_FAULT_MEM_BOUNDS;
        why = "outside the region's valid window";
    }
    vm->cur_pc = pc;
    vm->fault.kind = EBPF_FAULT_NONE;
    const char *op = write ? "store" : "load";
    const char *rname = ebpf_vm_region_name(vm, id < UINT32_MAX ? (uint32_t)id : UINT32_MAX);
    if (kind == EBPF_FAULT_MEM_BOUNDS)
        ebpf_vm_set_fault(vm, kind, "%s of %u bytes at 0x%" PRIx64 " (%s+%" PRIu32 "): %s [%u, %u)",
                          op, size, addr, rname, (uint32_t)addr, why, r->lo, r->hi);
    else
        ebpf_vm_set_fault(vm, kind, "%s of %u bytes at 0x%" PRIx64 " (%s): %s", op, size, addr,
                          rname, why);
    vm->fault.addr = addr;
    vm->fault.size = (uint8_t)size;
    vm->fault.write = write;
    vm->fault.region = id < UINT32_MAX ? (uint32_t)id : UINT32_MAX;
}

void ebpf_fault_format(const struct ebpf_fault *f, char *buf, size_t len)
{
    if (f->kind == EBPF_FAULT_NONE)
        snprintf(buf, len, "no fault");
    else
        snprintf(buf, len, "insn %" PRIu32 ": %s: %s", f->pc, ebpf_fault_names[f->kind], f->msg);
}

size_t ebpf_prog_len(const ebpf_prog *prog) { return prog->n; }
const struct ebpf_insn *ebpf_prog_insns(const ebpf_prog *prog) { return prog->insns; }
unsigned ebpf_prog_version(const ebpf_prog *prog) { return prog->version; }
uint32_t ebpf_prog_groups(const ebpf_prog *prog) { return prog->groups; }

void ebpf_prog_destroy(ebpf_prog *prog)
{
    if (!prog)
        return;
    free(prog->insns);
    free(prog->code);
    free(prog);
}
