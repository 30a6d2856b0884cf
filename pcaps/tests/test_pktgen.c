/*
 * Tests of the deterministic traffic generator (pcaps/src, build/pktgen).
 *
 * Run from the repository root: the checked-in traces and the commands
 * documented for them in pcaps/README.md are read from pcaps/.
 *
 * The frame parser and the checksum verifier below are written here on
 * purpose, independently of the library's builders, so a builder bug
 * cannot hide itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pktgen.h"

/* ================================================================ helpers */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static char *tmp_path(char *buf, size_t len, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, len, "%s/pktgen-test-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
    return buf;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

static void write_trace(pg_config *cfg, const char *path)
{
    char err[256];
    cfg->out = path;
    int rc = pg_write_trace(cfg, NULL, err, sizeof err);
    if (rc)
        fail_msg("pg_write_trace: %s", err);
}

static void cfg_for(pg_config *cfg, const char *mix, uint64_t count, uint64_t seed)
{
    pg_config_default(cfg);
    cfg->mix = pg_mix_lookup(mix);
    assert_true(cfg->mix >= 0);
    cfg->count = count;
    cfg->seed = seed;
}

/* ================================================================ checksum verifier */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* true when the one's-complement sum over everything (checksum included) is 0xffff */
static int folds_ok(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s == 0xffff;
}

static int l4_ok(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
                 size_t len)
{
    uint32_t s = 0;
    if (proto != 1) { /* ICMPv4 has no pseudo header */
        size_t al = v6 ? 16 : 4;
        s = sum16(src, al, s);
        s = sum16(dst, al, s);
        s += proto;
        s += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
    }
    s = sum16(l4, len, s);
    return folds_ok(s);
}

/* ================================================================ frame parser */

typedef struct parsed {
    char path[200];      /* e.g. "eth/8021q/ipv4/tcp" */
    int ip_ok, ip_bad;   /* IPv4 header checksums */
    int l4_ok, l4_bad;   /* TCP/UDP/ICMP/ICMPv6 checksums, whole segment present */
    int l4_none;         /* UDP over IPv4 with checksum 0 */
    int n_tcp, n_udp, n_icmp, n_icmp6; /* verified, by protocol */
    int trunc;           /* a header did not fit in the captured bytes */
    int bad;             /* inconsistent header (IHL, lengths) */
    int frag_first, frag_later;
    uint16_t outer_type; /* ethertype after all VLAN tags of the outer frame */
    const uint8_t *ip4;  /* first IPv4 header */
    const uint8_t *ip6;  /* first IPv6 header */
    const uint8_t *l4;   /* first L4 header */
    uint16_t udp_dport;
    uint32_t vni;
    uint16_t gre_proto;
} parsed;

static void add(parsed *P, const char *tok)
{
    size_t n = strlen(P->path);
    snprintf(P->path + n, sizeof P->path - n, "%s%s", n ? "/" : "", tok);
}

static void parse_eth(const uint8_t *d, size_t n, parsed *P, int depth);
static void parse_ip4(const uint8_t *d, size_t n, parsed *P, int depth);
static void parse_ip6(const uint8_t *d, size_t n, parsed *P, int depth);

/* L4 header and payload: d/n is the whole segment as far as it is present;
 * full says whether the IP length says it is all there. */
static void parse_l4(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                     const uint8_t *d, size_t n, int full, parsed *P, int depth)
{
    switch (proto) {
    case 6:
        add(P, "tcp");
        if (!P->l4)
            P->l4 = d;
        if (n < 20 || ((d[12] >> 4) * 4u) > n) {
            P->trunc = 1;
            return;
        }
        if (full) {
            if (l4_ok(v6, src, dst, 6, d, n))
                P->l4_ok++, P->n_tcp++;
            else
                P->l4_bad++;
        }
        return;
    case 17:
        add(P, "udp");
        if (!P->l4)
            P->l4 = d;
        if (n < 8) {
            P->trunc = 1;
            return;
        }
        if (full) {
            if (rd16(d + 4) != n)
                P->bad = 1;
            else if (!v6 && rd16(d + 6) == 0)
                P->l4_none++;
            else if (l4_ok(v6, src, dst, 17, d, n))
                P->l4_ok++, P->n_udp++;
            else
                P->l4_bad++;
        }
        if (rd16(d + 2) == PG_VXLAN_PORT && n >= 16) {
            if (!P->udp_dport)
                P->udp_dport = PG_VXLAN_PORT;
            add(P, "vxlan");
            if (d[8] != 0x08)
                P->bad = 1;
            P->vni = (uint32_t)(d[12] << 16 | d[13] << 8 | d[14]);
            parse_eth(d + 16, n - 16, P, depth + 1);
        } else if (!P->udp_dport) {
            P->udp_dport = rd16(d + 2);
        }
        return;
    case 1:
        add(P, "icmp");
        if (!P->l4)
            P->l4 = d;
        if (n < 8) {
            P->trunc = 1;
            return;
        }
        if (full) {
            if (l4_ok(0, NULL, NULL, 1, d, n))
                P->l4_ok++, P->n_icmp++;
            else
                P->l4_bad++;
        }
        return;
    case 58:
        add(P, "icmp6");
        if (!P->l4)
            P->l4 = d;
        if (n < 8) {
            P->trunc = 1;
            return;
        }
        if (full) {
            if (l4_ok(1, src, dst, 58, d, n))
                P->l4_ok++, P->n_icmp6++;
            else
                P->l4_bad++;
        }
        return;
    case 47: {
        add(P, "gre");
        if (n < 4) {
            P->trunc = 1;
            return;
        }
        uint16_t fl = rd16(d);
        size_t hl = 4 + ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) + ((fl & 0x1000) ? 4 : 0);
        if ((fl & 7) != 0 || n < hl) {
            P->bad = 1;
            return;
        }
        P->gre_proto = rd16(d + 2);
        if (P->gre_proto == PG_ETH_IPV4)
            parse_ip4(d + hl, n - hl, P, depth + 1);
        else if (P->gre_proto == PG_ETH_IPV6)
            parse_ip6(d + hl, n - hl, P, depth + 1);
        return;
    }
    case 4:
        parse_ip4(d, n, P, depth + 1);
        return;
    case 41:
        parse_ip6(d, n, P, depth + 1);
        return;
    default:
        add(P, "proto?");
        return;
    }
}

static void parse_ip4(const uint8_t *d, size_t n, parsed *P, int depth)
{
    add(P, "ipv4");
    if (depth > 4)
        return;
    if (!P->ip4)
        P->ip4 = d;
    if (n < 20) {
        P->trunc = 1;
        return;
    }
    size_t hl = (d[0] & 15) * 4u;
    size_t tot = rd16(d + 2);
    if ((d[0] >> 4) != 4 || hl < 20 || hl > tot) {
        P->bad = 1;
        return;
    }
    if (hl > n) {
        P->trunc = 1;
        return;
    }
    if (folds_ok(sum16(d, hl, 0)))
        P->ip_ok++;
    else
        P->ip_bad++;
    if (tot > n) { /* total length beyond what we have: truncated or lying */
        P->trunc = 1;
    }
    size_t avail = (tot < n ? tot : n) - hl;
    uint16_t frag = rd16(d + 6);
    int more = (frag & 0x2000) != 0;
    unsigned off = frag & 0x1fff;
    if (off) {
        P->frag_later++;
        add(P, "frag");
        return;
    }
    if (more) {
        P->frag_first++;
        add(P, "frag");
    }
    parse_l4(0, d + 12, d + 16, d[9], d + hl, avail, tot <= n && !more, P, depth);
}

static void parse_ip6(const uint8_t *d, size_t n, parsed *P, int depth)
{
    add(P, "ipv6");
    if (depth > 4)
        return;
    if (!P->ip6)
        P->ip6 = d;
    if (n < 40) {
        P->trunc = 1;
        return;
    }
    if ((d[0] >> 4) != 6) {
        P->bad = 1;
        return;
    }
    size_t plen = rd16(d + 4);
    size_t avail = plen < n - 40 ? plen : n - 40;
    int full = plen <= n - 40;
    if (!full)
        P->trunc = 1;
    const uint8_t *final_dst = d + 24;
    uint8_t nh = d[6];
    const uint8_t *q = d + 40;
    for (;;) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (avail < 8) {
                P->trunc = 1;
                return;
            }
            size_t el = (q[1] + 1u) * 8;
            if (el > avail) {
                P->trunc = 1;
                return;
            }
            add(P, nh == 0 ? "hbh" : nh == 43 ? "rt" : "dst");
            if (nh == 43 && q[2] == 4 && q[3] > 0) /* SRH: segment[0] is the final destination */
                final_dst = q + 8;
            nh = q[0];
            q += el;
            avail -= el;
        } else if (nh == 44) {
            if (avail < 8) {
                P->trunc = 1;
                return;
            }
            add(P, "frag6");
            uint16_t fo = rd16(q + 2);
            if (fo >> 3) {
                P->frag_later++;
                return;
            }
            if (fo & 1) {
                P->frag_first++;
                full = 0;
            }
            nh = q[0];
            q += 8;
            avail -= 8;
        } else {
            break;
        }
    }
    parse_l4(1, d + 8, final_dst, nh, q, avail, full, P, depth);
}

static void parse_eth(const uint8_t *d, size_t n, parsed *P, int depth)
{
    add(P, "eth");
    if (n < 14) {
        P->trunc = 1;
        return;
    }
    uint16_t type = rd16(d + 12);
    size_t o = 14;
    while (type == PG_ETH_VLAN || type == PG_ETH_QINQ) {
        add(P, type == PG_ETH_VLAN ? "8021q" : "8021ad");
        if (n < o + 4) {
            P->trunc = 1;
            return;
        }
        type = rd16(d + o + 2);
        o += 4;
    }
    if (depth == 0)
        P->outer_type = type;
    if (type == PG_ETH_IPV4)
        parse_ip4(d + o, n - o, P, depth);
    else if (type == PG_ETH_IPV6)
        parse_ip6(d + o, n - o, P, depth);
    else if (type == PG_ETH_ARP)
        add(P, n - o >= 28 ? "arp" : "arp-short");
    else
        add(P, "type?");
}

static void parse_frame(const uint8_t *d, size_t caplen, parsed *P)
{
    memset(P, 0, sizeof *P);
    parse_eth(d, caplen, P, 0);
}

static void parse_pkt(const pg_pkt *p, parsed *P)
{
    parse_frame(p->buf + p->head, p->caplen, P);
}

/* ================================================================ tests */

/* --- determinism */

static void test_same_seed_identical(void **state)
{
    (void)state;
    static const char *const mixes[] = { "default", "malformed", "tunnels", "ipv6", "large", "imix", "64" };
    for (size_t m = 0; m < sizeof mixes / sizeof mixes[0]; m++) {
        for (int ng = 0; ng < 2; ng++) {
            char a[256], b[256];
            pg_config cfg;
            cfg_for(&cfg, mixes[m], 400, 12345);
            cfg.pcapng = ng;
            write_trace(&cfg, tmp_path(a, sizeof a, "a"));
            write_trace(&cfg, tmp_path(b, sizeof b, "b"));
            size_t na, nb;
            uint8_t *da = slurp(a, &na), *db = slurp(b, &nb);
            assert_non_null(da);
            assert_non_null(db);
            assert_true(na > 400 * 60);
            assert_int_equal(na, nb);
            assert_memory_equal(da, db, na);
            free(da);
            free(db);
            unlink(a);
            unlink(b);
        }
    }
}

static void test_different_seed_differs(void **state)
{
    (void)state;
    pg_config c1, c2;
    cfg_for(&c1, "default", 500, 1);
    cfg_for(&c2, "default", 500, 2);
    pg_gen *g1 = pg_gen_new(&c1), *g2 = pg_gen_new(&c2);
    assert_non_null(g1);
    assert_non_null(g2);
    int same = 0;
    for (int i = 0; i < 500; i++) {
        const pg_pkt *p = pg_gen_next(g1);
        size_t n1 = p->caplen;
        uint8_t b1[PG_MAX_FRAME];
        memcpy(b1, p->buf + p->head, n1);
        const pg_pkt *q = pg_gen_next(g2);
        if (q->caplen == n1 && !memcmp(b1, q->buf + q->head, n1))
            same++;
    }
    pg_gen_free(g1);
    pg_gen_free(g2);
    assert_true(same < 5); /* essentially every frame differs */

    char a[256], b[256];
    write_trace(&c1, tmp_path(a, sizeof a, "s1"));
    write_trace(&c2, tmp_path(b, sizeof b, "s2"));
    size_t na, nb;
    uint8_t *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_true(na != nb || memcmp(da, db, na) != 0);
    /* the 24-byte file headers are equal, the first record already differs */
    assert_memory_equal(da, db, 24);
    assert_true(memcmp(da + 24, db + 24, 64) != 0);
    free(da);
    free(db);
    unlink(a);
    unlink(b);
}

/* --- checked-in traces and their documented commands */

static const char *const required_traces[] = {
    "pcaps/mix-1k.pcap",       "pcaps/udp64-1k.pcap",  "pcaps/imix-1k.pcap",
    "pcaps/malformed-200.pcap", "pcaps/tunnels-200.pcap", "pcaps/ipv6-200.pcap",
};
#define NREQ (sizeof required_traces / sizeof required_traces[0])

static void test_checked_in_traces_regenerate(void **state)
{
    (void)state;
    FILE *f = fopen("pcaps/README.md", "r");
    if (!f)
        fail_msg("pcaps/README.md not found (run the test from the repository root): %s",
                 strerror(errno));
    char line[1024];
    int found[NREQ] = { 0 };
    int commands = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "build/pktgen --out pcaps/", 25))
            continue;
        char *argv[64];
        int argc = 0;
        char *save = NULL;
        argv[argc++] = "pktgen";
        for (char *t = strtok_r(line + 13, " \t\r\n", &save); t && argc < 63;
             t = strtok_r(NULL, " \t\r\n", &save))
            argv[argc++] = t;
        argv[argc] = NULL;
        pg_config cfg;
        char err[256];
        int rc = pg_parse_args(argc, argv, &cfg, err, sizeof err);
        if (rc != PG_ARGS_OK)
            fail_msg("README command does not parse: %s", err);
        assert_non_null(cfg.out);
        const char *want = cfg.out;
        size_t i;
        for (i = 0; i < NREQ; i++)
            if (!strcmp(want, required_traces[i]))
                found[i]++;
        size_t nw;
        uint8_t *dw = slurp(want, &nw);
        if (!dw)
            fail_msg("%s is documented but missing", want);
        char tmp[256];
        write_trace(&cfg, tmp_path(tmp, sizeof tmp, "readme"));
        size_t ng;
        uint8_t *dg = slurp(tmp, &ng);
        assert_non_null(dg);
        if (nw != ng || memcmp(dw, dg, nw))
            fail_msg("%s does not regenerate byte-identically (%zu vs %zu bytes)", want, nw, ng);
        assert_true(nw < 384 * 1024); /* small enough to keep in the repository */
        printf("    regenerated %s (%zu bytes)\n", want, nw);
        free(dw);
        free(dg);
        unlink(tmp);
        commands++;
    }
    fclose(f);
    for (size_t i = 0; i < NREQ; i++)
        if (found[i] != 1)
            fail_msg("%s: documented %d times in pcaps/README.md, expected once", required_traces[i],
                     found[i]);
    assert_true(commands >= (int)NREQ);
}

/* The command and the library agree: build/pktgen writes what pg_write_trace writes. */
static const char *pktgen_bin(void)
{
    const char *b = getenv("PKTGEN");
    if (!b || !*b)
        b = "build/pktgen";
    return access(b, X_OK) == 0 ? b : NULL;
}

static int run_cmd(const char *cmd, char *out, size_t outlen)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_command_matches_library(void **state)
{
    (void)state;
    const char *bin = pktgen_bin();
    if (!bin)
        skip();
    char a[256], b[256], cmd[1024], out[4096];
    tmp_path(a, sizeof a, "cmd");
    snprintf(cmd, sizeof cmd, "%s --out %s --mix tunnels --count 150 --seed 0x2a --flows 9 "
             "--rate-gbps 2.5 2>&1", bin, a);
    assert_int_equal(run_cmd(cmd, out, sizeof out), 0);
    pg_config cfg;
    cfg_for(&cfg, "tunnels", 150, 42);
    cfg.flows = 9;
    cfg.rate_bps = 2500000000ull;
    write_trace(&cfg, tmp_path(b, sizeof b, "lib"));
    size_t na, nb;
    uint8_t *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    unlink(a);
    unlink(b);
}

/* --- checksums */

typedef struct vcount {
    int ip, l4, tcp, udp, icmp, icmp6;
} vcount;

static void check_wellformed(const pg_pkt *p, vcount *vc)
{
    parsed P;
    parse_pkt(p, &P);
    if (P.ip_bad || P.l4_bad || P.bad || P.trunc)
        fail_msg("well-formed %s frame fails: path %s ip_bad %d l4_bad %d bad %d trunc %d",
                 pg_kind_name(p->kind), P.path, P.ip_bad, P.l4_bad, P.bad, P.trunc);
    assert_int_equal(p->caplen, p->len);
    assert_true(p->len >= PG_MIN_FRAME);
    vc->ip += P.ip_ok;
    vc->l4 += P.l4_ok;
    vc->tcp += P.n_tcp;
    vc->udp += P.n_udp;
    vc->icmp += P.n_icmp;
    vc->icmp6 += P.n_icmp6;
}

static void test_checksums_wellformed(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "default", 0, 99);
    pg_gen *g = pg_gen_new(&cfg);
    assert_non_null(g);
    vcount vc = { 0 };
    /* every well-formed kind, 40 events each */
    for (int k = 0; k < PG_K_FIRST_MALFORMED; k++) {
        for (int e = 0; e < 40; e++) {
            int n = pg_gen_emit(g, k);
            assert_true(n >= 1);
            for (int i = 0; i < n; i++) {
                const pg_pkt *p = pg_gen_next(g);
                assert_int_equal(p->kind, k);
                check_wellformed(p, &vc);
            }
        }
    }
    /* and a long run of the default mix */
    for (int i = 0; i < 5000; i++) {
        const pg_pkt *p = pg_gen_next(g);
        if (!pg_kind_is_malformed(p->kind))
            check_wellformed(p, &vc);
    }
    pg_gen_free(g);
    printf("    verified %d IPv4 header and %d L4 checksums (tcp %d udp %d icmp %d icmp6 %d)\n",
           vc.ip, vc.l4, vc.tcp, vc.udp, vc.icmp, vc.icmp6);
    assert_true(vc.tcp > 1000);
    assert_true(vc.udp > 500);
    assert_true(vc.icmp >= 40);
    assert_true(vc.icmp6 >= 80); /* echo and neighbour solicitation */
    assert_true(vc.ip > 1000);
}

static void test_bad_checksums_fail(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "default", 0, 5);
    pg_gen *g = pg_gen_new(&cfg);
    for (int e = 0; e < 200; e++) {
        assert_int_equal(pg_gen_emit(g, PG_K_BAD_IP_CSUM), 1);
        parsed P;
        parse_pkt(pg_gen_next(g), &P);
        assert_int_equal(P.ip_bad, 1);
        assert_int_equal(P.ip_ok, 0);
        assert_int_equal(P.l4_bad, 0); /* only the IP header is damaged */

        assert_int_equal(pg_gen_emit(g, PG_K_BAD_L4_CSUM), 1);
        parse_pkt(pg_gen_next(g), &P);
        assert_int_equal(P.l4_bad, 1);
        assert_int_equal(P.l4_ok, 0);
        assert_int_equal(P.ip_bad, 0);
    }
    pg_gen_free(g);
}

/* Every checksum in the all-well-formed checked-in traces verifies. */
static void verify_file(const char *path, int *frames, int *ip, int *l4)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, eb);
    if (!p)
        fail_msg("%s: %s", path, eb);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(p, &h, &d) == 1) {
        parsed P;
        parse_frame(d, h->caplen, &P);
        if (P.ip_bad || P.l4_bad || P.bad || P.trunc || h->caplen != h->len)
            fail_msg("%s frame %d: %s fails", path, *frames, P.path);
        *ip += P.ip_ok;
        *l4 += P.l4_ok;
        (*frames)++;
    }
    pcap_close(p);
}

static void test_checked_in_checksums(void **state)
{
    (void)state;
    static const char *const files[] = { "pcaps/ipv6-200.pcap", "pcaps/tunnels-200.pcap",
                                         "pcaps/udp64-1k.pcap", "pcaps/imix-1k.pcap" };
    for (size_t i = 0; i < 4; i++) {
        int frames = 0, ip = 0, l4 = 0;
        verify_file(files[i], &frames, &ip, &l4);
        printf("    %s: %d frames, %d IPv4 and %d L4 checksums ok\n", files[i], frames, ip, l4);
        assert_true(frames >= 200);
        assert_true(l4 >= frames * 9 / 10);
    }
}

/* --- sizes and timestamps */

static void test_imix_ratio(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "imix", 0, 2024);
    pg_gen *g = pg_gen_new(&cfg);
    uint64_t c64 = 0, c576 = 0, c1500 = 0, other = 0;
    for (int i = 0; i < 120000; i++) {
        const pg_pkt *p = pg_gen_next(g);
        uint32_t wire = p->len + PG_FCS_LEN;
        if (wire == 64)
            c64++;
        else if (wire == 576)
            c576++;
        else if (wire == 1500)
            c1500++;
        else
            other++;
        assert_int_equal(p->caplen, p->len);
        /* the 7:4:1 ratio holds in every block of 12 */
        if ((i + 1) % 12 == 0) {
            assert_int_equal(c64 * 4, c576 * 7);
            assert_int_equal(c576, c1500 * 4);
        }
    }
    pg_gen_free(g);
    assert_int_equal(other, 0);
    assert_int_equal(c64, 70000);
    assert_int_equal(c576, 40000);
    assert_int_equal(c1500, 10000);

    /* the checked-in 1000-frame trace: 83 full blocks + 4 frames */
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline("pcaps/imix-1k.pcap", eb);
    if (!p)
        fail_msg("%s", eb);
    struct pcap_pkthdr *h;
    const u_char *d;
    c64 = c576 = c1500 = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        c64 += h->len == 60;
        c576 += h->len == 572;
        c1500 += h->len == 1496;
    }
    pcap_close(p);
    assert_int_equal(c64 + c576 + c1500, 1000);
    assert_true(c64 >= 581 && c64 <= 585);
    assert_true(c576 >= 332 && c576 <= 336);
    assert_true(c1500 >= 83 && c1500 <= 84);
}

static void test_64_mix_and_timestamps(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "64", 0, 3);
    pg_gen *g = pg_gen_new(&cfg);
    for (uint64_t i = 0; i < 2000; i++) {
        const pg_pkt *p = pg_gen_next(g);
        assert_int_equal(p->len, 60);
        assert_int_equal(p->caplen, 60);
        parsed P;
        parse_pkt(p, &P);
        assert_string_equal(P.path, "eth/ipv4/udp");
        assert_int_equal(P.ip_ok, 1);
        assert_int_equal(P.l4_ok, 1);
        /* 84 bytes (60 + FCS 4 + preamble 8 + IFG 12) = 672 bits = 67.2 ns at 10 Gb/s */
        uint64_t ns = i * 672 / 10;
        assert_int_equal(p->ts_sec, PG_DEFAULT_EPOCH + ns / 1000000000u);
        assert_int_equal(p->ts_nsec, ns % 1000000000u);
    }
    pg_gen_free(g);

    /* the rate scales the spacing: 1 Gb/s, 100 frames of 60 bytes -> 672 ns apart */
    cfg_for(&cfg, "64", 0, 3);
    cfg.rate_bps = 1000000000ull;
    cfg.epoch = 1000;
    g = pg_gen_new(&cfg);
    for (uint32_t i = 0; i < 100; i++) {
        const pg_pkt *p = pg_gen_next(g);
        assert_int_equal(p->ts_sec, 1000);
        assert_int_equal(p->ts_nsec, i * 672);
    }
    pg_gen_free(g);
}

static void test_large_mix(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "large", 0, 8);
    pg_gen *g = pg_gen_new(&cfg);
    uint32_t maxlen = 0;
    int jumbo = 0;
    vcount vc = { 0 };
    for (int i = 0; i < 500; i++) {
        const pg_pkt *p = pg_gen_next(g);
        check_wellformed(p, &vc);
        if (p->len > maxlen)
            maxlen = p->len;
        jumbo += p->len > 1514;
    }
    pg_gen_free(g);
    assert_int_equal(maxlen, 9014); /* 9000-byte IP packets + Ethernet header */
    assert_true(jumbo > 150);
    assert_int_equal(vc.l4, 500);
}

/* --- malformed frames */

static void test_malformed_frames(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "malformed", 0, 77);
    pg_gen *g = pg_gen_new(&cfg);
    int seen[PG_K_COUNT] = { 0 };
    for (int i = 0; i < 3000; i++) {
        const pg_pkt *p = pg_gen_next(g);
        const uint8_t *d = p->buf + p->head;
        seen[p->kind]++;
        parsed P;
        parse_pkt(p, &P);
        switch (p->kind) {
        case PG_K_SNAP_TRUNC:
            assert_true(p->caplen < p->len);
            assert_true(p->caplen >= 14 && p->caplen <= 128);
            assert_true(P.trunc);
            break;
        case PG_K_RUNT_TINY:
            assert_int_equal(p->caplen, p->len);
            assert_true(p->len >= 1 && p->len < 14);
            break;
        case PG_K_RUNT_SHORT:
            assert_int_equal(p->caplen, p->len);
            assert_true(p->len >= 14 && p->len < 60);
            break;
        case PG_K_BAD_IHL: {
            assert_int_equal(p->caplen, p->len);
            assert_int_equal(rd16(d + 12), PG_ETH_IPV4);
            unsigned ihl = d[14] & 15;
            assert_true(ihl < 5 || ihl * 4 > rd16(d + 16));
            assert_true(P.bad);
            break;
        }
        case PG_K_BAD_TOTLEN:
            assert_int_equal(p->caplen, p->len);
            assert_int_equal(rd16(d + 12), PG_ETH_IPV4);
            assert_true(rd16(d + 16) > p->len - 14);
            assert_int_equal(P.ip_bad, 0); /* the header checksum covers the lie */
            assert_true(P.trunc);
            break;
        case PG_K_UNKNOWN_ETHERTYPE: {
            uint16_t t = rd16(d + 12);
            assert_true(t >= 0x0600);
            assert_true(t != PG_ETH_IPV4 && t != PG_ETH_IPV6 && t != PG_ETH_ARP &&
                        t != PG_ETH_VLAN && t != PG_ETH_QINQ);
            assert_true(p->len >= 60);
            break;
        }
        case PG_K_BAD_IP_CSUM:
            assert_int_equal(P.ip_bad, 1);
            break;
        case PG_K_BAD_L4_CSUM:
            assert_int_equal(P.l4_bad, 1);
            break;
        default: /* the well-formed part of the mix */
            assert_int_equal(p->caplen, p->len);
            assert_int_equal(P.ip_bad + P.l4_bad + P.bad + P.trunc, 0);
            break;
        }
    }
    pg_gen_free(g);
    for (int k = PG_K_FIRST_MALFORMED; k < PG_K_COUNT; k++)
        if (seen[k] < 100)
            fail_msg("malformed mix: only %d frames of kind %s", seen[k], pg_kind_name(k));
}

/* caplen/len in the checked-in malformed trace, read back through libpcap */
static void test_checked_in_malformed(void **state)
{
    (void)state;
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline("pcaps/malformed-200.pcap", eb);
    if (!p)
        fail_msg("%s", eb);
    struct pcap_pkthdr *h;
    const u_char *d;
    int snap = 0, tiny = 0, runt = 0, frames = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        assert_true(h->caplen <= h->len);
        snap += h->caplen < h->len;
        tiny += h->len < 14;
        runt += h->len >= 14 && h->len < 60;
        frames++;
    }
    pcap_close(p);
    assert_int_equal(frames, 200);
    assert_true(snap >= 5);
    assert_true(tiny >= 5);
    assert_true(runt >= 5);
}

/* --- layouts */

static int path_is(const char *path, const char *const *alts)
{
    for (; *alts; alts++)
        if (!strcmp(path, *alts))
            return 1;
    return 0;
}

#define L4ALT(pfx) pfx "/tcp", pfx "/udp"

static void expect_layout(pg_gen *g, int kind, const char *const *alts, parsed *P)
{
    assert_int_equal(pg_gen_emit(g, kind), 1);
    const pg_pkt *p = pg_gen_next(g);
    parse_pkt(p, P);
    if (!path_is(P->path, alts))
        fail_msg("%s: unexpected layout %s", pg_kind_name(kind), P->path);
    assert_int_equal(P->ip_bad + P->l4_bad + P->bad + P->trunc, 0);
}

static void test_layouts(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "default", 0, 31);
    pg_gen *g = pg_gen_new(&cfg);
    parsed P;
    int vx_inner6 = 0, gre_key = 0;
    for (int e = 0; e < 60; e++) {
        static const char *const vlan[] = { L4ALT("eth/8021q/ipv4"), L4ALT("eth/8021q/ipv6"), NULL };
        expect_layout(g, PG_K_VLAN, vlan, &P);

        static const char *const qinq[] = { L4ALT("eth/8021ad/8021q/ipv4"),
                                            L4ALT("eth/8021ad/8021q/ipv6"), NULL };
        expect_layout(g, PG_K_QINQ, qinq, &P);

        static const char *const gre[] = { L4ALT("eth/ipv4/gre/ipv4"), NULL };
        expect_layout(g, PG_K_GRE, gre, &P);
        assert_int_equal(P.ip4[9], 47);
        assert_int_equal(P.gre_proto, PG_ETH_IPV4);
        gre_key += (rd16(P.ip4 + 20) & 0x2000) != 0;

        static const char *const vxlan[] = { L4ALT("eth/ipv4/udp/vxlan/eth/ipv4"),
                                             L4ALT("eth/ipv4/udp/vxlan/eth/ipv6"), NULL };
        expect_layout(g, PG_K_VXLAN, vxlan, &P);
        assert_int_equal(P.udp_dport, PG_VXLAN_PORT);
        assert_true(P.vni >= 5000 && P.vni < 5064);
        assert_int_equal(P.l4_none, 1); /* outer UDP checksum 0, RFC 7348 */
        assert_int_equal(P.l4_ok, 1);   /* inner checksum verified */
        vx_inner6 += strstr(P.path, "ipv6") != NULL;

        static const char *const ipip[] = { L4ALT("eth/ipv4/ipv4"), NULL };
        expect_layout(g, PG_K_IPIP, ipip, &P);
        assert_int_equal(P.ip4[9], 4);
        assert_int_equal(P.ip_ok, 2);

        static const char *const sit[] = { L4ALT("eth/ipv4/ipv6"), NULL };
        expect_layout(g, PG_K_6IN4, sit, &P);
        assert_int_equal(P.ip4[9], 41);

        static const char *const ext[] = {
            L4ALT("eth/ipv6/hbh"),        L4ALT("eth/ipv6/rt"),     L4ALT("eth/ipv6/dst"),
            L4ALT("eth/ipv6/hbh/rt"),     L4ALT("eth/ipv6/hbh/dst"), L4ALT("eth/ipv6/rt/dst"),
            L4ALT("eth/ipv6/hbh/rt/dst"), NULL };
        expect_layout(g, PG_K_IPV6_EXT, ext, &P);

        static const char *const opts[] = { L4ALT("eth/ipv4"), NULL };
        expect_layout(g, PG_K_IPV4_OPTS, opts, &P);
        assert_true((P.ip4[0] & 15) > 5);

        static const char *const ns[] = { "eth/ipv6/icmp6", NULL };
        expect_layout(g, PG_K_ICMP6_NS, ns, &P);
        assert_int_equal(P.l4[0], 135);
        assert_int_equal(P.ip6[7], 255);
        assert_int_equal(P.ip6[24], 0xff);
        assert_int_equal(P.ip6[25], 0x02);
        assert_int_equal(P.ip6[24 + 12], 0xff); /* ff02::1:ffXX:XXXX */
        assert_memory_equal(P.ip6 + 24 + 13, P.l4 + 8 + 13, 3);

        static const char *const echo6[] = { "eth/ipv6/icmp6", NULL };
        expect_layout(g, PG_K_ICMP6_ECHO, echo6, &P);
        assert_true(P.l4[0] == 128 || P.l4[0] == 129);

        static const char *const echo[] = { "eth/ipv4/icmp", NULL };
        expect_layout(g, PG_K_ICMP_ECHO, echo, &P);
        assert_true(P.l4[0] == 8 || P.l4[0] == 0);

        static const char *const arp[] = { "eth/arp", NULL };
        expect_layout(g, PG_K_ARP, arp, &P);
    }
    assert_true(vx_inner6 > 0 && vx_inner6 < 60);
    assert_true(gre_key > 0 && gre_key < 60);

    /* fragments: the first carries the UDP header, later ones only data */
    for (int v6 = 0; v6 < 2; v6++) {
        for (int e = 0; e < 30; e++) {
            int n = pg_gen_emit(g, v6 ? PG_K_IPV6_FRAG : PG_K_IPV4_FRAG);
            assert_true(n >= 2 && n <= 3);
            for (int i = 0; i < n; i++) {
                const pg_pkt *p = pg_gen_next(g);
                parse_pkt(p, &P);
                assert_int_equal(P.ip_bad + P.l4_bad + P.bad + P.trunc, 0);
                if (i == 0) {
                    assert_int_equal(P.frag_first, 1);
                    assert_string_equal(P.path, v6 ? "eth/ipv6/frag6/udp" : "eth/ipv4/frag/udp");
                } else {
                    assert_int_equal(P.frag_later, 1);
                    assert_string_equal(P.path, v6 ? "eth/ipv6/frag6" : "eth/ipv4/frag");
                }
            }
        }
    }
    pg_gen_free(g);
}

/* --- flows */

static void test_zipf_flows(void **state)
{
    (void)state;
    pg_config cfg;
    cfg_for(&cfg, "64", 0, 4);
    cfg.flows = 32;
    pg_gen *g = pg_gen_new(&cfg);
    enum { N = 20000, MAXF = 64 };
    uint8_t keys[MAXF][12];
    int counts[MAXF] = { 0 }, nk = 0;
    for (int i = 0; i < N; i++) {
        const pg_pkt *p = pg_gen_next(g);
        const uint8_t *d = p->buf + p->head;
        uint8_t k[12];
        memcpy(k, d + 26, 8);      /* addresses */
        memcpy(k + 8, d + 34, 4);  /* ports */
        int j;
        for (j = 0; j < nk; j++)
            if (!memcmp(keys[j], k, 12))
                break;
        if (j == nk) {
            assert_true(nk < MAXF);
            memcpy(keys[nk++], k, 12);
        }
        counts[j]++;
    }
    pg_gen_free(g);
    int top = 0;
    for (int j = 0; j < nk; j++)
        if (counts[j] > top)
            top = counts[j];
    /* Zipf(1) over 32 flows: the top flow has 1/H(32) = 24.6 %, the last 0.8 % */
    assert_true(nk <= 32 && nk >= 28);
    assert_true(top > N * 20 / 100 && top < N * 30 / 100);
}

/* --- pcapng */

static void test_pcapng_matches_pcap(void **state)
{
    (void)state;
    char a[256], b[256];
    pg_config cfg;
    cfg_for(&cfg, "malformed", 300, 6);
    write_trace(&cfg, tmp_path(a, sizeof a, "pcap"));
    cfg.pcapng = 1;
    write_trace(&cfg, tmp_path(b, sizeof b, "ng"));
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pa = pcap_open_offline_with_tstamp_precision(a, PCAP_TSTAMP_PRECISION_NANO, eb);
    pcap_t *pb = pcap_open_offline_with_tstamp_precision(b, PCAP_TSTAMP_PRECISION_NANO, eb);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_int_equal(pcap_datalink(pb), DLT_EN10MB);
    struct pcap_pkthdr *ha, *hb;
    const u_char *da, *db;
    int n = 0;
    uint8_t copy[PG_MAX_FRAME];
    while (pcap_next_ex(pa, &ha, &da) == 1) {
        struct pcap_pkthdr h = *ha;
        memcpy(copy, da, h.caplen);
        assert_int_equal(pcap_next_ex(pb, &hb, &db), 1);
        assert_int_equal(h.caplen, hb->caplen);
        assert_int_equal(h.len, hb->len);
        assert_int_equal(h.ts.tv_sec, hb->ts.tv_sec);
        assert_int_equal(h.ts.tv_usec, hb->ts.tv_usec);
        assert_memory_equal(copy, db, h.caplen);
        n++;
    }
    assert_int_equal(pcap_next_ex(pb, &hb, &db), PCAP_ERROR_BREAK);
    assert_int_equal(n, 300);
    pcap_close(pa);
    pcap_close(pb);
    unlink(a);
    unlink(b);
}

/* --- options */

static int parse(const char *line, pg_config *cfg, char *err, size_t errlen)
{
    static char buf[1024];
    char *argv[32];
    int argc = 0;
    char *save = NULL;
    snprintf(buf, sizeof buf, "%s", line);
    argv[argc++] = "pktgen";
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    return pg_parse_args(argc, argv, cfg, err, errlen);
}

static void test_options(void **state)
{
    (void)state;
    pg_config cfg;
    char err[512];
    static const struct {
        const char *args;
        const char *msg;
    } bad[] = {
        { "--out x --count abc", "pktgen: invalid value 'abc' for --count: expected an integer from 1 to 100000000" },
        { "--out x --count 0", "pktgen: invalid value '0' for --count: expected an integer from 1 to 100000000" },
        { "--out x --count -5", "pktgen: invalid value '-5' for --count: expected an integer from 1 to 100000000" },
        { "--out x --count 100000001", "pktgen: invalid value '100000001' for --count: expected an integer from 1 to 100000000" },
        { "--out x --mix imx", "pktgen: invalid value 'imx' for --mix: expected one of 64, imix, default, malformed, ipv6, tunnels, large" },
        { "--out x --flows 0", "pktgen: invalid value '0' for --flows: expected an integer from 1 to 1000000" },
        { "--out x --seed 12z", "pktgen: invalid value '12z' for --seed: expected an integer from 0 to 18446744073709551615 (decimal or 0x hex)" },
        { "--out x --seed 18446744073709551616", "pktgen: invalid value '18446744073709551616' for --seed: expected an integer from 0 to 18446744073709551615 (decimal or 0x hex)" },
        { "--out x --rate-gbps 0", "pktgen: invalid value '0' for --rate-gbps: expected a number of Gb/s above 0 and at most 1000, with at most 9 decimals" },
        { "--out x --rate-gbps 1e9", "pktgen: invalid value '1e9' for --rate-gbps: expected a number of Gb/s above 0 and at most 1000, with at most 9 decimals" },
        { "--out x --rate-gbps 1001", "pktgen: invalid value '1001' for --rate-gbps: expected a number of Gb/s above 0 and at most 1000, with at most 9 decimals" },
        { "--out x --epoch -1", "pktgen: invalid value '-1' for --epoch: expected seconds since 1970 from 0 to 4102444799" },
        { "--out x --bogus", "pktgen: unknown option '--bogus'" },
        { "--out x --bogus=3", "pktgen: unknown option '--bogus'" },
        { "--out x -z", "pktgen: unknown option '-z'" },
        { "--out x stray", "pktgen: unexpected argument 'stray' (options start with --)" },
        { "--out x --count", "pktgen: option '--count' needs a value" },
        { "--out x --pcapng=yes", "pktgen: option '--pcapng' takes no value" },
        { "--count 5", "pktgen: missing required option --out FILE" },
        { "", "pktgen: missing required option --out FILE" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i].args, &cfg, err, sizeof err);
        if (rc != PG_ARGS_ERROR || strcmp(err, bad[i].msg))
            fail_msg("'%s': rc %d, message '%s', expected '%s'", bad[i].args, rc, err, bad[i].msg);
    }

    assert_int_equal(parse("--out f.pcap", &cfg, err, sizeof err), PG_ARGS_OK);
    assert_string_equal(cfg.out, "f.pcap");
    assert_int_equal(cfg.count, 1000);
    assert_int_equal(cfg.seed, 1);
    assert_int_equal(cfg.mix, pg_mix_lookup("default"));
    assert_int_equal(cfg.flows, 64);
    assert_int_equal(cfg.rate_bps, 10000000000ull);
    assert_int_equal(cfg.epoch, PG_DEFAULT_EPOCH);
    assert_int_equal(cfg.pcapng, 0);

    assert_int_equal(parse("-o - -c 7 -s 0xFF -m imix -f 3 -r 0.25 --epoch 0 --pcapng --usec "
                           "--stats", &cfg, err, sizeof err),
                     PG_ARGS_OK);
    assert_string_equal(cfg.out, "-");
    assert_int_equal(cfg.count, 7);
    assert_int_equal(cfg.seed, 255);
    assert_int_equal(cfg.mix, pg_mix_lookup("imix"));
    assert_int_equal(cfg.flows, 3);
    assert_int_equal(cfg.rate_bps, 250000000ull);
    assert_int_equal(cfg.epoch, 0);
    assert_true(cfg.pcapng && cfg.usec && cfg.stats);

    assert_int_equal(parse("--out=a.pcap --rate-gbps=100.000000001 --seed=18446744073709551615",
                           &cfg, err, sizeof err),
                     PG_ARGS_OK);
    assert_string_equal(cfg.out, "a.pcap");
    assert_int_equal(cfg.rate_bps, 100000000001ull);
    assert_int_equal(cfg.seed, UINT64_MAX);
    assert_int_equal(parse("--count x --help", &cfg, err, sizeof err), PG_ARGS_HELP);

    /* the command prints the message and exits with status 2 */
    const char *bin = pktgen_bin();
    if (!bin)
        return;
    char cmd[512], out[4096];
    snprintf(cmd, sizeof cmd, "%s --out /dev/null --count abc 2>&1", bin);
    assert_int_equal(run_cmd(cmd, out, sizeof out), 2);
    assert_string_equal(out, "pktgen: invalid value 'abc' for --count: expected an integer from 1 "
                             "to 100000000\nTry 'pktgen --help' for more information.\n");
    snprintf(cmd, sizeof cmd, "%s --out /dev/null --mix nope 2>/dev/null", bin);
    assert_int_equal(run_cmd(cmd, out, sizeof out), 2);
    assert_string_equal(out, ""); /* errors go to stderr */
    snprintf(cmd, sizeof cmd, "%s --help", bin);
    assert_int_equal(run_cmd(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: pktgen --out FILE"));
    assert_non_null(strstr(out, "--rate-gbps"));
    snprintf(cmd, sizeof cmd, "%s --out /nonexistent-dir/x.pcap 2>&1", bin);
    assert_int_equal(run_cmd(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "pktgen: cannot open '/nonexistent-dir/x.pcap' for writing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_identical),
        cmocka_unit_test(test_different_seed_differs),
        cmocka_unit_test(test_checked_in_traces_regenerate),
        cmocka_unit_test(test_command_matches_library),
        cmocka_unit_test(test_checksums_wellformed),
        cmocka_unit_test(test_bad_checksums_fail),
        cmocka_unit_test(test_checked_in_checksums),
        cmocka_unit_test(test_imix_ratio),
        cmocka_unit_test(test_64_mix_and_timestamps),
        cmocka_unit_test(test_large_mix),
        cmocka_unit_test(test_malformed_frames),
        cmocka_unit_test(test_checked_in_malformed),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_zipf_flows),
        cmocka_unit_test(test_pcapng_matches_pcap),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests_name("pktgen", tests, NULL, NULL);
}
