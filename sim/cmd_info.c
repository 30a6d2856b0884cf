/* ebpfsim info: what an object holds, as the model loaded it. */
#include <stdio.h>
#include <string.h>

#include "ebpf_runtime.h"
#include "sim.h"

static const char *map_type_name(uint32_t type)
{
    static const char *const names[] = {
        [BPF_MAP_TYPE_HASH] = "hash",
        [BPF_MAP_TYPE_ARRAY] = "array",
        [BPF_MAP_TYPE_PROG_ARRAY] = "prog_array",
        [BPF_MAP_TYPE_PERF_EVENT_ARRAY] = "perf_event_array",
        [BPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash",
        [BPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
        [BPF_MAP_TYPE_LRU_HASH] = "lru_hash",
        [BPF_MAP_TYPE_LRU_PERCPU_HASH] = "lru_percpu_hash",
        [BPF_MAP_TYPE_LPM_TRIE] = "lpm_trie",
        [BPF_MAP_TYPE_ARRAY_OF_MAPS] = "array_of_maps",
        [BPF_MAP_TYPE_HASH_OF_MAPS] = "hash_of_maps",
        [BPF_MAP_TYPE_DEVMAP] = "devmap",
        [BPF_MAP_TYPE_CPUMAP] = "cpumap",
        [BPF_MAP_TYPE_XSKMAP] = "xskmap",
        [BPF_MAP_TYPE_DEVMAP_HASH] = "devmap_hash",
        [BPF_MAP_TYPE_RINGBUF] = "ringbuf",
    };
    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    return "?";
}

int cmd_info(int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc == 2 ? stdout : stderr, "usage: ebpfsim info PROG.o\n"
                "  Lists the programs and maps of a BPF object as the model loads it.\n");
        return argc == 2 ? 0 : 2;
    }
    char err[1024];
    ebpf_object *obj;
    if (ebpf_object_open(argv[1], NULL, &obj, err, sizeof(err)) < 0) {
        errmsg("info", "%s", err);
        return 1;
    }
    printf("object %s\n", ebpf_object_name(obj));
    printf("programs:\n  %-4s %-24s %-20s %s\n", "#", "name", "section", "insns");
    for (unsigned i = 0; i < ebpf_object_prog_count(obj); i++) {
        size_t n;
        ebpf_object_prog_insns(obj, i, &n);
        printf("  %-4u %-24s %-20s %zu\n", i, ebpf_object_prog_name(obj, i),
               ebpf_object_prog_section(obj, i), n);
    }
    printf("maps:\n  %-4s %-24s %-16s %5s %6s %10s %s\n", "#", "name", "type", "key", "value",
           "entries", "flags");
    for (unsigned i = 0; i < ebpf_object_map_count(obj); i++) {
        const struct ebpf_map_spec *s = ebpf_map_get_spec(ebpf_object_map(obj, i));
        printf("  %-4u %-24s %-16s %5u %6u %10u 0x%x\n", i, ebpf_object_map_name(obj, i),
               map_type_name(s->type), s->key_size, s->value_size, s->max_entries, s->map_flags);
    }
    ebpf_object_close(obj);
    return 0;
}
