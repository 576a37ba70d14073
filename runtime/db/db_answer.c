/* db_answer.c — between a route that runs a statement and the protocol
 * that carries its request.
 *
 * rs_reply_db turns the reply into a ticket (the client connection's slot
 * and generation, the HTTP/2 stream, the cache epoch of a miss) and hands
 * it to the pool.  The pool answers by ticket; the answer goes to the
 * connection's protocol (rs_proto_ops.on_db), which finds its parked
 * request again, or drops the answer when the connection or stream is gone
 * (a slot reused since carries another generation). */
#include "conn_lifecycle.h"
#include "db_pool.h"
#include "proto.h"
#include "reply.h"

void rs_reply_db(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs)
{
    rs_reactor *r = reply->reactor;
    rs_conn *c = reply->conn;
    rs_db_ticket t = {rs_conn_index(&r->conns, c), c->gen, reply->stream_id, reply->cache_epoch};
    if (rs_proto_of(c)->on_db == NULL) { /* a protocol that cannot wait: the failure reply */
        rs_route_db_done(reply->route, reply->params, reply, NULL);
        return;
    }
    switch (rs_db_submit(r, &t, statement, args, nargs)) {
    case RS_DB_SENT:
    case RS_DB_QUEUED:
        reply->parked = true;
        return;
    case RS_DB_UNAVAILABLE:
    default:
        rs_route_db_done(reply->route, reply->params, reply, NULL); /* the route's failure reply */
        return;
    }
}

/* The open connection of ticket t, if it is still the one that asked. */
static rs_conn *asker(rs_reactor *r, const rs_db_ticket *t)
{
    if (t->slot >= r->conns.high_water)
        return NULL;
    rs_conn *c = &r->conns.slots[t->slot];
    if (c->state != RS_CONN_OPEN || c->gen != t->gen || rs_proto_of(c)->on_db == NULL)
        return NULL;
    return c;
}

void rs_db_answered(rs_reactor *r, const rs_db_ticket *t, const rs_db_rows *rows)
{
    rs_conn *c = asker(r, t);
    if (c)
        rs_proto_of(c)->on_db(r, c, t, rows, false);
}

void rs_db_retry(rs_reactor *r, const rs_db_ticket *t)
{
    rs_conn *c = asker(r, t);
    if (c)
        rs_proto_of(c)->on_db(r, c, t, NULL, true);
}
