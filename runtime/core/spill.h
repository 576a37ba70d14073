/* spill.h — a connection's unconsumed input, kept between receives.
 *
 * Input is parsed in place in the provided buffer; only what is left at its
 * end (a partial HTTP head, or input not parsed because the connection is
 * paused for backpressure) is copied here.  Shared by HTTP/1.1 and
 * WebSocket, bounded by spill_limit (spill.c), freed as soon as it is empty,
 * and charged to the worker's budget (buffer_budget.h) while it is held. */
#ifndef RS_SPILL_H
#define RS_SPILL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/reactor.h"

/* Keeps data[0..n) as the connection's pending input; data may point into
 * the spill itself.  false: over the limit or out of memory. */
bool rs_spill_keep(rs_reactor *r, rs_conn *c, const char *data, size_t n);

/* Appends newly received bytes after the pending input. */
bool rs_spill_append(rs_reactor *r, rs_conn *c, const char *data, size_t n);

void rs_spill_free(rs_reactor *r, rs_conn *c);

#endif
