/*
 * ebpf_runtime.h - BPF objects (programs + maps) and the cores that run them.
 *
 * An ebpf_object is what clang's `-target bpf` produced, loaded the way
 * libbpf would load it but into the model: programs with their relocations
 * applied (maps, global data, bpf-to-bpf calls), maps created with the
 * kernel's semantics.  An ebpf_core is one simulated processor core: a VM
 * with its own stack and registers, sharing the object's maps with every
 * other core (per-CPU maps give each core its own slot).
 */
#ifndef EBPF_RUNTIME_H
#define EBPF_RUNTIME_H

#include <stdio.h>

#include "ebpf.h"
#include "ebpf_maps.h"
#include "ebpf_xdp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpf_object ebpf_object;
typedef struct ebpf_core ebpf_core;

struct ebpf_object_opts {
    unsigned n_cpus;          /* simulated cores, for per-CPU maps (default 1) */
    uint64_t prandom_seed;    /* bpf_get_prandom_u32 stream (default 1) */
    uint64_t time_ns;         /* initial simulated clock (default 0) */
    FILE *trace_log;          /* bpf_trace_printk output (default: discarded) */
    FILE *events;             /* perf_event_output / ringbuf records as JSON lines */
};

/* Open a BPF ELF object.  Errors name the section, relocation or map. */
int ebpf_object_open(const char *path, const struct ebpf_object_opts *opts, ebpf_object **out,
                     char *err, size_t errlen);
/* An object made of one program given as instructions, with maps created
 * from specs; lddw map_fd(i) / map_value(i, off) refer to maps[i]. */
int ebpf_object_from_insns(const struct ebpf_insn *insns, size_t n,
                           const struct ebpf_map_spec *maps, size_t n_maps,
                           const struct ebpf_object_opts *opts, ebpf_object **out, char *err,
                           size_t errlen);
void ebpf_object_close(ebpf_object *obj);
const char *ebpf_object_name(const ebpf_object *obj);

unsigned ebpf_object_prog_count(const ebpf_object *obj);
const char *ebpf_object_prog_name(const ebpf_object *obj, unsigned i);
const char *ebpf_object_prog_section(const ebpf_object *obj, unsigned i);
/* Program instructions after relocation (subprograms appended). */
const struct ebpf_insn *ebpf_object_prog_insns(const ebpf_object *obj, unsigned i, size_t *n);
/* Index of the program called name, or -ENOENT. */
int ebpf_object_find_prog(const ebpf_object *obj, const char *name);
/* The first program whose section is xdp, xdp/..., or xdp.frags; -ENOENT. */
int ebpf_object_default_xdp_prog(const ebpf_object *obj);

unsigned ebpf_object_map_count(const ebpf_object *obj);
ebpf_map *ebpf_object_map(const ebpf_object *obj, unsigned i);
/* Map names follow libbpf (global data: "<object>.bss" cut to 15 chars). */
const char *ebpf_object_map_name(const ebpf_object *obj, unsigned i);
int ebpf_object_find_map(const ebpf_object *obj, const char *name);

/* Routes for bpf_fib_lookup (the model has no kernel FIB: the user gives
 * the table; the longest matching prefix wins). */
enum ebpf_route_type {
    EBPF_ROUTE_UNICAST, EBPF_ROUTE_BLACKHOLE, EBPF_ROUTE_UNREACHABLE, EBPF_ROUTE_PROHIBIT
};

struct ebpf_route {
    uint8_t family;          /* 2 (AF_INET) or 10 (AF_INET6) */
    uint8_t prefix_len;
    uint8_t type;            /* enum ebpf_route_type */
    uint8_t has_gateway;
    uint8_t addr[16];        /* network order, the first 4 bytes for IPv4 */
    uint8_t gateway[16];
    uint32_t ifindex;        /* egress device */
    uint16_t mtu;            /* 0: no MTU check */
    uint8_t has_neigh;       /* smac/dmac known; otherwise NO_NEIGH */
    uint8_t smac[6];
    uint8_t dmac[6];
};

int ebpf_object_add_route(ebpf_object *obj, const struct ebpf_route *route);

/* Helpers the model implements: name of an id, or NULL. */
const char *ebpf_helper_name(uint32_t id);
/* The kernel's name for a helper id ("bpf_map_lookup_elem"), or NULL. */
const char *ebpf_kernel_helper_name(uint32_t id);

/* The simulated clock read by bpf_ktime_get_ns (the SystemC model and the
 * run command advance it; tests pin it). */
void ebpf_object_set_time(ebpf_object *obj, uint64_t ns);
uint64_t ebpf_object_time(const ebpf_object *obj);

/* One core. */
ebpf_core *ebpf_core_create(ebpf_object *obj, unsigned cpu, char *err, size_t errlen);
void ebpf_core_destroy(ebpf_core *core);
ebpf_vm *ebpf_core_vm(ebpf_core *core);

struct ebpf_xdp_result {
    uint32_t action;          /* enum ebpf_xdp_action; a fault or an unknown
                                 return value counts as ABORTED */
    uint64_t retval;          /* r0 as the program returned it */
    uint64_t insns;           /* instructions retired (tail calls included) */
    uint32_t redirect_ifindex; /* XDP_REDIRECT: target ifindex / map key */
    int32_t redirect_map;     /* map index for bpf_redirect_map, -1 for bpf_redirect */
    uint32_t tail_calls;
    struct ebpf_fault fault;  /* kind EBPF_FAULT_NONE unless the program faulted */
};

/* Run program prog of the core's object on the frame (the frame is left
 * holding the packet as the program changed it). */
int ebpf_core_run_xdp(ebpf_core *core, unsigned prog, struct ebpf_xdp_frame *frame,
                      struct ebpf_xdp_result *res);

#ifdef __cplusplus
}
#endif
#endif
