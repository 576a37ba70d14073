/* h2_db.c — HTTP/2 streams that wait on the database.
 *
 * A stream whose route runs a statement parks (rs_h2_stream.parked): it
 * stays open with no response while the connection goes on reading and
 * answering its other streams.  The pool's answer names the stream in its
 * ticket; the stream's request is dispatched again from the head and body
 * it kept (the parameters and their text live only during a dispatch), and
 * the route answers from the rows, or runs again when a queued statement
 * may now be sent.  A stream the client reset meanwhile is gone from the
 * session: its answer is dropped. */
#include "app/access_log.h"
#include "app/reply.h"
#include "db/db_pool.h"
#include "h2/h2_conn.h"
#include "h2/h2_internal.h"

void rs_h2_db(rs_reactor *r, rs_conn *c, const rs_db_ticket *t, const rs_db_rows *rows, bool retry)
{
    rs_h2_conn *h = c->h2;
    if (!h || t->stream == 0 || t->stream > INT32_MAX)
        return;
    rs_h2_stream *st = nghttp2_session_get_stream_user_data(h->session, (int32_t)t->stream);
    if (!st || !st->parked)
        return;
    st->parked = 0;
    rs_reply reply;
    rs_params params;
    rs_route_match m;
    rs_access_entry access; /* the stream's log line is written with its answer */
    unsigned status = rs_h2_prepare(h, st, &reply, &params, &m, &access);
    if (status) /* it dispatched when it parked: not expected */
        rs_reply_error(&reply, status);
    else if (retry)
        rs_route_respond(m.route, &params, &reply);
    else
        rs_db_deliver(&reply, t, rows);
    rs_h2_finish(h, st, &reply);
    rs_h2_drained(r, c); /* the frames out, the connection re-evaluated */
}
