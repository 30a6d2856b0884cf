// Unit bench of ebpf_imem (4096 x 64 bits, one write port for the host,
// one registered read port for IF that holds its data while re_i is low)
// against a reference array: the whole memory is written, then random
// cycles write and read at once (never the same slot in one cycle: the host
// loads programs while the core is idle), then everything is read back.
#include "Vtb_imem.h"
#include "bench.h"

using namespace unit;

int main(int argc, char **argv)
{
    Bench<Vtb_imem> b("tb_imem", argc, argv);
    Vtb_imem &t = b.top();
    Rng &rng = b.rng();
    const unsigned depth = 4096;
    std::vector<uint64_t> ref(depth);
    t.re_i = 0;
    for (unsigned w = 0; w < depth; w++) {
        ref[w] = rng.next();
        t.we_i = 1;
        t.waddr_i = w;
        t.wdata_i = ref[w];
        b.tick(t.clk_i);
    }
    bool valid = false;
    uint64_t want = 0;
    unsigned raddr = 0;
    const long cycles = 60000;
    for (long c = 0; c < cycles; c++) {
        t.we_i = rng.coin();
        t.re_i = rng.below(10) < 7;
        t.waddr_i = rng.coin() ? rng.below(16) : rng.below(depth);
        t.raddr_i = rng.coin() ? rng.below(16) : rng.below(depth);
        if (t.we_i && t.re_i && t.waddr_i == t.raddr_i)
            t.waddr_i = (t.raddr_i + 1) % depth;
        t.wdata_i = rng.next();
        bool re = t.re_i;
        if (re) {
            want = ref[t.raddr_i];
            raddr = t.raddr_i;
            valid = true;
        }
        if (t.we_i)
            ref[t.waddr_i] = t.wdata_i;
        b.tick(t.clk_i);
        if (valid)
            b.check(t.rdata_o == want,
                    "cycle %ld (%s, slot %u): expected 0x%016" PRIx64 ", got 0x%016" PRIx64, c,
                    re ? "read" : "no read, holding", raddr, want, (uint64_t)t.rdata_o);
    }
    t.we_i = 0;
    for (unsigned w = 0; w < depth; w++) {
        t.re_i = 1;
        t.raddr_i = w;
        b.tick(t.clk_i);
        b.check(t.rdata_o == ref[w], "read-back slot %u: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64, w, ref[w], (uint64_t)t.rdata_o);
    }
    return b.finish("reads after random write/read traffic, and a full read-back");
}
