/* stats.h — per-reactor counters, printed on SIGUSR1 and at exit with --stats. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include "core/reactor.h"

void rs_stats_print(const rs_reactor *r);

#endif
