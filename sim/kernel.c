/* Kernel engine primitives over libbpf's low-level API. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

int kernel_load_xdp(const struct ebpf_insn *insns, size_t n, char *log, size_t loglen)
{
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = (unsigned)loglen,
                .log_level = log ? 1 : 0);
    if (log && loglen)
        log[0] = 0;
    int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "ebpfsim", "GPL", (const struct bpf_insn *)insns,
                           n, &opts);
    if (fd < 0 && log && loglen && !log[0]) {
        /* retry without a log so the error is the load's, not the log's */
        opts.log_buf = NULL;
        opts.log_size = 0;
        opts.log_level = 0;
        fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "ebpfsim", "GPL", (const struct bpf_insn *)insns, n,
                           &opts);
    }
    return fd < 0 ? -errno : fd;
}

int kernel_xdp_run(int prog_fd, const void *pkt, uint32_t len, void *out, uint32_t *out_len,
                   uint32_t *retval)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = out,
                .data_size_out = len + 512, .repeat = 1);
    int rc = bpf_prog_test_run_opts(prog_fd, &opts);
    if (rc < 0)
        return -errno;
    *out_len = opts.data_size_out;
    *retval = opts.retval;
    return 0;
}

int kernel_xdp_available(char *why, size_t len)
{
    /* r0 = XDP_PASS; exit */
    const struct ebpf_insn prog[2] = {
        ebpf_make_insn(EBPF_ROW_MOV64_IMM, 0, 0, 0, 2),
        ebpf_make_insn(EBPF_ROW_EXIT, 0, 0, 0, 0),
    };
    libbpf_set_print(NULL);
    int fd = kernel_load_xdp(prog, 2, NULL, 0);
    if (fd < 0) {
        snprintf(why, len, "bpf(BPF_PROG_LOAD) not permitted: %s", strerror(-fd));
        return 0;
    }
    uint8_t pkt[64] = {0}, out[64 + 512];
    uint32_t out_len, retval;
    int rc = kernel_xdp_run(fd, pkt, sizeof(pkt), out, &out_len, &retval);
    close(fd);
    if (rc < 0) {
        snprintf(why, len, "BPF_PROG_TEST_RUN not permitted: %s", strerror(-rc));
        return 0;
    }
    return 1;
}

int kernel_possible_cpus(void)
{
    return libbpf_num_possible_cpus();
}
