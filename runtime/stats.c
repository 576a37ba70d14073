/* stats.c — one line of counters per worker, key=value, for scripts. */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>

void rs_stats_print(const rs_reactor *r)
{
    const rs_stats *s = &r->stats;
    fprintf(stderr,
            "stats worker=%d accepted=%" PRIu64 " closed=%" PRIu64 " refused_full=%" PRIu64
            " accept_errors=%" PRIu64 " requests=%" PRIu64 " 1xx=%" PRIu64 " 2xx=%" PRIu64 " 3xx=%" PRIu64
            " 4xx=%" PRIu64 " 5xx=%" PRIu64 " parse_errors=%" PRIu64 " stale_cqes=%" PRIu64
            " enobufs_pauses=%" PRIu64 " backpressure_pauses=%" PRIu64 " timeouts_header=%" PRIu64
            " timeouts_body=%" PRIu64 " timeouts_idle=%" PRIu64 " timeouts_write=%" PRIu64
            " timeouts_linger=%" PRIu64 "\n",
            r->index, s->accepted, s->closed, s->refused_full, s->accept_errors, s->requests,
            s->responses_by_class[1], s->responses_by_class[2], s->responses_by_class[3],
            s->responses_by_class[4], s->responses_by_class[5], s->parse_errors, s->stale_cqes,
            s->enobufs_pauses, s->backpressure_pauses, s->timeouts[RS_TIMER_HEADER],
            s->timeouts[RS_TIMER_BODY], s->timeouts[RS_TIMER_IDLE], s->timeouts[RS_TIMER_WRITE],
            s->timeouts[RS_TIMER_LINGER]);
}
