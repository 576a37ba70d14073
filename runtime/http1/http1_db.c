/* http1_db.c — HTTP/1.1 requests that wait on the database.
 *
 * A route that runs a statement calls rs_reply_db from its respond
 * function; the request parks (RS_CF_DB_WAIT): the connection parses
 * nothing behind it, so pipelined responses keep their order, and it stops
 * receiving once the bytes that follow are in its spill.  The pool
 * (runtime/db/) answers by (slot, generation) through rs_db_answered, or
 * asks for a queued request again through rs_db_retry; a connection that
 * closed or moved on in the meantime is recognised by its generation. */
#include <string.h>

#include "app/json_body.h"
#include "app/reply.h"
#include "app/request_text.h"
#include "core/conn_lifecycle.h"
#include "db/db_pool.h"
#include "http1/http1_conn.h"

void rs_reply_db(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs)
{
    rs_reactor *r = reply->reactor;
    rs_conn *c = reply->conn;
    if (reply->sink != &rs_http1_sink) {
        /* An HTTP/2 stream cannot park yet (issue 18): the route's failure reply. */
        rs_route_db_done(reply->route, reply->params, reply, NULL);
        return;
    }
    switch (rs_db_submit(r, rs_conn_index(&r->conns, c), c->gen, statement, args, nargs)) {
    case RS_DB_SENT:
    case RS_DB_QUEUED:
        reply->parked = true;
        return;
    case RS_DB_UNAVAILABLE:
    default:
        rs_route_db_done(c->route, &c->params, reply, NULL); /* the route's failure reply */
        return;
    }
}

/* The parked request of (slot, gen), if it is still there. */
static rs_conn *parked(rs_reactor *r, uint32_t slot, uint32_t gen)
{
    if (slot >= r->conns.high_water)
        return NULL;
    rs_conn *c = &r->conns.slots[slot];
    if (c->state != RS_CONN_OPEN || c->gen != gen || c->proto != RS_PROTO_HTTP1 ||
        !(c->flags & RS_CF_DB_WAIT))
        return NULL;
    return c;
}

/* Answers with rows (NULL: the failure reply), or asks the route again
 * (retry), then goes on with what the client sent behind the request. */
static void answer(rs_reactor *r, rs_conn *c, const rs_db_rows *rows, bool retry)
{
    c->flags &= (uint16_t)~RS_CF_DB_WAIT;
    rs_reply reply;
    rs_http1_request_reply_init(&reply, r, c);
    bool keep_alive = !reply.close; /* as decided before the route answers */
    if (retry)
        rs_route_respond(c->route, &c->params, &reply);
    else
        rs_route_db_done(c->route, &c->params, &reply, rows);
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

void rs_db_answered(rs_reactor *r, uint32_t slot, uint32_t gen, const rs_db_rows *rows)
{
    rs_conn *c = parked(r, slot, gen);
    if (c)
        answer(r, c, rows, false);
}

void rs_db_retry(rs_reactor *r, uint32_t slot, uint32_t gen)
{
    rs_conn *c = parked(r, slot, gen);
    if (c)
        answer(r, c, NULL, true);
}
