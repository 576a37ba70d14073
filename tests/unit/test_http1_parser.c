/* test_http1_parser.c — unit tests for the resumable HTTP/1.1 parser.
 *
 * Usage: test_http1_parser <arena requests dir> [--bench]
 *
 * Every case is a byte string plus the transcript it must produce.  A
 * driver plays the caller of rs_http1_execute (the input contract of
 * http1_parser.h) and writes the transcript: one HEAD line per head, the
 * body and DONE per message, ERR with the status.  Each case runs unsplit,
 * at every 2-piece split point, byte by byte and under random splits, and
 * every run must produce the same transcript.  Each call sees a fresh heap
 * copy of exactly the presented bytes, so ASan catches any read past len.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http1_parser.h"
#include "test_util.h"

static const rs_http1_limits default_limits = {.max_target = 8192, .max_head = 16384, .max_headers = 64};

/* ---- a growable string ------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_grow(sbuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    while (b->len + n + 1 > b->cap)
        b->cap = b->cap ? b->cap * 2 : 256;
    b->s = realloc(b->s, b->cap);
    if (!b->s)
        abort();
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_printf(sbuf *b, const char *fmt, ...)
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

static void sb_put_escaped(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            sb_put(b, (const char *)&c, 1);
        else
            sb_printf(b, "\\x%02x", c);
    }
}

static const char *sb_str(const sbuf *b)
{
    return b->s ? b->s : "";
}

/* ---- the driver: a simulated connection ------------------------------- */

static const char *const method_names[RS_METHOD_COUNT] = {
    "OTHER", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
};

static int span_ok(rs_span s, size_t limit)
{
    return (size_t)s.off + s.len <= limit;
}

/* Feeds in[0..n) to a fresh parser; the input "arrives" in pieces ending at
 * cuts[0] < cuts[1] < ... <= n (the last cut must be n).  The caller keeps
 * unconsumed bytes and presents them again with the next piece, exactly as
 * a connection with a receive buffer would.  Writes the transcript to log. */
static void drive(const char *in, size_t n, const size_t *cuts, size_t ncuts, const rs_http1_limits *lim,
                  sbuf *log)
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
                !span_ok(hp.query, consumed) || hp.path.off != hp.target.off)
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

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Returns 1 when a run with these cuts reproduces `want`. */
static int run_cuts(const char *in, size_t n, const size_t *cuts, size_t ncuts, const rs_http1_limits *lim,
                    const char *want, const char *name, const char *how)
{
    sbuf log = {0};
    drive(in, n, cuts, ncuts, lim, &log);
    int ok = strcmp(sb_str(&log), want) == 0;
    if (!ok)
        fprintf(stderr, "[%s] %s:\n--- got:\n%s--- want:\n%s---\n", name, how, sb_str(&log), want);
    free(log.s);
    return ok;
}

static void run_case_lim(const char *name, const char *in, size_t n, const rs_http1_limits *lim,
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

static void run_case(const char *name, const char *in, size_t n, const char *want)
{
    run_case_lim(name, in, n, &default_limits, want);
}

#define CASE(name, literal, want) run_case((name), (literal), sizeof(literal) - 1, (want))
#define CASE_LIM(name, lim, literal, want) run_case_lim((name), (literal), sizeof(literal) - 1, (lim), (want))

/* Builds "<prefix><fill * n><suffix>" on the heap. */
static char *build(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
    size_t a = strlen(prefix), c = strlen(suffix);
    char *s = malloc(a + n + c + 1);
    memcpy(s, prefix, a);
    memset(s + a, fill, n);
    memcpy(s + a + n, suffix, c + 1);
    *len = a + n + c;
    return s;
}

/* ---- 1. valid requests -------------------------------------------------- */

static void test_valid(void)
{
    CASE("get with query", "GET /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
         "HEAD GET /baseline11 ?a=13&b=42 v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("post with content-length",
         "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\n"
         "hello world",
         "HEAD POST /upload - v1.1 f=42 cl=11 hosts=1 hdrs=3\nDONE body=hello world\n");
    CASE("chunked with extensions and trailers",
         "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5;name=value;q=\"a \\\"b\\\"\"\r\nhello\r\n"
         "6 ; ext ;e2 = tok\r\n world\r\n"
         "A\r\n0123456789\r\n"
         "0;last\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n",
         "HEAD POST /c - v1.1 f=41 cl=0 hosts=1 hdrs=2\nDONE body=hello world0123456789\n");
    CASE("chunked, case-insensitive coding, upper-case hex",
         "PUT /x HTTP/1.1\r\ntransfer-encoding:  ChUnKeD \r\nhost: a\r\n\r\n"
         "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0000000000000000000001\r\n!\r\n000\r\n\r\n",
         "HEAD PUT /x - v1.1 f=41 cl=0 hosts=1 hdrs=2\nDONE body=abcdefghijklmnopqrstuvwxyz!\n");
    CASE("TE list with empty elements",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\t\r\n\r\n0\r\n\r\n",
         "HEAD POST / - v1.1 f=41 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    CASE("http/1.0 without keep-alive", "GET /old HTTP/1.0\r\n\r\n",
         "HEAD GET /old - v1.0 f=00 cl=0 hosts=0 hdrs=0\nDONE body=\n");
    CASE("http/1.0 with keep-alive", "GET /old?x HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n",
         "HEAD GET /old ?x v1.0 f=48 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    CASE("http/1.0 keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
         "HEAD GET / - v1.0 f=0c cl=0 hosts=0 hdrs=1\nDONE body=\n");
    CASE("connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
         "HEAD GET / - v1.1 f=04 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    CASE("connection list, upgrade, http/1.2 served as 1.1, ? inside query",
         "GET /a?b?c=d HTTP/1.2\r\nhost: a\r\nconnection: , foo ,keep-alive,\tUpgrade ,\r\n"
         "upgrade: websocket\r\n\r\n",
         "HEAD GET /a ?b?c=d v1.1 f=58 cl=0 hosts=1 hdrs=3\nDONE body=\n");
    CASE("expect 100-continue",
         "PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
         "HEAD PUT /up - v1.1 f=62 cl=3 hosts=1 hdrs=3\nDONE body=abc\n");
    CASE("expect with OWS and case",
         "POST / HTTP/1.1\r\nHost: a\r\nEXPECT: \t100-Continue \r\nContent-Length: 0\r\n\r\n",
         "HEAD POST / - v1.1 f=62 cl=0 hosts=1 hdrs=3\nDONE body=\n");
    CASE("expect ignored on http/1.0",
         "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
         "HEAD POST / - v1.0 f=02 cl=1 hosts=0 hdrs=2\nDONE body=z\n");
    CASE("pipelined two",
         "GET /pipeline HTTP/1.1\r\nHost: localhost:8080\r\n\r\nGET /pipeline HTTP/1.1\r\nHost: "
         "localhost:8080\r\n\r\n",
         "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("pipelined three: get, content-length, chunked",
         "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
         "POST /2?q HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
         "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: "
         "close\r\n\r\n3\r\nxyz\r\n0\r\n\r\n",
         "HEAD GET /1 - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD POST /2 ?q v1.1 f=42 cl=4 hosts=1 hdrs=2\nDONE body=body\n"
         "HEAD POST /3 - v1.1 f=05 cl=0 hosts=1 hdrs=3\nDONE body=xyz\n");
    CASE("leading empty lines",
         "\r\n\r\n\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /x - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD GET /y - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("obs-text and empty values",
         "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9 \x80\xff\r\nX-Empty:\r\nX-Sp:   \r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=4\nDONE body=\n");
    CASE("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD OPTIONS * - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("method names are case-sensitive tokens",
         "get / HTTP/1.1\r\nHost: a\r\n\r\nPURGE / HTTP/1.1\r\nHost: a\r\n\r\nDELETE / HTTP/1.1\r\nHost: "
         "a\r\n\r\n"
         "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nPATCH / HTTP/1.1\r\nHost: a\r\n\r\nTRACE / HTTP/1.1\r\nHost: "
         "a\r\n\r\n"
         "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\nGETS / HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD OTHER / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD OTHER / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD DELETE / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD HEAD / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD PATCH / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD TRACE / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD CONNECT / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD OTHER / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("empty query, content-length with zeros and OWS",
         "POST /? HTTP/1.1\r\nHost: a\r\ncontent-length: \t007 \r\n\r\n1234567",
         "HEAD POST / ? v1.1 f=42 cl=7 hosts=1 hdrs=2\nDONE body=1234567\n");
    CASE("names that only start like known ones",
         "GET / HTTP/1.1\r\nHost: a\r\nContent-Lengths: x\r\nHosts: b\r\nTransfer-Encodings: gzip\r\n"
         "Expected: no\r\nConnections: close\r\nX-Host: c\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=7\nDONE body=\n");
    CASE("content-length at 2^62",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4611686018427387904\r\n\r\nab",
         "HEAD POST / - v1.1 f=42 cl=4611686018427387904 hosts=1 hdrs=2\nINCOMPLETE body=ab\n");
    CASE("chunk size 2^60 - 1",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nab",
         "HEAD POST / - v1.1 f=41 cl=0 hosts=1 hdrs=2\nINCOMPLETE body=ab\n");

    /* Limits reached exactly are fine (max_target: test_target_at_limit). */
    size_t n;
    const char *pre = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ";
    char *s = build(pre, 'b', 16384 - strlen(pre) - 4, "\r\n\r\n", &n);
    CHECK_EQ_INT(n, 16384);
    run_case("head at max_head", s, n, "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    free(s);

    /* max_headers header lines. */
    sbuf b = {0};
    sb_printf(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < 64; i++)
        sb_printf(&b, "X-H%d: %d\r\n", i, i);
    sb_printf(&b, "\r\n");
    run_case("max_headers fields", b.s, b.len, "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=64\nDONE body=\n");
    free(b.s);
}

/* The target-at-limit case above needs its own transcript: build it. */
static void test_accept_encoding(void)
{
    CASE("accept-encoding value", "GET /j HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip, br\r\n\r\n",
         "HEAD GET /j - v1.1 f=40 cl=0 hosts=1 hdrs=2\nae=[ gzip, br]\nDONE body=\n");
    CASE("accept-encoding any case, q-values, tab",
         "GET / HTTP/1.1\r\naCCEPT-eNCODING:\tbr;q=0.8 ,gzip;q=1\t\r\nhost: a\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=2\nae=[\tbr;q=0.8 ,gzip;q=1\t]\nDONE body=\n");
    CASE("accept-encoding empty", "GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding:\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=2\nae=[]\nDONE body=\n");
    CASE("accept-encoding repeated: dropped",
         "GET / HTTP/1.1\r\nAccept-Encoding: gzip\r\nHost: a\r\nAccept-Encoding: br\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=3\nDONE body=\n");
    CASE("accept-encodings is another field", "GET / HTTP/1.1\r\nHost: a\r\nAccept-Encodings: br\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    CASE("accept-encoding then pipelined request without it",
         "GET /1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /1 - v1.1 f=40 cl=0 hosts=1 hdrs=2\nae=[ br]\nDONE body=\n"
         "HEAD GET /2 - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("accept-encoding with a control byte",
         "GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br\x01\r\n\r\n", "ERR 400\n");
}

static void test_target_at_limit(void)
{
    size_t n;
    char *s = build("GET /", 'a', 8191, " HTTP/1.1\r\nHost: a\r\n\r\n", &n);
    sbuf want = {0};
    sb_printf(&want, "HEAD GET /");
    for (int i = 0; i < 8191; i++)
        sb_put(&want, "a", 1);
    sb_printf(&want, " - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    run_case("target at max_target", s, n, want.s);
    free(want.s);
    free(s);
}

/* ---- 2. rejections ------------------------------------------------------ */

#define H "Host: a\r\n"
#define REJECT(name, literal, status) CASE((name), (literal), "ERR " #status "\n")

static void test_reject(void)
{
    /* Line endings and control bytes. */
    REJECT("bare CR after request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
    REJECT("bare CR in a value", "GET / HTTP/1.1\r\n" H "X: a\rb\r\n\r\n", 400);
    REJECT("bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", 400);
    REJECT("bare LF after a field", "GET / HTTP/1.1\r\n" H "X: a\n\r\n", 400);
    REJECT("bare LF ending the head", "GET / HTTP/1.1\r\n" H "\n", 400);
    REJECT("NUL in target", "GET /base\0line HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("byte >= 0x80 in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("NUL in a value", "GET / HTTP/1.1\r\n" H "Content-Type: text/\0plain\r\n\r\n", 400);
    REJECT("DEL in a value", "GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 400);
    REJECT("control byte in a value", "GET / HTTP/1.1\r\n" H "X: a\x01\r\n\r\n", 400);

    /* Field syntax. */
    REJECT("obs-fold", "GET / HTTP/1.1\r\n" H "X-Split: start\r\n \tcontinued\r\n\r\n", 400);
    REJECT("obs-fold right after request line", "GET / HTTP/1.1\r\n " H "\r\n", 400);
    REJECT("empty field name", "GET / HTTP/1.1\r\n" H ": value\r\n\r\n", 400);
    REJECT("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    REJECT("tab before colon", "GET / HTTP/1.1\r\n" H "X-A\t: a\r\n\r\n", 400);
    REJECT("missing colon", "GET / HTTP/1.1\r\n" H "X-Bad\r\n\r\n", 400);
    REJECT("non-token byte in a name", "GET / HTTP/1.1\r\n" H "X(a): b\r\n\r\n", 400);

    /* Content-Length. */
    REJECT("duplicate CL, same value",
           "POST / HTTP/1.1\r\n" H "Content-Length: 1\r\nContent-Length: 1\r\n\r\na", 400);
    REJECT("duplicate CL, different values",
           "POST / HTTP/1.1\r\n" H "Content-Length: 1\r\ncontent-length: 2\r\n\r\nab", 400);
    REJECT("CL with plus sign", "POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\na", 400);
    REJECT("CL with minus sign", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\na", 400);
    REJECT("CL list", "POST / HTTP/1.1\r\n" H "Content-Length: 1, 1\r\n\r\na", 400);
    REJECT("CL with inner space", "POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\na", 400);
    REJECT("CL empty", "POST / HTTP/1.1\r\n" H "Content-Length: \r\n\r\n", 400);
    REJECT("CL hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400);
    /* Larger but well-formed lengths saturate to 2^62 + 1 so the caller
     * can answer 413 rather than 400. */
    CASE("CL above 2^62 saturates", "POST / HTTP/1.1\r\n" H "Content-Length: 4611686018427387905\r\n\r\n",
         "HEAD POST / - v1.1 f=42 cl=4611686018427387905 hosts=1 hdrs=2\nINCOMPLETE\n");
    CASE("CL overflowing 64 bits saturates",
         "POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999999\r\n\r\n",
         "HEAD POST / - v1.1 f=42 cl=4611686018427387905 hosts=1 hdrs=2\nINCOMPLETE\n");

    /* Transfer-Encoding. */
    REJECT("CL then TE", "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
           400);
    REJECT("TE then CL", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
           400);
    REJECT("TE gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 501);
    REJECT("TE identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 501);
    REJECT("TE chunked, identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, identity\r\n\r\n",
           501);
    REJECT("TE gzip, chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501);
    REJECT("TE chunked, chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n", 501);
    REJECT("TE xchunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n", 501);
    REJECT("TE chunked with a spaced parameter",
           "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked ; a=b\r\n\r\n", 501);
    REJECT("TE chunked with a parameter",
           "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;a=\"b\"\r\n\r\n", 501);
    REJECT("TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    REJECT("two TE lines",
           "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    REJECT("TE empty", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \r\n\r\n", 400);
    REJECT("TE only commas", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: , ,\r\n\r\n", 400);
    REJECT("TE codings without comma", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip chunked\r\n\r\n",
           400);

    /* Connection, Expect, Host. */
    REJECT("connection with a non-token", "GET / HTTP/1.1\r\n" H "Connection: close; x\r\n\r\n", 400);
    REJECT("unknown expectation",
           "PUT / HTTP/1.1\r\n" H "Expect: 100-continue-please\r\nContent-Length: 1\r\n\r\nx", 417);
    REJECT("empty expectation", "PUT / HTTP/1.1\r\n" H "Expect:\r\n\r\n", 417);
    REJECT("missing Host on 1.1", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400);
    REJECT("two Host on 1.1", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400);
    REJECT("two Host on 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);

    /* Request line. */
    REJECT("HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 505);
    REJECT("HTTP/0.9", "GET / HTTP/0.9\r\n" H "\r\n", 505);
    REJECT("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
    REJECT("lowercase http", "GET / http/1.1\r\n" H "\r\n", 400);
    REJECT("HTTP/1.10", "GET / HTTP/1.10\r\n" H "\r\n", 400);
    REJECT("HTTP/1", "GET / HTTP/1\r\n" H "\r\n", 400);
    REJECT("HTTP/11", "GET / HTTP/11\r\n" H "\r\n", 400);
    REJECT("no version", "GET /\r\n" H "\r\n", 400);
    REJECT("space after version", "GET / HTTP/1.1 \r\n" H "\r\n", 400);
    REJECT("absolute-form", "GET http://a/ HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("authority-form", "CONNECT a:443 HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("asterisk with more", "OPTIONS *x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("double space after method", "GET  / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("double space after target", "GET /  HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("leading space", " GET / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("tab as separator", "GET\t/ HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("empty method", " / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("too many leading empty lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("bare LF as a leading empty line", "\nGET / HTTP/1.1\r\n" H "\r\n", 400);

    /* Chunked framing. */
#define CHUNKED "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
#define CHUNKED_HEAD "HEAD POST / - v1.1 f=41 cl=0 hosts=1 hdrs=2\n"
    CASE("chunk size overflow (17 digits)", CHUNKED "10000000000000000\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk size 2^60 (16 digits)", CHUNKED "1000000000000000\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk size not hex", CHUNKED "g\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk size empty", CHUNKED "\r\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk size with sign", CHUNKED "+3\r\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("space after chunk size", CHUNKED "3 \r\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk data not followed by CRLF", CHUNKED "3\r\nabcX\r\n0\r\n\r\n",
         CHUNKED_HEAD "ERR 400 body=abc\n");
    CASE("chunk data followed by bare LF", CHUNKED "3\r\nabc\n0\r\n\r\n", CHUNKED_HEAD "ERR 400 body=abc\n");
    CASE("bare LF in a chunk extension", CHUNKED "3;ext\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("bare LF after chunk size", CHUNKED "3\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("chunk extension without name", CHUNKED "3;=x\r\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("unterminated quoted extension", CHUNKED "3;a=\"x\r\nabc\r\n0\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("obs-fold in trailers", CHUNKED "0\r\nX: a\r\n b\r\n\r\n", CHUNKED_HEAD "ERR 400\n");
    CASE("NUL in a trailer", CHUNKED "1\r\nz\r\n0\r\nX: a\0\r\n\r\n", CHUNKED_HEAD "ERR 400 body=z\n");
    CASE("missing final CRLF, then a request", CHUNKED "0\r\nGET / HTTP/1.1\r\n\r\n",
         CHUNKED_HEAD "ERR 400\n");

    /* A 256-byte random binary blob. */
    char blob[256];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (char)(rng() >> 24);
    run_case("random binary blob", blob, sizeof blob, "ERR 400\n");
}

/* ---- 2b. limits ---------------------------------------------------------- */

static void test_limits(void)
{
    size_t n;
    char *s;

    s = build("GET /", 'a', 8192, " HTTP/1.1\r\nHost: a\r\n\r\n", &n); /* target of 8193 */
    run_case("target above max_target", s, n, "ERR 414\n");
    free(s);
    s = build("GET /", 'a', 9000, "", &n); /* no end in sight */
    run_case("unfinished target above max_target", s, n, "ERR 414\n");
    free(s);
    s = build("GET /", 'a', 9000, "\x01", &n); /* the bad byte comes too late */
    run_case("overlong target then a bad byte", s, n, "ERR 414\n");
    free(s);
    s = build("GET /", 'a', 100, "\x01", &n);
    run_case("short target then a bad byte", s, n, "ERR 400\n");
    free(s);

    /* max_target beyond max_head: still 414 while inside the target. */
    static const rs_http1_limits wide = {.max_target = 65535, .max_head = 1000, .max_headers = 64};
    s = build("GET /", 'a', 2000, " HTTP/1.1\r\n\r\n", &n);
    run_case_lim("target reaching max_head", s, n, &wide, "ERR 414\n");
    free(s);

    const char *pre = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ";
    s = build(pre, 'b', 16384 - strlen(pre) - 3, "\r\n\r\n", &n);
    run_case("head one byte above max_head", s, n, "ERR 431\n");
    free(s);
    s = build(pre, 'b', 20000, "", &n); /* 431 without waiting for the end */
    run_case("unfinished head above max_head", s, n, "ERR 431\n");
    free(s);
    s = build("GET / HTTP/1.1\r\nHost: a\r\nX-Bad\x01", 'b', 20000, "", &n); /* 400 comes first */
    run_case("bad byte before max_head", s, n, "ERR 400\n");
    free(s);

    sbuf b = {0};
    sb_printf(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < 65; i++)
        sb_printf(&b, "X-H%d: %d\r\n", i, i);
    sb_printf(&b, "\r\n");
    run_case("too many header fields", b.s, b.len, "ERR 431\n");
    free(b.s);

    /* Trailers count toward max_headers and have their own byte budget. */
    b = (sbuf){0};
    sb_printf(&b, CHUNKED "0\r\n");
    for (int i = 0; i < 63; i++)
        sb_printf(&b, "T%d: x\r\n", i);
    sb_printf(&b, "\r\n");
    run_case("too many trailer fields", b.s, b.len, CHUNKED_HEAD "ERR 431\n");
    free(b.s);
    s = build(CHUNKED "0\r\nX-T: ", 't', 17000, "\r\n\r\n", &n);
    run_case("trailer section above max_head", s, n, CHUNKED_HEAD "ERR 431\n");
    free(s);
    s = build(CHUNKED "1;e=", 'e', 17000, "\r\nx\r\n0\r\n\r\n", &n);
    run_case("chunk extension above max_head", s, n, CHUNKED_HEAD "ERR 400\n");
    free(s);
    s = build(CHUNKED "1;e=", 'e', 16000, "\r\nx\r\n0\r\n\r\n", &n);
    run_case("long chunk extension under max_head", s, n, CHUNKED_HEAD "DONE body=x\n");
    free(s);
}

/* ---- 3. arena fixtures --------------------------------------------------- */

static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sb_put(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return b.s;
}

static void fixture(const char *dir, const char *name, const char *want)
{
    size_t n = 0;
    char *s = read_file(dir, name, &n);
    if (!tu_check(s != NULL, __FILE__, __LINE__, name)) {
        fprintf(stderr, "cannot read %s/%s\n", dir, name);
        return;
    }
    run_case(name, s, n, want);
    free(s);
}

#define GET_BASELINE(q) "HEAD GET /baseline11 ?" q " v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
#define POST_BASELINE(q, cl, body)                                                                           \
    "HEAD POST /baseline11 ?" q " v1.1 f=42 cl=" cl " hosts=1 hdrs=2\nDONE body=" body "\n"

static void test_fixtures(const char *dir)
{
    fixture(dir, "get.raw", GET_BASELINE("a=13&b=42"));
    fixture(dir, "post_cl.raw", POST_BASELINE("a=13&b=42", "2", "20"));
    fixture(dir, "post_chunked.raw",
            "HEAD POST /baseline11 ?a=13&b=42 v1.1 f=41 cl=0 hosts=1 hdrs=2\nDONE body=20\n");
    fixture(dir, "pipeline.raw", "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    fixture(dir, "valid-get1.raw", GET_BASELINE("a=13&b=42"));
    fixture(dir, "valid-get2.raw", GET_BASELINE("a=99&b=1"));
    fixture(dir, "valid-get3.raw", GET_BASELINE("a=7&b=88"));
    fixture(dir, "valid-get4.raw", GET_BASELINE("a=55&b=45"));
    fixture(dir, "valid-get5.raw", GET_BASELINE("a=200&b=300"));
    fixture(dir, "valid-post1.raw", POST_BASELINE("a=7&b=19", "1", "5"));
    fixture(dir, "valid-post2.raw", POST_BASELINE("a=33&b=22", "2", "11"));
    fixture(dir, "valid-post3.raw", POST_BASELINE("a=50&b=50", "2", "25"));
    fixture(dir, "valid-post4.raw", POST_BASELINE("a=1&b=2", "3", "100"));
    fixture(dir, "valid-post5.raw", POST_BASELINE("a=10&b=20", "1", "3"));
    fixture(dir, "noise-bare-cr.raw", "ERR 400\n");
    fixture(dir, "noise-binary.raw", "ERR 400\n");
    fixture(dir, "noise-null-byte.raw", "ERR 400\n");
    fixture(dir, "noise-obs-fold.raw", "ERR 400\n");
    fixture(dir, "noise-badheader.raw", "ERR 400\n");
    fixture(dir, "noise-empty-header.raw", "ERR 400\n");
    fixture(dir, "noise-double-crlf.raw", GET_BASELINE("a=1&b=1") "ERR 400\n");
    fixture(dir, "noise-huge-header.raw",
            "HEAD GET /baseline11 ?a=1&b=1 v1.1 f=40 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    fixture(dir, "noise-badpath.raw",
            "HEAD GET /this/path/does/not/exist - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    fixture(dir, "noise-badcl.raw", "HEAD POST /baseline11 - v1.1 f=42 cl=999 hosts=1 hdrs=2\nINCOMPLETE\n");
}

/* ---- 4. resumability of arbitrary input -------------------------------- */

/* Random byte edits of valid requests: whatever the transcript of the
 * unsplit input is, byte-by-byte and random splits must reproduce it. */
static void test_mutants(void)
{
    static const char *const seeds[] = {
        "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\nExpect: 100-continue\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n",
        "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;a=\"q\"\r\nhello\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\nHost: y\r\n\r\n",
    };
    static const char edits[] = "\r\n \t:;,=\"\\/?*0129aAfFzZ\x00\x7f\x80\xff";
    int bad = 0, runs = 0;

    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        size_t n = strlen(seeds[si]);
        char *m = malloc(n);
        size_t *cuts = malloc(n * sizeof *cuts);
        for (int r = 0; r < 300 && !bad; r++, runs++) {
            memcpy(m, seeds[si], n);
            for (int e = 1 + (int)(rng() % 3); e > 0; e--)
                m[rng() % n] = edits[rng() % (sizeof edits - 1)];
            sbuf want = {0};
            cuts[0] = n;
            drive(m, n, cuts, 1, &default_limits, &want);
            for (size_t k = 0; k < n; k++)
                cuts[k] = k + 1;
            bad |= !run_cuts(m, n, cuts, n, &default_limits, sb_str(&want), "mutant", "byte by byte");
            for (int t = 0; t < 4 && !bad; t++) {
                size_t nc = 0, at = 0;
                while (at < n) {
                    at += 1 + rng() % (n / 3 + 1);
                    cuts[nc++] = at < n ? at : n;
                }
                bad |= !run_cuts(m, n, cuts, nc, &default_limits, sb_str(&want), "mutant", "random split");
            }
            free(want.s);
        }
        free(cuts);
        free(m);
    }
    CHECK(!bad && runs == 900);
}

/* ---- API details the driver does not show -------------------------------- */

static void test_api(void)
{
    rs_http1_parser hp;
    size_t consumed, blen;
    const char *b;
    static const char req[] = "GET /a?b HTTP/1.1\r\nHost: h\r\n\r\nGET";

    rs_http1_init(&hp, &default_limits);
    CHECK_EQ_INT(rs_http1_execute(&hp, req, 10, &consumed, &b, &blen), RS_HTTP1_NEED_MORE);
    CHECK_EQ_INT(consumed, 0);
    CHECK_EQ_INT(rs_http1_execute(&hp, req, sizeof req - 1, &consumed, &b, &blen), RS_HTTP1_HEAD);
    CHECK_EQ_INT(consumed, sizeof req - 4);
    CHECK_EQ_INT(hp.target.off, 4);
    CHECK_EQ_INT(hp.target.len, 4);
    CHECK_EQ_INT(hp.path.len, 2);
    CHECK_EQ_INT(hp.query.off, 7);
    CHECK_EQ_INT(hp.query.len, 1);
    /* No body: DONE at once, even with no bytes, and nothing consumed. */
    CHECK_EQ_INT(rs_http1_execute(&hp, req + consumed, 0, &consumed, &b, &blen), RS_HTTP1_DONE);
    CHECK_EQ_INT(consumed, 0);
    CHECK_EQ_INT(hp.method, RS_METHOD_GET);
    CHECK(hp.flags & RS_HTTP1_KEEP_ALIVE);
    /* The next call starts the next request (and keeps the limits). */
    CHECK_EQ_INT(rs_http1_execute(&hp, "GET", 3, &consumed, &b, &blen), RS_HTTP1_NEED_MORE);
    CHECK(hp.limits == &default_limits);
    CHECK_EQ_INT(hp.flags, 0);
    /* Errors are final. */
    CHECK_EQ_INT(rs_http1_execute(&hp, "GET\x01", 4, &consumed, &b, &blen), RS_HTTP1_ERROR);
    CHECK_EQ_INT(hp.error_status, 400);
    CHECK_EQ_INT(rs_http1_execute(&hp, req, sizeof req - 1, &consumed, &b, &blen), RS_HTTP1_ERROR);
    CHECK_EQ_INT(consumed, 0);

    CHECK(sizeof(rs_http1_parser) <= 80);
    printf("sizeof(rs_http1_parser) = %zu\n", sizeof(rs_http1_parser));
}

/* ---- optional speed check ------------------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(const char *req, size_t n, long iters)
{
    rs_http1_parser hp;
    size_t consumed, blen, total = 0;
    const char *b;

    rs_http1_init(&hp, &default_limits);
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        size_t at = 0;
        while (at < n) { /* one buffer may hold several pipelined requests */
            rs_http1_event ev = rs_http1_execute(&hp, req + at, n - at, &consumed, &b, &blen);
            at += consumed;
            if (ev == RS_HTTP1_ERROR || ev == RS_HTTP1_NEED_MORE)
                abort();
            if (ev == RS_HTTP1_HEAD) {
                rs_http1_execute(&hp, req + at, n - at, &consumed, &b, &blen); /* DONE */
                total++;
            }
        }
    }
    double dt = now_ns() - t0;
    printf("bench: %zu requests of %zu bytes/buffer: %.1f ns/request\n", total, n, dt / (double)total);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/arena/requests";

    if (argc > 2 && strcmp(argv[2], "--bench") == 0) {
        static const char one[] = "GET /pipeline HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";
        char sixteen[16 * (sizeof one - 1)];
        for (int i = 0; i < 16; i++)
            memcpy(sixteen + i * (sizeof one - 1), one, sizeof one - 1);
        bench(one, sizeof one - 1, 10000000);
        bench(sixteen, sizeof sixteen, 10000000 / 16);
        return 0;
    }

    test_api();
    test_valid();
    test_accept_encoding();
    test_target_at_limit();
    test_reject();
    test_limits();
    test_fixtures(dir);
    test_mutants();
    return tu_summary("http1_parser");
}
