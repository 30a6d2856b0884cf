/*
 * ebpf_timing.h - the cycle-approximate timing model.
 *
 * Functional and timing are separate (as in gem5): the interpreter emits a
 * retire record per instruction; this model charges cycles from those
 * records following docs/microarchitecture.md.  The same rules are built
 * into the RTL, and co-simulation checks that both agree on every packet.
 */
#ifndef EBPF_TIMING_H
#define EBPF_TIMING_H

#include "ebpf.h"
#include "ebpf_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ebpf_stall {
    EBPF_STALL_LOAD_USE,
    EBPF_STALL_BRANCH,
    EBPF_STALL_MULTICYCLE,
    EBPF_STALL_MEMORY,
    EBPF_STALL_HELPER,
    EBPF_STALL_PKT_WAIT,
    EBPF_STALL_COUNT
};
extern const char *const ebpf_stall_names[EBPF_STALL_COUNT];

enum ebpf_placement { EBPF_PLACE_SRAM, EBPF_PLACE_DRAM, EBPF_PLACE_HOST, EBPF_PLACE_COUNT };
extern const char *const ebpf_placement_names[EBPF_PLACE_COUNT];

/* Helper latency: fixed + accesses x latency of the map's placement. */
struct ebpf_helper_cost {
    uint16_t fixed;
    uint16_t accesses;
    uint16_t per_8_bytes; /* extra cycles per 8 bytes of the size argument */
};

struct ebpf_core_timing {
    uint16_t base[EBPF_TCLASS_COUNT]; /* base cycles per class (div: 32-bit) */
    uint16_t div64_base;              /* base cycles of 64-bit div/mod */
    uint16_t taken_branch_penalty;    /* conditional branch taken */
    uint16_t subprog_exit_penalty;    /* exit returning from a call */
    uint16_t load_use_penalty;        /* after a map-memory load or an atomic with fetch */
    uint16_t local_load_use_penalty;  /* after a load from the packet, stack or context */
    uint16_t issue_width;             /* 1, or 2: pairs of simple instructions issue together */
    uint16_t pipeline_fill;           /* standalone packet: cycles before the first retire */
    uint16_t exit_gap;                /* back to back: bubble after a packet's exit */
    uint16_t mem_latency[EBPF_PLACE_COUNT]; /* MEM-stage cycles of map memory */
    uint8_t default_placement;        /* where maps live */
    struct ebpf_helper_cost helper_default;
    struct ebpf_helper_cost map_helper[3]; /* array-like, hash-like, lpm */
    struct ebpf_helper_cost map_helper_other;
};

void ebpf_core_timing_default(struct ebpf_core_timing *t);
/* The cost of a map helper on a map of type map_type (BPF_MAP_TYPE_*):
 * map_helper[0] for array-like maps, [1] hash-like, [2] the LPM trie, else
 * map_helper_other (the driver charges its map commands the same way). */
const struct ebpf_helper_cost *ebpf_core_timing_map_helper(const struct ebpf_core_timing *t,
                                                          uint32_t map_type);

struct ebpf_packet_timing {
    uint64_t insns;
    uint64_t groups;            /* issue groups: instructions, less the second of each pair */
    uint64_t issue_cycles;      /* groups + penalties */
    uint64_t cycles;            /* standalone: pipeline_fill + issue_cycles */
    uint64_t stall[EBPF_STALL_COUNT];
};

typedef struct ebpf_timing ebpf_timing;

/* obj gives map types for helper costs; may be NULL (plain programs). */
ebpf_timing *ebpf_timing_create(const struct ebpf_core_timing *cfg, const ebpf_object *obj);
void ebpf_timing_destroy(ebpf_timing *t);
/* Per-map placement (default: cfg->default_placement). */
void ebpf_timing_set_placement(ebpf_timing *t, unsigned map_index, enum ebpf_placement p);

void ebpf_timing_begin(ebpf_timing *t);
void ebpf_timing_retire(ebpf_timing *t, const struct ebpf_retire *rec);
void ebpf_timing_end(ebpf_timing *t, struct ebpf_packet_timing *out);
/* The register a load-class instruction of the current issue group (the
 * one the last record joined) wrote, and in *penalty the load-use stall an
 * instruction of the next group that reads it waits; -1 if the group has
 * no load whose value is still pending (none, a local load, one whose
 * register the group wrote again, or one a bubble of its group delivered:
 * docs/microarchitecture.md, load-use). */
int ebpf_timing_group_load(const ebpf_timing *t, unsigned *penalty);
/* A retire consumer for ebpf_vm_set_tracer(vm, ebpf_timing_tracer, t). */
void ebpf_timing_tracer(void *t, const struct ebpf_retire *rec);

/* A system model's view of memory: called for every memory access of the
 * program (and for each map access a helper makes) with the cycle, counted
 * from the program's first issue, at which the access is made; returns the
 * extra cycles the access waits (port contention, packet bytes not arrived
 * yet).  Loads and atomics stall for it (cause memory, or pkt_wait for the
 * packet region); posted stores only occupy the port. */
typedef uint64_t (*ebpf_timing_access_fn)(void *user, uint64_t cycle, uint64_t addr,
                                          unsigned size, int write);
void ebpf_timing_set_access_hook(ebpf_timing *t, ebpf_timing_access_fn fn, void *user);

/* Cycles the helper unit takes for a helper call (EX waits this long). */
unsigned ebpf_timing_helper_latency(const ebpf_timing *t, uint32_t helper_id,
                                    const uint64_t args[5]);

#ifdef __cplusplus
}
#endif
#endif
