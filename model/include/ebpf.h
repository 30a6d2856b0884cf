/*
 * ebpf.h - public interface of the eBPF reference model.
 *
 * The model is split the way gem5 splits a CPU: a functional core (this
 * header: ISA table, decoder, load-time checks, interpreter, memory regions,
 * helper registry) that emits one retire record per executed instruction, and
 * consumers of those records (timing model, co-simulation, trace files).
 *
 * Conventions: functions return 0 or a negative errno; on failure they fill a
 * caller-supplied message buffer that names the place (instruction index,
 * section, record).  Nothing in the library calls exit() or prints.
 */
#ifndef EBPF_H
#define EBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Instruction encoding (identical layout to the kernel's struct bpf_insn).  */

struct ebpf_insn {
    uint8_t code;
    uint8_t dst : 4;
    uint8_t src : 4;
    int16_t off;
    int32_t imm;
};

#define EBPF_NREGS 11          /* r0..r10 */
#define EBPF_STACK_SIZE 512    /* bytes per call frame */
#define EBPF_MAX_FRAMES 8      /* kernel MAX_CALL_FRAMES */
#define EBPF_MAX_INSNS 1000000 /* kernel BPF_COMPLEXITY_LIMIT_INSNS */
#define EBPF_MAX_TAIL_CALLS 33 /* kernel MAX_TAIL_CALL_CNT */
#define EBPF_ERR_LEN 256

/* ------------------------------------------------------------------------- */
/* The ISA table (expanded from model/isa.def).                              */

enum ebpf_row {
#define EBPF_ISA(ID, ...) EBPF_ROW_##ID,
#include "../isa.def"
#undef EBPF_ISA
    EBPF_ROW_COUNT
};

enum ebpf_key { EBPF_KEY_NONE, EBPF_KEY_OFF, EBPF_KEY_IMM, EBPF_KEY_SRC };

enum ebpf_form {
    EBPF_FORM_ALU_IMM,        /* op dst, imm */
    EBPF_FORM_ALU_REG,        /* op dst, src */
    EBPF_FORM_ALU_UNARY,      /* op dst */
    EBPF_FORM_ENDIAN,         /* op dst (width in imm) */
    EBPF_FORM_JA,             /* ja off */
    EBPF_FORM_JA32,           /* ja32 imm */
    EBPF_FORM_JMP_IMM,        /* op dst, imm, off */
    EBPF_FORM_JMP_REG,        /* op dst, src, off */
    EBPF_FORM_CALL,           /* call imm (helper id) */
    EBPF_FORM_CALL_LOCAL,     /* call local imm (relative slot) */
    EBPF_FORM_CALLX,          /* call dst */
    EBPF_FORM_EXIT,           /* exit */
    EBPF_FORM_LDDW,           /* lddw dst, imm64 */
    EBPF_FORM_LDDW_MAP,       /* lddw dst, map_fd(n) / map_idx(n) */
    EBPF_FORM_LDDW_MAP_VALUE, /* lddw dst, map_value(n, off) */
    EBPF_FORM_LDDW_FUNC,      /* lddw dst, func(imm) */
    EBPF_FORM_LDABS,          /* op imm */
    EBPF_FORM_LDIND,          /* op src, imm */
    EBPF_FORM_LDX,            /* op dst, [src+off] */
    EBPF_FORM_ST,             /* op [dst+off], imm */
    EBPF_FORM_STX,            /* op [dst+off], src */
    EBPF_FORM_ATOMIC,         /* lock op [dst+off], src */
    EBPF_FORM_COUNT
};

enum ebpf_group {
    EBPF_GROUP_BASE32, EBPF_GROUP_BASE64, EBPF_GROUP_ATOMIC32, EBPF_GROUP_ATOMIC64,
    EBPF_GROUP_DIVMUL32, EBPF_GROUP_DIVMUL64, EBPF_GROUP_PACKET, EBPF_GROUP_CALLX,
    EBPF_GROUP_COUNT
};

/* Latency classes: the timing model and the RTL charge cycles per class. */
enum ebpf_tclass {
    EBPF_TCLASS_ALU, EBPF_TCLASS_MUL, EBPF_TCLASS_DIV, EBPF_TCLASS_LOAD,
    EBPF_TCLASS_STORE, EBPF_TCLASS_ATOMIC, EBPF_TCLASS_BRANCH, EBPF_TCLASS_JUMP,
    EBPF_TCLASS_HELPER, EBPF_TCLASS_CALL, EBPF_TCLASS_EXIT, EBPF_TCLASS_LDDW,
    EBPF_TCLASS_LDPKT, EBPF_TCLASS_COUNT
};

enum ebpf_writes { EBPF_WRITES_NONE, EBPF_WRITES_DST, EBPF_WRITES_SRC, EBPF_WRITES_R0 };

struct ebpf_isa_row {
    const char *id;       /* "ADD64_IMM" */
    const char *mnemonic; /* "add" */
    uint8_t opcode;
    uint8_t key;          /* enum ebpf_key */
    int32_t keyval;
    uint8_t form;         /* enum ebpf_form */
    uint8_t version;      /* 1..4 */
    uint8_t group;        /* enum ebpf_group */
    uint8_t tclass;       /* enum ebpf_tclass */
    uint8_t writes;       /* enum ebpf_writes */
};

extern const struct ebpf_isa_row ebpf_isa[EBPF_ROW_COUNT];
extern const char *const ebpf_group_names[EBPF_GROUP_COUNT];
extern const char *const ebpf_tclass_names[EBPF_TCLASS_COUNT];

/* Row of an instruction, or -1 if no row matches (illegal encoding). */
int ebpf_decode(const struct ebpf_insn *insn);
/* Encode an instruction of a row: the row's key value is placed in its
 * field; the other fields are taken as given. */
struct ebpf_insn ebpf_make_insn(int row, unsigned dst, unsigned src, int16_t off, int32_t imm);
/* Access size in bytes of a load/store/atomic row (0 for others). */
unsigned ebpf_row_mem_size(int row);
/* True for rows that occupy two slots (lddw and its pseudo forms). */
bool ebpf_row_is_wide(int row);
/* Fields (bit set of EBPF_FIELD_*) a row's form uses, key field included. */
enum { EBPF_FIELD_DST = 1, EBPF_FIELD_SRC = 2, EBPF_FIELD_OFF = 4, EBPF_FIELD_IMM = 8 };
unsigned ebpf_row_fields(int row);

/* ------------------------------------------------------------------------- */
/* Memory regions.  A model address is (region id << 32) | offset, so every  */
/* access is checked with one table look-up and one compare, and addresses   */
/* are identical in every engine (model, RTL) for the same program and input. */

enum ebpf_region_id {
    EBPF_REGION_NULL = 0, /* addresses below 4 GiB: never mapped */
    EBPF_REGION_STACK = 1,
    EBPF_REGION_CTX = 2,
    EBPF_REGION_PACKET = 3,
    EBPF_REGION_MEM = 4,      /* plain input buffer (conformance, plugin) */
    EBPF_REGION_CODE = 5,     /* function addresses (lddw func), never accessible */
    EBPF_REGION_MAPS = 6,     /* map handles (lddw map_fd): offset = map index */
    EBPF_REGION_FIRST_DYNAMIC = 8,
};

enum { EBPF_MEM_READ = 1, EBPF_MEM_WRITE = 2 };

static inline uint64_t ebpf_addr(uint32_t region, uint32_t offset)
{
    return ((uint64_t)region << 32) | offset;
}

/* ------------------------------------------------------------------------- */
/* Run-time faults.                                                          */

enum ebpf_fault_kind {
    EBPF_FAULT_NONE = 0,
    EBPF_FAULT_MEM_BOUNDS,   /* access outside its region's valid window */
    EBPF_FAULT_MEM_UNMAPPED, /* address in no region */
    EBPF_FAULT_MEM_PERM,     /* write to read-only / read from write-only */
    EBPF_FAULT_CALL_DEPTH,   /* more than EBPF_MAX_FRAMES frames */
    EBPF_FAULT_BUDGET,       /* instruction budget exhausted */
    EBPF_FAULT_BAD_CALL,     /* callx to an unknown helper */
    EBPF_FAULT_HELPER,       /* a helper rejected its arguments */
    EBPF_FAULT_COUNT
};

extern const char *const ebpf_fault_names[EBPF_FAULT_COUNT];

struct ebpf_fault {
    uint8_t kind;       /* enum ebpf_fault_kind */
    uint8_t write;      /* memory faults: store */
    uint8_t size;       /* memory faults: access size */
    uint32_t pc;        /* instruction index */
    uint32_t region;    /* memory faults: region the address falls in */
    uint64_t addr;      /* memory faults: the address */
    char msg[160];      /* readable reason */
};

/* ------------------------------------------------------------------------- */
/* Retire records: one per executed instruction when a tracer is installed.  */
/* The same record comes out of the RTL's retire port.                       */

struct ebpf_retire {
    uint64_t seq;        /* retired instruction number within the run */
    uint32_t pc;         /* instruction index */
    uint16_t row;        /* enum ebpf_row */
    uint8_t frame;       /* call depth (0 = main) */
    int8_t wreg;         /* register written, -1 if none */
    uint64_t wdata;      /* value written */
    struct ebpf_insn insn;
    uint64_t imm64;      /* lddw: full immediate; helper calls: the helper id */
    uint8_t mem_size;    /* 0 if no memory access */
    uint8_t mem_write;   /* store or atomic write */
    uint8_t taken;       /* branch taken / jump / call */
    uint8_t fault;       /* enum ebpf_fault_kind if this instruction faulted */
    uint64_t mem_addr;
    uint64_t mem_data;   /* value stored, or value loaded */
    uint32_t next_pc;    /* instruction index executed next */
    uint64_t args[5];    /* helper calls: r1..r5 as the helper received them */
};

/* ------------------------------------------------------------------------- */
/* VM and programs.                                                          */

typedef struct ebpf_vm ebpf_vm;
typedef struct ebpf_prog ebpf_prog;

typedef uint64_t (*ebpf_helper_fn)(ebpf_vm *vm, uint64_t r1, uint64_t r2, uint64_t r3,
                                   uint64_t r4, uint64_t r5);
typedef void (*ebpf_retire_fn)(void *user, const struct ebpf_retire *rec);

struct ebpf_vm_config {
    uint8_t isa_version;      /* 1..4; programs needing more are rejected (default 4) */
    uint32_t group_mask;      /* allowed groups, 1u << enum ebpf_group (default all) */
    uint32_t max_insns;       /* program length limit (default EBPF_MAX_INSNS) */
    uint64_t insn_budget;     /* instructions per run before a fault (default 1<<32) */
};

void ebpf_vm_config_default(struct ebpf_vm_config *cfg);
ebpf_vm *ebpf_vm_create(const struct ebpf_vm_config *cfg);
void ebpf_vm_destroy(ebpf_vm *vm);
void ebpf_vm_set_budget(ebpf_vm *vm, uint64_t insn_budget);

/* Helpers: registration table.  An id can be registered once. */
int ebpf_vm_register_helper(ebpf_vm *vm, uint32_t id, const char *name, ebpf_helper_fn fn);
const char *ebpf_vm_helper_name(const ebpf_vm *vm, uint32_t id);
/* Register the helpers the conformance suite expects (id 5 returns its argument). */
void ebpf_vm_register_conformance_helpers(ebpf_vm *vm);
/* For helpers: stop the program with EBPF_FAULT_HELPER and a message. */
void ebpf_vm_helper_fault(ebpf_vm *vm, const char *fmt, ...);
void *ebpf_vm_user(const ebpf_vm *vm);
void ebpf_vm_set_user(ebpf_vm *vm, void *user);

/* Regions: map host memory at region id; accesses are allowed in
 * [lo, hi) with the permissions given. */
int ebpf_vm_map_region(ebpf_vm *vm, uint32_t id, void *host, uint32_t lo, uint32_t hi,
                       unsigned perm, const char *name);
void ebpf_vm_unmap_region(ebpf_vm *vm, uint32_t id);
/* Host pointer for [addr, addr+size) with the permission, or NULL. */
void *ebpf_vm_translate(ebpf_vm *vm, uint64_t addr, uint64_t size, unsigned perm);
const char *ebpf_vm_region_name(const ebpf_vm *vm, uint32_t id);

/* Resolver for lddw pseudo sources (map fd/idx, map value): called at load
 * time with the row and the two immediates; fills *value (a model address). */
typedef int (*ebpf_pseudo_fn)(void *user, int row, int32_t imm_lo, int32_t imm_hi,
                              uint64_t *value, char *err, size_t errlen);
void ebpf_vm_set_pseudo_resolver(ebpf_vm *vm, ebpf_pseudo_fn fn, void *user);

/* For helpers taking a callback (bpf_loop): run the function at fn (an
 * address lddw func() produced) of the running program in a new frame with
 * r1..r5 = args; *r0 gets its return value.  Returns < 0 after a fault. */
int ebpf_vm_callback(ebpf_vm *vm, uint64_t fn, const uint64_t args[5], uint64_t *r0);

/* For the tail-call helper: when the helper returns, continue in prog
 * (frame reset, r1 kept).  Fails (returns -E2BIG) past EBPF_MAX_TAIL_CALLS. */
int ebpf_vm_request_tail_call(ebpf_vm *vm, const ebpf_prog *prog);

/* Context accesses.  The context region (EBPF_REGION_CTX) is not plain
 * memory: like the kernel's ctx rewriting, a load of a context field may
 * yield a 64-bit pointer.  Loads/stores that address EBPF_REGION_CTX go to
 * these callbacks (return 0, or < 0 to fault); the value a load returns is
 * the final register value. */
struct ebpf_ctx_ops {
    int (*load)(void *user, uint32_t off, unsigned size, uint64_t *value);
    int (*store)(void *user, uint32_t off, unsigned size, uint64_t value);
    void *user;
};
void ebpf_vm_set_ctx(ebpf_vm *vm, const struct ebpf_ctx_ops *ops);

/* Retire tracing; fn == NULL turns it off (and the fast path back on). */
void ebpf_vm_set_tracer(ebpf_vm *vm, ebpf_retire_fn fn, void *user);

/* Load-time checks and pre-decoding.  On failure returns -EINVAL (or
 * -E2BIG, -ENOMEM) and err says "insn N: reason". */
int ebpf_prog_load(ebpf_vm *vm, const struct ebpf_insn *insns, size_t n_insns,
                   ebpf_prog **out, char *err, size_t errlen);
void ebpf_prog_destroy(ebpf_prog *prog);
size_t ebpf_prog_len(const ebpf_prog *prog);
const struct ebpf_insn *ebpf_prog_insns(const ebpf_prog *prog);
/* Highest ISA version and the set of groups the program uses. */
unsigned ebpf_prog_version(const ebpf_prog *prog);
uint32_t ebpf_prog_groups(const ebpf_prog *prog);

struct ebpf_run_result {
    uint64_t r0;
    uint64_t insns;         /* instructions retired */
    struct ebpf_fault fault; /* kind == EBPF_FAULT_NONE on a clean exit */
};

/* Run from instruction 0 with r1, r2 set and r10 at the top of frame 0.
 * Returns 0 on a clean exit, -EFAULT when the program faulted. */
int ebpf_vm_run(ebpf_vm *vm, const ebpf_prog *prog, uint64_t r1, uint64_t r2,
                struct ebpf_run_result *res);

/* Run helper: plain buffer mode used by the conformance suite and the
 * plugin; maps mem at EBPF_REGION_MEM and passes r1 = its address (0 when
 * len is 0), r2 = len. */
int ebpf_vm_run_mem(ebpf_vm *vm, const ebpf_prog *prog, void *mem, size_t len,
                    struct ebpf_run_result *res);

/* Format a fault for people: "insn 7: load of 4 bytes at 0x300000010 ..." */
void ebpf_fault_format(const struct ebpf_fault *f, char *buf, size_t len);

/* ------------------------------------------------------------------------- */
/* Assembler and disassembler (bpf_conformance dialect).                     */

/* Assemble text into *out (malloc'd, *n_out slots).  Errors name the line. */
int ebpf_asm(const char *text, struct ebpf_insn **out, size_t *n_out, char *err,
             size_t errlen);
/* Disassemble the instruction at idx into buf; returns slots used (1 or 2),
 * or -EINVAL for an illegal encoding (buf then holds ".illegal ..."). */
int ebpf_disasm_insn(const struct ebpf_insn *insns, size_t n, size_t idx, char *buf,
                     size_t len);

/* ------------------------------------------------------------------------- */
/* Test files in the bpf_conformance format (-- asm / -- mem / -- result /   */
/* -- raw / -- error).                                                       */

struct ebpf_testcase {
    char *asm_text;          /* the asm section, NULL if absent */
    struct ebpf_insn *raw;   /* the raw section, NULL if absent */
    size_t n_raw;
    uint8_t *mem;            /* input buffer, NULL if absent */
    size_t mem_len;
    bool has_result;
    uint64_t result;
    char *error;             /* expected error text, NULL if absent */
};

/* Parse a test file's text; errors name the line. */
int ebpf_testcase_parse(const char *text, struct ebpf_testcase *tc, char *err, size_t errlen);
void ebpf_testcase_free(struct ebpf_testcase *tc);
/* Program of a test: raw if present, else assembled; *insns is malloc'd. */
int ebpf_testcase_program(const struct ebpf_testcase *tc, struct ebpf_insn **insns, size_t *n,
                          char *err, size_t errlen);
/* Parse space-separated hex bytes ("b7 00 00 ..."), as the plugin protocol sends. */
int ebpf_parse_hex_bytes(const char *text, uint8_t **out, size_t *len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
