/* The SystemC system model's C interface (sim/systemc/nic.cpp). */
#ifndef EBPFSIM_NIC_H
#define EBPFSIM_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "ebpf_hwconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NIC_MAX_CORES 64

struct nic_options {
    const char *object;
    const char *prog;
    const char *pcap;
    const char *maps_in;
    uint64_t limit;          /* packets, 0 = all */
    /* The driver shim (docs/driver.md): a control-plane schedule run while
     * the traffic flows, its log (JSON lines), and one JSON line per frame
     * with its verdict, the time its program started and the program id. */
    const char *schedule;
    const char *schedule_log;
    const char *per_packet;
    struct ebpf_hwconfig cfg;
    /* Optional, for a progress line: called every 64 frames the MAC reads
     * with the frames so far and the fraction of the input read (< 0: not
     * known). */
    void (*progress)(void *user, uint64_t frames, double fraction);
    void *progress_user;
};

struct nic_report {
    uint64_t offered, refused, processed;
    uint64_t verdicts[5];
    uint64_t drop_rx_overflow, drop_tx_overflow, drop_host_ring;
    uint64_t faults;
    uint64_t insns, issue_cycles, stall[EBPF_STALL_COUNT];
    uint64_t map_accesses;
    double sim_seconds;      /* simulated time at the end */
    double offered_seconds;
    double mpps, gbps;       /* processed frames from first arrival to last verdict */
    double offered_mpps;     /* the input's rate */
    double lat_p50_ns, lat_p90_ns, lat_p99_ns, lat_p999_ns, lat_max_ns; /* ingress -> verdict */
    double egress_p50_ns, egress_p99_ns;  /* ingress -> leaving the NIC */
    unsigned n_cores;
    double core_util[NIC_MAX_CORES];
    uint64_t core_packets[NIC_MAX_CORES];
    char driver[4096];       /* the driver's summary lines ("" without the driver) */
    unsigned schedule_failed;
};

int nic_simulate(const struct nic_options *o, struct nic_report *rep, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
