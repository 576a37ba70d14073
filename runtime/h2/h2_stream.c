/* h2_stream.c — HTTP/2 requests: nghttp2's callbacks assemble each stream's
 * head and body; once the stream's request ends, the generated routes answer
 * it exactly as they answer HTTP/1.1 (one request view, the same dispatch
 * and respond), through the HTTP/2 response sink (h2_reply.c).
 *
 * The head is rebuilt as HTTP/1.1-like text in a per-stream buffer
 * ("GET /path?query HTTP/2\r\nname: value\r\n..."): dispatch reads path and
 * query from it and rs_request_header scans it, with no second code path
 * for HTTP/2.  The route is matched when the header block ends (its body
 * kind and limit govern the DATA that follows) and dispatched again when
 * the request ends, so request-scoped text (one block per connection) is
 * only ever held from dispatch to response inside one call. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/accept_encoding.h"
#include "app/access_log.h"
#include "app/cors.h"
#include "app/json_body.h"
#include "app/reply.h"
#include "app/request_id.h"
#include "app/request_text.h"
#include "grpc/grpc_call.h"
#include "h2/h2_internal.h"
#include "static/static_serve.h"

static rs_method method_of(const uint8_t *v, size_t n)
{
#define IS(lit) (n == sizeof lit - 1 && !memcmp(v, lit, sizeof lit - 1))
    switch (n ? v[0] : 0) {
    case 'G':
        return IS("GET") ? RS_METHOD_GET : RS_METHOD_OTHER;
    case 'H':
        return IS("HEAD") ? RS_METHOD_HEAD : RS_METHOD_OTHER;
    case 'P':
        return IS("POST")    ? RS_METHOD_POST
               : IS("PUT")   ? RS_METHOD_PUT
               : IS("PATCH") ? RS_METHOD_PATCH
                             : RS_METHOD_OTHER;
    case 'D':
        return IS("DELETE") ? RS_METHOD_DELETE : RS_METHOD_OTHER;
    case 'O':
        return IS("OPTIONS") ? RS_METHOD_OPTIONS : RS_METHOD_OTHER;
    case 'C':
        return IS("CONNECT") ? RS_METHOD_CONNECT : RS_METHOD_OTHER;
    case 'T':
        return IS("TRACE") ? RS_METHOD_TRACE : RS_METHOD_OTHER;
    default:
        return RS_METHOD_OTHER;
    }
#undef IS
}

static rs_h2_stream *stream_of(rs_h2_conn *h, int32_t id)
{
    return nghttp2_session_get_stream_user_data(h->session, id);
}

void rs_h2_stream_free(rs_h2_conn *h, rs_h2_stream *st)
{
    rs_reactor *r = h->reactor;
    if (st->prev)
        st->prev->next = st->next;
    else
        h->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    h->open_streams--;
    if (st->file)
        rs_h2_file_free(h, st);
    rs_h2_free(r, st->head);
    rs_h2_free(r, st->body);
    rs_h2_free(r, st->out);
    rs_h2_free(r, st->pull_ctx);
    rs_h2_free(r, st);
}

/* Makes room for n more bytes of the rebuilt head; false once it would
 * pass [server.limits] head (or the worker's budget). */
static bool head_reserve(rs_h2_conn *h, rs_h2_stream *st, size_t n)
{
    uint32_t max = h->reactor->opt->limits.max_head;
    if (n > max - st->head_len)
        return false;
    if (st->head_len + n > st->head_cap) {
        uint32_t cap = st->head_cap ? st->head_cap : 256;
        while (cap < st->head_len + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        char *p = rs_h2_realloc(h->reactor, st->head, cap);
        if (!p)
            return false;
        st->head = p;
        st->head_cap = cap;
    }
    return true;
}

static inline void head_put(rs_h2_stream *st, const void *data, size_t n)
{
    memcpy(st->head + st->head_len, data, n);
    st->head_len += (uint32_t)n;
}

/* Appends a line "name<sep>value\r\n" (sep ": " for fields) in one step. */
static bool head_line(rs_h2_conn *h, rs_h2_stream *st, const void *name, size_t namelen, const char *sep,
                      size_t seplen, const void *value, size_t valuelen)
{
    if (!head_reserve(h, st, namelen + seplen + valuelen + 2))
        return false;
    head_put(st, name, namelen);
    head_put(st, sep, seplen);
    head_put(st, value, valuelen);
    head_put(st, "\r\n", 2);
    return true;
}

/* RFC 9113 §5.1.1: a client's new stream id must exceed every id it used
 * before.  nghttp2 ignores HEADERS on a lower id that names no open stream
 * (it cannot tell a closed stream from one never opened once closed streams
 * are not retained); here the highest id is kept, so such HEADERS is the
 * connection error PROTOCOL_ERROR.  Trailers on an open stream pass. */
int rs_h2_on_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *user)
{
    rs_h2_conn *h = user;
    if (!h->closing && hd->type == NGHTTP2_HEADERS && (hd->stream_id & 1) &&
        hd->stream_id <= h->last_stream && !nghttp2_session_find_stream(s, hd->stream_id)) {
        /* GOAWAY after what is already answered (terminate_session would
         * drop responses queued before it); no more input is read. */
        nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(s),
                              NGHTTP2_PROTOCOL_ERROR, NULL, 0);
        h->closing = true;
    }
    return 0;
}

int rs_h2_on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    rs_h2_conn *h = user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    if (frame->hd.stream_id > h->last_stream)
        h->last_stream = frame->hd.stream_id;
    rs_h2_stream *st = rs_h2_alloc(h->reactor, sizeof *st);
    if (!st)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM: over the worker's budget */
    memset(st, 0, sizeof *st);
    st->id = frame->hd.stream_id;
    st->route = -1;
    st->content_length = -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    st->started_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    st->next = h->streams;
    if (h->streams)
        h->streams->prev = st;
    h->streams = st;
    h->open_streams++;
    nghttp2_session_set_stream_user_data(s, st->id, st);
    /* The request line comes first; :method and :path fill it once known. */
    return 0;
}

/* Pseudo-headers come before regular fields (nghttp2 checks it) but in any
 * order among themselves, so their values are kept as they come (where each
 * one is: st->pseudo) until the first regular field or the end of the
 * block; then the head is rewritten to start with the request line and
 * Host.  No second pass looks for them. */
static bool write_request_line(rs_h2_conn *h, rs_h2_stream *st)
{
    st->line_done = 1;
    const rs_h2_pseudo *ps = st->pseudo;
    if (!ps[RS_H2_METHOD].set || !ps[RS_H2_PATH].set || !ps[RS_H2_PATH].len) /* CONNECT has no :path */
        return false;
    char *old = st->head;
    size_t mlen = ps[RS_H2_METHOD].len, plen = ps[RS_H2_PATH].len, alen = ps[RS_H2_AUTHORITY].len;
    const char *method = old + ps[RS_H2_METHOD].off, *path = old + ps[RS_H2_PATH].off;
    bool authority = ps[RS_H2_AUTHORITY].set;
    st->head = NULL;
    st->head_len = st->head_cap = 0;
    st->method = (uint8_t)method_of((const uint8_t *)method, mlen);
    const char *q = memchr(path, '?', plen);
    size_t before = q ? (size_t)(q - path) : plen;
    static const char version[] = " HTTP/2\r\n", host[] = "host: ";
    size_t line = mlen + 1 + plen + sizeof version - 1;
    bool ok = head_reserve(h, st, line + (authority ? sizeof host - 1 + alen + 2 : 0));
    if (ok) {
        head_put(st, method, mlen);
        head_put(st, " ", 1);
        head_put(st, path, plen);
        head_put(st, version, sizeof version - 1);
        if (authority) {
            head_put(st, host, sizeof host - 1);
            head_put(st, old + ps[RS_H2_AUTHORITY].off, alen);
            head_put(st, "\r\n", 2);
        }
    }
    st->path_len = (uint32_t)before;
    if (q) {
        st->query_off = (uint32_t)(mlen + 1 + before + 1);
        st->query_len = (uint32_t)(plen - before - 1);
    }
    rs_h2_free(h->reactor, old);
    return ok;
}

/* Which pseudo-header a name is: the index in st->pseudo, or -1 for one not
 * kept (:scheme; nghttp2 refuses unknown ones). */
static int pseudo_index(const uint8_t *name, size_t n)
{
    if (n == 7 && !memcmp(name, ":method", 7))
        return RS_H2_METHOD;
    if (n == 5 && !memcmp(name, ":path", 5))
        return RS_H2_PATH;
    if (n == 10 && !memcmp(name, ":authority", 10))
        return RS_H2_AUTHORITY;
    return -1;
}

int rs_h2_on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                    const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
    (void)s;
    (void)flags;
    rs_h2_conn *h = user;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    rs_h2_stream *st = stream_of(h, frame->hd.stream_id);
    if (!st || st->bad || st->head_done) /* trailers are not read */
        return 0;
    /* nghttp2 has validated names, values and the pseudo-header rules
     * (HTTP messaging is on: one of each, none after a regular field, the
     * required ones present).  :scheme is dropped; :authority becomes Host. */
    if (namelen && name[0] == ':') {
        int i = pseudo_index(name, namelen);
        if (i < 0)
            return 0;
        if (!head_reserve(h, st, valuelen))
            goto too_large;
        st->pseudo[i] = (rs_h2_pseudo){.off = st->head_len, .len = (uint32_t)valuelen, .set = 1};
        head_put(st, value, valuelen);
        return 0;
    }
    if (!st->line_done && !write_request_line(h, st))
        goto too_large;
    if (namelen == 15 && !memcmp(name, "accept-encoding", 15)) {
        st->ae_off = st->head_len + 17;
        st->ae_len = (uint32_t)valuelen;
    } else if (namelen == 14 && !memcmp(name, "content-length", 14)) {
        int64_t n;
        if (rs_parse_i64((const char *)value, valuelen, &n) && n >= 0)
            st->content_length = n;
    }
    if (!head_line(h, st, name, namelen, ": ", 2, value, valuelen))
        goto too_large;
    return 0;
too_large:
    st->bad = 1;
    st->early_status = 431;
    return 0;
}

static rs_request_view view_of(rs_h2_conn *h, rs_h2_stream *st)
{
    size_t mlen = 0;
    while (mlen < st->head_len && st->head[mlen] != ' ')
        mlen++;
    return (rs_request_view){
        .method = (rs_method)st->method,
        .path = st->head + mlen + 1,
        .path_len = st->path_len,
        .query = st->query_len ? st->head + st->query_off : NULL,
        .query_len = st->query_len,
        .accept_encoding = st->ae_off ? st->head + st->ae_off : NULL,
        .accept_encoding_len = st->ae_len,
        .head = st->head,
        .head_len = st->head_len,
        .reactor = h->reactor,
        .conn = h->conn,
    };
}

/* The header block ended: match the route for its body kind and limit. */
static void head_done(rs_h2_conn *h, rs_h2_stream *st, bool end_stream)
{
    st->head_done = 1;
    if (!st->bad && !st->line_done && !write_request_line(h, st))
        st->bad = 1;
    if (st->bad || !st->head_len) {
        if (!st->early_status)
            st->early_status = 400;
        return;
    }
    if (!head_reserve(h, st, 2)) { /* the blank line, as an HTTP/1.1 head ends */
        st->early_status = 431;
        return;
    }
    head_put(st, "\r\n", 2);
    rs_request_view view = view_of(h, st);
    if (rs_grpc_claims(&view)) { /* a gRPC call: its whole body, up to the message limit */
        st->grpc = 1;
        st->body_kind = RS_BODY_JSON; /* kept whole (body_add) */
        st->body_limit = rs_grpc_body_limit();
        return;
    }
    rs_route_match m = {.route = -1};
    rs_params params = {0};
    rs_route_dispatch(&view, &params, &m);
    rs_request_text_free(h->reactor, h->conn); /* dispatched again at the end */
    st->route = m.route;
    st->body_kind = m.status ? RS_BODY_DISCARD : m.body_kind;
    st->body_limit = m.body_limit;
    bool has_body = !end_stream;
    if (st->body_kind == RS_BODY_JSON && !rs_json_body_type_ok(&view, has_body))
        st->early_status = 415;
    if (st->content_length >= 0 && (uint64_t)st->content_length > st->body_limit)
        st->early_status = 413; /* answered at once, before a byte of it */
}

static void body_add(rs_h2_conn *h, rs_h2_stream *st, const uint8_t *data, size_t len)
{
    st->body_seen += len;
    if (st->early_status || st->answered)
        return;
    if (st->body_seen > st->body_limit) {
        if (st->grpc)
            st->over = 1; /* answered RESOURCE_EXHAUSTED at once (rs_h2_on_data_chunk) */
        else
            st->early_status = 413;
        return;
    }
    if (st->body_kind != RS_BODY_INT && st->body_kind != RS_BODY_JSON)
        return; /* DISCARD and STREAM count bytes only */
    if (st->body_len + len > st->body_cap) {
        size_t cap = st->body_cap ? st->body_cap : 256;
        while (cap < st->body_len + len)
            cap *= 2;
        char *p = rs_h2_realloc(h->reactor, st->body, cap);
        if (!p) {
            h->reactor->stats.budget_refused_bodies++;
            st->early_status = 503;
            return;
        }
        st->body = p;
        st->body_cap = (uint32_t)cap;
    }
    memcpy(st->body + st->body_len, data, len);
    st->body_len += (uint32_t)len;
}

int rs_h2_on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                        void *user)
{
    (void)flags;
    rs_h2_conn *h = user;
    rs_h2_stream *st = stream_of(h, stream_id);
    if (!st || st->answered) {
        /* Nobody takes these bytes: the connection's window gets them back (other
         * streams go on), the stream's does not (its response is already decided). */
        nghttp2_session_consume_connection(s, len);
        return 0;
    }
    body_add(h, st, data, len);
    if ((st->early_status || st->over) && !st->answered) {
        rs_h2_answer(h, st); /* 413 / 503 now; the rest of the body is discarded */
        nghttp2_session_consume_connection(s, len);
        return 0;
    }
    /* Handed to the route: buffered up to its limit (INT, JSON), counted
     * (STREAM) or, for a request answered at its end (an error), discarded
     * so that its end can arrive. */
    nghttp2_session_consume(s, stream_id, len);
    return 0;
}

int rs_h2_on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    (void)s;
    rs_h2_conn *h = user;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    rs_h2_stream *st = stream_of(h, frame->hd.stream_id);
    if (!st)
        return 0;
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (end)
        st->ended = 1;
    if (frame->hd.type == NGHTTP2_HEADERS && !st->head_done)
        head_done(h, st, end);
    if (!st->answered && (end || st->early_status == 413 || st->early_status == 431))
        rs_h2_answer(h, st);
    return 0;
}

/* A response answered before its request ended (413 at the head, 503 at the
 * budget) is complete: RST_STREAM(NO_ERROR) tells the client to stop
 * sending the body (RFC 9113 §8.1) instead of uploading it for nothing. */
int rs_h2_on_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    rs_h2_conn *h = user;
    if ((frame->hd.type != NGHTTP2_DATA && frame->hd.type != NGHTTP2_HEADERS) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    rs_h2_stream *st = stream_of(h, frame->hd.stream_id);
    if (st && !st->ended)
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    return 0;
}

int rs_h2_on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user)
{
    (void)s;
    (void)error_code;
    rs_h2_conn *h = user;
    rs_h2_stream *st = stream_of(h, stream_id);
    if (st) {
        nghttp2_session_set_stream_user_data(h->session, stream_id, NULL);
        rs_h2_stream_free(h, st);
    }
    return 0;
}

static inline bool is_body_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The request's body into its parameter, as HTTP/1.1 does (http1_conn.c):
 * an integer body is strict decimal with whitespace around it, empty means
 * absent; a streamed body's parameter is the number of bytes read.
 * Returns 400 for a malformed integer, else 0. */
static unsigned body_value(const rs_h2_stream *st, const rs_route_match *m, rs_params *params)
{
    unsigned slot = m->body_param;
    if (m->body_kind == RS_BODY_STREAM) {
        params->value[slot] = (int64_t)st->body_seen;
        params->present |= 1u << slot;
    } else if (m->body_kind == RS_BODY_INT && st->body_len) { /* no body: absent */
        const char *p = st->body, *e = st->body + st->body_len;
        while (p < e && is_body_space(*p))
            p++;
        while (e > p && is_body_space(e[-1]))
            e--;
        if (p == e)
            return 0; /* absent: the spec's default applies */
        if (!rs_parse_i64(p, (size_t)(e - p), &params->value[slot])) {
            rs_params_refuse(params, slot, RS_V_TYPE);
            return 400;
        }
        params->present |= 1u << slot;
    }
    return 0;
}

unsigned rs_h2_prepare(rs_h2_conn *h, rs_h2_stream *st, rs_reply *reply, rs_params *params, rs_route_match *m,
                       rs_access_entry *access)
{
    rs_reactor *r = h->reactor;
    *reply = (rs_reply){.sink = &rs_h2_sink,
                        .reactor = r,
                        .conn = h->conn,
                        .stream = st,
                        .stream_id = (uint32_t)st->id,
                        .head_only = st->method == RS_METHOD_HEAD,
                        .coding = RS_CODING_NONE,
                        .started_ms = st->started_ms};
    *params = (rs_params){0};
    *m = (rs_route_match){.route = -1};
    unsigned status = st->early_status;
    if (rs_log_ring_on(&r->access_log) || r->opt->request_id != RS_REQUEST_ID_OFF) {
        /* the stream's log line and id, finished by the sink (h2_reply.c) */
        if (st->head_len && !st->bad) {
            rs_request_view head = view_of(h, st);
            rs_access_begin(access, head.method, 20, head.path, head.path_len, head.query, head.query_len);
            rs_request_id_assign(r, access, &head);
        } else {
            rs_access_begin_unparsed(access);
            rs_request_id_assign(r, access, NULL);
        }
        reply->access = access;
    }
    if (!status && !st->grpc) { /* a gRPC call is answered by runtime/grpc (rs_h2_answer) */
        rs_request_view view = view_of(h, st);
        rs_route_dispatch(&view, params, m);
        status = m->status;
        if (!status && m->websocket)
            status = 426; /* WebSocket upgrades only from HTTP/1.1 (no RFC 8441) */
        if (!status)
            status = body_value(st, m, params);
        if (m->compress && !status)
            reply->coding =
                (uint8_t)rs_accept_choose(view.accept_encoding, view.accept_encoding_len, m->compress);
        reply->cors = m->cors;
        reply->cors_origin = rs_cors_origin(m->cors, &view);
        if (m->preflight)
            reply->cors_preflight = rs_cors_preflight(m->cors, &view, reply->cors_origin);
    }
    if (status == 405)
        reply->allow = rs_route_allow(m->route);
    if (m->body_kind == RS_BODY_JSON && !status) {
        reply->request_body = st->body;
        reply->request_body_len = st->body_len;
    }
    reply->route = m->route;
    reply->params = params;
    return status;
}

void rs_h2_finish(rs_h2_conn *h, rs_h2_stream *st, rs_reply *reply)
{
    rs_reactor *r = h->reactor;
    rs_request_text_free(r, h->conn); /* dispatched again if the stream parked */
    st->parked = reply->parked;
    if (st->parked)
        return;         /* answered by rs_h2_db: the body stays for a retry of the route */
    if (!reply->status) /* generated code must always answer */
        rs_reply_error(reply, 500);
    /* The body has been read: give its memory back now, not at stream close. */
    rs_h2_free(r, st->body);
    st->body = NULL;
    st->body_len = st->body_cap = 0;
}

void rs_h2_answer(rs_h2_conn *h, rs_h2_stream *st)
{
    st->answered = 1;
    h->reactor->stats.requests++;
    rs_reply reply;
    rs_params params;
    rs_route_match m;
    rs_access_entry access; /* lives until the reply is written (a parked stream logs when answered) */
    unsigned status = rs_h2_prepare(h, st, &reply, &params, &m, &access);
    if (st->grpc && !st->early_status) { /* runtime/grpc: logged by the sink like any reply */
        rs_request_view view = view_of(h, st);
        rs_grpc_answer(&reply, &view, (const uint8_t *)st->body, st->body_len, st->over);
        rs_h2_free(h->reactor, st->body);
        st->body = NULL;
        st->body_len = st->body_cap = 0;
        return;
    }
    if (status && m.route >= 0 && params.violations)
        rs_route_invalid(m.route, &params, &reply);
    else if (status == 415) {
        static const char head[] = "HTTP/1.1 415 Unsupported Media Type\r\nContent-Type: text/plain\r\n";
        static const char text[] = "this route takes a JSON body: send Content-Type: application/json\n";
        rs_reply_text(&reply, head, sizeof head - 1, text, sizeof text - 1);
    } else if (status) {
        rs_reply_error(&reply, status);
    } else if (reply.cors_preflight) {
        rs_cors_preflight_reply(&reply);
    } else if (m.static_dir && m.static_dir->cache != RS_STATIC_MEMORY) {
        rs_request_view view = view_of(h, st);
        rs_h2_answer_file(h, st, &reply, &view, &m); /* read from disk as flow control allows */
    } else if (m.static_dir) {                       /* in memory: the body goes by reference */
        rs_static_pending file;
        rs_request_view view = view_of(h, st);
        rs_static_resolve_into(&file, &view, &m);
        rs_static_respond_by_ref(&reply, &file);
    } else {
        rs_route_respond(m.route, &params, &reply);
    }
    rs_h2_finish(h, st, &reply);
}
