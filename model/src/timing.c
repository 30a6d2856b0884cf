/* Timing model: cycles from retire records, per docs/microarchitecture.md.
 * Every stall freezes the whole pipeline, so an instruction's cost is its
 * class's base cycles plus the penalties that apply to it, and a packet's
 * issue cycles are the sum over its instructions. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_timing.h"
#include "runtime_int.h"

static pthread_once_t row_info_once = PTHREAD_ONCE_INIT;
static void build_row_info(void);

const char *const ebpf_stall_names[EBPF_STALL_COUNT] = {
    "load_use", "branch", "multicycle", "memory", "helper", "pkt_wait",
};

const char *const ebpf_placement_names[EBPF_PLACE_COUNT] = {"sram", "dram", "host"};

struct ebpf_timing {
    struct ebpf_core_timing cfg;
    const ebpf_object *obj;
    uint8_t *placement; /* per map */
    unsigned n_maps;
    struct ebpf_packet_timing cur;
    /* Issue groups (one instruction, or two with issue_width 2).  Load-use
     * compares an instruction with the load of the previous group, and a
     * group waits at most once. */
    int prev_load_reg;        /* register the previous group's load wrote, or -1 */
    uint16_t prev_load_pen;   /* the cycles its value is still pending */
    int cur_load_reg;         /* the same for the current group */
    uint16_t cur_load_pen;
    bool group_waited;        /* the current group already paid load-use */
    bool group_open;          /* the current group has one instruction and may take a second */
    struct group_head {       /* the current group's first instruction: what */
        uint32_t pc;          /* pairs_with() needs of it (copying the whole */
        uint16_t flags;       /* retire record per group costs more than the */
        uint8_t frame, taken, fault; /* rest of the timing model) */
        int8_t wreg;
    } last;
    uint16_t extra[EBPF_ROW_COUNT]; /* per row: base cycles - 1 under cfg */
    uint64_t stalls;    /* sum of cur.stall, kept to know the current cycle */
    ebpf_timing_access_fn access;
    void *access_user;
};

void ebpf_timing_set_access_hook(ebpf_timing *t, ebpf_timing_access_fn fn, void *user)
{
    t->access = fn;
    t->access_user = user;
}

void ebpf_core_timing_default(struct ebpf_core_timing *t)
{
    memset(t, 0, sizeof(*t));
    for (int c = 0; c < EBPF_TCLASS_COUNT; c++)
        t->base[c] = 1;
    t->base[EBPF_TCLASS_MUL] = 2;
    t->base[EBPF_TCLASS_DIV] = 17;
    t->div64_base = 33;
    t->base[EBPF_TCLASS_ATOMIC] = 2;
    t->base[EBPF_TCLASS_JUMP] = 2;
    t->base[EBPF_TCLASS_CALL] = 2;
    t->base[EBPF_TCLASS_LDDW] = 2;
    t->taken_branch_penalty = 2;
    t->subprog_exit_penalty = 1;
    t->load_use_penalty = 1;
    t->local_load_use_penalty = 0; /* local memories are read in EX */
    t->issue_width = 2;
    t->pipeline_fill = 3;
    t->exit_gap = 1;
    t->mem_latency[EBPF_PLACE_SRAM] = 2;
    t->mem_latency[EBPF_PLACE_DRAM] = 25;
    t->mem_latency[EBPF_PLACE_HOST] = 250;
    t->default_placement = EBPF_PLACE_SRAM;
    t->helper_default = (struct ebpf_helper_cost){2, 0, 0};
    t->map_helper[0] = (struct ebpf_helper_cost){1, 0, 0}; /* array-like: address arithmetic */
    t->map_helper[1] = (struct ebpf_helper_cost){2, 1, 0}; /* hash-like: one wide bucket read */
    t->map_helper[2] = (struct ebpf_helper_cost){4, 4, 0}; /* lpm */
    t->map_helper_other = (struct ebpf_helper_cost){2, 1, 0};
}

ebpf_timing *ebpf_timing_create(const struct ebpf_core_timing *cfg, const ebpf_object *obj)
{
    pthread_once(&row_info_once, build_row_info);
    ebpf_timing *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (cfg)
        t->cfg = *cfg;
    else
        ebpf_core_timing_default(&t->cfg);
    t->obj = obj;
    t->n_maps = obj ? ebpf_object_map_count(obj) : 0;
    if (t->n_maps) {
        t->placement = malloc(t->n_maps);
        if (!t->placement) {
            free(t);
            return NULL;
        }
        memset(t->placement, t->cfg.default_placement, t->n_maps);
    }
    for (int row = 0; row < EBPF_ROW_COUNT; row++) {
        const struct ebpf_isa_row *R = &ebpf_isa[row];
        unsigned base = t->cfg.base[R->tclass];
        if (R->tclass == EBPF_TCLASS_DIV && (R->opcode & 7) == 7)
            base = t->cfg.div64_base;
        /* one issue cycle; the rest of the base is a bubble of its kind */
        t->extra[row] = (uint16_t)(base > 1 ? base - 1 : 0);
    }
    return t;
}

void ebpf_timing_destroy(ebpf_timing *t)
{
    if (!t)
        return;
    free(t->placement);
    free(t);
}

void ebpf_timing_set_placement(ebpf_timing *t, unsigned map_index, enum ebpf_placement p)
{
    if (map_index < t->n_maps && p < EBPF_PLACE_COUNT)
        t->placement[map_index] = (uint8_t)p;
}

static unsigned map_latency(const ebpf_timing *t, uint64_t map_index)
{
    unsigned p = map_index < t->n_maps ? t->placement[map_index] : t->cfg.default_placement;
    return t->cfg.mem_latency[p];
}

/* Map behind a helper's map-handle argument, or -1. */
static int64_t map_of_handle(const ebpf_timing *t, uint64_t handle)
{
    if ((handle >> 32) != EBPF_REGION_MAPS || (uint32_t)handle >= t->n_maps)
        return -1;
    return (uint32_t)handle;
}

const struct ebpf_helper_cost *ebpf_core_timing_map_helper(const struct ebpf_core_timing *t,
                                                          uint32_t map_type)
{
    switch (map_type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS: return &t->map_helper[0];
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_DEVMAP_HASH:
    case BPF_MAP_TYPE_HASH_OF_MAPS: return &t->map_helper[1];
    case BPF_MAP_TYPE_LPM_TRIE: return &t->map_helper[2];
    default: return &t->map_helper_other;
    }
}

static const struct ebpf_helper_cost *map_helper_cost(const ebpf_timing *t, int64_t map)
{
    if (map < 0 || !t->obj)
        return &t->cfg.map_helper_other;
    const ebpf_map *m = ebpf_object_map(t->obj, (unsigned)map);
    return ebpf_core_timing_map_helper(&t->cfg, ebpf_map_get_spec(m)->type);
}

static unsigned cost_with_map(const ebpf_timing *t, unsigned fixed, unsigned accesses, int64_t map)
{
    return fixed + accesses * map_latency(t, map < 0 ? UINT64_MAX : (uint64_t)map);
}

unsigned ebpf_timing_helper_latency(const ebpf_timing *t, uint32_t id, const uint64_t a[5])
{
    switch (id) {
    case BPF_FUNC_map_lookup_elem:
    case BPF_FUNC_map_update_elem:
    case BPF_FUNC_map_delete_elem:
    case BPF_FUNC_map_lookup_percpu_elem: {
        int64_t m = map_of_handle(t, a[0]);
        const struct ebpf_helper_cost *c = map_helper_cost(t, m);
        return cost_with_map(t, c->fixed, c->accesses, m);
    }
    case BPF_FUNC_redirect_map: return cost_with_map(t, 2, 1, map_of_handle(t, a[0]));
    case BPF_FUNC_tail_call: return cost_with_map(t, 3, 1, map_of_handle(t, a[1]));
    case BPF_FUNC_xdp_adjust_head:
    case BPF_FUNC_xdp_adjust_tail:
    case BPF_FUNC_xdp_adjust_meta: return 2;
    case BPF_FUNC_csum_diff: return 1 + (unsigned)(((a[1] & 0xffff) + (a[3] & 0xffff)) / 8);
    case BPF_FUNC_xdp_load_bytes:
    case BPF_FUNC_xdp_store_bytes: return 1 + (unsigned)((a[3] & 0xffff) / 8);
    case BPF_FUNC_perf_event_output: return 4 + (unsigned)((a[4] & 0xffff) / 8);
    case BPF_FUNC_ringbuf_output: return 4 + (unsigned)((a[2] & 0xffff) / 8);
    default: return t->cfg.helper_default.fixed;
    }
}

/* Per-row facts the timing model needs on every record, computed once. */
enum { READS_DST = 1, READS_SRC = 2, READS_R0 = 4, READS_ARGS = 8 };
/* What the class says, as flags tested together on the hot path. */
enum {
    RF_PAIRS = 1,      /* single-cycle ALU, load, store or conditional branch */
    RF_MEM = 2,        /* load or store class: one per issue group */
    RF_BRANCH = 4,     /* conditional branch */
    RF_LOADS = 8,      /* reads memory: load, atomic, legacy packet load */
    RF_RESULT = 16,    /* load class: the next group may wait for its register */
    RF_LDX = 32,       /* ldx: late or not by the region it reads */
    RF_LDPKT = 64,     /* legacy packet load: always local */
    RF_JUMPCALL = 128, /* its extra cycles are branch bubbles */
    RF_EXIT = 256,
    RF_HELPER = 512,
};
static struct row_timing {
    uint8_t reads;     /* READS_* */
    uint16_t flags;    /* RF_* */
} row_info[EBPF_ROW_COUNT];
static unsigned reads_mask_slow(const struct ebpf_retire *r);

static void build_row_info(void)
{
    for (int row = 0; row < EBPF_ROW_COUNT; row++) {
        /* dst = r1, src = r2 tells the two fields apart */
        struct ebpf_retire probe = {.row = (uint16_t)row, .insn = {.dst = 1, .src = 2}};
        unsigned m = reads_mask_slow(&probe);
        row_info[row].reads = (uint8_t)(((m >> 1) & 1 ? READS_DST : 0) |
                                        ((m >> 2) & 1 ? READS_SRC : 0) | (m & 1 ? READS_R0 : 0) |
                                        ((m & 0x38) ? READS_ARGS : 0));
        unsigned c = ebpf_isa[row].tclass, f = 0;
        if (c == EBPF_TCLASS_ALU || c == EBPF_TCLASS_LOAD || c == EBPF_TCLASS_STORE ||
            c == EBPF_TCLASS_BRANCH)
            f |= RF_PAIRS;
        if (c == EBPF_TCLASS_LOAD || c == EBPF_TCLASS_STORE)
            f |= RF_MEM;
        if (c == EBPF_TCLASS_BRANCH)
            f |= RF_BRANCH;
        if (c == EBPF_TCLASS_LOAD || c == EBPF_TCLASS_ATOMIC || c == EBPF_TCLASS_LDPKT)
            f |= RF_LOADS;
        if (c == EBPF_TCLASS_LOAD || c == EBPF_TCLASS_LDPKT ||
            (c == EBPF_TCLASS_ATOMIC && ebpf_isa[row].writes != EBPF_WRITES_NONE))
            f |= RF_RESULT;
        if (c == EBPF_TCLASS_LOAD)
            f |= RF_LDX;
        if (c == EBPF_TCLASS_LDPKT)
            f |= RF_LDPKT;
        if (c == EBPF_TCLASS_JUMP || c == EBPF_TCLASS_CALL)
            f |= RF_JUMPCALL;
        if (c == EBPF_TCLASS_EXIT)
            f |= RF_EXIT;
        if (c == EBPF_TCLASS_HELPER)
            f |= RF_HELPER;
        row_info[row].flags = (uint16_t)f;
    }
}

static inline unsigned reads_mask(const struct ebpf_retire *r)
{
    unsigned k = row_info[r->row].reads, m = 0;
    if (k & READS_DST)
        m |= 1u << r->insn.dst;
    if (k & READS_SRC)
        m |= 1u << r->insn.src;
    if (k & READS_R0)
        m |= 1;
    if (k & READS_ARGS)
        m |= 0x3e;
    return m;
}

/* Registers an instruction reads (bit r for register r). */
static unsigned reads_mask_slow(const struct ebpf_retire *r)
{
    const struct ebpf_isa_row *R = &ebpf_isa[r->row];
    unsigned d = 1u << r->insn.dst, s = 1u << r->insn.src;
    bool is_mov = r->row == EBPF_ROW_MOV64_IMM || r->row == EBPF_ROW_MOV32_IMM ||
                  r->row == EBPF_ROW_MOV64_REG || r->row == EBPF_ROW_MOV32_REG ||
                  r->row == EBPF_ROW_MOVSX864 || r->row == EBPF_ROW_MOVSX1664 ||
                  r->row == EBPF_ROW_MOVSX3264 || r->row == EBPF_ROW_MOVSX832 ||
                  r->row == EBPF_ROW_MOVSX1632;
    switch (R->form) {
    case EBPF_FORM_ALU_IMM: return is_mov ? 0 : d;
    case EBPF_FORM_ALU_REG: return is_mov ? s : d | s;
    case EBPF_FORM_ALU_UNARY:
    case EBPF_FORM_ENDIAN:
    case EBPF_FORM_JMP_IMM:
    case EBPF_FORM_ST: return d;
    case EBPF_FORM_JMP_REG:
    case EBPF_FORM_STX: return d | s;
    case EBPF_FORM_ATOMIC:
        return d | s | (r->row == EBPF_ROW_ACMPXCHG32 || r->row == EBPF_ROW_ACMPXCHG64 ? 1u : 0);
    case EBPF_FORM_CALL: return 0x3e; /* r1..r5 */
    case EBPF_FORM_CALLX: return 0x3e | d;
    case EBPF_FORM_EXIT: return 1;
    case EBPF_FORM_LDX:
    case EBPF_FORM_LDIND: return s;
    default: return 0;
    }
}

/* Loads from the local memories (packet, stack, context, and the legacy
 * packet loads) deliver in EX; map-memory loads and atomics in MEM. */
static inline uint16_t load_use_of(const ebpf_timing *t, unsigned flags,
                                   const struct ebpf_retire *r)
{
    bool local = (flags & RF_LDPKT) ||
                 ((flags & RF_LDX) && (r->mem_addr >> 32) < EBPF_REGION_FIRST_DYNAMIC);
    return local ? t->cfg.local_load_use_penalty : t->cfg.load_use_penalty;
}

/* Dual issue (docs/microarchitecture.md): b issues beside a, the
 * instruction before it, when both are single-cycle ALU, load, store or
 * conditional-branch instructions, b follows a in memory and a did not
 * branch away, at most one of them accesses memory and at most one is a
 * branch, and b does not read the register a writes. */
static inline bool pairs_with(const struct group_head *a, unsigned fb,
                              const struct ebpf_retire *b)
{
    if (!(a->flags & fb & RF_PAIRS) || a->fault)
        return false;
    if (a->flags & fb & RF_MEM)
        return false;
    if ((a->flags & RF_BRANCH) && ((fb & RF_BRANCH) || a->taken))
        return false;
    if (b->pc != a->pc + 1 || b->frame != a->frame)
        return false;
    return a->wreg < 0 || !((reads_mask(b) >> a->wreg) & 1);
}

void ebpf_timing_begin(ebpf_timing *t)
{
    memset(&t->cur, 0, sizeof(t->cur));
    t->stalls = 0;
    t->prev_load_reg = t->cur_load_reg = -1;
    t->prev_load_pen = t->cur_load_pen = 0;
    t->group_waited = false;
    t->group_open = false;
}

static void stall(ebpf_timing *t, enum ebpf_stall k, uint64_t cycles)
{
    t->cur.stall[k] += cycles;
    t->stalls += cycles;
}

/* The system model's extra wait for an access made now. */
static void system_access(ebpf_timing *t, const struct ebpf_retire *r, uint64_t addr,
                          unsigned size, bool stalls_core)
{
    uint64_t now = t->cur.groups + t->stalls;
    uint64_t extra = t->access(t->access_user, now, addr, size, !stalls_core);
    if (stalls_core && extra)
        stall(t, (addr >> 32) == EBPF_REGION_PACKET ? EBPF_STALL_PKT_WAIT : EBPF_STALL_MEMORY,
              extra);
    (void)r;
}

/* A memory access: map memory's latency, the system model's wait. */
static void __attribute__((noinline)) retire_mem(ebpf_timing *t, unsigned f,
                                                 const struct ebpf_retire *r)
{
    bool loads = f & RF_LOADS;
    if (loads && (r->mem_addr >> 32) >= EBPF_REGION_FIRST_DYNAMIC) {
        unsigned lat = map_latency(t, (r->mem_addr >> 32) - EBPF_REGION_FIRST_DYNAMIC);
        stall(t, EBPF_STALL_MEMORY, lat > 1 ? lat - 1 : 0);
    }
    if (t->access && !r->fault)
        system_access(t, r, r->mem_addr, r->mem_size, loads);
}

/* A helper call's latency and its accesses to map memory. */
static void __attribute__((noinline)) retire_helper(ebpf_timing *t, const struct ebpf_retire *r)
{
    const struct ebpf_isa_row *R = &ebpf_isa[r->row];
    uint32_t id = R->form == EBPF_FORM_CALLX ? (uint32_t)r->imm64 : (uint32_t)r->insn.imm;
    stall(t, EBPF_STALL_HELPER, ebpf_timing_helper_latency(t, id, r->args));
    int64_t map = id == BPF_FUNC_tail_call ? map_of_handle(t, r->args[1])
                                           : map_of_handle(t, r->args[0]);
    if (t->access && map >= 0 && id != BPF_FUNC_perf_event_output &&
        id != BPF_FUNC_ringbuf_output) {
        unsigned n = map_helper_cost(t, map)->accesses;
        if (id == BPF_FUNC_redirect_map || id == BPF_FUNC_tail_call)
            n = 1;
        for (unsigned i = 0; i < n; i++)
            system_access(t, r, ebpf_addr(EBPF_REGION_FIRST_DYNAMIC + (uint32_t)map, 0), 8,
                          true);
    }
}

void ebpf_timing_retire(ebpf_timing *t, const struct ebpf_retire *r)
{
    const struct ebpf_core_timing *c = &t->cfg;
    const unsigned f = row_info[r->row].flags;
    bool second = t->group_open && pairs_with(&t->last, f, r);
    if (!second) {
        /* a new issue group */
        t->cur.groups++;
        t->prev_load_reg = t->cur_load_reg;
        t->prev_load_pen = t->cur_load_pen;
        t->cur_load_reg = -1;
        t->group_waited = false;
        t->last = (struct group_head){.pc = r->pc, .flags = (uint16_t)f, .frame = r->frame,
                                      .taken = r->taken, .fault = r->fault, .wreg = r->wreg};
    }
    /* a scalar core never opens a group to a second instruction */
    t->group_open = !second && c->issue_width >= 2;
    unsigned waited = 0;
    if (t->prev_load_reg >= 0 && !t->group_waited && (reads_mask(r) >> t->prev_load_reg) & 1) {
        waited = t->prev_load_pen;
        stall(t, EBPF_STALL_LOAD_USE, waited);
        t->group_waited = true;
    }
    unsigned extra = t->extra[r->row];
    if (extra)
        stall(t, f & RF_JUMPCALL ? EBPF_STALL_BRANCH : EBPF_STALL_MULTICYCLE, extra);
    bool taken_branch = (f & RF_BRANCH) && r->taken;
    if (taken_branch)
        stall(t, EBPF_STALL_BRANCH, c->taken_branch_penalty);
    if ((f & RF_EXIT) && r->frame > 0)
        stall(t, EBPF_STALL_BRANCH, c->subprog_exit_penalty);
    if (r->mem_size)
        retire_mem(t, f, r);
    if ((f & RF_HELPER) && !r->fault)
        retire_helper(t, r);
    t->cur.insns++;
    if (second && t->cur_load_reg >= 0) {
        /* The group's first instruction was a late load.  A write of the
         * same register by the second wins (its value forwards like any
         * ALU result), and each bubble that enters the pipeline behind the
         * load before the next group issues delivers one of its pending
         * cycles: this instruction's load-use wait (it issues a cycle after
         * the load) and, if it is a taken branch, the branch's bubbles. */
        unsigned bubbles = waited;
        if (taken_branch)
            bubbles += c->taken_branch_penalty;
        if (r->wreg == t->cur_load_reg || bubbles >= t->cur_load_pen)
            t->cur_load_reg = -1;
        else
            t->cur_load_pen = (uint16_t)(t->cur_load_pen - bubbles);
    }
    if ((f & RF_RESULT) && r->wreg >= 0) {
        uint16_t pen = load_use_of(t, f, r);
        if (pen) {
            t->cur_load_reg = r->wreg;
            t->cur_load_pen = pen;
        }
    }
}

int ebpf_timing_group_load(const ebpf_timing *t, unsigned *penalty)
{
    if (penalty)
        *penalty = t->cur_load_reg >= 0 ? t->cur_load_pen : 0;
    return t->cur_load_reg;
}

void ebpf_timing_end(ebpf_timing *t, struct ebpf_packet_timing *out)
{
    t->cur.issue_cycles = t->cur.groups + t->stalls;
    t->cur.cycles = t->cfg.pipeline_fill + t->cur.issue_cycles;
    *out = t->cur;
}

void ebpf_timing_tracer(void *t, const struct ebpf_retire *rec)
{
    ebpf_timing_retire(t, rec);
}
