/* Global data: configuration in .rodata (set with --maps-in), counters in
 * .bss and .data, a string in .rodata.str1.1 used with bpf_trace_printk. */
#include "common.h"

const volatile __u16 drop_port = 0;      /* .rodata: 0 = drop nothing */
const volatile __u32 max_len = 1514;     /* .rodata */
__u64 seen = 0;                          /* .bss */
__u64 dropped = 0;                       /* .bss */
__u64 too_long = 0;                      /* .bss */
__u32 last_len = 7;                      /* .data */

SEC("xdp")
int globals(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 len = end - data;
    seen++;
    last_len = len;
    if (len > max_len) {
        too_long++;
        return XDP_DROP;
    }
    struct cursor c = {data, end};
    struct ethhdr *eth;
    if (parse_eth(&c, &eth) != ETH_P_IP)
        return XDP_PASS;
    struct iphdr *ip = c.pos;
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
        return XDP_PASS;
    struct udphdr *u = (void *)(ip + 1);
    if ((void *)(u + 1) > end)
        return XDP_PASS;
    if (drop_port && u->dest == bpf_htons(drop_port)) {
        dropped++;
        return XDP_DROP;
    }
    return XDP_PASS;
}
