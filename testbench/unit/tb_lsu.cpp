// Unit bench of ebpf_lsu: the region, bounds and permission decision of
// every load, store and atomic, against the C model's region rules.
//
// Each scenario is a random core state - XDP mode (packet window
// [data_meta, data_end) and the context) or plain-buffer mode (mem region
// of mem_len bytes), a call depth (stack window [(7 - depth) * 512, 4096)),
// sixteen map regions of random sizes and permissions - set up identically
// in a model VM (ebpf_xdp_attach, ebpf_vm_map_region).  Every access -
// each region id (null, stack, ctx, packet, mem, code, map handles, the map
// regions, ids past them), offsets at and around both window edges and the
// 32-bit wrap, sizes 1/2/4/8, load / store / store-immediate / atomic - runs
// as a program in the model at that call depth:
//
//     call ... (depth times) ; lddw r1, addr ; <access at r1> ; exit
//
// and the model's fault (none, bounds, unmapped, permission) is the
// expected fault_o.  Without a fault, the LSU must route the access to the
// memory of its region (stack_o, pkt_o, ctx_o, map_o); with one, nowhere.
#include "Vtb_lsu.h"
#include "bench.h"
#include "ebpf_xdp.h"

using namespace unit;

namespace {

constexpr unsigned kMaps = 16;       // NMAPS of the bench's ebpf_lsu
constexpr uint32_t kMapMax = 70000;  // largest map region of a scenario

struct Scenario {
    bool xdp;
    uint32_t meta, data, end;  // packet window (XDP mode)
    uint32_t mem_len;          // mem region (plain-buffer mode)
    unsigned depth;
    uint32_t map_size[kMaps];
    unsigned map_perm[kMaps];  // EBPF_MEM_READ | EBPF_MEM_WRITE
};

enum Kind { LOAD, STORE_IMM, STORE_REG, ATOMIC, KINDS };
const char *const kind_names[KINDS] = {"load", "store-imm", "store", "atomic"};

std::vector<int> rows_of(int form, unsigned size)
{
    return rows_where([&](const ebpf_isa_row &r) {
        return r.form == form && ebpf_row_mem_size((int)(&r - ebpf_isa)) == size;
    });
}

} // namespace

int main(int argc, char **argv)
{
    Bench<Vtb_lsu> b("tb_lsu", argc, argv);
    Vtb_lsu &t = b.top();
    Rng &rng = b.rng();
    Model m;
    ebpf_vm *vm = m.vm();
    ebpf_xdp_frame frame;
    if (ebpf_xdp_frame_init(&frame, 0) < 0)
        b.fatal("out of memory for the XDP frame");
    std::vector<std::vector<uint8_t>> map_mem(kMaps, std::vector<uint8_t>(kMapMax));
    std::vector<uint8_t> mem(4096);

    // access rows per kind and size (an atomic is 4 or 8 bytes)
    std::vector<int> rows[KINDS][4];
    static const int forms[KINDS] = {EBPF_FORM_LDX, EBPF_FORM_ST, EBPF_FORM_STX, EBPF_FORM_ATOMIC};
    for (int k = 0; k < KINDS; k++)
        for (unsigned s = 0; s < 4; s++)
            rows[k][s] = rows_of(forms[k], 1u << s);
    if (rows[LOAD][0].empty() || rows[STORE_REG][3].empty() || rows[ATOMIC][2].empty())
        b.fatal("access rows missing from the ISA table");

    long faults[EBPF_FAULT_COUNT] = {0};
    const unsigned scenarios = 24;
    for (unsigned sc = 0; sc < scenarios; sc++) {
        Scenario s{};
        s.xdp = sc % 2 == 0;
        s.end = sc == 0 ? (uint32_t)frame.buf_size : rng.below(frame.buf_size + 1);
        s.meta = sc == 2 ? s.end : rng.below(s.end + 1);
        s.data = s.meta + rng.below(s.end - s.meta + 1);
        s.mem_len = sc == 1 ? 0 : sc == 3 ? 4096 : rng.below(4097);
        s.depth = sc < 16 ? sc / 2 : rng.below(8);
        static const uint32_t sizes[] = {0, 1, 4, 7, 8, 16, 100, 4096, 65536};
        for (unsigned i = 0; i < kMaps; i++) {
            s.map_size[i] = rng.coin() ? sizes[rng.below(9)] : rng.below(kMapMax + 1);
            s.map_perm[i] = rng.below(4);
        }

        // the model's regions
        if (s.xdp) {
            frame.data_meta = s.meta;
            frame.data = s.data;
            frame.data_end = s.end;
            ebpf_xdp_attach(vm, &frame);
            ebpf_vm_unmap_region(vm, EBPF_REGION_MEM);
        } else {
            ebpf_vm_set_ctx(vm, nullptr);
            ebpf_vm_unmap_region(vm, EBPF_REGION_PACKET);
            if (s.mem_len)
                ebpf_vm_map_region(vm, EBPF_REGION_MEM, mem.data(), 0, s.mem_len,
                                   EBPF_MEM_READ | EBPF_MEM_WRITE, "mem");
            else
                ebpf_vm_unmap_region(vm, EBPF_REGION_MEM);
        }
        for (unsigned i = 0; i < kMaps; i++)
            if (ebpf_vm_map_region(vm, EBPF_REGION_FIRST_DYNAMIC + i, map_mem[i].data(), 0,
                                   s.map_size[i], s.map_perm[i], "map") < 0)
                b.fatal("ebpf_vm_map_region failed for map %u", i);

        // the LSU's inputs for this state
        t.xdp_mode_i = s.xdp;
        t.mem_len_i = s.mem_len;
        t.depth_i = s.depth;
        t.data_meta_i = s.meta;
        t.data_end_i = s.end;
        t.map_perm_i = 0;
        for (unsigned i = 0; i < kMaps; i++) {
            t.map_size_i[i] = s.map_size[i];
            t.map_perm_i |= (uint32_t)s.map_perm[i] << (2 * i);
        }

        std::vector<uint32_t> regions = {0, 1, 2, 3, 4, 5, 6, 7, 0xffffffffu, 0x80000008u,
                                         26 + rng.below(1000)};
        for (unsigned i = 0; i < kMaps + 2; i++)
            regions.push_back(EBPF_REGION_FIRST_DYNAMIC + i);
        for (uint32_t region : regions) {
            uint32_t lo = 0, hi = 0;
            if (region == EBPF_REGION_STACK) {
                lo = (7 - s.depth) * 512;
                hi = 4096;
            } else if (region == EBPF_REGION_PACKET) {
                lo = s.meta;
                hi = s.end;
            } else if (region == EBPF_REGION_MEM) {
                hi = s.mem_len;
            } else if (region >= EBPF_REGION_FIRST_DYNAMIC &&
                       region < EBPF_REGION_FIRST_DYNAMIC + kMaps) {
                hi = s.map_size[region - EBPF_REGION_FIRST_DYNAMIC];
            } else if (region == EBPF_REGION_CTX) {
                hi = EBPF_XDP_MD_SIZE;
            }
            for (unsigned sz = 0; sz < 4; sz++) {
                uint32_t size = 1u << sz;
                std::vector<uint32_t> offs = {0,          1,          2,          3,
                                              4,          lo - 1,     lo,         lo + 1,
                                              hi - size - 1, hi - size, hi - size + 1,
                                              hi - 1,     hi,         hi + 1,     0x7fffffffu,
                                              0x80000000u, 0xfffffff8u, 0xffffffffu,
                                              (uint32_t)rng.next()};
                if (hi > lo)
                    offs.push_back(lo + rng.below(hi - lo));
                if (region == EBPF_REGION_CTX)
                    for (uint32_t o = 8; o <= 28; o += 4)
                        offs.push_back(o);
                for (uint32_t off : offs) {
                    for (int kind = 0; kind < KINDS; kind++) {
                        const std::vector<int> &rs = rows[kind][sz];
                        if (rs.empty())
                            continue;
                        int row = rs[rng.below((uint32_t)rs.size())];
                        uint64_t addr = ebpf_addr(region, off);

                        // model: reach the depth, then the access at pc 2 * depth + 2
                        std::vector<ebpf_insn> p;
                        for (unsigned d = 0; d < s.depth; d++) {
                            p.push_back(make(EBPF_ROW_CALL_LOCAL, 0, 0, 0, 1));
                            p.push_back(make(EBPF_ROW_EXIT, 0, 0, 0, 0));
                        }
                        push_lddw(p, 1, addr);
                        uint32_t pc = (uint32_t)p.size();
                        switch (kind) {
                        case LOAD: p.push_back(make(row, 0, 1, 0, 0)); break;
                        case STORE_IMM: p.push_back(make(row, 1, 0, 0, 0x5a)); break;
                        default: p.push_back(make(row, 1, 2, 0, 0)); break;
                        }
                        p.push_back(make(EBPF_ROW_EXIT, 0, 0, 0, 0));
                        Model::Result res;
                        std::string err;
                        if (!m.run(p, res, err, 0, 0x1234))
                            b.fatal("the model refused the access program: %s", err.c_str());
                        unsigned want = EBPF_FAULT_NONE;
                        if (res.rc != 0) {
                            if (res.fault.pc != pc) {
                                char buf[256];
                                ebpf_fault_format(&res.fault, buf, sizeof(buf));
                                b.fatal("the access program faulted outside the access: %s", buf);
                            }
                            want = res.fault.kind;
                        }
                        faults[want]++;

                        t.addr_i = addr;
                        t.size_i = sz;
                        t.read_i = kind == LOAD || kind == ATOMIC;
                        t.write_i = kind != LOAD;
                        t.ctx_ok_i = kind == LOAD && size == 4;
                        b.eval();
                        bool ok = t.fault_o == want;
                        unsigned route = (unsigned)t.stack_o + t.pkt_o + t.ctx_o + t.map_o;
                        if (want == EBPF_FAULT_NONE) {
                            bool exp_route =
                                region == EBPF_REGION_STACK   ? t.stack_o
                                : region == EBPF_REGION_CTX   ? t.ctx_o
                                : region == EBPF_REGION_PACKET || region == EBPF_REGION_MEM
                                    ? t.pkt_o
                                    : t.map_o;
                            ok = ok && route == 1 && exp_route;
                        } else {
                            ok = ok && route == 0;
                        }
                        b.check(ok,
                                "%s of %u bytes (%s) at 0x%016" PRIx64 " (region %u + %u); %s mode, "
                                "depth %u, packet [%u, %u), mem_len %u, map perm/size %u/%u: "
                                "expected fault %s, got %s with stack/pkt/ctx/map = %u%u%u%u",
                                kind_names[kind], size, ebpf_isa[row].id, addr, region, off,
                                s.xdp ? "XDP" : "buffer", s.depth, s.meta, s.end, s.mem_len,
                                region >= 8 && region < 8 + kMaps ? s.map_perm[region - 8] : 0,
                                region >= 8 && region < 8 + kMaps ? s.map_size[region - 8] : 0,
                                ebpf_fault_names[want],
                                t.fault_o < EBPF_FAULT_COUNT ? ebpf_fault_names[t.fault_o] : "?",
                                t.stack_o, t.pkt_o, t.ctx_o, t.map_o);
                    }
                }
            }
        }
    }
    ebpf_xdp_frame_free(&frame);
    char what[192];
    std::snprintf(what, sizeof(what),
                  "%u scenarios; %ld allowed, %ld bounds, %ld unmapped, %ld permission faults",
                  scenarios, faults[EBPF_FAULT_NONE], faults[EBPF_FAULT_MEM_BOUNDS],
                  faults[EBPF_FAULT_MEM_UNMAPPED], faults[EBPF_FAULT_MEM_PERM]);
    return b.finish(what);
}
