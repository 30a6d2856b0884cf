/* Trace output.
 *
 * pcap files are written with libpcap (pcap_open_dead + pcap_dump_open),
 * Ethernet link type, nanosecond timestamps unless --usec.  libpcap 1.10
 * can read pcapng but cannot write it, so --pcapng uses the small writer
 * below: one Section Header Block, one Interface Description Block and
 * one Enhanced Packet Block per frame, all little-endian. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pktgen.h"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ pcapng */

typedef struct ng_buf {
    uint8_t b[64 + PG_MAX_FRAME];
    size_t n;
} ng_buf;

static void le16(ng_buf *w, uint16_t v)
{
    w->b[w->n++] = (uint8_t)v;
    w->b[w->n++] = (uint8_t)(v >> 8);
}
static void le32(ng_buf *w, uint32_t v)
{
    le16(w, (uint16_t)v);
    le16(w, (uint16_t)(v >> 16));
}
static void bytes(ng_buf *w, const void *d, size_t n)
{
    memcpy(w->b + w->n, d, n);
    w->n += n;
    while (w->n % 4)
        w->b[w->n++] = 0;
}
/* Close a block started at offset 0: patch the length, append it again. */
static int block_end(ng_buf *w, FILE *f)
{
    uint32_t total = (uint32_t)w->n + 4;
    w->b[4] = (uint8_t)total;
    w->b[5] = (uint8_t)(total >> 8);
    w->b[6] = (uint8_t)(total >> 16);
    w->b[7] = (uint8_t)(total >> 24);
    le32(w, total);
    return fwrite(w->b, 1, w->n, f) == w->n ? 0 : -1;
}

static int ng_header(FILE *f, int usec, ng_buf *w)
{
    static const char app[] = "pktgen (ebpfsim traffic generator)";
    w->n = 0; /* Section Header Block */
    le32(w, 0x0a0d0d0a);
    le32(w, 0);
    le32(w, 0x1a2b3c4d);
    le16(w, 1);
    le16(w, 0);
    le32(w, 0xffffffff); /* section length unknown */
    le32(w, 0xffffffff);
    le16(w, 4); /* shb_userappl */
    le16(w, (uint16_t)(sizeof app - 1));
    bytes(w, app, sizeof app - 1);
    le32(w, 0); /* opt_endofopt */
    if (block_end(w, f))
        return -1;
    w->n = 0; /* Interface Description Block */
    le32(w, 1);
    le32(w, 0);
    le16(w, 1); /* LINKTYPE_ETHERNET */
    le16(w, 0);
    le32(w, PG_SNAPLEN);
    le16(w, 9); /* if_tsresol: 10^-9 or 10^-6 */
    le16(w, 1);
    uint8_t res = usec ? 6 : 9;
    bytes(w, &res, 1);
    le32(w, 0);
    return block_end(w, f);
}

static int ng_packet(FILE *f, ng_buf *w, uint64_t ts, const pg_pkt *p)
{
    w->n = 0; /* Enhanced Packet Block */
    le32(w, 6);
    le32(w, 0);
    le32(w, 0); /* interface 0 */
    le32(w, (uint32_t)(ts >> 32));
    le32(w, (uint32_t)ts);
    le32(w, p->caplen);
    le32(w, p->len);
    bytes(w, p->buf + p->head, p->caplen);
    return block_end(w, f);
}

/* ------------------------------------------------------------ driver */

int pg_write_trace(const pg_config *cfg, pg_stats *st, char *err, size_t errlen)
{
    pg_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    const char *path = cfg->out ? cfg->out : "-";
    pg_gen *g = pg_gen_new(cfg);
    if (!g) {
        seterr(err, errlen, "pktgen: cannot set up the generator (bad configuration or out of memory)");
        return -1;
    }

    pcap_t *pd = NULL;
    pcap_dumper_t *dump = NULL;
    FILE *f = NULL;
    ng_buf *w = NULL;
    int rc = -1;
    if (cfg->pcapng) {
        w = malloc(sizeof *w);
        f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
        if (!w || !f) {
            seterr(err, errlen, "pktgen: cannot open '%s' for writing: %s", path, strerror(errno));
            goto out;
        }
        if (ng_header(f, cfg->usec, w))
            goto ioerr;
    } else {
        pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, PG_SNAPLEN,
                                                  cfg->usec ? PCAP_TSTAMP_PRECISION_MICRO
                                                            : PCAP_TSTAMP_PRECISION_NANO);
        if (!pd) {
            seterr(err, errlen, "pktgen: pcap_open_dead failed");
            goto out;
        }
        dump = pcap_dump_open(pd, path);
        if (!dump) {
            seterr(err, errlen, "pktgen: cannot open '%s' for writing: %s", path, pcap_geterr(pd));
            goto out;
        }
    }

    for (uint64_t i = 0; i < cfg->count; i++) {
        const pg_pkt *p = pg_gen_next(g);
        uint32_t frac = cfg->usec ? p->ts_nsec / 1000 : p->ts_nsec;
        if (w) {
            uint64_t ts = p->ts_sec * (cfg->usec ? 1000000ull : 1000000000ull) + frac;
            if (ng_packet(f, w, ts, p))
                goto ioerr;
        } else {
            struct pcap_pkthdr h;
            memset(&h, 0, sizeof h);
            h.ts.tv_sec = (time_t)p->ts_sec;
            h.ts.tv_usec = (suseconds_t)frac; /* nanoseconds in a nanosecond-precision file */
            h.caplen = p->caplen;
            h.len = p->len;
            pcap_dump((u_char *)dump, &h, p->buf + p->head);
        }
        st->packets++;
        st->cap_bytes += p->caplen;
        st->wire_bytes += p->len;
        if (i + 1 == cfg->count) {
            uint64_t first = cfg->epoch * 1000000000ull;
            uint64_t end = p->ts_sec * 1000000000ull + p->ts_nsec +
                           pg_wire_bits(p->len) * 1000000000ull / cfg->rate_bps;
            st->duration_ns = end - first;
        }
    }
    memcpy(st->kinds, pg_gen_kind_counts(g), sizeof st->kinds);

    if (dump) {
        FILE *df = pcap_dump_file(dump);
        if (pcap_dump_flush(dump) || ferror(df))
            goto ioerr;
        pcap_dump_close(dump); /* closes the file */
        dump = NULL;
    } else if (f) {
        int bad = fflush(f) || ferror(f);
        if (f != stdout && fclose(f))
            bad = 1;
        f = NULL;
        if (bad)
            goto ioerr;
    }
    rc = 0;
    goto out;
ioerr:
    seterr(err, errlen, "pktgen: error writing '%s': %s", path, strerror(errno ? errno : EIO));
out:
    if (dump)
        pcap_dump_close(dump);
    if (pd)
        pcap_close(pd);
    if (f && f != stdout)
        fclose(f);
    free(w);
    pg_gen_free(g);
    return rc;
}
