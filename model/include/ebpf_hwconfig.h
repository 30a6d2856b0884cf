/*
 * ebpf_hwconfig.h - every hardware parameter of the modelled NIC, read from
 * one INI file (docs/configuration.md lists the keys, defaults and ranges).
 * Unknown sections or keys and out-of-range values are rejected with
 * "FILE:LINE: ..." messages.
 */
#ifndef EBPF_HWCONFIG_H
#define EBPF_HWCONFIG_H

#include "ebpf_timing.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ebpf_dispatch { EBPF_DISPATCH_ROUND_ROBIN, EBPF_DISPATCH_FLOW_HASH };
enum ebpf_pacing { EBPF_PACE_LINE_RATE, EBPF_PACE_CAPTURE };

#define EBPF_HW_MAX_PLACEMENTS 64

struct ebpf_hwconfig {
    /* [core] */
    double clock_mhz;
    unsigned cores;
    struct ebpf_core_timing timing;
    /* [memory] */
    unsigned mem_ports[EBPF_PLACE_COUNT];
    struct {
        char map[64];
        uint8_t placement;
    } map_placement[EBPF_HW_MAX_PLACEMENTS];
    unsigned n_map_placements;
    /* [nic] */
    double line_rate_gbps;
    uint8_t pacing;           /* enum ebpf_pacing */
    uint32_t rx_buffer_bytes;
    uint32_t early_start_bytes;
    uint8_t dispatch;         /* enum ebpf_dispatch */
    uint32_t tx_queue_frames;
    /* [pcie] */
    unsigned pcie_gen;        /* 3, 4, 5 */
    unsigned pcie_lanes;      /* 1, 2, 4, 8, 16 */
    unsigned pcie_max_payload;      /* bytes */
    unsigned pcie_max_read_request; /* bytes */
    unsigned pcie_tlp_overhead;     /* bytes per TLP */
    double pcie_latency_ns;         /* one way */
    /* [rings] */
    uint32_t host_rx_ring;    /* descriptors for XDP_PASS frames to the host */
    uint32_t cmd_ring;        /* driver command submission ring */
};

void ebpf_hwconfig_default(struct ebpf_hwconfig *c);
/* Read path over the defaults; -EINVAL with "path:line: why" in err. */
int ebpf_hwconfig_load(struct ebpf_hwconfig *c, const char *path, char *err, size_t errlen);
/* Apply "section.key=value" (command-line overrides, sweeps). */
int ebpf_hwconfig_set(struct ebpf_hwconfig *c, const char *assignment, char *err, size_t errlen);
/* Load the file of every "--config FILE" or "--config=FILE" of a command line,
 * in order, before its options are parsed, so that --set (applied while they
 * are) overrides the files whatever the order. 0 or ebpf_hwconfig_load()'s
 * error; the option parser then skips --config. */
int ebpf_hwconfig_load_args(struct ebpf_hwconfig *c, int argc, char *const argv[], char *err,
                            size_t errlen);
/* Write every key with its value (INI), e.g. to record a run's setup. */
void ebpf_hwconfig_write(const struct ebpf_hwconfig *c, FILE *out);
/* Placement of a named map (the [memory] map.NAME keys, else the default). */
enum ebpf_placement ebpf_hwconfig_placement(const struct ebpf_hwconfig *c, const char *map);
/* Usable PCIe bandwidth in bytes per second (after line encoding). */
double ebpf_hwconfig_pcie_bytes_per_s(const struct ebpf_hwconfig *c);

#ifdef __cplusplus
}
#endif
#endif
