/* The modelled costs, worked out by hand from docs/driver.md (PCIe rates,
 * TLP splitting, map placement latencies, firmware cycles, interrupt or
 * polling), program replacement at a packet boundary, and the
 * configuration's checks. */
#include "drvtest.h"

/* Serialisation of wire bytes at the link's usable rate, rounded to ps. */
static uint64_t ser(double gts, unsigned lanes, uint64_t wire)
{
    double enc = gts < 8 ? 8.0 / 10.0 : 128.0 / 130.0;
    double bytes_per_ps = gts * lanes * enc / 8.0 / 1000.0;
    return (uint64_t)((double)wire / bytes_per_ps + 0.5);
}

#define LAT 500000u  /* [pcie] latency_ns = 500, one way */
#define HM 100000u   /* host memory 100 ns */
#define CYC 4000u    /* 250 MHz */
#define TLP 24u

static void assert_ns(double got, uint64_t want_ps)
{
    if (got < want_ps / 1000.0 - 0.0015 || got > want_ps / 1000.0 + 0.0015)
        fail_msg("%.4f ns, worked out %.4f ns", got, want_ps / 1000.0);
}

/* A single hash lookup on an idle Gen3 x8 link, maps in SRAM. */
static void test_single_lookup_breakdown(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    nicdrv *nic = drvtest_open(obj, NULL);
    uint64_t k = 1, v = 2;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    uint64_t t0 = nicdrv_now_ps(nic);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &v, 8), 0);
    const struct nicdrv_completion *c = nicdrv_last(nic);
    /* doorbell: a 4-byte posted write */
    uint64_t doorbell = ser(8, 8, 4 + TLP) + LAT;
    /* one 64-byte descriptor: a read request up, the host memory, the
     * completion with the data down */
    uint64_t desc = ser(8, 8, TLP) + LAT + HM + ser(8, 8, 64 + TLP) + LAT;
    uint64_t payload = ser(8, 8, TLP) + LAT + HM + ser(8, 8, 8 + TLP) + LAT;
    /* 32 firmware cycles + hash probe (2 + 1 access x 2) + value read (2)
     * + 1 cycle per 8 value bytes */
    uint64_t exec = (32 + 2 + 2 + 2 + 1) * CYC;
    /* the 8-byte result and the 32-byte completion, posted back to back */
    uint64_t writeback = ser(8, 8, 8 + TLP) + ser(8, 8, 32 + TLP) + LAT;
    /* MSI-X write, then 1.5 us to the handler */
    uint64_t notify = ser(8, 8, 4 + TLP) + 1500000;
    assert_ns(c->t.queue_ns, 0);
    assert_ns(c->t.doorbell_ns, doorbell);
    assert_ns(c->t.wait_ns, 0);
    assert_ns(c->t.desc_fetch_ns, desc);
    assert_ns(c->t.payload_fetch_ns, payload);
    assert_ns(c->t.exec_ns, exec);
    assert_ns(c->t.writeback_ns, writeback);
    assert_ns(c->t.notify_ns, notify);
    uint64_t total = doorbell + desc + payload + exec + writeback + notify;
    assert_ns(c->t.total_ns, total);
    assert_int_equal(c->submit_ps, t0);
    assert_int_equal(c->done_ps, t0 + total);
    /* the device applied it when its execution ended */
    assert_int_equal(c->apply_ps, t0 + doorbell + desc + payload + exec);
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

static double exec_ns_with(const char *set)
{
    ebpf_object *obj = drvtest_object(2);
    struct ebpf_hwconfig hw;
    ebpf_hwconfig_default(&hw);
    char err[256];
    if (set && ebpf_hwconfig_set(&hw, set, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    assert_int_equal(nicdrv_config_from_hw(&cfg, &hw, err, sizeof(err)), 0);
    nicdrv *nic = drvtest_open(obj, &cfg);
    uint64_t k = 1, v = 2;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &v, 8), 0);
    double e = nicdrv_last(nic)->t.exec_ns;
    struct nicdrv_map_info mi;
    nicdrv_map_info(nic, M_HASH, &mi);
    if (set && strstr(set, "=host"))
        assert_int_equal(mi.placement, EBPF_PLACE_HOST);
    nicdrv_close(nic);
    ebpf_object_close(obj);
    return e;
}

/* The placement's latency (the [memory] keys the cores use too). */
static void test_placement_cost(void **state)
{
    (void)state;
    assert_ns(exec_ns_with(NULL), (32 + 2 + 2 + 2 + 1) * CYC);
    assert_ns(exec_ns_with("memory.placement=dram"), (32 + 2 + 25 + 25 + 1) * CYC);
    /* host memory: 250-cycle accesses and the value's bytes over the link */
    assert_ns(exec_ns_with("memory.map.hash=host"), (32 + 2 + 250 + 250 + 1) * CYC + ser(8, 8, 8 + TLP));
    assert_ns(exec_ns_with("memory.dram_latency=40"), (32 + 2 + 2 + 2 + 1) * CYC);
    assert_ns(exec_ns_with("memory.map.hash=dram"), (32 + 2 + 25 + 25 + 1) * CYC);
    assert_ns(exec_ns_with("core.clock_mhz=500"), (32 + 2 + 2 + 2 + 1) * CYC / 2);
}

/* A batch of 1000 updates: its payload is split into read requests of 512
 * bytes whose completions carry 256 bytes each. */
static void test_link_bandwidth(void **state)
{
    (void)state;
    static const struct { const char *link; double gts; unsigned lanes; } links[] = {
        {"gen3x8", 8, 8}, {"gen4x16", 16, 16}, {"gen5x4", 32, 4}, {"gen1x1", 2.5, 1}};
    for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
        ebpf_object *obj = drvtest_object(2);
        struct nicdrv_config cfg;
        nicdrv_config_default(&cfg);
        char err[256];
        assert_int_equal(nicdrv_config_set_link(&cfg, links[l].link, err, sizeof(err)), 0);
        nicdrv *nic = drvtest_open(obj, &cfg);
        uint64_t keys[1000], vals[1000];
        for (int i = 0; i < 1000; i++)
            keys[i] = (uint64_t)i % 60, vals[i] = (uint64_t)i;
        uint32_t count = 1000;
        assert_int_equal(nicdrv_map_update_batch(nic, M_HASH, keys, vals, &count, 8, 8, BPF_ANY), 0);
        const struct nicdrv_completion *c = nicdrv_last(nic);
        double g = links[l].gts;
        unsigned n = links[l].lanes;
        assert_ns(c->t.doorbell_ns, ser(g, n, 4 + TLP) + LAT);
        /* 16000 bytes: 31 requests of 512 (2 completions of 256 each) and one of 128 */
        assert_ns(c->t.payload_fetch_ns, ser(g, n, TLP) + LAT + HM + ser(g, n, 16000 + 63 * TLP) + LAT);
        /* 32 + 1000 x (probe 4 + value 2 + 1 per 8 bytes + 4 per batch element) */
        assert_ns(c->t.exec_ns, (32 + 1000 * (2 + 2 + 2 + 1 + 4)) * CYC);
        assert_int_equal(c->count, 1000);
        nicdrv_close(nic);
        ebpf_object_close(obj);
    }
}

/* Polling: the host sees a completion at the next multiple of poll_ns. */
static void test_polling(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    cfg.notify = NICDRV_NOTIFY_POLL;
    cfg.poll_ns = 250;
    nicdrv *nic = drvtest_open(obj, &cfg);
    for (uint64_t k = 0; k < 20; k++) {
        assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &k, 8, BPF_ANY), 0);
        const struct nicdrv_completion *c = nicdrv_last(nic);
        assert_int_equal(c->done_ps % 250000, 0);
        assert_true(c->t.notify_ns >= 0 && c->t.notify_ns < 250);
    }
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

/* Eight descriptors posted together are fetched by one read (MRRS 512 holds
 * eight), so the later ones cost no descriptor fetch and wait for the
 * engine instead. */
static void test_descriptor_prefetch(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    nicdrv *nic = drvtest_open(obj, NULL);
    uint64_t keys[8];
    uint64_t vals[8];
    uint32_t seqs[8];
    for (int i = 0; i < 8; i++) {
        keys[i] = (uint64_t)i;
        struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_LOOKUP, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .in = &keys[i], .in_len = 8, .out = &vals[i],
                                 .out_len = 8};
        assert_int_equal(nicdrv_submit(nic, &cmd, &seqs[i]), 0);
    }
    struct nicdrv_completion c[8];
    for (int i = 0; i < 8; i++) {
        assert_int_equal(nicdrv_wait(nic, seqs[i], &c[i]), -ENOENT);
        if (i == 0)
            assert_ns(c[i].t.desc_fetch_ns, ser(8, 8, TLP) + LAT + HM + ser(8, 8, 512 + 2 * TLP) + LAT);
        else {
            assert_ns(c[i].t.desc_fetch_ns, 0);
            assert_true(c[i].t.wait_ns > c[i - 1].t.wait_ns);
            assert_true(c[i].apply_ps > c[i - 1].apply_ps);
        }
    }
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

/* A replacement takes effect between two packets: every packet before the
 * device applied PROG_ATTACH runs the old program, every packet at or after
 * it the new one, and none is lost. */
static void test_prog_replace_at_packet_boundary(void **state)
{
    (void)state;
    ebpf_object *a = drvtest_object(EBPF_XDP_PASS), *b = drvtest_object(EBPF_XDP_DROP);
    nicdrv *nic = drvtest_open(a, NULL);
    uint32_t id_a, id_b;
    assert_int_equal(nicdrv_prog_load(nic, a, 0, &id_a), 0);
    assert_int_equal(nicdrv_prog_attach(nic, id_a, 0, NICDRV_F_REPLACE), 0);
    assert_int_equal(nicdrv_prog_load(nic, b, 0, &id_b), 0);
    struct ebpf_xdp_frame frame;
    assert_int_equal(ebpf_xdp_frame_init(&frame, 0), 0);
    uint8_t pkt[64] = {0};
    uint64_t t0 = nicdrv_now_ps(nic);
    struct nicdrv_cmd attach = {.op = NICDRV_OP_PROG_ATTACH, .target = id_b, .aux = id_a,
                                .flags = NICDRV_F_REPLACE};
    uint32_t seq;
    assert_int_equal(nicdrv_submit(nic, &attach, &seq), 0);
    enum { N = 400 };
    uint32_t ran[N];
    uint32_t action[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(nicdrv_advance_ps(nic, t0 + (uint64_t)i * 37000), 0);
        assert_int_equal(ebpf_xdp_frame_load(&frame, pkt, sizeof(pkt)), 0);
        struct ebpf_xdp_result res;
        assert_int_equal(nicdrv_run_xdp(nic, 0, &frame, &ran[i], &res), 0);
        action[i] = res.action;
    }
    struct nicdrv_completion c;
    assert_int_equal(nicdrv_wait(nic, seq, &c), 0);
    assert_int_equal(c.aux, id_a);
    int before = 0, after = 0;
    for (int i = 0; i < N; i++) {
        uint64_t t = t0 + (uint64_t)i * 37000;
        if (t < c.apply_ps) {
            assert_true(ran[i] == id_a && action[i] == EBPF_XDP_PASS);
            before++;
        } else {
            assert_true(ran[i] == id_b && action[i] == EBPF_XDP_DROP);
            after++;
        }
    }
    assert_true(before > 40 && after > 300); /* applied 1.75 us after submission */
    struct nicdrv_prog_info pa, pb;
    assert_int_equal(nicdrv_prog_info(nic, id_a, &pa), 0);
    assert_int_equal(nicdrv_prog_info(nic, id_b, &pb), 0);
    assert_int_equal(pa.packets, before);
    assert_int_equal(pb.packets, after);
    assert_int_equal(pb.attached, 1);
    struct nicdrv_dev_stats ds;
    assert_int_equal(nicdrv_stats(nic, &ds, NULL), 0);
    assert_int_equal(ds.packets, N);
    assert_int_equal(ds.verdicts[EBPF_XDP_PASS], before);
    assert_int_equal(ds.verdicts[EBPF_XDP_DROP], after);
    assert_int_equal(ds.prog_swaps, 2);
    ebpf_xdp_frame_free(&frame);
    nicdrv_close(nic);
    ebpf_object_close(a);
    ebpf_object_close(b);
}

static void expect_config_error(int rc, const char *err, const char *want)
{
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, want);
}

static void test_config_checks(void **state)
{
    (void)state;
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    char err[256];
    expect_config_error(nicdrv_config_set_link(&cfg, "pcie4", err, sizeof(err)), err,
                        "link 'pcie4': expected genGxL, e.g. gen3x8 or gen4x16");
    expect_config_error(nicdrv_config_set_link(&cfg, "gen6x8", err, sizeof(err)), err,
                        "config: pcie gen 6 is not 1..5");
    expect_config_error(nicdrv_config_set_link(&cfg, "gen4x3", err, sizeof(err)), err,
                        "config: pcie lanes 3 is not 1, 2, 4, 8 or 16");
    assert_int_equal(cfg.pcie.gen, 3);
    assert_int_equal(nicdrv_config_set_link(&cfg, "gen5x4", err, sizeof(err)), 0);
    assert_true(cfg.pcie.gen == 5 && cfg.pcie.lanes == 4);
    assert_true(nicdrv_pcie_bytes_per_ns(&cfg.pcie) > 15.75 && nicdrv_pcie_bytes_per_ns(&cfg.pcie) < 15.76);
    expect_config_error(nicdrv_config_set_faults(&cfg, "dma=2", err, sizeof(err)), err,
                        "faults 'dma=2': dma=2 is not a rate in [0, 1]");
    expect_config_error(nicdrv_config_set_faults(&cfg, "lose=0.1", err, sizeof(err)), err,
                        "faults 'lose=0.1': unknown key 'lose' (dma, drop, reset, seed)");
    expect_config_error(nicdrv_config_set_faults(&cfg, "dma", err, sizeof(err)), err,
                        "faults 'dma': 'dma' is not key=value");
    expect_config_error(nicdrv_config_set_faults(&cfg, "drop=x", err, sizeof(err)), err,
                        "faults 'drop=x': drop=x is not a number");
    assert_int_equal(nicdrv_config_set_faults(&cfg, "dma=0.1,drop=0.2,reset=0.01,seed=9", err, sizeof(err)), 0);
    assert_true(cfg.faults.dma_error_rate == 0.1 && cfg.faults.drop_completion_rate == 0.2 &&
                cfg.faults.reset_rate == 0.01 && cfg.faults.seed == 9);
    struct ebpf_hwconfig hw;
    ebpf_hwconfig_default(&hw);
    hw.cmd_ring = 8192;
    expect_config_error(nicdrv_config_from_hw(&cfg, &hw, err, sizeof(err)), err,
                        "rings.cmd_ring = 8192: the driver's rings hold 2..4096 descriptors");
    ebpf_hwconfig_default(&hw);
    assert_int_equal(ebpf_hwconfig_set(&hw, "pcie.generation=4", err, sizeof(err)), 0);
    assert_int_equal(ebpf_hwconfig_set(&hw, "rings.cmd_ring=64", err, sizeof(err)), 0);
    assert_int_equal(ebpf_hwconfig_set(&hw, "memory.map.flows=dram", err, sizeof(err)), 0);
    assert_int_equal(nicdrv_config_from_hw(&cfg, &hw, err, sizeof(err)), 0);
    assert_true(cfg.pcie.gen == 4 && cfg.ring_size == 64 && cfg.n_map_placements == 1);
    assert_string_equal(cfg.map_placement[0].map, "flows");
    assert_int_equal(nicdrv_placement_parse("host"), EBPF_PLACE_HOST);
    assert_int_equal(nicdrv_placement_parse("flash"), -EINVAL);
    cfg.ring_size = 3;
    expect_config_error(nicdrv_config_check(&cfg, err, sizeof(err)), err,
                        "config: ring size 3 is not a power of 2 in 2..4096");
    nicdrv_dev *dev;
    ebpf_object *obj = drvtest_object(2);
    assert_int_equal(nicdrv_dev_create(obj, &cfg, &dev, err, sizeof(err)), -EINVAL);
    ebpf_object_close(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_lookup_breakdown),
        cmocka_unit_test(test_placement_cost),
        cmocka_unit_test(test_link_bandwidth),
        cmocka_unit_test(test_polling),
        cmocka_unit_test(test_descriptor_prefetch),
        cmocka_unit_test(test_prog_replace_at_packet_boundary),
        cmocka_unit_test(test_config_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
