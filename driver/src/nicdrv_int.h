/*
 * nicdrv_int.h - internals shared by the driver's files: the wire formats
 * (descriptor, completion entry, info records), the PCIe link model, the
 * device and the host driver state.
 */
#ifndef NICDRV_INT_H
#define NICDRV_INT_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nicdrv.h"

#define PS_PER_NS 1000u
#define DESC_VERSION 1u
/* Bus address of host memory byte 0: address 0 is never valid. */
#define HOST_BUS_BASE UINT64_C(0x100000000)
/* Largest payload the device's command engine buffers. */
#define DEV_MAX_PAYLOAD (1u << 20)

/* ------------------------------------------------------------------ */
/* Little-endian field access: the wire formats never depend on the host's
 * struct layout. */

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Submission descriptor (NICDRV_DESC_SIZE bytes). */
enum {
    D_OPCODE = 0,     /* u8 */
    D_VERSION = 1,    /* u8, DESC_VERSION */
    D_RSVD0 = 2,      /* u16, 0 */
    D_SEQ = 4,        /* u32 */
    D_TARGET = 8,     /* u32 map id / program id / object tag */
    D_KEY_SIZE = 12,  /* u32 */
    D_VALUE_SIZE = 16, /* u32 */
    D_COUNT = 20,     /* u32 */
    D_FLAGS = 24,     /* u64 */
    D_IN_ADDR = 32,   /* u64 bus address */
    D_IN_LEN = 40,    /* u32 */
    D_OUT_LEN = 44,   /* u32 capacity */
    D_OUT_ADDR = 48,  /* u64 bus address */
    D_AUX = 56,       /* u32 */
    D_RSVD1 = 60,     /* u32, 0 */
};

struct desc {
    uint8_t opcode, version;
    uint16_t rsvd0;
    uint32_t seq, target, key_size, value_size, count;
    uint64_t flags, in_addr;
    uint32_t in_len, out_len;
    uint64_t out_addr;
    uint32_t aux, rsvd1;
};

void desc_encode(uint8_t *b, const struct desc *d);
void desc_decode(const uint8_t *b, struct desc *d);

/* Completion entry (NICDRV_CQE_SIZE bytes). */
enum {
    C_SEQ = 0,      /* u32, 0 when the descriptor could not be read */
    C_POS = 4,      /* u32 ring position of the descriptor */
    C_STATUS = 8,   /* u16 */
    C_PHASE = 10,   /* u8: flips on each pass over the ring */
    C_RSVD = 11,
    C_COUNT = 12,   /* u32 */
    C_DETAIL = 16,  /* u32 */
    C_OUT_LEN = 20, /* u32 */
    C_SQ_HEAD = 24, /* u32 the device's fetch position after this descriptor */
    C_AUX = 28,     /* u32 */
};

/* Result records of the info commands. */
enum { DEVINFO_SIZE = 28, MAPINFO_SIZE = 100, PROGINFO_SIZE = 96, STATS_SIZE = 22 * 8 };

/* ------------------------------------------------------------------ */
/* The PCIe link. */

struct pcie_model {
    double bytes_per_ps;   /* one direction, after line encoding */
    uint64_t latency_ps;   /* one way */
    uint64_t host_mem_ps;  /* completer latency of host memory */
    unsigned mps, mrrs, tlp_overhead;
};

/* One transfer: when it arrives (relative to its start), how long it
 * occupies the link, and what it puts on the wire in each direction. */
struct pcie_xfer {
    uint64_t done_ps;      /* last byte delivered */
    uint64_t ser_ps;       /* serialisation of the data-carrying TLPs */
    uint64_t wire_up, wire_down;
    uint32_t tlps_up, tlps_down;
};

void pcie_model_init(struct pcie_model *m, const struct nicdrv_pcie *p);
uint64_t pcie_ser_ps(const struct pcie_model *m, uint64_t wire_bytes);
/* A posted write of bytes (split at MPS); to_host: device -> host. */
void pcie_write(const struct pcie_model *m, uint32_t bytes, bool to_host, struct pcie_xfer *x);
/* A read of bytes: read requests split at MRRS, completions at MPS, the
 * completer answering after completer_ps.  by_device: the device reads
 * host memory (requests go up, data comes down). */
void pcie_read(const struct pcie_model *m, uint32_t bytes, bool by_device, uint64_t completer_ps,
               struct pcie_xfer *x);

/* ------------------------------------------------------------------ */
/* The device. */

/* Device registers the host writes (posted MMIO writes, in order):
 *  SQ_TAIL     doorbell: the host's submission tail (free-running position);
 *  CQ_HEAD     the host's completion head (room in the completion ring);
 *  QUEUE_INIT  re-enable the queue after a reset with the tail given (the
 *              host re-posted that many descriptors from position 0);
 *  SKIP_SEQ    the host gave up on this sequence number: never apply it. */
enum dev_reg { REG_SQ_TAIL, REG_CQ_HEAD, REG_QUEUE_INIT, REG_SKIP_SEQ };

struct mmio_write {
    uint64_t t;            /* arrival at the device */
    uint8_t reg;           /* enum dev_reg */
    uint32_t value;
};

/* Absolute times of one descriptor's trip through the device. */
struct timeline {
    uint64_t start, desc, payload, apply, cq, note;
};

struct pending_cqe {
    uint64_t t_cq;         /* written into the host's completion ring */
    uint64_t t_note;       /* the host notices (interrupt / poll) */
    uint32_t cq_pos;
    bool written;
    uint8_t bytes[NICDRV_CQE_SIZE];
};

struct log_entry {
    bool valid;
    uint32_t seq;
    uint16_t status;
    uint32_t detail, count, aux, out_len;
    uint64_t apply_ps;
    uint8_t *out;
    uint32_t out_cap;
};

struct dev_map {
    ebpf_map *map;
    char name[64];
    uint32_t object;
    uint32_t type, key_size, value_size, max_entries, map_flags, n_cpus;
    uint8_t placement;
};

struct dev_object {
    ebpf_object *obj;
    ebpf_core **cores;     /* per cpu, created on first use */
    unsigned n_cores;
};

struct dev_prog {
    bool used;
    uint32_t object, index, n_insns;
    char name[64];
    uint64_t packets;
};

enum plan_kind { PLAN_EXEC, PLAN_RESET };

/* The command the engine is working on: everything decided when it started
 * (DMA faults drawn, costs computed); its effect happens at t_event. */
struct dev_plan {
    bool active;
    uint8_t kind;          /* enum plan_kind */
    uint32_t pos;
    uint64_t t_event;
    bool have_desc;        /* false: the descriptor read failed */
    struct desc d;
    uint16_t early;        /* status decided before execution, or NICDRV_ST_COUNT */
    uint32_t early_detail;
    bool replay;
    bool drop;
    uint32_t reset_elems;  /* RESET: elements applied before the reset */
    struct timeline tl;
    uint8_t *payload;
    uint32_t payload_cap;
};

struct nicdrv_dev {
    struct nicdrv_config cfg;
    struct pcie_model link;
    double ps_per_cycle;
    uint64_t now;          /* the simulated clock, picoseconds */

    struct dev_object *objs;
    unsigned n_objs;
    struct dev_map *maps;
    unsigned n_maps;
    struct dev_prog progs[NICDRV_MAX_PROGS + 1]; /* ids 1..NICDRV_MAX_PROGS */
    uint32_t attached;

    /* The host memory the device reaches by DMA (set when a driver attaches). */
    struct nicdrv *host;
    uint8_t *host_mem;
    size_t host_mem_size;
    uint64_t sq_addr, cq_addr;
    uint32_t ring_size;

    /* Queue engine. */
    bool up;
    uint64_t down_until;
    uint32_t reset_gen;
    uint32_t sq_head, sq_tail;
    uint32_t cq_tail;
    uint32_t cq_head_credit; /* host's CQ head: room in the completion ring */
    uint8_t *cache;          /* prefetched descriptors */
    uint64_t *cache_ready;   /* per prefetched descriptor: its payload is in (0: not read) */
    uint32_t cache_base, cache_n;
    uint64_t free_at;        /* engine idle from */
    struct dev_plan plan;
    struct mmio_write *mmio;
    size_t mmio_head, mmio_n, mmio_cap;
    struct pending_cqe *cqes;
    size_t cqe_head, cqe_n, cqe_cap;
    struct timeline *cq_timeline; /* side band per CQ slot (simulation only) */
    uint64_t *cq_apply;

    /* Exactly-once state, kept in device memory across queue resets. */
    uint32_t expected_seq;
    struct log_entry *log;
    uint32_t log_size;
    bool partial_valid;
    uint32_t partial_seq, partial_done;

    uint8_t *out;            /* result being built */
    uint32_t out_cap;
    uint64_t rng;
    struct nicdrv_dev_stats st;
};

/* device.c */
void dev_attach_host(nicdrv_dev *dev, struct nicdrv *host, uint8_t *mem, size_t size,
                     uint64_t sq_addr, uint64_t cq_addr, uint32_t ring_size);
void dev_detach_host(nicdrv_dev *dev);
void dev_mmio_write(nicdrv_dev *dev, uint64_t t_arrive, enum dev_reg reg, uint32_t value);
struct dev_status {
    bool up;
    uint32_t reset_gen, expected_seq, sq_head;
};
void dev_read_status(const nicdrv_dev *dev, struct dev_status *st);
/* Earliest device event (MMIO arrival, engine start, command effect, CQE
 * write), UINT64_MAX if none. */
uint64_t dev_next_event(const nicdrv_dev *dev);
/* Process every device event at exactly dev->now. Returns true if any. */
bool dev_step(nicdrv_dev *dev);
/* The earliest notification time of a written-or-pending CQE. */
uint64_t dev_next_note(const nicdrv_dev *dev);
/* Drop notifications due at or before t (the host is reaping). */
void dev_pop_notes(nicdrv_dev *dev, uint64_t t);

/* exec.c: the semantics of one command on the device's maps and programs. */
struct exec_result {
    uint16_t status;
    uint32_t detail, count, aux, out_len;
};
/* Checks a descriptor's fields for its opcode (everything that needs no
 * payload); NICDRV_ST_OK or the status to reject it with. */
uint16_t exec_check(nicdrv_dev *dev, const struct desc *d, uint32_t *detail);
/* Executes elements [first, first + limit) of a checked command. */
void exec_run(nicdrv_dev *dev, const struct desc *d, const uint8_t *in, uint32_t first,
              uint32_t limit, struct exec_result *r);
/* Cycles and extra picoseconds (host-placed maps: bytes over PCIe) the
 * device spends executing d. */
uint64_t exec_cost_ps(const nicdrv_dev *dev, const struct desc *d);
bool op_mutates(unsigned op);
bool op_is_batch_write(unsigned op);

/* ------------------------------------------------------------------ */
/* The host driver. */

/* QUEUED: has a sequence number, waits for a ring slot (new or resent);
 * INFLIGHT: its current attempt is a descriptor in the ring;
 * DONE: completed, a synchronous caller has not collected it yet. */
enum cmd_state { CMD_FREE, CMD_QUEUED, CMD_INFLIGHT, CMD_DONE };

struct host_cmd {
    uint8_t state;          /* enum cmd_state */
    bool internal;          /* a synchronous call waits for it */
    uint32_t seq;
    struct nicdrv_cmd cmd;  /* the caller's command (in: already copied) */
    uint32_t out_off;       /* result offset in the command buffer */
    uint32_t pos;           /* ring position of the current attempt */
    uint64_t t_submit, t_first_post, t_post, t_doorbell, deadline;
    unsigned attempts, failures;
    struct nicdrv_completion done;
};

/* Test hook: called on every descriptor the host writes into the ring
 * (after encoding), so a test can malform it. */
typedef void (*nicdrv_tamper_fn)(void *user, uint32_t seq, uint8_t *desc);

struct nicdrv {
    nicdrv_dev *dev;
    bool owns_dev;
    struct nicdrv_config cfg;
    struct pcie_model link;
    uint64_t mmio_write_ps;  /* a posted 4-byte write reaching the device */
    uint64_t mmio_read_ps;   /* one way of a 4-byte read */
    uint8_t *mem;            /* host memory the device reaches by DMA */
    size_t mem_size;
    size_t sq_off, cq_off, buf_off;
    uint32_t ring;           /* R: ring slots, commands in flight at most */

    uint32_t sq_tail;        /* next ring position to write */
    uint32_t head_known;     /* device's fetch position as last reported */
    uint32_t cq_head;
    uint8_t cq_phase;
    bool need_init;          /* after a reset: the next doorbell is QUEUE_INIT */
    uint32_t known_gen;      /* device reset generation the queue was set up in */
    int32_t *slot_cmd;       /* per ring slot: command index of the attempt there, -1 */
    uint32_t *slot_pos;      /* and its ring position */

    struct host_cmd *cmds;   /* R entries: command seq lives in cmds[seq % R] and
                                owns command buffer seq % R */
    uint32_t next_seq;       /* next sequence number to give */
    uint32_t oldest;         /* oldest sequence number whose entry is not free */
    unsigned n_queued, n_inflight;
    uint64_t deadline_min;   /* earliest deadline of an attempt in flight (cached) */
    bool deadline_dirty;

    /* An MMIO read of the device's status (after a timeout). */
    int status_phase;        /* 0 idle, 1 read on its way, 2 value on its way back */
    uint64_t status_sample_ps, status_done_ps;
    struct dev_status status;

    struct nicdrv_completion *done_list; /* async completions not yet polled */
    size_t done_head, done_n, done_cap;

    struct nicdrv_map_info *maps;
    unsigned n_maps;

    nicdrv_tamper_fn tamper;
    void *tamper_user;

    struct nicdrv_stats st;
    struct nicdrv_completion last;
    double last_call_ns;
    char err[NICDRV_ERR_LEN];
};

/* host.c */
int host_set_err(nicdrv *nic, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Submit and wait for one command (not reported to nicdrv_poll). */
int host_call(nicdrv *nic, const struct nicdrv_cmd *cmd, struct nicdrv_completion *out);
/* Put the error of a failed command into nic->err (what: the call and its
 * target); returns c->rc. */
int host_fail(nicdrv *nic, const struct nicdrv_cmd *cmd, const struct nicdrv_completion *c,
              const char *what);
int host_refresh_maps(nicdrv *nic);

/* A deterministic stream for fault injection (splitmix64). */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static inline double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }
static inline bool rng_hit(uint64_t *s, double rate) { return rate > 0 && rng_unit(s) < rate; }

static inline uint64_t ns_to_ps(double ns) { return ns <= 0 ? 0 : (uint64_t)(ns * PS_PER_NS + 0.5); }
static inline double ps_to_ns(uint64_t ps) { return (double)ps / PS_PER_NS; }
/* Serial-number comparison of free-running 32-bit positions. */
static inline bool pos_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* Make the byte buffer *buf of *cap bytes hold at least n; false (buffer
 * unchanged) when out of memory. */
static inline bool bytes_reserve(uint8_t **buf, uint32_t *cap, uint32_t n)
{
    if (n <= *cap)
        return true;
    uint8_t *b = realloc(*buf, n);
    if (!b)
        return false;
    *buf = b;
    *cap = n;
    return true;
}

#endif
