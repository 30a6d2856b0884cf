/* RTL co-verification: the helpers the corpus leaves out, served to the
 * RTL's helper unit by the model - bpf_xdp_load_bytes/store_bytes (also
 * from the fragments of multi-buffer frames), get_buff_len, csum_diff,
 * map updates and deletes, per-CPU lookups, ktime, prandom, ring buffer
 * and perf events - and atomics on map values (the RTL's map port). */
#include "common.h"

struct counters {
    __u64 packets;
    __u64 bytes;
    __u64 last_csum;
    __u32 len_bits;
    __u32 cas;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct counters);
    __uint(max_entries, 1);
} totals SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 64);
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} per_cpu SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} ring SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
    __uint(max_entries, 2);
} events SEC(".maps");

struct event {
    __u32 len;
    __u32 csum;
    __u64 time;
};

SEC("xdp.frags")
int helpers(struct xdp_md *ctx)
{
    __u8 head[64], tail[16];
    __u32 zero = 0, len = bpf_xdp_get_buff_len(ctx);
    if (len < 64 || bpf_xdp_load_bytes(ctx, 0, head, sizeof(head)))
        return XDP_PASS;
    /* the last bytes: in the fragments when the frame is large */
    if (bpf_xdp_load_bytes(ctx, len - sizeof(tail), tail, sizeof(tail)))
        return XDP_ABORTED;
    __s64 cs = bpf_csum_diff(0, 0, (__be32 *)head, sizeof(head), 0);
    cs = bpf_csum_diff((__be32 *)head, 8, (__be32 *)tail, sizeof(tail), (__u32)cs);
    /* swap the MAC addresses through store_bytes, and stamp the tail */
    if (bpf_xdp_store_bytes(ctx, 0, head + 6, 6) || bpf_xdp_store_bytes(ctx, 6, head, 6))
        return XDP_ABORTED;
    __u32 stamp = (__u32)cs;
    if (bpf_xdp_store_bytes(ctx, len - 4, &stamp, sizeof(stamp)))
        return XDP_ABORTED;

    struct counters *c = bpf_map_lookup_elem(&totals, &zero);
    if (c) {
        __sync_fetch_and_add(&c->packets, 1);
        __sync_fetch_and_add(&c->bytes, len);
        __sync_fetch_and_or(&c->len_bits, 1u << (len & 31));
        __sync_val_compare_and_swap(&c->cas, c->cas & ~1u, len);
        c->last_csum = (__u64)cs;
    }
    __u32 k = (__u32)cs & 63;
    __u64 v = len;
    if (bpf_map_lookup_elem(&seen, &k))
        bpf_map_delete_elem(&seen, &k);
    else
        bpf_map_update_elem(&seen, &k, &v, BPF_NOEXIST);

    __u32 slot = len & 3;
    __u64 *p = bpf_map_lookup_elem(&per_cpu, &slot);
    if (p)
        *p += len;
    __u64 *other = bpf_map_lookup_percpu_elem(&per_cpu, &slot, 1);
    __u32 r = bpf_get_prandom_u32();
    __u64 t = bpf_ktime_get_ns();
    if ((r & 7) == 0)
        bpf_ringbuf_output(&ring, &t, sizeof(t), 0);
    struct event *e = bpf_ringbuf_reserve(&ring, sizeof(*e), 0);
    if (e) {
        e->len = len;
        e->csum = (__u32)cs;
        e->time = t;
        if (r & 1)
            bpf_ringbuf_submit(e, 0);
        else
            bpf_ringbuf_discard(e, 0);
    }
    if ((r & 3) == 1)
        bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(__u32));
    if (other && *other)
        return XDP_TX;
    return (r & 3) == 0 ? XDP_DROP : XDP_PASS;
}
