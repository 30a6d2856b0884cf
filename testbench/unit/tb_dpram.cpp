// Unit bench of ebpf_dpram (256 x 64 bits, two ports with byte enables,
// registered read-first read data) against a reference array.  After the
// whole memory is written through port B, random cycles use both ports at
// once: reads, byte-masked writes (a write returns the word as it was
// before it), idle cycles (the read data holds).  The two ports never
// touch the same word in a cycle where either writes: block RAM leaves
// that collision undefined and the core never makes it.
#include "Vtb_dpram.h"
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
    Bench<Vtb_dpram> b("tb_dpram", argc, argv);
    Vtb_dpram &t = b.top();
    Rng &rng = b.rng();
    const unsigned depth = 256;
    std::vector<uint64_t> ref(depth);

    t.a_en_i = 0;
    t.a_we_i = 0;
    for (unsigned w = 0; w < depth; w++) {
        ref[w] = rng.next();
        t.b_en_i = 1;
        t.b_we_i = 0xff;
        t.b_addr_i = w;
        t.b_wdata_i = ref[w];
        b.tick(t.clk_i);
    }
    bool a_valid = false, b_valid = false;
    uint64_t a_want = 0, b_want = 0;
    unsigned a_addr = 0, b_addr = 0, a_we = 0, b_we = 0;
    const long cycles = 60000;
    for (long c = 0; c < cycles; c++) {
        auto pick = [&]() { return rng.coin() ? rng.below(8) : rng.below(depth); };
        t.a_en_i = rng.below(10) < 7;
        t.b_en_i = rng.below(10) < 7;
        t.a_we_i = rng.coin() ? 0 : rng.below(256);
        t.b_we_i = rng.coin() ? 0 : rng.below(256);
        t.a_addr_i = pick();
        t.b_addr_i = pick();
        if (t.a_en_i && t.b_en_i && t.a_addr_i == t.b_addr_i && (t.a_we_i || t.b_we_i))
            t.b_addr_i = (t.a_addr_i + 1 + rng.below(depth - 1)) % depth;
        t.a_wdata_i = rng.next();
        t.b_wdata_i = rng.next();
        if (t.a_en_i) {
            a_want = ref[t.a_addr_i];
            a_valid = true;
            a_addr = t.a_addr_i;
            a_we = t.a_we_i;
        }
        if (t.b_en_i) {
            b_want = ref[t.b_addr_i];
            b_valid = true;
            b_addr = t.b_addr_i;
            b_we = t.b_we_i;
        }
        if (t.a_en_i)
            ref[t.a_addr_i] = merge(ref[t.a_addr_i], t.a_wdata_i, t.a_we_i);
        if (t.b_en_i)
            ref[t.b_addr_i] = merge(ref[t.b_addr_i], t.b_wdata_i, t.b_we_i);
        bool a_en = t.a_en_i, b_en = t.b_en_i;
        b.tick(t.clk_i);
        if (a_valid)
            b.check(t.a_rdata_o == a_want,
                    "cycle %ld port A (%s, last access word %u, we 0x%02x): expected 0x%016" PRIx64
                    ", got 0x%016" PRIx64,
                    c, a_en ? "enabled" : "idle, holding", a_addr, a_we, a_want,
                    (uint64_t)t.a_rdata_o);
        if (b_valid)
            b.check(t.b_rdata_o == b_want,
                    "cycle %ld port B (%s, last access word %u, we 0x%02x): expected 0x%016" PRIx64
                    ", got 0x%016" PRIx64,
                    c, b_en ? "enabled" : "idle, holding", b_addr, b_we, b_want,
                    (uint64_t)t.b_rdata_o);
    }
    // read everything back through port A
    t.b_en_i = 0;
    for (unsigned w = 0; w < depth; w++) {
        t.a_en_i = 1;
        t.a_we_i = 0;
        t.a_addr_i = w;
        b.tick(t.clk_i);
        b.check(t.a_rdata_o == ref[w], "read-back word %u: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64, w, ref[w], (uint64_t)t.a_rdata_o);
    }
    return b.finish("port reads after random two-port traffic, and a full read-back");
}
