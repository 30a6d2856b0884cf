/* ebpfsim run: an XDP object over a trace, on one engine. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../driver/sim/drvsim.h"
#include "ebpf_hwconfig.h"
#include "ebpf_xdp.h"
#include "engine.h"
#include "pcapio.h"
#include "progress.h"
#include "sim.h"

struct run_stats {
    uint64_t packets, bytes, refused;
    uint64_t verdicts[5];
    uint64_t faults[EBPF_FAULT_COUNT];
    uint64_t insns_min, insns_max, insns_sum, insn_packets;
    uint64_t kernel_ns;
    uint64_t timed, cycles_min, cycles_max, cycles_sum, issue_sum, timed_insns;
    uint64_t stall[ENGINE_STALLS];
};

struct run_outputs {
    struct pcap_out pass, tx, redirect;
    FILE *redirect_tsv;
    FILE *per_packet;
    bool have_dir;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ebpfsim run PROG.o --pcap IN.pcap [options]\n"
            "  --prog NAME            program to run (default: the first XDP program)\n"
            "  --engine NAME          who runs it: model (default), kernel, rtl (the Verilog\n"
            "                         core under Verilator), cosim (RTL and model in lockstep)\n"
            "  --wave FILE            rtl, cosim: FST waveform (cosim: of the last packet run,\n"
            "                         the one that diverged if one did)\n"
            "  --cosim-json FILE      cosim: what was compared, as JSON, also after a mismatch\n"
            "                         (docs/rtl.md)\n"
            "  --out DIR              write pass.pcap, tx.pcap, redirect.pcap (+ redirect.tsv)\n"
            "  --per-packet FILE      one JSON object per packet (JSON lines)\n"
            "  --maps-in FILE         install map contents (JSON) before the run\n"
            "  --maps-out FILE        dump map contents (JSON) after the run\n"
            "  --cpus N               per-CPU map copies (model; default 1)\n"
            "  --linear-max N         linear bytes per frame (default 3520, as the kernel)\n"
            "  --seed N               bpf_get_prandom_u32 seed (model; default 1)\n"
            "  --trace-log FILE       bpf_trace_printk output (model)\n"
            "  --routes FILE          route table (JSON) for bpf_fib_lookup (model)\n"
            "  --events FILE          perf_event_output / ringbuf records (model)\n"
            "  --timing               charge cycles with the timing model (docs/microarchitecture.md)\n"
            "  --clock-mhz F          core clock for the throughput estimate (core.clock_mhz)\n"
            "  --config FILE          hardware parameters for --timing (INI; docs/configuration.md)\n"
            "  --set SEC.KEY=VALUE    override one parameter (repeatable), e.g. core.issue_width=1\n"
            "  --schedule FILE        control-plane operations at given times, through the driver\n"
            "                         shim (docs/driver.md); --maps-in/--maps-out go through it too\n"
            "  --schedule-log FILE    one JSON object per schedule operation (apply time, first packet)\n"
            "  --driver-faults SPEC   inject driver faults, e.g. dma=0.01,drop=0.01,reset=0.001,seed=1\n"
            "  --limit N              stop after N packets\n"
            "  --quiet                no summary\n");
}

static void write_hex(FILE *f, const uint8_t *b, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char buf[512];
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        buf[k++] = digits[b[i] >> 4];
        buf[k++] = digits[b[i] & 15];
        if (k == sizeof(buf)) {
            fwrite(buf, 1, k, f);
            k = 0;
        }
    }
    fwrite(buf, 1, k, f);
}

static void write_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void per_packet_line(FILE *f, uint64_t index, const struct pkt_in *pkt,
                            const struct pkt_result *r)
{
    if (r->refused) {
        fprintf(f, "{\"index\":%" PRIu64 ",\"verdict\":\"refused\",\"len_in\":%" PRIu32
                   ",\"reason\":",
                index, pkt->caplen);
        write_json_string(f, r->refused_why);
        fputs("}\n", f);
        return;
    }
    fprintf(f, "{\"index\":%" PRIu64 ",\"verdict\":\"%s\",\"retval\":%" PRIu64 ",\"len_in\":%" PRIu32
               ",\"len_out\":%" PRIu32 ",\"insns\":",
            index, ebpf_xdp_action_name(r->action), r->retval, pkt->caplen, r->data_len);
    if (r->has_insns)
        fprintf(f, "%" PRIu64, r->insns);
    else
        fputs("null", f);
    fputs(",\"data\":\"", f);
    write_hex(f, r->data, r->data_len);
    fputc('"', f);
    if (r->action == EBPF_XDP_REDIRECT && r->redirect_target >= 0) {
        fprintf(f, ",\"redirect\":{\"target\":%" PRId32 ",\"map\":", r->redirect_target);
        if (r->redirect_map)
            write_json_string(f, r->redirect_map);
        else
            fputs("null", f);
        fputc('}', f);
    }
    if (r->fault[0]) {
        fputs(",\"fault\":", f);
        write_json_string(f, r->fault);
    }
    if (r->has_timing) {
        fprintf(f, ",\"cycles\":%" PRIu64 ",\"issue_cycles\":%" PRIu64 ",\"ipc\":%.3f,\"stalls\":{",
                r->cycles, r->issue_cycles,
                r->issue_cycles ? (double)r->insns / (double)r->issue_cycles : 0.0);
        for (int k = 0; k < ENGINE_STALLS; k++)
            fprintf(f, "%s\"%s\":%" PRIu64, k ? "," : "", engine_stall_name(k), r->stall[k]);
        fputc('}', f);
    }
    fputs("}\n", f);
}

static int open_outputs(struct run_outputs *o, const char *dir, const char *per_packet, char *err,
                        size_t errlen)
{
    memset(o, 0, sizeof(*o));
    if (per_packet && !(o->per_packet = fopen(per_packet, "w"))) {
        snprintf(err, errlen, "%s: %s", per_packet, strerror(errno));
        return -errno;
    }
    if (!dir)
        return 0;
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -errno;
    }
    char path[4096];
    struct { struct pcap_out *out; const char *name; } files[] = {
        {&o->pass, "pass.pcap"}, {&o->tx, "tx.pcap"}, {&o->redirect, "redirect.pcap"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        if (pcap_out_open(files[i].out, path, err, errlen) < 0)
            return -EIO;
    }
    snprintf(path, sizeof(path), "%s/redirect.tsv", dir);
    if (!(o->redirect_tsv = fopen(path, "w"))) {
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
        return -errno;
    }
    fprintf(o->redirect_tsv, "# packet in redirect.pcap\tinput record\ttarget\tmap\n");
    o->have_dir = true;
    return 0;
}

static void close_outputs(struct run_outputs *o)
{
    if (o->have_dir) {
        pcap_out_close(&o->pass);
        pcap_out_close(&o->tx);
        pcap_out_close(&o->redirect);
    }
    if (o->redirect_tsv)
        fclose(o->redirect_tsv);
    if (o->per_packet)
        fclose(o->per_packet);
}

static void record_outputs(struct run_outputs *o, uint64_t index, const struct pkt_in *pkt,
                           const struct pkt_result *r)
{
    if (o->per_packet)
        per_packet_line(o->per_packet, index, pkt, r);
    if (!o->have_dir || r->refused)
        return;
    /* Keep the wire length's excess over the captured bytes. */
    uint32_t wire = r->data_len + (pkt->wirelen > pkt->caplen ? pkt->wirelen - pkt->caplen : 0);
    switch (r->action) {
    case EBPF_XDP_PASS: pcap_out_write(&o->pass, r->data, r->data_len, wire, pkt->ts_ns); break;
    case EBPF_XDP_TX: pcap_out_write(&o->tx, r->data, r->data_len, wire, pkt->ts_ns); break;
    case EBPF_XDP_REDIRECT:
        pcap_out_write(&o->redirect, r->data, r->data_len, wire, pkt->ts_ns);
        fprintf(o->redirect_tsv, "%" PRIu64 "\t%" PRIu64 "\t%" PRId32 "\t%s\n",
                o->redirect.packets - 1, index, r->redirect_target,
                r->redirect_map ? r->redirect_map : "-");
        break;
    default: break;
    }
}

static void account(struct run_stats *s, const struct pkt_in *pkt, const struct pkt_result *r)
{
    s->packets++;
    s->bytes += pkt->caplen;
    if (r->refused) {
        s->refused++;
        return;
    }
    s->verdicts[r->action < 5 ? r->action : 0]++;
    if (r->fault_kind < EBPF_FAULT_COUNT && r->fault_kind)
        s->faults[r->fault_kind]++;
    s->kernel_ns += r->duration_ns;
    if (r->has_timing) {
        if (!s->timed || r->cycles < s->cycles_min)
            s->cycles_min = r->cycles;
        if (r->cycles > s->cycles_max)
            s->cycles_max = r->cycles;
        s->cycles_sum += r->cycles;
        s->issue_sum += r->issue_cycles;
        s->timed_insns += r->insns;
        for (int k = 0; k < ENGINE_STALLS; k++)
            s->stall[k] += r->stall[k];
        s->timed++;
    }
    if (r->has_insns) {
        if (!s->insn_packets || r->insns < s->insns_min)
            s->insns_min = r->insns;
        if (r->insns > s->insns_max)
            s->insns_max = r->insns;
        s->insns_sum += r->insns;
        s->insn_packets++;
    }
}

static void print_timing(const struct run_stats *s, const struct ebpf_hwconfig *hw)
{
    if (!s->timed)
        return;
    double clock_mhz = hw->clock_mhz;
    double mean = (double)s->cycles_sum / (double)s->timed;
    /* back to back, a core spends the issue cycles plus the exit bubble */
    double b2b = (double)s->issue_sum / (double)s->timed + hw->timing.exit_gap;
    printf("  cycles       min %" PRIu64 ", mean %.1f, max %" PRIu64 " per packet (standalone)\n",
           s->cycles_min, mean, s->cycles_max);
    printf("  IPC          %.3f (%" PRIu64 " instructions in %" PRIu64 " issue cycles)\n",
           s->issue_sum ? (double)s->timed_insns / (double)s->issue_sum : 0.0, s->timed_insns,
           s->issue_sum);
    printf("  stalls      ");
    for (int k = 0; k < ENGINE_STALLS; k++)
        printf(" %s %" PRIu64 "%s", engine_stall_name(k), s->stall[k], k + 1 < ENGINE_STALLS ? "," : "\n");
    printf("  throughput   %.2f Mpps per core at %.0f MHz (%.1f cycles per packet back to back)\n",
           clock_mhz / b2b, clock_mhz, b2b);
}

static void print_summary(const struct run_stats *s, const char *object, const char *prog,
                          const char *engine, double seconds)
{
    printf("ebpfsim run: %s, program %s, engine %s\n", object, prog, engine);
    printf("  packets      %" PRIu64 " (%" PRIu64 " bytes)", s->packets, s->bytes);
    if (s->refused)
        printf(", %" PRIu64 " refused (shorter than 14 bytes)", s->refused);
    printf("\n  verdicts     pass %" PRIu64 ", drop %" PRIu64 ", tx %" PRIu64 ", redirect %" PRIu64
           ", aborted %" PRIu64 "\n",
           s->verdicts[EBPF_XDP_PASS], s->verdicts[EBPF_XDP_DROP], s->verdicts[EBPF_XDP_TX],
           s->verdicts[EBPF_XDP_REDIRECT], s->verdicts[EBPF_XDP_ABORTED]);
    if (s->insn_packets)
        printf("  insns/packet min %" PRIu64 ", mean %.1f, max %" PRIu64 "\n", s->insns_min,
               (double)s->insns_sum / (double)s->insn_packets, s->insns_max);
    uint64_t nfaults = 0;
    for (int k = 1; k < EBPF_FAULT_COUNT; k++)
        nfaults += s->faults[k];
    printf("  faults       %" PRIu64, nfaults);
    for (int k = 1; k < EBPF_FAULT_COUNT; k++)
        if (s->faults[k])
            printf("%s %s %" PRIu64, k == 1 ? " (" : ", ", ebpf_fault_names[k], s->faults[k]);
    printf("%s\n", nfaults ? ")" : "");
    uint64_t ran = s->packets - s->refused;
    printf("  wall time    %.3f s, %.3f Mpps simulated\n", seconds,
           seconds > 0 ? (double)ran / seconds / 1e6 : 0.0);
    if (s->kernel_ns && ran)
        printf("  kernel time  %.1f ns/packet (BPF_PROG_TEST_RUN duration)\n",
               (double)s->kernel_ns / (double)ran);
}

int cmd_run(int argc, char **argv)
{
    struct engine_opts eo = {.n_cpus = 1, .prandom_seed = 1};
    const char *pcap_path = NULL, *engine_name = "model", *out_dir = NULL, *per_packet = NULL;
    const char *maps_in = NULL, *maps_out = NULL;
    const char *schedule = NULL, *schedule_log = NULL, *driver_faults = NULL;
    const char *cosim_json = NULL;
    uint64_t limit = UINT64_MAX;
    struct ebpf_hwconfig hw;
    ebpf_hwconfig_default(&hw);
    eo.hw = &hw;
    char err[1024];
    bool quiet = false;
    static const struct option opts[] = {
        {"pcap", required_argument, 0, 'p'},     {"prog", required_argument, 0, 'P'},
        {"engine", required_argument, 0, 'e'},   {"out", required_argument, 0, 'o'},
        {"per-packet", required_argument, 0, 'j'}, {"maps-in", required_argument, 0, 'i'},
        {"maps-out", required_argument, 0, 'm'}, {"cpus", required_argument, 0, 'c'},
        {"linear-max", required_argument, 0, 'L'}, {"seed", required_argument, 0, 's'},
        {"trace-log", required_argument, 0, 't'}, {"events", required_argument, 0, 'E'},
        {"limit", required_argument, 0, 'n'},    {"quiet", no_argument, 0, 'q'},
        {"timing", no_argument, 0, 'T'},         {"clock-mhz", required_argument, 0, 'C'},
        {"routes", required_argument, 0, 'R'},   {"config", required_argument, 0, 'F'},
        {"set", required_argument, 0, 'S'},      {"wave", required_argument, 0, 'W'},
        {"schedule", required_argument, 0, 1001}, {"schedule-log", required_argument, 0, 1002},
        {"driver-faults", required_argument, 0, 1003}, {"cosim-json", required_argument, 0, 1004},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
    };
    /* the config file first, so --set and --clock-mhz override it whatever the order */
    if (ebpf_hwconfig_load_args(&hw, argc, argv, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        return 2;
    }
    int c;
    while ((c = getopt_long(argc, argv, "p:P:e:o:j:i:m:c:L:s:t:E:n:qTC:R:F:S:W:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': pcap_path = optarg; break;
        case 'P': eo.prog = optarg; break;
        case 'e': engine_name = optarg; break;
        case 'o': out_dir = optarg; break;
        case 'j': per_packet = optarg; break;
        case 'i': maps_in = optarg; break;
        case 'm': maps_out = optarg; break;
        case 'c': eo.n_cpus = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'L': eo.linear_max = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 's': eo.prandom_seed = strtoull(optarg, NULL, 0); break;
        case 't': eo.trace_log = optarg; break;
        case 'E': eo.events = optarg; break;
        case 'n': limit = strtoull(optarg, NULL, 0); break;
        case 'q': quiet = true; break;
        case 'T': eo.timing = true; break;
        case 'R': eo.routes = optarg; break;
        case 'W': eo.wave = optarg; break;
        case 1001: schedule = optarg; break;
        case 1002: schedule_log = optarg; break;
        case 1003: driver_faults = optarg; break;
        case 1004: cosim_json = optarg; break;
        case 'F': break;
        case 'S':
            if (ebpf_hwconfig_set(&hw, optarg, err, sizeof(err)) < 0) {
                errmsg("run", "%s", err);
                return 2;
            }
            break;
        case 'C':
            hw.clock_mhz = strtod(optarg, NULL);
            if (!(hw.clock_mhz >= 1 && hw.clock_mhz <= 10000)) {
                errmsg("run", "--clock-mhz must be 1..10000");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || !pcap_path) {
        errmsg("run", optind >= argc ? "expected a BPF object (PROG.o)" : "expected --pcap IN.pcap");
        usage(stderr);
        return 2;
    }
    eo.object = argv[optind];
    if (eo.n_cpus < 1 || eo.n_cpus > 1024) {
        errmsg("run", "--cpus must be 1..1024");
        return 2;
    }
    if (eo.linear_max && (eo.linear_max < 64 || eo.linear_max > 65536)) {
        errmsg("run", "--linear-max must be 64..65536");
        return 2;
    }
    const struct engine_ops *ops = engine_find(engine_name);
    if (!ops) {
        errmsg("run", "unknown engine '%s' (model, kernel, rtl, cosim)", engine_name);
        return 2;
    }
    if (cosim_json && !ops->cosim_stats) {
        errmsg("run", "--cosim-json needs --engine cosim (the %s engine compares nothing)", ops->name);
        return 2;
    }
    struct pcap_in in;
    if (pcap_in_open(&in, pcap_path, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        return 1;
    }
    if (in.conversion && !quiet)
        fprintf(stderr, "ebpfsim run: %s: linktype %d: %s\n", pcap_path, in.linktype, in.conversion);
    struct engine *e = NULL;
    if (ops->open(&e, &eo, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        pcap_in_close(&in);
        return 1;
    }
    int status = 0;
    struct run_outputs outs;
    /* Engines with a model object (model, rtl, cosim): maps and schedules
     * go through the driver shim (docs/driver.md). */
    struct drvsim *drv = NULL;
    if ((maps_in || maps_out || schedule) && ops->object && ops->object(e)) {
        struct drvsim_opts dopts = {.hw = &hw, .n_cpus = eo.n_cpus, .schedule = schedule,
                                    .faults = driver_faults};
        if (drvsim_open(&drv, ops, e, &dopts, err, sizeof(err)) < 0) {
            errmsg("run", "%s", err);
            status = 1;
            goto done_engine;
        }
    } else if (schedule) {
        errmsg("run", "--schedule needs an engine whose maps the driver reaches (model, rtl, "
                      "cosim), not %s", ops->name);
        status = 2;
        goto done_engine;
    }
    if (maps_in && (drv ? drvsim_maps_in(drv, maps_in, err, sizeof(err))
                        : maps_load_json(ops, e, maps_in, err, sizeof(err))) < 0) {
        errmsg("run", "%s", err);
        status = 1;
        goto done_engine;
    }
    if (open_outputs(&outs, out_dir, per_packet, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        close_outputs(&outs);
        status = 1;
        goto done_engine;
    }
    struct run_stats stats = {0};
    struct progress prog;
    progress_start(&prog, "packets", quiet);
    double t0 = now_seconds();
    struct pkt_in pkt;
    int rc = 0;
    uint64_t ts0 = 0;
    while (stats.packets < limit && (rc = pcap_in_next(&in, &pkt, err, sizeof(err))) == 1) {
        struct pkt_result r;
        if (drv && !stats.packets) {
            drvsim_start(drv);
            ts0 = pkt.ts_ns;
        }
        /* the NIC applies what is due by the packet's time (from the first packet) */
        if (schedule && drvsim_packet(drv, in.record - 1, pkt.ts_ns > ts0 ? (pkt.ts_ns - ts0) * 1000 : 0,
                                      r.fault, sizeof(r.fault)) < 0) {
            errmsg("run", "record %" PRIu64 ": %s", in.record, r.fault);
            status = 1;
            break;
        }
        if (ops->set_time)
            ops->set_time(e, pkt.ts_ns);
        if (ops->run_packet(e, pkt.data, pkt.caplen, &r) < 0) {
            errmsg("run", "record %" PRIu64 ": %s", in.record, r.fault);
            status = 1;
            break;
        }
        record_outputs(&outs, in.record - 1, &pkt, &r);
        account(&stats, &pkt, &r);
        if (progress_due(&prog))
            progress_update(&prog, stats.packets,
                            in.file_size ? (double)pcap_in_offset(&in) / (double)in.file_size : -1);
    }
    double seconds = now_seconds() - t0;
    progress_end(&prog);
    if (rc < 0) {
        /* packets before the bad record are processed and written */
        errmsg("run", "%s (%" PRIu64 " packets before it were processed)", err, stats.packets);
        status = 1;
    } else if (stats.packets == 0 && status == 0) {
        errmsg("run", "%s: the trace holds no packets", pcap_path);
        status = 1;
    }
    close_outputs(&outs);
    if (schedule && status == 0 && drvsim_finish(drv, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        status = 1;
    }
    if (!quiet && stats.packets) {
        print_summary(&stats, eo.object, ops->prog_name(e), ops->name, seconds);
        print_timing(&stats, &hw);
        if (drv)
            drvsim_summary(drv, stdout);
    }
    if (drv && drvsim_failed(drv)) {
        errmsg("run", "%s: %u operations failed (see the summary or --schedule-log)", schedule,
               drvsim_failed(drv));
        status = 1;
    }
    if (schedule_log && drv && drvsim_write_log(drv, schedule_log, err, sizeof(err)) < 0) {
        errmsg("run", "%s", err);
        status = 1;
    }
    if (maps_out && (drv ? drvsim_maps_out(drv, maps_out, err, sizeof(err))
                         : maps_dump_json(ops, e, maps_out, err, sizeof(err))) < 0) {
        errmsg("run", "%s", err);
        status = 1;
    }
done_engine:
    if (cosim_json) {
        struct engine_cosim_stats cs;
        ops->cosim_stats(e, &cs);
        if (cosim_json_write(cosim_json, eo.object, ops->prog_name(e), pcap_path, status, &cs, err,
                             sizeof(err)) < 0) {
            errmsg("run", "%s", err);
            status = 1;
        }
    }
    /* the engine first: it may run a program of an object the schedule opened */
    ops->close(e);
    drvsim_close(drv);
    pcap_in_close(&in);
    return status;
}
