/* Bad input for the loader tests: calls bpf_check_mtu, a helper XDP
 * programs may use but the model does not implement. */
#include "../common.h"

SEC("xdp")
int unsupported_helper(struct xdp_md *ctx)
{
    __u32 mtu = 0;
    if (bpf_check_mtu(ctx, 0, &mtu, 0, 0))
        return XDP_DROP;
    return XDP_PASS;
}
