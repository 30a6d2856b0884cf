/* Internals of objects and cores, shared by runtime.c, elf.c and helpers.c. */
#ifndef EBPF_RUNTIME_INT_H
#define EBPF_RUNTIME_INT_H

#include "ebpf_runtime.h"
#include "vm_int.h"

struct obj_prog {
    char *name;
    char *section;
    struct ebpf_insn *insns; /* relocated */
    size_t n;
    ebpf_prog *loaded;       /* checked and pre-decoded */
};

struct obj_map {
    char name[64];           /* libbpf's name (the kernel keeps 15 characters) */
    ebpf_map *map;
    uint32_t region;         /* VM region holding its values */
    bool rdonly_prog;        /* BPF_F_RDONLY_PROG: programs may only read */
};

struct ebpf_object {
    char name[64];
    struct ebpf_object_opts opts;
    struct obj_prog *progs;
    unsigned n_progs;
    struct obj_map *maps;
    unsigned n_maps;
    ebpf_vm *loader;         /* validates and pre-decodes the programs */
    uint64_t time_ns;
    uint64_t prandom_state;
    struct ebpf_route *routes;
    unsigned n_routes;
};

struct ebpf_core {
    ebpf_object *obj;
    unsigned cpu;
    ebpf_vm *vm;
    struct ebpf_xdp_frame *frame; /* frame of the run in progress */
    uint32_t redirect_ifindex;
    int32_t redirect_map;
    bool redirect_set;
};

static inline uint32_t map_region(unsigned map_index)
{
    return EBPF_REGION_FIRST_DYNAMIC + map_index;
}

/* Register every model helper in vm. */
void ebpf_register_model_helpers(ebpf_vm *vm);
/* Add programs/maps to an object (used by the ELF loader). */
int ebpf_object_add_map(ebpf_object *obj, const char *name, const struct ebpf_map_spec *spec,
                        const void *initial, size_t initial_size, char *err, size_t errlen);
int ebpf_object_add_prog(ebpf_object *obj, const char *name, const char *section,
                         struct ebpf_insn *insns, size_t n);
ebpf_object *ebpf_object_alloc(const char *name, const struct ebpf_object_opts *opts);
/* Check and pre-decode every program; errors name the program. */
int ebpf_object_finish(ebpf_object *obj, char *err, size_t errlen);

#endif
