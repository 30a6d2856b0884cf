/* The shortest useful program: drop everything. */
#include "common.h"

SEC("xdp")
int drop(struct xdp_md *ctx)
{
    (void)ctx;
    return XDP_DROP;
}
