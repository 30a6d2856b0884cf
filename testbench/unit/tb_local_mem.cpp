// Unit bench of ebpf_local_mem (4 KiB in two banks of 64-bit words, a core
// port for 1/2/4/8-byte accesses at any byte offset with asynchronous read,
// a word-wide host port with byte enables and registered read data that
// takes the memory while the core is idle) against a reference byte array.
// The memory is first written through the host port; then random cycles
// mix core loads and stores - biased to offsets that straddle a word or
// bank boundary - with host reads and byte-masked writes.  Core read data
// (the accessed bytes, little-endian, zero-extended) is compared in the
// cycle of the address, before the edge (a store's cycle reads the bytes as
// they were), and again after a store's edge (the bytes it wrote); host
// read data is compared after its edge.  A final host read-back checks
// every byte.
#include "Vtb_local_mem.h"
#include "bench.h"

using namespace unit;

int main(int argc, char **argv)
{
    Bench<Vtb_local_mem> b("tb_local_mem", argc, argv);
    Vtb_local_mem &t = b.top();
    Rng &rng = b.rng();
    const unsigned bytes = 4096, words = bytes / 8;
    std::vector<uint8_t> ref(bytes);
    auto word = [&](unsigned w) {
        uint64_t v = 0;
        for (unsigned i = 0; i < 8; i++)
            v |= (uint64_t)ref[8 * w + i] << (8 * i);
        return v;
    };
    auto bytes_at = [&](unsigned addr, unsigned size) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)ref[addr + i] << (8 * i);
        return v;
    };

    t.we_i = 0;
    for (unsigned w = 0; w < words; w++) {
        uint64_t v = rng.next();
        for (unsigned i = 0; i < 8; i++)
            ref[8 * w + i] = (uint8_t)(v >> (8 * i));
        t.host_en_i = 1;
        t.host_we_i = 0xff;
        t.host_addr_i = w;
        t.host_wdata_i = v;
        b.tick(t.clk_i);
    }
    t.host_en_i = 0;
    long loads = 0, stores = 0, host_reads = 0;
    const long cycles = 80000;
    for (long c = 0; c < cycles; c++) {
        if (rng.below(10) < 2) {
            // a host access (the core port idle)
            unsigned hw = rng.below(words);
            t.we_i = 0;
            t.host_en_i = 1;
            t.host_we_i = rng.coin() ? 0 : rng.below(256);
            t.host_addr_i = hw;
            t.host_wdata_i = rng.next();
            uint64_t want = word(hw);
            unsigned host_we = t.host_we_i;
            for (unsigned i = 0; i < 8; i++)
                if (t.host_we_i & (1u << i))
                    ref[8 * hw + i] = (uint8_t)(t.host_wdata_i >> (8 * i));
            b.tick(t.clk_i);
            host_reads++;
            b.check(t.host_rdata_o == want,
                    "cycle %ld: host %s word %u: expected 0x%016" PRIx64 ", got 0x%016" PRIx64, c,
                    host_we ? "write (old data) of" : "read of", hw, want,
                    (uint64_t)t.host_rdata_o);
            t.host_en_i = 0;
            continue;
        }
        unsigned size_log = rng.below(4), size = 1u << size_log;
        unsigned addr, back;
        switch (rng.below(3)) {
        case 0: // across a word boundary
            addr = 8 * rng.below(words) + 8;
            back = rng.below(size + 1);
            addr -= back;
            break;
        case 1: // across a bank pair
            addr = 16 * rng.below(words / 2) + 16;
            back = rng.below(size + 1);
            addr -= back;
            break;
        default: addr = rng.below(bytes); break;
        }
        if (addr + size > bytes)
            addr = bytes - size;
        t.we_i = rng.below(10) < 4;
        t.addr_i = addr;
        t.size_i = size_log;
        t.wdata_i = rng.next();
        b.eval();
        bool store = t.we_i;
        uint64_t want = bytes_at(addr, size);
        b.check(t.rdata_o == want,
                "cycle %ld: core %s of %u bytes at %u, read before the edge: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64,
                c, store ? "store" : "load", size, addr, want, (uint64_t)t.rdata_o);
        if (store) {
            for (unsigned i = 0; i < size; i++)
                ref[addr + i] = (uint8_t)(t.wdata_i >> (8 * i));
            stores++;
        } else {
            loads++;
        }
        b.tick(t.clk_i);
        if (store) {
            t.we_i = 0;
            b.eval();
            want = bytes_at(addr, size);
            b.check(t.rdata_o == want,
                    "cycle %ld: the %u bytes stored at %u read back: expected 0x%016" PRIx64
                    ", got 0x%016" PRIx64,
                    c, size, addr, want, (uint64_t)t.rdata_o);
        }
    }
    t.we_i = 0;
    for (unsigned w = 0; w < words; w++) {
        t.host_en_i = 1;
        t.host_we_i = 0;
        t.host_addr_i = w;
        b.tick(t.clk_i);
        b.check(t.host_rdata_o == word(w), "host read-back word %u: expected 0x%016" PRIx64
                ", got 0x%016" PRIx64, w, word(w), (uint64_t)t.host_rdata_o);
    }
    char what[160];
    std::snprintf(what, sizeof(what), "%ld core loads, %ld core stores, %ld host accesses, %u words read back",
                  loads, stores, host_reads, words);
    return b.finish(what);
}
