/* The progress line shared by the long-running subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "progress.h"
#include "sim.h"

void progress_start(struct progress *p, const char *unit, bool quiet)
{
    p->on = !quiet && isatty(2);
    p->unit = unit;
    p->t0 = p->last = now_seconds();
    p->width = 0;
    p->interval = 0.5;
    const char *env = getenv("EBPFSIM_PROGRESS_INTERVAL");
    if (env) {
        char *end;
        double v = strtod(env, &end);
        if (end != env && v >= 0)
            p->interval = v;
    }
}

bool progress_due(const struct progress *p)
{
    return p->on && now_seconds() - p->last >= p->interval;
}

void progress_update(struct progress *p, uint64_t done, double fraction)
{
    if (!p->on)
        return;
    double now = now_seconds();
    if (now - p->last < p->interval)
        return;
    p->last = now;
    double elapsed = now - p->t0;
    char line[160];
    int n = snprintf(line, sizeof(line), "  %llu %s, %.0f %s/s", (unsigned long long)done, p->unit,
                     elapsed > 0 ? (double)done / elapsed : 0.0, p->unit);
    if (fraction >= 0 && n < (int)sizeof(line)) {
        if (fraction > 1)
            fraction = 1;
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", %.0f%%", fraction * 100);
        if (fraction > 0 && n < (int)sizeof(line))
            n += snprintf(line + n, sizeof(line) - (size_t)n, ", ETA %.0f s",
                          elapsed * (1 - fraction) / fraction);
    }
    if (n >= (int)sizeof(line))
        n = (int)sizeof(line) - 1;
    /* pad over a longer previous line */
    fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
    p->width = n;
}

void progress_end(struct progress *p)
{
    if (p->on && p->width)
        fprintf(stderr, "\r%*s\r", p->width, "");
    p->width = 0;
}
