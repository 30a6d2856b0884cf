/*
 * The executor, instantiated twice by interp.c: INTERP_TRACE 0 (fast path)
 * and 1 (emits a retire record per instruction).  One body per ISA row; the
 * label table is expanded from isa.def, so a row without a body does not
 * compile.  Bodies use the accessors below and never touch encodings.
 */

/* Runs prog from instruction start_pc in frame base_depth with r1..r5 =
 * args, until that frame exits (base_depth > 0: a callback of bpf_loop). */
static int INTERP_NAME(ebpf_vm *vm, const struct ebpf_prog *prog, uint32_t start_pc,
                       unsigned base_depth, const uint64_t args[5], struct ebpf_run_result *res)
{
    static const void *const labels[EBPF_ROW_COUNT] = {
#define EBPF_ISA(ID, ...) [EBPF_ROW_##ID] = &&L_##ID,
#include "../isa.def"
#undef EBPF_ISA
    };

    uint64_t reg[EBPF_NREGS] = {0};
    struct frame frames[EBPF_MAX_FRAMES];
    unsigned depth = base_depth;
    const struct ebpf_dinsn *code = prog->code;
    const struct ebpf_dinsn *ip = code + start_pc;
    const struct ebpf_region *regions = vm->regions;
    uint32_t n_regions = vm->n_regions;
    const uint64_t budget = vm->cfg.insn_budget;
    uint64_t n = 0;
    uint64_t fault_addr = 0;
    unsigned fault_size = 0, fault_perm = 0;
    const uint32_t pkt_region = vm->regions[EBPF_REGION_PACKET].perm ? EBPF_REGION_PACKET
                                                                     : EBPF_REGION_MEM;
#if INTERP_TRACE
    struct ebpf_retire rec;
    memset(&rec, 0, sizeof(rec));
    const struct ebpf_insn *raw = prog->insns;
#endif

    memcpy(&reg[1], args, 5 * sizeof(reg[1]));
    reg[10] = ebpf_addr(EBPF_REGION_STACK, (EBPF_MAX_FRAMES - depth) * EBPF_STACK_SIZE);
    vm->regions[EBPF_REGION_STACK].lo = (EBPF_MAX_FRAMES - depth - 1) * EBPF_STACK_SIZE;
    vm->cur_prog = prog;

#define PC ((uint32_t)(ip - code))
#define DST reg[ip->dst]
#define SRC reg[ip->src]
#define IMM ((uint64_t)(int64_t)ip->imm)
#define U32(x) ((uint32_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define S64(x) ((int64_t)(x))

#if INTERP_TRACE
#define TRACE_BEGIN()                                                                           \
    do {                                                                                        \
        /* only what every record needs: the rest is set where it applies */                 \
        rec.seq = n - 1;                                                                        \
        rec.pc = PC;                                                                            \
        rec.row = ip->row;                                                                      \
        rec.frame = (uint8_t)depth;                                                             \
        rec.wreg = -1;                                                                          \
        rec.wdata = 0;                                                                          \
        rec.insn = raw[PC];                                                                     \
        rec.imm64 = (row_trace[ip->row] & 4) ? ip->u.imm64 : 0;                                 \
        rec.mem_size = rec.mem_write = rec.taken = rec.fault = 0;                               \
        rec.mem_addr = rec.mem_data = 0;                                                        \
    } while (0)
#define TRACE_END()                                                                             \
    do {                                                                                        \
        rec.next_pc = PC;                                                                       \
        int w_ = retire_wreg(&rec);                                                             \
        if (w_ >= 0) {                                                                          \
            rec.wreg = (int8_t)w_;                                                              \
            rec.wdata = reg[w_];                                                                \
        }                                                                                       \
        vm->tracer(vm->tracer_user, &rec);                                                      \
    } while (0)
#define TRACE_MEM(a, sz, wr, v)                                                                 \
    do {                                                                                        \
        rec.mem_addr = (a);                                                                     \
        rec.mem_size = (uint8_t)(sz);                                                           \
        rec.mem_write = (uint8_t)(wr);                                                          \
        rec.mem_data = (uint64_t)(v);                                                           \
    } while (0)
#define TRACE_TAKEN() (rec.taken = 1)
#define TRACE_ARGS(id)                                                                          \
    do {                                                                                        \
        memcpy(rec.args, &reg[1], sizeof(rec.args));                                            \
        rec.imm64 = (id);                                                                       \
    } while (0)
#else
#define TRACE_ARGS(id) ((void)0)
#define TRACE_BEGIN() ((void)0)
#define TRACE_END() ((void)0)
#define TRACE_MEM(a, sz, wr, v) ((void)0)
#define TRACE_TAKEN() ((void)0)
#endif

#define GO()                                                                                    \
    do {                                                                                        \
        n++;                                                                                    \
        TRACE_BEGIN();                                                                          \
        goto *labels[ip->row];                                                                  \
    } while (0)
#if INTERP_TRACE
/* Traced: every handler ends in one shared tail (record out, next record
 * in, dispatch) instead of a copy of it, which keeps the traced loop's code
 * small enough for the instruction cache. */
#define NEXT                                                                                    \
    do {                                                                                        \
        ip++;                                                                                   \
        goto trace_next;                                                                        \
    } while (0)
#else
#define NEXT                                                                                    \
    do {                                                                                        \
        ip++;                                                                                   \
        GO();                                                                                   \
    } while (0)
#endif
#define JUMP                                                                                    \
    do {                                                                                        \
        ip = code + ip->u.target;                                                               \
        TRACE_TAKEN();                                                                          \
        TRACE_END();                                                                            \
        if (unlikely(n >= budget))                                                              \
            goto budget_fault;                                                                  \
        GO();                                                                                   \
    } while (0)
#define XLATE(p, a, sz, perm)                                                                   \
    do {                                                                                        \
        p = xlate(regions, n_regions, (a), (sz), (perm));                                       \
        if (unlikely(!p)) {                                                                     \
            fault_addr = (a);                                                                   \
            fault_size = (sz);                                                                  \
            fault_perm = (perm);                                                                \
            goto mem_fault;                                                                     \
        }                                                                                       \
    } while (0)
#define LDX(T, EXT)                                                                             \
    do {                                                                                        \
        uint64_t a_ = SRC + (uint64_t)ip->u.off;                                                \
        const uint8_t *p_ = xlate(regions, n_regions, a_, sizeof(T), EBPF_MEM_READ);            \
        if (unlikely(!p_)) {                                                                    \
            uint64_t cv_;                                                                       \
            if (ctx_load(vm, a_, sizeof(T), &cv_) < 0) {                                        \
                fault_addr = a_;                                                                \
                fault_size = sizeof(T);                                                         \
                fault_perm = EBPF_MEM_READ;                                                     \
                goto mem_fault;                                                                 \
            }                                                                                   \
            DST = cv_;                                                                          \
            TRACE_MEM(a_, sizeof(T), 0, cv_);                                                   \
            NEXT;                                                                               \
        }                                                                                       \
        T v_;                                                                                   \
        memcpy(&v_, p_, sizeof(T));                                                             \
        DST = (uint64_t)(EXT)v_;                                                                \
        TRACE_MEM(a_, sizeof(T), 0, v_);                                                        \
        NEXT;                                                                                   \
    } while (0)
#define STORE(T, VAL)                                                                           \
    do {                                                                                        \
        uint64_t a_ = DST + (uint64_t)ip->u.off;                                                \
        uint8_t *p_ = xlate(regions, n_regions, a_, sizeof(T), EBPF_MEM_WRITE);                 \
        T v_ = (T)(VAL);                                                                        \
        if (unlikely(!p_)) {                                                                    \
            if (ctx_store(vm, a_, sizeof(T), (uint64_t)v_) < 0) {                               \
                fault_addr = a_;                                                                \
                fault_size = sizeof(T);                                                         \
                fault_perm = EBPF_MEM_WRITE;                                                    \
                goto mem_fault;                                                                 \
            }                                                                                   \
        } else {                                                                                \
            memcpy(p_, &v_, sizeof(T));                                                         \
        }                                                                                       \
        TRACE_MEM(a_, sizeof(T), 1, v_);                                                        \
        NEXT;                                                                                   \
    } while (0)
/* Read-modify-write; NEW may use `old`; FETCH copies old into src. */
#define ATOMIC(T, NEW, FETCH)                                                                   \
    do {                                                                                        \
        uint64_t a_ = DST + (uint64_t)ip->u.off;                                                \
        uint8_t *p_;                                                                            \
        XLATE(p_, a_, sizeof(T), EBPF_MEM_READ | EBPF_MEM_WRITE);                               \
        T old;                                                                                  \
        memcpy(&old, p_, sizeof(T));                                                            \
        T new_ = (T)(NEW);                                                                      \
        memcpy(p_, &new_, sizeof(T));                                                           \
        if (FETCH)                                                                              \
            SRC = (uint64_t)old;                                                                \
        TRACE_MEM(a_, sizeof(T), 1, new_);                                                      \
        NEXT;                                                                                   \
    } while (0)
#define CMPXCHG(T)                                                                              \
    do {                                                                                        \
        uint64_t a_ = DST + (uint64_t)ip->u.off;                                                \
        uint8_t *p_;                                                                            \
        XLATE(p_, a_, sizeof(T), EBPF_MEM_READ | EBPF_MEM_WRITE);                               \
        T old;                                                                                  \
        memcpy(&old, p_, sizeof(T));                                                            \
        T new_ = old == (T)reg[0] ? (T)SRC : old;                                               \
        memcpy(p_, &new_, sizeof(T));                                                           \
        reg[0] = (uint64_t)old;                                                                 \
        TRACE_MEM(a_, sizeof(T), 1, new_);                                                      \
        NEXT;                                                                                   \
    } while (0)
/* Legacy packet load: out of the packet ends the program with r0 = 0. */
#define LDPKT(T, SWAP, OFFSET)                                                                  \
    do {                                                                                        \
        int64_t o_ = (OFFSET);                                                                  \
        const struct ebpf_region *r_ = &regions[pkt_region];                                    \
        if (o_ < 0 || (uint64_t)o_ + sizeof(T) > (uint64_t)(r_->hi - r_->lo)) {                 \
            reg[0] = 0;                                                                         \
            TRACE_END();                                                                        \
            goto done;                                                                          \
        }                                                                                       \
        T v_;                                                                                   \
        memcpy(&v_, r_->host + r_->lo + o_, sizeof(T));                                         \
        reg[0] = (uint64_t)SWAP(v_);                                                            \
        TRACE_MEM(ebpf_addr(pkt_region, r_->lo + (uint32_t)o_), sizeof(T), 0, v_);              \
        NEXT;                                                                                   \
    } while (0)
#define HELPER_CALL(ID)                                                                         \
    do {                                                                                        \
        vm->cur_pc = PC;                                                                        \
        vm->cur_depth = depth;                                                                  \
        TRACE_ARGS(ID);                                                                         \
        reg[0] = vm->helpers[(ID)].fn(vm, reg[1], reg[2], reg[3], reg[4], reg[5]);              \
        regions = vm->regions; /* a helper may map regions */                                   \
        n_regions = vm->n_regions;                                                              \
        if (unlikely(vm->fault.kind != EBPF_FAULT_NONE))                                        \
            goto fault;                                                                         \
        if (unlikely(vm->pending.tail_call != NULL))                                            \
            goto tail_call;                                                                     \
        NEXT;                                                                                   \
    } while (0)

    GO();
#if INTERP_TRACE
trace_next:
    TRACE_END();
    GO();
#endif

    /* ALU64 */
L_ADD64_IMM: DST += IMM; NEXT;
L_ADD64_REG: DST += SRC; NEXT;
L_SUB64_IMM: DST -= IMM; NEXT;
L_SUB64_REG: DST -= SRC; NEXT;
L_MUL64_IMM: DST *= IMM; NEXT;
L_MUL64_REG: DST *= SRC; NEXT;
L_DIV64_IMM: DST = IMM ? DST / IMM : 0; NEXT;
L_DIV64_REG: DST = SRC ? DST / SRC : 0; NEXT;
L_SDIV64_IMM: DST = sdiv64(DST, IMM); NEXT;
L_SDIV64_REG: DST = sdiv64(DST, SRC); NEXT;
L_OR64_IMM: DST |= IMM; NEXT;
L_OR64_REG: DST |= SRC; NEXT;
L_AND64_IMM: DST &= IMM; NEXT;
L_AND64_REG: DST &= SRC; NEXT;
L_LSH64_IMM: DST <<= IMM & 63; NEXT;
L_LSH64_REG: DST <<= SRC & 63; NEXT;
L_RSH64_IMM: DST >>= IMM & 63; NEXT;
L_RSH64_REG: DST >>= SRC & 63; NEXT;
L_NEG64: DST = -DST; NEXT;
L_MOD64_IMM: DST = IMM ? DST % IMM : DST; NEXT;
L_MOD64_REG: DST = SRC ? DST % SRC : DST; NEXT;
L_SMOD64_IMM: DST = smod64(DST, IMM); NEXT;
L_SMOD64_REG: DST = smod64(DST, SRC); NEXT;
L_XOR64_IMM: DST ^= IMM; NEXT;
L_XOR64_REG: DST ^= SRC; NEXT;
L_MOV64_IMM: DST = IMM; NEXT;
L_MOV64_REG: DST = SRC; NEXT;
L_MOVSX864: DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT;
L_MOVSX1664: DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT;
L_MOVSX3264: DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT;
L_ARSH64_IMM: DST = (uint64_t)(S64(DST) >> (IMM & 63)); NEXT;
L_ARSH64_REG: DST = (uint64_t)(S64(DST) >> (SRC & 63)); NEXT;
L_BSWAP16: DST = __builtin_bswap16((uint16_t)DST); NEXT;
L_BSWAP32: DST = __builtin_bswap32(U32(DST)); NEXT;
L_BSWAP64: DST = __builtin_bswap64(DST); NEXT;

    /* ALU32: operate on the low halves, zero-extend the result */
L_ADD32_IMM: DST = U32(DST + IMM); NEXT;
L_ADD32_REG: DST = U32(DST + SRC); NEXT;
L_SUB32_IMM: DST = U32(DST - IMM); NEXT;
L_SUB32_REG: DST = U32(DST - SRC); NEXT;
L_MUL32_IMM: DST = U32(U32(DST) * U32(IMM)); NEXT;
L_MUL32_REG: DST = U32(U32(DST) * U32(SRC)); NEXT;
L_DIV32_IMM: DST = U32(IMM) ? U32(DST) / U32(IMM) : 0; NEXT;
L_DIV32_REG: DST = U32(SRC) ? U32(DST) / U32(SRC) : 0; NEXT;
L_SDIV32_IMM: DST = sdiv32(DST, IMM); NEXT;
L_SDIV32_REG: DST = sdiv32(DST, SRC); NEXT;
L_OR32_IMM: DST = U32(DST | IMM); NEXT;
L_OR32_REG: DST = U32(DST | SRC); NEXT;
L_AND32_IMM: DST = U32(DST & IMM); NEXT;
L_AND32_REG: DST = U32(DST & SRC); NEXT;
L_LSH32_IMM: DST = U32(U32(DST) << (IMM & 31)); NEXT;
L_LSH32_REG: DST = U32(U32(DST) << (SRC & 31)); NEXT;
L_RSH32_IMM: DST = U32(DST) >> (IMM & 31); NEXT;
L_RSH32_REG: DST = U32(DST) >> (SRC & 31); NEXT;
L_NEG32: DST = U32(-U32(DST)); NEXT;
L_MOD32_IMM: DST = U32(IMM) ? U32(DST) % U32(IMM) : U32(DST); NEXT;
L_MOD32_REG: DST = U32(SRC) ? U32(DST) % U32(SRC) : U32(DST); NEXT;
L_SMOD32_IMM: DST = smod32(DST, IMM); NEXT;
L_SMOD32_REG: DST = smod32(DST, SRC); NEXT;
L_XOR32_IMM: DST = U32(DST ^ IMM); NEXT;
L_XOR32_REG: DST = U32(DST ^ SRC); NEXT;
L_MOV32_IMM: DST = U32(IMM); NEXT;
L_MOV32_REG: DST = U32(SRC); NEXT;
L_MOVSX832: DST = U32((int32_t)(int8_t)SRC); NEXT;
L_MOVSX1632: DST = U32((int32_t)(int16_t)SRC); NEXT;
L_ARSH32_IMM: DST = U32(S32(DST) >> (IMM & 31)); NEXT;
L_ARSH32_REG: DST = U32(S32(DST) >> (SRC & 31)); NEXT;
L_LE16: DST = (uint16_t)DST; NEXT;
L_LE32: DST = U32(DST); NEXT;
L_LE64: NEXT;
L_BE16: DST = __builtin_bswap16((uint16_t)DST); NEXT;
L_BE32: DST = __builtin_bswap32(U32(DST)); NEXT;
L_BE64: DST = __builtin_bswap64(DST); NEXT;

    /* JMP: 64-bit compares */
L_JA: JUMP;
L_JEQ_IMM: if (DST == IMM) JUMP; NEXT;
L_JEQ_REG: if (DST == SRC) JUMP; NEXT;
L_JGT_IMM: if (DST > IMM) JUMP; NEXT;
L_JGT_REG: if (DST > SRC) JUMP; NEXT;
L_JGE_IMM: if (DST >= IMM) JUMP; NEXT;
L_JGE_REG: if (DST >= SRC) JUMP; NEXT;
L_JSET_IMM: if (DST & IMM) JUMP; NEXT;
L_JSET_REG: if (DST & SRC) JUMP; NEXT;
L_JNE_IMM: if (DST != IMM) JUMP; NEXT;
L_JNE_REG: if (DST != SRC) JUMP; NEXT;
L_JSGT_IMM: if (S64(DST) > S64(IMM)) JUMP; NEXT;
L_JSGT_REG: if (S64(DST) > S64(SRC)) JUMP; NEXT;
L_JSGE_IMM: if (S64(DST) >= S64(IMM)) JUMP; NEXT;
L_JSGE_REG: if (S64(DST) >= S64(SRC)) JUMP; NEXT;
L_JLT_IMM: if (DST < IMM) JUMP; NEXT;
L_JLT_REG: if (DST < SRC) JUMP; NEXT;
L_JLE_IMM: if (DST <= IMM) JUMP; NEXT;
L_JLE_REG: if (DST <= SRC) JUMP; NEXT;
L_JSLT_IMM: if (S64(DST) < S64(IMM)) JUMP; NEXT;
L_JSLT_REG: if (S64(DST) < S64(SRC)) JUMP; NEXT;
L_JSLE_IMM: if (S64(DST) <= S64(IMM)) JUMP; NEXT;
L_JSLE_REG: if (S64(DST) <= S64(SRC)) JUMP; NEXT;

    /* JMP32: 32-bit compares */
L_JA32: JUMP;
L_JEQ32_IMM: if (U32(DST) == U32(IMM)) JUMP; NEXT;
L_JEQ32_REG: if (U32(DST) == U32(SRC)) JUMP; NEXT;
L_JGT32_IMM: if (U32(DST) > U32(IMM)) JUMP; NEXT;
L_JGT32_REG: if (U32(DST) > U32(SRC)) JUMP; NEXT;
L_JGE32_IMM: if (U32(DST) >= U32(IMM)) JUMP; NEXT;
L_JGE32_REG: if (U32(DST) >= U32(SRC)) JUMP; NEXT;
L_JSET32_IMM: if (U32(DST) & U32(IMM)) JUMP; NEXT;
L_JSET32_REG: if (U32(DST) & U32(SRC)) JUMP; NEXT;
L_JNE32_IMM: if (U32(DST) != U32(IMM)) JUMP; NEXT;
L_JNE32_REG: if (U32(DST) != U32(SRC)) JUMP; NEXT;
L_JSGT32_IMM: if (S32(DST) > S32(IMM)) JUMP; NEXT;
L_JSGT32_REG: if (S32(DST) > S32(SRC)) JUMP; NEXT;
L_JSGE32_IMM: if (S32(DST) >= S32(IMM)) JUMP; NEXT;
L_JSGE32_REG: if (S32(DST) >= S32(SRC)) JUMP; NEXT;
L_JLT32_IMM: if (U32(DST) < U32(IMM)) JUMP; NEXT;
L_JLT32_REG: if (U32(DST) < U32(SRC)) JUMP; NEXT;
L_JLE32_IMM: if (U32(DST) <= U32(IMM)) JUMP; NEXT;
L_JLE32_REG: if (U32(DST) <= U32(SRC)) JUMP; NEXT;
L_JSLT32_IMM: if (S32(DST) < S32(IMM)) JUMP; NEXT;
L_JSLT32_REG: if (S32(DST) < S32(SRC)) JUMP; NEXT;
L_JSLE32_IMM: if (S32(DST) <= S32(IMM)) JUMP; NEXT;
L_JSLE32_REG: if (S32(DST) <= S32(SRC)) JUMP; NEXT;

    /* Calls and exit */
L_CALL:
    /* checked at load, but against the loading VM: check this one too */
    if (unlikely(!vm->helpers[ip->imm].fn)) {
        vm->cur_pc = PC;
        ebpf_vm_set_fault(vm, EBPF_FAULT_BAD_CALL,
                          "helper id %" PRId32 " is not registered in this VM", ip->imm);
        goto fault;
    }
    HELPER_CALL(ip->imm);
L_CALLX: {
        uint64_t id_ = DST;
        if (unlikely(id_ >= EBPF_MAX_HELPER_ID || !vm->helpers[id_].fn)) {
            vm->cur_pc = PC;
            ebpf_vm_set_fault(vm, EBPF_FAULT_BAD_CALL, "callx through r%u = 0x%" PRIx64
                              " names no registered helper", ip->dst, id_);
            goto fault;
        }
        HELPER_CALL(id_);
    }
L_CALL_LOCAL:
    if (unlikely(depth + 1 >= EBPF_MAX_FRAMES)) {
        vm->cur_pc = PC;
        ebpf_vm_set_fault(vm, EBPF_FAULT_CALL_DEPTH, "call would exceed %d frames",
                          EBPF_MAX_FRAMES);
        goto fault;
    }
    frames[depth].ret = ip + 1;
    memcpy(frames[depth].saved, &reg[6], sizeof(frames[depth].saved));
    frames[depth].fp = reg[10];
    depth++;
    reg[10] = ebpf_addr(EBPF_REGION_STACK, (EBPF_MAX_FRAMES - depth) * EBPF_STACK_SIZE);
    vm->regions[EBPF_REGION_STACK].lo = (EBPF_MAX_FRAMES - depth - 1) * EBPF_STACK_SIZE;
    JUMP;
L_EXIT:
    if (depth == base_depth) {
        TRACE_END();
        goto done;
    }
    depth--;
    ip = frames[depth].ret;
    memcpy(&reg[6], frames[depth].saved, sizeof(frames[depth].saved));
    reg[10] = frames[depth].fp;
    vm->regions[EBPF_REGION_STACK].lo = (EBPF_MAX_FRAMES - depth - 1) * EBPF_STACK_SIZE;
    TRACE_TAKEN();
    TRACE_END();
    GO();

    /* 64-bit immediates: pseudo sources were resolved at load time */
L_LDDW:
L_LDDW_MAP_FD:
L_LDDW_MAP_VALUE:
L_LDDW_FUNC:
L_LDDW_MAP_IDX:
L_LDDW_MAP_IDX_VALUE:
    DST = ip->u.imm64;
    ip++;
    NEXT;

    /* Legacy packet loads: offsets relative to the packet start, network order */
L_LDABSW: LDPKT(uint32_t, __builtin_bswap32, (int64_t)ip->imm);
L_LDABSH: LDPKT(uint16_t, __builtin_bswap16, (int64_t)ip->imm);
L_LDABSB: LDPKT(uint8_t, (uint8_t), (int64_t)ip->imm);
L_LDINDW: LDPKT(uint32_t, __builtin_bswap32, (int64_t)S32(SRC + IMM));
L_LDINDH: LDPKT(uint16_t, __builtin_bswap16, (int64_t)S32(SRC + IMM));
L_LDINDB: LDPKT(uint8_t, (uint8_t), (int64_t)S32(SRC + IMM));

    /* Loads */
L_LDXW: LDX(uint32_t, uint32_t);
L_LDXH: LDX(uint16_t, uint16_t);
L_LDXB: LDX(uint8_t, uint8_t);
L_LDXDW: LDX(uint64_t, uint64_t);
L_LDXSW: LDX(int32_t, int64_t);
L_LDXSH: LDX(int16_t, int64_t);
L_LDXSB: LDX(int8_t, int64_t);

    /* Stores */
L_STW: STORE(uint32_t, ip->imm);
L_STH: STORE(uint16_t, ip->imm);
L_STB: STORE(uint8_t, ip->imm);
L_STDW: STORE(uint64_t, IMM);
L_STXW: STORE(uint32_t, SRC);
L_STXH: STORE(uint16_t, SRC);
L_STXB: STORE(uint8_t, SRC);
L_STXDW: STORE(uint64_t, SRC);

    /* Atomics */
L_AADD32: ATOMIC(uint32_t, old + (uint32_t)SRC, 0);
L_AOR32: ATOMIC(uint32_t, old | (uint32_t)SRC, 0);
L_AAND32: ATOMIC(uint32_t, old & (uint32_t)SRC, 0);
L_AXOR32: ATOMIC(uint32_t, old ^ (uint32_t)SRC, 0);
L_AFADD32: ATOMIC(uint32_t, old + (uint32_t)SRC, 1);
L_AFOR32: ATOMIC(uint32_t, old | (uint32_t)SRC, 1);
L_AFAND32: ATOMIC(uint32_t, old & (uint32_t)SRC, 1);
L_AFXOR32: ATOMIC(uint32_t, old ^ (uint32_t)SRC, 1);
L_AXCHG32: ATOMIC(uint32_t, SRC, 1);
L_ACMPXCHG32: CMPXCHG(uint32_t);
L_AADD64: ATOMIC(uint64_t, old + SRC, 0);
L_AOR64: ATOMIC(uint64_t, old | SRC, 0);
L_AAND64: ATOMIC(uint64_t, old & SRC, 0);
L_AXOR64: ATOMIC(uint64_t, old ^ SRC, 0);
L_AFADD64: ATOMIC(uint64_t, old + SRC, 1);
L_AFOR64: ATOMIC(uint64_t, old | SRC, 1);
L_AFAND64: ATOMIC(uint64_t, old & SRC, 1);
L_AFXOR64: ATOMIC(uint64_t, old ^ SRC, 1);
L_AXCHG64: ATOMIC(uint64_t, SRC, 1);
L_ACMPXCHG64: CMPXCHG(uint64_t);

tail_call:
    /* The helper already returned success in r0; continue in the target. */
    if (unlikely(base_depth > 0)) {
        vm->pending.tail_call = NULL;
        ebpf_vm_set_fault(vm, EBPF_FAULT_HELPER, "bpf_tail_call inside a bpf_loop callback");
        goto fault;
    }
    TRACE_TAKEN();
    code = vm->pending.tail_call->code;
    vm->cur_prog = vm->pending.tail_call;
#if INTERP_TRACE
    raw = vm->pending.tail_call->insns;
#endif
    vm->pending.tail_call = NULL;
    ip = code;
    depth = 0;
    reg[10] = ebpf_addr(EBPF_REGION_STACK, EBPF_STACK_TOTAL);
    vm->regions[EBPF_REGION_STACK].lo = EBPF_STACK_TOTAL - EBPF_STACK_SIZE;
    TRACE_END();
    GO();

budget_fault:
    vm->cur_pc = PC;
    ebpf_vm_set_fault(vm, EBPF_FAULT_BUDGET, "instruction budget of %" PRIu64 " exhausted",
                      budget);
    res->r0 = reg[0];
    res->insns = n;
    res->fault = vm->fault;
    return -EFAULT;

mem_fault:
    ebpf_vm_mem_fault(vm, PC, fault_addr, fault_size, fault_perm);
fault:
#if INTERP_TRACE
    rec.fault = vm->fault.kind;
    rec.next_pc = PC;
    vm->tracer(vm->tracer_user, &rec);
#endif
    res->r0 = reg[0];
    res->insns = n;
    res->fault = vm->fault;
    return -EFAULT;

done:
    res->r0 = reg[0];
    res->insns = n;
    ebpf_fault_clear(&res->fault);
    return 0;

#undef PC
#undef DST
#undef SRC
#undef IMM
#undef U32
#undef S32
#undef S64
#undef TRACE_BEGIN
#undef TRACE_END
#undef TRACE_MEM
#undef TRACE_TAKEN
#undef TRACE_ARGS
#undef GO
#undef NEXT
#undef JUMP
#undef XLATE
#undef LDX
#undef STORE
#undef ATOMIC
#undef CMPXCHG
#undef LDPKT
#undef HELPER_CALL
}
