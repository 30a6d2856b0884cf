/* The kernel engine: real programs loaded with bpf(BPF_PROG_LOAD) and run
 * with BPF_PROG_TEST_RUN, the semantic oracle the model is checked against. */
#ifndef EBPFSIM_KERNEL_H
#define EBPFSIM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "ebpf.h"

/* CPUs the kernel sizes per-CPU maps for (libbpf_num_possible_cpus). */
int kernel_possible_cpus(void);
/* 1 if this process may load and test-run XDP programs; else 0 and why. */
int kernel_xdp_available(char *why, size_t len);
/* Load raw instructions as an XDP program; fd or -errno (log gets the
 * verifier's output on failure). */
int kernel_load_xdp(const struct ebpf_insn *insns, size_t n, char *log, size_t loglen);
/* One BPF_PROG_TEST_RUN with repeat = 1.  out must hold len + 512 bytes. */
int kernel_xdp_run(int prog_fd, const void *pkt, uint32_t len, void *out, uint32_t *out_len,
                   uint32_t *retval);

#endif
