/* nicctl's subcommands outside nicctl.c. */
#ifndef NICCTL_H
#define NICCTL_H

/* nicctl bench [--ops N] [--repeat N] [--json FILE] */
int nicctl_bench(int argc, char **argv);

#endif
