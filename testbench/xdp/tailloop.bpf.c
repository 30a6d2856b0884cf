/* RTL co-verification: a program that tail-calls itself until the kernel's
 * limit (33) makes bpf_tail_call fail and fall through, counting the calls
 * in the packet's metadata-free first bytes; and a slot left empty (the
 * call falls through at once). */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
    __uint(max_entries, 2);
} loop SEC(".maps");

SEC("xdp")
int tailloop(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u8 *p = data;
    if ((void *)(p + 16) > end)
        return XDP_PASS;
    p[15]++;
    if (p[14] & 1)
        bpf_tail_call(ctx, &loop, 1); /* empty slot */
    bpf_tail_call(ctx, &loop, 0);
    return p[15] > 30 ? XDP_PASS : XDP_DROP;
}
