/* The kernel's time per packet on this host: every packet of a trace run
 * with BPF_PROG_TEST_RUN and .repeat = N (the kernel reports the mean time
 * of one repetition), averaged over the packets. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "kernel.h"
#include "pcapio.h"
#include "report.h"

/* Frames in the first `limit` of a trace (0: all); < 0 on error. */
static int64_t count_frames(const char *pcap, uint64_t limit, char *err, size_t errlen)
{
    struct pcap_in in;
    if (pcap_in_open(&in, pcap, err, errlen) < 0)
        return -1;
    struct pkt_in pkt;
    int64_t n = 0;
    int rc;
    while ((!limit || (uint64_t)n < limit) && (rc = pcap_in_next(&in, &pkt, err, errlen)) == 1)
        n++;
    pcap_in_close(&in);
    return rc < 0 ? -1 : n;
}

void kbench_run(const char *object, const char *prog, const char *maps_in, const char *pcap,
                uint64_t limit, unsigned samples, unsigned repeat, struct kbench_result *res)
{
    memset(res, 0, sizeof(*res));
    char why[256], err[1024];
    if (!kernel_xdp_available(why, sizeof(why))) {
        res->status = REP_SKIP;
        snprintf(res->note, sizeof(res->note), "%s", why);
        return;
    }
    res->status = REP_FAILED;
    const struct engine_ops *ops = &engine_kernel_ops;
    /* per-CPU map contents are given for every possible CPU, as in diff */
    int ncpu = kernel_possible_cpus();
    struct engine_opts eo = {.object = object, .prog = prog, .n_cpus = ncpu > 0 ? (unsigned)ncpu : 1,
                             .prandom_seed = 1};
    struct engine *e = NULL;
    if (ops->open(&e, &eo, err, sizeof(err)) < 0) {
        snprintf(res->note, sizeof(res->note), "%s", err);
        return;
    }
    struct pcap_in in;
    bool have_in = false;
    uint32_t fd = 0;
    uint8_t *out = NULL;
    if (maps_in && maps_load_json(ops, e, maps_in, err, sizeof(err)) < 0) {
        snprintf(res->note, sizeof(res->note), "%s", err);
        goto done;
    }
    snprintf(res->prog, sizeof(res->prog), "%s", ops->prog_name(e));
    /* loads the object (first use) and gives the program's descriptor */
    int rc = ops->prog_ref(e, res->prog, &fd);
    if (rc < 0) {
        struct pkt_result pr;
        uint8_t probe[64] = {0};
        ops->run_packet(e, probe, sizeof(probe), &pr); /* the load error's text */
        snprintf(res->note, sizeof(res->note), "%s", pr.fault[0] ? pr.fault : strerror(-rc));
        goto done;
    }
    if (pcap_in_open(&in, pcap, err, sizeof(err)) < 0) {
        snprintf(res->note, sizeof(res->note), "%s", err);
        goto done;
    }
    have_in = true;
    /* every stride-th frame: `samples` frames spread over the trace, so that
     * the number of system calls (each may wait for the CPU on a busy host)
     * stays small while each one runs the program `repeat` times */
    int64_t frames = count_frames(pcap, limit, err, sizeof(err));
    if (frames < 0) {
        snprintf(res->note, sizeof(res->note), "%s", err);
        goto done;
    }
    uint64_t stride = samples && (uint64_t)frames > samples ? (uint64_t)frames / samples : 1;
    size_t cap = 65536 + 4096;
    out = malloc(cap);
    if (!out) {
        snprintf(res->note, sizeof(res->note), "out of memory");
        goto done;
    }
    struct pkt_in pkt;
    double sum = 0;
    uint64_t seen = 0;
    while ((!limit || seen < limit) && (rc = pcap_in_next(&in, &pkt, err, sizeof(err))) == 1) {
        if (seen++ % stride)
            continue;
        if (samples && res->packets + res->refused >= samples)
            break;
        if (pkt.caplen < 14 || pkt.caplen > 65536) {
            res->refused++;
            continue;
        }
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data, .data_size_in = pkt.caplen,
                    .data_out = out, .data_size_out = (uint32_t)cap, .repeat = repeat);
        if (bpf_prog_test_run_opts((int)fd, &opts) < 0) {
            res->refused++;
            continue;
        }
        sum += opts.duration;
        res->verdicts[opts.retval <= 4 ? opts.retval : 0]++;
        res->packets++;
    }
    if (rc < 0) {
        snprintf(res->note, sizeof(res->note), "%s", err);
        goto done;
    }
    if (!res->packets) {
        snprintf(res->note, sizeof(res->note), "BPF_PROG_TEST_RUN ran no packet of %s", pcap);
        goto done;
    }
    res->ns_per_packet = sum / (double)res->packets;
    res->status = REP_OK;
done:
    free(out);
    if (have_in)
        pcap_in_close(&in);
    ops->close(e);
}
