/* stats.h — per-reactor counters, printed on SIGUSR1 and at exit with --stats. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include "core/reactor.h"

void rs_stats_print(const rs_reactor *r);

/* The name of a timer kind ("header", "idle", ...): --stats prints
 * timeouts_<name>, the metrics route labels timer="<name>".  One table, so a
 * new kind cannot be named in one and missing from the other. */
const char *rs_stats_timer_name(unsigned kind);

/* Every worker of the process, for the metrics route (app/metrics.c), which
 * reads their counters from its own worker.  Set once by main before any
 * worker serves (the start barrier publishes it). */
void rs_stats_register(rs_reactor *const *workers, unsigned count);
unsigned rs_stats_workers(rs_reactor *const **workers);

/* A counter of another worker: its owner increments it with plain stores on
 * its hot path (no lock, no atomic read-modify-write); readers load it
 * relaxed, an aligned 64-bit load that never tears.  Totals are a snapshot
 * of counters that keep moving, as a scrape expects. */
static inline uint64_t rs_stats_load(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

#endif
