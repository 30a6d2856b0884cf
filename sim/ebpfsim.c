/* ebpfsim: the command-line front end of the eBPF offload simulator. */
#include <stdio.h>
#include <string.h>

#include "sim.h"

static const struct subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"run", cmd_run, "run an XDP object over a pcap trace (engines: model, kernel, rtl, cosim)"},
    {"diff", cmd_diff, "compare two engines (model, kernel, rtl, cosim) packet by packet and map by map"},
    {"nic", cmd_nic, "SystemC NIC model: throughput, latency, drops, core utilisation"},
    {"report", cmd_report, "throughput report over a sweep of NIC configurations (HTML, JSON, Markdown)"},
    {"info", cmd_info, "list the programs and maps of a BPF object"},
    {"asm", cmd_asm, "assemble text (bpf_conformance dialect) to bytecode"},
    {"disasm", cmd_disasm, "disassemble bytecode or a BPF ELF object"},
    {"conformance", cmd_conformance, "run a directory of bpf_conformance .data tests"},
    {"plugin", cmd_plugin, "bpf_conformance plugin protocol (program hex on stdin)"},
    {"kdiff", cmd_kdiff, "differential test of random programs against the Linux kernel"},
    {"bench", cmd_bench, "measure interpreter speed on standard kernels"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: ebpfsim <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n'ebpfsim <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ebpfsim: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
