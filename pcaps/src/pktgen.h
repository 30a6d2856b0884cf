/*
 * pktgen - deterministic traffic generator for the eBPF/XDP emulator.
 *
 * Everything that ends up in a trace is a pure function of the options:
 * the pseudo-random numbers come from our own xoshiro256** (seeded with
 * splitmix64), timestamps are computed from the frame sizes and the
 * configured line rate starting at a fixed epoch, and no floating point
 * or clock is involved.  See pcaps/README.md for the user's view.
 *
 * Library layout (pcaps/src):
 *   prng.c     PRNG (splitmix64, xoshiro256**, unbiased bounded draws)
 *   csum.c     Internet checksum, IPv4/IPv6 pseudo headers
 *   build.c    packet buffer with headroom and the header builders
 *   flows.c    flow table, Zipf popularity, TCP/UDP session content
 *   gen.c      packet kinds, mixes, malformed frames, timestamps
 *   writer.c   pcap (libpcap) and pcapng (own small writer) output
 *   args.c     command-line parsing and usage text
 */
#ifndef PKTGEN_H
#define PKTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------ constants */

#define PG_MAX_FRAME 9216u     /* largest frame we build (9000-byte IP + L2) */
#define PG_HEADROOM 256u       /* room to prepend headers */
#define PG_SNAPLEN 65535u      /* snaplen written in the file header */
#define PG_MIN_FRAME 60u       /* minimum Ethernet frame without FCS */
#define PG_FCS_LEN 4u          /* FCS: counted in wire time, never captured */
#define PG_WIRE_OVERHEAD 20u   /* preamble 7 + SFD 1 + inter-frame gap 12 */
#define PG_DEFAULT_EPOCH 1704067200ull /* 2024-01-01T00:00:00Z */
#define PG_DEFAULT_COUNT 1000u
#define PG_DEFAULT_FLOWS 64u
#define PG_DEFAULT_SEED 1u
#define PG_DEFAULT_RATE_BPS 10000000000ull /* 10 Gb/s */
#define PG_MAX_COUNT 100000000ull
#define PG_MAX_FLOWS 1000000u

#define PG_ETH_IPV4 0x0800
#define PG_ETH_ARP 0x0806
#define PG_ETH_VLAN 0x8100
#define PG_ETH_QINQ 0x88a8
#define PG_ETH_IPV6 0x86dd
#define PG_VXLAN_PORT 4789

/* ------------------------------------------------------------ byte order */

static inline void pg_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void pg_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint16_t pg_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t pg_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ------------------------------------------------------------ PRNG (prng.c) */

typedef struct pg_rng {
    uint64_t s[4];
} pg_rng;

uint64_t pg_splitmix64(uint64_t *state);
/* Seed a xoshiro256** generator; different streams give independent sequences. */
void pg_rng_seed(pg_rng *r, uint64_t seed, uint64_t stream);
uint64_t pg_rng_next(pg_rng *r);
/* Uniform in [0, n), n > 0, without modulo bias. */
uint32_t pg_rng_below(pg_rng *r, uint32_t n);
/* Uniform in [lo, hi] (inclusive). */
uint32_t pg_rng_range(pg_rng *r, uint32_t lo, uint32_t hi);
/* True with probability num/den. */
int pg_rng_chance(pg_rng *r, uint32_t num, uint32_t den);
void pg_rng_fill(pg_rng *r, uint8_t *dst, size_t n);

/* ------------------------------------------------------------ checksums (csum.c) */

/* Add bytes (as big-endian 16-bit words) to a running one's-complement sum.
 * Only the last chunk of a checksummed region may have an odd length. */
uint32_t pg_csum_partial(const void *data, size_t len, uint32_t sum);
/* Fold and complement: the value to store in a checksum field. */
uint16_t pg_csum_fold(uint32_t sum);
uint16_t pg_ipv4_csum(const uint8_t *hdr, size_t hlen);
/* TCP/UDP/ICMPv6-style checksum including the pseudo header. */
uint16_t pg_l4_csum4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                     const uint8_t *l4, size_t len);
uint16_t pg_l4_csum6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
                     const uint8_t *l4, size_t len);
/* One's-complement add of delta (1..0xfffe) to a stored checksum: the
 * result never verifies.  Used to make "bad checksum" frames. */
uint16_t pg_csum_damage(uint16_t stored, uint16_t delta);

/* ------------------------------------------------------------ packets (build.c) */

typedef struct pg_pkt {
    size_t head, tail;  /* frame is buf[head, tail) */
    uint32_t caplen;    /* bytes written to the file (<= len) */
    uint32_t len;       /* frame length on the wire, without FCS */
    uint64_t ts_sec;
    uint32_t ts_nsec;
    int kind;           /* enum pg_kind */
    uint8_t buf[PG_HEADROOM + PG_MAX_FRAME];
} pg_pkt;

static inline uint8_t *pg_pkt_data(pg_pkt *p)
{
    return p->buf + p->head;
}
static inline size_t pg_pkt_len(const pg_pkt *p)
{
    return p->tail - p->head;
}

/* Addresses of one IP packet; IPv4 addresses live in the first 4 bytes. */
typedef struct pg_ip {
    int v6;
    uint8_t src[16];
    uint8_t dst[16];
} pg_ip;

typedef struct pg_vlan {
    uint16_t tpid;
    uint16_t tci;
} pg_vlan;

void pg_pkt_reset(pg_pkt *p);
uint8_t *pg_pkt_push(pg_pkt *p, size_t n); /* prepend n zeroed bytes */
uint8_t *pg_pkt_put(pg_pkt *p, size_t n);  /* append n zeroed bytes */
void pg_pkt_trim(pg_pkt *p, size_t len);   /* cut the frame to len bytes */
/* Mark the frame complete: len = caplen = current length. */
void pg_pkt_finish(pg_pkt *p);

void pg_push_eth(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6],
                 const pg_vlan *tags, int ntags, uint16_t ethertype);
void pg_pad_min(pg_pkt *p); /* zero-pad to 60 bytes */
/* IPv4 header over the current contents; opt may be NULL; optlen % 4 == 0.
 * frag is the flags+offset field (0x4000 = DF, 0x2000 = MF). */
uint8_t *pg_push_ipv4(pg_pkt *p, const pg_ip *ip, uint8_t proto, uint8_t tos, uint8_t ttl,
                      uint16_t id, uint16_t frag, const uint8_t *opt, size_t optlen);
uint8_t *pg_push_ipv6(pg_pkt *p, const pg_ip *ip, uint8_t nh, uint8_t tclass,
                      uint32_t flowlabel, uint8_t hlim);
/* Generic IPv6 extension header: nh, length, then body; 2 + bodylen % 8 == 0. */
uint8_t *pg_push_ip6_ext(pg_pkt *p, uint8_t nh, const uint8_t *body, size_t bodylen);
uint8_t *pg_push_ip6_frag(pg_pkt *p, uint8_t nh, uint16_t offset8, int more, uint32_t ident);
/* TCP header over the current payload; checksum uses ip (final destination). */
uint8_t *pg_push_tcp(pg_pkt *p, const pg_ip *ip, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
                     size_t optlen);
/* UDP header; with_csum == 0 leaves the checksum zero (IPv4 only). */
uint8_t *pg_push_udp(pg_pkt *p, const pg_ip *ip, uint16_t sport, uint16_t dport, int with_csum);
/* ICMP (IPv4) header: type, code, 4 "rest of header" bytes; checksum over message. */
uint8_t *pg_push_icmp4(pg_pkt *p, uint8_t type, uint8_t code, uint32_t rest);
/* ICMPv6 header with pseudo-header checksum. */
uint8_t *pg_push_icmp6(pg_pkt *p, const pg_ip *ip, uint8_t type, uint8_t code, uint32_t rest);
uint8_t *pg_push_gre(pg_pkt *p, uint16_t proto, int with_key, uint32_t key);
uint8_t *pg_push_vxlan(pg_pkt *p, uint32_t vni);
uint8_t *pg_put_arp(pg_pkt *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
                    const uint8_t tha[6], const uint8_t tpa[4]);

#define PG_TCP_FIN 0x01
#define PG_TCP_SYN 0x02
#define PG_TCP_RST 0x04
#define PG_TCP_PSH 0x08
#define PG_TCP_ACK 0x10

/* ------------------------------------------------------------ kinds and mixes */

enum pg_kind {
    /* well-formed */
    PG_K_FLOW,          /* TCP or UDP packet of a flow (IPv4 or IPv6) */
    PG_K_ICMP_ECHO,     /* ICMP echo request / reply */
    PG_K_ICMP6_ECHO,    /* ICMPv6 echo request / reply */
    PG_K_ICMP6_NS,      /* ICMPv6 neighbour solicitation */
    PG_K_ARP,           /* ARP request / reply / gratuitous */
    PG_K_VLAN,          /* 802.1Q tagged flow packet */
    PG_K_QINQ,          /* 802.1ad S-tag (0x88a8) + C-tag (0x8100) */
    PG_K_IPV4_OPTS,     /* IPv4 header with options */
    PG_K_IPV4_FRAG,     /* fragments of a UDP datagram (first and later) */
    PG_K_IPV6_FRAG,     /* IPv6 fragment header */
    PG_K_IPV6_EXT,      /* hop-by-hop / routing / destination options */
    PG_K_GRE,           /* IPv4 in GRE in IPv4 */
    PG_K_VXLAN,         /* Ethernet in VXLAN in UDP 4789 */
    PG_K_IPIP,          /* IPv4 in IPv4 (protocol 4) */
    PG_K_6IN4,          /* IPv6 in IPv4 (protocol 41) */
    /* malformed */
    PG_K_SNAP_TRUNC,    /* caplen < len (snap-truncated capture) */
    PG_K_BAD_IHL,       /* IPv4 IHL < 5, or header longer than the packet */
    PG_K_BAD_TOTLEN,    /* IPv4 total length larger than the frame */
    PG_K_RUNT_TINY,     /* frame shorter than an Ethernet header (1..13) */
    PG_K_RUNT_SHORT,    /* frame of 14..59 bytes (no padding) */
    PG_K_UNKNOWN_ETHERTYPE,
    PG_K_BAD_IP_CSUM,   /* IPv4 header checksum wrong */
    PG_K_BAD_L4_CSUM,   /* TCP/UDP/ICMP/ICMPv6 checksum wrong */
    PG_K_COUNT
};
#define PG_K_FIRST_MALFORMED PG_K_SNAP_TRUNC

const char *pg_kind_name(int kind);
int pg_kind_is_malformed(int kind);

int pg_mix_count(void);
const char *pg_mix_name(int mix);
const char *pg_mix_desc(int mix);
int pg_mix_lookup(const char *name); /* -1 when unknown */

/* ------------------------------------------------------------ generator (gen.c) */

typedef struct pg_config {
    const char *out;     /* output path, "-" for stdout */
    uint64_t count;
    uint64_t seed;
    int mix;             /* index, see pg_mix_lookup */
    uint32_t flows;
    uint64_t rate_bps;   /* line rate in bit/s */
    uint64_t epoch;      /* timestamp of the first packet, seconds */
    int pcapng;
    int usec;            /* microsecond instead of nanosecond timestamps */
    int stats;           /* print per-kind counts */
} pg_config;

void pg_config_default(pg_config *cfg);

typedef struct pg_gen pg_gen;

pg_gen *pg_gen_new(const pg_config *cfg);
void pg_gen_free(pg_gen *g);
/* Next packet of the trace, timestamped.  The pointer stays valid until the
 * next call. */
const pg_pkt *pg_gen_next(pg_gen *g);
/* Queue the packet(s) of one event of the given kind: the next
 * pg_gen_next() calls return them.  Returns how many were queued. */
int pg_gen_emit(pg_gen *g, int kind);
const uint64_t *pg_gen_kind_counts(const pg_gen *g);
/* Wire time of a frame in bits: (len + FCS + preamble/SFD + IFG) * 8. */
uint64_t pg_wire_bits(uint32_t len);

/* ------------------------------------------------------------ output (writer.c) */

typedef struct pg_stats {
    uint64_t packets;
    uint64_t cap_bytes;     /* sum of caplen */
    uint64_t wire_bytes;    /* sum of len */
    uint64_t duration_ns;   /* from the first packet's start to the last's end */
    uint64_t kinds[PG_K_COUNT];
} pg_stats;

/* Generate cfg->count packets to cfg->out.  Returns 0, or -1 with a message. */
int pg_write_trace(const pg_config *cfg, pg_stats *st, char *err, size_t errlen);

/* ------------------------------------------------------------ options (args.c) */

enum { PG_ARGS_OK = 0, PG_ARGS_HELP = 1, PG_ARGS_ERROR = 2 };

/* Parse argv (argv[0] is the program name).  On PG_ARGS_ERROR, err holds a
 * one-line message naming the option, e.g.
 *   "pktgen: invalid value 'x' for --count: expected an integer from 1 to 100000000" */
int pg_parse_args(int argc, char *const argv[], pg_config *cfg, char *err, size_t errlen);
void pg_usage(FILE *f);

#endif
