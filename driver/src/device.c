/* The device: maps and programs of one or more objects, a queue engine that
 * works one descriptor at a time (fetch by DMA, check, execute, write back),
 * doorbell and control registers, fault injection and the exactly-once
 * state (next expected sequence number, replay log, partial batch progress)
 * kept in device memory across queue resets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicdrv_int.h"

static uint8_t placement_of(const struct nicdrv_config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->n_map_placements; i++)
        if (!strcmp(cfg->map_placement[i].map, name))
            return cfg->map_placement[i].placement;
    return cfg->default_placement;
}

int nicdrv_dev_add_object(nicdrv_dev *dev, ebpf_object *obj, char *err, size_t errlen)
{
    for (unsigned i = 0; i < dev->n_objs; i++)
        if (dev->objs[i].obj == obj)
            return (int)i;
    unsigned nm = ebpf_object_map_count(obj);
    struct dev_object *objs = realloc(dev->objs, (dev->n_objs + 1) * sizeof(*objs));
    if (objs)
        dev->objs = objs;
    struct dev_map *maps = realloc(dev->maps, (dev->n_maps + nm + 1) * sizeof(*maps));
    if (maps)
        dev->maps = maps;
    ebpf_core **cores = calloc(dev->cfg.n_cpus, sizeof(*cores));
    if (!objs || !maps || !cores) {
        free(cores);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    unsigned tag = dev->n_objs++;
    dev->objs[tag] = (struct dev_object){.obj = obj, .cores = cores, .n_cores = dev->cfg.n_cpus};
    for (unsigned i = 0; i < nm; i++) {
        ebpf_map *m = ebpf_object_map(obj, i);
        const struct ebpf_map_spec *s = ebpf_map_get_spec(m);
        struct dev_map *dm = &dev->maps[dev->n_maps++];
        memset(dm, 0, sizeof(*dm));
        dm->map = m;
        snprintf(dm->name, sizeof(dm->name), "%s", ebpf_object_map_name(obj, i));
        dm->object = tag;
        dm->type = s->type;
        dm->key_size = s->key_size;
        dm->value_size = (uint32_t)ebpf_map_sys_value_size(m);
        dm->max_entries = s->max_entries;
        dm->map_flags = s->map_flags;
        dm->n_cpus = ebpf_map_is_percpu(m) ? ebpf_map_n_cpus(m) : 1;
        dm->placement = placement_of(&dev->cfg, dm->name);
    }
    return (int)tag;
}

int nicdrv_dev_create(ebpf_object *obj, const struct nicdrv_config *cfg, nicdrv_dev **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    int rc = nicdrv_config_check(cfg, err, errlen);
    if (rc < 0)
        return rc;
    nicdrv_dev *dev = calloc(1, sizeof(*dev));
    if (!dev) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    dev->cfg = *cfg;
    pcie_model_init(&dev->link, &cfg->pcie);
    dev->ps_per_cycle = 1e6 / cfg->core_mhz;
    dev->log_size = 4 * cfg->ring_size;
    dev->log = calloc(dev->log_size, sizeof(*dev->log));
    dev->cache = calloc(cfg->ring_size, NICDRV_DESC_SIZE);
    dev->cache_ready = calloc(cfg->ring_size, sizeof(*dev->cache_ready));
    dev->cq_timeline = calloc(cfg->ring_size, sizeof(*dev->cq_timeline));
    dev->cq_apply = calloc(cfg->ring_size, sizeof(*dev->cq_apply));
    dev->expected_seq = 1;
    dev->rng = cfg->faults.seed;
    if (!dev->log || !dev->cache || !dev->cache_ready || !dev->cq_timeline || !dev->cq_apply) {
        nicdrv_dev_destroy(dev);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if ((rc = nicdrv_dev_add_object(dev, obj, err, errlen)) < 0) {
        nicdrv_dev_destroy(dev);
        return rc;
    }
    *out = dev;
    return 0;
}

void nicdrv_dev_destroy(nicdrv_dev *dev)
{
    if (!dev)
        return;
    for (unsigned i = 0; i < dev->n_objs; i++) {
        for (unsigned c = 0; c < dev->objs[i].n_cores; c++)
            ebpf_core_destroy(dev->objs[i].cores[c]);
        free(dev->objs[i].cores);
    }
    free(dev->objs);
    free(dev->maps);
    if (dev->log)
        for (uint32_t i = 0; i < dev->log_size; i++)
            free(dev->log[i].out);
    free(dev->log);
    free(dev->cache);
    free(dev->cache_ready);
    free(dev->cq_timeline);
    free(dev->cq_apply);
    free(dev->mmio);
    free(dev->cqes);
    free(dev->plan.payload);
    free(dev->out);
    free(dev);
}

int nicdrv_dev_set_placement(nicdrv_dev *dev, uint32_t map_id, enum ebpf_placement p)
{
    if (map_id >= dev->n_maps || (unsigned)p >= EBPF_PLACE_COUNT)
        return -EINVAL;
    dev->maps[map_id].placement = (uint8_t)p;
    return 0;
}

ebpf_map *nicdrv_dev_map(const nicdrv_dev *dev, uint32_t map_id)
{
    return map_id < dev->n_maps ? dev->maps[map_id].map : NULL;
}

void nicdrv_dev_get_stats(const nicdrv_dev *dev, struct nicdrv_dev_stats *st) { *st = dev->st; }

int nicdrv_dev_attached(const nicdrv_dev *dev, uint32_t *prog_id, ebpf_object **obj,
                        unsigned *prog_index)
{
    *prog_id = dev->attached;
    if (!dev->attached)
        return 0;
    const struct dev_prog *p = &dev->progs[dev->attached];
    if (obj)
        *obj = dev->objs[p->object].obj;
    if (prog_index)
        *prog_index = p->index;
    return 0;
}

int nicdrv_dev_run_xdp(nicdrv_dev *dev, unsigned cpu, struct ebpf_xdp_frame *frame,
                       uint32_t *prog_id, struct ebpf_xdp_result *res)
{
    memset(res, 0, sizeof(*res));
    if (cpu >= dev->cfg.n_cpus)
        return -EINVAL;
    *prog_id = dev->attached;
    if (!dev->attached) {
        res->action = EBPF_XDP_PASS;
        res->retval = EBPF_XDP_PASS;
        res->redirect_map = -1;
    } else {
        struct dev_prog *p = &dev->progs[dev->attached];
        struct dev_object *o = &dev->objs[p->object];
        if (!o->cores[cpu]) {
            char err[EBPF_ERR_LEN];
            if (!(o->cores[cpu] = ebpf_core_create(o->obj, cpu, err, sizeof(err))))
                return -EINVAL;
        }
        /* A program fault is a verdict (ABORTED), not a failure of the call. */
        ebpf_core_run_xdp(o->cores[cpu], p->index, frame, res);
        p->packets++;
    }
    dev->st.packets++;
    dev->st.verdicts[res->action < NICDRV_VERDICTS ? res->action : 0]++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Registers and status. */

void dev_attach_host(nicdrv_dev *dev, struct nicdrv *host, uint8_t *mem, size_t size,
                     uint64_t sq_addr, uint64_t cq_addr, uint32_t ring_size)
{
    dev->host = host;
    dev->host_mem = mem;
    dev->host_mem_size = size;
    dev->sq_addr = sq_addr;
    dev->cq_addr = cq_addr;
    dev->ring_size = ring_size;
    dev->up = true;
    dev->sq_head = dev->sq_tail = dev->cq_tail = dev->cq_head_credit = 0;
    dev->cache_n = 0;
    dev->free_at = dev->now;
}

void dev_detach_host(nicdrv_dev *dev)
{
    dev->host = NULL;
    dev->host_mem = NULL;
    dev->host_mem_size = 0;
    dev->up = false;
    dev->plan.active = false;
    dev->mmio_n = dev->mmio_head = 0;
    dev->cqe_n = dev->cqe_head = 0;
}

/* Room for one more element at the end of a FIFO kept in buf[*head ..
 * *head + n) of *cap elements: the elements move to the front, else the
 * array doubles.  Returns the array (moved or not), NULL (buf unchanged)
 * when out of memory. */
static void *fifo_room(void *buf, size_t elem_size, size_t *head, size_t n, size_t *cap)
{
    if (*head + n < *cap)
        return buf;
    if (*head) {
        memmove(buf, (uint8_t *)buf + *head * elem_size, n * elem_size);
        *head = 0;
        return buf;
    }
    size_t grown = *cap ? 2 * *cap : 16;
    void *p = realloc(buf, grown * elem_size);
    if (p)
        *cap = grown;
    return p;
}

void dev_mmio_write(nicdrv_dev *dev, uint64_t t_arrive, enum dev_reg reg, uint32_t value)
{
    struct mmio_write *m = fifo_room(dev->mmio, sizeof(*m), &dev->mmio_head, dev->mmio_n, &dev->mmio_cap);
    if (!m)
        return; /* a lost posted write: the host's timeout recovers */
    dev->mmio = m;
    /* Posted writes arrive in order. */
    if (dev->mmio_n) {
        uint64_t prev = dev->mmio[dev->mmio_head + dev->mmio_n - 1].t;
        if (t_arrive < prev)
            t_arrive = prev;
    }
    dev->mmio[dev->mmio_head + dev->mmio_n++] = (struct mmio_write){t_arrive, (uint8_t)reg, value};
    struct pcie_xfer x;
    pcie_write(&dev->link, 4, false, &x);
    dev->st.bytes_down += x.wire_down;
    dev->st.tlps_down += x.tlps_down;
}

void dev_read_status(const nicdrv_dev *dev, struct dev_status *st)
{
    st->up = dev->up;
    st->reset_gen = dev->reset_gen;
    st->expected_seq = dev->expected_seq;
    st->sq_head = dev->sq_head;
}

/* ------------------------------------------------------------------ */
/* Events. */

static uint64_t mmio_time(const nicdrv_dev *dev)
{
    if (!dev->mmio_n)
        return UINT64_MAX;
    const struct mmio_write *w = &dev->mmio[dev->mmio_head];
    /* Re-enabling the queue waits for the reset to finish; later writes
     * queue behind it. */
    if (w->reg == REG_QUEUE_INIT && w->t < dev->down_until)
        return dev->down_until;
    return w->t;
}

static const struct pending_cqe *first_unwritten(const nicdrv_dev *dev)
{
    for (size_t i = 0; i < dev->cqe_n; i++)
        if (!dev->cqes[dev->cqe_head + i].written)
            return &dev->cqes[dev->cqe_head + i];
    return NULL;
}

static bool can_start(const nicdrv_dev *dev)
{
    return dev->host && dev->up && !dev->plan.active && dev->sq_head != dev->sq_tail &&
           dev->cq_tail - dev->cq_head_credit < dev->ring_size;
}

uint64_t dev_next_event(const nicdrv_dev *dev)
{
    uint64_t t = mmio_time(dev);
    const struct pending_cqe *c = first_unwritten(dev);
    if (c && c->t_cq < t)
        t = c->t_cq;
    if (dev->plan.active && dev->plan.t_event < t)
        t = dev->plan.t_event;
    if (can_start(dev)) {
        uint64_t s = dev->free_at > dev->now ? dev->free_at : dev->now;
        if (s < t)
            t = s;
    }
    return t;
}

uint64_t dev_next_note(const nicdrv_dev *dev)
{
    return dev->cqe_n ? dev->cqes[dev->cqe_head].t_note : UINT64_MAX;
}

void dev_pop_notes(nicdrv_dev *dev, uint64_t t)
{
    while (dev->cqe_n && dev->cqes[dev->cqe_head].t_note <= t && dev->cqes[dev->cqe_head].written) {
        dev->cqe_head++;
        dev->cqe_n--;
    }
    if (!dev->cqe_n)
        dev->cqe_head = 0;
}

static void account(nicdrv_dev *dev, const struct pcie_xfer *x)
{
    dev->st.bytes_up += x->wire_up;
    dev->st.bytes_down += x->wire_down;
    dev->st.tlps_up += x->tlps_up;
    dev->st.tlps_down += x->tlps_down;
}

static uint64_t cycles_ps(const nicdrv_dev *dev, uint64_t cycles)
{
    return (uint64_t)((double)cycles * dev->ps_per_cycle + 0.5);
}

static const uint8_t *host_ptr(const nicdrv_dev *dev, uint64_t bus_addr)
{
    return dev->host_mem + (bus_addr - HOST_BUS_BASE);
}

static bool transient(uint16_t status)
{
    return status == NICDRV_ST_DMA_ERROR || status == NICDRV_ST_SEQ_GAP ||
           status == NICDRV_ST_STALE_SEQ;
}

/* Start the descriptor at the head: everything that depends on chance or
 * on the link is decided now; its effect happens at plan.t_event. */
static void plan_start(nicdrv_dev *dev)
{
    struct dev_plan *p = &dev->plan;
    const struct nicdrv_faults *f = &dev->cfg.faults;
    uint64_t t0 = dev->free_at > dev->now ? dev->free_at : dev->now;
    uint64_t t = t0;
    p->active = true;
    p->kind = PLAN_EXEC;
    p->pos = dev->sq_head;
    p->have_desc = false;
    p->early = NICDRV_ST_COUNT;
    p->early_detail = 0;
    p->replay = false;
    p->drop = false;
    p->reset_elems = 0;
    memset(&p->tl, 0, sizeof(p->tl));
    p->tl.start = t0;

    uint32_t R = dev->ring_size;
    bool cached = dev->cache_n && !pos_before(p->pos, dev->cache_base) &&
                  pos_before(p->pos, dev->cache_base + dev->cache_n);
    if (!cached) {
        /* One read for as many posted descriptors as a read request holds,
         * without wrapping around the ring. */
        uint32_t n = dev->sq_tail - dev->sq_head;
        uint32_t per_read = dev->link.mrrs / NICDRV_DESC_SIZE;
        uint32_t to_end = R - dev->sq_head % R;
        if (n > per_read)
            n = per_read;
        if (n > to_end)
            n = to_end;
        struct pcie_xfer x;
        pcie_read(&dev->link, n * NICDRV_DESC_SIZE, true, dev->link.host_mem_ps, &x);
        account(dev, &x);
        t += x.done_ps;
        dev->cache_n = 0;
        if (rng_hit(&dev->rng, f->dma_error_rate)) {
            dev->st.dma_errors++;
            dev->sq_head++;
            p->early = NICDRV_ST_DMA_ERROR;
            t += cycles_ps(dev, dev->cfg.cmd_cycles);
            p->tl.desc = p->tl.payload = t;
            p->t_event = t;
            p->drop = rng_hit(&dev->rng, f->drop_completion_rate);
            return;
        }
        memcpy(dev->cache, host_ptr(dev, dev->sq_addr) + (size_t)(dev->sq_head % R) * NICDRV_DESC_SIZE,
               (size_t)n * NICDRV_DESC_SIZE);
        dev->cache_base = dev->sq_head;
        dev->cache_n = n;
        /* The payloads of the descriptors just read are requested at once
         * (enough read tags): the requests overlap, the completions follow
         * each other on the link.  Only the timing is decided here; the
         * bytes are copied when each command starts (the host does not
         * touch a posted command's buffer). */
        uint64_t ser = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct desc di;
            desc_decode(dev->cache + (size_t)i * NICDRV_DESC_SIZE, &di);
            dev->cache_ready[i] = 0;
            if (!di.in_len || di.in_len > DEV_MAX_PAYLOAD || di.in_addr < HOST_BUS_BASE ||
                di.in_addr - HOST_BUS_BASE > dev->host_mem_size ||
                di.in_len > dev->host_mem_size - (di.in_addr - HOST_BUS_BASE))
                continue;
            struct pcie_xfer xp;
            pcie_read(&dev->link, di.in_len, true, dev->link.host_mem_ps, &xp);
            account(dev, &xp);
            ser += xp.ser_ps;
            dev->cache_ready[i] = t + xp.done_ps - xp.ser_ps + ser;
        }
    }
    uint64_t payload_ready = dev->cache_ready[p->pos - dev->cache_base];
    desc_decode(dev->cache + (size_t)(p->pos - dev->cache_base) * NICDRV_DESC_SIZE, &p->d);
    p->have_desc = true;
    dev->sq_head++;
    p->tl.desc = t;

    const struct desc *d = &p->d;
    if (d->seq != dev->expected_seq) {
        if ((int32_t)(d->seq - dev->expected_seq) < 0) {
            const struct log_entry *le = &dev->log[d->seq % dev->log_size];
            if (le->valid && le->seq == d->seq) {
                p->replay = true;
            } else {
                p->early = NICDRV_ST_STALE_SEQ;
                p->early_detail = dev->expected_seq;
            }
        } else {
            p->early = NICDRV_ST_SEQ_GAP;
            p->early_detail = dev->expected_seq;
            dev->st.seq_gaps++;
        }
        t += cycles_ps(dev, dev->cfg.cmd_cycles);
        p->tl.payload = t;
    } else {
        uint32_t detail;
        uint16_t st = exec_check(dev, d, &detail);
        if (st != NICDRV_ST_OK) {
            p->early = st;
            p->early_detail = detail;
            p->tl.payload = t;
            t += cycles_ps(dev, dev->cfg.cmd_cycles);
        } else {
            if (d->in_len) {
                if (payload_ready) {
                    if (payload_ready > t)
                        t = payload_ready;
                } else {
                    struct pcie_xfer x;
                    pcie_read(&dev->link, d->in_len, true, dev->link.host_mem_ps, &x);
                    account(dev, &x);
                    t += x.done_ps;
                }
                if (rng_hit(&dev->rng, f->dma_error_rate)) {
                    dev->st.dma_errors++;
                    p->early = NICDRV_ST_DMA_ERROR;
                } else if (!bytes_reserve(&p->payload, &p->payload_cap, d->in_len)) {
                    p->early = NICDRV_ST_MAP_ERROR;
                    p->early_detail = ENOMEM;
                } else {
                    memcpy(p->payload, host_ptr(dev, d->in_addr), d->in_len);
                }
            }
            p->tl.payload = t;
            t += p->early == NICDRV_ST_COUNT ? exec_cost_ps(dev, d)
                                             : cycles_ps(dev, dev->cfg.cmd_cycles);
        }
    }

    if (rng_hit(&dev->rng, f->reset_rate)) {
        /* The queue engine resets at a uniformly drawn instant between the
         * command's start and the end of its write-back.  A batch executes
         * its elements evenly over its execution time, so a reset during it
         * leaves the elements before that instant applied; a single command
         * takes effect at the end of its execution.  After the execution
         * the command is applied but its completion is lost. */
        struct pcie_xfer xo, xc;
        pcie_write(&dev->link, d->out_len, true, &xo);
        pcie_write(&dev->link, NICDRV_CQE_SIZE, true, &xc);
        uint64_t t_end = t + xo.ser_ps + xc.ser_ps;
        p->kind = PLAN_RESET;
        p->t_event = t0 + (uint64_t)((double)(t_end - t0) * rng_unit(&dev->rng));
        if (p->early == NICDRV_ST_COUNT && !p->replay && op_mutates(d->opcode)) {
            if (p->t_event >= t)
                p->reset_elems = UINT32_MAX;
            else if (op_is_batch_write(d->opcode) && p->t_event > p->tl.payload)
                p->reset_elems = (uint32_t)((double)d->count * (double)(p->t_event - p->tl.payload) /
                                            (double)(t - p->tl.payload));
        }
        return;
    }
    p->t_event = t;
    p->drop = rng_hit(&dev->rng, f->drop_completion_rate);
}

/* The command seq is settled (applied, rejected, or skipped by the host):
 * its result goes to the replay log and the next sequence number is due. */
static void log_result(nicdrv_dev *dev, uint32_t seq, const struct exec_result *r, uint64_t t,
                       bool executed)
{
    dev->st.commands += executed;
    struct log_entry *le = &dev->log[seq % dev->log_size];
    le->valid = true;
    le->seq = seq;
    le->status = r->status;
    le->detail = r->detail;
    le->count = r->count;
    le->aux = r->aux;
    le->apply_ps = t;
    le->out_len = 0;
    if (r->out_len) {
        if (!bytes_reserve(&le->out, &le->out_cap, r->out_len))
            return; /* a replay then returns the status without the bytes */
        memcpy(le->out, dev->out, r->out_len);
        le->out_len = r->out_len;
    }
    dev->expected_seq = seq + 1;
    dev->partial_valid = false;
}

/* Execute the planned command (first element from the partial progress
 * record if a reset interrupted it before). */
static void execute(nicdrv_dev *dev, uint32_t limit, struct exec_result *r)
{
    const struct dev_plan *p = &dev->plan;
    uint32_t first = dev->partial_valid && dev->partial_seq == p->d.seq ? dev->partial_done : 0;
    exec_run(dev, &p->d, p->payload, first, limit, r);
}

static void queue_reset(nicdrv_dev *dev)
{
    dev->up = false;
    dev->reset_gen++;
    dev->st.resets++;
    dev->sq_head = dev->sq_tail = 0;
    dev->cache_n = 0;
    dev->down_until = dev->now + ns_to_ps(dev->cfg.reset_recovery_ns);
    dev->free_at = dev->down_until;
    /* Completions still inside the device are lost. */
    while (dev->cqe_n && !dev->cqes[dev->cqe_head + dev->cqe_n - 1].written)
        dev->cqe_n--;
}

static void plan_reset(nicdrv_dev *dev)
{
    struct dev_plan *p = &dev->plan;
    if (p->reset_elems && p->d.seq == dev->expected_seq) {
        struct exec_result r;
        if (op_is_batch_write(p->d.opcode)) {
            uint32_t first = dev->partial_valid && dev->partial_seq == p->d.seq ? dev->partial_done : 0;
            execute(dev, p->reset_elems, &r);
            bool finished = r.status != NICDRV_ST_OK || r.count >= p->d.count;
            if (r.status == NICDRV_ST_OK && r.count > 0 && r.count < p->d.count)
                dev->st.resets_mid_batch++;
            if (finished) {
                log_result(dev, p->d.seq, &r, dev->now, true);
            } else {
                dev->partial_valid = true;
                dev->partial_seq = p->d.seq;
                dev->partial_done = r.count > first ? r.count : first;
            }
        } else {
            execute(dev, UINT32_MAX, &r);
            log_result(dev, p->d.seq, &r, dev->now, true);
        }
    }
    dev->st.busy_ps += dev->now - p->tl.start;
    p->active = false;
    queue_reset(dev);
}

static void push_cqe(nicdrv_dev *dev, const uint8_t *bytes, uint32_t cq_pos, uint64_t t_cq,
                     uint64_t t_note)
{
    struct pending_cqe *q = fifo_room(dev->cqes, sizeof(*q), &dev->cqe_head, dev->cqe_n, &dev->cqe_cap);
    if (!q) {
        dev->st.dropped++;
        return;
    }
    dev->cqes = q;
    struct pending_cqe *c = &dev->cqes[dev->cqe_head + dev->cqe_n++];
    c->t_cq = t_cq;
    c->t_note = t_note;
    c->cq_pos = cq_pos;
    c->written = false;
    memcpy(c->bytes, bytes, NICDRV_CQE_SIZE);
}

static void plan_finish(nicdrv_dev *dev)
{
    struct dev_plan *p = &dev->plan;
    struct exec_result r = {0};
    uint64_t apply = 0;
    const uint8_t *out = NULL; /* the replay log's copy, else dev->out (after execution) */
    /* A SKIP_SEQ that arrived while this command ran has settled its
     * sequence number: answer from the log instead of applying it. */
    if (p->have_desc && !p->replay && p->d.seq != dev->expected_seq &&
        (p->early == NICDRV_ST_COUNT || !transient(p->early))) {
        const struct log_entry *le = &dev->log[p->d.seq % dev->log_size];
        if (le->valid && le->seq == p->d.seq)
            p->replay = true;
    }
    if (!p->have_desc) {
        r.status = NICDRV_ST_DMA_ERROR;
    } else if (p->replay) {
        const struct log_entry *le = &dev->log[p->d.seq % dev->log_size];
        r.status = le->status;
        r.detail = le->detail;
        r.count = le->count;
        r.aux = le->aux;
        r.out_len = le->out_len <= p->d.out_len ? le->out_len : 0;
        out = le->out;
        apply = le->apply_ps;
        dev->st.replays++;
    } else if (p->early != NICDRV_ST_COUNT) {
        r.status = p->early;
        r.detail = p->early_detail;
        if (!transient(r.status) && p->d.seq == dev->expected_seq)
            log_result(dev, p->d.seq, &r, dev->now, true);
    } else {
        execute(dev, UINT32_MAX, &r);
        log_result(dev, p->d.seq, &r, dev->now, true);
        apply = dev->now;
    }
    if (!p->replay && r.status != NICDRV_ST_OK && r.status != NICDRV_ST_NOENT &&
        !transient(r.status))
        dev->st.rejected++;
    if (r.out_len)
        memcpy(dev->host_mem + (p->d.out_addr - HOST_BUS_BASE), out ? out : dev->out, r.out_len);

    struct pcie_xfer xo, xc;
    pcie_write(&dev->link, r.out_len, true, &xo);
    pcie_write(&dev->link, NICDRV_CQE_SIZE, true, &xc);
    account(dev, &xo);
    uint64_t posted = xo.ser_ps + xc.ser_ps;
    uint64_t t_cq = dev->now + posted + dev->link.latency_ps;
    uint64_t t_note;
    if (dev->cfg.notify == NICDRV_NOTIFY_IRQ) {
        struct pcie_xfer xm;
        pcie_write(&dev->link, 4, true, &xm); /* MSI-X message */
        account(dev, &xm);
        t_note = t_cq + xm.ser_ps + ns_to_ps(dev->cfg.irq_ns);
    } else {
        uint64_t poll = ns_to_ps(dev->cfg.poll_ns);
        t_note = (t_cq + poll - 1) / poll * poll;
    }
    dev->free_at = dev->now + posted;
    p->tl.apply = dev->now;
    p->tl.cq = t_cq;
    p->tl.note = t_note;
    if (p->drop) {
        dev->st.dropped++;
    } else {
        account(dev, &xc);
        uint32_t R = dev->ring_size;
        uint32_t cq_pos = dev->cq_tail++;
        uint8_t b[NICDRV_CQE_SIZE] = {0};
        put32(b + C_SEQ, p->have_desc ? p->d.seq : 0);
        put32(b + C_POS, p->pos);
        put16(b + C_STATUS, r.status);
        b[C_PHASE] = (cq_pos / R) % 2 ? 0 : 1;
        put32(b + C_COUNT, r.count);
        put32(b + C_DETAIL, r.detail);
        put32(b + C_OUT_LEN, r.out_len);
        put32(b + C_SQ_HEAD, dev->sq_head);
        put32(b + C_AUX, r.aux);
        dev->cq_timeline[cq_pos % R] = p->tl;
        dev->cq_apply[cq_pos % R] = apply;
        push_cqe(dev, b, cq_pos, t_cq, t_note);
    }
    dev->st.busy_ps += dev->free_at - p->tl.start;
    p->active = false;
}

static void mmio_arrive(nicdrv_dev *dev, const struct mmio_write *w)
{
    switch (w->reg) {
    case REG_SQ_TAIL:
        /* Doorbells written while the queue is down are lost; a tail more
         * than a ring ahead of the head is ignored. */
        if (dev->up && w->value - dev->sq_head <= dev->ring_size)
            dev->sq_tail = w->value;
        break;
    case REG_CQ_HEAD:
        if (dev->up && w->value - dev->cq_head_credit <= dev->ring_size)
            dev->cq_head_credit = w->value;
        break;
    case REG_QUEUE_INIT:
        dev->up = true;
        dev->sq_head = 0;
        dev->sq_tail = w->value <= dev->ring_size ? w->value : 0;
        dev->cq_tail = 0;
        dev->cq_head_credit = 0;
        dev->cache_n = 0;
        if (dev->free_at < dev->now)
            dev->free_at = dev->now;
        break;
    case REG_SKIP_SEQ:
        /* The host gave up on this command: it is never applied. */
        if (dev->expected_seq == w->value) {
            struct exec_result r = {.status = NICDRV_ST_DMA_ERROR};
            log_result(dev, w->value, &r, dev->now, false);
        }
        break;
    }
}

bool dev_step(nicdrv_dev *dev)
{
    bool any = false;
    for (;;) {
        if (mmio_time(dev) <= dev->now) {
            struct mmio_write w = dev->mmio[dev->mmio_head++];
            if (!--dev->mmio_n)
                dev->mmio_head = 0;
            mmio_arrive(dev, &w);
        } else {
            struct pending_cqe *c = (struct pending_cqe *)first_unwritten(dev);
            if (c && c->t_cq <= dev->now) {
                uint32_t R = dev->ring_size;
                memcpy(dev->host_mem + (dev->cq_addr - HOST_BUS_BASE) +
                           (size_t)(c->cq_pos % R) * NICDRV_CQE_SIZE,
                       c->bytes, NICDRV_CQE_SIZE);
                c->written = true;
            } else if (dev->plan.active && dev->plan.t_event <= dev->now) {
                if (dev->plan.kind == PLAN_RESET)
                    plan_reset(dev);
                else
                    plan_finish(dev);
            } else if (can_start(dev) && dev->free_at <= dev->now) {
                plan_start(dev);
            } else {
                return any;
            }
        }
        any = true;
    }
}
