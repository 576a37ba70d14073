/* test_http1_limits.c — the HTTP/1.1 parser at and above its limits:
 * max_target (414), max_head (431, trailers and chunk extensions
 * included) and max_headers (431).  Case machinery: http1_case.h.
 *
 * Usage: test_http1_limits */
#include "http1_case.h"

/* ---- limits reached exactly are fine ----------------------------------- */

static void test_at_limits(void)
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

    const char *pre = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ";
    s = build(pre, 'b', 16384 - strlen(pre) - 4, "\r\n\r\n", &n);
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

/* ---- one above ------------------------------------------------------------ */

static void test_above_limits(void)
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
    /* The same with names of one length none of the machine's known names has,
     * so that unsplit input counts them in C (fast_field_lines). */
    for (int lines = 64; lines <= 65; lines++) {
        b = (sbuf){0};
        sb_printf(&b, "GET / HTTP/1.1\r\n");
        for (int i = 1; i < lines; i++)
            sb_printf(&b, "X-Fld-%03d: %d\r\n", i, i);
        sb_printf(&b, "Host: a\r\n\r\n");
        run_case(lines == 64 ? "max_headers fast field lines" : "too many fast field lines", b.s, b.len,
                 lines == 64 ? "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=64\nDONE body=\n" : "ERR 431\n");
        free(b.s);
    }

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

int main(void)
{
    test_at_limits();
    test_above_limits();
    return tu_summary("http1_limits");
}
