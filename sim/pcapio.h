/* Reading traces (pcap and pcapng, through libpcap) and writing them. */
#ifndef EBPFSIM_PCAPIO_H
#define EBPFSIM_PCAPIO_H

#include <stdint.h>
#include <stdio.h>

struct pcap_in {
    void *p; /* pcap_t: opaque here so C++ and linux/bpf.h users can include this */
    const char *path;
    int linktype;
    uint64_t record;     /* records read so far */
    uint64_t file_size;
    uint8_t *conv;       /* buffer for frames converted to Ethernet */
    size_t conv_cap;
    const char *conversion; /* NULL, or what is done to each frame */
    char *iobuf;         /* the stream's buffer (libpcap reads a record in two freads) */
};

struct pkt_in {
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wirelen;
    uint64_t ts_ns;
};

/* Open a trace; other linktypes than Ethernet are converted where obvious
 * (raw IPv4/IPv6, Linux cooked, BSD loopback) or rejected. */
int pcap_in_open(struct pcap_in *in, const char *path, char *err, size_t errlen);
/* 1: a packet; 0: end of trace; < 0: error, err says "record N: ...". */
int pcap_in_next(struct pcap_in *in, struct pkt_in *pkt, char *err, size_t errlen);
/* Bytes of the file consumed so far (for progress). */
uint64_t pcap_in_offset(struct pcap_in *in);
void pcap_in_close(struct pcap_in *in);

struct pcap_out {
    void *dead; /* pcap_t */
    void *d;    /* pcap_dumper_t */
    uint64_t packets;
};

int pcap_out_open(struct pcap_out *out, const char *path, char *err, size_t errlen);
void pcap_out_write(struct pcap_out *out, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                    uint64_t ts_ns);
void pcap_out_close(struct pcap_out *out);

#endif
