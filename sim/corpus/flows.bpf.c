/* Flow table: an LRU hash keyed by the 5-tuple counting packets and bytes,
 * and a per-CPU hash counting packets per protocol. */
#include "common.h"

struct flow_key {
    __be32 src, dst;
    __be16 sport, dport;
    __u8 proto;
    __u8 pad[3];
};

struct flow_val {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct flow_key);
    __type(value, struct flow_val);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 256);
    __type(key, __u8);
    __type(value, __u64);
} protos SEC(".maps");

SEC("xdp")
int flows_prog(struct xdp_md *ctx)
{
    struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > c.end)
        return XDP_PASS;
    struct flow_key k = {.src = ip->saddr, .dst = ip->daddr, .proto = ip->protocol};
    if ((ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) && ip->ihl == 5) {
        struct udphdr *u = (void *)(ip + 1);
        if ((void *)(u + 1) <= c.end) {
            k.sport = u->source;
            k.dport = u->dest;
        }
    }
    __u64 len = ctx->data_end - ctx->data;
    struct flow_val *v = bpf_map_lookup_elem(&flows, &k);
    if (v) {
        v->packets++;
        v->bytes += len;
    } else {
        struct flow_val nv = {1, len};
        bpf_map_update_elem(&flows, &k, &nv, BPF_NOEXIST);
    }
    __u8 p = ip->protocol;
    __u64 *pc = bpf_map_lookup_elem(&protos, &p);
    if (pc) {
        (*pc)++;
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&protos, &p, &one, BPF_ANY);
    }
    return XDP_PASS;
}
