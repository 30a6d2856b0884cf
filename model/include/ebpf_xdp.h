/*
 * ebpf_xdp.h - the XDP environment a program sees: struct xdp_md, the packet
 * buffer with the kernel's headroom and tailroom, and its verdicts.
 *
 * Buffer layout follows the kernel's BPF_PROG_TEST_RUN for XDP: 256 bytes of
 * headroom, at most linear_max bytes of linear data (3520 by default, what a
 * 4 KiB page leaves after headroom and skb_shared_info), the rest of a longer
 * frame held as fragments that only bpf_xdp_load_bytes()/store_bytes() and
 * bpf_xdp_get_buff_len() reach.
 */
#ifndef EBPF_XDP_H
#define EBPF_XDP_H

#include "ebpf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EBPF_XDP_HEADROOM 256
#define EBPF_XDP_TAILROOM 320
#define EBPF_XDP_LINEAR_MAX 3520
#define EBPF_XDP_MIN_FRAME 14 /* the kernel refuses shorter frames */
#define EBPF_XDP_FRAG_SIZE 4096 /* test_run puts the rest of a frame in pages */
#define EBPF_XDP_MAX_FRAGS 17   /* MAX_SKB_FRAGS */

enum ebpf_xdp_action {
    EBPF_XDP_ABORTED = 0,
    EBPF_XDP_DROP = 1,
    EBPF_XDP_PASS = 2,
    EBPF_XDP_TX = 3,
    EBPF_XDP_REDIRECT = 4,
};

/* Offsets of struct xdp_md fields. */
enum {
    EBPF_XDP_MD_DATA = 0,
    EBPF_XDP_MD_DATA_END = 4,
    EBPF_XDP_MD_DATA_META = 8,
    EBPF_XDP_MD_INGRESS_IFINDEX = 12,
    EBPF_XDP_MD_RX_QUEUE_INDEX = 16,
    EBPF_XDP_MD_EGRESS_IFINDEX = 20,
    EBPF_XDP_MD_SIZE = 24,
};

struct ebpf_xdp_frame {
    uint8_t *buf;          /* headroom + linear data + tailroom */
    uint32_t buf_size;
    uint32_t linear_max;   /* most bytes of a frame kept linear */
    uint32_t data;         /* offsets into buf */
    uint32_t data_end;
    uint32_t data_meta;
    uint8_t *frags;        /* bytes of the frame beyond the linear part, */
    uint32_t frags_len;    /* fragment after fragment */
    uint32_t nr_frags;
    uint32_t frag_len[EBPF_XDP_MAX_FRAGS]; /* each at most EBPF_XDP_FRAG_SIZE */
    uint32_t ingress_ifindex;
    uint32_t rx_queue_index;
    uint32_t egress_ifindex;
};

/* Allocate a frame buffer for frames of up to linear_max linear bytes
 * (0 = EBPF_XDP_LINEAR_MAX). */
int ebpf_xdp_frame_init(struct ebpf_xdp_frame *f, uint32_t linear_max);
void ebpf_xdp_frame_free(struct ebpf_xdp_frame *f);
/* Put a packet in the frame (data_meta = data, no metadata).  Bytes past
 * linear_max go to page-sized fragments.  -EINVAL for frames under 14
 * bytes, -E2BIG for frames needing more than EBPF_XDP_MAX_FRAGS fragments. */
int ebpf_xdp_frame_load(struct ebpf_xdp_frame *f, const uint8_t *pkt, uint32_t len);
/* Total frame length, linear + fragments (bpf_xdp_get_buff_len). */
uint32_t ebpf_xdp_frame_len(const struct ebpf_xdp_frame *f);

/* Point the VM's context and packet regions at the frame.  Call again after
 * anything moves data/data_end/data_meta (the adjust helpers do). */
void ebpf_xdp_attach(ebpf_vm *vm, struct ebpf_xdp_frame *f);
/* The value r1 holds at entry: the address of struct xdp_md. */
static inline uint64_t ebpf_xdp_ctx_addr(void) { return ebpf_addr(EBPF_REGION_CTX, 0); }

const char *ebpf_xdp_action_name(uint64_t action);

#ifdef __cplusplus
}
#endif
#endif
