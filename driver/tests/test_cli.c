/* The driver from the command line: a control-plane schedule against
 * traffic (ebpfsim run on the model and, when it is built, the RTL;
 * ebpfsim nic), checked packet by packet around every change; schedule
 * errors; nicctl's commands, output and exit codes. */
#include <fcntl.h>
#include <math.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drvtest.h"
#include "../../sim/tests/cmdrun.h"

static const char *env(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v ? v : def;
}

static char dir[64];
static char corpus_fw[256], corpus_drop[256];

struct result {
    int status;
    char out[65536];
    char err[16384];
};

static void run_argv(struct result *r, const char *const *argv)
{
    cmd_capture_into(&r->status, r->out, sizeof(r->out), r->err, sizeof(r->err), argv);
}

#define RUN(r, ...)                                          \
    do {                                                     \
        const char *const argv_[] = {__VA_ARGS__, NULL};     \
        run_argv((r), argv_);                                \
    } while (0)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *path_in(const char *name)
{
    static char buf[8][256];
    static int i;
    char *p = buf[i++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* ------------------------------------------------------------------ */
/* A trace: UDP from 172.16.0.1 (A) and 172.16.0.2 (B) to port 80, at the
 * given times (ns from the first packet); ns-resolution pcap. */

struct pkt {
    uint64_t t_ns;
    uint8_t src; /* 1: A, 2: B */
};

static void write_trace(const char *path, const struct pkt *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t hdr[6] = {0xa1b23c4d, 2 | 4u << 16, 0, 0, 65535, 1};
    fwrite(hdr, 4, 6, f);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[60] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
                         0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 172, 16, 0, p[i].src, 10, 1, 1, 1,
                         0x04, 0xd2, 0, 80, 0, 26, 0, 0};
        uint64_t t = 1000000000ull + p[i].t_ns;
        uint32_t rec[4] = {(uint32_t)(t / 1000000000ull), (uint32_t)(t % 1000000000ull), 60, 60};
        fwrite(rec, 4, 4, f);
        fwrite(b, 1, 60, f);
    }
    fclose(f);
}

/* ------------------------------------------------------------------ */
/* JSON lines. */

static json_t *read_jsonl(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    json_t *list = json_array();
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o)
            fail_msg("%s: %s", path, e.text);
        json_array_append_new(list, o);
    }
    fclose(f);
    return list;
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v))
        fail_msg("no number '%s'", k);
    return json_number_value(v);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s)
        fail_msg("no string '%s'", k);
    return s;
}

/* ------------------------------------------------------------------ */
/* The schedule: a drop rule for A at 200 us, a read of the counter of
 * drops by that rule at 500 us, the rule deleted at 800 us, the firewall
 * replaced by a program dropping everything at 1200 us. */

static void write_schedule(const char *path)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "# time  operation\n"
             "200us update blocked_src key 20000000ac100001 value 0000000000000000 noexist\n"
             "0.8ms delete blocked_src key 20000000ac100001\n"
             "500us lookup stats key 01000000\n"
             "1200000ns replace drop object %s\n",
             corpus_drop);
    write_file(path, text);
}

struct applied {
    double update, lookup, remove, replace; /* apply times, ns from the start */
    uint64_t drops_at_lookup;
    json_t *log;
};

static struct applied read_log(const char *path, bool faults)
{
    struct applied a = {0};
    a.log = read_jsonl(path);
    assert_int_equal(json_array_size(a.log), 4);
    size_t i;
    json_t *e;
    json_array_foreach(a.log, i, e) {
        assert_int_equal(jnum(e, "rc"), 0);
        const char *op = jstr(e, "op");
        double at = jnum(e, "at_ns"), submit = jnum(e, "submit_ns"), apply = jnum(e, "apply_ns");
        /* submitted at its time, applied after the modelled latency */
        assert_true(submit == at);
        assert_true(apply > at && (faults || apply - at < 20000));
        assert_true(jnum(e, "latency_ns") == apply - submit || fabs(jnum(e, "latency_ns") - (apply - submit)) < 0.002);
        if (!strcmp(op, "update"))
            a.update = apply, assert_true(at == 200000);
        else if (!strcmp(op, "lookup")) {
            a.lookup = apply;
            uint8_t v[8];
            const char *h = jstr(e, "value");
            for (int b = 0; b < 8; b++)
                sscanf(h + 2 * b, "%2hhx", &v[b]);
            memcpy(&a.drops_at_lookup, v, 8);
        } else if (!strcmp(op, "delete"))
            a.remove = apply, assert_true(at == 800000);
        else if (!strcmp(op, "replace")) {
            a.replace = apply, assert_true(at == 1200000);
            if (!faults)
                assert_int_equal(jnum(e, "attempts"), 2); /* PROG_LOAD, PROG_ATTACH */
            else
                assert_true(jnum(e, "attempts") >= 2);
        }
    }
    assert_true(a.update < a.lookup && a.lookup < a.remove && a.remove < a.replace);
    return a;
}

/* The verdict a packet must get at time t (ns) from source src. */
static const char *expected(const struct applied *a, double t, int src)
{
    if (t >= a->replace)
        return "drop";
    if (t >= a->update && t < a->remove && src == 1)
        return "drop";
    return "pass";
}

/* Every packet's verdict against the apply times; the packets just before
 * and just after each change must be there. */
static void check_verdicts(const struct applied *a, json_t *pp, const struct pkt *p, size_t n,
                           bool nic)
{
    double last = 0;
    for (size_t i = 0; i < n; i++)
        last = (double)p[i].t_ns > last ? (double)p[i].t_ns : last;
    assert_int_equal(json_array_size(pp), n);
    size_t i;
    json_t *e;
    uint64_t drops_a_before_lookup = 0;
    int near_before[3] = {0}, near_after[3] = {0};
    const double change[3] = {a->update, a->remove, a->replace};
    json_array_foreach(pp, i, e) {
        uint64_t idx = (uint64_t)jnum(e, "index");
        assert_true(idx < n);
        /* ebpfsim run: the packet's time; nic: the time its program started */
        double t = nic ? jnum(e, "start_ns") : (double)p[idx].t_ns;
        const char *want = expected(a, t, p[idx].src);
        if (strcmp(jstr(e, "verdict"), want))
            fail_msg("packet %" PRIu64 " at %.3f ns from %s: %s, expected %s (rule applied at %.3f, "
                     "deleted at %.3f, program replaced at %.3f)",
                     idx, t, p[idx].src == 1 ? "A" : "B", jstr(e, "verdict"), want, a->update,
                     a->remove, a->replace);
        if (p[idx].src == 1 && t >= a->update && t < a->lookup)
            drops_a_before_lookup++;
        for (int c = 0; c < 3; c++) {
            if (t < change[c] && t >= change[c] - 1000)
                near_before[c]++;
            if (t >= change[c] && t < change[c] + 1000)
                near_after[c]++;
        }
    }
    for (int c = 0; c < 3; c++)
        if (change[c] < last - 1000) /* (faults may push a change past the trace) */
            assert_true(near_before[c] > 0 && near_after[c] > 0);
    /* the counter read at 500 us holds exactly the drops before the read */
    assert_int_equal(a->drops_at_lookup, drops_a_before_lookup);
}

/* Packets every microsecond alternating A and B; with the apply times of a
 * first run, also a packet of each source 1 ns before and at the next
 * whole nanosecond after each change. */
static size_t make_packets(struct pkt *p, const struct applied *a)
{
    size_t n = 0;
    for (uint64_t t = 0; t < 1500000; t += 1000)
        p[n++] = (struct pkt){t, (uint8_t)(1 + (t / 1000) % 2)};
    if (a) {
        const double change[3] = {a->update, a->remove, a->replace};
        for (int c = 0; c < 3; c++) {
            uint64_t before = (uint64_t)change[c]; /* < change (a fraction of a ns) */
            if ((double)before == change[c])
                before--;
            uint64_t after = before + 1;
            for (uint8_t src = 1; src <= 2; src++) {
                p[n++] = (struct pkt){before, src};
                p[n++] = (struct pkt){after, src};
            }
        }
        /* in time order */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && p[j].t_ns < p[j - 1].t_ns; j--) {
                struct pkt t = p[j];
                p[j] = p[j - 1];
                p[j - 1] = t;
            }
    }
    return n;
}

static void schedule_on_engine(const char *engine)
{
    static struct pkt p[2000];
    const char *ebpfsim = env("EBPFSIM", "build/ebpfsim");
    struct result r;
    write_schedule(path_in("sched.txt"));
    /* first run: learn when the device applies each operation */
    size_t n = make_packets(p, NULL);
    write_trace(path_in("t1.pcap"), p, n);
    RUN(&r, ebpfsim, "run", corpus_fw, "--engine", engine, "--pcap", path_in("t1.pcap"), "--maps-in",
        "sim/corpus/firewall.maps.json", "--schedule", path_in("sched.txt"), "--schedule-log",
        path_in("log1.jsonl"), "--per-packet", path_in("pp1.jsonl"), "--quiet");
    if (r.status && strstr(r.err, "unknown engine")) {
        printf("SKIP: engine %s is not in this build\n", engine);
        return;
    }
    if (r.status)
        fail_msg("exit %d: %s", r.status, r.err);
    struct applied a1 = read_log(path_in("log1.jsonl"), false);
    json_t *pp = read_jsonl(path_in("pp1.jsonl"));
    check_verdicts(&a1, pp, p, n, false);
    json_decref(pp);
    /* second run: packets within a nanosecond of every change */
    n = make_packets(p, &a1);
    write_trace(path_in("t2.pcap"), p, n);
    RUN(&r, ebpfsim, "run", corpus_fw, "--engine", engine, "--pcap", path_in("t2.pcap"), "--maps-in",
        "sim/corpus/firewall.maps.json", "--schedule", path_in("sched.txt"), "--schedule-log",
        path_in("log2.jsonl"), "--per-packet", path_in("pp2.jsonl"), "--maps-out",
        path_in("maps.json"));
    if (r.status)
        fail_msg("exit %d: %s", r.status, r.err);
    struct applied a2 = read_log(path_in("log2.jsonl"), false);
    /* the control plane does not depend on the traffic: the same instants */
    assert_true(a1.update == a2.update && a1.remove == a2.remove && a1.replace == a2.replace);
    pp = read_jsonl(path_in("pp2.jsonl"));
    check_verdicts(&a2, pp, p, n, false);
    /* first_packet in the log is the packet at the next whole ns */
    size_t i;
    json_t *e;
    json_array_foreach(a2.log, i, e) {
        if (!strcmp(jstr(e, "op"), "lookup"))
            continue;
        uint64_t fp = (uint64_t)jnum(e, "first_packet");
        double apply = jnum(e, "apply_ns");
        assert_true((double)p[fp].t_ns >= apply && (double)p[fp - 1].t_ns < apply);
        assert_true((double)p[fp].t_ns - apply < 1.0);
    }
    /* the summary names each operation with its apply time */
    assert_non_null(strstr(r.out, "  schedule     4 operations, 0 failed"));
    assert_non_null(strstr(r.out, "line 2: 200us update blocked_src key 20000000ac100001 value "
                                  "0000000000000000 noexist: applied at "));
    /* --maps-out through the driver: the firewall's counters match the verdicts */
    json_error_t je;
    json_t *maps = json_load_file(path_in("maps.json"), 0, &je);
    assert_non_null(maps);
    json_t *stats = json_object_get(maps, "stats");
    uint64_t pass = 0, drop_a = 0;
    json_array_foreach(pp, i, e) {
        uint64_t idx = (uint64_t)jnum(e, "index");
        double t = (double)p[idx].t_ns;
        if (t >= a2.replace)
            continue; /* the drop program counts nothing */
        if (!strcmp(jstr(e, "verdict"), "pass"))
            pass++;
        else if (p[idx].src == 1)
            drop_a++;
    }
    uint64_t got[3] = {0};
    json_array_foreach(stats, i, e) {
        uint32_t k;
        uint64_t v = 0;
        sscanf(jstr(e, "key"), "%8x", &k);
        const char *h = jstr(e, "value");
        for (int b = 7; b >= 0; b--) {
            unsigned x;
            sscanf(h + 2 * b, "%2x", &x);
            v = v << 8 | x;
        }
        got[__builtin_bswap32(k)] = v;
    }
    assert_true(got[0] == pass && got[1] == drop_a && got[2] == 0);
    /* the rule was deleted: blocked_src holds the three rules of maps.json */
    assert_int_equal(json_array_size(json_object_get(maps, "blocked_src")), 3);
    json_decref(maps);
    json_decref(pp);
    json_decref(a1.log);
    json_decref(a2.log);
    printf("  %s: changes applied at %.3f, %.3f, %.3f us; packets 1 ns either side see old and new\n",
           engine, a2.update / 1000, a2.remove / 1000, a2.replace / 1000);
}

static void test_schedule_model(void **state)
{
    (void)state;
    schedule_on_engine("model");
}

static void test_schedule_rtl(void **state)
{
    (void)state;
    schedule_on_engine("rtl");
}

/* The same schedule with driver faults injected (DMA errors, lost
 * completions, queue resets): changes come later (resends, timeouts), and
 * still every packet sees exactly the changes applied before it. */
static void test_schedule_faults(void **state)
{
    (void)state;
    static struct pkt p[2000];
    size_t n = make_packets(p, NULL);
    write_trace(path_in("tf.pcap"), p, n);
    write_schedule(path_in("sched.txt"));
    static const char *const seeds[] = {"dma=0.1,drop=0.1,reset=0.02,seed=1",
                                        "dma=0.1,drop=0.1,reset=0.02,seed=2",
                                        "dma=0.2,drop=0.2,reset=0.05,seed=4"};
    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        struct result r;
        RUN(&r, env("EBPFSIM", "build/ebpfsim"), "run", corpus_fw, "--pcap", path_in("tf.pcap"),
            "--maps-in", "sim/corpus/firewall.maps.json", "--schedule", path_in("sched.txt"),
            "--schedule-log", path_in("logf.jsonl"), "--per-packet", path_in("ppf.jsonl"),
            "--driver-faults", seeds[k]);
        if (r.status)
            fail_msg("exit %d: %s", r.status, r.err);
        struct applied a = read_log(path_in("logf.jsonl"), true);
        json_t *pp = read_jsonl(path_in("ppf.jsonl"));
        check_verdicts(&a, pp, p, n, false);
        char recovery[256] = "";
        const char *d = strstr(r.out, "  driver ");
        const char *open_paren = d ? strchr(d, '(') : NULL;
        if (open_paren)
            sscanf(open_paren, "(%255[^)])", recovery);
        printf("  faults %s: applied at %.3f, %.3f, %.3f us; %s\n", seeds[k], a.update / 1000,
               a.remove / 1000, a.replace / 1000, recovery);
        json_decref(pp);
        json_decref(a.log);
    }
}

/* The SystemC NIC: two cores, frames at the capture's timestamps; a frame
 * sees a change iff its program starts at or after the device applied it. */
static void test_schedule_nic(void **state)
{
    (void)state;
    static struct pkt p[2000];
    size_t n = make_packets(p, NULL);
    write_trace(path_in("tn.pcap"), p, n);
    write_schedule(path_in("sched.txt"));
    struct result r;
    RUN(&r, env("EBPFSIM", "build/ebpfsim"), "nic", corpus_fw, "--pcap", path_in("tn.pcap"),
        "--maps-in", "sim/corpus/firewall.maps.json", "--set", "nic.pacing=capture", "--schedule",
        path_in("sched.txt"), "--schedule-log", path_in("logn.jsonl"), "--per-packet",
        path_in("ppn.jsonl"));
    if (r.status)
        fail_msg("exit %d: %s", r.status, r.err);
    struct applied a = read_log(path_in("logn.jsonl"), false);
    json_t *pp = read_jsonl(path_in("ppn.jsonl"));
    check_verdicts(&a, pp, p, n, true);
    /* both cores ran packets, and the program id changed with the replace */
    size_t i;
    json_t *e;
    int cores = 0, progs = 0;
    json_array_foreach(pp, i, e) {
        cores |= 1 << (int)jnum(e, "core");
        progs |= 1 << (int)jnum(e, "prog");
        assert_int_equal(jnum(e, "prog"), jnum(e, "start_ns") >= a.replace ? 2 : 1);
    }
    assert_int_equal(cores, 3);
    assert_int_equal(progs, 6);
    assert_non_null(strstr(r.out, "  schedule     4 operations, 0 failed"));
    json_decref(pp);
    json_decref(a.log);
}

/* Schedules that cannot run: each message names the file and line. */
static void test_schedule_errors(void **state)
{
    (void)state;
    const char *ebpfsim = env("EBPFSIM", "build/ebpfsim");
    struct pkt p[4] = {{0, 1}, {1000, 2}, {2000, 1}, {3000, 2}};
    write_trace(path_in("small.pcap"), p, 4);
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"10 update stats key 00000000 value 0000000000000000\n",
         "time '10' is not a number with a unit (ns, us, ms, s)"},
        {"# c\n\n1us frob stats\n", "3: unknown operation 'frob' (update, delete, lookup, replace)"},
        {"1us update stats key 00000000\n", "1: expected TIME update MAP key HEX value HEX [any|noexist|exist]"},
        {"1us update stats key 00000000 value 0000000000000000 always\n",
         "1: expected the flag: any, noexist or exist"},
        {"1us delete nosuch key 00\n", "1: no map named 'nosuch' on the device"},
        {"1us delete stats key 0000\n", "1: key '0000' is not 4 bytes of hex (map 'stats')"},
        {"1us update stats key 00000000 value 00\n", "1: value '00' is not 8 bytes of hex (map 'stats')"},
        {"1us replace nosuch\n", "1: firewall has no program named 'nosuch'"},
    };
    struct result r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(path_in("bad.txt"), cases[i].text);
        RUN(&r, ebpfsim, "run", corpus_fw, "--pcap", path_in("small.pcap"), "--schedule",
            path_in("bad.txt"));
        char want[512];
        snprintf(want, sizeof(want), "ebpfsim run: %s:%s%s\n", path_in("bad.txt"),
                 cases[i].err[0] >= '0' && cases[i].err[0] <= '9' ? "" : "1: ", cases[i].err);
        assert_int_equal(r.status, 1);
        assert_string_equal(r.err, want);
    }
    /* an operation the device refuses while the traffic runs */
    write_file(path_in("bad.txt"), "1us update blocked_port key 0035 value 0000000000000000 noexist\n");
    RUN(&r, ebpfsim, "run", corpus_fw, "--pcap", path_in("small.pcap"), "--maps-in",
        "sim/corpus/firewall.maps.json", "--schedule", path_in("bad.txt"), "--schedule-log",
        path_in("badlog.jsonl"));
    assert_int_equal(r.status, 1);
    char want[512];
    snprintf(want, sizeof(want), "ebpfsim run: %s: 1 operations failed (see the summary or --schedule-log)\n",
             path_in("bad.txt"));
    assert_string_equal(r.err, want);
    assert_non_null(strstr(r.out, "    line 1: 1us update blocked_port key 0035 value 0000000000000000 noexist: FAILED File exists\n"));
    json_t *log = read_jsonl(path_in("badlog.jsonl"));
    const char *msg = jstr(json_array_get(log, 0), "error");
    assert_non_null(strstr(msg, ": EXIST: the element exists (BPF_NOEXIST)"));
    json_decref(log);
    /* engines without a model object have no driver */
    RUN(&r, ebpfsim, "run", corpus_fw, "--pcap", path_in("small.pcap"), "--engine", "kernel",
        "--schedule", path_in("bad.txt"));
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "ebpfsim run: --schedule needs an engine whose maps the driver "
                               "reaches (model, rtl, cosim), not kernel\n");
}

/* ------------------------------------------------------------------ */
/* nicctl */

static void test_nicctl_maps(void **state)
{
    (void)state;
    const char *nicctl = env("NICCTL", "build/nicctl");
    const char *m = "sim/corpus/firewall.maps.json";
    struct result r;
    RUN(&r, nicctl, corpus_fw, "--maps-in", m, "map", "show");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out,
                        "0: lpm_trie  name blocked_src  key 8B  value 8B  max_entries 1024  flags 0x1  placement sram\n"
                        "1: hash  name blocked_port  key 2B  value 8B  max_entries 256  flags 0x0  placement sram\n"
                        "2: array  name stats  key 4B  value 8B  max_entries 3  flags 0x0  placement sram\n");
    RUN(&r, nicctl, "--set", "memory.map.stats=host", corpus_fw, "map", "show", "name", "stats");
    assert_string_equal(r.out, "2: array  name stats  key 4B  value 8B  max_entries 3  flags 0x0  placement host\n");
    RUN(&r, nicctl, corpus_fw, "--maps-in", m, "map", "dump", "name", "blocked_port");
    assert_int_equal(r.status, 0);
    assert_true(!strcmp(r.out, "key: 00 35  value: 00 00 00 00 00 00 00 00\n"
                               "key: 00 17  value: 00 00 00 00 00 00 00 00\nFound 2 elements\n") ||
                !strcmp(r.out, "key: 00 17  value: 00 00 00 00 00 00 00 00\n"
                               "key: 00 35  value: 00 00 00 00 00 00 00 00\nFound 2 elements\n"));
    /* state carried between invocations in a maps file */
    RUN(&r, nicctl, corpus_fw, "--maps-in", m, "--maps-out", path_in("state.json"), "map", "update",
        "name", "blocked_port", "key", "hex", "00", "50", "value", "1", "0", "0", "0", "0", "0", "0", "0",
        "noexist");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    RUN(&r, nicctl, "-l", corpus_fw, "--maps-in", path_in("state.json"), "map", "lookup", "name",
        "blocked_port", "key", "0", "0x50");
    assert_int_equal(r.status, 0);
    assert_string_equal(strtok(r.out, "\n"), "key: 00 50  value: 01 00 00 00 00 00 00 00");
    assert_non_null(strstr(r.out + strlen(r.out) + 1, "latency: "));
    RUN(&r, nicctl, corpus_fw, "--maps-in", path_in("state.json"), "map", "update", "name",
        "blocked_port", "key", "hex", "0050", "value", "hex", "0200000000000000", "noexist");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "nicctl: map_update_elem: map 1 'blocked_port': seq 13, descriptor 12: "
                               "EXIST: the element exists (BPF_NOEXIST)\n");
    RUN(&r, nicctl, "-j", corpus_fw, "map", "lookup", "name", "stats", "key", "hex", "0100");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "{\"error\":\"map_lookup_elem: map 2 'stats': seq 7, descriptor 6: "
                               "BAD_KEY_SIZE: key size 2, the map's is 4\"}\n");
    RUN(&r, nicctl, "-j", corpus_fw, "--maps-in", path_in("state.json"), "map", "lookup", "name",
        "blocked_port", "key", "hex", "0050");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"key\":\"0050\",\"value\":\"0100000000000000\"}\n");
    RUN(&r, nicctl, corpus_fw, "--maps-in", path_in("state.json"), "map", "delete", "name",
        "blocked_port", "key", "hex", "0017");
    assert_int_equal(r.status, 0);
    RUN(&r, nicctl, corpus_fw, "map", "getnext", "name", "stats", "key", "hex", "00000000");
    assert_string_equal(r.out, "next key: 01 00 00 00\n");
    RUN(&r, nicctl, corpus_fw, "map", "getnext", "name", "stats", "key", "hex", "02000000");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "NOENT: no next key"));
    /* usage errors: 2 */
    RUN(&r, nicctl, corpus_fw, "map", "lookup", "name", "stats", "key", "256");
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "nicctl: key: '256' is not a byte (0..255, 0x00..0xff)\n");
    RUN(&r, nicctl, corpus_fw, "map", "frob");
    assert_int_equal(r.status, 2);
    RUN(&r, nicctl, corpus_fw, "map", "dump", "id", "7");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "nicctl: no map with id 7 (the device has 3)\n");
    RUN(&r, nicctl, "--link", "gen7x8", corpus_fw, "stats");
    assert_int_equal(r.status, 2);
    RUN(&r, nicctl, "nosuch.o", "stats");
    assert_int_equal(r.status, 2);
}

static void test_nicctl_progs_and_batch(void **state)
{
    (void)state;
    const char *nicctl = env("NICCTL", "build/nicctl");
    struct result r;
    char batch[1024];
    snprintf(batch, sizeof(batch),
             "# replace the firewall by the drop program\n"
             "prog load drop object %s\n"
             "prog attach id 2 replace id 1\n"
             "prog show\n"
             "prog unload id 1\n"
             "prog unload id 2\n",
             corpus_drop);
    write_file(path_in("batch.txt"), batch);
    RUN(&r, nicctl, corpus_fw, "batch", "file", path_in("batch.txt"));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "2\n"
                               "1: xdp  name firewall  object 0  index 0  insns 105  packets 0\n"
                               "2: xdp  name drop  object 1  index 0  insns 2  attached  packets 0\n");
    char want[512];
    snprintf(want, sizeof(want), "nicctl: %s:6: prog_unload: program 2: seq 30, descriptor 29: "
                                 "PROG_BUSY: program 2 is attached\n", path_in("batch.txt"));
    assert_string_equal(r.err, want);
    RUN(&r, nicctl, "-j", corpus_fw, "prog", "attach", "id", "1", "replace", "id", "3");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "PROG_MISMATCH: program 1 is attached, not the expected 3"));
    RUN(&r, nicctl, "--no-attach", "-j", corpus_fw, "prog", "show");
    assert_string_equal(r.out, "{\"progs\":[]}\n");
    RUN(&r, nicctl, corpus_fw, "stats");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "device.commands 6\n")); /* dev_info, 3 map_info, load, attach */
    assert_non_null(strstr(r.out, "host.submitted 7\n"));  /* and stats itself */
    /* faults on the way: the same answers */
    RUN(&r, nicctl, "--faults", "dma=0.2,drop=0.2,seed=3", "-j", corpus_fw, "--maps-in",
        "sim/corpus/firewall.maps.json", "map", "dump", "name", "blocked_src");
    assert_int_equal(r.status, 0);
    json_error_t je;
    json_t *o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    assert_int_equal(jnum(o, "count"), 3);
    json_decref(o);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/nicdrv-cli-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(corpus_fw, sizeof(corpus_fw), "%s/corpus/firewall.o", env("BUILD", "build"));
    snprintf(corpus_drop, sizeof(corpus_drop), "%s/corpus/drop.o", env("BUILD", "build"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_model),
        cmocka_unit_test(test_schedule_rtl),
        cmocka_unit_test(test_schedule_faults),
        cmocka_unit_test(test_schedule_nic),
        cmocka_unit_test(test_schedule_errors),
        cmocka_unit_test(test_nicctl_maps),
        cmocka_unit_test(test_nicctl_progs_and_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
