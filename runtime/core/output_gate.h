/* output_gate.h — when a connection may produce more output (DESIGN.md §2
 * rules 6 and 12), asked by every producer before it produces: the
 * HTTP/1.1 and WebSocket parse loops, static file reads, echo streaming.
 *
 * Two reasons to stop: the connection's own queue is at its cap
 * (output_queue), or it holds at least RS_OUTPUT_STEP while the worker's
 * budget is spent (buffer_budget.h).  Below the step it may go on: a
 * connection holding (almost) nothing cannot free anything by waiting, and
 * its own queue's drain is what resumes a paused connection (sent() in
 * conn_lifecycle.c) — one paused with nothing queued would never be woken.
 * The step is what each drain of a connection lets through while the budget
 * is spent: one output chunk's worth, so that a client that reads keeps a
 * useful rate rather than one response per round trip.  So the budget is
 * passed by at most one step (plus the response that crosses it) per
 * connection. */
#ifndef RS_OUTPUT_GATE_H
#define RS_OUTPUT_GATE_H

#include <stdbool.h>

#include "core/reactor.h"

#define RS_OUTPUT_STEP (16u * 1024u)

/* c must stop parsing, receiving and producing until its queue drains. */
static inline bool rs_output_blocked(const rs_reactor *r, const rs_conn *c)
{
    uint32_t owned = rs_outq_owned(&c->out);
    return owned >= r->opt->limits.output_queue || (owned >= RS_OUTPUT_STEP && rs_budget_spent(&r->budget));
}

/* A paused c may go on: its queue is below the low watermark, and either the
 * budget has room again or c's queue has drained. */
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
