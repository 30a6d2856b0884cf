/* Trace input/output over libpcap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "pcapio.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

int pcap_in_open(struct pcap_in *in, const char *path, char *err, size_t errlen)
{
    memset(in, 0, sizeof(*in));
    in->path = path;
    char ebuf[PCAP_ERRBUF_SIZE];
    if (strcmp(path, "-") == 0) {
        in->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    } else {
        /* Our own stream with a large buffer: with stdio's default of a
         * page, reading a trace costs a read() every few dozen records. */
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -errno;
        }
        struct stat st;
        if (fstat(fileno(f), &st) == 0)
            in->file_size = (uint64_t)st.st_size;
        enum { IOBUF = 1 << 20 };
        in->iobuf = malloc(IOBUF);
        if (in->iobuf)
            setvbuf(f, in->iobuf, _IOFBF, IOBUF);
        in->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        if (!in->p)
            fclose(f);
    }
    if (!in->p) {
        snprintf(err, errlen, "%s: %s", path, ebuf);
        free(in->iobuf);
        in->iobuf = NULL;
        return -EINVAL;
    }
    in->linktype = pcap_datalink(in->p);
    switch (in->linktype) {
    case DLT_EN10MB: break;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: in->conversion = "raw IP frames get an Ethernet header"; break;
    case DLT_LINUX_SLL: in->conversion = "Linux cooked (SLL) headers become Ethernet headers"; break;
    case DLT_NULL:
    case DLT_LOOP: in->conversion = "BSD loopback headers become Ethernet headers"; break;
    default: {
        const char *name = pcap_datalink_val_to_name(in->linktype);
        snprintf(err, errlen,
                 "%s: linktype %d (%s) is not supported: XDP programs expect Ethernet frames "
                 "(Ethernet, raw IP, Linux cooked and BSD loopback traces are accepted)",
                 path, in->linktype, name ? name : "unknown");
        pcap_close(in->p);
        in->p = NULL;
        free(in->iobuf);
        in->iobuf = NULL;
        return -EINVAL;
    }
    }
    return 0;
}

/* Prepend an Ethernet header (zero MACs unless given) with ethertype. */
static int to_ethernet(struct pcap_in *in, const uint8_t *payload, uint32_t len, uint16_t ethertype,
                       const uint8_t *src_mac, struct pkt_in *pkt, uint32_t dropped)
{
    size_t need = (size_t)len + 14;
    if (need > in->conv_cap) {
        uint8_t *p = realloc(in->conv, need);
        if (!p)
            return -ENOMEM;
        in->conv = p;
        in->conv_cap = need;
    }
    memset(in->conv, 0, 12);
    if (src_mac)
        memcpy(in->conv + 6, src_mac, 6);
    in->conv[12] = (uint8_t)(ethertype >> 8);
    in->conv[13] = (uint8_t)ethertype;
    memcpy(in->conv + 14, payload, len);
    pkt->data = in->conv;
    pkt->wirelen = pkt->wirelen - dropped + 14;
    pkt->caplen = len + 14;
    return 1;
}

static uint16_t ip_ethertype(const uint8_t *p, uint32_t len)
{
    return len && (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
}

static int convert(struct pcap_in *in, struct pkt_in *pkt)
{
    const uint8_t *d = pkt->data;
    uint32_t n = pkt->caplen;
    switch (in->linktype) {
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: return to_ethernet(in, d, n, ip_ethertype(d, n), NULL, pkt, 0);
    case DLT_LINUX_SLL:
        if (n < 16)
            return to_ethernet(in, d, 0, 0, NULL, pkt, n);
        return to_ethernet(in, d + 16, n - 16, (uint16_t)(d[14] << 8 | d[15]), d[4] == 0 && d[5] == 6 ? d + 6 : NULL,
                           pkt, 16);
    case DLT_NULL:
    case DLT_LOOP:
        if (n < 4)
            return to_ethernet(in, d, 0, 0, NULL, pkt, n);
        return to_ethernet(in, d + 4, n - 4, ip_ethertype(d + 4, n - 4), NULL, pkt, 4);
    default: return 1;
    }
}

int pcap_in_next(struct pcap_in *in, struct pkt_in *pkt, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(in->p, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc != 1) {
        snprintf(err, errlen, "%s: record %llu: %s", in->path, (unsigned long long)in->record + 1,
                 pcap_geterr(in->p));
        return -EIO;
    }
    in->record++;
    pkt->data = data;
    pkt->caplen = h->caplen;
    pkt->wirelen = h->len;
    pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
    if (in->conversion)
        return convert(in, pkt);
    return 1;
}

uint64_t pcap_in_offset(struct pcap_in *in)
{
    FILE *f = pcap_file(in->p);
    long off = f ? ftell(f) : -1;
    return off < 0 ? 0 : (uint64_t)off;
}

void pcap_in_close(struct pcap_in *in)
{
    if (in->p)
        pcap_close(in->p); /* closes the stream before its buffer goes */
    free(in->iobuf);
    free(in->conv);
    memset(in, 0, sizeof(*in));
}

int pcap_out_open(struct pcap_out *out, const char *path, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
    if (!out->dead || !(out->d = pcap_dump_open(out->dead, path))) {
        snprintf(err, errlen, "%s: %s", path, out->dead ? pcap_geterr(out->dead) : "out of memory");
        if (out->dead)
            pcap_close(out->dead);
        out->dead = NULL;
        return -EIO;
    }
    return 0;
}

void pcap_out_write(struct pcap_out *out, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                    uint64_t ts_ns)
{
    struct pcap_pkthdr h = {.caplen = caplen, .len = wirelen < caplen ? caplen : wirelen};
    h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
    h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull); /* nanosecond dump */
    pcap_dump((u_char *)out->d, &h, data);
    out->packets++;
}

void pcap_out_close(struct pcap_out *out)
{
    if (out->d)
        pcap_dump_close(out->d);
    if (out->dead)
        pcap_close(out->dead);
    memset(out, 0, sizeof(*out));
}
