/* Command-line options of build/pktgen.  Own parser (not getopt) so that
 * every error names the option and the library can test the messages. */
#include <stdarg.h>
#include <string.h>

#include "pktgen.h"

#define PG_MAX_EPOCH 4102444799ull /* 2099-12-31T23:59:59Z */
#define PG_MAX_RATE_GBPS 1000u

enum { O_OUT, O_COUNT, O_SEED, O_MIX, O_FLOWS, O_RATE, O_EPOCH, O_PCAPNG, O_USEC, O_STATS };

static const struct pg_opt {
    const char *name;
    char shortname;
    int has_arg;
    int id;
} options[] = {
    { "out", 'o', 1, O_OUT },       { "count", 'c', 1, O_COUNT },   { "seed", 's', 1, O_SEED },
    { "mix", 'm', 1, O_MIX },       { "flows", 'f', 1, O_FLOWS },   { "rate-gbps", 'r', 1, O_RATE },
    { "epoch", 0, 1, O_EPOCH },     { "pcapng", 0, 0, O_PCAPNG },   { "usec", 0, 0, O_USEC },
    { "stats", 0, 0, O_STATS },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return PG_ARGS_ERROR;
}

/* Unsigned decimal (or 0x hex when hex_ok) without sign, spaces or overflow. */
static int parse_u64(const char *s, int hex_ok, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* Decimal Gb/s with up to 9 fractional digits, exactly converted to bit/s. */
static int parse_gbps(const char *s, uint64_t *bps)
{
    uint64_t ip = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        ip = ip * 10 + (uint64_t)(*s - '0');
        if (ip > PG_MAX_RATE_GBPS)
            return -1;
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, fdigits++) {
            if (fdigits == 9)
                return -1;
            frac = frac * 10 + (uint64_t)(*s - '0');
        }
        if (!fdigits)
            return -1;
    }
    if (*s || (!digits && !fdigits))
        return -1;
    for (int i = fdigits; i < 9; i++)
        frac *= 10;
    uint64_t v = ip * 1000000000ull + frac;
    if (v == 0 || v > (uint64_t)PG_MAX_RATE_GBPS * 1000000000ull)
        return -1;
    *bps = v;
    return 0;
}

static void mix_list(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < pg_mix_count() && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", pg_mix_name(i));
}

int pg_parse_args(int argc, char *const argv[], pg_config *cfg, char *err, size_t errlen)
{
    pg_config_default(cfg);
    if (err && errlen)
        err[0] = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return PG_ARGS_HELP;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct pg_opt *o = NULL;
        const char *val = NULL;
        size_t nopts = sizeof options / sizeof options[0];
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < nopts; k++)
                if (strlen(options[k].name) == nl && !strncmp(options[k].name, name, nl))
                    o = &options[k];
            if (!o) {
                if (eq)
                    return fail(err, errlen, "pktgen: unknown option '--%.*s'", (int)nl, name);
                return fail(err, errlen, "pktgen: unknown option '%s'", a);
            }
            if (eq) {
                if (!o->has_arg)
                    return fail(err, errlen, "pktgen: option '--%s' takes no value", o->name);
                val = eq + 1;
            }
        } else if (a[0] == '-' && a[1] && !a[2]) {
            for (size_t k = 0; k < nopts; k++)
                if (options[k].shortname == a[1])
                    o = &options[k];
            if (!o)
                return fail(err, errlen, "pktgen: unknown option '%s'", a);
        } else {
            return fail(err, errlen, "pktgen: unexpected argument '%s' (options start with --)", a);
        }
        if (o->has_arg && !val) {
            if (i + 1 >= argc)
                return fail(err, errlen, "pktgen: option '--%s' needs a value", o->name);
            val = argv[++i];
        }
        uint64_t v;
        switch (o->id) {
        case O_OUT:
            if (!*val)
                return fail(err, errlen, "pktgen: invalid value '' for --out: expected a file name or '-'");
            cfg->out = val;
            break;
        case O_COUNT:
            if (parse_u64(val, 0, &v) || v < 1 || v > PG_MAX_COUNT)
                return fail(err, errlen,
                            "pktgen: invalid value '%s' for --count: expected an integer from 1 to %llu",
                            val, (unsigned long long)PG_MAX_COUNT);
            cfg->count = v;
            break;
        case O_SEED:
            if (parse_u64(val, 1, &v))
                return fail(err, errlen,
                            "pktgen: invalid value '%s' for --seed: expected an integer from 0 to "
                            "18446744073709551615 (decimal or 0x hex)",
                            val);
            cfg->seed = v;
            break;
        case O_MIX: {
            int m = pg_mix_lookup(val);
            if (m < 0) {
                char list[160];
                mix_list(list, sizeof list);
                return fail(err, errlen, "pktgen: invalid value '%s' for --mix: expected one of %s",
                            val, list);
            }
            cfg->mix = m;
            break;
        }
        case O_FLOWS:
            if (parse_u64(val, 0, &v) || v < 1 || v > PG_MAX_FLOWS)
                return fail(err, errlen,
                            "pktgen: invalid value '%s' for --flows: expected an integer from 1 to %u",
                            val, PG_MAX_FLOWS);
            cfg->flows = (uint32_t)v;
            break;
        case O_RATE:
            if (parse_gbps(val, &v))
                return fail(err, errlen,
                            "pktgen: invalid value '%s' for --rate-gbps: expected a number of Gb/s "
                            "above 0 and at most %u, with at most 9 decimals",
                            val, PG_MAX_RATE_GBPS);
            cfg->rate_bps = v;
            break;
        case O_EPOCH:
            if (parse_u64(val, 0, &v) || v > PG_MAX_EPOCH)
                return fail(err, errlen,
                            "pktgen: invalid value '%s' for --epoch: expected seconds since 1970 "
                            "from 0 to %llu",
                            val, (unsigned long long)PG_MAX_EPOCH);
            cfg->epoch = v;
            break;
        case O_PCAPNG:
            cfg->pcapng = 1;
            break;
        case O_USEC:
            cfg->usec = 1;
            break;
        default:
            cfg->stats = 1;
            break;
        }
    }
    if (!cfg->out)
        return fail(err, errlen, "pktgen: missing required option --out FILE");
    return PG_ARGS_OK;
}

void pg_usage(FILE *f)
{
    fprintf(f,
            "usage: pktgen --out FILE [options]\n"
            "\n"
            "Write a deterministic Ethernet trace: the same options give the same bytes.\n"
            "\n"
            "  -o, --out FILE        output file (pcap unless --pcapng); '-' for stdout\n"
            "  -c, --count N         number of frames (default %u, at most %llu)\n"
            "  -s, --seed S          PRNG seed, decimal or 0x hex (default %u)\n"
            "  -m, --mix NAME        traffic mix (default: default), see below\n"
            "  -f, --flows N         number of 5-tuple flows, Zipf popularity (default %u)\n"
            "  -r, --rate-gbps R     line rate for the timestamps, Gb/s (default 10)\n"
            "      --epoch SECONDS   timestamp of the first frame (default %llu,\n"
            "                        2024-01-01T00:00:00Z)\n"
            "      --pcapng          write pcapng instead of pcap\n"
            "      --usec            microsecond timestamps (default nanosecond)\n"
            "      --stats           print how many frames of each kind were written\n"
            "  -h, --help            this text\n"
            "\n"
            "Timestamps: frame i starts when frames 0..i-1 have taken their wire time,\n"
            "(frame length + 4 FCS + 8 preamble/SFD + 12 inter-frame gap) * 8 bits,\n"
            "at the line rate.  The clock is never read.\n"
            "\n"
            "Mixes:\n",
            PG_DEFAULT_COUNT, (unsigned long long)PG_MAX_COUNT, PG_DEFAULT_SEED, PG_DEFAULT_FLOWS,
            (unsigned long long)PG_DEFAULT_EPOCH);
    for (int i = 0; i < pg_mix_count(); i++)
        fprintf(f, "  %-10s %s\n", pg_mix_name(i), pg_mix_desc(i));
    fprintf(f, "\nExit status: 0 success, 1 write error, 2 bad options.\n");
}
