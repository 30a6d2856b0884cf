/* Helpers shared by the driver's tests: a small object with one map of each
 * family, a NIC over it, raw commands. */
#ifndef DRVTEST_H
#define DRVTEST_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nicdrv.h"
#include "nicdrv_int.h"

enum { M_HASH, M_ARRAY, M_PERCPU, M_LPM, M_COUNT };

/* hash 8/8 x 64, array 4/8 x 16, per-CPU hash 4/4 x 16 (2 CPUs: 16 bytes
 * through bpf(2)), LPM trie 8/8 x 16; the program returns ret. */
static inline ebpf_object *drvtest_object(int ret)
{
    static const struct ebpf_map_spec specs[M_COUNT] = {
        {.name = "hash", .type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8, .max_entries = 64},
        {.name = "array", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 16},
        {.name = "percpu", .type = BPF_MAP_TYPE_PERCPU_HASH, .key_size = 4, .value_size = 4, .max_entries = 16},
        {.name = "lpm", .type = BPF_MAP_TYPE_LPM_TRIE, .key_size = 8, .value_size = 8, .max_entries = 16,
         .map_flags = BPF_F_NO_PREALLOC},
    };
    char text[64], err[EBPF_ERR_LEN];
    snprintf(text, sizeof(text), "mov %%r0, %d\nexit\n", ret);
    struct ebpf_insn *insns;
    size_t n;
    if (ebpf_asm(text, &insns, &n, err, sizeof(err)) < 0)
        fail_msg("asm: %s", err);
    struct ebpf_object_opts oo = {.n_cpus = 2};
    ebpf_object *obj;
    if (ebpf_object_from_insns(insns, n, specs, M_COUNT, &oo, &obj, err, sizeof(err)) < 0)
        fail_msg("object: %s", err);
    free(insns);
    return obj;
}

static inline nicdrv *drvtest_open(ebpf_object *obj, const struct nicdrv_config *cfg)
{
    struct nicdrv_config def;
    if (!cfg) {
        nicdrv_config_default(&def);
        cfg = &def;
    }
    nicdrv *nic;
    char err[NICDRV_ERR_LEN];
    if (nicdrv_open_object(obj, cfg, &nic, err, sizeof(err)) < 0)
        fail_msg("open: %s", err);
    return nic;
}

/* Submit a command as given (no host-side help) and wait for it. */
static inline struct nicdrv_completion drvtest_raw(nicdrv *nic, struct nicdrv_cmd cmd)
{
    uint32_t seq;
    int rc = nicdrv_submit(nic, &cmd, &seq);
    if (rc < 0)
        fail_msg("submit: %s", nicdrv_errmsg(nic));
    struct nicdrv_completion c;
    nicdrv_wait(nic, seq, &c);
    return c;
}

static inline uint64_t u64(uint64_t v) { return v; }

#endif
