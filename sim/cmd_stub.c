#include "sim.h"
int cmd_kdiff(int argc, char **argv) { (void)argc; (void)argv; return 0; }
int cmd_bench(int argc, char **argv) { (void)argc; (void)argv; return 0; }
