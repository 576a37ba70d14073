/* test_http1_api.c — what the HTTP/1.1 parser's callers rely on that a
 * transcript does not show (consumed counts, spans, reuse after DONE,
 * final errors, the parser's size), and an optional speed check.
 *
 * Usage: test_http1_api [<arena requests dir> --bench] */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http1_case.h"

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
    /* A POST with a body is not complete with its head. */
    {
        static const char post[] = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n55";
        rs_http1_parser pp;
        rs_http1_init(&pp, &default_limits);
        CHECK_EQ_INT(rs_http1_execute(&pp, post, sizeof post - 1, &consumed, &b, &blen), RS_HTTP1_HEAD);
        CHECK(!rs_http1_done_without_body(&pp));
        CHECK_EQ_INT(rs_http1_execute(&pp, post + consumed, 2, &consumed, &b, &blen), RS_HTTP1_BODY);
    }
    /* No body: DONE at once, even with no bytes, and nothing consumed. */
    CHECK_EQ_INT(rs_http1_execute(&hp, req + consumed, 0, &consumed, &b, &blen), RS_HTTP1_DONE);
    CHECK_EQ_INT(consumed, 0);
    CHECK_EQ_INT(hp.method, RS_METHOD_GET);
    CHECK(hp.flags & RS_HTTP1_KEEP_ALIVE);
    /* The next call starts the next request (and keeps the limits). */
    CHECK_EQ_INT(rs_http1_execute(&hp, "GET", 3, &consumed, &b, &blen), RS_HTTP1_NEED_MORE);
    /* done_without_body stands for that DONE: right after a head without a
     * body it completes the message, and the next call starts a new one. */
    {
        rs_http1_parser np;
        rs_http1_init(&np, &default_limits);
        CHECK_EQ_INT(rs_http1_execute(&np, req, sizeof req - 1, &consumed, &b, &blen), RS_HTTP1_HEAD);
        CHECK(rs_http1_done_without_body(&np));
        CHECK(!rs_http1_done_without_body(&np)); /* once */
        CHECK_EQ_INT(rs_http1_execute(&np, req + consumed, 3, &consumed, &b, &blen), RS_HTTP1_NEED_MORE);
        CHECK_EQ_INT(np.flags, 0); /* a new message */
    }
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
    return tu_summary("http1_api");
}
