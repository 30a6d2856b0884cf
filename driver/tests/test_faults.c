/* Injected faults at fixed rates over thousands of operations: DMA read
 * errors, dropped completions, queue resets in the middle of commands and
 * batches.  Every operation's result is checked against a plain C reference
 * map (so an update applied twice, e.g. a BPF_NOEXIST update that would
 * then fail, or one lost, shows at once), and so are the final contents of
 * the map and the device's count of elements written. */
#include "drvtest.h"

#define KEYS 60 /* below the hash map's 64 entries: never full */

struct ref {
    bool present[KEYS];
    uint64_t value[KEYS];
    uint64_t elems_written;
};

static int ref_update(struct ref *r, uint64_t k, uint64_t v, uint64_t flags)
{
    if (flags == BPF_NOEXIST && r->present[k])
        return -EEXIST;
    if (flags == BPF_EXIST && !r->present[k])
        return -ENOENT;
    r->present[k] = true;
    r->value[k] = v;
    r->elems_written++;
    return 0;
}

static int ref_delete(struct ref *r, uint64_t k)
{
    if (!r->present[k])
        return -ENOENT;
    r->present[k] = false;
    r->elems_written++;
    return 0;
}

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* One operation, built as a command (for the asynchronous mode) with its
 * expected result from the reference. */
struct op {
    struct nicdrv_cmd cmd;
    uint8_t in[64 * 16];
    uint64_t out[2];
    int want_rc;
    uint32_t want_count;
    bool check_value;
    uint64_t want_value;
};

static void make_op(struct op *o, struct ref *r, uint64_t *s)
{
    memset(o, 0, sizeof(*o));
    static const uint64_t flags[3] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST};
    unsigned kind = (unsigned)(rnd(s) % 10);
    uint64_t k = rnd(s) % KEYS, v = rnd(s);
    struct nicdrv_cmd *c = &o->cmd;
    c->target = M_HASH;
    c->key_size = 8;
    c->in = o->in;
    if (kind < 4) {
        uint64_t f = flags[rnd(s) % 3];
        memcpy(o->in, &k, 8);
        memcpy(o->in + 8, &v, 8);
        *c = (struct nicdrv_cmd){.op = NICDRV_OP_MAP_UPDATE, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .flags = f, .in = o->in, .in_len = 16};
        o->want_rc = ref_update(r, k, v, f);
    } else if (kind < 6) {
        memcpy(o->in, &k, 8);
        c->op = NICDRV_OP_MAP_DELETE;
        c->in_len = 8;
        o->want_rc = ref_delete(r, k);
    } else if (kind < 7) {
        /* a batch update stops at its first failing element */
        uint32_t n = 1 + (uint32_t)(rnd(s) % 40);
        uint64_t f = flags[rnd(s) % 3];
        *c = (struct nicdrv_cmd){.op = NICDRV_OP_MAP_UPDATE_BATCH, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .flags = f, .count = n, .in = o->in,
                                 .in_len = n * 16};
        for (uint32_t i = 0; i < n; i++) {
            uint64_t bk = rnd(s) % KEYS, bv = rnd(s);
            memcpy(o->in + 16 * i, &bk, 8);
            memcpy(o->in + 16 * i + 8, &bv, 8);
            if (o->want_rc == 0 && (o->want_rc = ref_update(r, bk, bv, f)) == 0)
                o->want_count++;
        }
    } else if (kind < 8) {
        uint32_t n = 1 + (uint32_t)(rnd(s) % 8);
        *c = (struct nicdrv_cmd){.op = NICDRV_OP_MAP_DELETE_BATCH, .target = M_HASH, .key_size = 8,
                                 .count = n, .in = o->in, .in_len = n * 8};
        for (uint32_t i = 0; i < n; i++) {
            uint64_t bk = rnd(s) % KEYS;
            memcpy(o->in + 8 * i, &bk, 8);
            if (o->want_rc == 0 && (o->want_rc = ref_delete(r, bk)) == 0)
                o->want_count++;
        }
    } else {
        memcpy(o->in, &k, 8);
        *c = (struct nicdrv_cmd){.op = NICDRV_OP_MAP_LOOKUP, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .in = o->in, .in_len = 8, .out = o->out,
                                 .out_len = 8};
        o->want_rc = r->present[k] ? 0 : -ENOENT;
        o->check_value = r->present[k];
        o->want_value = r->value[k];
    }
}

static void check_completion(const struct op *o, const struct nicdrv_completion *c, unsigned i)
{
    if (c->rc != o->want_rc)
        fail_msg("operation %u (%s, seq %u): rc %d, the reference says %d", i,
                 nicdrv_op_name(o->cmd.op), c->seq, c->rc, o->want_rc);
    if ((o->cmd.op == NICDRV_OP_MAP_UPDATE_BATCH || o->cmd.op == NICDRV_OP_MAP_DELETE_BATCH) &&
        c->count != o->want_count)
        fail_msg("operation %u (%s, seq %u): %u elements applied, the reference says %u", i,
                 nicdrv_op_name(o->cmd.op), c->seq, c->count, o->want_count);
    if (o->check_value && o->out[0] != o->want_value)
        fail_msg("operation %u (lookup, seq %u): value differs from the reference", i, c->seq);
}

/* The map as the model holds it and as the driver reads it back equal the
 * reference exactly. */
static unsigned check_final(nicdrv *nic, ebpf_object *obj, const struct ref *r)
{
    ebpf_map *m = ebpf_object_map(obj, M_HASH);
    unsigned n = 0;
    for (uint64_t k = 0; k < KEYS; k++) {
        uint64_t v;
        int rc = ebpf_map_sys_lookup(m, &k, &v);
        if (r->present[k]) {
            assert_int_equal(rc, 0);
            assert_true(v == r->value[k]);
            n++;
        } else {
            assert_int_equal(rc, -ENOENT);
        }
    }
    assert_int_equal(ebpf_map_count(m), n);
    uint64_t keys[KEYS + 4], vals[KEYS + 4];
    uint32_t count = KEYS + 4;
    int rc = nicdrv_map_lookup_batch(nic, M_HASH, NULL, NULL, keys, vals, &count, 8, 8);
    assert_true(rc == -ENOENT || (rc == 0 && n == KEYS + 4));
    assert_int_equal(count, n);
    for (uint32_t i = 0; i < count; i++)
        assert_true(keys[i] < KEYS && r->present[keys[i]] && vals[i] == r->value[keys[i]]);
    return n;
}

struct run_result {
    struct nicdrv_stats host;
    struct nicdrv_dev_stats dev;
    unsigned entries;
};

/* ops operations with the given faults; depth 1: synchronous, else that
 * many commands in flight. */
static struct run_result run(const char *faults, unsigned ops, unsigned depth, unsigned ring,
                             uint64_t seed)
{
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    char err[256];
    if (ring)
        cfg.ring_size = ring;
    /* open without faults, then turn them on: the counts below are the run's */
    nicdrv *nic = drvtest_open(obj, &cfg);
    if (nicdrv_config_set_faults(&nic->dev->cfg, faults, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    nic->dev->rng = nic->dev->cfg.faults.seed;
    struct nicdrv_dev_stats before;
    nicdrv_dev_get_stats(nic->dev, &before);
    struct ref ref = {0};
    uint64_t s = seed;
    struct op *o = calloc(ops, sizeof(*o));
    unsigned next = 0, done = 0;
    while (done < ops) {
        while (next < ops && next - done < depth) {
            make_op(&o[next], &ref, &s);
            o[next].cmd.user = next;
            uint32_t seq;
            if (nicdrv_submit(nic, &o[next].cmd, &seq) < 0)
                fail_msg("submit %u: %s", next, nicdrv_errmsg(nic));
            next++;
        }
        struct nicdrv_completion c[64];
        int n = nicdrv_poll(nic, c, 64);
        if (n == 0) {
            uint64_t t = nicdrv_next_event_ps(nic);
            assert_true(t != UINT64_MAX);
            nicdrv_advance_ps(nic, t);
        }
        for (int i = 0; i < n; i++) {
            check_completion(&o[c[i].user], &c[i], (unsigned)c[i].user);
            done++;
        }
    }
    struct run_result res;
    res.entries = check_final(nic, obj, &ref);
    nicdrv_host_stats(nic, &res.host);
    nicdrv_dev_get_stats(nic->dev, &res.dev);
    /* every command was applied exactly once, element by element */
    assert_int_equal(res.dev.elems_written - before.elems_written, ref.elems_written);
    assert_int_equal(res.dev.commands - before.commands, ops + 1); /* + the final lookup batch */
    printf("  faults %-28s %5u ops, depth %3u: injected dma %" PRIu64 ", dropped %" PRIu64
           ", resets %" PRIu64 " (%" PRIu64 " mid-batch); host: resends %" PRIu64
           ", timeouts %" PRIu64 ", lost completions %" PRIu64 ", reinits %" PRIu64
           "; final map %u entries = reference\n",
           faults, ops, depth, res.dev.dma_errors - before.dma_errors,
           res.dev.dropped - before.dropped, res.dev.resets - before.resets,
           res.dev.resets_mid_batch - before.resets_mid_batch, res.host.resends, res.host.timeouts,
           res.host.lost_completions, res.host.reinits, res.entries);
    free(o);
    nicdrv_close(nic);
    ebpf_object_close(obj);
    return res;
}

static void test_no_faults(void **state)
{
    (void)state;
    struct run_result r = run("dma=0,drop=0,reset=0", 3000, 1, 0, 1);
    assert_int_equal(r.host.resends, 0);
    assert_int_equal(r.dev.dma_errors + r.dev.dropped + r.dev.resets, 0);
}

static void test_dma_errors(void **state)
{
    (void)state;
    for (unsigned depth = 1; depth <= 32; depth += 31) {
        struct run_result r = run("dma=0.05,seed=11", 5000, depth, 0, 2);
        /* no completion is dropped here: the host saw every DMA error */
        assert_true(r.dev.dma_errors > 200);
        assert_int_equal(r.host.dma_errors, r.dev.dma_errors);
        assert_int_equal(r.host.timeouts, 0);
        assert_true(r.host.resends >= r.dev.dma_errors);
    }
}

static void test_dropped_completions(void **state)
{
    (void)state;
    for (unsigned depth = 1; depth <= 32; depth += 31) {
        struct run_result r = run("drop=0.05,seed=12", 5000, depth, 0, 3);
        assert_true(r.dev.dropped > 200);
        /* each lost completion was noticed (by a later completion or a
         * timeout) and answered again from the replay log */
        assert_int_equal(r.host.lost_completions, r.dev.dropped);
        assert_true(r.dev.replays >= r.dev.dropped);
        if (depth == 1)
            assert_int_equal(r.host.timeouts, r.dev.dropped);
    }
}

static void test_resets(void **state)
{
    (void)state;
    for (unsigned depth = 1; depth <= 32; depth += 31) {
        struct run_result r = run("reset=0.01,seed=13", 5000, depth, 0, 4);
        assert_true(r.dev.resets > 20);
        assert_int_equal(r.host.reinits, r.dev.resets);
    }
}

/* (Resets rarely hit a batch's execution in the mix above; here they do.)
 * Resets while batches of 40 run: many stop part way, and the rest of the
 * batch is applied after the queue comes back, never its first part again. */
static void test_reset_mid_batch(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    nicdrv *nic = drvtest_open(obj, NULL);
    char err[256];
    assert_int_equal(nicdrv_config_set_faults(&nic->dev->cfg, "reset=0.3,seed=5", err, sizeof(err)), 0);
    nic->dev->rng = 5;
    struct ref ref = {0};
    uint64_t s = 9;
    for (int b = 0; b < 300; b++) {
        uint64_t keys[40], vals[40];
        uint32_t want = 0;
        int want_rc = 0;
        uint64_t flags = b % 3 == 2 ? BPF_NOEXIST : BPF_ANY;
        for (int i = 0; i < 40; i++) {
            keys[i] = rnd(&s) % KEYS;
            vals[i] = rnd(&s);
            if (want_rc == 0 && (want_rc = ref_update(&ref, keys[i], vals[i], flags)) == 0)
                want++;
        }
        uint32_t count = 40;
        int rc = nicdrv_map_update_batch(nic, M_HASH, keys, vals, &count, 8, 8, flags);
        assert_int_equal(rc, want_rc);
        assert_int_equal(count, want);
        if (b % 5 == 4) {
            uint64_t del[10];
            for (int i = 0; i < 10; i++)
                del[i] = rnd(&s) % KEYS;
            uint32_t dwant = 0;
            int drc = 0;
            for (int i = 0; i < 10 && drc == 0; i++)
                if ((drc = ref_delete(&ref, del[i])) == 0)
                    dwant++;
            count = 10;
            assert_int_equal(nicdrv_map_delete_batch(nic, M_HASH, del, &count, 8), drc);
            assert_int_equal(count, dwant);
        }
    }
    struct nicdrv_dev_stats ds;
    nicdrv_dev_get_stats(nic->dev, &ds);
    printf("  reset=0.3 over batches of 40: %" PRIu64 " resets, %" PRIu64
           " in the middle of a batch; %" PRIu64 " elements written = reference %" PRIu64 "\n",
           ds.resets, ds.resets_mid_batch, ds.elems_written, ref.elems_written);
    assert_true(ds.resets_mid_batch > 20);
    assert_int_equal(ds.elems_written, ref.elems_written);
    check_final(nic, obj, &ref);
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

static void test_all_faults(void **state)
{
    (void)state;
    struct run_result r = run("dma=0.03,drop=0.03,reset=0.005,seed=21", 6000, 1, 0, 5);
    assert_true(r.dev.dma_errors > 0 && r.dev.dropped > 0 && r.dev.resets > 0);
    r = run("dma=0.03,drop=0.03,reset=0.005,seed=22", 6000, 48, 0, 6);
    assert_true(r.dev.dma_errors > 0 && r.dev.dropped > 0 && r.dev.resets > 0);
    /* a ring of 8 slots with 8 commands in flight */
    r = run("dma=0.03,drop=0.03,reset=0.005,seed=23", 4000, 8, 8, 7);
    assert_true(r.dev.dma_errors > 0 && r.dev.dropped > 0 && r.dev.resets > 0);
}

/* After max_retries failed attempts of the oldest command the host gives
 * up, reports -EIO and tells the device to skip it: it is never applied,
 * and later commands are. */
static void test_give_up(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    cfg.max_retries = 2;
    nicdrv *nic = drvtest_open(obj, &cfg);
    nic->dev->cfg.faults.dma_error_rate = 0.6;
    struct ref ref = {0};
    unsigned gave_up = 0;
    for (uint64_t k = 0; k < 200; k++) {
        uint64_t key = k % KEYS, v = k;
        int rc = nicdrv_map_update_elem(nic, M_HASH, &key, 8, &v, 8, BPF_ANY);
        if (rc == -EIO) {
            gave_up++;
            assert_int_equal(nicdrv_last(nic)->attempts, 3);
            const char *m = strstr(nicdrv_errmsg(nic), "DMA_ERROR");
            assert_non_null(m);
            assert_string_equal(m, "DMA_ERROR: DMA read failed; gave up after 3 attempts");
        } else {
            assert_int_equal(rc, 0);
            ref_update(&ref, key, v, BPF_ANY);
        }
    }
    assert_true(gave_up > 10);
    nic->dev->cfg.faults.dma_error_rate = 0;
    check_final(nic, obj, &ref);
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

/* A full ring: -EAGAIN without blocking; with blocking, the caller waits. */
static void test_back_pressure(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    cfg.ring_size = 16;
    nicdrv *nic = drvtest_open(obj, &cfg);
    nicdrv_set_nonblocking(nic, true);
    struct nicdrv_cmd nop = {.op = NICDRV_OP_NOP};
    uint32_t seq;
    for (int i = 0; i < 16; i++)
        assert_int_equal(nicdrv_submit(nic, &nop, &seq), 0);
    assert_int_equal(nicdrv_submit(nic, &nop, &seq), -EAGAIN);
    assert_string_equal(nicdrv_errmsg(nic), "nop: 16 commands in flight fill the ring");
    struct nicdrv_stats hs;
    nicdrv_host_stats(nic, &hs);
    assert_int_equal(hs.eagain, 1);
    struct nicdrv_completion c[32];
    assert_int_equal(nicdrv_wait(nic, seq, &c[0]), 0);
    assert_int_equal(nicdrv_poll(nic, c, 32), 15);
    assert_int_equal(nicdrv_submit(nic, &nop, &seq), 0);
    assert_int_equal(nicdrv_wait(nic, seq, &c[0]), 0);
    /* blocking: 100 updates submitted back to back all complete */
    nicdrv_set_nonblocking(nic, false);
    uint8_t kv[100][16];
    for (int i = 0; i < 100; i++) {
        uint64_t k = (uint64_t)i % KEYS, v = (uint64_t)i;
        memcpy(kv[i], &k, 8);
        memcpy(kv[i] + 8, &v, 8);
        struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_UPDATE, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .in = kv[i], .in_len = 16};
        assert_int_equal(nicdrv_submit(nic, &cmd, &seq), 0);
    }
    nicdrv_host_stats(nic, &hs);
    assert_true(hs.ring_full_waits > 0);
    assert_true(nicdrv_outstanding(nic) <= 16);
    assert_int_equal(nicdrv_wait(nic, seq, &c[0]), 0);
    int got = 0, n;
    while ((n = nicdrv_poll(nic, c, 32)) > 0)
        for (int i = 0; i < n; i++, got++)
            assert_int_equal(c[i].rc, 0);
    assert_int_equal(got, 99);
    for (uint64_t k = 0; k < KEYS; k++) {
        uint64_t v;
        assert_int_equal(ebpf_map_sys_lookup(ebpf_object_map(obj, M_HASH), &k, &v), 0);
        assert_true(v == (k < 40 ? k + 60 : k));
    }
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_faults),
        cmocka_unit_test(test_dma_errors),
        cmocka_unit_test(test_dropped_completions),
        cmocka_unit_test(test_resets),
        cmocka_unit_test(test_reset_mid_batch),
        cmocka_unit_test(test_all_faults),
        cmocka_unit_test(test_give_up),
        cmocka_unit_test(test_back_pressure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
