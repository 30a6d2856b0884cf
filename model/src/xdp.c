/* The XDP context: struct xdp_md reads and the packet region. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_xdp.h"
#include "vm_int.h"

int ebpf_xdp_frame_init(struct ebpf_xdp_frame *f, uint32_t linear_max)
{
    memset(f, 0, sizeof(*f));
    f->linear_max = linear_max ? linear_max : EBPF_XDP_LINEAR_MAX;
    f->buf_size = EBPF_XDP_HEADROOM + f->linear_max + EBPF_XDP_TAILROOM;
    f->buf = calloc(1, f->buf_size);
    f->frags = malloc((size_t)EBPF_XDP_MAX_FRAGS * EBPF_XDP_FRAG_SIZE);
    if (!f->buf || !f->frags) {
        free(f->buf);
        free(f->frags);
        return -ENOMEM;
    }
    f->data = f->data_end = f->data_meta = EBPF_XDP_HEADROOM;
    f->ingress_ifindex = 1; /* test_run runs on the loopback device's queue 0 */
    return 0;
}

void ebpf_xdp_frame_free(struct ebpf_xdp_frame *f)
{
    free(f->buf);
    free(f->frags);
    memset(f, 0, sizeof(*f));
}

int ebpf_xdp_frame_load(struct ebpf_xdp_frame *f, const uint8_t *pkt, uint32_t len)
{
    if (len < EBPF_XDP_MIN_FRAME)
        return -EINVAL;
    uint32_t linear = len < f->linear_max ? len : f->linear_max;
    uint32_t rest = len - linear;
    if (rest > (uint32_t)EBPF_XDP_MAX_FRAGS * EBPF_XDP_FRAG_SIZE)
        return -E2BIG;
    f->nr_frags = 0;
    for (uint32_t left = rest; left; f->nr_frags++) {
        uint32_t l = left < EBPF_XDP_FRAG_SIZE ? left : EBPF_XDP_FRAG_SIZE;
        f->frag_len[f->nr_frags] = l;
        left -= l;
    }
    f->data = f->data_meta = EBPF_XDP_HEADROOM;
    f->data_end = f->data + linear;
    memcpy(f->buf + f->data, pkt, linear);
    if (rest)
        memcpy(f->frags, pkt + linear, rest);
    f->frags_len = rest;
    f->egress_ifindex = 0;
    return 0;
}

uint32_t ebpf_xdp_frame_len(const struct ebpf_xdp_frame *f)
{
    return f->data_end - f->data + f->frags_len;
}

/* Every xdp_md field is a __u32 and must be read whole, as the kernel's
 * xdp_is_valid_access() demands; the pointer fields read as 64-bit model
 * addresses, which is what the kernel's context rewriting produces. */
static int xdp_ctx_load(void *user, uint32_t off, unsigned size, uint64_t *value)
{
    const struct ebpf_xdp_frame *f = user;
    if (size != 4)
        return -EACCES;
    switch (off) {
    case EBPF_XDP_MD_DATA: *value = ebpf_addr(EBPF_REGION_PACKET, f->data); return 0;
    case EBPF_XDP_MD_DATA_END: *value = ebpf_addr(EBPF_REGION_PACKET, f->data_end); return 0;
    case EBPF_XDP_MD_DATA_META: *value = ebpf_addr(EBPF_REGION_PACKET, f->data_meta); return 0;
    case EBPF_XDP_MD_INGRESS_IFINDEX: *value = f->ingress_ifindex; return 0;
    case EBPF_XDP_MD_RX_QUEUE_INDEX: *value = f->rx_queue_index; return 0;
    case EBPF_XDP_MD_EGRESS_IFINDEX: *value = f->egress_ifindex; return 0;
    default: return -EACCES;
    }
}

void ebpf_xdp_attach(ebpf_vm *vm, struct ebpf_xdp_frame *f)
{
    const struct ebpf_ctx_ops ops = {.load = xdp_ctx_load, .store = NULL, .user = f};
    ebpf_vm_set_ctx(vm, &ops);
    ebpf_vm_map_region(vm, EBPF_REGION_PACKET, f->buf, f->data_meta, f->data_end,
                       EBPF_MEM_READ | EBPF_MEM_WRITE, "packet");
}

const char *ebpf_xdp_action_name(uint64_t action)
{
    static const char *const names[] = {"aborted", "drop", "pass", "tx", "redirect"};
    return action < 5 ? names[action] : "aborted";
}
