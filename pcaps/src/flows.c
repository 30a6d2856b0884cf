/* Flow table, Zipf-like popularity and per-flow session content.
 *
 * A flow is a client/server 5-tuple plus the state needed to make its
 * packets look like a real conversation: TCP handshake, request,
 * response segments with delayed ACKs, keep-alive or FIN teardown
 * (occasionally RST); DNS query/response pairs; NTP; QUIC-like UDP. */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

enum { ST_SYN, ST_SYNACK, ST_ACK, ST_REQ, ST_RESP, ST_FIN_C, ST_FIN_S, ST_LASTACK };
enum { PAY_NONE, PAY_REQ, PAY_RESP_FIRST, PAY_RESP };

typedef struct port_w {
    uint16_t port;
    uint16_t w;
} port_w;

static const port_w tcp_real[] = { { 443, 50 }, { 80, 20 }, { 22, 10 }, { 8080, 8 }, { 993, 5 }, { 5201, 7 } };
static const port_w udp_real[] = { { 53, 50 }, { 443, 25 }, { 123, 10 }, { 27015, 8 }, { 5004, 7 } };
static const port_w bulk[] = { { 9, 30 }, { 5001, 30 }, { 5201, 20 }, { 10000, 20 } };

static uint16_t pick_port(pg_rng *r, const port_w *t, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += t[i].w;
    uint32_t u = pg_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (u < t[i].w)
            return t[i].port;
        u -= t[i].w;
    }
    return t[0].port;
}

static uint16_t ephemeral(pg_rng *r)
{
    return (uint16_t)(32768 + pg_rng_below(r, 28232)); /* Linux default range */
}

static uint32_t sample_response(pg_rng *r)
{
    uint32_t u = pg_rng_below(r, 100);
    if (u < 80)
        return pg_rng_range(r, 60, 700);
    if (u < 97)
        return pg_rng_range(r, 700, 3000);
    return pg_rng_range(r, 3000, 8000);
}

static const uint16_t vlan_ids[] = { 10, 20, 30, 100, 101, 200, 300, 1000, 2001, 4000 };

void pg_flows_init(pg_gen *g, pg_rng *r)
{
    const pg_mix *m = g->mix;
    for (uint32_t i = 0; i < g->nflows; i++) {
        pg_flow *f = &g->flows[i];
        memset(f, 0, sizeof *f);
        f->proto = pg_rng_chance(r, m->tcp_pct, 100) ? 6 : 17;
        f->v6 = (uint8_t)pg_rng_chance(r, m->v6_pct, 100);
        pg_rng_fill(r, f->cmac, 6);
        f->cmac[0] = (uint8_t)((f->cmac[0] & 0xfc) | 0x02); /* unicast, locally administered */
        memcpy(f->smac, g->gw_mac[pg_rng_below(r, 2)], 6);
        f->c4[0] = 10;
        f->c4[1] = (uint8_t)pg_rng_range(r, 1, 254);
        f->c4[2] = (uint8_t)pg_rng_below(r, 256);
        f->c4[3] = (uint8_t)pg_rng_range(r, 2, 254);
        memcpy(f->gw4, f->c4, 3);
        f->gw4[3] = 1;
        f->s4[0] = 198;
        f->s4[1] = (uint8_t)(18 + pg_rng_below(r, 2)); /* 198.18.0.0/15, RFC 2544 */
        f->s4[2] = (uint8_t)pg_rng_below(r, 256);
        f->s4[3] = (uint8_t)pg_rng_range(r, 1, 254);
        /* 2001:db8::/32 documentation prefix: clients 2001:db8:1xx::/48, servers 2001:db8:ffxx::/48 */
        f->c6[0] = 0x20; f->c6[1] = 0x01; f->c6[2] = 0x0d; f->c6[3] = 0xb8;
        f->c6[4] = 0x01; f->c6[5] = (uint8_t)pg_rng_below(r, 256);
        pg_rng_fill(r, f->c6 + 6, 10);
        f->s6[0] = 0x20; f->s6[1] = 0x01; f->s6[2] = 0x0d; f->s6[3] = 0xb8;
        f->s6[4] = 0xff; f->s6[5] = (uint8_t)pg_rng_below(r, 256);
        pg_rng_fill(r, f->s6 + 6, 10);
        f->s6[8] = f->s6[9] = f->s6[10] = f->s6[11] = f->s6[12] = 0; /* ::xxx server IIDs */
        f->sport = ephemeral(r);
        if (m->ports == PG_PORTS_BULK)
            f->dport = pick_port(r, bulk, sizeof bulk / sizeof bulk[0]);
        else if (f->proto == 6)
            f->dport = pick_port(r, tcp_real, sizeof tcp_real / sizeof tcp_real[0]);
        else
            f->dport = pick_port(r, udp_real, sizeof udp_real / sizeof udp_real[0]);
        f->vid = vlan_ids[pg_rng_below(r, sizeof vlan_ids / sizeof vlan_ids[0])];
        f->svid = (uint16_t)pg_rng_range(r, 100, 999);
        f->ttl_c = pg_rng_chance(r, 7, 10) ? 64 : 128;
        static const uint8_t bases[] = { 64, 128, 255 };
        uint8_t base = bases[pg_rng_below(r, 3)];
        f->ttl_s = (uint8_t)(base - pg_rng_range(r, 4, 20));
        f->ipid_c = (uint16_t)pg_rng_below(r, 65536);
        f->ipid_s = (uint16_t)pg_rng_below(r, 65536);
        f->flowlabel = pg_rng_below(r, 1u << 20);
        f->vni = 5000 + pg_rng_below(r, 64);
        f->win_c = (uint16_t)pg_rng_range(r, 200, 2048);
        f->win_s = (uint16_t)pg_rng_range(r, 200, 2048);
        f->seq_c = (uint32_t)pg_rng_next(r);
        f->seq_s = (uint32_t)pg_rng_next(r);
        f->tsv_c = (uint32_t)pg_rng_next(r);
        f->tsv_s = (uint32_t)pg_rng_next(r);
        /* Half the TCP flows are already established when the capture starts. */
        if (pg_rng_chance(r, 1, 2)) {
            f->stage = ST_RESP;
            f->resp_left = f->resp_total = sample_response(r);
        } else {
            f->stage = ST_SYN;
        }
        f->dns_id = (uint16_t)pg_rng_below(r, 65536);
        f->icmp_id = (uint16_t)pg_rng_below(r, 65536);
        f->icmp_seq = 1;
    }
    /* Zipf(s = 1) popularity: weight of the flow of rank i is 2^24 / (i + 1). */
    uint32_t acc = 0;
    for (uint32_t i = 0; i < g->nflows; i++) {
        acc += (1u << 24) / (i + 1);
        g->zcum[i] = acc;
    }
    g->ztotal = acc;
}

pg_flow *pg_flow_pick(pg_gen *g)
{
    uint32_t u = pg_rng_below(&g->rng, g->ztotal);
    uint32_t lo = 0, hi = g->nflows - 1;
    while (lo < hi) { /* first i with zcum[i] > u */
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->zcum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &g->flows[lo];
}

void pg_flow_addrs(const pg_flow *f, int v6, int to_server, pg_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    ip->v6 = v6;
    size_t n = v6 ? 16 : 4;
    const uint8_t *c = v6 ? f->c6 : f->c4;
    const uint8_t *s = v6 ? f->s6 : f->s4;
    memcpy(ip->src, to_server ? c : s, n);
    memcpy(ip->dst, to_server ? s : c, n);
}

/* ------------------------------------------------------------ payloads */

static const char *const words[] = {
    "the", "packet", "flow", "data", "server", "client", "page", "image", "value", "list",
    "item", "class", "div", "span", "text", "link", "style", "main", "content", "title",
};

static void fill_text(pg_rng *r, uint8_t *dst, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *w = words[pg_rng_below(r, sizeof words / sizeof words[0])];
        while (*w && i < n)
            dst[i++] = (uint8_t)*w++;
        if (i < n)
            dst[i++] = pg_rng_chance(r, 1, 12) ? '\n' : ' ';
    }
}

static const char *const hosts[] = { "www", "api", "cdn", "mail", "static", "img", "login", "update" };
static const char *const tlds[] = { "com", "net", "org" };
static const char *const paths[] = { "/", "/index.html", "/api/v1/items", "/static/app.js",
                                     "/images/logo.png", "/search?q=xdp", "/login" };

static size_t http_request(pg_rng *r, uint8_t *dst, size_t cap)
{
    const char *path = paths[pg_rng_below(r, 7)];
    const char *host = hosts[pg_rng_below(r, 8)];
    const char *tld = tlds[pg_rng_below(r, 3)];
    int n = snprintf((char *)dst, cap,
                     "GET %s HTTP/1.1\r\nHost: %s.example.%s\r\nUser-Agent: pktgen/1.0\r\n"
                     "Accept: */*\r\nConnection: keep-alive\r\n\r\n",
                     path, host, tld);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

static void http_response(pg_rng *r, const pg_flow *f, int first, uint8_t *dst, size_t n)
{
    size_t done = 0;
    if (first) {
        char hdr[160];
        int hn = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nServer: pktgen\r\n"
                          "Content-Type: text/html\r\nContent-Length: %u\r\n\r\n",
                          (unsigned)(f->resp_total > 100 ? f->resp_total - 100 : 0));
        size_t hl = hn < 0 ? 0 : (size_t)hn;
        done = hl < n ? hl : n;
        memcpy(dst, hdr, done);
    }
    fill_text(r, dst + done, n - done);
}

static void tls_record(pg_rng *r, int first, uint8_t *dst, size_t n)
{
    pg_rng_fill(r, dst, n);
    if (first && n >= 5) { /* application data record header */
        dst[0] = 0x17;
        dst[1] = 0x03;
        dst[2] = 0x03;
        pg_put16(dst + 3, (uint16_t)(n - 5));
    }
}

static void tcp_payload(pg_gen *g, pg_flow *f, int pay, uint8_t *dst, size_t n)
{
    pg_rng *r = &g->rng;
    if (f->dport == 80 || f->dport == 8080) {
        if (pay == PAY_RESP_FIRST || pay == PAY_RESP)
            http_response(r, f, pay == PAY_RESP_FIRST, dst, n);
        else
            fill_text(r, dst, n);
    } else if (f->dport == 443 || f->dport == 993) {
        tls_record(r, pay != PAY_RESP, dst, n);
    } else {
        pg_rng_fill(r, dst, n);
    }
}

/* DNS name as labels: host.example.tld */
static size_t dns_qname(uint8_t *d, unsigned name)
{
    const char *parts[3] = { hosts[name % 8], "example", tlds[(name / 8) % 3] };
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(parts[i]);
        d[o++] = (uint8_t)l;
        memcpy(d + o, parts[i], l);
        o += l;
    }
    d[o++] = 0;
    return o;
}

static size_t dns_message(pg_gen *g, pg_flow *f, int response, uint8_t *d)
{
    pg_rng *r = &g->rng;
    size_t o = 12;
    memset(d, 0, 12);
    pg_put16(d, f->dns_id);
    pg_put16(d + 2, response ? 0x8180 : 0x0100);
    pg_put16(d + 4, 1);
    o += dns_qname(d + o, f->dns_name);
    pg_put16(d + o, f->dns_aaaa ? 28 : 1);
    pg_put16(d + o + 2, 1);
    o += 4;
    if (!response) {
        if (pg_rng_chance(r, 1, 2)) { /* EDNS0 OPT pseudo-record, 1232-byte buffer */
            pg_put16(d + 10, 1);
            d[o] = 0;
            pg_put16(d + o + 1, 41);
            pg_put16(d + o + 3, 1232);
            memset(d + o + 5, 0, 6);
            o += 11;
        }
        return o;
    }
    unsigned an = pg_rng_range(r, 1, 3);
    pg_put16(d + 6, (uint16_t)an);
    for (unsigned i = 0; i < an; i++) {
        pg_put16(d + o, 0xc00c); /* pointer to the question name */
        pg_put16(d + o + 2, f->dns_aaaa ? 28 : 1);
        pg_put16(d + o + 4, 1);
        pg_put32(d + o + 6, pg_rng_range(r, 30, 86400));
        o += 10;
        if (f->dns_aaaa) {
            pg_put16(d + o, 16);
            memcpy(d + o + 2, f->s6, 16);
            d[o + 2 + 15] = (uint8_t)(d[o + 2 + 15] + i);
            o += 18;
        } else {
            pg_put16(d + o, 4);
            memcpy(d + o + 2, f->s4, 4);
            d[o + 2 + 3] = (uint8_t)(d[o + 2 + 3] + i);
            o += 6;
        }
    }
    return o;
}

static size_t ntp_message(pg_gen *g, int response, uint8_t *d)
{
    memset(d, 0, 48);
    d[0] = (uint8_t)((4 << 3) | (response ? 4 : 3)); /* version 4, client/server */
    d[1] = response ? 2 : 0;
    d[2] = 6;
    d[3] = 0xe9;
    uint32_t secs = (uint32_t)(g->cfg.epoch + 2208988800ull + g->produced / 1000);
    if (response) {
        pg_put32(d + 4, 0x00000123);
        pg_put32(d + 8, 0x00000456);
        memcpy(d + 12, "GPS\0", 4);
        pg_put32(d + 16, secs - 30);
        pg_put32(d + 32, secs);
        pg_put32(d + 36, (uint32_t)pg_rng_next(&g->rng));
    }
    pg_put32(d + 40, secs);
    pg_put32(d + 44, (uint32_t)pg_rng_next(&g->rng));
    return 48;
}

/* ------------------------------------------------------------ TCP session */

typedef struct seg {
    int to_server;
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win;
    uint8_t opt[40];
    size_t optlen;
    uint32_t paylen;
    int pay;
} seg;

static size_t opt_syn(uint8_t *o, uint16_t mss, uint32_t tsv, uint32_t tse)
{
    o[0] = 2; o[1] = 4; pg_put16(o + 2, mss);  /* MSS */
    o[4] = 4; o[5] = 2;                         /* SACK permitted */
    o[6] = 8; o[7] = 10; pg_put32(o + 8, tsv); pg_put32(o + 12, tse); /* timestamps */
    o[16] = 1;                                  /* NOP */
    o[17] = 3; o[18] = 3; o[19] = 7;            /* window scale 7 */
    return 20;
}

static size_t opt_ts(uint8_t *o, uint32_t tsv, uint32_t tse)
{
    o[0] = 1; o[1] = 1;
    o[2] = 8; o[3] = 10; pg_put32(o + 4, tsv); pg_put32(o + 8, tse);
    return 12;
}

static void seg_dir(seg *s, const pg_flow *f, int to_server)
{
    s->to_server = to_server;
    s->seq = to_server ? f->seq_c : f->seq_s;
    s->ack = to_server ? f->seq_s : f->seq_c;
    s->win = to_server ? f->win_c : f->win_s;
}


static void tcp_next(pg_gen *g, pg_flow *f, int v6, uint32_t mtu_cut, seg *s)
{
    pg_rng *r = &g->rng;
    /* MSS of a 1500-byte MTU, less whatever the encapsulation takes */
    uint16_t mss = (uint16_t)((v6 ? 1440 : 1460) - mtu_cut);
    memset(s, 0, sizeof *s);
    f->tsv_c += pg_rng_range(r, 1, 40);
    f->tsv_s += pg_rng_range(r, 1, 40);
    for (;;) {
        switch (f->stage) {
        case ST_SYN:
            if (f->sessions++)
                f->sport = ephemeral(r);
            f->seq_c = (uint32_t)pg_rng_next(r);
            f->seq_s = (uint32_t)pg_rng_next(r);
            seg_dir(s, f, 1);
            s->ack = 0;
            s->flags = PG_TCP_SYN;
            s->win = 64240;
            s->optlen = opt_syn(s->opt, mss, f->tsv_c, 0);
            f->seq_c++;
            f->stage = ST_SYNACK;
            return;
        case ST_SYNACK:
            seg_dir(s, f, 0);
            s->flags = PG_TCP_SYN | PG_TCP_ACK;
            s->win = 65160;
            s->optlen = opt_syn(s->opt, mss, f->tsv_s, f->tsv_c);
            f->seq_s++;
            f->stage = ST_ACK;
            return;
        case ST_ACK:
            seg_dir(s, f, 1);
            s->flags = PG_TCP_ACK;
            s->optlen = opt_ts(s->opt, f->tsv_c, f->tsv_s);
            f->stage = ST_REQ;
            return;
        case ST_REQ:
            seg_dir(s, f, 1);
            s->flags = PG_TCP_PSH | PG_TCP_ACK;
            s->optlen = opt_ts(s->opt, f->tsv_c, f->tsv_s);
            s->pay = PAY_REQ;
            s->paylen = pg_rng_range(r, 40, 400); /* HTTP requests use their text length */
            f->resp_total = f->resp_left = sample_response(r);
            f->resp_first = 1;
            f->unacked = 0;
            f->stage = ST_RESP;
            return;
        case ST_RESP:
            if (pg_rng_chance(r, 1, 60)) { /* connection reset */
                int to_server = pg_rng_chance(r, 1, 2);
                seg_dir(s, f, to_server);
                s->flags = PG_TCP_RST | PG_TCP_ACK;
                s->win = 0;
                f->stage = ST_SYN;
                return;
            }
            if (f->unacked >= 2 || (f->resp_left == 0 && f->unacked)) {
                seg_dir(s, f, 1);
                s->flags = PG_TCP_ACK;
                s->optlen = opt_ts(s->opt, f->tsv_c, f->tsv_s);
                f->unacked = 0;
                return;
            }
            if (f->resp_left == 0) {
                f->stage = pg_rng_chance(r, 35, 100) ? ST_REQ : ST_FIN_C;
                continue;
            }
            seg_dir(s, f, 0);
            s->optlen = opt_ts(s->opt, f->tsv_s, f->tsv_c);
            s->paylen = f->resp_left < (uint32_t)(mss - 12) ? f->resp_left : (uint32_t)(mss - 12);
            f->resp_left -= s->paylen;
            s->flags = (uint8_t)(PG_TCP_ACK | (f->resp_left ? 0 : PG_TCP_PSH));
            s->pay = f->resp_first ? PAY_RESP_FIRST : PAY_RESP;
            f->resp_first = 0;
            f->unacked++;
            return;
        case ST_FIN_C:
            seg_dir(s, f, 1);
            s->flags = PG_TCP_FIN | PG_TCP_ACK;
            s->optlen = opt_ts(s->opt, f->tsv_c, f->tsv_s);
            f->seq_c++;
            f->stage = ST_FIN_S;
            return;
        case ST_FIN_S:
            seg_dir(s, f, 0);
            s->flags = PG_TCP_FIN | PG_TCP_ACK;
            s->optlen = opt_ts(s->opt, f->tsv_s, f->tsv_c);
            f->seq_s++;
            f->stage = ST_LASTACK;
            return;
        default: /* ST_LASTACK */
            seg_dir(s, f, 1);
            s->flags = PG_TCP_ACK;
            s->optlen = opt_ts(s->opt, f->tsv_c, f->tsv_s);
            f->stage = ST_SYN;
            return;
        }
    }
}

/* ------------------------------------------------------------ L3 packet of a flow */

static size_t ext_len(unsigned ext)
{
    return (ext & PG_EXT_HBH ? 8 : 0) + (ext & PG_EXT_RT ? 40 : 0) + (ext & PG_EXT_DST ? 8 : 0);
}

void pg_flow_l3(pg_gen *g, pg_flow *f, const pg_l3req *req, pg_pkt *p, pg_l3 *out)
{
    pg_rng *r = &g->rng;
    int v6 = req->fam < 0 ? f->v6 : req->fam;
    size_t iphl = v6 ? 40 + ext_len(req->ext) : 20 + req->v4optlen;
    size_t l4hl = f->proto == 6 ? 20 : 8;
    long forced = -1;
    if (req->target) {
        size_t over = req->l2len + iphl + l4hl;
        forced = req->target > over ? (long)(req->target - over) : 0;
    }
    int to_server;
    uint8_t *l4;
    pg_ip ip;

    if (f->proto == 6) {
        seg s;
        if (forced >= 0) {
            memset(&s, 0, sizeof s);
            seg_dir(&s, f, 1);
            s.flags = PG_TCP_PSH | PG_TCP_ACK;
            s.paylen = (uint32_t)forced;
            s.pay = PAY_NONE;
            pg_rng_fill(r, pg_pkt_put(p, s.paylen), s.paylen);
        } else {
            tcp_next(g, f, v6, req->mtu_cut + (uint32_t)(iphl - (v6 ? 40 : 20)), &s);
            if (s.pay == PAY_REQ && (f->dport == 80 || f->dport == 8080)) {
                uint8_t txt[512];
                s.paylen = (uint32_t)http_request(r, txt, sizeof txt);
                memcpy(pg_pkt_put(p, s.paylen), txt, s.paylen);
            } else {
                if ((int)s.paylen < req->min_payload && !(s.flags & (PG_TCP_SYN | PG_TCP_RST | PG_TCP_FIN))) {
                    /* caller wants a big packet: make this a data segment */
                    s.paylen = (uint32_t)req->min_payload;
                    if (!s.pay)
                        s.pay = PAY_REQ;
                    s.flags |= PG_TCP_PSH;
                }
                tcp_payload(g, f, s.pay, pg_pkt_put(p, s.paylen), s.paylen);
            }
        }
        if (s.to_server)
            f->seq_c += s.paylen;
        else
            f->seq_s += s.paylen;
        to_server = s.to_server;
        pg_flow_addrs(f, v6, to_server, &ip);
        l4 = pg_push_tcp(p, &ip, to_server ? f->sport : f->dport, to_server ? f->dport : f->sport,
                         s.seq, s.ack, s.flags, s.win, s.opt, s.optlen);
    } else {
        uint8_t msg[1500];
        size_t n;
        if (forced >= 0) {
            to_server = 1;
            n = (size_t)forced;
            pg_rng_fill(r, pg_pkt_put(p, n), n);
        } else {
            if (f->dport == 53 || f->dport == 123)
                to_server = !f->reply_next;
            else if (f->dport == 443)
                to_server = pg_rng_chance(r, 2, 5);
            else
                to_server = pg_rng_chance(r, 3, 4);
            if (f->dport == 53) {
                if (to_server) {
                    f->dns_id = (uint16_t)pg_rng_below(r, 65536);
                    f->dns_name = (uint8_t)pg_rng_below(r, 24);
                    f->dns_aaaa = (uint8_t)pg_rng_chance(r, 1, 3);
                }
                n = dns_message(g, f, !to_server, msg);
                f->reply_next = (uint8_t)to_server;
            } else if (f->dport == 123) {
                n = ntp_message(g, !to_server, msg);
                f->reply_next = (uint8_t)to_server;
            } else if (f->dport == 443) {
                if (to_server || pg_rng_chance(r, 2, 5))
                    n = pg_rng_range(r, 40, 200);
                else
                    n = pg_rng_range(r, 1000, 1250);
                pg_rng_fill(r, msg, n);
                msg[0] = (uint8_t)(0x40 | (msg[0] & 0x3f)); /* QUIC short header form */
            } else {
                n = pg_rng_range(r, 20, 400);
                pg_rng_fill(r, msg, n);
            }
            if ((int)n < req->min_payload) {
                pg_rng_fill(r, msg + n, (size_t)req->min_payload - n);
                n = (size_t)req->min_payload;
            }
            memcpy(pg_pkt_put(p, n), msg, n);
        }
        pg_flow_addrs(f, v6, to_server, &ip);
        l4 = pg_push_udp(p, &ip, to_server ? f->sport : f->dport, to_server ? f->dport : f->sport, 1);
    }

    uint8_t nh = f->proto;
    uint8_t ttl = to_server ? f->ttl_c : f->ttl_s;
    uint16_t *ipid = to_server ? &f->ipid_c : &f->ipid_s;
    if (v6) {
        pg_ip hdr = ip;
        if (req->ext & PG_EXT_DST) { /* destination options: PadN or a skippable unknown option */
            uint8_t b[6] = { 1, 4, 0, 0, 0, 0 };
            if (pg_rng_chance(r, 1, 2)) {
                b[0] = 0x1e;
                pg_rng_fill(r, b + 2, 4);
            }
            pg_push_ip6_ext(p, nh, b, sizeof b);
            nh = 60;
        }
        if (req->ext & PG_EXT_RT) { /* segment routing header: 2 segments, 1 left */
            uint8_t b[38];
            memset(b, 0, sizeof b);
            b[0] = 4; /* routing type 4 (SRH) */
            b[1] = 1; /* segments left */
            b[2] = 1; /* last entry */
            memcpy(b + 6, ip.dst, 16); /* segment[0]: final destination */
            uint8_t *wp = b + 22;      /* segment[1]: the waypoint, current destination */
            memcpy(wp, ip.dst, 8);
            memset(wp + 8, 0, 8);
            wp[15] = (uint8_t)pg_rng_range(r, 1, 254);
            wp[7] = (uint8_t)(wp[7] ^ 0x5a);
            memcpy(hdr.dst, wp, 16);
            pg_push_ip6_ext(p, nh, b, sizeof b);
            nh = 43;
        }
        if (req->ext & PG_EXT_HBH) { /* router alert + PadN, or PadN only */
            uint8_t b[6] = { 5, 2, 0, 0, 1, 0 };
            if (pg_rng_chance(r, 1, 2)) {
                uint8_t pad[6] = { 1, 4, 0, 0, 0, 0 };
                memcpy(b, pad, sizeof b);
            }
            pg_push_ip6_ext(p, nh, b, sizeof b);
            nh = 0;
        }
        out->ip = pg_push_ipv6(p, &hdr, nh, 0, f->flowlabel, ttl);
        out->ethertype = PG_ETH_IPV6;
    } else {
        uint16_t frag = f->proto == 6 ? 0x4000 : 0;
        uint16_t id = f->proto == 6 ? (*ipid)++ : (uint16_t)pg_rng_below(r, 65536);
        out->ip = pg_push_ipv4(p, &ip, nh, 0, ttl, id, frag, req->v4opt, req->v4optlen);
        out->ethertype = PG_ETH_IPV4;
    }
    out->v6 = v6;
    out->to_server = to_server;
    out->l4proto = f->proto;
    out->l4 = l4;
    out->src_mac = to_server ? f->cmac : f->smac;
    out->dst_mac = to_server ? f->smac : f->cmac;
}

void pg_flow_echo(pg_gen *g, pg_flow *f, int v6, pg_pkt *p, pg_l3 *out)
{
    int reply = f->icmp_reply_next;
    int to_server = !reply;
    uint8_t *d = pg_pkt_put(p, 56); /* like ping: 8-byte time stamp + 0x10, 0x11, ... */
    uint64_t t = g->cfg.epoch + g->produced / 1000;
    pg_put32(d, (uint32_t)t);
    pg_put32(d + 4, (uint32_t)(f->icmp_seq * 1000u));
    for (int i = 8; i < 56; i++)
        d[i] = (uint8_t)(0x10 + i - 8);
    pg_ip ip;
    pg_flow_addrs(f, v6, to_server, &ip);
    uint32_t rest = ((uint32_t)f->icmp_id << 16) | f->icmp_seq;
    uint8_t ttl = to_server ? f->ttl_c : f->ttl_s;
    if (v6) {
        out->l4 = pg_push_icmp6(p, &ip, reply ? 129 : 128, 0, rest);
        out->ip = pg_push_ipv6(p, &ip, 58, 0, f->flowlabel, ttl);
        out->ethertype = PG_ETH_IPV6;
        out->l4proto = 58;
    } else {
        out->l4 = pg_push_icmp4(p, reply ? 0 : 8, 0, rest);
        uint16_t *ipid = to_server ? &f->ipid_c : &f->ipid_s;
        out->ip = pg_push_ipv4(p, &ip, 1, 0, ttl, (*ipid)++, 0x4000, NULL, 0);
        out->ethertype = PG_ETH_IPV4;
        out->l4proto = 1;
    }
    if (reply)
        f->icmp_seq++;
    f->icmp_reply_next = (uint8_t)!reply;
    out->v6 = v6;
    out->to_server = to_server;
    out->src_mac = to_server ? f->cmac : f->smac;
    out->dst_mac = to_server ? f->smac : f->cmac;
}
