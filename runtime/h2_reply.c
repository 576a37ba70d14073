/* h2_reply.c — the HTTP/2 response sink (reply.h): the preformatted status
 * line and header lines generated code hands over become a HEADERS frame's
 * fields (names lower-cased, connection-specific fields dropped, RFC 9113
 * §8.2.2), Content-Length is added, and the body waits in the stream for
 * DATA frames, pulled by nghttp2 as flow control allows. */
#include <stdio.h>
#include <string.h>

#include "h2_internal.h"
#include "reply.h"

#define MAX_FIELDS 24
#define FIELD_BYTES 2048 /* heads stay far below 1 KiB (DESIGN.md §2 rule 9) */

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                         nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)id;
    (void)user;
    rs_h2_stream *st = source->ptr;
    size_t n = st->out_len - st->out_off;
    if (n > length)
        n = length;
    memcpy(buf, st->out + st->out_off, n);
    st->out_off += n;
    if (st->out_off == st->out_len)
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

static void h2_framed(rs_reply *r, const char *head, size_t head_len, const char *extra, size_t extra_len,
                      const char *body, size_t body_len)
{
    if (r->status) /* one response per request */
        return;
    rs_h2_stream *st = r->stream;
    rs_h2_conn *h = r->conn->h2;
    rs_reactor *re = r->reactor;
    r->status = rs_status_of_head(head, head_len);
    re->stats.responses_by_class[r->status / 100 < 6 ? r->status / 100 : 0]++;

    nghttp2_nv nv[MAX_FIELDS];
    size_t count = 0, used = 0;
    char lower[FIELD_BYTES];
    char status[4], length[24];
    memcpy(status, head + 9, 3);
    nv[count++] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)status, 7, 3, NGHTTP2_NV_FLAG_NONE};
    const char *first_eol = memchr(head, '\n', head_len);
    size_t skip = first_eol ? (size_t)(first_eol + 1 - head) : head_len;
    bool ok = add_lines(head + skip, head_len - skip, nv, &count, lower, &used) &&
              add_lines(extra, extra_len, nv, &count, lower, &used) && count < MAX_FIELDS;
    if (!ok) {
        nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        return;
    }
    int n = snprintf(length, sizeof length, "%zu", body_len);
    nv[count++] =
        (nghttp2_nv){(uint8_t *)"content-length", (uint8_t *)length, 14, (size_t)n, NGHTTP2_NV_FLAG_NONE};

    nghttp2_data_provider provider = {.source.ptr = st, .read_callback = read_body};
    bool send_body = body_len > 0 && !r->head_only;
    if (send_body) {
        st->out = rs_h2_alloc(re, body_len);
        if (!st->out) { /* over the worker's budget: the client may retry */
            nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_REFUSED_STREAM);
            return;
        }
        memcpy(st->out, body, body_len);
        st->out_len = body_len;
        st->out_off = 0;
    }
    if (nghttp2_submit_response(h->session, st->id, nv, count, send_body ? &provider : NULL) != 0)
        nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
}

/* Only a head, with a body the caller queues itself: static files, which
 * HTTP/2 does not serve yet (h2_stream.c answers 501 before this). */
static bool h2_head(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                    size_t fields_len, const char *extra, size_t extra_len, int64_t content_length)
{
    (void)status_line;
    (void)status_len;
    (void)fields;
    (void)fields_len;
    (void)extra;
    (void)extra_len;
    (void)content_length;
    rs_reply_error(r, 500);
    return false;
}

const rs_reply_sink rs_h2_sink = {.framed = h2_framed, .head = h2_head};
