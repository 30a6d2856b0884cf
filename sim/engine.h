/*
 * Engines behind one interface: the model, the Linux kernel (and later the
 * RTL and co-simulation).  `ebpfsim run --engine NAME` picks one; every
 * engine takes the same object, program, packets and map contents and gives
 * the same per-packet results, so any two can be diffed.
 */
#ifndef EBPFSIM_ENGINE_H
#define EBPFSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ebpf_hwconfig;

struct engine_opts {
    const char *object;      /* BPF ELF object */
    const char *prog;        /* program name, NULL: the first XDP program */
    unsigned n_cpus;         /* per-CPU map copies / simulated cores */
    uint32_t linear_max;     /* 0: the kernel's 3520 */
    uint64_t prandom_seed;
    const char *trace_log;   /* bpf_trace_printk output file (model) */
    const char *events;      /* perf/ringbuf records file (model) */
    bool timing;             /* charge cycles (model: timing model; rtl: its counter) */
    const char *routes;      /* route table for bpf_fib_lookup (model) */
    /* Timing parameters and map placement (--config/--set); NULL: the
     * defaults of docs/configuration.md. */
    const struct ebpf_hwconfig *hw;
    /* rtl, cosim: FST waveform (rtl: the whole run; cosim: the last packet,
     * the one that diverged if one did); NULL: none. */
    const char *wave;
};

struct engine_map_info {
    const char *name;
    uint32_t type;
    uint32_t key_size;
    uint32_t value_size;     /* as bpf(2) sees it: per-CPU maps hold n_cpus copies */
    uint32_t max_entries;
    unsigned n_cpus;         /* copies in a value (1 unless per-CPU) */
    uint32_t cpu_stride;     /* bytes per copy (value size rounded up to 8) */
};

struct pkt_result {
    uint32_t action;         /* enum ebpf_xdp_action */
    uint64_t retval;
    uint64_t insns;          /* 0 when the engine cannot count (kernel) */
    bool has_insns;
    const uint8_t *data;     /* output from data_meta to data_end (+ fragments),
                                engine-owned: valid until its next run_packet */
    uint32_t data_len;
    uint32_t meta_len;
    int32_t redirect_target; /* -1 unknown */
    const char *redirect_map; /* NULL: bpf_redirect() or unknown */
    uint8_t fault_kind;      /* enum ebpf_fault_kind */
    char fault[256];
    uint64_t duration_ns;    /* kernel engine: BPF_PROG_TEST_RUN's duration */
    bool refused;            /* the engine would not run this frame */
    char refused_why[96];
    bool has_timing;         /* the fields below are valid */
    uint64_t cycles;         /* standalone packet cycles */
    uint64_t issue_cycles;
    uint64_t stall[8];       /* by enum ebpf_stall */
};

struct engine;

/* What the cosim engine compared (ebpfsim run --cosim-json, docs/rtl.md). */
struct engine_cosim_stats {
    uint64_t frames;         /* frames handed to the engine */
    uint64_t refused;        /* of those, refused (never run) */
    uint64_t runs;           /* packets run on both and compared */
    uint64_t insns;          /* instructions compared */
    uint64_t cycle_counts;   /* per-packet cycle counts compared */
    uint64_t divergences, cycle_mismatches;
    uint64_t model_cycles;   /* sums over the packets whose cycles were compared */
    uint64_t rtl_cycles;
    /* the first failure: a divergence, a cycle mismatch or another error */
    bool failed;
    uint64_t fail_packet;    /* its index in the trace (from 0) */
    uint64_t fail_model_cycles, fail_rtl_cycles; /* a cycle mismatch's two counts */
    char fail_kind[16];      /* "divergence", "cycles", "error" */
    char fail_message[512];  /* the divergence report's first lines, or the error */
};

/* Write s as JSON to path (ebpfsim run --cosim-json; docs/rtl.md): 0 or
 * -EIO with err. */
int cosim_json_write(const char *path, const char *object, const char *prog, const char *pcap,
                     int exit_status, const struct engine_cosim_stats *s, char *err, size_t errlen);

struct engine_ops {
    const char *name;
    int (*open)(struct engine **out, const struct engine_opts *opts, char *err, size_t errlen);
    void (*close)(struct engine *e);
    int (*run_packet)(struct engine *e, const uint8_t *pkt, uint32_t len, struct pkt_result *res);
    unsigned (*map_count)(struct engine *e);
    void (*map_info)(struct engine *e, unsigned i, struct engine_map_info *info);
    int (*map_lookup)(struct engine *e, unsigned i, const void *key, void *value);
    int (*map_update)(struct engine *e, unsigned i, const void *key, const void *value,
                      uint64_t flags);
    int (*map_next_key)(struct engine *e, unsigned i, const void *key, void *next);
    const char *(*prog_name)(struct engine *e);
    /* The value a prog_array slot holds for the program called name. */
    int (*prog_ref)(struct engine *e, const char *name, uint32_t *value);
    /* Optional: the time the next packet arrives (the capture's timestamp),
     * which bpf_ktime_get_ns returns in the model. */
    void (*set_time)(struct engine *e, uint64_t ns);
    /* The value a map-in-map slot holds for the map called name. */
    int (*map_ref)(struct engine *e, const char *name, uint32_t *value);
    /* Optional: the model object whose maps the engine's programs use (the
     * model, RTL and co-simulation engines share the model's maps; the host
     * driver shim reaches them).  NULL for engines without one (kernel). */
    struct ebpf_object *(*object)(struct engine *e);
    /* Optional: run program prog_index of obj from the next packet on (a
     * program replacement at a packet boundary, as the driver shim's
     * PROG_ATTACH makes it).  obj is the engine's object or another one
     * opened by the caller, who keeps it open while the engine uses it. */
    int (*set_prog)(struct engine *e, struct ebpf_object *obj, unsigned prog_index, char *err,
                    size_t errlen);
    /* Optional (cosim only): the co-verification figures so far. */
    void (*cosim_stats)(struct engine *e, struct engine_cosim_stats *out);
};

extern const struct engine_ops engine_model_ops;
extern const struct engine_ops engine_kernel_ops;
/* The Verilog core under Verilator (testbench/engine_rtl.cpp): alone, and in
 * lockstep with the model, checking every retired instruction and every
 * packet's cycle count (docs/rtl.md). */
extern const struct engine_ops engine_rtl_ops;
extern const struct engine_ops engine_cosim_ops;

/* The RTL (cosim false) or RTL and model in lockstep (cosim true) on plain
 * programs loaded in a VM: conformance tests (a memory buffer, as
 * ebpf_vm_run_mem) and random programs (an XDP frame, as ebpf_vm_run after
 * ebpf_xdp_attach).  Return as the model does (0, -EFAULT after a fault),
 * or -EPROTO after a co-simulation divergence or cycle mismatch (reported
 * on stderr), other errors with err; label names the run in reports. */
struct rtl_plain;
struct ebpf_vm;
struct ebpf_prog;
struct ebpf_run_result;
struct ebpf_xdp_frame;
struct rtl_plain *rtl_plain_create(bool cosim, const char *wave, char *err, size_t errlen);
void rtl_plain_destroy(struct rtl_plain *p);
int rtl_plain_run_mem(struct rtl_plain *p, struct ebpf_vm *vm, const struct ebpf_prog *prog,
                      void *mem, size_t len, const char *label, struct ebpf_run_result *res,
                      char *err, size_t errlen);
int rtl_plain_run_xdp(struct rtl_plain *p, struct ebpf_vm *vm, const struct ebpf_prog *prog,
                      struct ebpf_xdp_frame *frame, const char *label,
                      struct ebpf_run_result *res, char *err, size_t errlen);
/* "cosim WHAT: N runs, M instructions and N cycle counts compared, ..." */
void rtl_plain_summary(const struct rtl_plain *p, const char *what, FILE *out);
/* Divergences plus cycle mismatches so far. */
int rtl_plain_failures(const struct rtl_plain *p);

const struct engine_ops *engine_find(const char *name);

/* The model engine's object and chosen program (for the system model). */
struct ebpf_object;
struct ebpf_object *engine_model_object(struct engine *e);
int engine_model_prog(struct engine *e);

/* Stall causes in pkt_result.stall (the timing model's enum ebpf_stall). */
#define ENGINE_STALLS 6
const char *engine_stall_name(int k);

/* False for maps whose values are object references or event streams
 * (prog_array, map-in-map, xskmap, perf_event_array, ringbuf). */
bool engine_map_holds_data(uint32_t type);

/* Maps as JSON: {"map": [{"key": "hex", "value": "hex" | ["hex", ...]}]}. */
int maps_load_json(const struct engine_ops *ops, struct engine *e, const char *path, char *err,
                   size_t errlen);
int maps_dump_json(const struct engine_ops *ops, struct engine *e, const char *path, char *err,
                   size_t errlen);

#endif
