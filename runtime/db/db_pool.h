/* db_pool.h — each worker's Postgres connections, driven by its ring.
 *
 * A pool per worker (never shared: a socket's readiness fires on one ring)
 * of rs_db_target.per_worker libpq connections in pipeline mode, every
 * [sql.NAME] prepared on each as "s<i>".  Readiness comes from one-shot
 * POLL_ADDs tagged op | generation | pool slot like every other completion;
 * libpq is only ever called non-blocking.
 *
 * A request is identified by a ticket: its connection's (slot, generation)
 * and, on a connection that multiplexes, its stream.  The pool holds no
 * pointer to it and names nothing of HTTP.  It answers through the two
 * functions at the bottom (db_answer.c: they hand it to the connection's
 * protocol, rs_proto_ops.on_db). */
#ifndef RS_DB_POOL_H
#define RS_DB_POOL_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/ringspec.h"

struct rs_reactor;

typedef struct rs_db_ticket {
    uint32_t slot, gen; /* the client connection */
    uint32_t stream;    /* HTTP/2: the stream id; 0 for HTTP/1.1 */
    uint32_t epoch;     /* [cache.NAME]: the key's set epoch at the miss (db_cache.c) */
    rs_db_done done;    /* rs_db_run from a C handler: answers instead of the route; NULL otherwise */
    int64_t tag;        /* done's argument */
} rs_db_ticket;

/* The answer of ticket t into reply: t's callback (rs_db_run), else the
 * route's rs_route_db_done.  Called by the protocols' on_db. */
void rs_db_deliver(rs_reply *reply, const rs_db_ticket *t, const rs_db_rows *rows);

typedef enum rs_db_submit_result {
    RS_DB_SENT,        /* in a connection's pipeline: answered by rs_db_answered */
    RS_DB_QUEUED,      /* every pipeline is full (or the worker's budget is spent):
                        * rs_db_retry asks for it again when there is room */
    RS_DB_UNAVAILABLE, /* no connection is up: answer the failure reply now */
} rs_db_submit_result;

/* Per worker, on its own thread after the ring exists: starts connecting
 * (never waits for it).  0, or -ENOMEM. */
int rs_db_pool_init(struct rs_reactor *r);
void rs_db_pool_destroy(struct rs_reactor *r);

rs_db_submit_result rs_db_submit(struct rs_reactor *r, const rs_db_ticket *t, unsigned statement,
                                 const rs_str *args, unsigned nargs);

/* A POLL_ADD of a pool connection completed (op RS_OP_DB_POLL / _POLLOUT). */
void rs_db_on_poll(struct rs_reactor *r, unsigned op, uint32_t index, uint32_t gen, int res);

/* Once per loop, before the flush phase: reconnects that are due, teardown
 * of broken connections (their requests answered with the failure reply),
 * waiting requests let in where there is room. */
void rs_db_tick(struct rs_reactor *r);

/* Once per loop, after the flush phase: one PQpipelineSync per connection
 * with new statements, flushed, readiness armed. */
void rs_db_flush(struct rs_reactor *r);

/* Milliseconds until rs_db_tick has something to do (a reconnect), capped. */
uint32_t rs_db_next_wait(const struct rs_reactor *r, uint32_t cap_ms);

/* Requests waiting on the pool: sent and not answered, and queued. */
uint32_t rs_db_parked(const struct rs_reactor *r);

/* ---- db_answer.c: to the protocol of the ticket's connection (on_db) ---- */

/* The answer to the request of ticket t: rows, or NULL when the database
 * could not answer.  Ignored when that request is gone. */
void rs_db_answered(struct rs_reactor *r, const rs_db_ticket *t, const rs_db_rows *rows);

/* A queued request may now be sent: ask again (rs_db_submit). */
void rs_db_retry(struct rs_reactor *r, const rs_db_ticket *t);

#endif
