/* Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo headers. */
#include "pktgen.h"

uint32_t pg_csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    while (len > 1) {
        acc += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

uint16_t pg_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t pg_ipv4_csum(const uint8_t *hdr, size_t hlen)
{
    return pg_csum_fold(pg_csum_partial(hdr, hlen, 0));
}

uint16_t pg_l4_csum4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                     const uint8_t *l4, size_t len)
{
    uint8_t ph[12];
    for (int i = 0; i < 4; i++) {
        ph[i] = src[i];
        ph[4 + i] = dst[i];
    }
    ph[8] = 0;
    ph[9] = proto;
    pg_put16(ph + 10, (uint16_t)len);
    return pg_csum_fold(pg_csum_partial(l4, len, pg_csum_partial(ph, sizeof ph, 0)));
}

uint16_t pg_l4_csum6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
                     const uint8_t *l4, size_t len)
{
    uint8_t ph[40];
    for (int i = 0; i < 16; i++) {
        ph[i] = src[i];
        ph[16 + i] = dst[i];
    }
    pg_put32(ph + 32, (uint32_t)len);
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = nh;
    return pg_csum_fold(pg_csum_partial(l4, len, pg_csum_partial(ph, sizeof ph, 0)));
}

uint16_t pg_csum_damage(uint16_t stored, uint16_t delta)
{
    uint32_t s = (uint32_t)stored + delta;
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}
