/* buffer_budget.h — one per-worker budget for request data a worker holds
 * in memory on behalf of its connections: JSON request bodies (json_body.c)
 * and WebSocket message reassembly (ws_conn.c).
 *
 * Why: each of those has a per-connection limit (body_limit up to 16 MiB,
 * ws_message up to 1 GiB), but a worker serves thousands of connections, so
 * per-connection limits alone bound nothing in practice.  Buffers charge
 * their growth here before they grow and give it back when they are freed;
 * a growth that would pass [server.limits] buffered is refused and the
 * caller answers "try again later" (503 / close 1013). */
#ifndef RS_BUFFER_BUDGET_H
#define RS_BUFFER_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "reactor.h"

/* Takes bytes from the budget; false (nothing taken) when they do not fit. */
static inline bool rs_budget_charge(rs_reactor *r, size_t bytes)
{
    if (bytes > r->opt->limits.buffered - r->buffered)
        return false;
    r->buffered += bytes;
    return true;
}

/* Gives back bytes taken by rs_budget_charge. */
static inline void rs_budget_release(rs_reactor *r, size_t bytes)
{
    r->buffered -= bytes;
}

#endif
