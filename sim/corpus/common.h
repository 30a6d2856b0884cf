/* Shared definitions of the XDP test corpus (compiled with clang -target bpf). */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct vlan_hdr {
    __be16 tci;
    __be16 proto;
};

struct cursor {
    void *pos;
    void *end;
};

/* Ethernet + up to two VLAN tags; returns the ethertype or -1. */
static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth_out)
{
    struct ethhdr *eth = c->pos;
    if ((void *)(eth + 1) > c->end)
        return -1;
    c->pos = eth + 1;
    *eth_out = eth;
    __u16 proto = eth->h_proto;
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
            break;
        struct vlan_hdr *v = c->pos;
        if ((void *)(v + 1) > c->end)
            return -1;
        proto = v->proto;
        c->pos = v + 1;
    }
    return bpf_ntohs(proto);
}

static __always_inline __u16 csum_fold(__u32 csum)
{
    csum = (csum & 0xffff) + (csum >> 16);
    csum = (csum & 0xffff) + (csum >> 16);
    return (__u16)~csum;
}

char LICENSE[] SEC("license") = "GPL";

#endif
