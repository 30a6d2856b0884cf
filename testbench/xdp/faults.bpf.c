/* RTL co-verification: programs ending in faults and XDP corner cases, each
 * on some packets: a load past data_end (no bounds check: mem-bounds), a
 * store to the context (mem-perm), a store to a read-only map value
 * (mem-perm, the RTL's map table), a helper rejecting its buffer (helper
 * fault), reads of every xdp_md field, and adjust_head/tail/meta moving
 * the frame the RTL's context registers follow.  clang compiles these; the
 * kernel's verifier would refuse the faulting ones. */
#include "common.h"

/* .rodata: a map the program may only read (BPF_F_RDONLY_PROG) */
static const volatile __u32 threshold = 200;

SEC("xdp")
int faults(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 len = (__u32)(end - data);
    __u32 sel = len % 13;
    if (sel == 1) {
        volatile __u8 *p = end;
        return p[3] ? XDP_PASS : XDP_DROP; /* past data_end */
    }
    if (sel == 2) {
        ctx->rx_queue_index = 5; /* the context is read-only */
        return XDP_PASS;
    }
    if (sel == 3)
        return bpf_csum_diff(0, 0, end, 8, 0) ? XDP_PASS : XDP_DROP; /* not readable */
    if (sel == 4) {
        if (bpf_xdp_adjust_head(ctx, -16))
            return XDP_ABORTED;
        data = (void *)(long)ctx->data;
        end = (void *)(long)ctx->data_end;
        if (data + 16 > end)
            return XDP_ABORTED;
        __builtin_memset(data, 0xab, 16);
        return XDP_TX;
    }
    if (sel == 5) {
        if (bpf_xdp_adjust_tail(ctx, -(int)(len / 2)))
            return XDP_DROP;
        return XDP_PASS;
    }
    if (sel == 6) {
        if (bpf_xdp_adjust_meta(ctx, -8))
            return XDP_DROP;
        __u32 *m = (void *)(long)ctx->data_meta;
        if ((void *)(m + 2) > (void *)(long)ctx->data)
            return XDP_DROP;
        m[0] = ctx->ingress_ifindex;
        m[1] = ctx->rx_queue_index ^ ctx->egress_ifindex;
        return XDP_PASS;
    }
    if (sel == 7) {
        /* adjust_tail that grows into the tailroom, then a write there */
        if (bpf_xdp_adjust_tail(ctx, 32))
            return XDP_DROP;
        data = (void *)(long)ctx->data;
        end = (void *)(long)ctx->data_end;
        if (data + len + 32 > end)
            return XDP_ABORTED;
        *(volatile __u32 *)(end - 4) = len;
        return XDP_PASS;
    }
    if (sel == 8) {
        *(volatile __u32 *)&threshold = len; /* read-only map value: mem-perm */
        return XDP_PASS;
    }
    return len > threshold ? XDP_DROP : XDP_PASS;
}
