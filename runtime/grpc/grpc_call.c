/* grpc_call.c — one gRPC call over an HTTP/2 stream (grpc/grpc's
 * PROTOCOL-HTTP2.md): the request is checked (POST, content-type, method,
 * size, grpc-timeout, grpc-encoding), its one message decoded by the
 * build's generated codec, and the reply — one message, or a server
 * stream's `count` — pulled by the stream as flow control allows, each
 * message produced only when the previous one has left (reply.h
 * rs_body_source), then trailers with grpc-status.  Errors found before
 * the reply starts are answered "Trailers-Only": one HEADERS with the
 * status and END_STREAM. */
#include <libdeflate.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "grpc/grpc.h"
#include "grpc/grpc_call.h"
#include "grpc/grpc_wire.h"

/* Deflate may grow incompressible data a little: a compressed message may
 * pass max_message by this much before it is refused unread. */
#define COMPRESSED_SLACK 64
#define ACCEPT_ENCODING "grpc-accept-encoding: identity,gzip\r\n"

typedef struct call {
    const rs_grpc_method *method;
    uint64_t deadline_ms; /* 0: none */
    rs_grpc_code status;
    const char *message;               /* grpc-message (static text), NULL for none */
    int64_t next, count;               /* replies produced, replies owed */
    uint32_t pending_off, pending_len; /* of msg: bytes not yet pulled */
    uint8_t *request;                  /* the decoded request (method->request_size) */
    uint8_t *msg;                      /* prefix + one encoded reply (method->reply_max) */
} call;

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static bool is_grpc_type(const rs_str *v)
{
    /* application/grpc, application/grpc+proto, application/grpc;params */
    static const char base[] = "application/grpc";
    size_t n = sizeof base - 1;
    if (v->len < n || !rs_text_iequal(v->ptr, n, base, n))
        return false;
    return v->len == n || v->ptr[n] == '+' || v->ptr[n] == ';';
}

bool rs_grpc_claims(const rs_request_view *req)
{
    if (!rs_grpc_served)
        return false;
    if (rs_grpc_find(req->path, req->path_len))
        return true;
    rs_str type;
    return rs_request_header(req, "content-type", &type) && is_grpc_type(&type);
}

uint64_t rs_grpc_body_limit(void)
{
    return (uint64_t)rs_grpc_max_message + COMPRESSED_SLACK + RS_GRPC_PREFIX;
}

/* "grpc-status: N\r\n" and grpc-message, percent-encoded. */
static size_t status_lines(char *out, size_t cap, rs_grpc_code status, const char *message)
{
    int n = snprintf(out, cap, "grpc-status: %d\r\n", (int)status);
    size_t len = n > 0 && (size_t)n < cap ? (size_t)n : 0;
    if (message && len + 20 < cap) {
        memcpy(out + len, "grpc-message: ", 14);
        len += 14;
        len += rs_grpc_percent_encode(message, strlen(message), out + len, cap - len - 2);
        memcpy(out + len, "\r\n", 2);
        len += 2;
    }
    return len;
}

/* Trailers-Only: HEADERS with :status 200, the content-type and the status. */
static void trailers_only(rs_reply *r, rs_grpc_code status, const char *message, bool accept_encoding)
{
    static const char line[] = "HTTP/1.1 200 OK\r\n";
    char fields[512];
    size_t n = 0;
    static const char type[] = "content-type: application/grpc\r\n";
    memcpy(fields, type, sizeof type - 1);
    n += sizeof type - 1;
    if (accept_encoding) {
        memcpy(fields + n, ACCEPT_ENCODING, sizeof ACCEPT_ENCODING - 1);
        n += sizeof ACCEPT_ENCODING - 1;
    }
    n += status_lines(fields + n, sizeof fields - n, status, message);
    rs_reply_head(r, line, sizeof line - 1, fields, n, NULL, 0, -1);
}

static size_t pull(void *ctx, char *buf, size_t cap, bool *done)
{
    call *c = ctx;
    size_t n = 0;
    if (c->deadline_ms && c->status == RS_GRPC_OK && c->next < c->count && now_ms() >= c->deadline_ms) {
        c->status = RS_GRPC_DEADLINE_EXCEEDED; /* the messages already sent stay sent */
        c->message = "deadline exceeded (grpc-timeout)";
    }
    for (;;) {
        if (c->pending_off < c->pending_len) {
            size_t take = c->pending_len - c->pending_off;
            if (take > cap - n)
                take = cap - n;
            memcpy(buf + n, c->msg + c->pending_off, take);
            n += take;
            c->pending_off += (uint32_t)take;
            if (c->pending_off < c->pending_len)
                return n; /* the frame is full: the rest of this message goes in the next */
        }
        if (c->status != RS_GRPC_OK || c->next >= c->count) {
            *done = true;
            return n;
        }
        if (n == cap)
            return n;
        size_t len = c->method->item(c->request, c->next++, c->msg + RS_GRPC_PREFIX);
        rs_grpc_put_prefix(c->msg, (uint32_t)len);
        c->pending_off = 0;
        c->pending_len = (uint32_t)(RS_GRPC_PREFIX + len);
    }
}

static size_t trailers(void *ctx, char *buf, size_t cap)
{
    call *c = ctx;
    return status_lines(buf, cap, c->status, c->message);
}

static const rs_body_source call_source = {.pull = pull, .trailers = trailers};

static void no_bytes(void *ctx, const uint8_t *p, size_t len)
{
    (void)ctx;
    (void)p;
    (void)len;
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* The compressed message into out (max_message bytes): its length, or a status. */
static rs_grpc_code inflate_message(const uint8_t *in, size_t n, uint8_t *out, size_t *len)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return RS_GRPC_RESOURCE_EXHAUSTED;
    enum libdeflate_result res = libdeflate_gzip_decompress(d, in, n, out, rs_grpc_max_message, len);
    libdeflate_free_decompressor(d);
    if (res == LIBDEFLATE_INSUFFICIENT_SPACE)
        return RS_GRPC_RESOURCE_EXHAUSTED;
    return res == LIBDEFLATE_SUCCESS ? RS_GRPC_OK : RS_GRPC_INVALID_ARGUMENT;
}

void rs_grpc_answer(rs_reply *r, const rs_request_view *req, const uint8_t *body, size_t body_len, bool over)
{
    if (!r->sink->pulled) { /* HTTP/1.1 */
        rs_reply_error(r, 505);
        return;
    }
    if (req->method != RS_METHOD_POST) {
        r->allow = "POST";
        rs_reply_error(r, 405);
        return;
    }
    rs_str type;
    if (!rs_request_header(req, "content-type", &type) || !is_grpc_type(&type)) {
        rs_reply_error(r, 415); /* PROTOCOL-HTTP2.md: not gRPC at all */
        return;
    }
    const rs_grpc_method *m = rs_grpc_find(req->path, req->path_len);
    if (!m) {
        trailers_only(r, RS_GRPC_UNIMPLEMENTED, "unknown service or method", false);
        return;
    }
    if (over) {
        trailers_only(r, RS_GRPC_RESOURCE_EXHAUSTED, "request message over the server's limit", false);
        return;
    }
    uint64_t deadline = 0, timeout;
    rs_str t;
    if (rs_request_header(req, "grpc-timeout", &t) && rs_grpc_parse_timeout(t.ptr, t.len, &timeout)) {
        deadline = r->started_ms + timeout;
        if (now_ms() >= deadline) {
            trailers_only(r, RS_GRPC_DEADLINE_EXCEEDED, "deadline exceeded (grpc-timeout)", false);
            return;
        }
    }
    /* Exactly one request message (unary and server streaming). */
    rs_grpc_reader rd = {0};
    size_t used = 0;
    rs_grpc_read got =
        rs_grpc_read_feed(&rd, body, body_len, rs_grpc_max_message + COMPRESSED_SLACK, &used, no_bytes, NULL);
    if (got == RS_GRPC_READ_TOO_LONG ||
        (got == RS_GRPC_READ_MESSAGE && !rd.compressed && rd.length > rs_grpc_max_message)) {
        trailers_only(r, RS_GRPC_RESOURCE_EXHAUSTED, "request message over the server's limit", false);
        return;
    }
    if (got != RS_GRPC_READ_MESSAGE || used != body_len) {
        const char *why = got == RS_GRPC_READ_BAD_FLAG  ? "bad message flag"
                          : got == RS_GRPC_READ_MESSAGE ? "more than one request message"
                                                        : "the request message is missing or cut short";
        trailers_only(r, RS_GRPC_INVALID_ARGUMENT, why, false);
        return;
    }
    if (rd.compressed) {
        rs_str enc;
        bool has = rs_request_header(req, "grpc-encoding", &enc);
        if (!has || rs_text_iequal(enc.ptr, enc.len, "identity", 8)) {
            trailers_only(r, RS_GRPC_INTERNAL, "compressed message without grpc-encoding", false);
            return;
        }
        if (!rs_text_iequal(enc.ptr, enc.len, "gzip", 4)) {
            trailers_only(r, RS_GRPC_UNIMPLEMENTED, "unsupported grpc-encoding", true);
            return;
        }
    }
    size_t request_off = align16(sizeof(call));
    size_t msg_off = request_off + align16(m->request_size);
    size_t inflate_off = msg_off + align16(RS_GRPC_PREFIX + m->reply_max);
    size_t size = inflate_off + (rd.compressed ? rs_grpc_max_message : 0);
    static const char head[] = "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\n" ACCEPT_ENCODING;
    uint8_t *mem = r->sink->pulled(r, head, sizeof head - 1, &call_source, size);
    if (!mem)
        return;
    call *c = (call *)mem;
    c->method = m;
    c->deadline_ms = deadline;
    c->request = mem + request_off;
    c->msg = mem + msg_off;
    const uint8_t *in = body + RS_GRPC_PREFIX;
    size_t in_len = rd.length;
    if (rd.compressed) {
        c->status = inflate_message(in, in_len, mem + inflate_off, &in_len);
        if (c->status != RS_GRPC_OK) {
            c->message = c->status == RS_GRPC_RESOURCE_EXHAUSTED ? "request message over the server's limit"
                                                                 : "the request message is not valid gzip";
            return;
        }
        in = mem + inflate_off;
    }
    if (!m->decode(in, in_len, c->request)) {
        c->status = RS_GRPC_INVALID_ARGUMENT;
        c->message = "the request message is malformed";
        return;
    }
    if (!m->server_stream) {
        size_t len = 0;
        c->status = m->unary(c->request, c->msg + RS_GRPC_PREFIX, &len);
        if (c->status != RS_GRPC_OK)
            return;
        rs_grpc_put_prefix(c->msg, (uint32_t)len);
        c->pending_len = (uint32_t)(RS_GRPC_PREFIX + len);
        c->next = c->count = 1;
        return;
    }
    int64_t count = m->count(c->request);
    if (count > m->max_count) {
        c->status = RS_GRPC_OUT_OF_RANGE;
        c->message = "count over the method's max_count";
        return;
    }
    c->count = count > 0 ? count : 0;
}
