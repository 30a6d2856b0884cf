/* build/pktgen: deterministic traffic generator (see pcaps/README.md). */
#include <stdio.h>

#include "pktgen.h"

int main(int argc, char **argv)
{
    pg_config cfg;
    char err[512];
    switch (pg_parse_args(argc, argv, &cfg, err, sizeof err)) {
    case PG_ARGS_HELP:
        pg_usage(stdout);
        return 0;
    case PG_ARGS_ERROR:
        fprintf(stderr, "%s\nTry 'pktgen --help' for more information.\n", err);
        return 2;
    default:
        break;
    }
    pg_stats st;
    if (pg_write_trace(&cfg, &st, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (cfg.stats) {
        /* stdout may carry the trace itself ('-'): report on stderr then */
        FILE *o = cfg.out[0] == '-' && !cfg.out[1] ? stderr : stdout;
        fprintf(o, "packets %llu, captured bytes %llu, wire bytes %llu (without FCS), "
                   "duration %llu ns at %llu bit/s\n",
                (unsigned long long)st.packets, (unsigned long long)st.cap_bytes,
                (unsigned long long)st.wire_bytes, (unsigned long long)st.duration_ns,
                (unsigned long long)cfg.rate_bps);
        for (int k = 0; k < PG_K_COUNT; k++)
            if (st.kinds[k])
                fprintf(o, "  %-18s %llu\n", pg_kind_name(k), (unsigned long long)st.kinds[k]);
    }
    return 0;
}
