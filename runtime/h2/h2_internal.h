/* h2_internal.h — what h2_conn.c (session), h2_stream.c (requests) and
 * h2_reply.c (the response sink) share.  Not for other files. */
#ifndef RS_H2_INTERNAL_H
#define RS_H2_INTERNAL_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/reactor.h"

/* A pseudo-header's value while the header block is read: where it is in
 * the stream's head buffer (before the request line is written). */
typedef struct rs_h2_pseudo {
    uint32_t off, len;
    uint8_t set;
} rs_h2_pseudo;
enum { RS_H2_METHOD, RS_H2_PATH, RS_H2_AUTHORITY, RS_H2_PSEUDO_KEPT };

/* One request/response exchange.  Allocated from the worker's budget when
 * its HEADERS begin, freed when nghttp2 closes the stream. */
typedef struct rs_h2_stream {
    struct rs_h2_stream *prev, *next; /* the connection's open streams */
    int32_t id;
    uint8_t method;        /* rs_method */
    uint8_t answered : 1;  /* a response was submitted */
    uint8_t head_done : 1; /* the header block ended (route known) */
    uint8_t bad : 1;       /* malformed or oversized header block: answered 400/431 */
    uint8_t line_done : 1; /* the head starts with its request line (pseudo-headers read) */
    uint8_t ended : 1;     /* the request's END_STREAM arrived */
    uint8_t parked : 1;    /* waits on the database (h2/h2_db.c): its body is kept for a retry */
    uint8_t grpc : 1;      /* a gRPC call: answered by runtime/grpc (rs_grpc_answer) */
    uint8_t over : 1;      /* a gRPC call's body passed its limit (RESOURCE_EXHAUSTED) */
    uint8_t body_kind;     /* rs_body_kind of the route matched at the head */
    uint16_t early_status; /* refused before the body ended (413, 415, 503) */
    int16_t route;
    /* The request head rebuilt as HTTP/1.1 text ("GET /p?q HTTP/2\r\n"
     * "name: value\r\n"...), so rs_request_header and dispatch read it
     * as they read an HTTP/1.1 head. */
    char *head;
    uint32_t head_len, head_cap;
    rs_h2_pseudo pseudo[RS_H2_PSEUDO_KEPT];  /* until the request line is written */
    uint32_t path_len, query_off, query_len; /* path starts after "METHOD " */
    uint32_t ae_off, ae_len;                 /* Accept-Encoding value, ae_off 0 when absent */
    uint64_t body_limit;
    int64_t content_length; /* -1: not given */
    uint64_t body_seen;
    char *body; /* INT and JSON bodies, kept whole up to the route's limit */
    uint32_t body_len, body_cap;
    /* The response body waiting for DATA frames (flow control decides when):
     * src is `out` (a copy the stream owns) or static bytes by reference. */
    char *out;
    const char *src;
    size_t src_len, src_off;
    struct rs_shared_buf *ref; /* src's buffer when by reference: DATA leaves without a copy */
    /* A file from disk (cache = "none", h2_file.c): the head's snapshot and
     * what is left to read (file->off, file->len), the chunk last read
     * (fbuf, sent up to fbuf_off), and whether DATA waits for a read. */
    struct rs_static_pending *file;
    struct rs_chunk *fbuf;
    uint32_t fbuf_off;
    bool file_wait;
    /* A body pulled as the window opens (reply.h rs_body_source), and its state. */
    const struct rs_body_source *pull;
    void *pull_ctx;
    uint64_t started_ms; /* when the HEADERS began (gRPC deadlines) */
} rs_h2_stream;

typedef struct rs_h2_conn {
    nghttp2_session *session;
    rs_reactor *reactor;
    rs_conn *conn;
    rs_h2_stream *streams; /* open, newest first */
    uint32_t open_streams;
    int32_t last_stream; /* the highest request stream id seen */
    bool closing;        /* GOAWAY queued or the session failed: close once flushed */
    /* The one file read in flight (RS_OP_READ): for which stream, into which
     * chunk.  The stream may be gone when it completes (reading NULL). */
    rs_h2_stream *reading;
    struct rs_chunk *read_chunk;
    bool file_work; /* a stream waits for a read: on_flush submits it */
} rs_h2_conn;

/* Allocation from the worker's budget ([server.limits] buffered): every
 * byte nghttp2 and the streams hold is charged; NULL past the budget.
 * Small blocks come from per-worker free lists (h2_mem.c). */
void *rs_h2_alloc(rs_reactor *r, size_t size);
void *rs_h2_realloc(rs_reactor *r, void *p, size_t size);
void rs_h2_free(rs_reactor *r, void *p);
/* Gives the calling thread's cached free blocks back to malloc (h2_mem.c;
 * done by itself when a worker's thread exits). */
void rs_h2_mem_trim(void);

/* nghttp2 callbacks of h2_stream.c. */
int rs_h2_on_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *user);
int rs_h2_on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *user);
int rs_h2_on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                    const uint8_t *value, size_t valuelen, uint8_t flags, void *user);
int rs_h2_on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user);
int rs_h2_on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                        void *user);
int rs_h2_send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd, size_t length,
                    nghttp2_data_source *source, void *user);
int rs_h2_on_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *user);
int rs_h2_on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user);

/* Frames nghttp2 has ready into the output queue, under its cap (h2_conn.c). */
void rs_h2_pump(rs_reactor *r, rs_conn *c);

/* DATA of a file stream (h2_file.c): nghttp2's read callback. */
ssize_t rs_h2_read_file(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                        nghttp2_data_source *source, void *user);
/* Answers st with a file of a cache = "none" directory (h2_file.c). */
void rs_h2_answer_file(rs_h2_conn *h, rs_h2_stream *st, rs_reply *reply, const rs_request_view *view,
                       const rs_route_match *m);
/* Drops what a file stream holds (descriptor, chunk). */
void rs_h2_file_free(rs_h2_conn *h, rs_h2_stream *st);

/* Frees a stream and everything it holds. */
void rs_h2_stream_free(rs_h2_conn *h, rs_h2_stream *st);

/* Answers a stream: dispatch, body value, route (h2_stream.c). */
void rs_h2_answer(rs_h2_conn *h, rs_h2_stream *st);

/* Dispatches the stream's request (again, for a parked one: its head and
 * body are kept) into a reply, params and match; the status of a refusal,
 * else 0; access (the caller's, alive until the reply is written) takes
 * the stream's log line when the access log or request ids are on.  And what follows the route's answer: the
 * request's text freed, then the body too unless the stream parked on the database. */
struct rs_access_entry;
unsigned rs_h2_prepare(rs_h2_conn *h, rs_h2_stream *st, struct rs_reply *reply, rs_params *params,
                       rs_route_match *m, struct rs_access_entry *access);
void rs_h2_finish(rs_h2_conn *h, rs_h2_stream *st, struct rs_reply *reply);

/* The response sink of HTTP/2 streams (h2_reply.c); reply->stream is the stream. */
struct rs_reply_sink;
extern const struct rs_reply_sink rs_h2_sink;

#endif
