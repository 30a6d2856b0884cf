/* Command-line behaviour on bad input: every case checks the exact message
 * and the exit status, and that nothing before the bad part is lost. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmdrun.h"

static const char *ebpfsim(void)
{
    const char *e = getenv("EBPFSIM");
    return e ? e : "build/ebpfsim";
}

static const char *build_dir(void)
{
    const char *b = getenv("BUILD");
    return b ? b : "build";
}

struct result {
    int status;
    char out[16384];
    char err[16384];
};

/* Run ebpfsim with the given arguments (NULL-terminated). */
static void run(struct result *r, ...)
{
    const char *argv[32] = {ebpfsim()};
    int argc = 1;
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    cmd_capture_into(&r->status, r->out, sizeof(r->out), r->err, sizeof(r->err), argv);
}

static void expect_err(const struct result *r, int status, const char *line)
{
    if (r->status != status || !strstr(r->err, line))
        fail_msg("exit %d (want %d)\nstderr: %s\nwant line: %s", r->status, status, r->err, line);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static size_t read_file_bytes(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static char obj_path[256], corpus_firewall[256];

static int setup(void **state)
{
    (void)state;
    snprintf(corpus_firewall, sizeof(corpus_firewall), "%s/corpus/firewall.o", build_dir());
    snprintf(obj_path, sizeof(obj_path), "%s/corpus/bad", build_dir());
    return 0;
}

/* A pcap cut in the middle of its 4th record: the first 3 packets are
 * processed and written, the error names record 4. */
static void test_truncated_pcap(void **state)
{
    (void)state;
    static uint8_t buf[1 << 20];
    size_t n = read_file_bytes("pcaps/udp64-1k.pcap", buf, sizeof(buf));
    assert_true(n > 24 + 4 * 76);
    /* header 24 bytes; each record: 16-byte header + 60 bytes */
    size_t cut = 24 + 3 * 76 + 16 + 20;
    write_file("/tmp/ebpfsim-trunc.pcap", buf, cut);
    struct result r;
    run(&r, "run", corpus_firewall, "--pcap", "/tmp/ebpfsim-trunc.pcap", "--out",
        "/tmp/ebpfsim-trunc-out", "--quiet", NULL);
    expect_err(&r, 1,
               "ebpfsim run: /tmp/ebpfsim-trunc.pcap: record 4: truncated dump file; tried to read "
               "60 captured bytes, only got 20 (3 packets before it were processed)\n");
    /* the three packets before it are in pass.pcap: 24 + 3 x (16 + 60) */
    struct stat st;
    assert_int_equal(stat("/tmp/ebpfsim-trunc-out/pass.pcap", &st), 0);
    assert_int_equal(st.st_size, 24 + 3 * 76);
}

static void test_unsupported_linktype(void **state)
{
    (void)state;
    /* pcap header with linktype 105 (IEEE 802.11) and one record */
    uint8_t p[24 + 16 + 20] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    p[16] = 0xff;
    p[17] = 0xff; /* snaplen */
    p[20] = 105;
    p[24 + 8] = 20;
    p[24 + 12] = 20;
    write_file("/tmp/ebpfsim-80211.pcap", p, sizeof(p));
    struct result r;
    run(&r, "run", corpus_firewall, "--pcap", "/tmp/ebpfsim-80211.pcap", NULL);
    expect_err(&r, 1,
               "ebpfsim run: /tmp/ebpfsim-80211.pcap: linktype 105 (IEEE802_11) is not supported: "
               "XDP programs expect Ethernet frames (Ethernet, raw IP, Linux cooked and BSD "
               "loopback traces are accepted)\n");
}

static void test_empty_trace(void **state)
{
    (void)state;
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    write_file("/tmp/ebpfsim-empty.pcap", hdr, sizeof(hdr));
    struct result r;
    run(&r, "run", corpus_firewall, "--pcap", "/tmp/ebpfsim-empty.pcap", NULL);
    expect_err(&r, 1, "ebpfsim run: /tmp/ebpfsim-empty.pcap: the trace holds no packets\n");
    run(&r, "nic", corpus_firewall, "--pcap", "/tmp/ebpfsim-empty.pcap", NULL);
    expect_err(&r, 1, "ebpfsim nic: /tmp/ebpfsim-empty.pcap: the trace holds no packets\n");
}

/* An object without a symbol table (section stripped). */
static void test_elf_missing_section(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "llvm-strip --strip-all %s -o /tmp/ebpfsim-stripped.o",
             corpus_firewall);
    assert_int_equal(system(cmd), 0);
    struct result r;
    run(&r, "run", "/tmp/ebpfsim-stripped.o", "--pcap", "pcaps/mix-1k.pcap", NULL);
    expect_err(&r, 1, "ebpfsim run: /tmp/ebpfsim-stripped.o: no symbol table (.symtab)\n");
}

static void test_relocation_unknown_symbol(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof(path), "%s/extern_ksym.o", obj_path);
    struct result r;
    run(&r, "run", path, "--pcap", "pcaps/mix-1k.pcap", NULL);
    char want[512];
    snprintf(want, sizeof(want),
             "ebpfsim run: %s: section xdp: relocation 0 against unknown symbol "
             "'LINUX_KERNEL_VERSION' (externs, ksyms and kconfig are not supported)\n",
             path);
    expect_err(&r, 1, want);
}

static void test_unsupported_helper(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof(path), "%s/unsupported_helper.o", obj_path);
    struct result r;
    run(&r, "run", path, "--pcap", "pcaps/mix-1k.pcap", NULL);
    char want[512];
    snprintf(want, sizeof(want),
             "ebpfsim run: %s: program 'unsupported_helper' (section xdp): insn 7 calls helper "
             "bpf_check_mtu (id 163), which the model does not implement\n",
             path);
    expect_err(&r, 1, want);
}

static void test_maps_json_wrong_key_size(void **state)
{
    (void)state;
    const char *json = "{\"stats\": [{\"key\": \"0100\", \"value\": \"0000000000000000\"}]}";
    write_file("/tmp/ebpfsim-badkey.json", json, strlen(json));
    struct result r;
    run(&r, "run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--maps-in",
        "/tmp/ebpfsim-badkey.json", NULL);
    expect_err(&r, 1,
               "ebpfsim run: /tmp/ebpfsim-badkey.json: map 'stats' entry 0: key '0100' is not 4 "
               "bytes of hex\n");
    const char *json2 = "{\"nosuch\": []}";
    write_file("/tmp/ebpfsim-nomap.json", json2, strlen(json2));
    run(&r, "run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--maps-in",
        "/tmp/ebpfsim-nomap.json", NULL);
    expect_err(&r, 1, "ebpfsim run: /tmp/ebpfsim-nomap.json: no map named 'nosuch' in the object\n");
    unlink("/tmp/ebpfsim-no-such.json");
    run(&r, "run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--maps-in",
        "/tmp/ebpfsim-no-such.json", NULL);
    expect_err(&r, 1, "ebpfsim run: /tmp/ebpfsim-no-such.json: No such file or directory\n");
}

static void test_bad_config(void **state)
{
    (void)state;
    const char *ini = "[core]\nclock_mhz = 250\n\n[core]\nfrobnicate = 3\n";
    write_file("/tmp/ebpfsim-bad1.ini", ini, strlen(ini));
    struct result r;
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--config",
        "/tmp/ebpfsim-bad1.ini", NULL);
    expect_err(&r, 2, "ebpfsim nic: /tmp/ebpfsim-bad1.ini:5: unknown key 'frobnicate' in [core]\n");
    /* --config=FILE is read too, and before any --set whatever the order */
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--config=/tmp/ebpfsim-bad1.ini",
        NULL);
    expect_err(&r, 2, "ebpfsim nic: /tmp/ebpfsim-bad1.ini:5: unknown key 'frobnicate' in [core]\n");
    ini = "[core]\ncores = 7\nclock_mhz = 300\n";
    write_file("/tmp/ebpfsim-cores7.ini", ini, strlen(ini));
    run(&r, "nic", "--set", "core.cores=3", "--config=/tmp/ebpfsim-cores7.ini", "--print-config", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "[core]\nclock_mhz = 300\ncores = 3\n"));
    ini = "[nic]\nline_rate_gbps = 4000\n";
    write_file("/tmp/ebpfsim-bad2.ini", ini, strlen(ini));
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--config",
        "/tmp/ebpfsim-bad2.ini", NULL);
    expect_err(&r, 2,
               "ebpfsim nic: /tmp/ebpfsim-bad2.ini:2: nic.line_rate_gbps = 4000 is out of range "
               "(0.001..1600)\n");
    ini = "[pcie]\nlanes = 3\n";
    write_file("/tmp/ebpfsim-bad3.ini", ini, strlen(ini));
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--config",
        "/tmp/ebpfsim-bad3.ini", NULL);
    expect_err(&r, 2, "ebpfsim nic: /tmp/ebpfsim-bad3.ini:2: pcie.lanes = 3 must be a power of two\n");
    ini = "[gpu]\ncores = 3\n";
    write_file("/tmp/ebpfsim-bad4.ini", ini, strlen(ini));
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--config",
        "/tmp/ebpfsim-bad4.ini", NULL);
    expect_err(&r, 2,
               "ebpfsim nic: /tmp/ebpfsim-bad4.ini:2: unknown section [gpu] (core, helpers, "
               "memory, nic, pcie, rings)\n");
    /* an impossible rate on the command line */
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--set",
        "nic.line_rate_gbps=-10", NULL);
    expect_err(&r, 2,
               "ebpfsim nic: --set nic.line_rate_gbps=-10: nic.line_rate_gbps = -10 is out of "
               "range (0.001..1600)\n");
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--set", "nic.line_rate_gbps=0",
        NULL);
    expect_err(&r, 2,
               "ebpfsim nic: --set nic.line_rate_gbps=0: nic.line_rate_gbps = 0 is out of range "
               "(0.001..1600)\n");
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--set", "core.cores=two", NULL);
    expect_err(&r, 2, "ebpfsim nic: --set core.cores=two: core.cores = 'two' is not a number\n");
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--set",
        "nic.dispatch=random", NULL);
    expect_err(&r, 2,
               "ebpfsim nic: --set nic.dispatch=random: nic.dispatch = 'random': expected one of "
               "round_robin, flow_hash\n");
}

/* ebpfsim report: the sweep's grid is checked with the configuration's own
 * ranges before anything runs; an empty trace is refused. */
static void test_report_bad_input(void **state)
{
    (void)state;
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    write_file("/tmp/ebpfsim-empty.pcap", hdr, sizeof(hdr));
    struct result r;
    run(&r, "report", "--out", "/tmp/ebpfsim-rep-bad", "--program", corpus_firewall, "--pcap",
        "/tmp/ebpfsim-empty.pcap", NULL);
    expect_err(&r, 2, "ebpfsim report: /tmp/ebpfsim-empty.pcap: the trace holds no packets\n");
    static const struct {
        const char *opt, *value, *want;
    } cases[] = {
        {"--rates", "0,10", "ebpfsim report: --rates 0,10: nic.line_rate_gbps = 0 is out of range (0.001..1600)\n"},
        {"--rates", "2000", "ebpfsim report: --rates 2000: nic.line_rate_gbps = 2000 is out of range (0.001..1600)\n"},
        {"--cores", "0", "ebpfsim report: --cores 0: core.cores = 0 is out of range (1..64)\n"},
        {"--cores", "1-65", "ebpfsim report: --cores 1-65: core.cores = 65 is out of range (1..64)\n"},
        {"--cores", "2,2", "ebpfsim report: --cores 2,2: 2 is listed twice\n"},
        {"--cores", "1,,2", "ebpfsim report: --cores 1,,2: empty value in the list\n"},
        {"--clock", "fast", "ebpfsim report: --clock fast: core.clock_mhz = 'fast' is not a number\n"},
        {"--placement", "sram,flash",
         "ebpfsim report: --placement sram,flash: memory.placement = 'flash': expected one of sram, dram, host\n"},
        {"--cross", "cores,speed",
         "ebpfsim report: --cross cores,speed: 'speed' is not a dimension (all, none, or a list of rates, "
         "cores, clock, placement)\n"},
        {"--set", "core.frobnicate=1", "ebpfsim report: --set core.frobnicate=1: unknown key 'frobnicate' in [core]\n"},
        {"-j", "0", "ebpfsim report: -j 0: expected 1..256 processes\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run(&r, "report", "--out", "/tmp/ebpfsim-rep-bad", "--program", corpus_firewall, "--pcap",
            "pcaps/udp64-1k.pcap", cases[i].opt, cases[i].value, NULL);
        expect_err(&r, 2, cases[i].want);
    }
    const char *ini = "[core]\nclock_mhz = 0\n";
    write_file("/tmp/ebpfsim-bad5.ini", ini, strlen(ini));
    run(&r, "report", "--out", "/tmp/ebpfsim-rep-bad", "--program", corpus_firewall, "--pcap",
        "pcaps/udp64-1k.pcap", "--config", "/tmp/ebpfsim-bad5.ini", NULL);
    expect_err(&r, 2, "ebpfsim report: /tmp/ebpfsim-bad5.ini:2: core.clock_mhz = 0 is out of range (1..5000)\n");
    run(&r, "report", "--out", "/tmp/ebpfsim-rep-bad", "--pcap", "pcaps/udp64-1k.pcap", NULL);
    expect_err(&r, 2, "ebpfsim report: expected at least one --program PROG.o\n");
    run(&r, "report", "merge", "/tmp/ebpfsim-no-such-sweep", NULL);
    expect_err(&r, 2,
               "ebpfsim report: /tmp/ebpfsim-no-such-sweep/sweep.json: no sweep plan (ebpfsim report "
               "plan writes it)\n");
    write_file("/tmp/ebpfsim-bench.json", "{\"ops\": ", 9);
    run(&r, "report", "--out", "/tmp/ebpfsim-rep-bad", "--program", corpus_firewall, "--pcap",
        "pcaps/udp64-1k.pcap", "--driver-bench", "/tmp/ebpfsim-bench.json", NULL);
    expect_err(&r, 2, "ebpfsim report: /tmp/ebpfsim-bench.json: line 1: ");
    /* an impossible clock for run's throughput estimate */
    run(&r, "run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--timing", "--clock-mhz", "0", NULL);
    expect_err(&r, 2, "ebpfsim run: --clock-mhz must be 1..10000\n");
}

/* Run ebpfsim with stderr on a terminal (a pseudo-terminal) and return
 * what the terminal showed. */
static void run_on_tty(char *out, size_t cap, const char *const *args)
{
    const char *argv[32] = {ebpfsim()};
    int argc = 1;
    for (; *args && argc < 31; args++)
        argv[argc++] = *args;
    argv[argc] = NULL;
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1); /* the summary: only stderr stays on the terminal */
        setenv("EBPFSIM_PROGRESS_INTERVAL", "0", 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(master, out + n, cap - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = 0;
    int st;
    waitpid(pid, &st, 0);
    close(master);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Long runs show "N packets, R packets/s, P%, ETA S s" on a terminal, and
 * erase it at the end; with stderr not a terminal they print nothing. */
static void test_progress_line(void **state)
{
    (void)state;
    static char out[1 << 20];
    const char *run_args[] = {"run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", NULL};
    const char *nic_args[] = {"nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", NULL};
    const char *diff_args[] = {"diff", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", "--engines",
                               "model,model", NULL};
    const char *const *all[] = {run_args, nic_args, diff_args};
    for (size_t i = 0; i < 3; i++) {
        run_on_tty(out, sizeof(out), all[i]);
        /* the last update before the end: all 1000 packets */
        if (!strstr(out, "\r  1000 packets, ") && !strstr(out, "\r  960 packets, "))
            fail_msg("%s: no progress line on the terminal:\n%.300s", all[i][0], out);
        if (!strstr(out, " packets/s, ") || !strstr(out, "%, ETA "))
            fail_msg("%s: progress line without rate or ETA:\n%.300s", all[i][0], out);
        /* erased at the end: the output ends with a carriage return */
        size_t n = strlen(out);
        assert_true(n > 0 && out[n - 1] == '\r');
    }
    /* the report's runner counts points */
    const char *report_args[] = {"report", "--out", "/tmp/ebpfsim-rep-progress", "--program",
                                 corpus_firewall, "--pcap", "pcaps/udp64-1k.pcap", "--cores", "1-3",
                                 "--kernel-repeat", "0", "-j", "1", NULL};
    run_on_tty(out, sizeof(out), report_args);
    if (!strstr(out, "\r  3 points, ") || !strstr(out, " points/s, 100%, ETA 0 s"))
        fail_msg("report: no progress line on the terminal:\n%.300s", out);
    /* not a terminal: quiet */
    struct result r;
    setenv("EBPFSIM_PROGRESS_INTERVAL", "0", 1);
    run(&r, "run", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", NULL);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.err, "packets/s"));
    run(&r, "nic", corpus_firewall, "--pcap", "pcaps/mix-1k.pcap", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    unsetenv("EBPFSIM_PROGRESS_INTERVAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_pcap),
        cmocka_unit_test(test_unsupported_linktype),
        cmocka_unit_test(test_empty_trace),
        cmocka_unit_test(test_elf_missing_section),
        cmocka_unit_test(test_relocation_unknown_symbol),
        cmocka_unit_test(test_unsupported_helper),
        cmocka_unit_test(test_maps_json_wrong_key_size),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_report_bad_input),
        cmocka_unit_test(test_progress_line),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
