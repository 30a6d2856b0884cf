/* Parser with per-CPU protocol counters: Ethernet, VLAN/QinQ, IPv4, IPv6,
 * TCP, UDP, ICMP.  Malformed IP headers are dropped, the rest passed. */
#include "common.h"

enum { C_ETH, C_VLAN, C_IPV4, C_IPV6, C_TCP, C_UDP, C_ICMP, C_OTHER, C_BAD, C_BYTES, C_MAX };

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, C_MAX);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 what, __u64 n)
{
    __u64 *v = bpf_map_lookup_elem(&counters, &what);
    if (v)
        *v += n;
}

SEC("xdp")
int parse_count(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    count(C_BYTES, ctx->data_end - ctx->data);
    int proto = parse_eth(&c, &eth);
    if (proto < 0) {
        count(C_BAD, 1);
        return XDP_DROP;
    }
    count(C_ETH, 1);
    if (c.pos != (void *)(eth + 1))
        count(C_VLAN, 1);
    __u8 l4;
    if (proto == ETH_P_IP) {
        struct iphdr *ip = c.pos;
        if ((void *)(ip + 1) > c.end || ip->ihl < 5) {
            count(C_BAD, 1);
            return XDP_DROP;
        }
        count(C_IPV4, 1);
        l4 = ip->protocol;
        c.pos = (void *)ip + ip->ihl * 4;
        if (ip->frag_off & bpf_htons(0x1fff))
            return XDP_PASS; /* non-first fragment: no L4 header */
    } else if (proto == ETH_P_IPV6) {
        struct ipv6hdr *ip6 = c.pos;
        if ((void *)(ip6 + 1) > c.end) {
            count(C_BAD, 1);
            return XDP_DROP;
        }
        count(C_IPV6, 1);
        l4 = ip6->nexthdr;
        c.pos = ip6 + 1;
    } else {
        count(C_OTHER, 1);
        return XDP_PASS;
    }
    if (l4 == IPPROTO_TCP) {
        struct tcphdr *t = c.pos;
        if ((void *)(t + 1) > c.end)
            return XDP_DROP;
        count(C_TCP, 1);
    } else if (l4 == IPPROTO_UDP) {
        struct udphdr *u = c.pos;
        if ((void *)(u + 1) > c.end)
            return XDP_DROP;
        count(C_UDP, 1);
    } else if (l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6) {
        count(C_ICMP, 1);
    } else {
        count(C_OTHER, 1);
    }
    return XDP_PASS;
}
