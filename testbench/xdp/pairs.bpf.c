/* RTL co-verification: dual-issue corner cases with map memory (global data
 * lives in an array map, so its loads go through the MEM-stage map port
 * and deliver late: a load-use stall), as inline assembly so that the
 * instruction order, and with it the pairing, is the one written.  Each
 * block starts after a jump, which issues alone, so its first instruction
 * starts an issue group.  Which block runs depends on the frame length:
 *   0  a map load paired with a taken branch, the target reading the load
 *      at once (no wait: the branch's bubbles pass while the load is in
 *      MEM);
 *   1  a map load in the second slot of a pair (lane 1's write-back), a
 *      pair whose second instruction reads it (the first issues alone),
 *      and a pair whose first reads a map load (the whole pair waits);
 *   2  a taken branch in the first slot squashing a map load and a map
 *      store in the second (neither may happen);
 *   3  write-after-write of a map load and an ALU result in one pair, the
 *      next group reading the ALU's value at once (no wait);
 *   4  a map store in the second slot, loaded back by the next group;
 *   5  a map load beside a not-taken branch, and two map loads in
 *      consecutive groups, each read at once;
 *   6  bpf_loop whose loop count a map load in the group before the call
 *      delivers late (the call waits; the callbacks run in the helper
 *      unit, whose latency leaves that cycle out);
 *   7  pairs split by load-use whose first instruction is a map load: the
 *      cycle the second waits delivers the first's load, so the next group
 *      reads it at once - also when the second is a taken branch, and when
 *      it writes the loaded register;
 *   8  the load-use waits that remain: an ALU write and a map load of the
 *      same register in one pair (the load wins, the next group waits), a
 *      pair that waits as a whole before its map load (the next group waits
 *      for that one too), a branch beside a map load that is not taken. */
#include "common.h"

__u64 cells[8] = {3, 5, 7, 11, 13, 17, 19, 23};
__u64 nloops = 3;

static long count_cb(__u32 i, void *data)
{
    __u64 *acc = data;
    *acc += i + 1;
    return 0;
}

SEC("xdp")
int pairs(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 len = (__u64)(end - data);
    __u64 zero = len >> 16, out = 0;
    __u64 *p = cells, acc = 0;

    switch (len % 9) {
    case 0:
        asm volatile("r2 = 1\n\t"
                     "goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r2 = *(u64 *)(%[p] + 0)\n\t"
                     "if %[z] == 0 goto l1_%=\n\t"
                     "r2 = 99\n"
                     "l1_%=:\n\t"
                     "%[out] = r2\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p), [z] "r"(zero)
                     : "r2");
        break;
    case 1:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r3 = 1\n\t"
                     "r2 = *(u64 *)(%[p] + 8)\n\t"
                     "r4 = 5\n\t"
                     "r5 = r2\n\t"
                     "r2 = *(u64 *)(%[p] + 16)\n\t"
                     "r3 = 2\n\t"
                     "r5 += r2\n\t"
                     "r4 += 1\n\t"
                     "r5 += r4\n\t"
                     "%[out] = r5\n\t"
                     "%[out] += r3\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p)
                     : "r2", "r3", "r4", "r5");
        break;
    case 2:
        asm volatile("r2 = 40\n\t"
                     "r4 = 41\n\t"
                     "goto l0_%=\n"
                     "l0_%=:\n\t"
                     "if %[z] == 0 goto l1_%=\n\t"
                     "r2 = *(u64 *)(%[p] + 24)\n"
                     "l1_%=:\n\t"
                     "r3 = r2\n\t"
                     "goto l2_%=\n"
                     "l2_%=:\n\t"
                     "if %[z] == 0 goto l3_%=\n\t"
                     "*(u64 *)(%[p] + 32) = r4\n"
                     "l3_%=:\n\t"
                     "r5 = *(u64 *)(%[p] + 32)\n\t"
                     "%[out] = r5\n\t"
                     "%[out] += r3\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p), [z] "r"(zero)
                     : "r2", "r3", "r4", "r5");
        break;
    case 3:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r2 = *(u64 *)(%[p] + 40)\n\t"
                     "r2 = 7\n\t"
                     "r3 = r2\n\t"
                     "r3 += 1\n\t"
                     "%[out] = r3\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p)
                     : "r2", "r3");
        break;
    case 4:
        asm volatile("r3 = %[len]\n\t"
                     "goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r2 = 1\n\t"
                     "*(u64 *)(%[p] + 48) = r3\n\t"
                     "r4 = *(u64 *)(%[p] + 48)\n\t"
                     "r4 += r2\n\t"
                     "%[out] = r4\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p), [len] "r"(len)
                     : "r2", "r3", "r4");
        break;
    case 6:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r3 = %[acc]\n\t"
                     "r2 = %[cb]\n\t"
                     "r1 = *(u64 *)(%[n] + 0)\n\t"
                     "r4 = 0\n\t"
                     "call 181\n\t"
                     : "+m"(acc)
                     : [acc] "r"(&acc), [cb] "r"(count_cb), [n] "r"(&nloops)
                     : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
        out = acc;
        break;
    case 7:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r3 = *(u64 *)(%[p] + 0)\n\t"
                     "r4 = 1\n\t"
                     "r2 = *(u64 *)(%[p] + 8)\n\t"
                     "r5 = r3\n\t"
                     "r5 += r2\n\t"
                     "r3 = *(u64 *)(%[p] + 16)\n\t"
                     "r2 = *(u64 *)(%[p] + 24)\n\t"
                     "if r3 == r3 goto l1_%=\n\t"
                     "r2 = 99\n"
                     "l1_%=:\n\t"
                     "r4 += r2\n\t"
                     "r3 = *(u64 *)(%[p] + 32)\n\t"
                     "r2 = *(u64 *)(%[p] + 40)\n\t"
                     "r2 = r3\n\t"
                     "r4 += r2\n\t"
                     "r4 += r5\n\t"
                     "%[out] = r4\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p)
                     : "r2", "r3", "r4", "r5");
        break;
    case 8:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r2 = 5\n\t"
                     "r2 = *(u64 *)(%[p] + 48)\n\t"
                     "r3 = r2\n\t"
                     "r4 = *(u64 *)(%[p] + 56)\n\t"
                     "r3 += r4\n\t"
                     "r4 = 0\n\t"
                     "r5 = *(u64 *)(%[p] + 0)\n\t"
                     "if %[z] != 0 goto l1_%=\n\t"
                     "r3 += r5\n"
                     "l1_%=:\n\t"
                     "%[out] = r3\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p), [z] "r"(zero)
                     : "r2", "r3", "r4", "r5");
        break;
    default:
        asm volatile("goto l0_%=\n"
                     "l0_%=:\n\t"
                     "r2 = *(u64 *)(%[p] + 56)\n\t"
                     "if %[z] != 0 goto l1_%=\n\t"
                     "r3 = *(u64 *)(%[p] + 0)\n\t"
                     "r3 += r2\n\t"
                     "r4 = *(u64 *)(%[p] + 8)\n\t"
                     "r4 += r3\n"
                     "l1_%=:\n\t"
                     "%[out] = r4\n\t"
                     : [out] "=r"(out)
                     : [p] "r"(p), [z] "r"(zero)
                     : "r2", "r3", "r4");
        break;
    }
    cells[len & 7] += out;
    return out & 1 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
