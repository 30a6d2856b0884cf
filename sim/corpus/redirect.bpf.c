/* Redirects: a devmap chosen by the low bits of the IPv4 source, with a
 * fallback action for empty slots; IPv6 goes to bpf_redirect(ifindex 7). */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int redirect(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    int proto = parse_eth(&c, &eth);
    if (proto == ETH_P_IPV6)
        return bpf_redirect(7, 0);
    if (proto != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end)
        return XDP_DROP;
    __u32 slot = bpf_ntohl(ip->saddr) & 7;
    return bpf_redirect_map(&ports, slot, XDP_DROP);
}
