// Unit bench of ebpf_regfile against a reference array of r0..r9: random
// cycles of writes on both ports (any of the 16 register numbers: r10..r15
// are not stored; port 1, the younger instruction of a pair, wins when both
// write one register), program-start initialisation (all zero but r1, r2),
// the callee-saved restore of r6..r9 (which wins over a write in the same
// cycle), and asynchronous resets.  Every register is compared after every
// cycle.
#include "Vtb_regfile.h"
#include "bench.h"

using namespace unit;

int main(int argc, char **argv)
{
    Bench<Vtb_regfile> b("tb_regfile", argc, argv);
    Vtb_regfile &t = b.top();
    Rng &rng = b.rng();
    uint64_t ref[10] = {0};
    const char *last = "reset";

    auto compare = [&](long cycle) {
        bool ok = true;
        int bad = -1;
        for (int i = 0; i < 10 && ok; i++) {
            uint64_t got = ((uint64_t)t.regs_o[2 * i + 1] << 32) | t.regs_o[2 * i];
            if (got != ref[i]) {
                ok = false;
                bad = i;
            }
        }
        uint64_t got = bad < 0 ? 0 : ((uint64_t)t.regs_o[2 * bad + 1] << 32) | t.regs_o[2 * bad];
        b.check(ok, "cycle %ld after %s: r%d expected 0x%016" PRIx64 ", got 0x%016" PRIx64, cycle,
                last, bad, bad < 0 ? 0 : ref[bad], got);
    };

    t.init_i = 0;
    t.we_i = 0;
    t.we1_i = 0;
    t.restore_i = 0;
    t.rst_ni = 1;
    b.eval();
    t.rst_ni = 0; // a falling edge: the reset is asynchronous
    b.eval();
    compare(0);
    t.rst_ni = 1;
    b.tick(t.clk_i);
    compare(0);
    const long cycles = 40000;
    for (long c = 1; c <= cycles; c++) {
        char what[160];
        unsigned p = rng.below(100);
        if (p < 1) {
            // asynchronous reset, no clock edge needed
            t.rst_ni = 0;
            b.eval();
            for (uint64_t &r : ref)
                r = 0;
            last = "an asynchronous reset";
            compare(c);
            t.rst_ni = 1;
            b.eval();
            continue;
        }
        t.init_i = p < 4;
        t.init_r1_i = random_operand(rng);
        t.init_r2_i = random_operand(rng);
        t.we_i = rng.below(10) < 7;
        t.waddr_i = rng.below(16);
        t.wdata_i = random_operand(rng);
        t.we1_i = rng.below(10) < 5;
        // often the same register as port 0 (write-after-write in a pair)
        t.waddr1_i = rng.coin() ? t.waddr_i : rng.below(16);
        t.wdata1_i = random_operand(rng);
        t.restore_i = rng.below(10) == 0;
        uint64_t saved[4];
        for (int i = 0; i < 4; i++) {
            saved[i] = random_operand(rng);
            t.restore_data_i[2 * i] = (uint32_t)saved[i];
            t.restore_data_i[2 * i + 1] = (uint32_t)(saved[i] >> 32);
        }
        std::snprintf(what, sizeof(what), "init %u, write r%u %s, write1 r%u %s, restore %u",
                      t.init_i, (unsigned)t.waddr_i, t.we_i ? "on" : "off", (unsigned)t.waddr1_i,
                      t.we1_i ? "on" : "off", t.restore_i);
        last = what;
        b.tick(t.clk_i);
        if (t.init_i) {
            for (uint64_t &r : ref)
                r = 0;
            ref[1] = t.init_r1_i;
            ref[2] = t.init_r2_i;
        } else {
            if (t.we_i && t.waddr_i < 10)
                ref[t.waddr_i] = t.wdata_i;
            if (t.we1_i && t.waddr1_i < 10)
                ref[t.waddr1_i] = t.wdata1_i;
            if (t.restore_i)
                for (int i = 0; i < 4; i++)
                    ref[6 + i] = saved[i];
        }
        compare(c);
    }
    return b.finish("cycles, all ten registers each");
}
