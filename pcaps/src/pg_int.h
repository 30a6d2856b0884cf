/* Internal definitions shared by the generator's source files. */
#ifndef PG_INT_H
#define PG_INT_H

#include "pktgen.h"

enum { PG_PORTS_REAL, PG_PORTS_BULK };
enum { PG_SZ_NATURAL, PG_SZ_FIXED64, PG_SZ_IMIX, PG_SZ_LARGE };

typedef struct pg_mix {
    const char *name;
    const char *desc;
    uint8_t v6_pct;     /* share of flows that are IPv6 */
    uint8_t tcp_pct;    /* share of flows that are TCP (rest UDP) */
    uint8_t size_model; /* PG_SZ_* for plain flow packets */
    uint8_t ports;      /* PG_PORTS_* */
    uint16_t w[PG_K_COUNT]; /* relative weight of each packet kind */
} pg_mix;

extern const pg_mix pg_mixes[];
extern const int pg_nmixes;

typedef struct pg_flow {
    uint8_t proto; /* 6 or 17 */
    uint8_t v6;
    uint8_t cmac[6], smac[6];
    uint8_t c4[4], s4[4], gw4[4];
    uint8_t c6[16], s6[16];
    uint16_t sport, dport;
    uint16_t vid, svid;
    uint8_t ttl_c, ttl_s;
    uint16_t ipid_c, ipid_s;
    uint32_t flowlabel;
    uint32_t vni;
    uint16_t win_c, win_s;
    /* TCP session */
    uint8_t stage;
    uint8_t unacked;
    uint8_t resp_first;
    uint32_t seq_c, seq_s;
    uint32_t tsv_c, tsv_s;
    uint32_t resp_left, resp_total;
    uint32_t sessions;
    /* UDP request/response and ICMP echo */
    uint8_t reply_next;
    uint8_t dns_name, dns_aaaa;
    uint16_t dns_id;
    uint16_t icmp_id, icmp_seq;
    uint8_t icmp_reply_next;
} pg_flow;

#define PG_QMAX 16

struct pg_gen {
    pg_config cfg;
    const pg_mix *mix;
    pg_rng rng;
    pg_flow *flows;
    uint32_t nflows;
    uint32_t *zcum; /* cumulative Zipf weights */
    uint32_t ztotal;
    uint32_t wtotal;
    pg_pkt *slot[PG_QMAX];
    int qhead, qcount;
    pg_pkt *scratch;
    uint64_t bits;     /* wire bits of the packets emitted so far */
    uint64_t produced;
    uint64_t kinds[PG_K_COUNT];
    uint32_t imix[12];
    int imix_pos;
    uint8_t gw_mac[2][6];
    uint8_t tun_mac[2][6];
};

/* IPv6 extension headers requested from pg_flow_l3 */
#define PG_EXT_HBH 1u
#define PG_EXT_RT 2u
#define PG_EXT_DST 4u

typedef struct pg_l3req {
    int fam;          /* -1: the flow's own family, 0: IPv4, 1: IPv6 */
    uint32_t target;  /* wanted frame length without FCS, 0 = natural */
    uint32_t l2len;   /* L2 header bytes that will be prepended */
    const uint8_t *v4opt;
    size_t v4optlen;
    unsigned ext;     /* PG_EXT_* */
    int min_payload;  /* natural size but at least this much L4 payload */
    uint32_t mtu_cut; /* encapsulation bytes inside the 1500-byte MTU (lowers the MSS) */
} pg_l3req;

typedef struct pg_l3 {
    int v6;
    int to_server;
    uint16_t ethertype;
    uint8_t l4proto;
    uint8_t *ip; /* IP header inside the packet buffer */
    uint8_t *l4; /* L4 header inside the packet buffer */
    const uint8_t *src_mac, *dst_mac;
} pg_l3;

void pg_flows_init(pg_gen *g, pg_rng *r);
pg_flow *pg_flow_pick(pg_gen *g);
/* Append the next packet of flow f (payload + L4 + IP) to p. */
void pg_flow_l3(pg_gen *g, pg_flow *f, const pg_l3req *req, pg_pkt *p, pg_l3 *out);
/* ICMP (v6 = 0) or ICMPv6 (v6 = 1) echo request/reply between the flow's hosts. */
void pg_flow_echo(pg_gen *g, pg_flow *f, int v6, pg_pkt *p, pg_l3 *out);
void pg_flow_addrs(const pg_flow *f, int v6, int to_server, pg_ip *ip);

#endif
