/* reply.h — the runtime side of rs_reply: where a response goes and which
 * connection headers it needs.  Generated code sees rs_reply as opaque. */
#ifndef RS_REPLY_H
#define RS_REPLY_H

#include <stdbool.h>

#include "core/reactor.h"

/* A body produced as the peer reads it (gRPC replies and server streams,
 * runtime/grpc/grpc_call.c): pull() is called only when flow control and
 * the output cap let a DATA frame leave, so a producer of many messages
 * holds one at a time however slowly the client reads.  Trailer lines
 * ("name: value\r\n") follow the body; ctx is the sink's memory given by
 * pulled(), freed with the stream. */
typedef struct rs_body_source {
    /* Up to cap bytes of the body into buf; *done once nothing follows. */
    size_t (*pull)(void *ctx, char *buf, size_t cap, bool *done);
    /* The trailer lines after the body, into buf (at most cap bytes). */
    size_t (*trailers)(void *ctx, char *buf, size_t cap);
} rs_body_source;

/* Where a reply's bytes go: HTTP/1.1 framing into the connection's output
 * (reply.c), or HEADERS and DATA of an HTTP/2 stream (h2_reply.c).  Both
 * take what generated code hands over: a preformatted status line and
 * header lines, each ending in CRLF ("HTTP/1.1 200 OK\r\nContent-Type:
 * text/plain\r\n"); HTTP/2 turns them into fields. */
typedef struct rs_reply_sink {
    void (*framed)(rs_reply *r, const char *head, size_t head_len, const char *extra, size_t extra_len,
                   const char *body, size_t body_len);
    bool (*head)(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                 size_t fields_len, const char *extra, size_t extra_len, int64_t content_length);
    /* The body after head(), by reference to bytes that live as long as the
     * process (static files in memory): never copied into a queue.  NULL
     * where the caller queues such bodies itself (HTTP/1.1, static_serve.c). */
    void (*body_ref)(rs_reply *r, rs_shared_buf *buf, size_t off, size_t len);
    /* A head (no Content-Length) and a body pulled from src, then trailers:
     * returns ctx_size bytes of zeroed memory for src's state, NULL when
     * none (over the budget: the stream is refused).  NULL where bodies
     * cannot be pulled (HTTP/1.1). */
    void *(*pulled)(rs_reply *r, const char *head, size_t head_len, const rs_body_source *src,
                    size_t ctx_size);
} rs_reply_sink;

extern const rs_reply_sink rs_http1_sink;

struct rs_reply {
    const rs_reply_sink *sink;
    rs_reactor *reactor;
    rs_conn *conn;
    void *stream;             /* the sink's own: the HTTP/2 stream answered */
    const char *allow;        /* Allow header value for a 405 */
    bool head_only;           /* HEAD: headers with Content-Length, no body */
    bool close;               /* send "Connection: close" (we close after it) */
    bool keep_alive_http10;   /* HTTP/1.0 client asked to keep the connection */
    uint8_t coding;           /* rs_coding negotiated for this request */
    unsigned status;          /* set once a response has been written */
    const char *request_body; /* RS_BODY_JSON: the whole request body (rs_body_parse) */
    size_t request_body_len;
    rs_status prepared;   /* typed handlers: the response to send after it returns */
    bool parked;          /* rs_reply_db: answered later, by rs_db_answered */
    bool to_database;     /* rs_db_run: the database (or its callback, at once) answers */
    uint32_t cache_epoch; /* [cache.NAME]: the key's set epoch at the miss (db_cache.c) */
    uint32_t stream_id;   /* HTTP/2: the stream answered (the database ticket names it); 0 for HTTP/1.1 */
    int route;            /* the route answered and its parameters (rs_reply_db's failure reply) */
    const rs_params *params;
    const rs_cors *cors;                  /* the route's CORS policy: the sink adds its lines (app/cors.h) */
    const struct rs_access_entry *access; /* the request's access log entry, NULL: no line */
    const char *route_lines;              /* rs_reply_route_headers: added by the sink to every reply */
    size_t route_lines_len;
    uint8_t cors_origin;    /* rs_cors_origin of the request */
    uint8_t cors_preflight; /* RS_CORS_NOT_PREFLIGHT / _REFUSED / _OK */
    uint64_t started_ms;    /* HTTP/2: when the request's HEADERS arrived (CLOCK_MONOTONIC_COARSE) */
};

/* rs_reply_text with extra header lines (each ending in CRLF) after the
 * generated ones, e.g. Content-Encoding and Vary. */
static inline void rs_reply_framed(rs_reply *r, const char *head, size_t head_len, const char *extra,
                                   size_t extra_len, const char *body, size_t body_len)
{
    r->sink->framed(r, head, head_len, extra, extra_len, body, body_len);
}

/* Only the head of a response whose body the caller queues itself (a
 * reference to a static file, or a file read through the ring): status
 * line, fields, extra lines, Date, Content-Length unless content_length <
 * 0 (304), Connection.  False when nothing was written. */
static inline bool rs_reply_head(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                                 size_t fields_len, const char *extra, size_t extra_len,
                                 int64_t content_length)
{
    return r->sink->head(r, status_line, status_len, fields, fields_len, extra, extra_len, content_length);
}

static inline void rs_reply_body_ref(rs_reply *r, rs_shared_buf *buf, size_t off, size_t len)
{
    r->sink->body_ref(r, buf, off, len);
}

/* The status code of a preformatted head ("HTTP/1.1 200 ..."), 0 if none. */
static inline unsigned rs_status_of_head(const char *head, size_t len)
{
    if (len < 12)
        return 0;
    return (unsigned)(head[9] - '0') * 100 + (unsigned)(head[10] - '0') * 10 + (unsigned)(head[11] - '0');
}

/* The reason phrase of a status code ("Not Found"), or "Unknown". */
const char *rs_reason_phrase(unsigned status);

/* "HTTP/1.1 100 Continue\r\n\r\n" into the connection's output. */
void rs_reply_continue(rs_reactor *r, rs_conn *c);

#endif
