/* The host driver: a submission ring and a completion ring in host memory,
 * one command buffer per ring slot, the doorbell, completion processing at
 * interrupt (or polling) time, and recovery:
 *
 *  - every command has a sequence number; the device applies them strictly
 *    in order and keeps a replay log, so a command sent twice is applied
 *    once and answered twice with the same result;
 *  - completions arrive in ring order, so a completion for ring position P
 *    tells the host that every earlier attempt without a completion lost it:
 *    those are sent again (and answered from the replay log);
 *  - DMA_ERROR and SEQ_GAP completions mean "not applied": the command is
 *    sent again (go-back-N, in sequence order);
 *  - a command without a completion after timeout_ns makes the host read
 *    the device's status register: a new reset generation means the queue
 *    was reset, and the host re-posts every command in flight from ring
 *    position 0 and writes QUEUE_INIT; otherwise fetched commands are sent
 *    again and the doorbell is rung again;
 *  - after max_retries failed attempts of the oldest command the host gives
 *    up on it (SKIP_SEQ: the device will never apply it) and reports -EIO.
 *
 * Only the current (latest) attempt of a command completes it, so when a
 * command's entry and buffer are reused no older attempt of it can still be
 * in the ring. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicdrv_int.h"

int host_set_err(nicdrv *nic, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nic->err, sizeof(nic->err), fmt, ap);
    va_end(ap);
    return rc;
}

const char *nicdrv_errmsg(const nicdrv *nic) { return nic->err; }
nicdrv_dev *nicdrv_device(const nicdrv *nic) { return nic->dev; }
const struct nicdrv_config *nicdrv_config(const nicdrv *nic) { return &nic->cfg; }
uint64_t nicdrv_now_ps(const nicdrv *nic) { return nic->dev->now; }
unsigned nicdrv_outstanding(const nicdrv *nic) { return nic->n_queued + nic->n_inflight; }
const struct nicdrv_completion *nicdrv_last(const nicdrv *nic) { return &nic->last; }
double nicdrv_last_call_ns(const nicdrv *nic) { return nic->last_call_ns; }
void nicdrv_host_stats(const nicdrv *nic, struct nicdrv_stats *host) { *host = nic->st; }
void nicdrv_set_nonblocking(nicdrv *nic, bool nonblocking) { nic->cfg.nonblocking = nonblocking; }

static uint64_t now(const nicdrv *nic) { return nic->dev->now; }
static uint32_t align8(uint32_t v) { return (v + 7) & ~7u; }
static uint8_t *cmd_buf(const nicdrv *nic, uint32_t idx)
{
    return nic->mem + nic->buf_off + (size_t)idx * nic->cfg.cmd_buffer;
}
static uint64_t bus_addr(const nicdrv *nic, const uint8_t *p)
{
    return HOST_BUS_BASE + (uint64_t)(p - nic->mem);
}
static bool outstanding(const struct host_cmd *hc)
{
    return hc->state == CMD_QUEUED || hc->state == CMD_INFLIGHT;
}
static bool is_single_map_op(unsigned op)
{
    return op >= NICDRV_OP_MAP_LOOKUP && op <= NICDRV_OP_MAP_GET_NEXT;
}

static void mmio(nicdrv *nic, enum dev_reg reg, uint32_t value)
{
    dev_mmio_write(nic->dev, now(nic) + nic->mmio_write_ps, reg, value);
}

/* ------------------------------------------------------------------ */
/* Posting descriptors. */

static void post(nicdrv *nic, struct host_cmd *hc)
{
    uint32_t R = nic->ring, idx = hc->seq % R;
    const struct nicdrv_cmd *c = &hc->cmd;
    uint8_t *buf = cmd_buf(nic, idx);
    struct desc d = {
        .opcode = c->op,
        .version = DESC_VERSION,
        .seq = hc->seq,
        .target = c->target,
        .key_size = c->key_size,
        .value_size = c->value_size,
        .count = c->count ? c->count : (is_single_map_op(c->op) ? 1 : 0),
        .flags = c->flags,
        .in_addr = c->in_len ? bus_addr(nic, buf) : 0,
        .in_len = c->in_len,
        .out_len = c->out_len,
        .out_addr = c->out_len ? bus_addr(nic, buf + hc->out_off) : 0,
        .aux = c->aux,
    };
    uint32_t pos = nic->sq_tail++;
    uint8_t *slot = nic->mem + nic->sq_off + (size_t)(pos % R) * NICDRV_DESC_SIZE;
    desc_encode(slot, &d);
    if (nic->tamper)
        nic->tamper(nic->tamper_user, hc->seq, slot);
    nic->slot_cmd[pos % R] = (int32_t)idx;
    nic->slot_pos[pos % R] = pos;
    hc->pos = pos;
    hc->state = CMD_INFLIGHT;
    hc->attempts++;
    hc->t_post = now(nic);
    if (hc->attempts == 1)
        hc->t_first_post = hc->t_post;
    else
        nic->st.resends++;
    nic->n_queued--;
    nic->n_inflight++;
    nic->st.descriptors++;
    nic->deadline_dirty = true;
}

/* Post queued commands in sequence order while the ring has room, then
 * ring the doorbell once (or re-enable the queue after a reset). */
static void flush(nicdrv *nic)
{
    uint32_t R = nic->ring;
    unsigned posted = 0;
    uint32_t first = nic->sq_tail;
    for (uint32_t s = nic->oldest; nic->n_queued && s != nic->next_seq; s++) {
        struct host_cmd *hc = &nic->cmds[s % R];
        if (hc->state != CMD_QUEUED || hc->seq != s)
            continue;
        if (nic->sq_tail - nic->head_known >= R)
            break;
        post(nic, hc);
        posted++;
    }
    if (!posted && !nic->need_init)
        return;
    uint64_t arrive = now(nic) + nic->mmio_write_ps;
    if (nic->need_init) {
        mmio(nic, REG_QUEUE_INIT, nic->sq_tail);
        nic->need_init = false;
    } else {
        mmio(nic, REG_SQ_TAIL, nic->sq_tail);
    }
    nic->st.doorbells++;
    for (uint32_t pos = first; pos != nic->sq_tail; pos++) {
        struct host_cmd *hc = &nic->cmds[nic->slot_cmd[pos % R]];
        hc->t_doorbell = arrive;
        hc->deadline = now(nic) + ns_to_ps(nic->cfg.timeout_ns);
    }
}

static void requeue(nicdrv *nic, struct host_cmd *hc)
{
    if (hc->state != CMD_INFLIGHT)
        return;
    nic->slot_cmd[hc->pos % nic->ring] = -1;
    hc->state = CMD_QUEUED;
    nic->n_inflight--;
    nic->n_queued++;
    nic->deadline_dirty = true;
}

static void advance_oldest(nicdrv *nic)
{
    while (nic->oldest != nic->next_seq && nic->cmds[nic->oldest % nic->ring].state == CMD_FREE)
        nic->oldest++;
}

/* ------------------------------------------------------------------ */
/* Completions. */

struct cqe {
    uint32_t seq, pos, count, detail, out_len, sq_head, aux;
    uint16_t status;
};

static void push_done(nicdrv *nic, const struct nicdrv_completion *c)
{
    if (nic->done_head + nic->done_n == nic->done_cap) {
        if (nic->done_head) {
            memmove(nic->done_list, nic->done_list + nic->done_head,
                    nic->done_n * sizeof(*nic->done_list));
            nic->done_head = 0;
        } else {
            size_t cap = nic->done_cap ? 2 * nic->done_cap : 64;
            struct nicdrv_completion *p = realloc(nic->done_list, cap * sizeof(*p));
            if (!p) {
                nic->st.failed++; /* the completion is lost to the caller */
                return;
            }
            nic->done_list = p;
            nic->done_cap = cap;
        }
    }
    nic->done_list[nic->done_head + nic->done_n++] = *c;
}

/* The command is finished (status from the device, or given up on). */
static void finish(nicdrv *nic, struct host_cmd *hc, const struct cqe *e, uint32_t cq_pos,
                   bool have_cqe)
{
    struct nicdrv_completion *c = &hc->done;
    memset(c, 0, sizeof(*c));
    c->seq = hc->seq;
    c->op = hc->cmd.op;
    c->user = hc->cmd.user;
    c->status = e->status;
    c->detail = e->detail;
    c->count = e->count;
    c->out_len = e->out_len <= hc->cmd.out_len ? e->out_len : hc->cmd.out_len;
    c->aux = e->aux;
    c->desc_pos = hc->pos;
    c->attempts = hc->attempts;
    c->submit_ps = hc->t_submit;
    c->done_ps = now(nic);
    c->rc = nicdrv_status_errno(e->status, e->detail);
    struct nicdrv_timing *t = &c->t;
    t->queue_ns = ps_to_ns(hc->t_post - hc->t_submit);
    t->doorbell_ns = ps_to_ns(hc->t_doorbell - hc->t_post);
    t->total_ns = ps_to_ns(c->done_ps - c->submit_ps);
    if (have_cqe) {
        const nicdrv_dev *dev = nic->dev;
        const struct timeline *tl = &dev->cq_timeline[cq_pos % nic->ring];
        c->apply_ps = dev->cq_apply[cq_pos % nic->ring];
        t->wait_ns = tl->start > hc->t_doorbell ? ps_to_ns(tl->start - hc->t_doorbell) : 0;
        t->desc_fetch_ns = ps_to_ns(tl->desc - tl->start);
        t->payload_fetch_ns = ps_to_ns(tl->payload - tl->desc);
        t->exec_ns = ps_to_ns(tl->apply - tl->payload);
        t->writeback_ns = ps_to_ns(tl->cq - tl->apply);
        t->notify_ns = ps_to_ns(now(nic) - tl->cq);
    }
    if (c->out_len && hc->cmd.out)
        memcpy(hc->cmd.out, cmd_buf(nic, hc->seq % nic->ring) + hc->out_off, c->out_len);
    if (c->rc == 0)
        nic->st.completed++;
    else
        nic->st.failed++;
    nic->st.latency_count++;
    nic->st.latency_sum_ns += t->total_ns;
    if (nic->st.latency_count == 1 || t->total_ns < nic->st.latency_min_ns)
        nic->st.latency_min_ns = t->total_ns;
    if (t->total_ns > nic->st.latency_max_ns)
        nic->st.latency_max_ns = t->total_ns;
    if (hc->state == CMD_INFLIGHT)
        nic->n_inflight--;
    else if (hc->state == CMD_QUEUED)
        nic->n_queued--;
    nic->deadline_dirty = true;
    if (hc->internal) {
        hc->state = CMD_DONE;
    } else {
        push_done(nic, c);
        hc->state = CMD_FREE;
        advance_oldest(nic);
    }
}

static bool is_oldest_outstanding(const nicdrv *nic, uint32_t seq)
{
    for (uint32_t s = nic->oldest; s != seq; s++)
        if (outstanding(&nic->cmds[s % nic->ring]))
            return false;
    return true;
}

/* A failed attempt (DMA error, timeout): try again, or give up on the
 * oldest command after max_retries failures. */
static void retry_or_give_up(nicdrv *nic, struct host_cmd *hc, uint16_t status)
{
    hc->failures++;
    if (hc->failures > nic->cfg.max_retries && is_oldest_outstanding(nic, hc->seq)) {
        /* The device must never apply it: it is reported as failed. */
        mmio(nic, REG_SKIP_SEQ, hc->seq);
        nic->slot_cmd[hc->pos % nic->ring] = -1;
        struct cqe e = {.status = status, .detail = hc->failures};
        finish(nic, hc, &e, 0, false); /* DMA_ERROR: -EIO */
        return;
    }
    requeue(nic, hc);
}

static void handle_cqe(nicdrv *nic, const struct cqe *e, uint32_t cq_pos)
{
    uint32_t R = nic->ring;
    if (pos_before(nic->head_known, e->sq_head))
        nic->head_known = e->sq_head;
    struct host_cmd *hc = NULL;
    uint32_t slot = e->pos % R;
    if (nic->slot_cmd[slot] >= 0 && nic->slot_pos[slot] == e->pos) {
        hc = &nic->cmds[nic->slot_cmd[slot]];
        /* the ring position identifies the attempt (the echoed sequence
         * number is the one the device read, even if it was corrupted) */
        if (hc->state != CMD_INFLIGHT || hc->pos != e->pos)
            hc = NULL;
    }
    /* Completions come in ring order: an earlier attempt still waiting has
     * lost its completion. */
    for (uint32_t s = nic->oldest; s != nic->next_seq; s++) {
        struct host_cmd *o = &nic->cmds[s % R];
        if (o != hc && o->state == CMD_INFLIGHT && pos_before(o->pos, e->pos)) {
            nic->st.lost_completions++;
            requeue(nic, o);
        }
    }
    if (!hc) {
        nic->st.stale++;
        return;
    }
    switch (e->status) {
    case NICDRV_ST_DMA_ERROR:
        nic->st.dma_errors++;
        retry_or_give_up(nic, hc, e->status);
        break;
    case NICDRV_ST_SEQ_GAP:
        /* not applied: an earlier command is missing; resent in order.  A
         * gap on the oldest command has no earlier one to explain it (a
         * corrupted descriptor): it counts as a failed attempt. */
        nic->st.seq_gaps++;
        if (is_oldest_outstanding(nic, hc->seq))
            retry_or_give_up(nic, hc, e->status);
        else
            requeue(nic, hc);
        break;
    default:
        nic->slot_cmd[slot] = -1;
        finish(nic, hc, e, cq_pos, true);
        break;
    }
}

static void cq_process(nicdrv *nic)
{
    uint32_t R = nic->ring;
    bool any = false;
    for (;;) {
        const uint8_t *b = nic->mem + nic->cq_off + (size_t)(nic->cq_head % R) * NICDRV_CQE_SIZE;
        if (b[C_PHASE] != nic->cq_phase)
            break;
        struct cqe e = {
            .seq = get32(b + C_SEQ),
            .pos = get32(b + C_POS),
            .status = get16(b + C_STATUS),
            .count = get32(b + C_COUNT),
            .detail = get32(b + C_DETAIL),
            .out_len = get32(b + C_OUT_LEN),
            .sq_head = get32(b + C_SQ_HEAD),
            .aux = get32(b + C_AUX),
        };
        uint32_t cq_pos = nic->cq_head++;
        if (nic->cq_head % R == 0)
            nic->cq_phase ^= 1;
        any = true;
        handle_cqe(nic, &e, cq_pos);
    }
    if (any)
        mmio(nic, REG_CQ_HEAD, nic->cq_head);
}

/* ------------------------------------------------------------------ */
/* Timeouts, the status register, queue re-initialisation. */

static void reinit_queue(nicdrv *nic)
{
    uint32_t R = nic->ring;
    cq_process(nic); /* completions written before the reset still count */
    nic->known_gen = nic->status.reset_gen;
    nic->st.reinits++;
    memset(nic->mem + nic->cq_off, 0, (size_t)R * NICDRV_CQE_SIZE);
    nic->cq_head = 0;
    nic->cq_phase = 1;
    nic->sq_tail = 0;
    nic->head_known = 0;
    for (uint32_t i = 0; i < R; i++)
        nic->slot_cmd[i] = -1;
    for (uint32_t s = nic->oldest; s != nic->next_seq; s++) {
        struct host_cmd *hc = &nic->cmds[s % R];
        if (hc->state == CMD_INFLIGHT) {
            hc->state = CMD_QUEUED;
            nic->n_inflight--;
            nic->n_queued++;
        }
    }
    nic->need_init = true;
    nic->deadline_dirty = true;
}

static void status_result(nicdrv *nic)
{
    uint32_t R = nic->ring;
    const struct dev_status *st = &nic->status;
    if (st->reset_gen != nic->known_gen) {
        reinit_queue(nic);
        return;
    }
    bool ring_again = false;
    for (uint32_t s = nic->oldest; s != nic->next_seq; s++) {
        struct host_cmd *hc = &nic->cmds[s % R];
        if (hc->state != CMD_INFLIGHT || hc->deadline > now(nic))
            continue;
        if (pos_before(hc->pos, st->sq_head)) {
            /* fetched, no completion: lost (the resend is answered from the
             * replay log if it was applied) */
            nic->st.lost_completions++;
            retry_or_give_up(nic, hc, NICDRV_ST_DMA_ERROR);
        } else {
            /* not fetched yet: ring again and wait once more */
            hc->deadline = now(nic) + ns_to_ps(nic->cfg.timeout_ns);
            nic->deadline_dirty = true;
            ring_again = true;
        }
    }
    if (ring_again && !nic->need_init) {
        mmio(nic, REG_SQ_TAIL, nic->sq_tail);
        nic->st.doorbells++;
    }
}

static uint64_t earliest_deadline(nicdrv *nic)
{
    if (!nic->n_inflight)
        return UINT64_MAX;
    if (!nic->deadline_dirty)
        return nic->deadline_min;
    uint64_t t = UINT64_MAX;
    for (uint32_t s = nic->oldest; s != nic->next_seq; s++) {
        const struct host_cmd *hc = &nic->cmds[s % nic->ring];
        if (hc->state == CMD_INFLIGHT && hc->deadline < t)
            t = hc->deadline;
    }
    nic->deadline_min = t;
    nic->deadline_dirty = false;
    return t;
}

static uint64_t host_next_event(nicdrv *nic)
{
    uint64_t t = dev_next_note(nic->dev);
    if (nic->status_phase == 1 && nic->status_sample_ps < t)
        t = nic->status_sample_ps;
    else if (nic->status_phase == 2 && nic->status_done_ps < t)
        t = nic->status_done_ps;
    if (nic->status_phase == 0) {
        uint64_t d = earliest_deadline(nic);
        if (d < t)
            t = d;
    }
    return t;
}

/* Everything the host does at the current time. */
static void host_step(nicdrv *nic)
{
    uint64_t t = now(nic);
    if (nic->status_phase == 1 && nic->status_sample_ps <= t) {
        dev_read_status(nic->dev, &nic->status);
        nic->status_phase = 2;
    }
    if (nic->status_phase == 2 && nic->status_done_ps <= t) {
        nic->status_phase = 0;
        status_result(nic);
    }
    if (dev_next_note(nic->dev) <= t) {
        dev_pop_notes(nic->dev, t);
        cq_process(nic);
    }
    if (nic->status_phase == 0 && earliest_deadline(nic) <= t) {
        nic->st.timeouts++;
        nic->st.status_reads++;
        nic->status_phase = 1;
        nic->status_sample_ps = t + nic->mmio_read_ps;
        nic->status_done_ps = nic->status_sample_ps + nic->mmio_read_ps;
    }
    flush(nic);
}

uint64_t nicdrv_next_event_ps(nicdrv *nic)
{
    uint64_t a = dev_next_event(nic->dev), b = host_next_event(nic);
    return a < b ? a : b;
}

int nicdrv_advance_ps(nicdrv *nic, uint64_t t)
{
    nicdrv_dev *dev = nic->dev;
    for (;;) {
        uint64_t n = nicdrv_next_event_ps(nic);
        if (n > t || n == UINT64_MAX)
            break;
        if (n > dev->now)
            dev->now = n;
        dev_step(dev);
        host_step(nic);
    }
    if (t > dev->now && t != UINT64_MAX)
        dev->now = t;
    return 0;
}

/* Let simulated time run to the next event; -EIO if nothing can happen. */
static int run_one(nicdrv *nic, const char *waiting_for)
{
    uint64_t t = nicdrv_next_event_ps(nic);
    if (t == UINT64_MAX)
        return host_set_err(nic, -EIO, "%s: no device or driver event is pending (%u commands in "
                                       "flight)",
                            waiting_for, nicdrv_outstanding(nic));
    return nicdrv_advance_ps(nic, t);
}

/* ------------------------------------------------------------------ */
/* Submission and waiting. */

static int submit(nicdrv *nic, const struct nicdrv_cmd *cmd, bool internal, uint32_t *seq_out)
{
    uint32_t R = nic->ring;
    uint32_t out_off = align8(cmd->in_len);
    if (cmd->in_len && !cmd->in)
        return host_set_err(nic, -EINVAL, "%s: %u input bytes and no input buffer",
                            nicdrv_op_name(cmd->op), cmd->in_len);
    if ((uint64_t)out_off + cmd->out_len > nic->cfg.cmd_buffer)
        return host_set_err(nic, -E2BIG,
                            "%s: %u input and %u result bytes do not fit the %u-byte command buffer",
                            nicdrv_op_name(cmd->op), cmd->in_len, cmd->out_len, nic->cfg.cmd_buffer);
    bool waited = false;
    while (nic->cmds[nic->next_seq % R].state != CMD_FREE) {
        /* every entry holds a command in flight: back-pressure */
        if (nic->cfg.nonblocking) {
            nic->st.eagain++;
            return host_set_err(nic, -EAGAIN, "%s: %u commands in flight fill the ring",
                                nicdrv_op_name(cmd->op), R);
        }
        if (!waited)
            nic->st.ring_full_waits++;
        waited = true;
        int rc = run_one(nic, "waiting for room in the ring");
        if (rc < 0)
            return rc;
    }
    uint32_t seq = nic->next_seq++;
    struct host_cmd *hc = &nic->cmds[seq % R];
    memset(hc, 0, sizeof(*hc));
    hc->state = CMD_QUEUED;
    hc->internal = internal;
    hc->seq = seq;
    hc->cmd = *cmd;
    hc->cmd.in = NULL;
    hc->out_off = out_off;
    hc->t_submit = now(nic);
    if (cmd->in_len)
        memcpy(cmd_buf(nic, seq % R), cmd->in, cmd->in_len);
    nic->n_queued++;
    nic->st.submitted++;
    if (seq_out)
        *seq_out = seq;
    flush(nic);
    return 0;
}

int nicdrv_submit(nicdrv *nic, const struct nicdrv_cmd *cmd, uint32_t *seq)
{
    return submit(nic, cmd, false, seq);
}

int nicdrv_poll(nicdrv *nic, struct nicdrv_completion *out, unsigned max)
{
    unsigned n = 0;
    while (n < max && nic->done_n) {
        out[n++] = nic->done_list[nic->done_head++];
        nic->done_n--;
    }
    if (!nic->done_n)
        nic->done_head = 0;
    return (int)n;
}

static bool take_done(nicdrv *nic, uint32_t seq, struct nicdrv_completion *out)
{
    for (size_t i = 0; i < nic->done_n; i++) {
        struct nicdrv_completion *c = &nic->done_list[nic->done_head + i];
        if (c->seq != seq)
            continue;
        *out = *c;
        memmove(c, c + 1, (nic->done_n - i - 1) * sizeof(*c));
        nic->done_n--;
        return true;
    }
    return false;
}

int nicdrv_wait(nicdrv *nic, uint32_t seq, struct nicdrv_completion *out)
{
    for (;;) {
        if (take_done(nic, seq, out))
            return out->rc;
        const struct host_cmd *hc = &nic->cmds[seq % nic->ring];
        if (!outstanding(hc) || hc->seq != seq)
            return host_set_err(nic, -ENOENT, "wait: seq %u is not in flight and was not "
                                              "completed since the last poll", seq);
        int rc = run_one(nic, "waiting for a completion");
        if (rc < 0)
            return rc;
    }
}

int host_call(nicdrv *nic, const struct nicdrv_cmd *cmd, struct nicdrv_completion *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t seq;
    int rc = submit(nic, cmd, true, &seq);
    if (rc < 0)
        return rc;
    struct host_cmd *hc = &nic->cmds[seq % nic->ring];
    while (hc->state != CMD_DONE)
        if ((rc = run_one(nic, "waiting for a completion")) < 0)
            return rc;
    *out = hc->done;
    nic->last = hc->done;
    hc->state = CMD_FREE;
    advance_oldest(nic);
    return out->rc;
}

/* ------------------------------------------------------------------ */
/* Messages. */

static const char *desc_field(uint32_t off)
{
    switch (off) {
    case D_OPCODE: return "opcode";
    case D_VERSION: return "version";
    case D_RSVD0: return "reserved (byte 2)";
    case D_SEQ: return "seq";
    case D_TARGET: return "target";
    case D_KEY_SIZE: return "key_size";
    case D_VALUE_SIZE: return "value_size";
    case D_COUNT: return "count";
    case D_FLAGS: return "flags";
    case D_IN_ADDR: return "in_addr";
    case D_IN_LEN: return "in_len";
    case D_OUT_LEN: return "out_len";
    case D_OUT_ADDR: return "out_addr";
    case D_AUX: return "aux";
    case D_RSVD1: return "reserved (byte 60)";
    default: return "?";
    }
}

static void describe(char *b, size_t n, const struct nicdrv_cmd *cmd,
                     const struct nicdrv_completion *c)
{
    uint32_t d = c->detail;
    switch (c->status) {
    case NICDRV_ST_NOENT:
        snprintf(b, n, cmd->op == NICDRV_OP_MAP_GET_NEXT ? "no next key"
                       : cmd->op == NICDRV_OP_MAP_LOOKUP_BATCH ? "no more elements"
                                                               : "no such element");
        break;
    case NICDRV_ST_EXIST: snprintf(b, n, "the element exists (BPF_NOEXIST)"); break;
    case NICDRV_ST_E2BIG: snprintf(b, n, "the map is full or the index is past max_entries"); break;
    case NICDRV_ST_MAP_ERROR: snprintf(b, n, "the map refused: %s", strerror((int)d)); break;
    case NICDRV_ST_BAD_OPCODE: snprintf(b, n, "unknown opcode %u", d); break;
    case NICDRV_ST_BAD_DESC: snprintf(b, n, "malformed descriptor: field %s (byte %u)", desc_field(d), d); break;
    case NICDRV_ST_BAD_ADDR: snprintf(b, n, "%s is outside host memory", desc_field(d)); break;
    case NICDRV_ST_UNKNOWN_MAP: snprintf(b, n, "no map %u (the device has %u)", cmd->target, d); break;
    case NICDRV_ST_BAD_KEY_SIZE:
        snprintf(b, n, "key size %u, the map's is %u", cmd->key_size, d);
        break;
    case NICDRV_ST_BAD_VALUE_SIZE:
        snprintf(b, n, "value size %u, the map's is %u", cmd->value_size, d);
        break;
    case NICDRV_ST_BAD_FLAGS: snprintf(b, n, "flags 0x%" PRIx64 " not accepted", cmd->flags); break;
    case NICDRV_ST_OUT_TOO_SMALL:
        snprintf(b, n, "result buffer of %u bytes, %u needed", cmd->out_len, d);
        break;
    case NICDRV_ST_UNKNOWN_PROG: snprintf(b, n, "no program %u", d); break;
    case NICDRV_ST_BAD_PROG: {
        uint32_t v = d & 0x0fffffffu;
        switch (d >> 28) {
        case NICDRV_BAD_PROG_OBJECT: snprintf(b, n, "no object %u on the device", v); break;
        case NICDRV_BAD_PROG_INDEX: snprintf(b, n, "program index %u, the object has %u", cmd->aux, v); break;
        case NICDRV_BAD_PROG_LENGTH: snprintf(b, n, "image of %u bytes, the program has %u", cmd->in_len, v); break;
        case NICDRV_BAD_PROG_INSN: snprintf(b, n, "image differs at instruction %u", v); break;
        default: snprintf(b, n, "bad program (detail 0x%x)", d); break;
        }
        break;
    }
    case NICDRV_ST_PROG_MISMATCH:
        snprintf(b, n, "program %u is attached, not the expected %u", d, cmd->aux);
        break;
    case NICDRV_ST_PROG_BUSY: snprintf(b, n, "program %u is attached", d); break;
    case NICDRV_ST_NO_SPACE: snprintf(b, n, "all %u program slots are used", d); break;
    case NICDRV_ST_DMA_ERROR: snprintf(b, n, "DMA read failed; gave up after %u attempts", c->attempts); break;
    case NICDRV_ST_SEQ_GAP: snprintf(b, n, "the device expected seq %u", d); break;
    case NICDRV_ST_STALE_SEQ: snprintf(b, n, "older than the replay window (device expects seq %u)", d); break;
    default: snprintf(b, n, "status %u detail %u", c->status, d); break;
    }
}

int host_fail(nicdrv *nic, const struct nicdrv_cmd *cmd, const struct nicdrv_completion *c,
              const char *what)
{
    char why[256];
    describe(why, sizeof(why), cmd, c);
    return host_set_err(nic, c->rc, "%s: seq %u, descriptor %u: %s: %s", what, c->seq, c->desc_pos,
                        nicdrv_status_name(c->status), why);
}

/* ------------------------------------------------------------------ */
/* Open and close. */

int nicdrv_open(nicdrv_dev *dev, nicdrv **out, char *err, size_t errlen)
{
    *out = NULL;
    if (dev->host) {
        snprintf(err, errlen, "the device already has a driver");
        return -EBUSY;
    }
    nicdrv *nic = calloc(1, sizeof(*nic));
    if (!nic) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    nic->dev = dev;
    nic->cfg = dev->cfg;
    nic->link = dev->link;
    uint32_t R = nic->ring = dev->cfg.ring_size;
    struct pcie_xfer x;
    pcie_write(&nic->link, 4, false, &x);
    nic->mmio_write_ps = x.done_ps;
    /* a read request header one way, the completion with 4 bytes back */
    pcie_write(&nic->link, 4, true, &x);
    nic->mmio_read_ps = x.done_ps;
    nic->sq_off = 0;
    nic->cq_off = (size_t)R * NICDRV_DESC_SIZE;
    nic->buf_off = (nic->cq_off + (size_t)R * NICDRV_CQE_SIZE + 63) / 64 * 64;
    nic->mem_size = nic->buf_off + (size_t)R * nic->cfg.cmd_buffer;
    nic->mem = calloc(1, nic->mem_size);
    nic->cmds = calloc(R, sizeof(*nic->cmds));
    nic->slot_cmd = malloc(R * sizeof(*nic->slot_cmd));
    nic->slot_pos = calloc(R, sizeof(*nic->slot_pos));
    if (!nic->mem || !nic->cmds || !nic->slot_cmd || !nic->slot_pos) {
        nicdrv_close(nic);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < R; i++)
        nic->slot_cmd[i] = -1;
    nic->cq_phase = 1;
    dev_attach_host(dev, nic, nic->mem, nic->mem_size, HOST_BUS_BASE + nic->sq_off,
                    HOST_BUS_BASE + nic->cq_off, R);
    /* A driver opened again continues the device's sequence numbers. */
    struct dev_status st;
    dev_read_status(dev, &st);
    nic->next_seq = nic->oldest = st.expected_seq;
    nic->known_gen = st.reset_gen;
    int rc = host_refresh_maps(nic);
    if (rc < 0) {
        snprintf(err, errlen, "%s", nic->err);
        nicdrv_close(nic);
        return rc;
    }
    *out = nic;
    return 0;
}

int nicdrv_open_object(ebpf_object *obj, const struct nicdrv_config *cfg, nicdrv **out, char *err,
                       size_t errlen)
{
    nicdrv_dev *dev;
    int rc = nicdrv_dev_create(obj, cfg, &dev, err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = nicdrv_open(dev, out, err, errlen)) < 0) {
        nicdrv_dev_destroy(dev);
        return rc;
    }
    (*out)->owns_dev = true;
    return 0;
}

void nicdrv_close(nicdrv *nic)
{
    if (!nic)
        return;
    if (nic->dev && nic->dev->host == nic)
        dev_detach_host(nic->dev);
    if (nic->owns_dev)
        nicdrv_dev_destroy(nic->dev);
    free(nic->mem);
    free(nic->cmds);
    free(nic->slot_cmd);
    free(nic->slot_pos);
    free(nic->done_list);
    free(nic->maps);
    free(nic);
}
