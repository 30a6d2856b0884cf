/* Shared declarations of the ebpfsim command's subcommands. */
#ifndef EBPFSIM_SIM_H
#define EBPFSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ebpf.h"

int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_plugin(int argc, char **argv);
int cmd_conformance(int argc, char **argv);
int cmd_kdiff(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_nic(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Read a whole file (or "-" for stdin); NUL-terminated.  NULL + errno on error. */
char *read_file(const char *path, size_t *len);
/* Print "ebpfsim <cmd>: message" to stderr. */
void errmsg(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Monotonic time in seconds. */
double now_seconds(void);

#endif
