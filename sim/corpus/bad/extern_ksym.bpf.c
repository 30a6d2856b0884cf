/* Bad input for the loader tests: reads a kconfig extern, which only
 * libbpf's kernel loader resolves; the model rejects the relocation. */
#include "../common.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("xdp")
int extern_ksym(struct xdp_md *ctx)
{
    (void)ctx;
    return LINUX_KERNEL_VERSION > 0x60000 ? XDP_PASS : XDP_DROP;
}
