/* Bounded loops and bpf-to-bpf calls: a one's-complement sum over up to 64
 * payload words in a non-inlined function, and a byte histogram. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} histogram SEC(".maps");

static __attribute__((noinline)) __u32 sum_words(struct xdp_md *ctx, __u32 start)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 sum = 0;
    for (__u32 i = 0; i < 64; i++) {
        __u16 *w = data + start + 2 * i;
        if ((void *)(w + 1) > end)
            break;
        sum += *w;
    }
    return sum;
}

static __attribute__((noinline)) int bucket(__u32 sum)
{
    __u32 b = sum & 15;
    __u64 *v = bpf_map_lookup_elem(&histogram, &b);
    if (v)
        *v += 1;
    return b;
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
    __u32 s = sum_words(ctx, 14);
    int b = bucket(csum_fold(s));
    return b < 8 ? XDP_PASS : XDP_DROP;
}
