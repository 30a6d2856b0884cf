/* One progress line on standard error for long runs (run, diff, nic,
 * report): "  N packets, R packets/s, P%, ETA S s", redrawn in place at most
 * twice a second, shown only when standard error is a terminal. */
#ifndef EBPFSIM_PROGRESS_H
#define EBPFSIM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool on;           /* stderr is a terminal and the caller is not quiet */
    const char *unit;  /* "packets", "points" */
    double t0, last, interval;
    int width;         /* characters of the last line (to clear it) */
};

/* on: isatty(2) && !quiet.  EBPFSIM_PROGRESS_INTERVAL (seconds, default
 * 0.5) sets how often the line is redrawn. */
void progress_start(struct progress *p, const char *unit, bool quiet);
/* done units so far; fraction of the work done in [0, 1], or < 0 when not
 * known (then no percentage and no ETA). */
void progress_update(struct progress *p, uint64_t done, double fraction);
/* Whether progress_update() would redraw now: per-packet callers test it
 * first, so that the work of computing the fraction (a seek position) is
 * done only when the line is drawn. */
bool progress_due(const struct progress *p);
/* Erase the line (before printing anything else). */
void progress_end(struct progress *p);

#endif
