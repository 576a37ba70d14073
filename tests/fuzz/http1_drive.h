/* http1_drive.h — plays the caller of rs_http1_execute for the fuzzers.
 *
 * drive() feeds in[0..n) to a fresh parser in pieces ending at cuts[] (the
 * last cut is n), keeping unconsumed bytes and presenting them again with
 * the next piece, exactly as a connection does (the input contract in
 * http1_parser.h).  It writes a transcript — events, head fields, body
 * bytes, error status — that must not depend on the cuts, and it traps on
 * any broken invariant so libFuzzer reports it as a crash:
 *   - *consumed never exceeds len; spans and body slices lie inside the
 *     bytes of the call that returned them; head fields respect the limits;
 *   - events come in a legal order (BODY/DONE only inside a message);
 *   - an error status is one of the documented ones; a dead parser stays dead;
 *   - Content-Length bodies deliver exactly content_length bytes;
 *   - every call makes progress or asks for more (bounded call count).
 * Each call sees a fresh heap copy of exactly the presented bytes, so ASan
 * catches any read past len. */
#ifndef RS_FUZZ_HTTP1_DRIVE_H
#define RS_FUZZ_HTTP1_DRIVE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1/http1_parser.h"

/* Small limits reach the 414/431 paths with short inputs; the defaults are
 * the spec's, so realistic requests are covered as well. */
static const rs_http1_limits fuzz_small_limits = {.max_target = 40, .max_head = 200, .max_headers = 6};
static const rs_http1_limits fuzz_spec_limits = {.max_target = 8192, .max_head = 16384, .max_headers = 64};

#define FUZZ_REQUIRE(cond)                                                                                   \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
            __builtin_trap();                                                                                \
        }                                                                                                    \
    } while (0)

typedef struct fz_log {
    char *s;
    size_t len, cap;
} fz_log;

static void fz_put(fz_log *l, const void *p, size_t n)
{
    if (n == 0) /* p may be the NULL of an empty log */
        return;
    if (l->len + n + 1 > l->cap) {
        while (l->len + n + 1 > l->cap)
            l->cap = l->cap ? l->cap * 2 : 512;
        l->s = realloc(l->s, l->cap);
        FUZZ_REQUIRE(l->s != NULL);
    }
    memcpy(l->s + l->len, p, n);
    l->len += n;
    l->s[l->len] = 0;
}

static void fz_printf(fz_log *l, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    fz_put(l, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int fz_span_in(rs_span s, size_t limit)
{
    return (size_t)s.off + s.len <= limit;
}

static int fz_known_error(unsigned status)
{
    return status == 400 || status == 414 || status == 417 || status == 431 || status == 501 || status == 505;
}

static void fz_check_head(const rs_http1_parser *hp, const rs_http1_limits *lim, size_t consumed)
{
    FUZZ_REQUIRE(hp->error_status == 0);
    FUZZ_REQUIRE(consumed > 0 && consumed <= lim->max_head && consumed <= 65535);
    FUZZ_REQUIRE(hp->method < RS_METHOD_COUNT);
    FUZZ_REQUIRE(hp->version_minor <= 1);
    FUZZ_REQUIRE(hp->header_count <= lim->max_headers);
    FUZZ_REQUIRE(hp->target.len > 0 && hp->target.len <= lim->max_target);
    FUZZ_REQUIRE(fz_span_in(hp->target, consumed) && fz_span_in(hp->path, consumed));
    FUZZ_REQUIRE(fz_span_in(hp->query, consumed));
    /* The path starts the target (origin and asterisk form) or follows the
     * scheme and authority (absolute form); path and query end it. */
    FUZZ_REQUIRE(hp->path.off >= hp->target.off);
    uint32_t target_end = (uint32_t)hp->target.off + hp->target.len;
    if (hp->query.off)
        FUZZ_REQUIRE(hp->query.off == hp->path.off + hp->path.len + 1u &&
                     hp->query.off + (uint32_t)hp->query.len == target_end);
    else
        FUZZ_REQUIRE(hp->path.off + (uint32_t)hp->path.len == target_end && hp->query.len == 0);
    /* Both framings at once is the smuggling vector the parser must refuse. */
    FUZZ_REQUIRE(!((hp->flags & RS_HTTP1_CHUNKED) && (hp->flags & RS_HTTP1_HAS_LENGTH)));
}

static void drive(const unsigned char *in, size_t n, const size_t *cuts, size_t ncuts,
                  const rs_http1_limits *lim, fz_log *log)
{
    static const char *const methods[RS_METHOD_COUNT] = {"OTHER",  "GET",   "HEAD",    "POST",    "PUT",
                                                         "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
    rs_http1_parser hp;
    size_t pos = 0, piece = 0, avail = cuts[0];
    int in_message = 0;
    uint64_t body_total = 0;
    fz_log body = {0}; /* the message's body: how it was sliced is not part of the transcript */

    rs_http1_init(&hp, lim);
    for (size_t calls = 0;; calls++) {
        /* Each call consumes a byte, returns an event, or takes a new piece. */
        FUZZ_REQUIRE(calls <= 4 * n + 3 * ncuts + 16);
        size_t len = avail - pos;
        char *data = malloc(len ? len : 1);
        FUZZ_REQUIRE(data != NULL);
        memcpy(data, in + pos, len);
        size_t consumed = (size_t)-1, blen = 0;
        const char *b = NULL;
        rs_http1_event ev = rs_http1_execute(&hp, data, len, &consumed, &b, &blen);
        FUZZ_REQUIRE(consumed <= len);
        int stop = 0;
        switch (ev) {
        case RS_HTTP1_NEED_MORE:
            pos += consumed;
            if (avail == n) {
                if (in_message || pos < n) {
                    fz_printf(log, "INCOMPLETE %zu body=", body.len);
                    fz_put(log, body.s, body.len);
                    fz_put(log, "\n", 1);
                }
                stop = 1;
            } else {
                FUZZ_REQUIRE(piece + 1 < ncuts);
                avail = cuts[++piece];
            }
            break;
        case RS_HTTP1_HEAD:
            FUZZ_REQUIRE(!in_message);
            fz_check_head(&hp, lim, consumed);
            fz_printf(log, "HEAD %s %.*s ", methods[hp.method], (int)hp.path.len, data + hp.path.off);
            if (hp.query.off)
                fz_printf(log, "?%.*s", (int)hp.query.len, data + hp.query.off);
            fz_printf(log, " v1.%u f=%02x cl=%llu hosts=%u hdrs=%u\n", hp.version_minor, hp.flags,
                      (unsigned long long)hp.content_length, hp.host_count, hp.header_count);
            in_message = 1;
            body_total = 0;
            body.len = 0;
            pos += consumed;
            break;
        case RS_HTTP1_BODY:
            FUZZ_REQUIRE(in_message);
            FUZZ_REQUIRE(blen > 0 && b >= data && b + blen <= data + consumed);
            body_total += blen;
            fz_put(&body, b, blen);
            pos += consumed;
            break;
        case RS_HTTP1_DONE:
            FUZZ_REQUIRE(in_message);
            if (!(hp.flags & RS_HTTP1_CHUNKED))
                FUZZ_REQUIRE(body_total == ((hp.flags & RS_HTTP1_HAS_LENGTH) ? hp.content_length : 0));
            fz_printf(log, "DONE %zu body=", body.len);
            fz_put(log, body.s, body.len);
            fz_put(log, "\n", 1);
            in_message = 0;
            pos += consumed;
            stop = pos == n;
            break;
        case RS_HTTP1_ERROR:
            FUZZ_REQUIRE(fz_known_error(hp.error_status));
            fz_printf(log, "ERR %u %zu body=", hp.error_status, body.len);
            fz_put(log, body.s, body.len);
            fz_put(log, "\n", 1);
            FUZZ_REQUIRE(rs_http1_execute(&hp, data, len, &consumed, &b, &blen) == RS_HTTP1_ERROR);
            stop = 1;
            break;
        default:
            FUZZ_REQUIRE(!"unknown event");
        }
        free(data);
        if (stop)
            break;
    }
    free(body.s);
}

#endif
