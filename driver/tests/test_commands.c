/* Every command of the driver and every status the device answers with,
 * each checked for its errno, its status and (for the synchronous calls)
 * the exact message. */
#include "drvtest.h"

struct fixture {
    ebpf_object *obj;
    nicdrv *nic;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->obj = drvtest_object(2);
    f->nic = drvtest_open(f->obj, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nicdrv_close(f->nic);
    ebpf_object_close(f->obj);
    free(f);
    return 0;
}

/* Opening reads DEV_INFO (seq 1) and one MAP_INFO per map (seq 2..5): the
 * first command of a test is seq 6 in ring position 5. */
static void test_dev_and_map_info(void **state)
{
    struct fixture *f = *state;
    struct nicdrv_dev_info di;
    assert_int_equal(nicdrv_dev_info(f->nic, &di), 0);
    assert_int_equal(nicdrv_last(f->nic)->seq, 6);
    assert_int_equal(di.n_maps, M_COUNT);
    assert_int_equal(di.n_progs, 0);
    assert_int_equal(di.attached_prog, 0);
    assert_int_equal(di.ring_size, 256);
    assert_int_equal(di.seq_window, 1024);
    assert_int_equal(di.n_cpus, 1);
    assert_int_equal(di.resets, 0);
    assert_int_equal(nicdrv_map_count(f->nic), M_COUNT);
    struct nicdrv_map_info mi;
    assert_int_equal(nicdrv_map_info(f->nic, M_PERCPU, &mi), 0);
    assert_string_equal(mi.name, "percpu");
    assert_int_equal(mi.id, M_PERCPU);
    assert_int_equal(mi.type, BPF_MAP_TYPE_PERCPU_HASH);
    assert_int_equal(mi.key_size, 4);
    assert_int_equal(mi.value_size, 16); /* 2 CPUs x 4 bytes rounded up to 8 */
    assert_int_equal(mi.n_cpus, 2);
    assert_int_equal(mi.max_entries, 16);
    assert_int_equal(mi.placement, EBPF_PLACE_SRAM);
    assert_int_equal(nicdrv_map_info(f->nic, M_LPM, &mi), 0);
    assert_int_equal(mi.map_flags, BPF_F_NO_PREALLOC);
    assert_int_equal(nicdrv_map_by_name(f->nic, "array"), M_ARRAY);
    assert_int_equal(nicdrv_map_by_name(f->nic, "nosuch"), -ENOENT);
    assert_string_equal(nicdrv_errmsg(f->nic), "no map named 'nosuch' on the device");
    assert_int_equal(nicdrv_map_info(f->nic, 9, &mi), -EBADF);
}

static void test_update_lookup_delete_flags(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint64_t k = 7, v = 0x1122334455667788, out = 0;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_NOEXIST), 0);
    assert_int_equal(nicdrv_last(nic)->seq, 6);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &out, 8), 0);
    assert_true(out == v);
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_NOEXIST), -EEXIST);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_elem: map 0 'hash': seq 8, descriptor 7: "
                                            "EXIST: the element exists (BPF_NOEXIST)");
    v = 5;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_EXIST), 0);
    uint64_t k2 = 8;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k2, 8, &v, 8, BPF_EXIST), -ENOENT);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_elem: map 0 'hash': seq 10, descriptor 9: "
                                            "NOENT: no such element");
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &out, 8), 0);
    assert_true(out == 5);
    assert_int_equal(nicdrv_map_delete_elem(nic, M_HASH, &k, 8), 0);
    assert_int_equal(nicdrv_map_delete_elem(nic, M_HASH, &k, 8), -ENOENT);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &out, 8), -ENOENT);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_NOENT);
    /* the model map agrees: the driver reached the object's own map */
    assert_int_equal(ebpf_map_sys_lookup(ebpf_object_map(f->obj, M_HASH), &k, &out), -ENOENT);
    /* per-CPU values are n_cpus copies of 8 bytes */
    uint32_t pk = 3;
    uint8_t pv[16] = {1, 0, 0, 0, 0, 0, 0, 0, 2}, po[16];
    assert_int_equal(nicdrv_map_update_elem(nic, M_PERCPU, &pk, 4, pv, 16, BPF_ANY), 0);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_PERCPU, &pk, 4, po, 16), 0);
    assert_memory_equal(pv, po, 16);
    /* LPM: longest prefix */
    uint8_t lk[8] = {24, 0, 0, 0, 10, 0, 0, 0};
    assert_int_equal(nicdrv_map_update_elem(nic, M_LPM, lk, 8, &v, 8, BPF_ANY), 0);
    assert_int_equal(ebpf_map_count(ebpf_object_map(f->obj, M_LPM)), 1);
}

static void test_map_errors(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint32_t idx = 16;
    uint64_t v = 1;
    /* E2BIG: an index past max_entries; a full hash map */
    assert_int_equal(nicdrv_map_update_elem(nic, M_ARRAY, &idx, 4, &v, 8, BPF_ANY), -E2BIG);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_elem: map 1 'array': seq 6, descriptor 5: "
                                            "E2BIG: the map is full or the index is past max_entries");
    for (uint64_t k = 0; k < 64; k++)
        assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    uint64_t k = 64;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), -E2BIG);
    /* MAP_ERROR: the map's own errno (array elements cannot be deleted) */
    idx = 1;
    assert_int_equal(nicdrv_map_delete_elem(nic, M_ARRAY, &idx, 4), -EINVAL);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_MAP_ERROR);
    assert_int_equal(nicdrv_last(nic)->detail, EINVAL);
    assert_string_equal(nicdrv_errmsg(nic), "map_delete_elem: map 1 'array': seq 72, descriptor 71: "
                                            "MAP_ERROR: the map refused: Invalid argument");
    /* checks of the device against the map */
    assert_int_equal(nicdrv_map_lookup_elem(nic, 9, &k, 8, &v, 8), -EBADF);
    assert_string_equal(nicdrv_errmsg(nic), "map_lookup_elem: map 9 '?': seq 73, descriptor 72: "
                                            "UNKNOWN_MAP: no map 9 (the device has 4)");
    uint32_t small = 1;
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &small, 4, &v, 8), -EINVAL);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_BAD_KEY_SIZE);
    assert_string_equal(nicdrv_errmsg(nic), "map_lookup_elem: map 0 'hash': seq 74, descriptor 73: "
                                            "BAD_KEY_SIZE: key size 4, the map's is 8");
    assert_int_equal(nicdrv_map_update_elem(nic, M_PERCPU, &small, 4, &v, 8, BPF_ANY), -EINVAL);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_BAD_VALUE_SIZE);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_elem: map 2 'percpu': seq 75, descriptor 74: "
                                            "BAD_VALUE_SIZE: value size 8, the map's is 16");
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, 7), -EINVAL);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_BAD_FLAGS);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_elem: map 0 'hash': seq 76, descriptor 75: "
                                            "BAD_FLAGS: flags 0x7 not accepted");
    /* rejections are counted, and change nothing */
    struct nicdrv_dev_stats ds;
    nicdrv_dev_get_stats(nicdrv_device(nic), &ds);
    assert_int_equal(ds.rejected, 7); /* E2BIG x2, MAP_ERROR, UNKNOWN_MAP, KEY, VALUE, FLAGS */
    assert_int_equal(ebpf_map_count(ebpf_object_map(f->obj, M_HASH)), 64);
}

static void test_get_next_key(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint64_t v = 0, seen = 0;
    for (uint64_t k = 100; k < 110; k++)
        assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    uint64_t key, next;
    const void *prev = NULL;
    int n = 0;
    while (nicdrv_map_get_next_key(nic, M_HASH, prev, &next, 8) == 0) {
        assert_true(next >= 100 && next < 110);
        assert_false(seen & (1ull << (next - 100)));
        seen |= 1ull << (next - 100);
        key = next;
        prev = &key;
        n++;
    }
    assert_int_equal(n, 10);
    assert_int_equal(nicdrv_last(nic)->rc, -ENOENT);
    assert_string_equal(nicdrv_errmsg(nic), "map_get_next_key: map 0 'hash': seq 26, descriptor 25: "
                                            "NOENT: no next key");
}

static void test_lookup_batch(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    for (uint64_t k = 0; k < 40; k++) {
        uint64_t v = k * 3;
        assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    }
    uint64_t keys[64], vals[64], cursor;
    uint32_t total = 0, count = 16;
    int rc = nicdrv_map_lookup_batch(nic, M_HASH, NULL, &cursor, keys, vals, &count, 8, 8);
    assert_int_equal(rc, 0);
    assert_int_equal(count, 16);
    total += count;
    count = 16;
    rc = nicdrv_map_lookup_batch(nic, M_HASH, &cursor, &cursor, keys + total, vals + total, &count, 8, 8);
    assert_int_equal(rc, 0);
    total += count;
    count = 16;
    rc = nicdrv_map_lookup_batch(nic, M_HASH, &cursor, &cursor, keys + total, vals + total, &count, 8, 8);
    assert_int_equal(rc, -ENOENT); /* exhausted, with the last 8 */
    assert_int_equal(count, 8);
    total += count;
    assert_int_equal(total, 40);
    uint64_t seen = 0;
    for (uint32_t i = 0; i < total; i++) {
        assert_true(keys[i] < 40 && vals[i] == keys[i] * 3);
        assert_false(seen & (1ull << keys[i]));
        seen |= 1ull << keys[i];
    }
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_NOENT);
    assert_int_equal(nicdrv_last(nic)->count, 8);
}

/* A batch larger than one command buffer: several commands in one call. */
static void test_lookup_batch_split(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    cfg.cmd_buffer = 256; /* (256 - 8 cursor - 8) / 16 = 15 elements per command */
    nicdrv *nic = drvtest_open(obj, &cfg);
    for (uint64_t k = 0; k < 50; k++)
        assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &k, 8, BPF_ANY), 0);
    uint64_t keys[64], vals[64];
    uint32_t count = 64;
    uint32_t seq0 = nicdrv_last(nic)->seq;
    assert_int_equal(nicdrv_map_lookup_batch(nic, M_HASH, NULL, NULL, keys, vals, &count, 8, 8), -ENOENT);
    assert_int_equal(count, 50);
    assert_int_equal(nicdrv_last(nic)->seq, seq0 + 4); /* 15 + 15 + 15 + 5 */
    double one = nicdrv_last(nic)->t.total_ns;
    assert_true(nicdrv_last_call_ns(nic) > 3.5 * one);
    uint64_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        assert_true(vals[i] == keys[i] && keys[i] < 50);
        seen |= 1ull << keys[i];
    }
    assert_true(seen == (1ull << 50) - 1);
    /* the same for updates: 31 elements of 16 bytes, 15 per command */
    uint64_t k2[31], v2[31];
    for (int i = 0; i < 31; i++)
        k2[i] = 1000 + i, v2[i] = i;
    count = 31;
    assert_int_equal(nicdrv_map_delete_batch(nic, M_HASH, keys, &(uint32_t){50}, 8), 0);
    assert_int_equal(nicdrv_map_update_batch(nic, M_HASH, k2, v2, &count, 8, 8, BPF_NOEXIST), 0);
    assert_int_equal(count, 31);
    assert_int_equal(ebpf_map_count(ebpf_object_map(obj, M_HASH)), 31);
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

static void test_update_delete_batch(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint64_t k5 = 5, v = 99;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k5, 8, &v, 8, BPF_ANY), 0);
    uint64_t keys[10], vals[10];
    for (int i = 0; i < 10; i++)
        keys[i] = (uint64_t)i, vals[i] = 10 + (uint64_t)i;
    uint32_t count = 10;
    /* stops at the first failing element: 5 exists */
    assert_int_equal(nicdrv_map_update_batch(nic, M_HASH, keys, vals, &count, 8, 8, BPF_NOEXIST), -EEXIST);
    assert_int_equal(count, 5);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_batch: map 0 'hash': seq 7, descriptor 6: "
                                            "EXIST: the element exists (BPF_NOEXIST) (after 5 elements of the call)");
    for (uint64_t k = 0; k < 10; k++) {
        uint64_t out;
        int rc = nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &out, 8);
        if (k < 5)
            assert_true(rc == 0 && out == 10 + k);
        else if (k == 5)
            assert_true(rc == 0 && out == 99);
        else
            assert_int_equal(rc, -ENOENT);
    }
    count = 10;
    assert_int_equal(nicdrv_map_update_batch(nic, M_HASH, keys, vals, &count, 8, 8, BPF_ANY), 0);
    assert_int_equal(count, 10);
    uint64_t del[3] = {1, 2, 77};
    count = 3;
    assert_int_equal(nicdrv_map_delete_batch(nic, M_HASH, del, &count, 8), -ENOENT);
    assert_int_equal(count, 2);
    assert_int_equal(ebpf_map_count(ebpf_object_map(f->obj, M_HASH)), 8);
    count = 0;
    assert_int_equal(nicdrv_map_update_batch(nic, M_HASH, keys, vals, &count, 8, 8, BPF_ANY), -EINVAL);
    assert_string_equal(nicdrv_errmsg(nic), "map_update_batch: map 0 'hash': count is 0");
}

static void test_programs(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint32_t id1, id2;
    assert_int_equal(nicdrv_prog_load(nic, f->obj, 0, &id1), 0);
    assert_int_equal(id1, 1);
    ebpf_object *other = drvtest_object(1);
    assert_int_equal(nicdrv_prog_load(nic, other, 0, &id2), 0);
    assert_int_equal(id2, 2);
    /* the other object's maps became device maps 4..7 */
    assert_int_equal(nicdrv_map_count(nic), 2 * M_COUNT);
    struct nicdrv_map_info mi;
    assert_int_equal(nicdrv_map_info(nic, M_COUNT + M_HASH, &mi), 0);
    assert_int_equal(mi.object, 1);
    struct nicdrv_prog_info pi;
    assert_int_equal(nicdrv_prog_info(nic, id2, &pi), 0);
    assert_int_equal(pi.id, id2);
    assert_int_equal(pi.object, 1);
    assert_int_equal(pi.index, 0);
    assert_int_equal(pi.n_insns, 2);
    assert_int_equal(pi.attached, 0);
    /* attach, replace with the expected old program, refuse a wrong one */
    assert_int_equal(nicdrv_prog_attach(nic, id1, 0, NICDRV_F_REPLACE), 0);
    assert_int_equal(nicdrv_last(nic)->aux, 0);
    assert_int_equal(nicdrv_prog_attach(nic, id2, id2, NICDRV_F_REPLACE), -EPERM);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_PROG_MISMATCH);
    assert_string_equal(strstr(nicdrv_errmsg(nic), "PROG_MISMATCH"),
                        "PROG_MISMATCH: program 1 is attached, not the expected 2");
    assert_int_equal(nicdrv_prog_attach(nic, id2, id1, NICDRV_F_REPLACE), 0);
    assert_int_equal(nicdrv_last(nic)->aux, id1); /* the old one */
    uint32_t attached;
    assert_int_equal(nicdrv_dev_attached(nicdrv_device(nic), &attached, NULL, NULL), 0);
    assert_int_equal(attached, id2);
    assert_int_equal(nicdrv_prog_attach(nic, id1, 0, 2), -EINVAL);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_BAD_FLAGS);
    /* the attached program cannot be unloaded */
    assert_int_equal(nicdrv_prog_unload(nic, id2), -EBUSY);
    assert_string_equal(strstr(nicdrv_errmsg(nic), "PROG_BUSY"), "PROG_BUSY: program 2 is attached");
    assert_int_equal(nicdrv_prog_unload(nic, id1), 0);
    assert_int_equal(nicdrv_prog_unload(nic, id1), -EBADF);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_UNKNOWN_PROG);
    assert_int_equal(nicdrv_prog_info(nic, 99, &pi), -EBADF);
    assert_int_equal(nicdrv_prog_attach(nic, 7, 0, 0), -EBADF);
    assert_string_equal(strstr(nicdrv_errmsg(nic), "UNKNOWN_PROG"), "UNKNOWN_PROG: no program 7");
    /* detach */
    assert_int_equal(nicdrv_prog_attach(nic, 0, id2, NICDRV_F_REPLACE), 0);
    assert_int_equal(nicdrv_dev_attached(nicdrv_device(nic), &attached, NULL, NULL), 0);
    assert_int_equal(attached, 0);
    /* the table holds NICDRV_MAX_PROGS programs */
    uint32_t id;
    for (int i = 1; i < NICDRV_MAX_PROGS; i++)
        assert_int_equal(nicdrv_prog_load(nic, f->obj, 0, &id), 0);
    assert_int_equal(nicdrv_prog_load(nic, f->obj, 0, &id), -ENOSPC);
    assert_int_equal(nicdrv_last(nic)->status, NICDRV_ST_NO_SPACE);
    assert_string_equal(strstr(nicdrv_errmsg(nic), "NO_SPACE"), "NO_SPACE: all 16 program slots are used");
    struct nicdrv_dev_info di;
    assert_int_equal(nicdrv_dev_info(nic, &di), 0);
    assert_int_equal(di.n_progs, NICDRV_MAX_PROGS);
    nicdrv_close(nic);
    f->nic = NULL;
    ebpf_object_close(other);
    f->nic = drvtest_open(f->obj, NULL);
}

/* PROG_LOAD checks the image it fetched against the program. */
static void test_bad_prog(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    size_t n;
    const struct ebpf_insn *insns = ebpf_object_prog_insns(f->obj, 0, &n);
    struct ebpf_insn img[2];
    memcpy(img, insns, sizeof(img));
    img[1].imm = 5;
    struct nicdrv_cmd cmd = {.op = NICDRV_OP_PROG_LOAD, .target = 0, .aux = 0, .in = img, .in_len = 16};
    struct nicdrv_completion c = drvtest_raw(nic, cmd);
    assert_int_equal(c.status, NICDRV_ST_BAD_PROG);
    assert_int_equal(c.detail, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_INSN, 1));
    assert_int_equal(c.rc, -EINVAL);
    cmd.in_len = 8;
    c = drvtest_raw(nic, cmd);
    assert_int_equal(c.detail, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_LENGTH, 16));
    cmd.aux = 3;
    c = drvtest_raw(nic, cmd);
    assert_int_equal(c.detail, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_INDEX, 1));
    cmd.target = 5;
    c = drvtest_raw(nic, cmd);
    assert_int_equal(c.status, NICDRV_ST_BAD_PROG);
    assert_int_equal(c.detail, NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_OBJECT, 5));
    /* the message of the host's call names the reason */
    char msg[256];
    struct nicdrv_cmd good = {.op = NICDRV_OP_PROG_LOAD, .aux = 0, .in = img, .in_len = 16};
    c.detail = NICDRV_BAD_PROG_DETAIL(NICDRV_BAD_PROG_INSN, 1);
    host_fail(nic, &good, &c, "prog_load");
    snprintf(msg, sizeof(msg), "%s", strstr(nicdrv_errmsg(nic), "BAD_PROG"));
    assert_string_equal(msg, "BAD_PROG: image differs at instruction 1");
    struct nicdrv_dev_info di;
    assert_int_equal(nicdrv_dev_info(nic, &di), 0);
    assert_int_equal(di.n_progs, 0);
}

/* Malformed descriptors: built raw, or corrupted on their way into the ring. */
struct tamper {
    unsigned off;
    unsigned width;
    uint64_t value;
};

static void tamper_fn(void *user, uint32_t seq, uint8_t *desc)
{
    (void)seq;
    const struct tamper *t = user;
    for (unsigned i = 0; i < t->width; i++)
        desc[t->off + i] = (uint8_t)(t->value >> (8 * i));
}

static struct nicdrv_completion tampered(nicdrv *nic, struct nicdrv_cmd cmd, unsigned off,
                                         unsigned width, uint64_t value)
{
    struct tamper t = {off, width, value};
    nic->tamper = tamper_fn;
    nic->tamper_user = &t;
    struct nicdrv_completion c = drvtest_raw(nic, cmd);
    nic->tamper = NULL;
    return c;
}

static void test_bad_descriptors(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint64_t key = 1, val;
    struct nicdrv_cmd lookup = {.op = NICDRV_OP_MAP_LOOKUP, .target = M_HASH, .key_size = 8,
                                .value_size = 8, .in = &key, .in_len = 8, .out = &val, .out_len = 8};
    struct nicdrv_completion c;
    /* unknown opcode */
    c = drvtest_raw(nic, (struct nicdrv_cmd){.op = 99});
    assert_int_equal(c.status, NICDRV_ST_BAD_OPCODE);
    assert_int_equal(c.detail, 99);
    assert_int_equal(c.rc, -EOPNOTSUPP);
    /* version, reserved bytes */
    c = tampered(nic, lookup, D_VERSION, 1, 2);
    assert_int_equal(c.status, NICDRV_ST_BAD_DESC);
    assert_int_equal(c.detail, D_VERSION);
    assert_int_equal(c.rc, -EPROTO);
    c = tampered(nic, lookup, D_RSVD0, 2, 1);
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_RSVD0);
    c = tampered(nic, lookup, D_RSVD1, 4, 1);
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_RSVD1);
    /* a field the opcode does not use */
    c = drvtest_raw(nic, (struct nicdrv_cmd){.op = NICDRV_OP_STATS, .key_size = 4, .out = &val, .out_len = 8});
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_KEY_SIZE);
    c = drvtest_raw(nic, (struct nicdrv_cmd){.op = NICDRV_OP_NOP, .aux = 1});
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_AUX);
    /* count of a single operation; input length */
    struct nicdrv_cmd two = lookup;
    two.count = 2;
    c = drvtest_raw(nic, two);
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_COUNT);
    struct nicdrv_cmd longer = lookup;
    uint8_t in12[12] = {0};
    longer.in = in12;
    longer.in_len = 12;
    c = drvtest_raw(nic, longer);
    assert_true(c.status == NICDRV_ST_BAD_DESC && c.detail == D_IN_LEN);
    /* addresses outside host memory */
    c = tampered(nic, lookup, D_IN_ADDR, 8, 0x10);
    assert_int_equal(c.status, NICDRV_ST_BAD_ADDR);
    assert_int_equal(c.detail, D_IN_ADDR);
    assert_int_equal(c.rc, -EFAULT);
    c = tampered(nic, lookup, D_OUT_ADDR, 8, HOST_BUS_BASE + nic->mem_size);
    assert_true(c.status == NICDRV_ST_BAD_ADDR && c.detail == D_OUT_ADDR);
    /* result buffer too small for the value */
    struct nicdrv_cmd small = lookup;
    small.out_len = 4;
    c = drvtest_raw(nic, small);
    assert_int_equal(c.status, NICDRV_ST_OUT_TOO_SMALL);
    assert_int_equal(c.detail, 8);
    assert_int_equal(c.rc, -ENOSPC);
    c = drvtest_raw(nic, (struct nicdrv_cmd){.op = NICDRV_OP_DEV_INFO, .out = &val, .out_len = 8});
    assert_true(c.status == NICDRV_ST_OUT_TOO_SMALL && c.detail == DEVINFO_SIZE);
    /* flags on a command without flags */
    struct nicdrv_cmd flagged = lookup;
    flagged.flags = 1;
    c = drvtest_raw(nic, flagged);
    assert_int_equal(c.status, NICDRV_ST_BAD_FLAGS);
    /* a NOP is fine, and the map is untouched by all of the above */
    c = drvtest_raw(nic, (struct nicdrv_cmd){.op = NICDRV_OP_NOP});
    assert_int_equal(c.status, NICDRV_ST_OK);
    assert_int_equal(ebpf_map_count(ebpf_object_map(f->obj, M_HASH)), 0);
    /* the host's own refusals happen before submission */
    uint8_t big[64];
    struct nicdrv_cmd huge = {.op = NICDRV_OP_NOP, .in = big, .in_len = 8, .out = big, .out_len = 40000};
    uint32_t seq;
    assert_int_equal(nicdrv_submit(nic, &huge, &seq), -E2BIG);
    assert_string_equal(nicdrv_errmsg(nic), "nop: 8 input and 40000 result bytes do not fit the 32768-byte command buffer");
}

/* Sequence numbers: a descriptor ahead of the device (SEQ_GAP) is never
 * applied; on the oldest command it counts as a failed attempt, and after
 * max_retries the host gives up and tells the device to skip it.  A
 * sequence number older than the replay log is STALE_SEQ. */
static void test_sequence_statuses(void **state)
{
    (void)state;
    ebpf_object *obj = drvtest_object(2);
    struct nicdrv_config cfg;
    nicdrv_config_default(&cfg);
    cfg.max_retries = 3;
    nicdrv *nic = drvtest_open(obj, &cfg);
    uint64_t key = 1, val = 2;
    uint8_t kv[16];
    memcpy(kv, &key, 8);
    memcpy(kv + 8, &val, 8);
    struct nicdrv_cmd update = {.op = NICDRV_OP_MAP_UPDATE, .target = M_HASH, .key_size = 8,
                                .value_size = 8, .in = kv, .in_len = 16};
    struct nicdrv_completion c = tampered(nic, update, D_SEQ, 4, 7); /* the device expects 6 */
    assert_int_equal(c.status, NICDRV_ST_SEQ_GAP);
    assert_int_equal(c.rc, -EPROTO);
    assert_int_equal(c.attempts, 4);
    struct nicdrv_stats hs;
    nicdrv_host_stats(nic, &hs);
    assert_int_equal(hs.seq_gaps, 4);
    assert_int_equal(hs.resends, 3);
    /* never applied, and the device moved past seq 6 */
    uint64_t out;
    assert_int_equal(ebpf_map_sys_lookup(ebpf_object_map(obj, M_HASH), &key, &out), -ENOENT);
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &key, 8, &val, 8, BPF_ANY), 0);
    assert_int_equal(nicdrv_last(nic)->seq, 7);
    c = tampered(nic, update, D_SEQ, 4, 0);
    assert_int_equal(c.status, NICDRV_ST_STALE_SEQ);
    assert_int_equal(c.detail, 8);
    assert_int_equal(c.rc, -ESTALE);
    nicdrv_close(nic);
    ebpf_object_close(obj);
}

/* Statistics over PCIe agree with the device's counters. */
static void test_stats(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint64_t k = 1, v = 2;
    assert_int_equal(nicdrv_map_update_elem(nic, M_HASH, &k, 8, &v, 8, BPF_ANY), 0);
    assert_int_equal(nicdrv_map_lookup_elem(nic, M_HASH, &k, 8, &v, 8), 0);
    struct nicdrv_dev_stats ds, direct;
    struct nicdrv_stats hs;
    assert_int_equal(nicdrv_stats(nic, &ds, &hs), 0);
    nicdrv_dev_get_stats(nicdrv_device(nic), &direct);
    /* the STATS command counted itself after it read the counters */
    assert_int_equal(ds.commands, 7);
    assert_int_equal(direct.commands, 8);
    assert_int_equal(ds.elems_written, 1);
    assert_int_equal(ds.elems_read, 1);
    assert_int_equal(ds.rejected, 0);
    assert_int_equal(hs.submitted, 8);
    assert_int_equal(hs.completed, 8);
    assert_int_equal(hs.descriptors, 8);
    assert_int_equal(hs.doorbells, 8);
    assert_true(ds.bytes_up > 0 && ds.bytes_down > 0 && ds.tlps_up > 0 && ds.tlps_down > 0);
}

/* Asynchronous submission: several commands in flight, completions polled. */
static void test_async(void **state)
{
    struct fixture *f = *state;
    nicdrv *nic = f->nic;
    uint8_t kv[8][16];
    uint32_t seqs[8];
    for (int i = 0; i < 8; i++) {
        uint64_t k = (uint64_t)i, v = 100 + (uint64_t)i;
        memcpy(kv[i], &k, 8);
        memcpy(kv[i] + 8, &v, 8);
        struct nicdrv_cmd cmd = {.op = NICDRV_OP_MAP_UPDATE, .target = M_HASH, .key_size = 8,
                                 .value_size = 8, .in = kv[i], .in_len = 16, .user = (uint64_t)i};
        assert_int_equal(nicdrv_submit(nic, &cmd, &seqs[i]), 0);
    }
    assert_int_equal(nicdrv_outstanding(nic), 8);
    struct nicdrv_completion c[8];
    assert_int_equal(nicdrv_poll(nic, c, 8), 0);
    assert_int_equal(nicdrv_wait(nic, seqs[7], &c[0]), 0);
    assert_int_equal(c[0].user, 7);
    assert_int_equal(nicdrv_outstanding(nic), 0);
    assert_int_equal(nicdrv_poll(nic, c, 8), 7);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(c[i].seq, seqs[i]);
        assert_int_equal(c[i].user, (uint64_t)i);
        assert_int_equal(c[i].rc, 0);
        /* applied in order, one after the other */
        assert_true(c[i].apply_ps < (i < 6 ? c[i + 1].apply_ps : UINT64_MAX));
    }
    assert_int_equal(ebpf_map_count(ebpf_object_map(f->obj, M_HASH)), 8);
    assert_int_equal(nicdrv_wait(nic, seqs[3], &c[0]), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dev_and_map_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_lookup_delete_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_next_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_batch, setup, teardown),
        cmocka_unit_test(test_lookup_batch_split),
        cmocka_unit_test_setup_teardown(test_update_delete_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_programs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_prog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_descriptors, setup, teardown),
        cmocka_unit_test(test_sequence_statuses),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
