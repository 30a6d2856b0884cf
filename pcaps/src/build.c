/* Packet buffer with headroom and the protocol header builders.
 *
 * Frames are built from the inside out: the payload is appended first,
 * then each header is prepended, so a header can compute its length and
 * checksum over what it carries.  Positions inside buf never move, so a
 * pointer returned by a builder stays valid while outer headers are added. */
#include <stdlib.h>
#include <string.h>

#include "pktgen.h"

static void pg_oom(const char *what)
{
    fprintf(stderr, "pktgen: internal error: packet buffer overflow in %s\n", what);
    abort();
}

void pg_pkt_reset(pg_pkt *p)
{
    p->head = p->tail = PG_HEADROOM;
    p->caplen = p->len = 0;
    p->ts_sec = 0;
    p->ts_nsec = 0;
    p->kind = 0;
}

uint8_t *pg_pkt_push(pg_pkt *p, size_t n)
{
    if (n > p->head)
        pg_oom("push");
    p->head -= n;
    memset(p->buf + p->head, 0, n);
    return p->buf + p->head;
}

uint8_t *pg_pkt_put(pg_pkt *p, size_t n)
{
    if (n > sizeof p->buf - p->tail)
        pg_oom("put");
    uint8_t *at = p->buf + p->tail;
    memset(at, 0, n);
    p->tail += n;
    return at;
}

void pg_pkt_trim(pg_pkt *p, size_t len)
{
    if (len < pg_pkt_len(p))
        p->tail = p->head + len;
}

void pg_pkt_finish(pg_pkt *p)
{
    p->len = p->caplen = (uint32_t)pg_pkt_len(p);
}

void pg_push_eth(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6],
                 const pg_vlan *tags, int ntags, uint16_t ethertype)
{
    uint8_t *h = pg_pkt_push(p, 14 + 4 * (size_t)ntags);
    memcpy(h, dst, 6);
    memcpy(h + 6, src, 6);
    uint8_t *q = h + 12;
    for (int i = 0; i < ntags; i++) {
        pg_put16(q, tags[i].tpid);
        pg_put16(q + 2, tags[i].tci);
        q += 4;
    }
    pg_put16(q, ethertype);
}

void pg_pad_min(pg_pkt *p)
{
    size_t len = pg_pkt_len(p);
    if (len < PG_MIN_FRAME)
        pg_pkt_put(p, PG_MIN_FRAME - len);
}

uint8_t *pg_push_ipv4(pg_pkt *p, const pg_ip *ip, uint8_t proto, uint8_t tos, uint8_t ttl,
                      uint16_t id, uint16_t frag, const uint8_t *opt, size_t optlen)
{
    size_t hl = 20 + optlen;
    size_t total = hl + pg_pkt_len(p);
    uint8_t *h = pg_pkt_push(p, hl);
    h[0] = (uint8_t)(0x40 | (hl / 4));
    h[1] = tos;
    pg_put16(h + 2, (uint16_t)total);
    pg_put16(h + 4, id);
    pg_put16(h + 6, frag);
    h[8] = ttl;
    h[9] = proto;
    memcpy(h + 12, ip->src, 4);
    memcpy(h + 16, ip->dst, 4);
    if (optlen)
        memcpy(h + 20, opt, optlen);
    pg_put16(h + 10, pg_ipv4_csum(h, hl));
    return h;
}

uint8_t *pg_push_ipv6(pg_pkt *p, const pg_ip *ip, uint8_t nh, uint8_t tclass,
                      uint32_t flowlabel, uint8_t hlim)
{
    size_t plen = pg_pkt_len(p);
    uint8_t *h = pg_pkt_push(p, 40);
    pg_put32(h, (6u << 28) | ((uint32_t)tclass << 20) | (flowlabel & 0xfffff));
    pg_put16(h + 4, (uint16_t)plen);
    h[6] = nh;
    h[7] = hlim;
    memcpy(h + 8, ip->src, 16);
    memcpy(h + 24, ip->dst, 16);
    return h;
}

uint8_t *pg_push_ip6_ext(pg_pkt *p, uint8_t nh, const uint8_t *body, size_t bodylen)
{
    size_t total = 2 + bodylen;
    if (total % 8)
        pg_oom("ip6_ext (length not a multiple of 8)");
    uint8_t *h = pg_pkt_push(p, total);
    h[0] = nh;
    h[1] = (uint8_t)(total / 8 - 1);
    memcpy(h + 2, body, bodylen);
    return h;
}

uint8_t *pg_push_ip6_frag(pg_pkt *p, uint8_t nh, uint16_t offset8, int more, uint32_t ident)
{
    uint8_t *h = pg_pkt_push(p, 8);
    h[0] = nh;
    h[1] = 0;
    pg_put16(h + 2, (uint16_t)((offset8 << 3) | (more ? 1 : 0)));
    pg_put32(h + 4, ident);
    return h;
}

static uint16_t l4_csum(const pg_ip *ip, uint8_t proto, const uint8_t *l4, size_t len)
{
    return ip->v6 ? pg_l4_csum6(ip->src, ip->dst, proto, l4, len)
                  : pg_l4_csum4(ip->src, ip->dst, proto, l4, len);
}

uint8_t *pg_push_tcp(pg_pkt *p, const pg_ip *ip, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
                     size_t optlen)
{
    size_t hl = 20 + optlen;
    uint8_t *h = pg_pkt_push(p, hl);
    pg_put16(h, sport);
    pg_put16(h + 2, dport);
    pg_put32(h + 4, seq);
    pg_put32(h + 8, ack);
    h[12] = (uint8_t)((hl / 4) << 4);
    h[13] = flags;
    pg_put16(h + 14, win);
    if (optlen)
        memcpy(h + 20, opt, optlen);
    size_t len = pg_pkt_len(p) - (size_t)(h - pg_pkt_data(p));
    pg_put16(h + 16, l4_csum(ip, 6, h, len));
    return h;
}

uint8_t *pg_push_udp(pg_pkt *p, const pg_ip *ip, uint16_t sport, uint16_t dport, int with_csum)
{
    size_t len = pg_pkt_len(p) + 8;
    uint8_t *h = pg_pkt_push(p, 8);
    pg_put16(h, sport);
    pg_put16(h + 2, dport);
    pg_put16(h + 4, (uint16_t)len);
    if (with_csum || ip->v6) {
        uint16_t c = l4_csum(ip, 17, h, len);
        pg_put16(h + 6, c ? c : 0xffff); /* 0 means "no checksum" */
    }
    return h;
}

uint8_t *pg_push_icmp4(pg_pkt *p, uint8_t type, uint8_t code, uint32_t rest)
{
    uint8_t *h = pg_pkt_push(p, 8);
    h[0] = type;
    h[1] = code;
    pg_put32(h + 4, rest);
    pg_put16(h + 2, pg_csum_fold(pg_csum_partial(h, pg_pkt_len(p), 0)));
    return h;
}

uint8_t *pg_push_icmp6(pg_pkt *p, const pg_ip *ip, uint8_t type, uint8_t code, uint32_t rest)
{
    uint8_t *h = pg_pkt_push(p, 8);
    h[0] = type;
    h[1] = code;
    pg_put32(h + 4, rest);
    pg_put16(h + 2, pg_l4_csum6(ip->src, ip->dst, 58, h, pg_pkt_len(p)));
    return h;
}

uint8_t *pg_push_gre(pg_pkt *p, uint16_t proto, int with_key, uint32_t key)
{
    uint8_t *h = pg_pkt_push(p, with_key ? 8 : 4);
    pg_put16(h, with_key ? 0x2000 : 0); /* K bit, version 0 */
    pg_put16(h + 2, proto);
    if (with_key)
        pg_put32(h + 4, key);
    return h;
}

uint8_t *pg_push_vxlan(pg_pkt *p, uint32_t vni)
{
    uint8_t *h = pg_pkt_push(p, 8);
    h[0] = 0x08; /* I flag: VNI valid */
    pg_put32(h + 4, (vni & 0xffffff) << 8);
    return h;
}

uint8_t *pg_put_arp(pg_pkt *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
                    const uint8_t tha[6], const uint8_t tpa[4])
{
    uint8_t *a = pg_pkt_put(p, 28);
    pg_put16(a, 1);          /* Ethernet */
    pg_put16(a + 2, 0x0800); /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    pg_put16(a + 6, op);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    return a;
}
