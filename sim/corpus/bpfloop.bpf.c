/* bpf_loop with a callback: sums the first bytes of the payload through a
 * context struct, stops early on a zero byte; the count decides the verdict. */
#include "common.h"

struct loop_ctx {
    struct xdp_md *xdp;
    __u32 sum;
    __u32 seen;
};

static long add_byte(__u32 i, void *data)
{
    struct loop_ctx *c = data;
    void *start = (void *)(long)c->xdp->data, *end = (void *)(long)c->xdp->data_end;
    __u8 *p = start + 14 + (i & 63);
    if ((void *)(p + 1) > end)
        return 1;
    if (*p == 0)
        return 1; /* stop */
    c->sum += *p;
    c->seen++;
    return 0;
}

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} totals SEC(".maps");

SEC("xdp")
int bpfloop(struct xdp_md *ctx)
{
    struct loop_ctx c = {.xdp = ctx};
    long n = bpf_loop(32, add_byte, &c, 0);
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&totals, &k);
    if (v)
        *v += c.sum;
    k = 1;
    v = bpf_map_lookup_elem(&totals, &k);
    if (v)
        *v += (__u64)n;
    return (c.seen & 1) ? XDP_PASS : XDP_DROP;
}
