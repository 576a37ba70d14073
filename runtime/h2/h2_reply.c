/* h2_reply.c — the HTTP/2 response sink (reply.h): the preformatted status
 * line and header lines generated code hands over become a HEADERS frame's
 * fields (names lower-cased, connection-specific fields dropped, RFC 9113
 * §8.2.2), Content-Length is added, and the body waits in the stream for
 * DATA frames, pulled by nghttp2 as flow control allows: a copy for bodies
 * built per request, a reference for static files held in memory. */
#include <string.h>

#include "app/access_log.h"
#include "app/cors.h"
#include "app/reply.h"
#include "app/request_id.h"
#include "core/date_cache.h"
#include "core/shared_buf.h"
#include "h2/h2_internal.h"

#define MAX_FIELDS 32
#define FIELD_BYTES 2048 /* heads stay far below 1 KiB (DESIGN.md §2 rule 9) */
#define NO_COPY_MIN 1024 /* smaller DATA from a reference is copied: a reference chunk costs more */

static bool add_lines(const char *p, size_t len, nghttp2_nv *nv, size_t *count, char *lower, size_t *used);

/* A pulled body (reply.h rs_body_source): called by nghttp2 only when the
 * stream's window and the connection's output cap let a DATA frame leave.
 * At its end the trailers follow as a HEADERS frame with END_STREAM. */
static ssize_t pull_body(nghttp2_session *s, rs_h2_stream *st, uint8_t *buf, size_t length, uint32_t *flags)
{
    bool done = false;
    size_t n = st->pull->pull(st->pull_ctx, (char *)buf, length, &done);
    if (!done)
        return (ssize_t)n;
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    char lines[FIELD_BYTES], lower[FIELD_BYTES];
    size_t len = st->pull->trailers(st->pull_ctx, lines, sizeof lines);
    nghttp2_nv nv[MAX_FIELDS];
    size_t count = 0, used = 0;
    if (add_lines(lines, len, nv, &count, lower, &used) && count &&
        nghttp2_submit_trailer(s, st->id, nv, count) == 0)
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM; /* the trailers end the stream */
    return (ssize_t)n;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                         nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)id;
    (void)user;
    rs_h2_stream *st = source->ptr;
    if (st->pull)
        return pull_body(s, st, buf, length, flags);
    size_t n = st->src_len - st->src_off;
    if (n > length)
        n = length;
    if (st->ref && n >= NO_COPY_MIN) {
        /* rs_h2_send_data queues the frame header and a reference to these bytes. */
        *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
        if (st->src_off + n == st->src_len)
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    if (n)
        memcpy(buf, st->src + st->src_off, n);
    st->src_off += n;
    if (st->src_off == st->src_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static bool connection_specific(const char *name, size_t n)
{
    static const char *const names[] = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                                        "upgrade"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !memcmp(names[i], name, n))
            return true;
    return false;
}

/* Header lines "Name: value\r\n" into fields; names are lower-cased into
 * `lower`.  False when they do not fit. */
static bool add_lines(const char *p, size_t len, nghttp2_nv *nv, size_t *count, char *lower, size_t *used)
{
    if (!len) /* no extra lines: p may be NULL */
        return true;
    const char *end = p + len;
    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            size_t n = (size_t)(colon - p);
            if (*count == MAX_FIELDS || n > FIELD_BYTES - *used)
                return false;
            char *name = lower + *used;
            for (size_t i = 0; i < n; i++)
                name[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            if (!connection_specific(name, n)) {
                *used += n;
                nv[(*count)++] =
                    (nghttp2_nv){(uint8_t *)name, (uint8_t *)v, n, (size_t)(eol - v), NGHTTP2_NV_FLAG_NONE};
            }
        }
        p = eol + 2;
    }
    return true;
}

/* HEADERS for the stream: :status from the status line, the fields and extra
 * lines, content-length; with_body attaches the stream's body (st->src) as
 * DATA pulled under flow control.  False when nothing could be submitted. */
static bool submit(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                   size_t fields_len, const char *extra, size_t extra_len, int64_t content_length,
                   nghttp2_data_source_read_callback body)
{
    rs_h2_stream *st = r->stream;
    rs_h2_conn *h = r->conn->h2;
    rs_reactor *re = r->reactor;
    r->status = rs_status_of_head(status_line, status_len);
    re->stats.responses_by_class[r->status / 100 < 6 ? r->status / 100 : 0]++;

    nghttp2_nv nv[MAX_FIELDS];
    size_t count = 0, used = 0;
    char lower[FIELD_BYTES];
    char status[4], length[24];
    memcpy(status, status_line + 9, 3);
    nv[count++] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)status, 7, 3, NGHTTP2_NV_FLAG_NONE};
    /* As on HTTP/1.1 (RFC 9110 §6.6.1): the worker's cached IMF-fixdate, "Date: " and CRLF cut off
     * (nghttp2 copies the value; HPACK indexes it, so a second's responses share one entry). */
    nv[count++] = (nghttp2_nv){(uint8_t *)"date", (uint8_t *)rs_date_line + 6, 4, RS_DATE_LINE_LEN - 8,
                               NGHTTP2_NV_FLAG_NONE};
    char cors[RS_CORS_LINES_MAX];
    size_t cors_len = rs_cors_lines(r, cors);
    char rid[RS_REQUEST_ID_LINE_MAX];
    size_t rid_len = rs_request_id_line(r, rid);
    bool ok = add_lines(fields, fields_len, nv, &count, lower, &used) &&
              add_lines(extra, extra_len, nv, &count, lower, &used) &&
              add_lines(cors, cors_len, nv, &count, lower, &used) &&
              add_lines(rid, rid_len, nv, &count, lower, &used) &&
              add_lines(r->route_lines, r->route_lines_len, nv, &count, lower, &used) && count < MAX_FIELDS;
    if (!ok) {
        nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        return false;
    }
    if (content_length >= 0) {
        size_t n = rs_format_i64(length, content_length); /* snprintf cost ~660 instructions a response */
        nv[count++] =
            (nghttp2_nv){(uint8_t *)"content-length", (uint8_t *)length, 14, n, NGHTTP2_NV_FLAG_NONE};
    }
    nghttp2_data_provider provider = {.source.ptr = st, .read_callback = body};
    if (nghttp2_submit_response(h->session, st->id, nv, count, body ? &provider : NULL) != 0) {
        nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        return false;
    }
    rs_access_log_reply(r, r->status, body && content_length > 0 ? (uint64_t)content_length : 0);
    return true;
}

static void h2_framed(rs_reply *r, const char *head, size_t head_len, const char *extra, size_t extra_len,
                      const char *body, size_t body_len)
{
    if (r->status) /* one response per request */
        return;
    rs_h2_stream *st = r->stream;
    /* 204 and 304 end at the head, as on HTTP/1.1 (reply.c): no DATA, no content-length. */
    unsigned status = rs_status_of_head(head, head_len);
    bool no_content = status == 204 || status == 304;
    bool send_body = body_len > 0 && !r->head_only && !no_content;
    if (send_body) {
        /* A copy: the body is in the worker's JSON scratch or on the stack. */
        st->out = rs_h2_alloc(r->reactor, body_len);
        if (!st->out) { /* over the worker's budget: the client may retry */
            r->status = 503;
            nghttp2_submit_rst_stream(r->conn->h2->session, NGHTTP2_FLAG_NONE, st->id,
                                      NGHTTP2_REFUSED_STREAM);
            return;
        }
        memcpy(st->out, body, body_len);
        st->src = st->out;
        st->src_len = body_len;
    }
    const char *first_eol = memchr(head, '\n', head_len);
    size_t line = first_eol ? (size_t)(first_eol + 1 - head) : head_len;
    submit(r, head, line, head + line, head_len - line, extra, extra_len, no_content ? -1 : (int64_t)body_len,
           send_body ? read_body : NULL);
}

/* Only a head; the body follows by reference (h2_body_ref): static files
 * held in memory, whose bytes outlive any stream; or, for a stream with a
 * file from disk, from its reads (h2_file.c). */
static bool h2_head(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                    size_t fields_len, const char *extra, size_t extra_len, int64_t content_length)
{
    if (r->status)
        return false;
    unsigned status = rs_status_of_head(status_line, status_len);
    bool with_body = content_length > 0 && !r->head_only && status != 304;
    const rs_h2_stream *st = r->stream;
    nghttp2_data_source_read_callback body = st->file ? rs_h2_read_file : read_body;
    return submit(r, status_line, status_len, fields, fields_len, extra, extra_len, content_length,
                  with_body ? body : NULL);
}

static void h2_body_ref(rs_reply *r, rs_shared_buf *buf, size_t off, size_t len)
{
    rs_h2_stream *st = r->stream;
    st->ref = buf; /* immutable for the life of the process */
    st->src = buf->data + off;
    st->src_len = len;
}

/* A NO_COPY DATA frame: its 9-byte header copied, its payload queued as a
 * reference into the shared buffer (the transport sends it by iovec, or by
 * sendfile from the memfd), so a static file is never copied for HTTP/2. */
int rs_h2_send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd, size_t length,
                    nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)frame; /* no padding is ever chosen: the payload is exactly length bytes */
    rs_h2_conn *h = user;
    rs_h2_stream *st = source->ptr;
    rs_reactor *r = h->reactor;
    rs_conn *c = h->conn;
    size_t off = (size_t)(st->src - st->ref->data) + st->src_off;
    if (rs_outq_append(&c->out, &r->pool, framehd, 9) < 0 ||
        (length && rs_outq_append_ref(&c->out, &r->refs, st->ref, off, length) < 0))
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    st->src_off += length;
    return 0;
}

/* A head and a body pulled from src (reply.h); the state src works on is
 * the stream's, freed with it. */
static void *h2_pulled(rs_reply *r, const char *head, size_t head_len, const rs_body_source *src,
                       size_t ctx_size)
{
    if (r->status)
        return NULL;
    rs_h2_stream *st = r->stream;
    st->pull_ctx = rs_h2_alloc(r->reactor, ctx_size);
    if (!st->pull_ctx) { /* over the worker's budget: the client may retry */
        r->status = 503;
        nghttp2_submit_rst_stream(r->conn->h2->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_REFUSED_STREAM);
        return NULL;
    }
    memset(st->pull_ctx, 0, ctx_size);
    st->pull = src;
    const char *first_eol = memchr(head, '\n', head_len);
    size_t line = first_eol ? (size_t)(first_eol + 1 - head) : head_len;
    if (!submit(r, head, line, head + line, head_len - line, NULL, 0, -1, read_body))
        return NULL; /* reset: the context is freed with the stream */
    return st->pull_ctx;
}

const rs_reply_sink rs_h2_sink = {
    .framed = h2_framed, .head = h2_head, .body_ref = h2_body_ref, .pulled = h2_pulled};
