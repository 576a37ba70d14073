/* output_gate.h — when a connection may produce more output (DESIGN.md §2
 * rules 6 and 12), asked by every producer before it produces: the
 * HTTP/1.1 and WebSocket parse loops, static file reads, echo streaming.
 *
 * Two reasons to stop: the connection's own queue is at its cap
 * (output_queue), or it holds output while the worker's budget is spent
 * (buffer_budget.h).  A connection whose queue is empty may always produce
 * one step: it holds nothing, so waiting could not free anything, and its
 * own queue's drain is what resumes a paused connection (sent() in
 * conn_lifecycle.c) — a connection paused with nothing queued would never
 * be woken.  So the budget is passed by at most one step per connection. */
#ifndef RS_OUTPUT_GATE_H
#define RS_OUTPUT_GATE_H

#include <stdbool.h>

#include "reactor.h"

/* c must stop parsing, receiving and producing until its queue drains. */
static inline bool rs_output_blocked(const rs_reactor *r, const rs_conn *c)
{
    uint32_t owned = rs_outq_owned(&c->out);
    return owned >= r->opt->limits.output_queue || (owned > 0 && rs_budget_spent(&r->budget));
}

/* A paused c may go on: its queue is below the low watermark, and either the
 * budget has room again or c holds nothing. */
static inline bool rs_output_may_resume(const rs_reactor *r, const rs_conn *c)
{
    uint32_t owned = rs_outq_owned(&c->out);
    return owned <= r->opt->limits.output_queue / 2 && (owned == 0 || !rs_budget_spent(&r->budget));
}

/* Stops c for rs_output_blocked, counting why. */
static inline void rs_output_pause(rs_reactor *r, rs_conn *c)
{
    if (!(c->flags & RS_CF_PAUSED) && rs_outq_owned(&c->out) < r->opt->limits.output_queue)
        r->stats.budget_pauses++;
    rs_conn_pause(r, c);
}

#endif
