/* ebpfsim nic: the SystemC system model - throughput, latency, drops and
 * core utilisation of the NIC running an XDP object over a trace. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "sim.h"
#include "systemc/nic.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ebpfsim nic PROG.o --pcap IN.pcap [options]\n"
            "  --config FILE        hardware parameters (INI; docs/configuration.md)\n"
            "  --set SEC.KEY=VALUE  override one parameter (repeatable), e.g. core.cores=4\n"
            "  --prog NAME          program (default: the first XDP program)\n"
            "  --maps-in FILE       map contents (JSON) installed before the run\n"
            "  --limit N            stop after N packets\n"
            "  --schedule FILE      control-plane operations at given times through the driver\n"
            "                       shim while the traffic flows (docs/driver.md)\n"
            "  --schedule-log FILE  one JSON object per schedule operation\n"
            "  --per-packet FILE    one JSON object per frame: verdict, program start, program\n"
            "  --json FILE          write the figures as JSON\n"
            "  --print-config       print the configuration in effect and exit\n"
            "  --quiet              no report on standard output\n");
}

static const char *const verdict_names[5] = {"aborted", "drop", "pass", "tx", "redirect"};

static void print_report(const struct nic_options *o, const struct nic_report *r)
{
    const struct ebpf_hwconfig *c = &o->cfg;
    printf("ebpfsim nic: %s over %s\n", o->object, o->pcap);
    printf("  hardware     %u cores at %.0f MHz, %.0f Gbit/s MAC (%s), maps in %s, %s dispatch\n",
           c->cores, c->clock_mhz, c->line_rate_gbps, c->pacing ? "capture timestamps" : "line rate",
           ebpf_placement_names[c->timing.default_placement],
           c->dispatch ? "flow-hash" : "round-robin");
    printf("  offered      %" PRIu64 " frames, %.2f Mpps", r->offered, r->offered_mpps);
    if (r->refused)
        printf(" (%" PRIu64 " shorter than 14 bytes ignored)", r->refused);
    printf("\n  processed    %" PRIu64 " frames: %.2f Mpps, %.2f Gbit/s\n", r->processed, r->mpps,
           r->gbps);
    printf("  verdicts    ");
    for (int k = 0; k < 5; k++)
        printf(" %s %" PRIu64 "%s", verdict_names[k], r->verdicts[k], k < 4 ? "," : "\n");
    printf("  drops        rx_overflow %" PRIu64 ", tx_overflow %" PRIu64 ", host_ring %" PRIu64
           "\n",
           r->drop_rx_overflow, r->drop_tx_overflow, r->drop_host_ring);
    printf("  latency      ingress->verdict p50 %.0f ns, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f; "
           "ingress->egress p50 %.0f, p99 %.0f\n",
           r->lat_p50_ns, r->lat_p90_ns, r->lat_p99_ns, r->lat_p999_ns, r->lat_max_ns,
           r->egress_p50_ns, r->egress_p99_ns);
    printf("  cores       ");
    for (unsigned k = 0; k < r->n_cores && k < NIC_MAX_CORES; k++)
        printf(" %u:%.0f%%", k, r->core_util[k] * 100);
    printf(" busy\n");
    printf("  IPC          %.3f (%" PRIu64 " instructions, %" PRIu64 " issue cycles); stalls:",
           r->issue_cycles ? (double)r->insns / (double)r->issue_cycles : 0.0, r->insns,
           r->issue_cycles);
    for (int k = 0; k < EBPF_STALL_COUNT; k++)
        printf(" %s %" PRIu64, ebpf_stall_names[k], r->stall[k]);
    printf("\n  simulated    %.6f s\n", r->sim_seconds);
}

static int write_json(const char *path, const struct nic_options *o, const struct nic_report *r,
                      double wall)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    const struct ebpf_hwconfig *c = &o->cfg;
    fprintf(f, "{\n \"object\": \"%s\",\n \"pcap\": \"%s\",\n", o->object, o->pcap);
    fprintf(f, " \"config\": {\"cores\": %u, \"clock_mhz\": %g, \"line_rate_gbps\": %g, "
               "\"placement\": \"%s\", \"dispatch\": \"%s\", \"pacing\": \"%s\"},\n",
            c->cores, c->clock_mhz, c->line_rate_gbps,
            ebpf_placement_names[c->timing.default_placement],
            c->dispatch ? "flow_hash" : "round_robin", c->pacing ? "capture" : "line_rate");
    fprintf(f, " \"offered\": %" PRIu64 ", \"offered_mpps\": %.6f, \"processed\": %" PRIu64
               ", \"mpps\": %.6f, \"gbps\": %.6f,\n",
            r->offered, r->offered_mpps, r->processed, r->mpps, r->gbps);
    fprintf(f, " \"verdicts\": {");
    for (int k = 0; k < 5; k++)
        fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", verdict_names[k], r->verdicts[k]);
    fprintf(f, "},\n \"drops\": {\"rx_overflow\": %" PRIu64 ", \"tx_overflow\": %" PRIu64
               ", \"host_ring\": %" PRIu64 "},\n",
            r->drop_rx_overflow, r->drop_tx_overflow, r->drop_host_ring);
    fprintf(f, " \"latency_ns\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"p999\": %.1f, "
               "\"max\": %.1f, \"egress_p50\": %.1f, \"egress_p99\": %.1f},\n",
            r->lat_p50_ns, r->lat_p90_ns, r->lat_p99_ns, r->lat_p999_ns, r->lat_max_ns,
            r->egress_p50_ns, r->egress_p99_ns);
    fprintf(f, " \"core_utilization\": [");
    for (unsigned k = 0; k < r->n_cores && k < NIC_MAX_CORES; k++)
        fprintf(f, "%s%.4f", k ? ", " : "", r->core_util[k]);
    fprintf(f, "],\n \"insns\": %" PRIu64 ", \"issue_cycles\": %" PRIu64 ", \"ipc\": %.4f,\n",
            r->insns, r->issue_cycles,
            r->issue_cycles ? (double)r->insns / (double)r->issue_cycles : 0.0);
    fprintf(f, " \"stalls\": {");
    for (int k = 0; k < EBPF_STALL_COUNT; k++)
        fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", ebpf_stall_names[k], r->stall[k]);
    fprintf(f, "},\n \"sim_seconds\": %.9f,\n \"wall_seconds\": %.6f\n}\n", r->sim_seconds, wall);
    return fclose(f) ? -errno : 0;
}

static void nic_progress(void *user, uint64_t frames, double fraction)
{
    progress_update(user, frames, fraction);
}

int cmd_nic(int argc, char **argv)
{
    struct nic_options o = {0};
    ebpf_hwconfig_default(&o.cfg);
    const char *json = NULL;
    bool quiet = false, print_config = false;
    char err[1024];
    static const struct option opts[] = {
        {"pcap", required_argument, 0, 'p'},   {"config", required_argument, 0, 'c'},
        {"set", required_argument, 0, 's'},    {"prog", required_argument, 0, 'P'},
        {"maps-in", required_argument, 0, 'i'}, {"limit", required_argument, 0, 'n'},
        {"json", required_argument, 0, 'j'},   {"print-config", no_argument, 0, 'C'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"schedule", required_argument, 0, 1001}, {"schedule-log", required_argument, 0, 1002},
        {"per-packet", required_argument, 0, 1003},
        {0, 0, 0, 0},
    };
    /* the config file first, so --set overrides it whatever the order */
    if (ebpf_hwconfig_load_args(&o.cfg, argc, argv, err, sizeof(err)) < 0) {
        errmsg("nic", "%s", err);
        return 2;
    }
    int c;
    while ((c = getopt_long(argc, argv, "p:c:s:P:i:n:j:Cqh", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o.pcap = optarg; break;
        case 'c': break;
        case 's':
            if (ebpf_hwconfig_set(&o.cfg, optarg, err, sizeof(err)) < 0) {
                errmsg("nic", "%s", err);
                return 2;
            }
            break;
        case 'P': o.prog = optarg; break;
        case 1001: o.schedule = optarg; break;
        case 1002: o.schedule_log = optarg; break;
        case 1003: o.per_packet = optarg; break;
        case 'i': o.maps_in = optarg; break;
        case 'n': o.limit = strtoull(optarg, NULL, 0); break;
        case 'j': json = optarg; break;
        case 'C': print_config = true; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (print_config) {
        ebpf_hwconfig_write(&o.cfg, stdout);
        return 0;
    }
    if (optind != argc - 1 || !o.pcap) {
        errmsg("nic", "expected PROG.o and --pcap IN.pcap");
        usage(stderr);
        return 2;
    }
    o.object = argv[optind];
    struct nic_report rep;
    struct progress prog;
    progress_start(&prog, "packets", quiet);
    o.progress = nic_progress;
    o.progress_user = &prog;
    double t0 = now_seconds();
    int rc = nic_simulate(&o, &rep, err, sizeof(err));
    double wall = now_seconds() - t0;
    progress_end(&prog);
    if (rc < 0) {
        errmsg("nic", "%s", err);
        if (rc != -EIO)
            return 1;
    }
    if (rep.offered == 0) {
        errmsg("nic", "%s: the trace holds no packets", o.pcap);
        return 1;
    }
    if (!quiet) {
        print_report(&o, &rep);
        printf("  wall time    %.3f s (%.0f packets/s simulated)\n", wall,
               wall > 0 ? (double)rep.offered / wall : 0.0);
        fputs(rep.driver, stdout);
    }
    if (json && write_json(json, &o, &rep, wall) < 0) {
        errmsg("nic", "%s: %s", json, strerror(errno));
        return 1;
    }
    if (rep.schedule_failed) {
        errmsg("nic", "%s: %u operations failed (see the summary or --schedule-log)", o.schedule,
               rep.schedule_failed);
        return 1;
    }
    return rc < 0 ? 1 : 0;
}
