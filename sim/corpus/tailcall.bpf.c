/* Tail calls through a prog_array: the entry program dispatches on the IP
 * protocol to a TCP or UDP handler; an empty slot falls through. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} jump SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

static __always_inline void hit(__u32 i)
{
    __u64 *v = bpf_map_lookup_elem(&hits, &i);
    if (v)
        *v += 1;
}

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
    (void)ctx;
    hit(1);
    return XDP_DROP;
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
    (void)ctx;
    hit(2);
    return XDP_TX;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end)
        return XDP_PASS;
    __u32 slot = ip->protocol == IPPROTO_TCP ? 0 : ip->protocol == IPPROTO_UDP ? 1 : 2;
    bpf_tail_call(ctx, &jump, slot);
    hit(0); /* empty slot: the tail call fell through */
    return XDP_PASS;
}
