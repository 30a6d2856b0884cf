/*
 * nicdrv.h - the host driver shim of the simulated offload NIC.
 *
 * Two halves, as in a real system:
 *  - the device (nicdrv_dev): the NIC with its cores, its maps (the SAME
 *    ebpf_map objects the cores use) and a command engine that fetches
 *    descriptors and payloads from host memory by DMA, executes them on the
 *    maps and programs, and writes results and completions back by DMA;
 *  - the host driver (nicdrv): a submission ring and a completion ring in
 *    "host memory" (a byte array), a doorbell register, timeouts, sequence
 *    numbers and retries, and calls in the style of libbpf's low-level API
 *    (bpf_map_lookup_elem, bpf_map_update_batch, bpf_link_update, ...).
 *
 * Everything runs on one simulated clock (picoseconds).  Each command's
 * modelled latency is the sum of its PCIe transfers (doorbell MMIO write,
 * descriptor and payload DMA reads split into read requests and completions
 * by the max read request and max payload sizes, result and completion
 * writes), the device's work (map accesses at the latency of the map's
 * placement, at the core clock) and the interrupt or polling delay.
 *
 * The device applies a command at one instant of simulated time, between
 * packets: a caller replaying a trace calls nicdrv_advance_ps() up to each
 * packet's time, then runs the packet; commands whose application time is
 * at or before the packet's time are visible to it, the others are not.
 * A program replacement is therefore atomic at a packet boundary.
 *
 * Errors: functions return 0 (or a count) or a negative errno, and leave a
 * message naming the map, the sizes, the sequence number and the descriptor
 * in nicdrv_errmsg().  Nothing here prints or exits.
 */
#ifndef NICDRV_H
#define NICDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ebpf_hwconfig.h"
#include "ebpf_runtime.h"
#include "ebpf_timing.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nicdrv_dev nicdrv_dev;
typedef struct nicdrv nicdrv;

#define NICDRV_DESC_SIZE 64       /* bytes per submission descriptor */
#define NICDRV_CQE_SIZE 32        /* bytes per completion entry */
#define NICDRV_MAX_PLACEMENTS 64  /* entries of the per-map placement table */
#define NICDRV_MAX_PROGS 16       /* program slots on the device */
#define NICDRV_ERR_LEN 512

/* ------------------------------------------------------------------ */
/* Configuration. */

struct nicdrv_pcie {
    unsigned gen;              /* 1..5: 2.5, 5, 8, 16, 32 GT/s per lane */
    unsigned lanes;            /* 1, 2, 4, 8, 16 */
    unsigned max_payload;      /* MPS, bytes: 128..4096, power of 2 */
    unsigned max_read_request; /* MRRS, bytes: 128..4096, power of 2 */
    unsigned tlp_overhead;     /* bytes per TLP on the wire: header + sequence + LCRC + framing */
    double latency_ns;         /* one way, transaction layer to transaction layer */
    double host_mem_ns;        /* root complex + host DRAM, per DMA read */
};

enum nicdrv_notify { NICDRV_NOTIFY_IRQ, NICDRV_NOTIFY_POLL };

/* Fault injection; every rate is a probability in [0, 1], draws come from
 * one deterministic stream seeded by seed. */
struct nicdrv_faults {
    double dma_error_rate;       /* per DMA read (descriptor fetch, payload fetch) */
    double drop_completion_rate; /* per completion: the device never posts it */
    double reset_rate;           /* per command started: the queue engine resets mid-command */
    uint64_t seed;
};

struct nicdrv_config {
    struct nicdrv_pcie pcie;
    unsigned ring_size;        /* descriptors per ring, power of 2, 2..4096 */
    uint32_t cmd_buffer;       /* host buffer per command (payload in + result out), bytes */
    double core_mhz;           /* device clock: cycles below are at this clock */
    struct ebpf_core_timing core; /* mem_latency[placement] and map_helper costs */
    unsigned cmd_cycles;       /* firmware cycles per command (decode, checks) */
    unsigned elem_cycles;      /* extra cycles per batch element */
    double reset_recovery_ns;  /* a reset queue engine is down at least this long */
    uint8_t default_placement; /* enum ebpf_placement of maps not in the table */
    struct {
        char map[64];
        uint8_t placement;     /* enum ebpf_placement */
    } map_placement[NICDRV_MAX_PLACEMENTS];
    unsigned n_map_placements;
    unsigned n_cpus;           /* cores that run packets (<= the object's n_cpus) */
    /* host side */
    uint8_t notify;            /* enum nicdrv_notify */
    double irq_ns;             /* MSI-X write to the handler running */
    double poll_ns;            /* polling: the host reads the CQ every poll_ns */
    double timeout_ns;         /* no completion after this: the host checks the device */
    unsigned max_retries;      /* failed attempts of one command before giving up */
    bool nonblocking;          /* submit on a full ring: -EAGAIN instead of waiting */
    struct nicdrv_faults faults;
};

/* The hardware config's defaults (Gen3 x8, MPS 256, MRRS 512, 24-byte TLP
 * overhead, 500 ns one way, ring of 256, 250 MHz, maps in SRAM) and the
 * driver's own: 32 KiB command buffers, interrupts after 1.5 us, 1 ms
 * timeout, 16 retries, no faults. */
void nicdrv_config_default(struct nicdrv_config *cfg);
/* The link ([pcie]), command ring ([rings] cmd_ring), core clock and
 * timing, and map placements ([memory]) of the hardware config: the same
 * INI file as ebpfsim nic (docs/configuration.md). */
int nicdrv_config_from_hw(struct nicdrv_config *cfg, const struct ebpf_hwconfig *hw, char *err,
                          size_t errlen);
/* "gen3x8", "gen4x16", "gen5x4" ... */
int nicdrv_config_set_link(struct nicdrv_config *cfg, const char *spec, char *err, size_t errlen);
/* Add or change the placement of the map called name. */
int nicdrv_config_set_placement(struct nicdrv_config *cfg, const char *map, enum ebpf_placement p,
                                char *err, size_t errlen);
/* "dma=0.05,drop=0.05,reset=0.0014,seed=7" */
int nicdrv_config_set_faults(struct nicdrv_config *cfg, const char *spec, char *err, size_t errlen);
int nicdrv_config_check(const struct nicdrv_config *cfg, char *err, size_t errlen);
/* Usable bytes per nanosecond in one direction (after line encoding). */
double nicdrv_pcie_bytes_per_ns(const struct nicdrv_pcie *p);
/* "sram", "dram", "host" -> placement, or -EINVAL. */
int nicdrv_placement_parse(const char *name);
const char *nicdrv_placement_name(unsigned p);

/* ------------------------------------------------------------------ */
/* Device status codes (in every completion). */

enum nicdrv_status {
    NICDRV_ST_OK = 0,
    NICDRV_ST_NOENT,          /* no such element, or no next key */
    NICDRV_ST_EXIST,          /* BPF_NOEXIST and the element exists */
    NICDRV_ST_E2BIG,          /* map full, or index past max_entries */
    NICDRV_ST_MAP_ERROR,      /* the map refused; detail holds the errno */
    NICDRV_ST_BAD_OPCODE,     /* unknown command opcode */
    NICDRV_ST_BAD_DESC,       /* malformed descriptor: version, reserved bits, lengths */
    NICDRV_ST_BAD_ADDR,       /* a payload or result address outside host memory */
    NICDRV_ST_UNKNOWN_MAP,    /* no map with that id */
    NICDRV_ST_BAD_KEY_SIZE,   /* detail: the map's key size */
    NICDRV_ST_BAD_VALUE_SIZE, /* detail: the map's value size as bpf(2) sees it */
    NICDRV_ST_BAD_FLAGS,      /* flags the command does not take */
    NICDRV_ST_OUT_TOO_SMALL,  /* result buffer too small; detail: bytes needed */
    NICDRV_ST_UNKNOWN_PROG,   /* no program with that id */
    NICDRV_ST_BAD_PROG,       /* program image does not match, or unknown object */
    NICDRV_ST_PROG_MISMATCH,  /* attach: the expected old program is not the attached one */
    NICDRV_ST_PROG_BUSY,      /* unload of the attached program */
    NICDRV_ST_NO_SPACE,       /* program table full */
    NICDRV_ST_DMA_ERROR,      /* a DMA read of the descriptor or payload failed */
    NICDRV_ST_SEQ_GAP,        /* sequence number ahead of the next expected one */
    NICDRV_ST_STALE_SEQ,      /* sequence number older than the replay window */
    NICDRV_ST_COUNT
};

/* BAD_PROG detail: the reason in bits 31..28, a value in bits 27..0. */
enum nicdrv_bad_prog {
    NICDRV_BAD_PROG_OBJECT = 1, /* no object with that tag */
    NICDRV_BAD_PROG_INDEX,      /* program index too large; value: programs in the object */
    NICDRV_BAD_PROG_LENGTH,     /* image length; value: the program's length in bytes */
    NICDRV_BAD_PROG_INSN,       /* image differs from the program; value: instruction index */
};
#define NICDRV_BAD_PROG_DETAIL(reason, value) ((uint32_t)(reason) << 28 | ((uint32_t)(value) & 0x0fffffffu))

const char *nicdrv_status_name(unsigned status);
/* The negative errno a status becomes at the API (detail: the completion's). */
int nicdrv_status_errno(unsigned status, uint32_t detail);

/* ------------------------------------------------------------------ */
/* Commands. */

enum nicdrv_op {
    NICDRV_OP_NOP = 0,
    NICDRV_OP_DEV_INFO,         /* out: struct layout of nicdrv_dev_info */
    NICDRV_OP_MAP_INFO,         /* target: map id */
    NICDRV_OP_MAP_LOOKUP,       /* in: key; out: value */
    NICDRV_OP_MAP_UPDATE,       /* in: key, value; flags BPF_ANY/NOEXIST/EXIST */
    NICDRV_OP_MAP_DELETE,       /* in: key */
    NICDRV_OP_MAP_GET_NEXT,     /* in: key or nothing (first); out: next key */
    NICDRV_OP_MAP_LOOKUP_BATCH, /* in: cursor key or nothing; out: count x (key, value) */
    NICDRV_OP_MAP_UPDATE_BATCH, /* in: count x (key, value); flags per element */
    NICDRV_OP_MAP_DELETE_BATCH, /* in: count x key */
    NICDRV_OP_PROG_LOAD,        /* target: object tag; aux: program index; in: the image */
    NICDRV_OP_PROG_ATTACH,      /* target: program id (0 detaches); aux: expected old id */
    NICDRV_OP_PROG_UNLOAD,      /* target: program id */
    NICDRV_OP_PROG_INFO,        /* target: program id */
    NICDRV_OP_STATS,            /* out: device counters */
    NICDRV_OP_COUNT
};

const char *nicdrv_op_name(unsigned op);

/* PROG_ATTACH flag: fail with PROG_MISMATCH unless aux is the attached program
 * (as BPF_F_REPLACE does for bpf_link_update). */
#define NICDRV_F_REPLACE (1u << 0)

/* An asynchronous command.  Inputs are copied into host memory at submit;
 * out must stay valid until the command completes. */
struct nicdrv_cmd {
    uint8_t op;           /* enum nicdrv_op */
    uint32_t target;      /* map id, program id or object tag */
    uint32_t key_size;
    uint32_t value_size;
    uint32_t count;       /* batch elements (0 is taken as 1 for single ops) */
    uint64_t flags;
    uint32_t aux;
    const void *in;
    uint32_t in_len;
    void *out;
    uint32_t out_len;     /* capacity of out */
    uint64_t user;        /* echoed in the completion */
};

/* Where the time of one command went (its last attempt, except total). */
struct nicdrv_timing {
    double queue_ns;         /* submit to the descriptor being written (ring full, retries) */
    double doorbell_ns;      /* MMIO write of the doorbell */
    double wait_ns;          /* device busy with earlier commands */
    double desc_fetch_ns;    /* descriptor DMA read (0 when prefetched) */
    double payload_fetch_ns; /* payload DMA read */
    double exec_ns;          /* firmware + map accesses at the placement's latency */
    double writeback_ns;     /* result and completion DMA writes */
    double notify_ns;        /* interrupt or polling delay */
    double total_ns;         /* first submission to the host seeing the completion */
};

struct nicdrv_completion {
    uint32_t seq;
    uint8_t op;
    uint64_t user;
    int rc;               /* 0 or a negative errno */
    uint16_t status;      /* enum nicdrv_status */
    uint32_t detail;      /* status detail (errno, expected size, ...) */
    uint32_t count;       /* batch: elements processed */
    uint32_t out_len;     /* result bytes written */
    uint32_t aux;         /* PROG_LOAD: the new program id; PROG_ATTACH: the old one */
    uint32_t desc_pos;    /* ring position of the descriptor that completed */
    unsigned attempts;    /* descriptors written for this command */
    uint64_t submit_ps;
    uint64_t apply_ps;    /* when the device applied it (0 if it did not) */
    uint64_t done_ps;     /* when the host saw the completion */
    struct nicdrv_timing t;
};

/* ------------------------------------------------------------------ */
/* Results of the info and statistics commands. */

struct nicdrv_dev_info {
    uint32_t n_maps;
    uint32_t n_progs;        /* loaded programs */
    uint32_t attached_prog;  /* 0: none */
    uint32_t ring_size;
    uint32_t seq_window;     /* replayable sequence numbers */
    uint32_t n_cpus;
    uint32_t resets;
};

struct nicdrv_map_info {
    uint32_t id;
    char name[64];
    uint32_t type;           /* enum bpf_map_type */
    uint32_t key_size;
    uint32_t value_size;     /* as bpf(2) sees it: per-CPU maps hold n_cpus copies */
    uint32_t max_entries;
    uint32_t map_flags;
    uint32_t n_cpus;         /* copies in a value (1 unless per-CPU) */
    uint32_t placement;      /* enum ebpf_placement */
    uint32_t object;         /* object tag the map belongs to */
};

struct nicdrv_prog_info {
    uint32_t id;
    char name[64];
    uint32_t object;         /* object tag */
    uint32_t index;          /* program index in its object */
    uint32_t n_insns;
    uint32_t attached;
    uint64_t packets;
};

enum { NICDRV_VERDICTS = 5 };

struct nicdrv_dev_stats {
    uint64_t commands;       /* executed (replays not included) */
    uint64_t replays;        /* answered from the replay log */
    uint64_t rejected;       /* completed with a status other than OK/NOENT */
    uint64_t dma_errors;     /* injected DMA read failures */
    uint64_t dropped;        /* injected lost completions */
    uint64_t resets;
    uint64_t resets_mid_batch; /* resets after some but not all elements of a batch */
    uint64_t seq_gaps;
    uint64_t elems_read;
    uint64_t elems_written;
    uint64_t prog_swaps;
    uint64_t packets;
    uint64_t verdicts[NICDRV_VERDICTS];
    uint64_t busy_ps;        /* command engine busy time */
    uint64_t bytes_up;       /* device -> host (DMA writes, read completions) */
    uint64_t bytes_down;     /* host -> device (MMIO, read requests' data) */
    uint64_t tlps_up;
    uint64_t tlps_down;
};

struct nicdrv_stats {
    uint64_t submitted;      /* commands accepted */
    uint64_t completed;      /* with rc 0 */
    uint64_t failed;         /* with rc < 0 */
    uint64_t descriptors;    /* descriptors written (first attempts + resends) */
    uint64_t resends;
    uint64_t timeouts;
    uint64_t status_reads;   /* MMIO reads of the device status */
    uint64_t reinits;        /* queue re-initialisations after a device reset */
    uint64_t dma_errors;     /* DMA_ERROR completions */
    uint64_t seq_gaps;       /* SEQ_GAP completions */
    uint64_t lost_completions; /* detected by a gap or a timeout */
    uint64_t stale;          /* completions of superseded attempts, ignored */
    uint64_t doorbells;
    uint64_t ring_full_waits;
    uint64_t eagain;
    uint64_t latency_count;
    double latency_sum_ns;
    double latency_min_ns;
    double latency_max_ns;
};

/* ------------------------------------------------------------------ */
/* The device. */

/* A NIC over obj: the object's maps become device maps 0..n-1, placed by
 * the config's table.  The device does not own obj. */
int nicdrv_dev_create(ebpf_object *obj, const struct nicdrv_config *cfg, nicdrv_dev **out,
                      char *err, size_t errlen);
void nicdrv_dev_destroy(nicdrv_dev *dev);
/* Change a map's placement (takes effect for the next command). */
int nicdrv_dev_set_placement(nicdrv_dev *dev, uint32_t map_id, enum ebpf_placement p);
/* Make another object's programs loadable (its maps get the next map ids);
 * returns the object tag (0 is the device's own object).  Stands for the
 * firmware image a real driver would build: PROG_LOAD still transfers and
 * checks the instruction image. */
int nicdrv_dev_add_object(nicdrv_dev *dev, ebpf_object *obj, char *err, size_t errlen);
/* The attached program (for engines that run it on their own cores):
 * 0 and *prog_id = 0 when none is attached. */
int nicdrv_dev_attached(const nicdrv_dev *dev, uint32_t *prog_id, ebpf_object **obj,
                        unsigned *prog_index);
/* Run the attached program on a packet on core cpu, now.  With no program
 * attached the NIC passes the packet (action XDP_PASS, *prog_id 0). */
int nicdrv_dev_run_xdp(nicdrv_dev *dev, unsigned cpu, struct ebpf_xdp_frame *frame,
                       uint32_t *prog_id, struct ebpf_xdp_result *res);
/* Device counters, read directly (the STATS command reads them over PCIe). */
void nicdrv_dev_get_stats(const nicdrv_dev *dev, struct nicdrv_dev_stats *st);
ebpf_map *nicdrv_dev_map(const nicdrv_dev *dev, uint32_t map_id);

/* ------------------------------------------------------------------ */
/* The host driver. */

/* Attach the host driver to a device (one driver per device). */
int nicdrv_open(nicdrv_dev *dev, nicdrv **out, char *err, size_t errlen);
/* A device over obj and a driver attached to it; closing the driver
 * destroys the device. */
int nicdrv_open_object(ebpf_object *obj, const struct nicdrv_config *cfg, nicdrv **out,
                       char *err, size_t errlen);
void nicdrv_close(nicdrv *nic);
nicdrv_dev *nicdrv_device(const nicdrv *nic);
const struct nicdrv_config *nicdrv_config(const nicdrv *nic);
/* The message of the last failed call ("" if none). */
const char *nicdrv_errmsg(const nicdrv *nic);

/* Simulated time. */
uint64_t nicdrv_now_ps(const nicdrv *nic);
/* Run the device and the driver up to t (>= now): commands apply, completions
 * arrive, timeouts fire.  Returns 0. */
int nicdrv_advance_ps(nicdrv *nic, uint64_t t_ps);
/* The time of the next pending event, UINT64_MAX if none. */
uint64_t nicdrv_next_event_ps(nicdrv *nic);

/* Asynchronous commands: submit at the current time; poll the completions
 * the host has seen so far; wait advances time until a command completes. */
int nicdrv_submit(nicdrv *nic, const struct nicdrv_cmd *cmd, uint32_t *seq);
int nicdrv_poll(nicdrv *nic, struct nicdrv_completion *out, unsigned max);
int nicdrv_wait(nicdrv *nic, uint32_t seq, struct nicdrv_completion *out);
unsigned nicdrv_outstanding(const nicdrv *nic);
/* Submit on a full ring: -EAGAIN (true) or wait, advancing time (false,
 * the config's default). */
void nicdrv_set_nonblocking(nicdrv *nic, bool nonblocking);

/* Synchronous calls (submit + wait).  Sizes are the caller's; the device
 * checks them against the map.  Each call leaves its completion (latency,
 * attempts, status) in nicdrv_last(). */
int nicdrv_dev_info(nicdrv *nic, struct nicdrv_dev_info *info);
unsigned nicdrv_map_count(const nicdrv *nic);
/* Map info as read from the device at open (and after objects are added). */
int nicdrv_map_info(nicdrv *nic, uint32_t map_id, struct nicdrv_map_info *info);
int nicdrv_map_by_name(nicdrv *nic, const char *name);
int nicdrv_map_lookup_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size,
                           void *value, uint32_t value_size);
int nicdrv_map_update_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size,
                           const void *value, uint32_t value_size, uint64_t flags);
int nicdrv_map_delete_elem(nicdrv *nic, uint32_t map_id, const void *key, uint32_t key_size);
/* key NULL: the first key.  -ENOENT after the last. */
int nicdrv_map_get_next_key(nicdrv *nic, uint32_t map_id, const void *key, void *next_key,
                            uint32_t key_size);
/* As bpf_map_lookup_batch: in_batch NULL starts; out_batch receives the
 * cursor (a key) for the next call; *count in: room, out: elements copied;
 * -ENOENT when the map is exhausted (*count may still be > 0). */
int nicdrv_map_lookup_batch(nicdrv *nic, uint32_t map_id, const void *in_batch, void *out_batch,
                            void *keys, void *values, uint32_t *count, uint32_t key_size,
                            uint32_t value_size);
/* As bpf_map_update_batch: stops at the first failing element; *count out:
 * elements applied. */
int nicdrv_map_update_batch(nicdrv *nic, uint32_t map_id, const void *keys, const void *values,
                            uint32_t *count, uint32_t key_size, uint32_t value_size,
                            uint64_t elem_flags);
int nicdrv_map_delete_batch(nicdrv *nic, uint32_t map_id, const void *keys, uint32_t *count,
                            uint32_t key_size);

/* Programs: load program prog_index of obj (obj may be the device's object
 * or another one, which is then added to the device). */
int nicdrv_prog_load(nicdrv *nic, ebpf_object *obj, unsigned prog_index, uint32_t *prog_id);
/* Replace the running program at the next packet boundary; prog_id 0
 * detaches.  With NICDRV_F_REPLACE, expected_old must be the attached one. */
int nicdrv_prog_attach(nicdrv *nic, uint32_t prog_id, uint32_t expected_old, uint32_t flags);
int nicdrv_prog_unload(nicdrv *nic, uint32_t prog_id);
int nicdrv_prog_info(nicdrv *nic, uint32_t prog_id, struct nicdrv_prog_info *info);
/* Device statistics over PCIe, and the driver's own counters (either may be NULL). */
int nicdrv_stats(nicdrv *nic, struct nicdrv_dev_stats *dev, struct nicdrv_stats *host);
void nicdrv_host_stats(const nicdrv *nic, struct nicdrv_stats *host);

/* The completion of the last synchronous command. */
const struct nicdrv_completion *nicdrv_last(const nicdrv *nic);
/* Modelled time of the last synchronous call (several descriptors for a
 * batch split to fit the command buffers). */
double nicdrv_last_call_ns(const nicdrv *nic);

/* Run the attached program on a packet at the current time (see
 * nicdrv_dev_run_xdp). */
int nicdrv_run_xdp(nicdrv *nic, unsigned cpu, struct ebpf_xdp_frame *frame, uint32_t *prog_id,
                   struct ebpf_xdp_result *res);

/* ------------------------------------------------------------------ */
/* Control-plane schedules: timed operations run while traffic flows
 * (docs/driver.md, "Schedule files").  One operation a line:
 *
 *   TIME update MAP key HEX value HEX [any|noexist|exist]
 *   TIME delete MAP key HEX
 *   TIME lookup MAP key HEX
 *   TIME replace PROG [object FILE]
 *
 * TIME is a number with a unit (ns, us, ms, s) counted from the start the
 * caller gives (ebpfsim: the first packet).  An operation is submitted at
 * its time and takes effect when the device applies it (submission plus
 * the modelled latency, faults and retries included): a packet sees it iff
 * the packet's time is at or after that instant.  replace loads the
 * program (PROG_LOAD) at TIME and attaches it (PROG_ATTACH) as soon as the
 * host sees the load complete. */

typedef struct nicdrv_sched nicdrv_sched;

enum nicdrv_sched_op { NICDRV_SCHED_UPDATE, NICDRV_SCHED_DELETE, NICDRV_SCHED_LOOKUP,
                       NICDRV_SCHED_REPLACE };

struct nicdrv_sched_entry {
    unsigned line;             /* in the schedule file */
    uint8_t op;                /* enum nicdrv_sched_op */
    char text[160];            /* the line, trimmed */
    uint64_t at_ps;            /* TIME */
    uint64_t submit_ps;        /* absolute (driver clock); 0 until submitted */
    uint64_t apply_ps;         /* when the device applied it (replace: the attach) */
    uint64_t done_ps;          /* when the host saw it complete */
    unsigned attempts;         /* descriptors written (replace: load + attach) */
    int rc;                    /* 0 or a negative errno */
    char msg[NICDRV_ERR_LEN];  /* the driver's message when rc < 0 */
    uint32_t prog_id;          /* replace: the new program's id */
    uint8_t value[256];        /* lookup: the value read (first 256 bytes) */
    uint32_t value_len;
    int64_t first_packet;      /* set by nicdrv_sched_packet: -1 none yet */
    bool done;
    /* internal */
    uint32_t map_id, seq;
    int obj_tag;
    unsigned prog_index;
    ebpf_object *obj;          /* replace: the object (opened for object FILE) */
    uint64_t flags;
    uint8_t *in;
    uint32_t in_len, key_size, value_size;
    int phase;                 /* 0 waiting, 1 submitted, 2 replace: attach submitted, 3 attach due */
};

/* Read a schedule; errors are "FILE:LINE: why". */
int nicdrv_sched_load(const char *path, nicdrv_sched **out, char *err, size_t errlen);
/* Resolve map and program names on the driver's device, check key and
 * value sizes, open the objects of replace ... object FILE (with oo) and
 * add them to the device (before the traffic starts, so no operation
 * waits for it later).  Objects named are searched in obj (the device's
 * object) first. */
int nicdrv_sched_bind(nicdrv_sched *s, nicdrv *nic, ebpf_object *obj,
                      const struct ebpf_object_opts *oo, char *err, size_t errlen);
/* TIME 0 is base_ps on the driver's clock. */
void nicdrv_sched_start(nicdrv_sched *s, uint64_t base_ps);
/* Run the driver up to t_ps, submitting operations when their time comes
 * and completing them (nonblocking submission: a full ring delays an
 * operation, it never blocks the caller past t_ps). */
int nicdrv_sched_advance(nicdrv_sched *s, uint64_t t_ps);
/* A packet at t_ps (index in the trace) is about to run: records the first
 * packet that sees each applied operation. */
void nicdrv_sched_packet(nicdrv_sched *s, uint64_t index, uint64_t t_ps);
/* Run the rest of the schedule to completion (after the last packet). */
int nicdrv_sched_finish(nicdrv_sched *s);
unsigned nicdrv_sched_count(const nicdrv_sched *s);
const struct nicdrv_sched_entry *nicdrv_sched_entry(const nicdrv_sched *s, unsigned i);
/* Operations that failed (rc < 0) so far. */
unsigned nicdrv_sched_failed(const nicdrv_sched *s);
void nicdrv_sched_free(nicdrv_sched *s);

#ifdef __cplusplus
}
#endif
#endif
