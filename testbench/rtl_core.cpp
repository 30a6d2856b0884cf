// rtl_core.cpp - see rtl_core.h.
#include "rtl_core.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include "Vebpf_core.h"
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

Core::Core(VerilatedContext *ctx, const char *trace_path) : ctx_(ctx), top_(new Vebpf_core(ctx))
{
    if (trace_path) {
        ctx_->traceEverOn(true);
        trace_ = new VerilatedFstC;
        top_->trace(trace_, 99);
        trace_->open(trace_path);
    }
    reset();
}

Core::~Core()
{
    if (trace_) {
        trace_->close();
        delete trace_;
    }
    top_->final();
}

void Core::half(int clk)
{
    top_->clk_i = clk;
    top_->eval();
    if (trace_)
        trace_->dump(ctx_->time());
    ctx_->timeInc(1);
}

void Core::tick()
{
    half(0);
    half(1);
    cycles_++;
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
    half(0);
    half(1);
    t.rst_ni = 1;
    tick();
}

void Core::write_imem_word(uint32_t addr, uint64_t word)
{
    top_->imem_we_i = 1;
    top_->imem_waddr_i = addr;
    top_->imem_wdata_i = word;
    tick();
    top_->imem_we_i = 0;
}

void Core::write_imem(uint32_t addr, const struct ebpf_insn &insn)
{
    write_imem_word(addr, insn_word(insn));
}

void Core::set_map(unsigned index, uint32_t size, unsigned perm)
{
    top_->maptab_we_i = 1;
    top_->maptab_idx_i = index;
    top_->maptab_size_i = size;
    top_->maptab_perm_i = ((perm & EBPF_MEM_WRITE) ? 2 : 0) | ((perm & EBPF_MEM_READ) ? 1 : 0);
    tick();
    top_->maptab_we_i = 0;
}

// The local memories are two banks of 64-bit words (even, odd).
template <typename Bank>
static void bank_write(Bank &even, Bank &odd, uint32_t off, const uint8_t *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t a = off + i, w = a >> 3, b = a & 7;
        auto &word = (w & 1) ? odd.mem_q[w >> 1] : even.mem_q[w >> 1];
        word = (word & ~(0xffull << (8 * b))) | ((uint64_t)src[i] << (8 * b));
    }
}

template <typename Bank>
static void bank_read(const Bank &even, const Bank &odd, uint32_t off, uint8_t *dst, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t a = off + i, w = a >> 3, b = a & 7;
        uint64_t word = (w & 1) ? odd.mem_q[w >> 1] : even.mem_q[w >> 1];
        dst[i] = (uint8_t)(word >> (8 * b));
    }
}

#define PKT_EVEN (top_->rootp->vlSymsp->TOP__ebpf_core__u_pkt_mem__u_even)
#define PKT_ODD (top_->rootp->vlSymsp->TOP__ebpf_core__u_pkt_mem__u_odd)
#define STK_EVEN (top_->rootp->vlSymsp->TOP__ebpf_core__u_stack_mem__u_even)
#define STK_ODD (top_->rootp->vlSymsp->TOP__ebpf_core__u_stack_mem__u_odd)

void Core::packet_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(PKT_EVEN, PKT_ODD, off, src, len);
}
void Core::packet_read(uint32_t off, uint8_t *dst, uint32_t len) const
{
    bank_read(PKT_EVEN, PKT_ODD, off, dst, len);
}
void Core::stack_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    bank_write(STK_EVEN, STK_ODD, off, src, len);
}
void Core::stack_read(uint32_t off, uint8_t *dst, uint32_t len) const
{
    bank_read(STK_EVEN, STK_ODD, off, dst, len);
}

void Core::packet_write_port(uint32_t off, const uint8_t *src, uint32_t len)
{
    // whole words with byte enables
    for (uint32_t w = off >> 3; w <= (off + len - 1) >> 3 && len; w++) {
        uint64_t data = 0;
        uint8_t we = 0;
        for (unsigned b = 0; b < 8; b++) {
            uint32_t a = w * 8 + b;
            if (a >= off && a < off + len) {
                data |= (uint64_t)src[a - off] << (8 * b);
                we |= (uint8_t)(1u << b);
            }
        }
        top_->pkt_host_en_i = 1;
        top_->pkt_host_we_i = we;
        top_->pkt_host_addr_i = w;
        top_->pkt_host_wdata_i = data;
        tick();
    }
    top_->pkt_host_en_i = 0;
    top_->pkt_host_we_i = 0;
}

uint16_t Core::data() const { return top_->data_o; }
uint16_t Core::data_end() const { return top_->data_end_o; }
uint16_t Core::data_meta() const { return top_->data_meta_o; }

RunResult Core::run(const RunSetup &s, Environment &env, const RetireFn &on_retire,
                    uint64_t max_cycles)
{
    Vebpf_core &t = *top_;
    RunResult res;
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
    tick();
    t.start_i = 0;

    // map port: one outstanding read; helper port: one outstanding call
    bool map_pending = false, hlp_pending = false;
    uint64_t map_due = 0, hlp_due = 0, map_data = 0;
    HelperResponse hresp;
    uint64_t last_args[5] = {0};
    uint64_t start_cycle = cycles_;

    while (t.busy_o) {
        if (cycles_ - start_cycle > max_cycles) {
            res.timeout = true;
            break;
        }
        half(0);
        bool again = false;
        if (map_pending && cycles_ == map_due) {
            t.map_rsp_valid_i = 1;
            t.map_rsp_rdata_i = map_data;
            map_pending = false;
            again = true;
        }
        if (t.map_req_valid_o) {
            unsigned size = 1u << t.map_req_size_o;
            if (t.map_req_we_o) {
                env.map_write(t.map_req_addr_o, size, t.map_req_wdata_o);
            } else {
                unsigned lat = env.map_latency(t.map_req_addr_o);
                map_data = env.map_read(t.map_req_addr_o, size);
                if (lat <= 1) {
                    t.map_rsp_valid_i = 1;
                    t.map_rsp_rdata_i = map_data;
                    again = true;
                } else {
                    map_pending = true;
                    map_due = cycles_ + lat - 1;
                }
            }
        }
        if (again) {
            t.eval();
            again = false;
        }
        if (hlp_pending && cycles_ == hlp_due) {
            hlp_pending = false;
            again = true;
        } else if (t.hlp_req_valid_o && !hlp_pending) {
            const uint32_t *a = t.hlp_req_args_o.data();
            for (int i = 0; i < 5; i++)
                last_args[i] = (uint64_t)a[2 * i] | ((uint64_t)a[2 * i + 1] << 32);
            bool callx = false;
            {
                // callx takes the helper id from a register: the request
                // id is then not the instruction's immediate
                callx = t.hlp_req_id_o > 0xffffffffull;
            }
            unsigned lat = env.helper(t.hlp_req_id_o, last_args, callx, t.frame_o, hresp);
            if (lat == 0)
                again = true;
            else {
                hlp_pending = true;
                hlp_due = cycles_ + lat;
            }
        }
        if (again) {
            t.hlp_rsp_valid_i = 1;
            t.hlp_rsp_r0_i = hresp.r0;
            t.hlp_rsp_fault_i = hresp.fault;
            t.hlp_rsp_ctx_we_i = hresp.ctx_changed;
            t.hlp_rsp_data_i = hresp.data;
            t.hlp_rsp_data_end_i = hresp.data_end;
            t.hlp_rsp_data_meta_i = hresp.data_meta;
            t.hlp_rsp_tail_i = hresp.tail_call;
            t.hlp_rsp_tail_pc_i = hresp.tail_pc;
            t.eval();
        }
        if (t.rvfi_valid_o) {
            struct ebpf_retire r;
            std::memset(&r, 0, sizeof(r));
            r.seq = t.rvfi_order_o;
            r.pc = t.rvfi_pc_o;
            r.row = t.rvfi_row_o;
            r.frame = t.rvfi_frame_o;
            r.wreg = t.rvfi_wvalid_o ? (int8_t)t.rvfi_wreg_o : (int8_t)-1;
            r.wdata = r.wreg >= 0 ? t.rvfi_wdata_o : 0;
            r.insn = word_insn(t.rvfi_insn_o);
            if (r.row < EBPF_ROW_COUNT && ebpf_row_is_wide(r.row))
                r.imm64 = t.rvfi_imm64_o;
            r.mem_size = t.rvfi_mem_size_o;
            r.mem_write = t.rvfi_mem_write_o;
            r.taken = t.rvfi_taken_o;
            r.fault = t.rvfi_fault_o;
            r.mem_addr = r.mem_size ? t.rvfi_mem_addr_o : 0;
            r.mem_data = r.mem_size ? t.rvfi_mem_data_o : 0;
            r.next_pc = t.rvfi_next_pc_o;
            if (r.row < EBPF_ROW_COUNT && ebpf_isa[r.row].tclass == EBPF_TCLASS_HELPER)
                std::memcpy(r.args, last_args, sizeof(r.args));
            if (!on_retire(r)) {
                res.stopped = true;
                half(1);
                cycles_++;
                break;
            }
        }
        half(1);
        cycles_++;
        t.map_rsp_valid_i = 0;
        t.hlp_rsp_valid_i = 0;
    }
    res.r0 = t.r0_o;
    res.fault = t.fault_o;
    res.fault_pc = t.fault_pc_o;
    res.cycles = t.cycles_o;
    res.insns = t.insns_o;
    res.data = t.data_o;
    res.data_end = t.data_end_o;
    res.data_meta = t.data_meta_o;
    if (res.timeout || res.stopped) {
        // leave the core idle for the next run
        reset();
    }
    return res;
}

static void add(std::string &s, const char *field, uint64_t a, uint64_t b)
{
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%s%s: model 0x%" PRIx64 " rtl 0x%" PRIx64, s.empty() ? "" : "; ",
                  field, a, b);
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
        add(s, "insn", insn_word(m.insn), insn_word(r.insn));
    bool wide = m.row < EBPF_ROW_COUNT && ebpf_row_is_wide(m.row);
    if (wide ? m.imm64 != r.imm64 : m.insn.imm != r.insn.imm)
        add(s, wide ? "imm64" : "imm", wide ? m.imm64 : (uint32_t)m.insn.imm,
            wide ? r.imm64 : (uint32_t)r.insn.imm);
    if (m.wreg != r.wreg) add(s, "wreg", (uint64_t)(int64_t)m.wreg, (uint64_t)(int64_t)r.wreg);
    else if (m.wreg >= 0 && m.wdata != r.wdata) add(s, "wdata", m.wdata, r.wdata);
    if (m.mem_size != r.mem_size) add(s, "mem_size", m.mem_size, r.mem_size);
    if (m.mem_size || r.mem_size) {
        if (m.mem_write != r.mem_write) add(s, "mem_write", m.mem_write, r.mem_write);
        if (m.mem_addr != r.mem_addr) add(s, "mem_addr", m.mem_addr, r.mem_addr);
        if (m.mem_data != r.mem_data) add(s, "mem_data", m.mem_data, r.mem_data);
    }
    if (m.taken != r.taken) add(s, "taken", m.taken, r.taken);
    if (m.next_pc != r.next_pc) add(s, "next_pc", m.next_pc, r.next_pc);
    if (m.fault != r.fault) add(s, "fault", m.fault, r.fault);
    return s;
}

std::string retire_format(const struct ebpf_retire &r)
{
    char buf[256];
    int n = std::snprintf(buf, sizeof(buf), "pc %u", r.pc);
    if (r.wreg >= 0)
        n += std::snprintf(buf + n, sizeof(buf) - (size_t)n, " r%d=0x%" PRIx64, r.wreg, r.wdata);
    if (r.mem_size)
        n += std::snprintf(buf + n, sizeof(buf) - (size_t)n, " %s%u [0x%" PRIx64 "]=0x%" PRIx64,
                           r.mem_write ? "st" : "ld", r.mem_size, r.mem_addr, r.mem_data);
    if (r.taken)
        n += std::snprintf(buf + n, sizeof(buf) - (size_t)n, " -> %u", r.next_pc);
    if (r.fault)
        std::snprintf(buf + n, sizeof(buf) - (size_t)n, " fault %s",
                      r.fault < EBPF_FAULT_COUNT ? ebpf_fault_names[r.fault] : "illegal");
    return buf;
}

} // namespace rtl
