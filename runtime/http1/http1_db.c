/* http1_db.c — HTTP/1.1 requests that wait on the database.
 *
 * A route that runs a statement calls rs_reply_db from its respond
 * function; the request parks (RS_CF_DB_WAIT): the connection parses
 * nothing behind it, so pipelined responses keep their order, and it stops
 * receiving once the bytes that follow are in its spill.  The pool
 * (runtime/db/) answers through rs_http1_db (the protocol's on_db), with
 * the rows or to ask a queued request again. */
#include <string.h>

#include "app/json_body.h"
#include "app/reply.h"
#include "app/request_text.h"
#include "core/conn_lifecycle.h"
#include "db/db_pool.h"
#include "http1/http1_conn.h"

/* Answers with rows (NULL: the failure reply), or asks the route again
 * (retry), then goes on with what the client sent behind the request.
 * Ignored unless the connection's request is the one waiting (the ticket's
 * connection is checked by runtime/db/db_answer.c). */
void rs_http1_db(rs_reactor *r, rs_conn *c, const rs_db_ticket *t, const rs_db_rows *rows, bool retry)
{
    if (!(c->flags & RS_CF_DB_WAIT))
        return;
    c->flags &= (uint16_t)~RS_CF_DB_WAIT;
    rs_reply reply;
    rs_http1_request_reply_init(&reply, r, c);
    bool keep_alive = !reply.close; /* as decided before the route answers */
    if (retry)
        rs_route_respond(c->route, &c->params, &reply);
    else
        rs_db_deliver(&reply, t, rows);
    if (reply.parked) { /* queued again */
        c->flags |= RS_CF_DB_WAIT;
        return;
    }
    if (!reply.status)
        rs_reply_error(&reply, 500);
    if (c->body_kind == RS_BODY_JSON)
        rs_json_body_release(r, c);
    rs_request_text_free(r, c);
    if (!keep_alive)
        rs_conn_finish(r, c);
    else
        rs_http1_resume(r, c); /* pipelined requests behind it, then re-arm */
    rs_conn_touch(r, c);
}
