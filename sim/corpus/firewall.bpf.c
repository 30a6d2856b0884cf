/* Firewall: an LPM trie of blocked IPv4 source prefixes, a hash of blocked
 * destination ports, per-rule hit counters; the simple-firewall class. */
#include "common.h"

struct lpm_key {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __type(key, struct lpm_key);
    __type(value, __u64); /* hits */
    __uint(map_flags, BPF_F_NO_PREALLOC);
} blocked_src SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, __u16);  /* destination port, network order */
    __type(value, __u64); /* hits */
} blocked_port SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat(__u32 i)
{
    __u64 *v = bpf_map_lookup_elem(&stats, &i);
    if (v)
        __sync_fetch_and_add(v, 1);
}

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP) {
        stat(0);
        return XDP_PASS;
    }
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end)
        return XDP_DROP;
    struct lpm_key k = {32, ip->saddr};
    __u64 *hits = bpf_map_lookup_elem(&blocked_src, &k);
    if (hits) {
        __sync_fetch_and_add(hits, 1);
        stat(1);
        return XDP_DROP;
    }
    if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
        struct udphdr *u = (void *)ip + ip->ihl * 4;
        if ((void *)(u + 1) > c.end)
            return XDP_PASS;
        __u16 port = u->dest;
        hits = bpf_map_lookup_elem(&blocked_port, &port);
        if (hits) {
            __sync_fetch_and_add(hits, 1);
            stat(2);
            return XDP_DROP;
        }
    }
    stat(0);
    return XDP_PASS;
}
