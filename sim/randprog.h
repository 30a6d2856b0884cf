/* Random well-formed programs for differential testing (model vs kernel,
 * model vs RTL).  Programs are XDP programs the kernel verifier accepts:
 * straight-line ALU, forward branches, stack loads/stores and atomics; all
 * register and stack state is written into the packet at the end, so a
 * comparison of output bytes compares the complete machine state. */
#ifndef EBPFSIM_RANDPROG_H
#define EBPFSIM_RANDPROG_H

#include <stddef.h>
#include <stdint.h>

#include "ebpf.h"

#define RANDPROG_PKT_LEN 144 /* r0..r9 (80 bytes) + 8 stack slots (64 bytes) */
#define RANDPROG_MAX_INSNS 512

struct randprog_opts {
    unsigned body_len;   /* random instructions between prologue and epilogue */
    unsigned isa_version; /* highest ISA version to draw from (default 4) */
};

uint64_t randprog_next(uint64_t *state);
/* Generate one program; returns its length in slots. */
size_t randprog_generate(uint64_t seed, const struct randprog_opts *opts, struct ebpf_insn *out);

#endif
