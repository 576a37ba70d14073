/* http1_conn.h — HTTP/1.1 on a connection: bytes in, responses out.
 * Called by the reactor; calls generated dispatch/respond through
 * ringspec.h and the reactor's rs_conn_* hooks.  No I/O happens here. */
#ifndef RS_HTTP1_CONN_H
#define RS_HTTP1_CONN_H

#include "core/reactor.h"

void rs_http1_open(rs_reactor *r, rs_conn *c);

/* Bytes received.  They live in a provided buffer that is recycled when
 * this returns, so whatever is not consumed is copied to the spill.  Not
 * const: bytes that turn out to be WebSocket frames are unmasked in place. */
void rs_http1_input(rs_reactor *r, rs_conn *c, char *data, size_t len);

/* The output queue drained below the low watermark after a pause:
 * continue with the input kept in the spill. */
void rs_http1_resume(rs_reactor *r, rs_conn *c);

void rs_http1_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind);

/* The server is stopping: close idle connections now, flush and close
 * those with answers queued, and let a request or file in progress finish
 * its response first. */
void rs_http1_stop(rs_reactor *r, rs_conn *c);

/* The response sink of the connection's current request (http1_db.c
 * answers parked requests through it). */
void rs_http1_reply_init(rs_reply *reply, rs_reactor *r, rs_conn *c, bool close);

/* The sink of a request whose head and body are complete: kept alive unless
 * the request or a stopping server says otherwise, with its JSON body. */
void rs_http1_request_reply_init(rs_reply *reply, rs_reactor *r, rs_conn *c);

/* The slot is being freed: drop what the protocol holds. */
void rs_http1_release(rs_reactor *r, rs_conn *c);

/* rs_proto_ops.on_db: the database answered this connection's parked
 * request (http1_db.c). */
struct rs_db_ticket;
struct rs_db_rows;
void rs_http1_db(rs_reactor *r, rs_conn *c, const struct rs_db_ticket *t, const struct rs_db_rows *rows,
                 bool retry);

#endif
