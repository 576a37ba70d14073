/* http1_case.h — the case machinery shared by the test_http1_*.c suites.
 *
 * Every case is a byte string plus the transcript it must produce.  A
 * driver plays the caller of rs_http1_execute (the input contract of
 * http1_parser.h) and writes the transcript: one HEAD line per head, the
 * body and DONE per message, ERR with the status.  Each case runs unsplit,
 * at every 2-piece split point, byte by byte and under random splits, and
 * every run must produce the same transcript (4 checks per case).  Each
 * call sees a fresh heap copy of exactly the presented bytes, so ASan
 * catches any read past len.
 *
 * The functions are static inline so that a suite using only some of them
 * compiles cleanly under -Wunused-function. */
#ifndef RS_TEST_HTTP1_CASE_H
#define RS_TEST_HTTP1_CASE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1/http1_parser.h"
#include "test_util.h"

static const rs_http1_limits default_limits = {.max_target = 8192, .max_head = 16384, .max_headers = 64};

/* ---- a growable string ------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static inline void sb_grow(sbuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    while (b->len + n + 1 > b->cap)
        b->cap = b->cap ? b->cap * 2 : 256;
    b->s = realloc(b->s, b->cap);
    if (!b->s)
        abort();
}

static inline void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static inline void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_grow(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
    va_end(again);
    b->len += (size_t)n;
}

static inline void sb_put_escaped(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            sb_put(b, (const char *)&c, 1);
        else
            sb_printf(b, "\\x%02x", c);
    }
}

static inline const char *sb_str(const sbuf *b)
{
    return b->s ? b->s : "";
}

/* ---- the driver: a simulated connection ------------------------------- */

static const char *const method_names[RS_METHOD_COUNT] = {
    "OTHER", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
};

static inline int span_ok(rs_span s, size_t limit)
{
    return (size_t)s.off + s.len <= limit;
}

/* Feeds in[0..n) to a fresh parser; the input "arrives" in pieces ending at
 * cuts[0] < cuts[1] < ... <= n (the last cut must be n).  The caller keeps
 * unconsumed bytes and presents them again with the next piece, exactly as
 * a connection with a receive buffer would.  Writes the transcript to log. */
static inline void drive(const char *in, size_t n, const size_t *cuts, size_t ncuts,
                         const rs_http1_limits *lim, sbuf *log)
{
    rs_http1_parser hp;
    sbuf body = {0};
    size_t pos = 0, piece = 0, avail = cuts[0];
    uint16_t head_flags = 0;
    int in_message = 0;

    rs_http1_init(&hp, lim);
    for (size_t calls = 0;; calls++) {
        if (calls > 4 * n + 64) {
            sb_printf(log, "LOOP\n");
            break;
        }
        size_t len = avail - pos;
        char *data = malloc(len ? len : 1);
        memcpy(data, in + pos, len);
        size_t consumed = (size_t)-1, body_len = 0;
        const char *b = NULL;
        rs_http1_event ev = rs_http1_execute(&hp, data, len, &consumed, &b, &body_len);
        if (consumed > len)
            sb_printf(log, "ANOMALY consumed %zu > len %zu\n", consumed, len);

        int stop = 0;
        switch (ev) {
        case RS_HTTP1_NEED_MORE:
            pos += consumed;
            if (avail == n) {
                if (in_message || pos < n) {
                    sb_printf(log, "INCOMPLETE");
                    if (body.len) {
                        sb_printf(log, " body=");
                        sb_put_escaped(log, body.s, body.len);
                    }
                    sb_printf(log, "\n");
                }
                stop = 1;
            } else if (piece + 1 < ncuts) {
                avail = cuts[++piece];
            } else {
                sb_printf(log, "ANOMALY cuts end before the input\n");
                stop = 1;
            }
            break;
        case RS_HTTP1_HEAD:
            if (!span_ok(hp.target, consumed) || !span_ok(hp.path, consumed) ||
                !span_ok(hp.query, consumed) || hp.path.off < hp.target.off ||
                (hp.query.off ? hp.query.off + hp.query.len : hp.path.off + hp.path.len) !=
                    hp.target.off + hp.target.len)
                sb_printf(log, "ANOMALY spans\n");
            sb_printf(log, "HEAD %s %.*s ", method_names[hp.method], (int)hp.path.len, data + hp.path.off);
            if (hp.query.off)
                sb_printf(log, "?%.*s", (int)hp.query.len, data + hp.query.off);
            else
                sb_printf(log, "-");
            sb_printf(log, " v1.%u f=%02x cl=%llu hosts=%u hdrs=%u\n", hp.version_minor, hp.flags,
                      (unsigned long long)hp.content_length, hp.host_count, hp.header_count);
            if (!span_ok(hp.accept_encoding, consumed))
                sb_printf(log, "ANOMALY ae span\n");
            else if (hp.accept_encoding.off)
                sb_printf(log, "ae=[%.*s]\n", (int)hp.accept_encoding.len, data + hp.accept_encoding.off);
            head_flags = hp.flags;
            in_message = 1;
            body.len = 0;
            pos += consumed;
            break;
        case RS_HTTP1_BODY:
            if (body_len == 0 || b < data || b + body_len > data + consumed)
                sb_printf(log, "ANOMALY body slice\n");
            else
                sb_put(&body, b, body_len);
            pos += consumed;
            break;
        case RS_HTTP1_DONE:
            /* The head fields must still be readable after DONE. */
            if (hp.flags != head_flags)
                sb_printf(log, "ANOMALY flags changed %02x -> %02x\n", head_flags, hp.flags);
            sb_printf(log, "DONE body=");
            sb_put_escaped(log, body.s, body.len);
            sb_printf(log, "\n");
            in_message = 0;
            body.len = 0;
            pos += consumed;
            if (pos == n)
                stop = 1;
            break;
        case RS_HTTP1_ERROR:
            sb_printf(log, "ERR %u", hp.error_status);
            if (body.len) {
                sb_printf(log, " body=");
                sb_put_escaped(log, body.s, body.len);
            }
            sb_printf(log, "\n");
            /* A dead parser stays dead. */
            if (rs_http1_execute(&hp, data, len, &consumed, &b, &body_len) != RS_HTTP1_ERROR)
                sb_printf(log, "ANOMALY revived after error\n");
            stop = 1;
            break;
        default:
            sb_printf(log, "ANOMALY event %d\n", (int)ev);
            stop = 1;
        }
        free(data);
        if (stop)
            break;
    }
    free(body.s);
}

/* ---- running a case under every split ---------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Returns 1 when a run with these cuts reproduces `want`. */
static inline int run_cuts(const char *in, size_t n, const size_t *cuts, size_t ncuts,
                           const rs_http1_limits *lim, const char *want, const char *name, const char *how)
{
    sbuf log = {0};
    drive(in, n, cuts, ncuts, lim, &log);
    int ok = strcmp(sb_str(&log), want) == 0;
    if (!ok)
        fprintf(stderr, "[%s] %s:\n--- got:\n%s--- want:\n%s---\n", name, how, sb_str(&log), want);
    free(log.s);
    return ok;
}

static inline void run_case_lim(const char *name, const char *in, size_t n, const rs_http1_limits *lim,
                                const char *want)
{
    size_t *cuts = malloc((n + 2) * sizeof *cuts);
    char how[64];

    /* Unsplit. */
    cuts[0] = n;
    if (!tu_check(run_cuts(in, n, cuts, 1, lim, want, name, "unsplit"), __FILE__, __LINE__, name))
        goto out;

    /* Every 2-piece split (a first piece of 0 bytes included). */
    int bad = 0;
    for (size_t k = 0; k < n && !bad; k++) {
        cuts[0] = k;
        cuts[1] = n;
        snprintf(how, sizeof how, "split at %zu", k);
        bad = !run_cuts(in, n, cuts, 2, lim, want, name, how);
    }
    tu_check(!bad, __FILE__, __LINE__, name);

    /* One byte per call. */
    for (size_t k = 0; k < n; k++)
        cuts[k] = k + 1;
    tu_check(run_cuts(in, n, cuts, n ? n : 1, lim, want, name, "byte by byte"), __FILE__, __LINE__, name);

    /* Random multi-piece splits. */
    bad = 0;
    for (int r = 0; r < 16 && !bad && n > 1; r++) {
        size_t nc = 0, at = 0;
        while (at < n) {
            at += 1 + rng() % (n / 4 + 1);
            cuts[nc++] = at < n ? at : n;
        }
        snprintf(how, sizeof how, "random split #%d", r);
        bad = !run_cuts(in, n, cuts, nc, lim, want, name, how);
    }
    tu_check(!bad, __FILE__, __LINE__, name);
out:
    free(cuts);
}

static inline void run_case(const char *name, const char *in, size_t n, const char *want)
{
    run_case_lim(name, in, n, &default_limits, want);
}

#define CASE(name, literal, want) run_case((name), (literal), sizeof(literal) - 1, (want))
#define CASE_LIM(name, lim, literal, want) run_case_lim((name), (literal), sizeof(literal) - 1, (lim), (want))

/* Builds "<prefix><fill * n><suffix>" on the heap. */
static inline char *build(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
    size_t a = strlen(prefix), c = strlen(suffix);
    char *s = malloc(a + n + c + 1);
    memcpy(s, prefix, a);
    memset(s + a, fill, n);
    memcpy(s + a + n, suffix, c + 1);
    *len = a + n + c;
    return s;
}
/* Request pieces most cases share. */
#define H "Host: a\r\n"
#define REJECT(name, literal, status) CASE((name), (literal), "ERR " #status "\n")
#define CHUNKED "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
#define CHUNKED_HEAD "HEAD POST / - v1.1 f=41 cl=0 hosts=1 hdrs=2\n"

#endif
