// SystemC system model of the offload NIC (docs/microarchitecture.md §1):
// MAC -> RX buffer -> dispatcher -> N cores (functional model + timing
// model) sharing a TLM-2.0 map memory -> TX MAC / PCIe DMA to the host.
//
// Loosely timed: a core runs a whole program at its start time and charges
// the cycles the timing model computes; each map access goes to the shared
// memory target through b_transport with the access's time offset, and the
// target returns the port-contention delay, which the timing model adds.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <getopt.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "ebpf_hwconfig.h"
#include "ebpf_runtime.h"
#include "ebpf_timing.h"
#include "nic.h"

extern "C" {
#include "../engine.h"
#include "../pcapio.h"
#include "../../driver/sim/drvsim.h"
#include "../sim.h"
}

using namespace sc_core;

namespace {

constexpr unsigned kPreamble = 8, kIfg = 12, kFcs = 4, kMinFrame = 60;

struct Frame {
    uint64_t index = 0;
    std::vector<uint8_t> bytes;
    uint32_t wirelen = 0;
    uint32_t buffer_bytes = 0;
    sc_time arrive_start, arrive_end;
    uint32_t action = 0;
    sc_time verdict_time;
    sc_time start;          // the program started (what a control-plane change is compared with)
    uint32_t prog_id = 0;   // the NIC's program id that ran (0: no driver)
};

// Log-linear latency histogram: bounded memory whatever the trace size.
class LatencyHistogram {
  public:
    void add(double ns)
    {
        unsigned b = bucket(ns);
        if (b >= counts_.size())
            counts_.resize(b + 1);
        counts_[b]++;
        n_++;
        max_ = std::max(max_, ns);
    }
    double percentile(double p) const
    {
        if (!n_)
            return 0;
        uint64_t want = (uint64_t)std::ceil(p / 100.0 * (double)n_), seen = 0;
        for (unsigned b = 0; b < counts_.size(); b++) {
            seen += counts_[b];
            if (seen >= want)
                return std::min(upper(b), max_);
        }
        return max_;
    }
    double max() const { return max_; }
    uint64_t count() const { return n_; }

  private:
    // 16 buckets per power of two from 1 ns
    static unsigned bucket(double ns)
    {
        if (ns < 1)
            return 0;
        int e;
        double m = std::frexp(ns, &e); // ns = m * 2^e, m in [0.5, 1)
        return (unsigned)(e * 16 + (int)((m - 0.5) * 32));
    }
    static double upper(unsigned b) { return std::ldexp(0.5 + ((b % 16) + 1) / 32.0, (int)(b / 16)); }
    std::vector<uint64_t> counts_;
    uint64_t n_ = 0;
    double max_ = 0;
};

struct Stats {
    uint64_t offered = 0, offered_wire_bytes = 0, refused = 0;
    uint64_t processed = 0, processed_wire_bits = 0;
    uint64_t verdicts[5] = {0};
    uint64_t drop_rx_overflow = 0, drop_tx_overflow = 0, drop_host_ring = 0;
    uint64_t insns = 0, issue_cycles = 0, stall[EBPF_STALL_COUNT] = {0};
    uint64_t faults = 0;
    sc_time first_arrival = SC_ZERO_TIME, last_verdict = SC_ZERO_TIME, last_egress = SC_ZERO_TIME;
    bool any = false;
    LatencyHistogram verdict_latency, egress_latency;
    std::vector<sc_time> core_busy;
    std::vector<uint64_t> core_packets;
};

// Shared map memory: ports per placement, each busy one core cycle per
// access.  Cores run ahead of simulated time (loosely timed), so requests do
// not arrive in time order: each port keeps the set of cycles it is booked
// for, and a request takes the first free cycle at or after its own.
// The cycles a memory port is booked, sorted: a vector whose front part
// (before head) is forgotten, since requests come mostly in time order and
// land near the end (a std::set costs a node allocation per access).
class Bookings {
  public:
    void forget_before(uint64_t cycle)
    {
        while (head_ < v_.size() && v_[head_] < cycle)
            head_++;
        if (head_ >= 1024 && head_ * 2 >= v_.size()) {
            v_.erase(v_.begin(), v_.begin() + (std::ptrdiff_t)head_);
            head_ = 0;
        }
    }
    // the first cycle from c on that is not booked
    uint64_t first_free(uint64_t c) const
    {
        for (auto it = std::lower_bound(v_.begin() + (std::ptrdiff_t)head_, v_.end(), c);
             it != v_.end() && *it == c; ++it)
            c++;
        return c;
    }
    void book(uint64_t c)
    {
        auto it = v_.end();
        while (it != v_.begin() + (std::ptrdiff_t)head_ && *(it - 1) > c)
            --it;
        v_.insert(it, c);
    }

  private:
    std::vector<uint64_t> v_;
    size_t head_ = 0;
};

struct MapMemory : sc_module {
    tlm_utils::multi_passthrough_target_socket<MapMemory> socket;
    MapMemory(sc_module_name n, const ebpf_hwconfig &cfg, const std::vector<uint8_t> &placement)
        : sc_module(n), socket("socket"), placement_(placement),
          period_(1000.0 / cfg.clock_mhz, SC_NS)
    {
        for (int p = 0; p < EBPF_PLACE_COUNT; p++)
            ports_[p].resize(cfg.mem_ports[p]);
        socket.register_b_transport(this, &MapMemory::b_transport);
    }
    void b_transport(int initiator, tlm::tlm_generic_payload &trans, sc_time &delay)
    {
        (void)initiator;
        uint64_t addr = trans.get_address();
        unsigned map = (unsigned)((addr >> 32) - EBPF_REGION_FIRST_DYNAMIC);
        unsigned p = map < placement_.size() ? placement_[map] : (unsigned)EBPF_PLACE_SRAM;
        uint64_t request = (uint64_t)std::ceil((sc_time_stamp() + delay) / period_ - 1e-9);
        uint64_t now = (uint64_t)(sc_time_stamp() / period_);
        uint64_t best = UINT64_MAX;
        Bookings *best_port = nullptr;
        for (auto &port : ports_[p]) {
            port.forget_before(now > 4096 ? now - 4096 : 0);
            uint64_t c = port.first_free(request);
            if (c < best) {
                best = c;
                best_port = &port;
            }
        }
        best_port->book(best);
        delay += period_ * (double)(best - request);
        accesses_++;
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    uint64_t accesses_ = 0;

  private:
    std::vector<uint8_t> placement_;
    std::vector<Bookings> ports_[EBPF_PLACE_COUNT];
    sc_time period_;
};

class Nic;

struct Core : sc_module {
    tlm_utils::simple_initiator_socket<Core> mem;
    Core(sc_module_name n, Nic *nic, unsigned id);
    ~Core() override;
    void step();
    std::deque<std::unique_ptr<Frame>> queue;
    sc_event wake;

    Nic *nic_;
    unsigned id_;
    ebpf_core *core_ = nullptr;
    ebpf_timing *timing_ = nullptr;
    struct ebpf_xdp_frame xf_ {};
    std::unique_ptr<Frame> current_;
    sc_time start_, free_at_ = SC_ZERO_TIME;
    bool running_ = false;
    struct ebpf_xdp_result pending_result_ {};
    struct ebpf_packet_timing pending_timing_ {};
    // a program of another object (a replacement through the driver)
    ebpf_object *alt_obj_ = nullptr;
    ebpf_core *alt_core_ = nullptr;
    ebpf_timing *alt_timing_ = nullptr;
    static uint64_t access(void *user, uint64_t cycle, uint64_t addr, unsigned size, int write);
};

class Nic : public sc_module {
  public:
    Nic(sc_module_name n, const ebpf_hwconfig &cfg, ebpf_object *obj, unsigned prog,
        const char *pcap_path, uint64_t limit)
        : sc_module(n), cfg_(cfg), obj_(obj), prog_(prog), pcap_path_(pcap_path), limit_(limit),
          period_(1000.0 / cfg.clock_mhz, SC_NS)
    {
        std::vector<uint8_t> placement;
        for (unsigned m = 0; m < ebpf_object_map_count(obj); m++)
            placement.push_back((uint8_t)ebpf_hwconfig_placement(&cfg, ebpf_object_map_name(obj, m)));
        placement_ = placement;
        memory_ = std::make_unique<MapMemory>("map_memory", cfg, placement);
        for (unsigned c = 0; c < cfg.cores; c++) {
            cores_.push_back(std::make_unique<Core>(sc_gen_unique_name("core"), this, c));
            cores_.back()->mem.bind(memory_->socket);
        }
        stats_.core_busy.assign(cfg.cores, SC_ZERO_TIME);
        stats_.core_packets.assign(cfg.cores, 0);
        SC_HAS_PROCESS(Nic);
        SC_THREAD(mac_rx);
        SC_METHOD(tx_step);
        sensitive << tx_wake_;
        dont_initialize();
        SC_METHOD(dma_step);
        sensitive << dma_wake_;
        dont_initialize();
    }

    // Time for n bytes of a frame on the wire at the line rate.
    sc_time wire_time(double bytes) const { return sc_time(bytes * 8.0 / cfg_.line_rate_gbps, SC_NS); }

    void mac_rx()
    {
        struct pcap_in in;
        char err[1024];
        if (pcap_in_open(&in, pcap_path_, err, sizeof(err)) < 0) {
            error_ = err;
            return;
        }
        struct pkt_in pkt;
        int rc = 0;
        sc_time next = SC_ZERO_TIME;
        uint64_t ts0 = 0;
        while (stats_.offered < limit_ && (rc = pcap_in_next(&in, &pkt, err, sizeof(err))) == 1) {
            uint32_t wire = std::max(pkt.wirelen, kMinFrame);
            sc_time start;
            if (cfg_.pacing == EBPF_PACE_CAPTURE) {
                if (!stats_.offered)
                    ts0 = pkt.ts_ns;
                start = sc_time((double)(pkt.ts_ns >= ts0 ? pkt.ts_ns - ts0 : 0), SC_NS) +
                        wire_time(kPreamble);
                if (start < next)
                    start = next; // the wire cannot carry two frames at once
            } else {
                start = next + wire_time(kPreamble);
            }
            next = start + wire_time(wire + kFcs + kIfg);
            if (start > sc_time_stamp())
                wait(start - sc_time_stamp());
            auto f = std::make_unique<Frame>();
            f->index = in.record - 1;
            f->bytes.assign(pkt.data, pkt.data + pkt.caplen);
            f->wirelen = wire;
            f->arrive_start = start;
            f->arrive_end = start + wire_time(wire + kFcs);
            if (!stats_.any) {
                stats_.first_arrival = start;
                stats_.any = true;
            }
            stats_.offered++;
            stats_.offered_wire_bytes += wire + kFcs + kPreamble + kIfg;
            admit(std::move(f));
            if (progress_ && !(stats_.offered & 63))
                progress_(progress_user_, stats_.offered,
                          limit_ != UINT64_MAX ? (double)stats_.offered / (double)limit_
                          : in.file_size      ? (double)pcap_in_offset(&in) / (double)in.file_size
                                              : -1.0);
        }
        if (rc < 0)
            error_ = err;
        pcap_in_close(&in);
    }

    // Cut-through admission: the frame's buffer space is reserved when its
    // first byte arrives; no space, no frame.
    void admit(std::unique_ptr<Frame> f)
    {
        uint32_t need = (uint32_t)((f->bytes.size() + 63) / 64 * 64);
        if (f->bytes.size() < EBPF_XDP_MIN_FRAME) {
            stats_.refused++;
            return;
        }
        if (buffer_used_ + need > cfg_.rx_buffer_bytes) {
            stats_.drop_rx_overflow++;
            return;
        }
        buffer_used_ += need;
        f->buffer_bytes = need;
        unsigned c = cfg_.dispatch == EBPF_DISPATCH_FLOW_HASH ? flow_hash(f->bytes) % cfg_.cores
                                                               : (unsigned)(rr_++ % cfg_.cores);
        cores_[c]->queue.push_back(std::move(f));
        cores_[c]->wake.notify(SC_ZERO_TIME);
    }

    static uint32_t flow_hash(const std::vector<uint8_t> &b)
    {
        // 5-tuple of IPv4/IPv6 after up to two VLAN tags; other frames: MACs
        size_t off = 12;
        uint32_t h = 2166136261u;
        auto mix = [&h](const uint8_t *p, size_t n) {
            for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * 16777619u;
        };
        if (b.size() < 14)
            return 0;
        uint16_t type = (uint16_t)(b[off] << 8 | b[off + 1]);
        for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && off + 6 <= b.size(); i++) {
            off += 4;
            type = (uint16_t)(b[off] << 8 | b[off + 1]);
        }
        off += 2;
        if (type == 0x0800 && off + 20 <= b.size()) {
            mix(&b[off + 12], 8);
            mix(&b[off + 9], 1);
            size_t l4 = off + (b[off] & 15) * 4;
            if ((b[off + 9] == 6 || b[off + 9] == 17) && l4 + 4 <= b.size())
                mix(&b[l4], 4);
        } else if (type == 0x86dd && off + 40 <= b.size()) {
            mix(&b[off + 8], 32);
            mix(&b[off + 6], 1);
            if ((b[off + 6] == 6 || b[off + 6] == 17) && off + 44 <= b.size())
                mix(&b[off + 40], 4);
        } else {
            mix(&b[0], 12);
        }
        return h;
    }

    void release(Frame &f) { buffer_used_ -= f.buffer_bytes; }

    void verdict(unsigned core, std::unique_ptr<Frame> f, const struct ebpf_xdp_result &r,
                 const struct ebpf_packet_timing &pt, sc_time busy)
    {
        static const char *const names[5] = {"aborted", "drop", "pass", "tx", "redirect"};
        if (per_packet_)
            fprintf(per_packet_, "{\"index\":%llu,\"verdict\":\"%s\",\"start_ns\":%.3f,\"core\":%u,\"prog\":%u}\n",
                    (unsigned long long)f->index, names[r.action < 5 ? r.action : 0],
                    f->start / sc_time(1, SC_PS) / 1000.0, core, f->prog_id);
        stats_.processed++;
        stats_.processed_wire_bits += (uint64_t)(f->wirelen + kFcs + kPreamble + kIfg) * 8;
        stats_.verdicts[r.action < 5 ? r.action : 0]++;
        stats_.insns += pt.insns;
        stats_.issue_cycles += pt.issue_cycles;
        for (int k = 0; k < EBPF_STALL_COUNT; k++)
            stats_.stall[k] += pt.stall[k];
        stats_.faults += r.fault.kind != EBPF_FAULT_NONE;
        stats_.core_busy[core] += busy;
        stats_.core_packets[core]++;
        f->verdict_time = sc_time_stamp();
        stats_.last_verdict = sc_time_stamp();
        stats_.verdict_latency.add((f->verdict_time - f->arrive_start).to_seconds() * 1e9);
        f->action = r.action;
        switch (r.action) {
        case EBPF_XDP_TX:
            if (tx_queue_.size() >= cfg_.tx_queue_frames) {
                stats_.drop_tx_overflow++;
                release(*f);
                return;
            }
            tx_queue_.push_back(std::move(f));
            tx_wake_.notify(SC_ZERO_TIME);
            return;
        case EBPF_XDP_PASS:
            if (dma_queue_.size() >= cfg_.host_rx_ring) {
                stats_.drop_host_ring++;
                release(*f);
                return;
            }
            dma_queue_.push_back(std::move(f));
            dma_wake_.notify(SC_ZERO_TIME);
            return;
        default:
            release(*f);
            egress(*f, sc_time_stamp());
            return;
        }
    }

    void egress(const Frame &f, sc_time t)
    {
        stats_.egress_latency.add((t - f.arrive_start).to_seconds() * 1e9);
        stats_.last_egress = std::max(stats_.last_egress, t);
    }

    // TX MAC: one frame at a time at the line rate.
    void tx_step()
    {
        if (tx_busy_) {
            tx_busy_ = false;
            auto f = std::move(tx_queue_.front());
            tx_queue_.pop_front();
            release(*f);
            egress(*f, sc_time_stamp());
        }
        if (!tx_queue_.empty()) {
            tx_busy_ = true;
            const Frame &f = *tx_queue_.front();
            next_trigger(wire_time(std::max<uint32_t>((uint32_t)f.bytes.size(), kMinFrame) + kFcs +
                                   kPreamble + kIfg));
        }
    }

    // PCIe DMA of XDP_PASS frames: payload in max-payload TLPs plus a
    // 16-byte descriptor write-back, serialised on the link.
    void dma_step()
    {
        if (dma_busy_) {
            dma_busy_ = false;
            auto f = std::move(dma_queue_.front());
            dma_queue_.pop_front();
            release(*f);
            egress(*f, sc_time_stamp() + sc_time(cfg_.pcie_latency_ns, SC_NS));
        }
        if (!dma_queue_.empty()) {
            dma_busy_ = true;
            double len = (double)dma_queue_.front()->bytes.size();
            double tlps = std::ceil(len / cfg_.pcie_max_payload) + 1;
            double bytes = len + 16 + tlps * cfg_.pcie_tlp_overhead;
            next_trigger(sc_time(bytes / ebpf_hwconfig_pcie_bytes_per_s(&cfg_) * 1e9, SC_NS));
        }
    }

    const ebpf_hwconfig &cfg_;
    ebpf_object *obj_;
    unsigned prog_;
    const char *pcap_path_;
    uint64_t limit_;
    sc_time period_;
    std::vector<uint8_t> placement_;
    std::unique_ptr<MapMemory> memory_;
    std::vector<std::unique_ptr<Core>> cores_;
    Stats stats_;
    std::string error_;
    struct drvsim *drv_ = nullptr;   // the driver shim: maps and schedule (docs/driver.md)
    FILE *per_packet_ = nullptr;
    void (*progress_)(void *, uint64_t, double) = nullptr;
    void *progress_user_ = nullptr;
    uint64_t buffer_used_ = 0, rr_ = 0;
    std::deque<std::unique_ptr<Frame>> tx_queue_, dma_queue_;
    sc_event tx_wake_, dma_wake_;
    bool tx_busy_ = false, dma_busy_ = false;
};

Core::Core(sc_module_name n, Nic *nic, unsigned id) : sc_module(n), mem("mem"), nic_(nic), id_(id)
{
    char err[512];
    core_ = ebpf_core_create(nic->obj_, id, err, sizeof(err));
    if (!core_)
        SC_REPORT_FATAL("core", err);
    timing_ = ebpf_timing_create(&nic->cfg_.timing, nic->obj_);
    for (unsigned m = 0; m < nic->placement_.size(); m++)
        ebpf_timing_set_placement(timing_, m, (enum ebpf_placement)nic->placement_[m]);
    ebpf_timing_set_access_hook(timing_, access, this);
    ebpf_vm_set_tracer(ebpf_core_vm(core_), ebpf_timing_tracer, timing_);
    if (ebpf_xdp_frame_init(&xf_, 0) < 0)
        SC_REPORT_FATAL("core", "out of memory");
    SC_HAS_PROCESS(Core);
    SC_METHOD(step);
    sensitive << wake;
    dont_initialize();
}

Core::~Core()
{
    ebpf_xdp_frame_free(&xf_);
    ebpf_timing_destroy(timing_);
    ebpf_core_destroy(core_);
    ebpf_timing_destroy(alt_timing_);
    ebpf_core_destroy(alt_core_);
}

// Memory access hook of the timing model: map accesses go to the shared
// memory (contention), packet loads wait for their bytes to arrive.
uint64_t Core::access(void *user, uint64_t cycle, uint64_t addr, unsigned size, int write)
{
    Core *c = static_cast<Core *>(user);
    sc_time at = c->start_ - sc_time_stamp() + c->nic_->period_ * (double)cycle;
    uint32_t region = (uint32_t)(addr >> 32);
    if (region == EBPF_REGION_PACKET && !write) {
        // bytes [0, end) of the frame must have arrived (frame starts at
        // the headroom; adjust_head moves data, not the arrival times)
        int64_t end = (int64_t)(uint32_t)addr + size - EBPF_XDP_HEADROOM;
        if (end <= 0)
            return 0;
        sc_time ready = c->current_->arrive_start + c->nic_->wire_time((double)end);
        sc_time now = c->start_ + c->nic_->period_ * (double)cycle;
        if (ready <= now)
            return 0;
        return (uint64_t)std::ceil((ready - now) / c->nic_->period_);
    }
    if (region < EBPF_REGION_FIRST_DYNAMIC)
        return 0;
    tlm::tlm_generic_payload trans;
    trans.set_address(addr);
    trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_data_length(size);
    sc_time before = at;
    c->mem->b_transport(trans, at);
    return (uint64_t)std::ceil((at - before) / c->nic_->period_ - 1e-9);
}

void Core::step()
{
    const ebpf_hwconfig &cfg = nic_->cfg_;
    sc_time period = nic_->period_;
    if (running_) {
        // the program's verdict is out now
        running_ = false;
        free_at_ = sc_time_stamp();
        struct ebpf_xdp_result r = {};
        struct ebpf_packet_timing pt = {};
        std::swap(r, pending_result_);
        std::swap(pt, pending_timing_);
        nic_->verdict(id_, std::move(current_), r, pt, sc_time_stamp() - start_);
    }
    if (queue.empty())
        return;
    Frame &f = *queue.front();
    sc_time early = f.arrive_start +
                    nic_->wire_time(std::min<double>((double)f.bytes.size(), cfg.early_start_bytes));
    sc_time start = std::max(sc_time_stamp(), early);
    if (start > sc_time_stamp()) {
        next_trigger(start - sc_time_stamp());
        return;
    }
    current_ = std::move(queue.front());
    queue.pop_front();
    // a pipeline that drained must fill again; back to back, only the
    // exit's bubble separates two programs
    bool drained = sc_time_stamp() > free_at_;
    start_ = sc_time_stamp();
    // The control plane: the NIC applies every driver command due by now;
    // this packet runs the program attached at this instant.
    ebpf_object *obj = nic_->obj_;
    unsigned prog = nic_->prog_;
    ebpf_core *core = core_;
    ebpf_timing *timing = timing_;
    current_->start = start_;
    if (nic_->drv_) {
        char err[512];
        uint64_t t_ps = (uint64_t)(start_ / sc_time(1, SC_PS));
        if (drvsim_advance(nic_->drv_, t_ps, err, sizeof(err)) < 0 && nic_->error_.empty())
            nic_->error_ = err;
        drvsim_note_packet(nic_->drv_, current_->index, t_ps);
        current_->prog_id = drvsim_program(nic_->drv_, &obj, &prog);
        if (!current_->prog_id) {
            obj = nic_->obj_;
            prog = nic_->prog_;
        }
        if (obj != nic_->obj_) {
            if (obj != alt_obj_) {
                ebpf_core *c = ebpf_core_create(obj, id_, err, sizeof(err));
                if (!c)
                    SC_REPORT_FATAL("core", err);
                ebpf_timing *t = ebpf_timing_create(&cfg.timing, obj);
                for (unsigned m = 0; m < ebpf_object_map_count(obj); m++)
                    ebpf_timing_set_placement(t, m, ebpf_hwconfig_placement(&cfg, ebpf_object_map_name(obj, m)));
                ebpf_timing_set_access_hook(t, access, this);
                ebpf_vm_set_tracer(ebpf_core_vm(c), ebpf_timing_tracer, t);
                ebpf_timing_destroy(alt_timing_);
                ebpf_core_destroy(alt_core_);
                alt_obj_ = obj;
                alt_core_ = c;
                alt_timing_ = t;
            }
            core = alt_core_;
            timing = alt_timing_;
        }
    }
    ebpf_xdp_frame_load(&xf_, current_->bytes.data(), (uint32_t)current_->bytes.size());
    ebpf_timing_begin(timing);
    ebpf_object_set_time(obj, (uint64_t)(sc_time_stamp().to_seconds() * 1e9));
    ebpf_core_run_xdp(core, prog, &xf_, &pending_result_);
    ebpf_timing_end(timing, &pending_timing_);
    uint64_t cycles = pending_timing_.issue_cycles +
                      (drained ? cfg.timing.pipeline_fill : cfg.timing.exit_gap);
    running_ = true;
    next_trigger(period * (double)cycles);
}

} // namespace

// Entry point of `ebpfsim nic`.
extern "C" int nic_simulate(const struct nic_options *o, struct nic_report *rep, char *err,
                            size_t errlen)
{
    const struct engine_ops *ops = &engine_model_ops;
    struct engine *e = nullptr;
    struct engine_opts eo = {};
    eo.object = o->object;
    eo.prog = o->prog;
    eo.n_cpus = o->cfg.cores;
    eo.prandom_seed = 1;
    if (ops->open(&e, &eo, err, errlen) < 0)
        return -EINVAL;
    struct drvsim *drv = nullptr;
    if (o->maps_in || o->schedule) {
        struct drvsim_opts dopts = {};
        dopts.hw = &o->cfg;
        dopts.n_cpus = o->cfg.cores;
        dopts.schedule = o->schedule;
        if (drvsim_open(&drv, ops, e, &dopts, err, errlen) < 0) {
            ops->close(e);
            return -EINVAL;
        }
    }
    if (o->maps_in && (drv ? drvsim_maps_in(drv, o->maps_in, err, errlen)
                           : maps_load_json(ops, e, o->maps_in, err, errlen)) < 0) {
        drvsim_close(drv);
        ops->close(e);
        return -EINVAL;
    }
    FILE *per_packet = nullptr;
    if (o->per_packet && !(per_packet = fopen(o->per_packet, "w"))) {
        snprintf(err, errlen, "%s: %s", o->per_packet, strerror(errno));
        drvsim_close(drv);
        ops->close(e);
        return -EINVAL;
    }
    if (drv)
        drvsim_start(drv); // schedule times count from the start of the simulation
    ebpf_object *obj = engine_model_object(e);
    int prog = engine_model_prog(e);
    int rc = 0;
    {
        Nic nic("nic", o->cfg, obj, (unsigned)prog, o->pcap, o->limit ? o->limit : UINT64_MAX);
        nic.drv_ = drv;
        nic.per_packet_ = per_packet;
        nic.progress_ = o->progress;
        nic.progress_user_ = o->progress_user;
        sc_start();
        if (!nic.error_.empty()) {
            snprintf(err, errlen, "%s", nic.error_.c_str());
            rc = -EIO;
        }
        const Stats &s = nic.stats_;
        memset(rep, 0, sizeof(*rep));
        rep->offered = s.offered;
        rep->refused = s.refused;
        rep->processed = s.processed;
        for (int k = 0; k < 5; k++)
            rep->verdicts[k] = s.verdicts[k];
        rep->drop_rx_overflow = s.drop_rx_overflow;
        rep->drop_tx_overflow = s.drop_tx_overflow;
        rep->drop_host_ring = s.drop_host_ring;
        rep->faults = s.faults;
        rep->insns = s.insns;
        rep->issue_cycles = s.issue_cycles;
        for (int k = 0; k < EBPF_STALL_COUNT; k++)
            rep->stall[k] = s.stall[k];
        double span = (s.last_verdict - s.first_arrival).to_seconds();
        rep->sim_seconds = sc_time_stamp().to_seconds();
        rep->offered_seconds = s.offered ? (s.last_verdict > s.first_arrival ? span : 0) : 0;
        rep->mpps = span > 0 ? (double)s.processed / span / 1e6 : 0;
        rep->gbps = span > 0 ? (double)s.processed_wire_bits / span / 1e9 : 0;
        double offered_span = s.offered ? (double)s.offered_wire_bytes * 8 / (o->cfg.line_rate_gbps * 1e9) : 0;
        rep->offered_mpps = offered_span > 0 ? (double)s.offered / offered_span / 1e6 : 0;
        rep->lat_p50_ns = s.verdict_latency.percentile(50);
        rep->lat_p90_ns = s.verdict_latency.percentile(90);
        rep->lat_p99_ns = s.verdict_latency.percentile(99);
        rep->lat_p999_ns = s.verdict_latency.percentile(99.9);
        rep->lat_max_ns = s.verdict_latency.max();
        rep->egress_p50_ns = s.egress_latency.percentile(50);
        rep->egress_p99_ns = s.egress_latency.percentile(99);
        rep->n_cores = o->cfg.cores;
        for (unsigned c = 0; c < o->cfg.cores && c < NIC_MAX_CORES; c++) {
            rep->core_util[c] = rep->sim_seconds > 0 ? s.core_busy[c].to_seconds() / rep->sim_seconds : 0;
            rep->core_packets[c] = s.core_packets[c];
        }
        rep->map_accesses = nic.memory_->accesses_;
    }
    if (per_packet)
        fclose(per_packet);
    if (drv) {
        char derr[1024];
        if (o->schedule && drvsim_finish(drv, derr, sizeof(derr)) < 0 && rc == 0) {
            snprintf(err, errlen, "%s", derr);
            rc = -EIO;
        }
        rep->schedule_failed = drvsim_failed(drv);
        FILE *m = fmemopen(rep->driver, sizeof(rep->driver) - 1, "w");
        if (m) {
            drvsim_summary(drv, m);
            fclose(m);
        }
        if (o->schedule_log && drvsim_write_log(drv, o->schedule_log, derr, sizeof(derr)) < 0 && rc == 0) {
            snprintf(err, errlen, "%s", derr);
            rc = -EIO;
        }
    }
    ops->close(e);
    drvsim_close(drv); /* after the engine: objects a schedule opened live until here */
    return rc;
}

// libsystemc's main() calls sc_main; ebpfsim has its own main() and starts
// the simulation from nic_simulate(), so this is never called.
int sc_main(int, char **) { return 0; }
