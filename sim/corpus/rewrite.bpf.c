/* Rewriter: swap MACs, decrement the IPv4 TTL and rewrite the destination
 * address with incremental checksum updates (bpf_csum_diff), then XDP_TX.
 * TCP/UDP checksums are fixed for the address change too. */
#include "common.h"

static __always_inline void csum_replace4(__u16 *sum, __be32 from, __be32 to)
{
    __u32 c = bpf_csum_diff(&from, 4, &to, 4, ~((__u32)*sum) & 0xffff);
    *sum = csum_fold(c);
}

SEC("xdp")
int rewrite(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end || ip->ihl != 5)
        return XDP_PASS;
    if (ip->ttl <= 1)
        return XDP_DROP;
    /* TTL: the 16-bit word holding ttl and protocol changes by 0x0100 */
    __u32 sum = (__u32)ip->check + bpf_htons(0x0100);
    ip->check = (__u16)(sum + (sum >> 16));
    ip->ttl--;
    __be32 old = ip->daddr, new = bpf_htonl(0x0a636301); /* 10.99.99.1 */
    csum_replace4(&ip->check, old, new);
    if (ip->protocol == IPPROTO_UDP) {
        struct udphdr *u = (void *)(ip + 1);
        if ((void *)(u + 1) <= c.end && u->check)
            csum_replace4(&u->check, old, new);
    } else if (ip->protocol == IPPROTO_TCP) {
        struct tcphdr *t = (void *)(ip + 1);
        if ((void *)(t + 1) <= c.end)
            csum_replace4(&t->check, old, new);
    }
    ip->daddr = new;
    __u8 tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
    return XDP_TX;
}
