/* Map in map: an array of per-protocol hash maps; the outer slot is chosen
 * by the IP protocol and the inner map counts packets per source address. */
#include "common.h"

struct inner {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} tcp_counts SEC(".maps"), udp_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner);
} by_proto SEC(".maps");

SEC("xdp")
int mapinmap(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end)
        return XDP_PASS;
    __u32 slot = ip->protocol == IPPROTO_TCP ? 0 : ip->protocol == IPPROTO_UDP ? 1 : 2;
    void *inner = bpf_map_lookup_elem(&by_proto, &slot);
    if (!inner)
        return XDP_DROP;
    __u32 src = ip->saddr;
    __u64 *v = bpf_map_lookup_elem(inner, &src);
    if (v) {
        *v += 1;
    } else {
        __u64 one = 1;
        bpf_map_update_elem(inner, &src, &one, BPF_NOEXIST);
    }
    return XDP_PASS;
}
