/* bpf_xdp_adjust_meta: store 8 bytes of metadata (a flow hash and the frame
 * length) in front of the packet; odd sizes and metadata reaching into the headroom's xdp_frame fail. */
#include "common.h"

struct meta {
    __u32 hash;
    __u32 len;
};

SEC("xdp")
int meta(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_meta(ctx, -3) == 0)
        return XDP_ABORTED; /* not a multiple of 4 */
    if (bpf_xdp_adjust_meta(ctx, -240) == 0)
        return XDP_ABORTED; /* reaches into struct xdp_frame */
    if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))
        return XDP_DROP;
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct meta *m = (void *)(long)ctx->data_meta;
    if ((void *)(m + 1) > data)
        return XDP_DROP;
    __u32 h = 2166136261u;
    __u8 *p = data;
#pragma unroll
    for (int i = 0; i < 12; i++) {
        if ((void *)(p + i + 1) > end)
            break;
        h = (h ^ p[i]) * 16777619u;
    }
    m->hash = h;
    m->len = (__u32)(end - data);
    return XDP_PASS;
}
