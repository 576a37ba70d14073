/* db_answer.c — between a route that runs a statement and the protocol
 * that carries its request.
 *
 * rs_reply_db turns the reply into a ticket (the client connection's slot
 * and generation, the HTTP/2 stream, the cache epoch of a miss) and hands
 * it to the pool.  The pool answers by ticket; the answer goes to the
 * connection's protocol (rs_proto_ops.on_db), which finds its parked
 * request again, or drops the answer when the connection or stream is gone
 * (a slot reused since carries another generation). */
#include "app/reply.h"
#include "core/conn_lifecycle.h"
#include "core/proto.h"
#include "db/db_pool.h"

/* Parks the request on statement, or answers it with no rows at once. */
static void run(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs, rs_db_done done,
                int64_t tag)
{
    rs_reactor *r = reply->reactor;
    rs_conn *c = reply->conn;
    rs_db_ticket t = {rs_conn_index(&r->conns, c), c->gen, reply->stream_id, reply->cache_epoch, done, tag};
    if (rs_proto_of(c)->on_db != NULL) { /* else a protocol that cannot wait: the failure reply */
        rs_db_submit_result sent = rs_db_submit(r, &t, statement, args, nargs);
        if (sent == RS_DB_SENT || sent == RS_DB_QUEUED) {
            reply->parked = true;
            return;
        }
    }
    rs_db_deliver(reply, &t, NULL); /* the route's failure reply, or done without rows */
}

void rs_reply_db(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs)
{
    run(reply, statement, args, nargs, NULL, 0);
}

rs_status rs_db_run(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs, rs_db_done done,
                    int64_t tag)
{
    if (done == NULL || statement >= rs_sql_statement_count) {
        rs_reply_error(reply, 500); /* a handler bug: answered, and the handler's return is ignored */
        return (rs_status){0};
    }
    reply->to_database = true;
    run(reply, statement, args, nargs, done, tag);
    return (rs_status){0};
}

bool rs_reply_waiting(const rs_reply *reply)
{
    return reply->parked || reply->to_database;
}

void rs_db_deliver(rs_reply *reply, const rs_db_ticket *t, const rs_db_rows *rows)
{
    reply->cache_epoch = t->epoch;
    if (t->done)
        t->done(reply, rows, t->tag);
    else
        rs_route_db_done(reply->route, reply->params, reply, rows);
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
