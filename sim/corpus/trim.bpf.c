/* bpf_xdp_adjust_tail: frames longer than 128 bytes are cut to 128; frames
 * shorter than 64 bytes are padded (grown) to 64; an impossible shrink is
 * tried first and must fail.  Works on multi-buffer frames too. */
#include "common.h"

SEC("xdp")
int trim(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;
    if (bpf_xdp_adjust_tail(ctx, -(int)len) == 0)
        return XDP_ABORTED; /* must not shrink below the Ethernet header */
    if (len > 128) {
        if (bpf_xdp_adjust_tail(ctx, 128 - (int)len))
            return XDP_DROP;
        return XDP_TX;
    }
    if (len < 64) {
        if (bpf_xdp_adjust_tail(ctx, 64 - (int)len))
            return XDP_DROP;
        return XDP_PASS;
    }
    return XDP_PASS;
}
