/* ebpfsim bench: interpreter speed on standard kernels (medians of repeated
 * runs; the machines are shared, so single runs are not trusted). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "pcapio.h"
#include "sim.h"

struct bench_kernel {
    const char *name;
    const char *what;
    const char *text;
};

/* Each kernel loops r1 = ITER times; %s is replaced by the count. */
static const struct bench_kernel kernels[] = {
    {"alu", "tight ALU loop (5 insns/iter)",
     "mov %r0, 0\n"
     "lddw %r1, ITER\n"
     "loop:\n"
     "add %r0, %r1\n"
     "xor %r0, 0x55\n"
     "lsh %r0, 1\n"
     "sub %r1, 1\n"
     "jne %r1, 0, loop\n"
     "exit\n"},
    {"stack", "stack load/store loop (7 insns/iter)",
     "lddw %r1, ITER\n"
     "stdw [%r10-8], 0\n"
     "loop:\n"
     "ldxdw %r2, [%r10-8]\n"
     "add %r2, %r1\n"
     "stxdw [%r10-8], %r2\n"
     "ldxw %r3, [%r10-8]\n"
     "stxw [%r10-16], %r3\n"
     "sub %r1, 1\n"
     "jne %r1, 0, loop\n"
     "ldxdw %r0, [%r10-8]\n"
     "exit\n"},
    {"branchy", "data-dependent branches, LCG (9-10 insns/iter)",
     "mov %r0, 0\n"
     "mov %r2, 12345\n"
     "lddw %r1, ITER\n"
     "loop:\n"
     "mul %r2, 1103515245\n"
     "add %r2, 12345\n"
     "mov %r3, %r2\n"
     "rsh %r3, 16\n"
     "jset %r3, 1, odd\n"
     "add %r0, 3\n"
     "ja next\n"
     "odd:\n"
     "sub %r0, 1\n"
     "next:\n"
     "sub %r1, 1\n"
     "jne %r1, 0, loop\n"
     "exit\n"},
};

static void null_tracer(void *user, const struct ebpf_retire *rec)
{
    (*(uint64_t *)user) += rec->pc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *with_iterations(const char *text, uint64_t iter)
{
    const char *at = strstr(text, "ITER");
    size_t len = strlen(text) + 32;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%.*s%" PRIu64 "%s", (int)(at - text), text, iter, at + 4);
    return out;
}

/* End to end: an engine over a trace, packets per second (median of runs). */
struct e2e_prog {
    const char *label;
    const char *object;
    const char *maps_in;
};

static int e2e_once(const struct engine_ops *ops, const struct e2e_prog *p, const char *trace,
                    bool timing, uint64_t limit, double *seconds, uint64_t *packets,
                    double *insns_mean)
{
    struct engine_opts eo = {.object = p->object, .n_cpus = 1, .prandom_seed = 1, .timing = timing};
    struct engine *e;
    char err[1024];
    if (ops->open(&e, &eo, err, sizeof(err)) < 0) {
        errmsg("bench", "%s", err);
        return -1;
    }
    if (p->maps_in && maps_load_json(ops, e, p->maps_in, err, sizeof(err)) < 0) {
        errmsg("bench", "%s", err);
        ops->close(e);
        return -1;
    }
    struct pcap_in in;
    if (pcap_in_open(&in, trace, err, sizeof(err)) < 0) {
        errmsg("bench", "%s", err);
        ops->close(e);
        return -1;
    }
    struct pkt_in pkt;
    uint64_t n = 0, insns = 0;
    double t0 = now_seconds();
    while (n < limit && pcap_in_next(&in, &pkt, err, sizeof(err)) == 1) {
        struct pkt_result r;
        if (ops->run_packet(e, pkt.data, pkt.caplen, &r) < 0)
            break;
        insns += r.insns;
        n++;
    }
    *seconds = now_seconds() - t0;
    *packets = n;
    *insns_mean = n ? (double)insns / (double)n : 0;
    pcap_in_close(&in);
    ops->close(e);
    return 0;
}

static int bench_e2e(const char *trace, uint64_t limit, int repeats, bool kernel_ok)
{
    const char *lib = "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o";
    const struct e2e_prog progs[] = {
        {"drop (2 insns)", "build/corpus/drop.o", NULL},
        {"firewall (~50 insns)", "build/corpus/firewall.o", "sim/corpus/firewall.maps.json"},
        {"xdpfilt_dny_all (~130 insns)", lib, "sim/corpus/xdp-tools/xdpfilt_dny_all.maps.json"},
    };
    printf("\nend to end over %s (first %" PRIu64 " packets), median of %d runs\n", trace, limit,
           repeats);
    printf("%-30s %-14s %10s %12s %10s\n", "program", "engine", "insns/pkt", "seconds", "Mpps");
    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        for (int mode = 0; mode < 3; mode++) {
            const struct engine_ops *ops = mode == 2 ? &engine_kernel_ops : &engine_model_ops;
            const char *label = mode == 0 ? "model" : mode == 1 ? "model+timing" : "kernel";
            if (mode == 2 && !kernel_ok) {
                printf("%-30s %-14s %s\n", progs[i].label, label, "SKIP (bpf() refused)");
                continue;
            }
            double times[101];
            uint64_t packets = 0;
            double insns = 0;
            for (int r = 0; r < repeats; r++)
                if (e2e_once(ops, &progs[i], trace, mode == 1, limit, &times[r], &packets,
                             &insns) < 0)
                    return 1;
            qsort(times, (size_t)repeats, sizeof(double), cmp_double);
            double med = times[repeats / 2];
            char ins[32] = "-";
            if (mode < 2)
                snprintf(ins, sizeof(ins), "%.1f", insns);
            printf("%-30s %-14s %10s %12.3f %10.2f\n", progs[i].label, label, ins, med,
                   (double)packets / med / 1e6);
        }
    }
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    uint64_t iter = 20000000, e2e_limit = 1000000;
    int repeats = 5;
    bool traced = true;
    const char *e2e = NULL;
    static const struct option opts[] = {
        {"iterations", required_argument, 0, 'i'},
        {"repeat", required_argument, 0, 'r'},
        {"no-trace", no_argument, 0, 't'},
        {"e2e", required_argument, 0, 'e'},
        {"e2e-limit", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "i:r:te:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': iter = strtoull(optarg, NULL, 0); break;
        case 'r': repeats = atoi(optarg); break;
        case 't': traced = false; break;
        case 'e': e2e = optarg; break;
        case 'l': e2e_limit = strtoull(optarg, NULL, 0); break;
        case 'h':
            printf("usage: ebpfsim bench [--iterations N] [--repeat R] [--no-trace]\n"
                   "                     [--e2e TRACE [--e2e-limit N]]\n"
                   "  Median of R runs per kernel, bounds checks on; also the retire-trace mode.\n"
                   "  --e2e: instead, packets per second of the engines over TRACE (run from the repo\n"
                   "  root after make: uses build/corpus objects).\n");
            return 0;
        default: return 2;
        }
    }
    if (repeats < 1 || repeats > 101 || iter == 0) {
        errmsg("bench", "--repeat must be 1..101 and --iterations > 0");
        return 2;
    }
    if (e2e) {
        char why[256];
        extern int kernel_xdp_available(char *why, size_t len);
        return bench_e2e(e2e, e2e_limit, repeats < 3 ? repeats : 3,
                         kernel_xdp_available(why, sizeof(why)));
    }
    printf("interpreter speed, %" PRIu64 " loop iterations, median of %d runs\n", iter, repeats);
    printf("%-8s %-6s %-46s %12s %9s %9s\n", "kernel", "mode", "description", "instructions",
           "seconds", "Minsn/s");
    for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
        char *text = with_iterations(kernels[k].text, iter);
        struct ebpf_insn *insns;
        size_t n;
        char err[EBPF_ERR_LEN];
        if (!text || ebpf_asm(text, &insns, &n, err, sizeof(err)) < 0) {
            errmsg("bench", "kernel %s: %s", kernels[k].name, text ? err : "out of memory");
            free(text);
            return 1;
        }
        free(text);
        for (int mode = 0; mode < (traced ? 2 : 1); mode++) {
            ebpf_vm *vm = ebpf_vm_create(NULL);
            ebpf_vm_set_budget(vm, UINT64_MAX);
            ebpf_prog *prog;
            if (ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err)) < 0) {
                errmsg("bench", "kernel %s: %s", kernels[k].name, err);
                return 1;
            }
            uint64_t sink = 0;
            if (mode)
                ebpf_vm_set_tracer(vm, null_tracer, &sink);
            uint64_t iters = mode ? iter / 10 : iter;
            double times[101];
            struct ebpf_run_result res = {0};
            for (int r = 0; r < repeats; r++) {
                double t0 = now_seconds();
                /* traced mode runs a tenth of the iterations: it is slower */
                if (mode) {
                    ebpf_prog_destroy(prog);
                    char *t = with_iterations(kernels[k].text, iters);
                    struct ebpf_insn *ti;
                    size_t tn;
                    ebpf_asm(t, &ti, &tn, err, sizeof(err));
                    free(t);
                    ebpf_prog_load(vm, ti, tn, &prog, err, sizeof(err));
                    free(ti);
                    t0 = now_seconds();
                }
                ebpf_vm_run(vm, prog, 0, 0, &res);
                times[r] = now_seconds() - t0;
            }
            qsort(times, (size_t)repeats, sizeof(double), cmp_double);
            double med = times[repeats / 2];
            printf("%-8s %-6s %-46s %12" PRIu64 " %9.3f %9.1f\n", kernels[k].name,
                   mode ? "trace" : "fast", kernels[k].what, res.insns, med, res.insns / med / 1e6);
            ebpf_prog_destroy(prog);
            ebpf_vm_destroy(vm);
        }
        free(insns);
    }
    return 0;
}
