// Unit bench of ebpf_lutram (256 x 64 bits, one port with byte enables,
// asynchronous read) against a reference array.  After the whole memory is
// written, random cycles read and byte-mask write at once: the read data in
// the cycle of the address is the word before the write (the write takes
// effect at the clock edge), and after the edge the same address reads the
// merged word.  A full read-back ends the bench.
#include "Vtb_lutram.h"
#include "bench.h"

using namespace unit;

namespace {
uint64_t merge(uint64_t old, uint64_t data, unsigned we)
{
    for (unsigned i = 0; i < 8; i++)
        if (we & (1u << i))
            old = (old & ~(0xffull << (8 * i))) | (data & (0xffull << (8 * i)));
    return old;
}
}

int main(int argc, char **argv)
{
    Bench<Vtb_lutram> b("tb_lutram", argc, argv);
    Vtb_lutram &t = b.top();
    Rng &rng = b.rng();
    const unsigned depth = 256;
    std::vector<uint64_t> ref(depth);

    for (unsigned w = 0; w < depth; w++) {
        ref[w] = rng.next();
        t.we_i = 0xff;
        t.addr_i = w;
        t.wdata_i = ref[w];
        b.tick(t.clk_i);
    }
    const long cycles = 60000;
    for (long c = 0; c < cycles; c++) {
        t.we_i = rng.coin() ? 0 : rng.below(256);
        t.addr_i = rng.coin() ? rng.below(8) : rng.below(depth);
        t.wdata_i = rng.next();
        b.eval();
        unsigned a = t.addr_i, we = t.we_i;
        b.check(t.rdata_o == ref[a],
                "cycle %ld word %u (we 0x%02x) before the edge: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64,
                c, a, we, ref[a], (uint64_t)t.rdata_o);
        ref[a] = merge(ref[a], t.wdata_i, we);
        b.tick(t.clk_i);
        b.check(t.rdata_o == ref[a],
                "cycle %ld word %u (we 0x%02x) after the edge: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64,
                c, a, we, ref[a], (uint64_t)t.rdata_o);
    }
    t.we_i = 0;
    for (unsigned w = 0; w < depth; w++) {
        t.addr_i = w;
        b.eval();
        b.check(t.rdata_o == ref[w], "read-back word %u: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64, w, ref[w], (uint64_t)t.rdata_o);
    }
    return b.finish("reads before and after random byte-masked writes, and a full read-back");
}
