/* http1_conn.c — drives the parser over received bytes, dispatches each
 * request head to the generated routes, consumes its body, and writes the
 * response; errors become canned responses followed by a graceful close.
 * A handshake on a WebSocket route hands the connection to ws_conn.c.
 *
 * Input is parsed in place in the provided buffer.  Only what is left at
 * the end of a buffer (a partial head, or requests not yet parsed because
 * of backpressure) is copied to the connection's spill (spill.h). */
#include "http1/http1_conn.h"

#include <stdlib.h>
#include <string.h>

#include "app/accept_encoding.h"
#include "app/access_log.h"
#include "app/cors.h"
#include "app/json_body.h"
#include "app/reply.h"
#include "app/request_id.h"
#include "app/request_text.h"
#include "core/conn_lifecycle.h"
#include "core/log.h"
#include "core/output_gate.h"
#include "core/proto.h"
#include "core/spill.h"
#include "static/static_serve.h"

void rs_http1_open(rs_reactor *r, rs_conn *c)
{
    rs_http1_init(&c->parser, &r->http1_limits);
}

void rs_http1_release(rs_reactor *r, rs_conn *c)
{
    rs_spill_free(r, c);
    rs_request_text_free(r, c);
    if (c->body_kind == RS_BODY_JSON)
        rs_json_body_release(r, c);
}

void rs_http1_request_reply_init(rs_reply *reply, rs_reactor *r, rs_conn *c)
{
    bool keep_alive = (c->parser.flags & RS_HTTP1_KEEP_ALIVE) && !r->stopping;
    rs_http1_reply_init(reply, r, c, !keep_alive);
    reply->route = c->route; /* rs_reply_db's failure reply reads them */
    reply->params = &c->params;
    if (c->body_kind == RS_BODY_JSON) {
        reply->request_body = c->body_buf;
        reply->request_body_len = (size_t)c->body_seen;
    }
}

/* Stages of the strict parse of an integer body (rs_conn.int_stage). */
enum { INT_LEADING, INT_SIGN, INT_DIGITS, INT_TRAILING, INT_INVALID };

void rs_http1_reply_init(rs_reply *reply, rs_reactor *r, rs_conn *c, bool close)
{
    memset(reply, 0, sizeof *reply);
    reply->sink = &rs_http1_sink;
    reply->reactor = r;
    reply->conn = c;
    reply->allow = c->status == 405 ? rs_route_allow(c->route) : NULL;
    reply->head_only = c->method == RS_METHOD_HEAD;
    reply->close = close;
    reply->keep_alive_http10 = !close && c->parser.version_minor == 0;
    reply->coding = c->coding;
    reply->cors = rs_route_cors(c->route);
    reply->cors_origin = c->cors_origin;
    reply->cors_preflight = c->cors_preflight;
    reply->access = rs_access_slot(r, c);
}

/* A request that cannot be framed or must not be served: answer with the
 * status and close, after the response has been sent. */
static void fail(rs_reactor *r, rs_conn *c, unsigned status)
{
    if (c->flags & RS_CF_FILE) {
        /* A file body is still streaming: a response now would land inside
         * it (DESIGN.md §2 rule 11), and the promised length cannot be kept
         * short.  The only honest end is to drop the connection. */
        rs_conn_abort(r, c);
        return;
    }
    rs_reply reply;
    if (!(c->flags & RS_CF_IN_REQUEST)) { /* refused before its head was read: no request line */
        rs_access_begin_unparsed(rs_access_slot(r, c));
        rs_request_id_assign(r, rs_access_slot(r, c), NULL);
    }
    r->stats.parse_errors++;
    r->stats.parse_errors_by_status[rs_parse_error_kind(status)]++;
    rs_http1_reply_init(&reply, r, c, true);
    reply.allow = NULL;
    reply.cors = NULL; /* c->route may be an earlier request's */
    rs_reply_error(&reply, status);
    if (c->body_kind == RS_BODY_JSON)
        rs_json_body_release(r, c);
    c->flags &= (uint16_t) ~(RS_CF_IN_BODY | RS_CF_IN_REQUEST);
    rs_conn_finish(r, c);
}

/* An error status for a matched request: parameters that broke the spec's
 * constraints get the generated violations body, anything else the canned
 * reply. */
static void reply_refusal(rs_reply *reply, const rs_conn *c, unsigned status)
{
    static const char json_only_head[] =
        "HTTP/1.1 415 Unsupported Media Type\r\nContent-Type: text/plain\r\n";
    static const char json_only[] = "this route takes a JSON body: send Content-Type: application/json\n";
    if (c->route >= 0 && c->params.violations)
        rs_route_invalid(c->route, &c->params, reply);
    else if (status == 415)
        rs_reply_text(reply, json_only_head, sizeof json_only_head - 1, json_only, sizeof json_only - 1);
    else
        rs_reply_error(reply, status);
}

static void on_head(rs_reactor *r, rs_conn *c, const char *base, size_t head_len)
{
    const rs_http1_parser *p = &c->parser;
    rs_request_view view = {
        .method = (rs_method)p->method,
        .path = base + p->path.off,
        .path_len = p->path.len,
        .query = p->query.len ? base + p->query.off : NULL,
        .query_len = p->query.len,
        .accept_encoding = p->accept_encoding.off ? base + p->accept_encoding.off : NULL,
        .accept_encoding_len = p->accept_encoding.len,
        .head = base,
        .head_len = head_len,
        .reactor = r,
        .conn = c,
    };
    if (view.path_len == 0) { /* absolute-form without a path: "http://host" means "/" */
        view.path = "/";
        view.path_len = 1;
    }
    rs_access_begin(rs_access_slot(r, c), view.method, p->version_minor == 0 ? 10 : 11, view.path,
                    view.path_len, view.query, view.query_len);
    rs_request_id_assign(r, rs_access_slot(r, c), &view);
    rs_route_match m = {.route = -1};
    c->params.present = 0;
    rs_route_dispatch(&view, &c->params, &m);
    if (!m.status && m.websocket) {
        /* 0: upgraded, the slot now holds WebSocket state (the HTTP fields
         * share its bytes: touch none of them after this). */
        unsigned refused = rs_websocket_upgrade(r, c, &view, m.websocket);
        if (!refused)
            return;
        m.status = (uint16_t)refused; /* answered once the request is read */
    }
    if (m.static_dir && !m.status)
        rs_static_resolve(c, &view, &m); /* replaces params: a static route has none */
    c->route = m.route;
    c->status = m.status;
    c->body_kind = m.status ? RS_BODY_DISCARD : m.body_kind;
    c->body_param = m.body_param;
    c->method = p->method;
    c->cors_origin = rs_cors_origin(m.cors, &view);
    c->cors_preflight =
        m.preflight ? rs_cors_preflight(m.cors, &view, c->cors_origin) : RS_CORS_NOT_PREFLIGHT;
    /* Decided now: the head's bytes are gone by the time the body ends. */
    c->coding = m.compress && !m.status
                    ? rs_accept_choose(view.accept_encoding, view.accept_encoding_len, m.compress)
                    : RS_CODING_NONE;
    c->body_seen = 0;
    if (c->body_kind == RS_BODY_INT) {
        c->int_stage = INT_LEADING;
        c->int_negative = 0;
        c->params.value[c->body_param] = 0; /* accumulated by int_body_feed */
    } else {
        c->body_buf = NULL; /* no JSON body buffer yet */
        c->body_cap = 0;
    }
    r->stats.requests++;

    bool has_body =
        (p->flags & RS_HTTP1_CHUNKED) || ((p->flags & RS_HTTP1_HAS_LENGTH) && p->content_length > 0);
    if (c->body_kind == RS_BODY_JSON && !rs_json_body_type_ok(&view, has_body)) {
        c->status = 415; /* answered once the body is read, or at once for 100-continue */
        c->body_kind = RS_BODY_DISCARD;
    }
    c->flags |= RS_CF_IN_REQUEST;
    if (has_body)
        c->flags |= RS_CF_IN_BODY;
    if ((p->flags & RS_HTTP1_HAS_LENGTH) && p->content_length > m.body_limit) {
        fail(r, c, 413); /* before reading a byte of it */
        return;
    }
    if ((p->flags & RS_HTTP1_EXPECT_CONTINUE) && has_body && p->version_minor >= 1) {
        if (c->status) {
            /* Refuse without inviting the body (RFC 9110 §10.1.1). */
            rs_reply reply;
            rs_http1_reply_init(&reply, r, c, true);
            reply_refusal(&reply, c, c->status);
            c->flags &= (uint16_t) ~(RS_CF_IN_BODY | RS_CF_IN_REQUEST);
            rs_conn_finish(r, c);
            return;
        }
        rs_reply_continue(r, c);
    }
}

static inline bool is_body_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Strict decimal, whitespace allowed around it, overflow is invalid.  The
 * value accumulates in *value (the body's parameter slot). */
static void int_body_feed(rs_conn *c, int64_t *value, const char *s, size_t n)
{
    for (size_t i = 0; i < n && c->int_stage != INT_INVALID; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            if (c->int_stage == INT_TRAILING) {
                c->int_stage = INT_INVALID;
                break;
            }
            int64_t d = ch - '0';
            if (__builtin_mul_overflow(*value, 10, value) ||
                __builtin_add_overflow(*value, c->int_negative ? -d : d, value)) {
                c->int_stage = INT_INVALID;
                break;
            }
            c->int_stage = INT_DIGITS;
        } else if (ch == '-' && c->int_stage == INT_LEADING) {
            c->int_negative = 1;
            c->int_stage = INT_SIGN;
        } else if (is_body_space(ch) && (c->int_stage == INT_LEADING || c->int_stage == INT_DIGITS ||
                                         c->int_stage == INT_TRAILING)) {
            if (c->int_stage == INT_DIGITS)
                c->int_stage = INT_TRAILING;
        } else {
            c->int_stage = INT_INVALID;
        }
    }
}

/* True once a body is known to exceed its limit: as soon as a chunk-size
 * line announces too much, before its data arrives. */
static bool body_over_limit(const rs_conn *c)
{
    return c->body_seen + rs_http1_body_announced(&c->parser) > rs_conn_body_limit(c);
}

/* 503 rather than 413 when the worker's budget is spent: the body is within
 * its own limit and the same request may succeed once other bodies are done,
 * which Retry-After says (RFC 9110 §15.6.4).  The connection closes (fail)
 * because the rest of the body would have to be read and thrown away. */
static void json_body_feed(rs_reactor *r, rs_conn *c, const char *data, size_t len)
{
    switch (rs_json_body_append(r, c, data, len)) {
    case RS_JSON_APPENDED:
        break;
    case RS_JSON_OVER_BUDGET:
        r->stats.budget_refused_bodies++;
        fail(r, c, 503);
        break;
    case RS_JSON_NO_MEMORY:
    default:
        fail(r, c, 500);
        break;
    }
}

static void on_body(rs_reactor *r, rs_conn *c, const char *data, size_t len)
{
    c->body_seen += len;
    if (body_over_limit(c)) {
        fail(r, c, 413);
        return;
    }
    if (c->body_kind == RS_BODY_INT)
        int_body_feed(c, &c->params.value[c->body_param], data, len);
    else if (c->body_kind == RS_BODY_JSON)
        json_body_feed(r, c, data, len);
}

static void on_done(rs_reactor *r, rs_conn *c)
{
    c->flags &= (uint16_t) ~(RS_CF_IN_BODY | RS_CF_IN_REQUEST);
    unsigned status = c->status;
    if (!status && c->body_kind == RS_BODY_INT) {
        if (c->int_stage == INT_DIGITS || c->int_stage == INT_TRAILING) {
            c->params.present |= 1u << c->body_param; /* the value is already in its slot */
        } else if (c->int_stage == INT_SIGN || c->int_stage == INT_INVALID) {
            status = 400;
            rs_params_refuse(&c->params, c->body_param, RS_V_TYPE);
        } /* empty or all whitespace: absent, the spec's default applies */
    }
    if (!status && c->body_kind == RS_BODY_STREAM) {
        /* What was actually read (de-chunked), never the Content-Length value. */
        c->params.value[c->body_param] = (int64_t)c->body_seen;
        c->params.present |= 1u << c->body_param;
    }
    rs_reply reply;
    rs_http1_request_reply_init(&reply, r, c);
    bool keep_alive = !reply.close; /* as decided before the route answers */
    if (status)
        reply_refusal(&reply, c, status);
    else if (c->cors_preflight)
        rs_cors_preflight_reply(&reply);
    else if (c->flags & RS_CF_STATIC)
        rs_static_respond(r, c, &reply);
    else
        rs_route_respond(c->route, &c->params, &reply);
    if (reply.parked) {
        /* Waits on the database (http1_db.c answers it).  Its parameters,
         * body and text stay in the slot; nothing behind it is parsed. */
        c->flags |= RS_CF_DB_WAIT;
        return;
    }
    if (!reply.status) /* generated code must always answer; never leave the client waiting */
        rs_reply_error(&reply, 500);
    if (c->body_kind == RS_BODY_JSON)
        rs_json_body_release(r, c);
    rs_request_text_free(r, c); /* the reply has been written: its text is no longer read */
    if (!keep_alive)
        rs_conn_finish(r, c);
}

/* Whether the next parser event may be handled now.  RS_CF_FILE: a file is
 * still being read into the output, RS_CF_DB_WAIT: a database answer is
 * awaited; what follows waits (responses go out in order).  Over the output
 * cap or the worker's budget the connection pauses (only owned bytes cost
 * memory; file references do not count). */
static bool may_go_on(rs_reactor *r, rs_conn *c)
{
    if (c->state != RS_CONN_OPEN || (c->flags & (RS_CF_PAUSED | RS_CF_FILE | RS_CF_DB_WAIT)))
        return false;
    if (rs_output_blocked(r, c)) {
        rs_output_pause(r, c);
        return false;
    }
    return true;
}

static void process(rs_reactor *r, rs_conn *c, char *in, size_t n)
{
    size_t pos = 0;
    while (may_go_on(r, c)) {
        size_t used = 0, body_len = 0;
        const char *body = NULL;
        rs_http1_event ev = rs_http1_execute(&c->parser, in + pos, n - pos, &used, &body, &body_len);
        const char *base = in + pos;
        pos += used;
        if (ev == RS_HTTP1_NEED_MORE) {
            if ((c->flags & RS_CF_IN_BODY) && body_over_limit(c))
                fail(r, c, 413);
            break;
        }
        switch (ev) {
        case RS_HTTP1_HEAD:
            on_head(r, c, base, used);
            if (c->proto == RS_PROTO_WS) {
                /* Frames sent right behind the handshake, in the same receive. */
                rs_proto_of(c)->on_switch_data(r, c, in + pos, n - pos);
                return;
            }
            /* Without a body the head completes the message: answered now
             * rather than after another turn of the loop and the parser
             * (which would return DONE and nothing else; same checks). */
            if (may_go_on(r, c) && rs_http1_done_without_body(&c->parser))
                on_done(r, c);
            break;
        case RS_HTTP1_BODY:
            on_body(r, c, body, body_len);
            break;
        case RS_HTTP1_DONE:
            on_done(r, c);
            break;
        case RS_HTTP1_ERROR:
        default:
            fail(r, c, c->parser.error_status ? c->parser.error_status : 400);
            break;
        }
    }
    if (c->state != RS_CONN_OPEN) {
        rs_http1_release(r, c); /* nothing more will be parsed */
        return;
    }
    if (pos < n)
        c->flags |= RS_CF_IN_REQUEST;
    if (!rs_spill_keep(r, c, in + pos, n - pos)) {
        if (c->flags & (RS_CF_PAUSED | RS_CF_DB_WAIT))
            rs_conn_abort(r, c); /* kept sending while not reading our output */
        else
            fail(r, c, 431);
    }
}

void rs_http1_input(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    if (c->spill_len == 0) {
        process(r, c, data, len);
        return;
    }
    if (!rs_spill_append(r, c, data, len)) {
        if (c->flags & RS_CF_PAUSED)
            rs_conn_abort(r, c);
        else
            fail(r, c, 431);
        return;
    }
    if (!(c->flags & (RS_CF_PAUSED | RS_CF_DB_WAIT)))
        process(r, c, c->spill, c->spill_len);
}

void rs_http1_resume(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_OPEN && c->spill_len)
        process(r, c, c->spill, c->spill_len);
    rs_conn_touch(r, c);
}

void rs_http1_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    (void)kind;
    if (c->state != RS_CONN_OPEN || (c->flags & RS_CF_DB_WAIT)) {
        /* Waiting on the database longer than the timeout: no other response
         * may overtake the one owed, so the connection goes. */
        rs_conn_abort(r, c);
        return;
    }
    fail(r, c, 408);
}

void rs_http1_stop(rs_reactor *r, rs_conn *c)
{
    if (c->flags & (RS_CF_IN_BODY | RS_CF_FILE | RS_CF_DB_WAIT))
        return; /* a request, file or statement in progress: closed after its response */
    if (c->out.queued > 0) {
        /* Answered requests still being sent: flush them, then close.
         * Requests not yet parsed (pipelined behind a pause) are dropped. */
        rs_conn_finish(r, c);
        return;
    }
    /* Idle, or only part of a head: no response is owed.  Over TLS the
     * orderly end is still owed: close_notify, then the FIN (the drain
     * sends it, conn_lifecycle.c), or the client sees a truncation. */
    if (c->flags & RS_CF_TLS) {
        rs_conn_finish(r, c);
        return;
    }
    /* Nothing unread is pending on an idle socket, so a plain close sends
     * FIN, not RST. */
    rs_conn_abort(r, c);
}
