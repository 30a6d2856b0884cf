/* ebpfsim kdiff: random programs on the model and in the kernel, compared
 * on the full machine state the epilogue writes to the packet. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ebpf_xdp.h"
#include "engine.h"
#include "kernel.h"
#include "randprog.h"
#include "sim.h"

static void print_program(const struct ebpf_insn *insns, size_t n)
{
    char line[128];
    for (size_t i = 0; i < n;) {
        int used = ebpf_disasm_insn(insns, n, i, line, sizeof(line));
        fprintf(stderr, "    %4zu: %s\n", i, line);
        i += used == 2 ? 2 : 1;
    }
}

static void print_state(const char *who, const uint8_t *pkt, uint32_t retval)
{
    fprintf(stderr, "  %s: retval 0x%08" PRIx32 "\n", who, retval);
    for (int r = 0; r < 18; r++) {
        uint64_t v;
        memcpy(&v, pkt + 8 * r, 8);
        if (r < 10)
            fprintf(stderr, "    r%-2d = 0x%016" PRIx64 "\n", r, v);
        else
            fprintf(stderr, "    [r10-%d] = 0x%016" PRIx64 "\n", 8 * (r - 9), v);
    }
}

/* Run on the model; fills the output packet and r0. */
static int model_run(ebpf_vm *vm, struct ebpf_xdp_frame *frame, const struct ebpf_insn *insns,
                     size_t n, const uint8_t *pkt, uint8_t *out, uint64_t *r0, char *err,
                     size_t errlen)
{
    ebpf_prog *prog;
    int rc = ebpf_prog_load(vm, insns, n, &prog, err, errlen);
    if (rc < 0)
        return rc;
    ebpf_xdp_frame_load(frame, pkt, RANDPROG_PKT_LEN);
    ebpf_xdp_attach(vm, frame);
    struct ebpf_run_result res;
    rc = ebpf_vm_run(vm, prog, ebpf_xdp_ctx_addr(), 0, &res);
    if (rc < 0)
        ebpf_fault_format(&res.fault, err, errlen);
    memcpy(out, frame->buf + frame->data, RANDPROG_PKT_LEN);
    *r0 = res.r0;
    ebpf_prog_destroy(prog);
    return rc;
}

/* Random programs on the RTL in lockstep with the model (--engine cosim):
 * every retired instruction and every program's cycles are compared, and
 * the output packets (the whole machine state) must agree. */
static int rtl_random(const char *engine, unsigned long programs, uint64_t seed,
                      unsigned long body, const char *wave)
{
    bool cosim = !strcmp(engine, "cosim");
    char err[EBPF_ERR_LEN];
    struct rtl_plain *rtl = rtl_plain_create(cosim, wave, err, sizeof(err));
    ebpf_vm *vm = ebpf_vm_create(NULL);
    struct ebpf_xdp_frame frame, mframe;
    if (!rtl || !vm || ebpf_xdp_frame_init(&frame, 0) < 0 || ebpf_xdp_frame_init(&mframe, 0) < 0) {
        errmsg("kdiff", "%s", rtl ? "out of memory" : err);
        return 1;
    }
    struct ebpf_insn *insns = calloc(RANDPROG_MAX_INSNS, sizeof(*insns));
    unsigned long compared = 0, mismatches = 0;
    uint64_t insns_total = 0;
    struct randprog_opts ro = {.body_len = (unsigned)body, .isa_version = 4};
    for (unsigned long i = 0; insns && i < programs && mismatches < 3; i++) {
        uint64_t pseed = seed + i;
        size_t n = randprog_generate(pseed, &ro, insns);
        uint8_t pkt[RANDPROG_PKT_LEN], mout[RANDPROG_PKT_LEN];
        uint64_t st = pseed ^ 0xabcdef;
        for (size_t b = 0; b < sizeof(pkt); b++)
            pkt[b] = (uint8_t)randprog_next(&st);
        uint64_t mr0 = 0;
        int mrc = model_run(vm, &mframe, insns, n, pkt, mout, &mr0, err, sizeof(err));
        ebpf_prog *prog;
        int rc = ebpf_prog_load(vm, insns, n, &prog, err, sizeof(err));
        char label[96];
        snprintf(label, sizeof(label), "random program seed %" PRIu64, pseed);
        struct ebpf_run_result res = {0};
        if (rc == 0) {
            ebpf_xdp_frame_load(&frame, pkt, RANDPROG_PKT_LEN);
            rc = rtl_plain_run_xdp(rtl, vm, prog, &frame, label, &res, err, sizeof(err));
            ebpf_prog_destroy(prog);
        }
        compared++;
        insns_total += n;
        bool same = rc == 0 && mrc == 0 && (uint32_t)res.r0 == (uint32_t)mr0 &&
                    !memcmp(frame.buf + frame.data, mout, RANDPROG_PKT_LEN);
        if (!same) {
            mismatches++;
            fprintf(stderr, "kdiff: %s MISMATCH for seed %" PRIu64 " (reproduce: ebpfsim kdiff "
                    "--engine %s --seed %" PRIu64 " --programs 1 --length %lu)\n",
                    engine, pseed, engine, pseed, body);
            if (rc < 0)
                fprintf(stderr, "  %s: %s\n", engine, err);
            print_program(insns, n);
            print_state("model", mout, (uint32_t)mr0);
            print_state(engine, frame.buf + frame.data, (uint32_t)res.r0);
        }
    }
    rtl_plain_summary(rtl, "random programs", stdout);
    printf("%s differential: %lu programs compared (%" PRIu64 " instructions), %lu mismatches\n",
           engine, compared, insns_total, mismatches);
    int fails = rtl_plain_failures(rtl);
    free(insns);
    ebpf_xdp_frame_free(&frame);
    ebpf_xdp_frame_free(&mframe);
    ebpf_vm_destroy(vm);
    rtl_plain_destroy(rtl);
    return mismatches || fails ? 1 : 0;
}

int cmd_kdiff(int argc, char **argv)
{
    unsigned long programs = 1000, body = 48;
    uint64_t seed = 1;
    bool verbose = false;
    const char *engine = "kernel", *wave = NULL;
    static const struct option opts[] = {
        {"programs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},
        {"length", required_argument, 0, 'l'},
        {"verbose", no_argument, 0, 'v'},
        {"engine", required_argument, 0, 'e'},
        {"wave", required_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "n:s:l:ve:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': programs = strtoul(optarg, NULL, 0); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'l': body = strtoul(optarg, NULL, 0); break;
        case 'v': verbose = true; break;
        case 'e':
            engine = optarg;
            if (strcmp(engine, "kernel") && strcmp(engine, "rtl") && strcmp(engine, "cosim")) {
                errmsg("kdiff", "unknown engine '%s' (kernel, rtl, cosim)", engine);
                return 2;
            }
            break;
        case 'w': wave = optarg; break;
        case 'h':
            printf("usage: ebpfsim kdiff [--programs N] [--seed S] [--length L] [--verbose]\n"
                   "                     [--engine kernel|rtl|cosim] [--wave F.fst]\n"
                   "  Generates N random programs (program i uses seed S+i) and compares the\n"
                   "  model with the kernel's BPF_PROG_TEST_RUN on every register, the stack\n"
                   "  and the return value.  Skips with a reason where bpf() is refused.\n"
                   "  --engine rtl compares the model with the RTL core instead; cosim runs\n"
                   "  them in lockstep (every retired instruction and the cycles compared).\n");
            return 0;
        default: return 2;
        }
    }
    if (strcmp(engine, "kernel"))
        return rtl_random(engine, programs, seed, body, wave);
    char why[256];
    if (!kernel_xdp_available(why, sizeof(why))) {
        printf("SKIP: kernel differential: %s\n", why);
        return 0;
    }
    ebpf_vm *vm = ebpf_vm_create(NULL);
    struct ebpf_xdp_frame frame;
    if (!vm || ebpf_xdp_frame_init(&frame, 0) < 0) {
        errmsg("kdiff", "out of memory");
        return 1;
    }
    struct ebpf_insn *insns = calloc(RANDPROG_MAX_INSNS, sizeof(*insns));
    char *log = malloc(1 << 20);
    unsigned long compared = 0, mismatches = 0, rejected = 0;
    uint64_t insns_total = 0;
    struct randprog_opts ro = {.body_len = (unsigned)body, .isa_version = 4};
    for (unsigned long i = 0; i < programs && mismatches < 3; i++) {
        uint64_t pseed = seed + i;
        size_t n = randprog_generate(pseed, &ro, insns);
        uint8_t pkt[RANDPROG_PKT_LEN], mout[RANDPROG_PKT_LEN], kout[RANDPROG_PKT_LEN + 512];
        uint64_t st = pseed ^ 0xabcdef;
        for (size_t b = 0; b < sizeof(pkt); b++)
            pkt[b] = (uint8_t)randprog_next(&st);
        int fd = kernel_load_xdp(insns, n, log, 1 << 20);
        if (fd < 0) {
            rejected++;
            fprintf(stderr, "kdiff: seed %" PRIu64 ": kernel verifier rejected the program (%s)\n",
                    pseed, strerror(-fd));
            if (verbose) {
                print_program(insns, n);
                size_t l = strlen(log);
                fprintf(stderr, "%s\n", l > 2000 ? log + l - 2000 : log);
            }
            continue;
        }
        uint32_t kret = 0, klen = 0;
        int krc = kernel_xdp_run(fd, pkt, sizeof(pkt), kout, &klen, &kret);
        close(fd);
        char err[EBPF_ERR_LEN];
        uint64_t r0 = 0;
        int mrc = model_run(vm, &frame, insns, n, pkt, mout, &r0, err, sizeof(err));
        compared++;
        insns_total += n;
        bool same = krc == 0 && mrc == 0 && klen == RANDPROG_PKT_LEN &&
                    !memcmp(kout, mout, RANDPROG_PKT_LEN) && kret == (uint32_t)r0;
        if (!same) {
            mismatches++;
            fprintf(stderr, "kdiff: MISMATCH for seed %" PRIu64 " (reproduce: ebpfsim kdiff --seed %"
                    PRIu64 " --programs 1 --length %lu)\n", pseed, pseed, body);
            if (krc < 0)
                fprintf(stderr, "  kernel test run failed: %s\n", strerror(-krc));
            if (mrc < 0)
                fprintf(stderr, "  model failed: %s\n", err);
            print_program(insns, n);
            print_state("kernel", kout, kret);
            print_state("model", mout, (uint32_t)r0);
        }
    }
    printf("kernel differential: %lu programs compared (%" PRIu64 " instructions), %lu mismatches, "
           "%lu rejected by the verifier\n", compared, insns_total, mismatches, rejected);
    free(insns);
    free(log);
    ebpf_xdp_frame_free(&frame);
    ebpf_vm_destroy(vm);
    return mismatches || rejected ? 1 : 0;
}
