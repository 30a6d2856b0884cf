/* Packet kinds, traffic mixes, malformed frames and timestamps. */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* ------------------------------------------------------------ kinds */

static const char *const kind_names[PG_K_COUNT] = {
    [PG_K_FLOW] = "flow",
    [PG_K_ICMP_ECHO] = "icmp-echo",
    [PG_K_ICMP6_ECHO] = "icmp6-echo",
    [PG_K_ICMP6_NS] = "icmp6-ns",
    [PG_K_ARP] = "arp",
    [PG_K_VLAN] = "vlan",
    [PG_K_QINQ] = "qinq",
    [PG_K_IPV4_OPTS] = "ipv4-options",
    [PG_K_IPV4_FRAG] = "ipv4-fragment",
    [PG_K_IPV6_FRAG] = "ipv6-fragment",
    [PG_K_IPV6_EXT] = "ipv6-ext-headers",
    [PG_K_GRE] = "gre",
    [PG_K_VXLAN] = "vxlan",
    [PG_K_IPIP] = "ipip",
    [PG_K_6IN4] = "6in4",
    [PG_K_SNAP_TRUNC] = "snap-truncated",
    [PG_K_BAD_IHL] = "bad-ihl",
    [PG_K_BAD_TOTLEN] = "bad-total-length",
    [PG_K_RUNT_TINY] = "runt-under-14",
    [PG_K_RUNT_SHORT] = "runt-under-60",
    [PG_K_UNKNOWN_ETHERTYPE] = "unknown-ethertype",
    [PG_K_BAD_IP_CSUM] = "bad-ip-checksum",
    [PG_K_BAD_L4_CSUM] = "bad-l4-checksum",
};

const char *pg_kind_name(int kind)
{
    return kind >= 0 && kind < PG_K_COUNT ? kind_names[kind] : "?";
}

int pg_kind_is_malformed(int kind)
{
    return kind >= PG_K_FIRST_MALFORMED && kind < PG_K_COUNT;
}

/* ------------------------------------------------------------ mixes */

const pg_mix pg_mixes[] = {
    { "64", "64-byte frames (60 captured + 4 FCS), IPv4 UDP", 0, 0, PG_SZ_FIXED64, PG_PORTS_BULK,
      { [PG_K_FLOW] = 1 } },
    { "imix", "simple IMIX: 64/576/1500-byte frames in a 7:4:1 ratio, IPv4 UDP and TCP", 0, 30,
      PG_SZ_IMIX, PG_PORTS_BULK, { [PG_K_FLOW] = 1 } },
    { "default", "realistic protocol mix with about 7% malformed frames", 25, 70, PG_SZ_NATURAL,
      PG_PORTS_REAL,
      { [PG_K_FLOW] = 556, [PG_K_ICMP_ECHO] = 30, [PG_K_ICMP6_ECHO] = 10, [PG_K_ICMP6_NS] = 10,
        [PG_K_ARP] = 20, [PG_K_VLAN] = 40, [PG_K_QINQ] = 15, [PG_K_IPV4_OPTS] = 8,
        [PG_K_IPV4_FRAG] = 4, [PG_K_IPV6_FRAG] = 3, [PG_K_IPV6_EXT] = 8, [PG_K_GRE] = 10,
        [PG_K_VXLAN] = 10, [PG_K_IPIP] = 6, [PG_K_6IN4] = 6, [PG_K_SNAP_TRUNC] = 12,
        [PG_K_BAD_IHL] = 6, [PG_K_BAD_TOTLEN] = 6, [PG_K_RUNT_TINY] = 5, [PG_K_RUNT_SHORT] = 6,
        [PG_K_UNKNOWN_ETHERTYPE] = 8, [PG_K_BAD_IP_CSUM] = 6, [PG_K_BAD_L4_CSUM] = 8 } },
    { "malformed", "mostly malformed and truncated frames, some well-formed ones", 25, 70,
      PG_SZ_NATURAL, PG_PORTS_REAL,
      { [PG_K_FLOW] = 120, [PG_K_ICMP_ECHO] = 10, [PG_K_ARP] = 10, [PG_K_VLAN] = 10,
        [PG_K_SNAP_TRUNC] = 110, [PG_K_BAD_IHL] = 100, [PG_K_BAD_TOTLEN] = 100,
        [PG_K_RUNT_TINY] = 90, [PG_K_RUNT_SHORT] = 100, [PG_K_UNKNOWN_ETHERTYPE] = 90,
        [PG_K_BAD_IP_CSUM] = 100, [PG_K_BAD_L4_CSUM] = 110 } },
    { "ipv6", "IPv6 only: TCP/UDP flows, ICMPv6, extension headers, fragments, 6in4", 100, 65,
      PG_SZ_NATURAL, PG_PORTS_REAL,
      { [PG_K_FLOW] = 600, [PG_K_ICMP6_ECHO] = 60, [PG_K_ICMP6_NS] = 60, [PG_K_IPV6_FRAG] = 30,
        [PG_K_IPV6_EXT] = 120, [PG_K_VLAN] = 40, [PG_K_QINQ] = 10, [PG_K_6IN4] = 40 } },
    { "tunnels", "GRE, VXLAN, IPIP and 6in4 encapsulated flows", 25, 70, PG_SZ_NATURAL,
      PG_PORTS_REAL,
      { [PG_K_GRE] = 250, [PG_K_VXLAN] = 250, [PG_K_IPIP] = 200, [PG_K_6IN4] = 200,
        [PG_K_VLAN] = 50, [PG_K_QINQ] = 50 } },
    { "large", "TCP/UDP frames from 60 bytes up to 9014 (9000-byte jumbo IP packets)", 30, 70,
      PG_SZ_LARGE, PG_PORTS_BULK, { [PG_K_FLOW] = 1 } },
};
const int pg_nmixes = (int)(sizeof pg_mixes / sizeof pg_mixes[0]);

int pg_mix_count(void)
{
    return pg_nmixes;
}

const char *pg_mix_name(int mix)
{
    return mix >= 0 && mix < pg_nmixes ? pg_mixes[mix].name : NULL;
}

const char *pg_mix_desc(int mix)
{
    return mix >= 0 && mix < pg_nmixes ? pg_mixes[mix].desc : NULL;
}

int pg_mix_lookup(const char *name)
{
    for (int i = 0; i < pg_nmixes; i++)
        if (!strcmp(name, pg_mixes[i].name))
            return i;
    return -1;
}

/* ------------------------------------------------------------ config / lifetime */

void pg_config_default(pg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->count = PG_DEFAULT_COUNT;
    cfg->seed = PG_DEFAULT_SEED;
    cfg->mix = pg_mix_lookup("default");
    cfg->flows = PG_DEFAULT_FLOWS;
    cfg->rate_bps = PG_DEFAULT_RATE_BPS;
    cfg->epoch = PG_DEFAULT_EPOCH;
}

uint64_t pg_wire_bits(uint32_t len)
{
    return ((uint64_t)len + PG_FCS_LEN + PG_WIRE_OVERHEAD) * 8;
}

void pg_gen_free(pg_gen *g)
{
    if (!g)
        return;
    for (int i = 0; i < PG_QMAX; i++)
        free(g->slot[i]);
    free(g->scratch);
    free(g->flows);
    free(g->zcum);
    free(g);
}

pg_gen *pg_gen_new(const pg_config *cfg)
{
    if (cfg->mix < 0 || cfg->mix >= pg_nmixes || cfg->flows < 1 || cfg->flows > PG_MAX_FLOWS ||
        cfg->rate_bps == 0)
        return NULL;
    pg_gen *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->cfg = *cfg;
    g->cfg.out = NULL;
    g->mix = &pg_mixes[cfg->mix];
    g->nflows = cfg->flows;
    g->flows = calloc(g->nflows, sizeof *g->flows);
    g->zcum = calloc(g->nflows, sizeof *g->zcum);
    g->scratch = malloc(sizeof *g->scratch);
    int ok = g->flows && g->zcum && g->scratch;
    for (int i = 0; i < PG_QMAX && ok; i++)
        ok = (g->slot[i] = malloc(sizeof *g->slot[i])) != NULL;
    if (!ok) {
        pg_gen_free(g);
        return NULL;
    }
    for (int k = 0; k < PG_K_COUNT; k++)
        g->wtotal += g->mix->w[k];

    pg_rng fr; /* flows come from their own stream */
    pg_rng_seed(&fr, cfg->seed, 1);
    pg_rng_seed(&g->rng, cfg->seed, 2);
    for (int i = 0; i < 2; i++) {
        pg_rng_fill(&fr, g->gw_mac[i], 6);
        g->gw_mac[i][0] = 0x02;
        pg_rng_fill(&fr, g->tun_mac[i], 6);
        g->tun_mac[i][0] = 0x02;
    }
    pg_flows_init(g, &fr);
    return g;
}

const uint64_t *pg_gen_kind_counts(const pg_gen *g)
{
    return g->kinds;
}

/* ------------------------------------------------------------ event builders */

static pg_pkt *slot_new(pg_gen *g, int kind)
{
    pg_pkt *p = g->slot[(g->qhead + g->qcount) % PG_QMAX];
    g->qcount++;
    pg_pkt_reset(p);
    p->kind = kind;
    return p;
}

static void finish_eth(pg_pkt *p, const pg_l3 *l3, const pg_vlan *tags, int ntags)
{
    pg_push_eth(p, l3->dst_mac, l3->src_mac, tags, ntags, l3->ethertype);
    pg_pad_min(p);
    pg_pkt_finish(p);
}

static uint32_t flow_target(pg_gen *g)
{
    pg_rng *r = &g->rng;
    switch (g->mix->size_model) {
    case PG_SZ_FIXED64:
        return 60;
    case PG_SZ_IMIX:
        /* Blocks of 12 frames hold exactly 7 x 64, 4 x 576 and 1 x 1500 wire
         * bytes (60/572/1496 captured + FCS), in shuffled order. */
        if (g->imix_pos == 0) {
            for (int i = 0; i < 12; i++)
                g->imix[i] = i < 7 ? 60 : i < 11 ? 572 : 1496;
            for (int i = 11; i > 0; i--) {
                uint32_t j = pg_rng_below(r, (uint32_t)i + 1);
                uint32_t t = g->imix[i];
                g->imix[i] = g->imix[j];
                g->imix[j] = t;
            }
        }
        {
            uint32_t v = g->imix[g->imix_pos];
            g->imix_pos = (g->imix_pos + 1) % 12;
            return v;
        }
    case PG_SZ_LARGE: {
        uint32_t u = pg_rng_below(r, 100);
        if (u < 20)
            return 9014;
        if (u < 40)
            return 1514;
        if (u < 80)
            return pg_rng_range(r, 1515, 9013);
        return pg_rng_range(r, 60, 1514);
    }
    default:
        return 0;
    }
}

static pg_vlan vtag(pg_gen *g, uint16_t tpid, uint16_t vid)
{
    uint16_t pcp = pg_rng_chance(&g->rng, 1, 5) ? (uint16_t)pg_rng_range(&g->rng, 1, 7) : 0;
    pg_vlan t = { tpid, (uint16_t)((pcp << 13) | (vid & 0xfff)) };
    return t;
}

static void ev_flow(pg_gen *g, int kind, int fam, const uint8_t *opt, size_t optlen, unsigned ext)
{
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, kind);
    pg_l3req req = { fam, 0, 14, opt, optlen, ext, 0, 0 };
    pg_vlan tags[2];
    int ntags = 0;
    if (kind == PG_K_FLOW)
        req.target = flow_target(g);
    if (kind == PG_K_VLAN) {
        tags[ntags++] = vtag(g, PG_ETH_VLAN, f->vid);
    } else if (kind == PG_K_QINQ) {
        tags[ntags++] = vtag(g, PG_ETH_QINQ, f->svid);
        tags[ntags++] = vtag(g, PG_ETH_VLAN, f->vid);
    }
    req.l2len = 14 + 4 * (uint32_t)ntags;
    pg_l3 l3;
    pg_flow_l3(g, f, &req, p, &l3);
    finish_eth(p, &l3, tags, ntags);
}

static void ev_echo(pg_gen *g, int kind, int v6)
{
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, kind);
    pg_l3 l3;
    pg_flow_echo(g, f, v6, p, &l3);
    finish_eth(p, &l3, NULL, 0);
}

static void link_local(uint8_t a[16], const uint8_t mac[6])
{
    memset(a, 0, 16);
    a[0] = 0xfe;
    a[1] = 0x80;
    a[8] = (uint8_t)(mac[0] ^ 0x02); /* modified EUI-64 */
    a[9] = mac[1];
    a[10] = mac[2];
    a[11] = 0xff;
    a[12] = 0xfe;
    a[13] = mac[3];
    a[14] = mac[4];
    a[15] = mac[5];
}

static void ev_ns(pg_gen *g)
{
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, PG_K_ICMP6_NS);
    int dad = pg_rng_chance(&g->rng, 1, 5);
    uint8_t target[16];
    pg_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.v6 = 1;
    if (dad) { /* duplicate address detection: from ::, for our own address */
        link_local(target, f->cmac);
    } else {
        link_local(target, f->smac);
        link_local(ip.src, f->cmac);
    }
    static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
    memcpy(ip.dst, snm, 13);
    memcpy(ip.dst + 13, target + 13, 3);
    memcpy(pg_pkt_put(p, 16), target, 16);
    if (!dad) { /* source link-layer address option */
        uint8_t *o = pg_pkt_put(p, 8);
        o[0] = 1;
        o[1] = 1;
        memcpy(o + 2, f->cmac, 6);
    }
    pg_push_icmp6(p, &ip, 135, 0, 0);
    pg_push_ipv6(p, &ip, 58, 0, 0, 255);
    uint8_t dmac[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
    pg_push_eth(p, dmac, f->cmac, NULL, 0, PG_ETH_IPV6);
    pg_pad_min(p);
    pg_pkt_finish(p);
}

static void ev_arp(pg_gen *g)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t zero[6] = { 0 };
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, PG_K_ARP);
    uint32_t u = pg_rng_below(&g->rng, 10);
    if (u < 5) { /* who-has gateway */
        pg_put_arp(p, 1, f->cmac, f->c4, zero, f->gw4);
        pg_push_eth(p, bcast, f->cmac, NULL, 0, PG_ETH_ARP);
    } else if (u < 9) { /* gateway is-at */
        pg_put_arp(p, 2, f->smac, f->gw4, f->cmac, f->c4);
        pg_push_eth(p, f->cmac, f->smac, NULL, 0, PG_ETH_ARP);
    } else { /* gratuitous */
        pg_put_arp(p, 1, f->cmac, f->c4, zero, f->c4);
        pg_push_eth(p, bcast, f->cmac, NULL, 0, PG_ETH_ARP);
    }
    pg_pad_min(p);
    pg_pkt_finish(p);
}

static void ev_ipv4_opts(pg_gen *g)
{
    uint8_t opt[40];
    size_t n;
    memset(opt, 0, sizeof opt);
    switch (pg_rng_below(&g->rng, 4)) {
    case 0: /* router alert */
        opt[0] = 0x94; opt[1] = 4;
        n = 4;
        break;
    case 1: /* NOP, record route with room for 2 addresses */
        opt[0] = 1; opt[1] = 7; opt[2] = 11; opt[3] = 4;
        n = 12;
        break;
    case 2: /* timestamp, 2 slots, one used */
        opt[0] = 68; opt[1] = 12; opt[2] = 9; opt[3] = 0;
        pg_put32(opt + 4, 3600000u + pg_rng_below(&g->rng, 1000000));
        n = 12;
        break;
    default: /* router alert + NOP + record route */
        opt[0] = 0x94; opt[1] = 4;
        opt[4] = 1; opt[5] = 7; opt[6] = 11; opt[7] = 4;
        n = 16;
        break;
    }
    ev_flow(g, PG_K_IPV4_OPTS, 0, opt, n, 0);
}

/* A UDP datagram cut into IPv4 fragments or IPv6 fragment-header packets. */
static void ev_frag(pg_gen *g, int v6)
{
    pg_rng *r = &g->rng;
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *d = g->scratch;
    size_t per, dlen;
    if (v6) {
        per = 1232; /* 1280-byte packets */
        dlen = pg_rng_range(r, 1300, 2400);
    } else if (pg_rng_chance(r, 1, 2)) {
        per = 552; /* MTU 576 */
        dlen = pg_rng_range(r, 600, 1500);
    } else {
        per = 1480; /* MTU 1500 */
        dlen = pg_rng_range(r, 1600, 2900);
    }
    pg_pkt_reset(d);
    pg_rng_fill(r, pg_pkt_put(d, dlen), dlen);
    pg_ip ip;
    pg_flow_addrs(f, v6, 1, &ip);
    pg_push_udp(d, &ip, f->sport, 5001, 1);
    size_t total = pg_pkt_len(d);
    uint32_t ident = (uint32_t)pg_rng_next(r);
    for (size_t off = 0; off < total; off += per) {
        size_t n = total - off < per ? total - off : per;
        int more = off + n < total;
        pg_pkt *p = slot_new(g, v6 ? PG_K_IPV6_FRAG : PG_K_IPV4_FRAG);
        memcpy(pg_pkt_put(p, n), pg_pkt_data(d) + off, n);
        if (v6) {
            pg_push_ip6_frag(p, 17, (uint16_t)(off / 8), more, ident);
            pg_push_ipv6(p, &ip, 44, 0, f->flowlabel, f->ttl_c);
        } else {
            pg_push_ipv4(p, &ip, 17, 0, f->ttl_c, (uint16_t)ident,
                         (uint16_t)((more ? 0x2000 : 0) | (off / 8)), NULL, 0);
        }
        pg_push_eth(p, f->smac, f->cmac, NULL, 0, v6 ? PG_ETH_IPV6 : PG_ETH_IPV4);
        pg_pad_min(p);
        pg_pkt_finish(p);
    }
}

static void tunnel_ends(pg_gen *g, const pg_flow *f, int to_server, pg_ip *o)
{
    uint8_t a[4] = { 192, 0, 2, (uint8_t)(1 + (f - g->flows) % 8) };    /* TEST-NET-1 */
    uint8_t b[4] = { 203, 0, 113, (uint8_t)(1 + (f - g->flows) % 4) };  /* TEST-NET-3 */
    memset(o, 0, sizeof *o);
    memcpy(o->src, to_server ? a : b, 4);
    memcpy(o->dst, to_server ? b : a, 4);
}

static void ev_tunnel(pg_gen *g, int kind)
{
    pg_rng *r = &g->rng;
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, kind);
    int with_key = kind == PG_K_GRE && pg_rng_chance(r, 1, 2);
    int fam = kind == PG_K_6IN4 ? 1 : kind == PG_K_VXLAN ? -1 : 0;
    uint32_t outer = kind == PG_K_VXLAN ? 14 + 20 + 8 + 8 + 14
                   : kind == PG_K_GRE ? 14 + 20 + (with_key ? 8u : 4u) : 14 + 20;
    pg_l3req req = { fam, 0, outer, NULL, 0, 0, 0, outer - 14 };
    pg_l3 l3;
    pg_flow_l3(g, f, &req, p, &l3);
    pg_ip o;
    tunnel_ends(g, f, l3.to_server, &o);
    uint8_t proto;
    uint16_t frag = 0;
    switch (kind) {
    case PG_K_GRE:
        pg_push_gre(p, PG_ETH_IPV4, with_key, f->vni);
        proto = 47;
        break;
    case PG_K_VXLAN: {
        pg_push_eth(p, l3.dst_mac, l3.src_mac, NULL, 0, l3.ethertype);
        pg_push_vxlan(p, f->vni);
        /* source port from a hash of the inner flow, as VTEPs do; no UDP checksum (RFC 7348) */
        uint32_t h = (uint32_t)f->sport * 2654435761u ^ (uint32_t)f->dport * 40503u ^ pg_get32(f->c4);
        pg_push_udp(p, &o, (uint16_t)(49152 + ((h >> 7) & 0x3fff)), PG_VXLAN_PORT, 0);
        proto = 17;
        frag = 0x4000;
        break;
    }
    case PG_K_6IN4:
        proto = 41;
        break;
    default:
        proto = 4;
        break;
    }
    pg_push_ipv4(p, &o, proto, 0, 64, (uint16_t)pg_rng_below(r, 65536), frag, NULL, 0);
    pg_push_eth(p, g->tun_mac[!l3.to_server], g->tun_mac[l3.to_server], NULL, 0, PG_ETH_IPV4);
    pg_pad_min(p);
    pg_pkt_finish(p);
}

/* ------------------------------------------------------------ malformed frames */

static void ev_malformed(pg_gen *g, int kind)
{
    pg_rng *r = &g->rng;
    pg_flow *f = pg_flow_pick(g);
    pg_pkt *p = slot_new(g, kind);
    pg_l3req req = { -1, 0, 14, NULL, 0, 0, 0, 0 };
    pg_l3 l3;
    switch (kind) {
    case PG_K_SNAP_TRUNC: { /* captured with a small snaplen */
        static const uint32_t snaps[] = { 64, 68, 96, 128 };
        req.min_payload = (int)pg_rng_range(r, 100, 1400);
        pg_flow_l3(g, f, &req, p, &l3);
        finish_eth(p, &l3, NULL, 0);
        p->caplen = snaps[pg_rng_below(r, 4)];
        if (p->caplen >= p->len) { /* a SYN/FIN/RST stayed small: cut into the IP packet */
            uint32_t l2 = (uint32_t)(l3.ip - pg_pkt_data(p));
            uint32_t end = l2 + (l3.v6 ? 40u + pg_get16(l3.ip + 4) : pg_get16(l3.ip + 2));
            p->caplen = pg_rng_range(r, 14, end - 1);
        }
        return;
    }
    case PG_K_BAD_IHL: {
        req.fam = 0;
        pg_flow_l3(g, f, &req, p, &l3);
        finish_eth(p, &l3, NULL, 0);
        uint16_t tot = pg_get16(l3.ip + 2);
        uint8_t ihl = (uint8_t)pg_rng_below(r, 5);
        if (tot < 60 && pg_rng_chance(r, 1, 3))
            ihl = 15; /* header longer than the whole packet */
        l3.ip[0] = (uint8_t)(0x40 | ihl);
        pg_put16(l3.ip + 10, 0);
        pg_put16(l3.ip + 10, pg_ipv4_csum(l3.ip, 20));
        return;
    }
    case PG_K_BAD_TOTLEN: {
        req.fam = 0;
        pg_flow_l3(g, f, &req, p, &l3);
        finish_eth(p, &l3, NULL, 0);
        uint32_t tot = pg_get16(l3.ip + 2) + pg_rng_range(r, 1, 1500);
        if (pg_rng_chance(r, 1, 8) || tot > 65535)
            tot = 65535;
        pg_put16(l3.ip + 2, (uint16_t)tot);
        pg_put16(l3.ip + 10, 0);
        pg_put16(l3.ip + 10, pg_ipv4_csum(l3.ip, (size_t)(l3.ip[0] & 15) * 4));
        return;
    }
    case PG_K_RUNT_TINY:
    case PG_K_RUNT_SHORT: /* the first bytes of a real frame, cut on the wire */
        pg_flow_l3(g, f, &req, p, &l3);
        finish_eth(p, &l3, NULL, 0);
        pg_pkt_trim(p, kind == PG_K_RUNT_TINY ? pg_rng_range(r, 1, 13) : pg_rng_range(r, 14, 59));
        pg_pkt_finish(p);
        return;
    case PG_K_UNKNOWN_ETHERTYPE: {
        static const uint16_t types[] = { 0x88b5, 0x88b6, 0x7777, 0xabcd, 0xfffe, 0x3333 };
        uint16_t type = types[pg_rng_below(r, 6)];
        size_t n = pg_rng_range(r, 46, 200);
        pg_rng_fill(r, pg_pkt_put(p, n), n);
        pg_push_eth(p, f->smac, f->cmac, NULL, 0, type);
        pg_pkt_finish(p);
        return;
    }
    case PG_K_BAD_IP_CSUM: {
        req.fam = 0;
        pg_flow_l3(g, f, &req, p, &l3);
        finish_eth(p, &l3, NULL, 0);
        uint16_t d = (uint16_t)pg_rng_range(r, 1, 0xfffe);
        pg_put16(l3.ip + 10, pg_csum_damage(pg_get16(l3.ip + 10), d));
        return;
    }
    default: { /* PG_K_BAD_L4_CSUM */
        size_t off;
        if (pg_rng_chance(r, 1, 4)) {
            pg_flow_echo(g, f, f->v6, p, &l3);
            off = 2;
        } else {
            pg_flow_l3(g, f, &req, p, &l3);
            off = l3.l4proto == 6 ? 16 : 6;
        }
        finish_eth(p, &l3, NULL, 0);
        uint16_t stored = pg_get16(l3.l4 + off), bad;
        do {
            bad = pg_csum_damage(stored, (uint16_t)pg_rng_range(r, 1, 0xfffe));
        } while (bad == 0 && l3.l4proto == 17); /* 0 would mean "no checksum" */
        pg_put16(l3.l4 + off, bad);
        return;
    }
    }
}

/* ------------------------------------------------------------ dispatch */

static void build_event(pg_gen *g, int kind)
{
    switch (kind) {
    case PG_K_FLOW:
    case PG_K_VLAN:
    case PG_K_QINQ:
        ev_flow(g, kind, -1, NULL, 0, 0);
        break;
    case PG_K_ICMP_ECHO:
        ev_echo(g, kind, 0);
        break;
    case PG_K_ICMP6_ECHO:
        ev_echo(g, kind, 1);
        break;
    case PG_K_ICMP6_NS:
        ev_ns(g);
        break;
    case PG_K_ARP:
        ev_arp(g);
        break;
    case PG_K_IPV4_OPTS:
        ev_ipv4_opts(g);
        break;
    case PG_K_IPV4_FRAG:
        ev_frag(g, 0);
        break;
    case PG_K_IPV6_FRAG:
        ev_frag(g, 1);
        break;
    case PG_K_IPV6_EXT:
        ev_flow(g, kind, 1, NULL, 0, pg_rng_range(&g->rng, 1, 7));
        break;
    case PG_K_GRE:
    case PG_K_VXLAN:
    case PG_K_IPIP:
    case PG_K_6IN4:
        ev_tunnel(g, kind);
        break;
    default:
        ev_malformed(g, kind);
        break;
    }
}

static int pick_kind(pg_gen *g)
{
    uint32_t u = pg_rng_below(&g->rng, g->wtotal);
    for (int k = 0; k < PG_K_COUNT; k++) {
        if (u < g->mix->w[k])
            return k;
        u -= g->mix->w[k];
    }
    return PG_K_FLOW;
}

int pg_gen_emit(pg_gen *g, int kind)
{
    if (kind < 0 || kind >= PG_K_COUNT || g->qcount > PG_QMAX - 5)
        return -1;
    int before = g->qcount;
    build_event(g, kind);
    return g->qcount - before;
}

const pg_pkt *pg_gen_next(pg_gen *g)
{
    while (!g->qcount)
        build_event(g, pick_kind(g));
    pg_pkt *p = g->slot[g->qhead];
    g->qhead = (g->qhead + 1) % PG_QMAX;
    g->qcount--;
    /* start of this frame = wire time of all earlier frames at the line rate */
    unsigned __int128 ns = (unsigned __int128)g->bits * 1000000000u / g->cfg.rate_bps;
    p->ts_sec = g->cfg.epoch + (uint64_t)(ns / 1000000000u);
    p->ts_nsec = (uint32_t)(ns % 1000000000u);
    g->bits += pg_wire_bits(p->len);
    g->kinds[p->kind]++;
    g->produced++;
    return p;
}
