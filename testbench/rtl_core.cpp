// rtl_core.cpp - see rtl_core.h.
#include "rtl_core.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "Vebpf_core.h"
#include "Vebpf_core___024root.h"
#include "Vebpf_core__Syms.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace rtl {

static uint64_t insn_word(const struct ebpf_insn &in)
{
    uint64_t w;
    static_assert(sizeof(in) == 8, "struct ebpf_insn is 8 bytes");
    std::memcpy(&w, &in, 8);
    return w;
}

static struct ebpf_insn word_insn(uint64_t w)
{
    struct ebpf_insn in;
    std::memcpy(&in, &w, 8);
    return in;
}

// Clocking.  Verilator finds a rising edge by comparing clk_i with the
// value it saw at the previous eval(), so a cycle normally costs two
// evaluations (clock low, clock high), each re-running all the logic that
// depends on inputs.  Where the Verilated model keeps that previous value
// in a member (Verilator 5: __Vtrigrprev__TOP__clk_i), the clock stays
// high and each cycle is one evaluation at the edge, with the previous
// value cleared first; inputs changed between edges are evaluated with the
// clock high (no edge).  Waveforms then show the clock high throughout, so
// with tracing on the two-evaluation clock is used.
template <typename Root, typename = void> struct FastClock {
    static bool arm(Root *) { return false; }
};
template <typename Root>
struct FastClock<Root, decltype((void)std::declval<Root &>().__Vtrigrprev__TOP__clk_i, void())> {
    static bool arm(Root *r)
    {
        r->__Vtrigrprev__TOP__clk_i = 0;
        return true;
    }
};

Core::Core(VerilatedContext *ctx) : ctx_(ctx), top_(new Vebpf_core(ctx, "ebpf_core"))
{
    fast_clock_ = FastClock<Vebpf_core___024root>::arm(top_->rootp);
    top_->clk_i = 1;
    top_->eval();
    reset();
}

Core::~Core()
{
    trace_close();
    top_->final();
}

bool Core::trace_open(const char *path, std::string &err)
{
    trace_close();
    (void)err;
    trace_ = new VerilatedFstC;
    top_->trace(trace_, 99);
    trace_->open(path);
    if (!trace_->isOpen()) {
        delete trace_;
        trace_ = nullptr;
        err = std::string(path) + ": cannot open the waveform file";
        return false;
    }
    return true;
}

void Core::trace_close()
{
    if (!trace_)
        return;
    trace_->close();
    delete trace_;
    trace_ = nullptr;
}

uint64_t Core::sim_time() const { return ctx_->time(); }

void Core::eval_low()
{
    if (trace_ || !fast_clock_) {
        top_->clk_i = 0;
        top_->eval();
    } else if (dirty_) {
        top_->eval(); // clock high, no edge: new inputs settle
    }
    dirty_ = false;
}

void Core::posedge()
{
    if (trace_)
        trace_->dump(ctx_->time());
    ctx_->timeInc(1);
    top_->clk_i = 1;
    if (!trace_ && fast_clock_)
        FastClock<Vebpf_core___024root>::arm(top_->rootp);
    top_->eval();
    if (trace_)
        trace_->dump(ctx_->time());
    ctx_->timeInc(1);
    ticks_++;
}

void Core::tick()
{
    eval_low();
    posedge();
    dirty_ = true; // the caller changes inputs next
}

void Core::reset()
{
    Vebpf_core &t = *top_;
    t.rst_ni = 0;
    t.imem_we_i = 0;
    t.pkt_host_en_i = 0;
    t.pkt_host_we_i = 0;
    t.maptab_we_i = 0;
    t.start_i = 0;
    t.map_req_ready_i = 1;
    t.map_rsp_valid_i = 0;
    t.hlp_req_ready_i = 1;
    t.hlp_rsp_valid_i = 0;
    tick();
    t.rst_ni = 1;
    tick();
    open_ = map_pending_ = hlp_waiting_ = hlp_pending_ = false;
    for (unsigned i = 0; i < kNumMaps; i++)
        if (map_perm_[i])
            set_map(i, map_size_[i], map_perm_[i]);
}

void Core::abandon() { reset(); }

void Core::write_imem(uint32_t addr, uint64_t word)
{
    top_->imem_we_i = 1;
    top_->imem_waddr_i = addr;
    top_->imem_wdata_i = word;
    tick();
    top_->imem_we_i = 0;
}

void Core::set_map(unsigned index, uint32_t size, unsigned perm)
{
    map_size_[index] = size;
    map_perm_[index] = perm;
    top_->maptab_we_i = 1;
    top_->maptab_idx_i = index;
    top_->maptab_size_i = size;
    top_->maptab_perm_i = ((perm & EBPF_MEM_WRITE) ? 2 : 0) | ((perm & EBPF_MEM_READ) ? 1 : 0);
    tick();
    top_->maptab_we_i = 0;
}

// The local memories are two banks of 64-bit words: even words in one,
// odd words in the other.
#define PKT_EVEN (top_->rootp->vlSymsp->TOP__ebpf_core__u_pkt_mem__u_even.mem_q)
#define PKT_ODD (top_->rootp->vlSymsp->TOP__ebpf_core__u_pkt_mem__u_odd.mem_q)
#define STK_EVEN (top_->rootp->vlSymsp->TOP__ebpf_core__u_stack_mem__u_even.mem_q)
#define STK_ODD (top_->rootp->vlSymsp->TOP__ebpf_core__u_stack_mem__u_odd.mem_q)

// Whole words take the fast path (one 8-byte copy, no per-byte masks); the
// partial words at either end are merged byte by byte.
template <typename Bank>
static void bank_write(Bank &even, Bank &odd, uint32_t off, const uint8_t *src, uint32_t len,
                       bool only_changed)
{
    if (!len)
        return;
    uint32_t end = off + len;
    auto partial = [&](uint32_t w) {
        auto &word = (w & 1) ? odd[w >> 1] : even[w >> 1];
        uint64_t v = word;
        for (unsigned b = 0; b < 8; b++) {
            uint32_t a = w * 8 + b;
            if (a >= off && a < end)
                v = (v & ~(0xffull << (8 * b))) | ((uint64_t)src[a - off] << (8 * b));
        }
        word = v;
    };
    uint32_t w0 = off >> 3, w1 = (end - 1) >> 3;
    uint32_t first = (off & 7) ? w0 + 1 : w0;       // whole words [first, last)
    uint32_t last = (end & 7) ? w1 : w1 + 1;
    if (off & 7)
        partial(w0);
    for (uint32_t w = first; w < last; w++) {
        auto &word = (w & 1) ? odd[w >> 1] : even[w >> 1];
        uint64_t v;
        std::memcpy(&v, src + (w * 8 - off), 8);
        if (!only_changed || v != word)
            word = v;
    }
    if ((end & 7) && (w1 != w0 || !(off & 7)))
        partial(w1);
}

template <typename Bank>
static void bank_read(const Bank &even, const Bank &odd, uint32_t off, uint8_t *dst, uint32_t len)
{
    uint32_t i = 0;
    for (; i < len && ((off + i) & 7); i++) { // up to the first whole word
        uint32_t a = off + i;
        uint64_t word = ((a >> 3) & 1) ? odd[a >> 4] : even[a >> 4];
        dst[i] = (uint8_t)(word >> (8 * (a & 7)));
    }
    for (; len - i >= 8; i += 8) {
        uint32_t w = (off + i) >> 3;
        uint64_t word = (w & 1) ? odd[w >> 1] : even[w >> 1];
        std::memcpy(dst + i, &word, 8);
    }
    for (; i < len; i++) {
        uint32_t a = off + i;
        uint64_t word = ((a >> 3) & 1) ? odd[a >> 4] : even[a >> 4];
        dst[i] = (uint8_t)(word >> (8 * (a & 7)));
    }
}

void Core::packet_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(PKT_EVEN, PKT_ODD, off, src, len, false);
}
void Core::packet_update(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(PKT_EVEN, PKT_ODD, off, src, len, true);
}
void Core::packet_read(uint32_t off, uint8_t *dst, uint32_t len) const
{
    bank_read(PKT_EVEN, PKT_ODD, off, dst, len);
}
void Core::stack_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(STK_EVEN, STK_ODD, off, src, len, false);
}
void Core::stack_update(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(STK_EVEN, STK_ODD, off, src, len, true);
}
void Core::stack_read(uint32_t off, uint8_t *dst, uint32_t len) const
{
    bank_read(STK_EVEN, STK_ODD, off, dst, len);
}

void Core::start(const RunSetup &s)
{
    Vebpf_core &t = *top_;
    t.start_i = 1;
    t.entry_pc_i = s.entry;
    t.r1_i = s.r1;
    t.r2_i = s.r2;
    t.xdp_mode_i = s.xdp;
    t.mem_len_i = s.mem_len;
    t.ctx_data_i = s.data;
    t.ctx_data_end_i = s.data_end;
    t.ctx_data_meta_i = s.data_meta;
    t.ctx_ingress_ifindex_i = s.ingress_ifindex;
    t.ctx_rx_queue_index_i = s.rx_queue_index;
    t.ctx_egress_ifindex_i = s.egress_ifindex;
    t.map_rsp_valid_i = 0;
    t.hlp_rsp_valid_i = 0;
    tick();
    t.start_i = 0;
    open_ = map_pending_ = hlp_waiting_ = hlp_pending_ = false;
    run_cycle_ = 0;
}

bool Core::busy() const { return top_->busy_o; }

// No output of the core depends combinationally on the helper response
// inputs (they only complete the call in EX, whose effects appear after the
// clock edge), so delivering or clearing a response does not make the
// harness re-evaluate the model before it reads the outputs of the cycle;
// the clock edge's evaluation takes the new inputs.  (Map responses do
// reach outputs: a load retires in the cycle its data arrives.)
void Core::apply_helper_response()
{
    Vebpf_core &t = *top_;
    t.hlp_rsp_valid_i = 1;
    t.hlp_rsp_r0_i = hresp_.r0;
    t.hlp_rsp_fault_i = hresp_.fault;
    t.hlp_rsp_ctx_we_i = hresp_.ctx_changed;
    t.hlp_rsp_data_i = hresp_.data;
    t.hlp_rsp_data_end_i = hresp_.data_end;
    t.hlp_rsp_data_meta_i = hresp_.data_meta;
    t.hlp_rsp_tail_i = hresp_.tail_call;
    t.hlp_rsp_tail_pc_i = hresp_.tail_pc;
}

Core::Step Core::step(Listener &l)
{
    Vebpf_core &t = *top_;
    if (!open_) {
        // inputs of this cycle: responses falling due now
        if (t.map_rsp_valid_i)
            dirty_ = true;
        t.map_rsp_valid_i = 0;
        t.hlp_rsp_valid_i = 0;
        if (map_pending_ && run_cycle_ == map_due_) {
            t.map_rsp_valid_i = 1;
            t.map_rsp_rdata_i = map_data_;
            map_pending_ = false;
            dirty_ = true;
        }
        if (hlp_pending_ && run_cycle_ == hlp_due_) {
            l.helper_deliver(hreq_, hresp_);
            apply_helper_response();
            hlp_pending_ = false;
        }
        eval_low();
        open_ = true;

        // map memory port: reads answer after the latency, writes are posted
        if (t.map_req_valid_o) {
            uint64_t addr = t.map_req_addr_o;
            unsigned size = 1u << t.map_req_size_o;
            if (t.map_req_we_o) {
                l.map_write(addr, size, t.map_req_wdata_o);
            } else {
                unsigned lat = l.map_latency(addr);
                map_data_ = l.map_read(addr, size);
                if (lat <= 1) {
                    t.map_rsp_valid_i = 1;
                    t.map_rsp_rdata_i = map_data_;
                    t.eval();
                } else {
                    map_pending_ = true;
                    map_due_ = run_cycle_ + lat - 1;
                }
            }
        }

        // retire port: the older instruction, then the younger of a pair
        if (t.rvfi_valid_o) {
            retire_channel(l, 0);
            if (t.rvfi1_valid_o)
                retire_channel(l, 1);
        }

        // helper port: a new request
        if (t.hlp_req_valid_o && !hlp_pending_) {
            const uint32_t *a = t.hlp_req_args_o.data();
            for (int i = 0; i < 5; i++)
                hreq_.args[i] = (uint64_t)a[2 * i] | ((uint64_t)a[2 * i + 1] << 32);
            hreq_.id = t.hlp_req_id_o;
            hreq_.depth = t.frame_o;
            hreq_.cycle = run_cycle_;
            hlp_waiting_ = true;
        }
    }
    if (hlp_waiting_) {
        hresp_ = HelperResponse();
        if (!l.helper(hreq_, hresp_))
            return Step::Paused;
        hlp_waiting_ = false;
        if (hresp_.latency == 0) {
            l.helper_deliver(hreq_, hresp_);
            apply_helper_response();
            if (trace_ || !fast_clock_)
                t.eval(); // the waveform shows the answer before the edge
        } else {
            hlp_pending_ = true;
            hlp_due_ = hreq_.cycle + hresp_.latency;
        }
    }
    posedge();
    open_ = false;
    run_cycle_++;
    return t.busy_o ? Step::Running : Step::Done;
}

// One record of the retire port (channel 0: rvfi_*, 1: rvfi1_*).
void Core::retire_channel(Listener &l, unsigned ch)
{
    Vebpf_core &t = *top_;
#define RVFI(f) (ch ? t.rvfi1_##f : t.rvfi_##f)
    struct ebpf_retire r;
    std::memset(&r, 0, sizeof(r));
    r.seq = t.rvfi_order_o + ch;
    r.pc = RVFI(pc_o);
    r.row = RVFI(row_o);
    r.frame = t.rvfi_frame_o;
    r.wreg = RVFI(wvalid_o) ? (int8_t)RVFI(wreg_o) : (int8_t)-1;
    r.wdata = r.wreg >= 0 ? RVFI(wdata_o) : 0;
    r.insn = word_insn(RVFI(insn_o));
    bool known = r.row < EBPF_ROW_COUNT;
    if (known && ebpf_row_is_wide(r.row))
        r.imm64 = t.rvfi_imm64_o; // channel 0 only: lddw issues alone
    r.mem_size = RVFI(mem_size_o);
    r.mem_write = RVFI(mem_write_o);
    r.taken = RVFI(taken_o);
    r.fault = RVFI(fault_o);
    r.mem_addr = r.mem_size ? RVFI(mem_addr_o) : 0;
    r.mem_data = r.mem_size ? RVFI(mem_data_o) : 0;
    r.next_pc = RVFI(next_pc_o);
    if (known && ebpf_isa[r.row].tclass == EBPF_TCLASS_HELPER) {
        std::memcpy(r.args, hreq_.args, sizeof(r.args));
        r.imm64 = hreq_.id;
    }
    if (!r.mem_size && r.fault >= EBPF_FAULT_MEM_BOUNDS && r.fault <= EBPF_FAULT_MEM_PERM)
        r.mem_addr = RVFI(mem_addr_o); // where the faulting access went
#undef RVFI
    l.retire(r, (uint64_t)t.cycles_o + 1);
}

CoreStatus Core::status() const
{
    const Vebpf_core &t = *top_;
    CoreStatus s;
    s.r0 = t.r0_o;
    s.fault = t.fault_o;
    s.fault_pc = t.fault_pc_o;
    s.cycles = t.cycles_o;
    s.insns = t.insns_o;
    s.data = t.data_o;
    s.data_end = t.data_end_o;
    s.data_meta = t.data_meta_o;
    return s;
}

// ---------------------------------------------------------------- records

static void add(std::string &s, const char *field, uint64_t a, uint64_t b)
{
    char buf[160];
    std::snprintf(buf, sizeof(buf), "    %-10s model 0x%-18" PRIx64 " rtl 0x%" PRIx64 "\n", field, a,
                  b);
    s += buf;
}

std::string retire_diff(const struct ebpf_retire &m, const struct ebpf_retire &r)
{
    std::string s;
    if (m.pc != r.pc) add(s, "pc", m.pc, r.pc);
    if (m.row != r.row) add(s, "row", m.row, r.row);
    if (m.frame != r.frame) add(s, "frame", m.frame, r.frame);
    if (m.insn.code != r.insn.code || m.insn.dst != r.insn.dst || m.insn.src != r.insn.src ||
        m.insn.off != r.insn.off)
        add(s, "encoding", insn_word(m.insn), insn_word(r.insn));
    bool wide = m.row < EBPF_ROW_COUNT && ebpf_row_is_wide(m.row);
    if (wide ? m.imm64 != r.imm64 : m.insn.imm != r.insn.imm)
        add(s, wide ? "imm64" : "imm", wide ? m.imm64 : (uint32_t)m.insn.imm,
            wide ? r.imm64 : (uint32_t)r.insn.imm);
    if (m.wreg != r.wreg) add(s, "wreg", (uint64_t)(int64_t)m.wreg, (uint64_t)(int64_t)r.wreg);
    else if (m.wreg >= 0 && m.wdata != r.wdata) add(s, "wdata", m.wdata, r.wdata);
    if (m.mem_size != r.mem_size) add(s, "mem_size", m.mem_size, r.mem_size);
    if (m.mem_size && r.mem_size) {
        if (m.mem_write != r.mem_write) add(s, "mem_write", m.mem_write, r.mem_write);
        if (m.mem_addr != r.mem_addr) add(s, "mem_addr", m.mem_addr, r.mem_addr);
        if (m.mem_data != r.mem_data) add(s, "mem_data", m.mem_data, r.mem_data);
    }
    if (m.taken != r.taken) add(s, "taken", m.taken, r.taken);
    if (m.next_pc != r.next_pc) add(s, "next_pc", m.next_pc, r.next_pc);
    if (m.fault != r.fault) add(s, "fault", m.fault, r.fault);
    if (m.row < EBPF_ROW_COUNT && m.row == r.row && ebpf_isa[m.row].tclass == EBPF_TCLASS_HELPER &&
        !m.fault) {
        if (m.imm64 != r.imm64) add(s, "helper", m.imm64, r.imm64);
        for (int i = 0; i < 5; i++) {
            char f[16];
            std::snprintf(f, sizeof(f), "r%d", i + 1);
            if (m.args[i] != r.args[i]) add(s, f, m.args[i], r.args[i]);
        }
    }
    return s;
}

std::string retire_format(const struct ebpf_retire &r)
{
    char buf[256];
    int n = std::snprintf(buf, sizeof(buf), "pc %u", r.pc);
    auto room = [&]() { return n < (int)sizeof(buf) ? sizeof(buf) - (size_t)n : 0; };
    if (r.wreg >= 0)
        n += std::snprintf(buf + n, room(), " r%d=0x%" PRIx64, r.wreg, r.wdata);
    if (r.mem_size)
        n += std::snprintf(buf + n, room(), " %s%u [0x%" PRIx64 "]=0x%" PRIx64,
                           r.mem_write ? "st" : "ld", r.mem_size, r.mem_addr, r.mem_data);
    if (r.taken)
        n += std::snprintf(buf + n, room(), " -> %u", r.next_pc);
    if (r.fault)
        std::snprintf(buf + n, room(), " fault %s",
                      r.fault < EBPF_FAULT_COUNT ? ebpf_fault_names[r.fault] : "illegal");
    return buf;
}

std::string retire_disasm(const struct ebpf_retire &r)
{
    struct ebpf_insn two[2];
    two[0] = r.insn;
    std::memset(&two[1], 0, sizeof(two[1]));
    bool wide = r.row < EBPF_ROW_COUNT && ebpf_row_is_wide(r.row);
    if (r.row == EBPF_ROW_LDDW)
        two[1].imm = (int32_t)(uint32_t)(r.imm64 >> 32);
    else if (r.row == EBPF_ROW_LDDW_MAP_VALUE || r.row == EBPF_ROW_LDDW_MAP_IDX_VALUE)
        two[1].imm = (int32_t)(uint32_t)r.imm64; /* the value offset */
    char buf[128];
    ebpf_disasm_insn(two, wide ? 2 : 1, 0, buf, sizeof(buf));
    return buf;
}

} // namespace rtl
