/* IPIP encapsulation with bpf_xdp_adjust_head: IPv4 packets get an outer
 * IPv4 header (checksum computed in a bounded loop); others pass. */
#include "common.h"

SEC("xdp")
int encap(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *inner = (void *)(eth + 1);
    if ((void *)(inner + 1) > end)
        return XDP_PASS;
    __u16 inner_len = bpf_ntohs(inner->tot_len);
    struct ethhdr saved = *eth;
    if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
        return XDP_ABORTED;
    data = (void *)(long)ctx->data;
    end = (void *)(long)ctx->data_end;
    eth = data;
    struct iphdr *outer = (void *)(eth + 1);
    if ((void *)(outer + 1) > end)
        return XDP_ABORTED;
    *eth = saved;
    outer->version = 4;
    outer->ihl = 5;
    outer->tos = 0;
    outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
    outer->id = 0;
    outer->frag_off = bpf_htons(0x4000);
    outer->ttl = 64;
    outer->protocol = IPPROTO_IPIP;
    outer->check = 0;
    outer->saddr = bpf_htonl(0xc0000201); /* 192.0.2.1 */
    outer->daddr = bpf_htonl(0xc6336401); /* 198.51.100.1 */
    __u32 sum = 0;
    __u16 *w = (__u16 *)outer;
    for (int i = 0; i < (int)sizeof(*outer) / 2; i++)
        sum += w[i];
    outer->check = csum_fold(sum);
    return XDP_TX;
}
