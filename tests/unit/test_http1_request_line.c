/* test_http1_request_line.c — the HTTP/1.1 parser on request lines: methods,
 * request targets (origin, asterisk and absolute form), versions, leading empty lines
 * and pipelining of whole requests.  Case machinery: http1_case.h.
 *
 * Usage: test_http1_request_line */
#include "http1_case.h"

static void test_request_line_valid(void)
{
    CASE("get with query", "GET /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
         "HEAD GET /baseline11 ?a=13&b=42 v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("http/1.0 without keep-alive", "GET /old HTTP/1.0\r\n\r\n",
         "HEAD GET /old - v1.0 f=00 cl=0 hosts=0 hdrs=0\nDONE body=\n");
    CASE("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD OPTIONS * - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    /* absolute-form (RFC 9112 §3.2.2): the path and query are those of the URI;
     * the authority is not checked against Host (§3.2.3). */
    CASE("absolute-form", "GET http://a/x/y?q=1 HTTP/1.1\r\nHost: b\r\n\r\n",
         "HEAD GET /x/y ?q=1 v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("absolute-form https, port, case-insensitive scheme",
         "GET HTTPS://Example.com:8080/pipeline HTTP/1.1\r\nHost: other\r\n\r\n",
         "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("absolute-form without a path", "GET http://a HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET  - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("absolute-form without a path, with a query", "GET http://a?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET  ?x=1 v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("absolute-form IPv6 literal", "GET http://[::1]:80/ HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("absolute-form then origin-form, pipelined",
         "GET http://a/one HTTP/1.1\r\nHost: a\r\n\r\nGET /two?z HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /one - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD GET /two ?z v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
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
    CASE("leading empty lines",
         "\r\n\r\n\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /x - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD GET /y - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("pipelined two",
         "GET /pipeline HTTP/1.1\r\nHost: localhost:8080\r\n\r\nGET /pipeline HTTP/1.1\r\nHost: "
         "localhost:8080\r\n\r\n",
         "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
}

static void test_request_line_reject(void)
{
    REJECT("HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 505);
    REJECT("HTTP/0.9", "GET / HTTP/0.9\r\n" H "\r\n", 505);
    REJECT("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
    REJECT("lowercase http", "GET / http/1.1\r\n" H "\r\n", 400);
    REJECT("HTTP/1.10", "GET / HTTP/1.10\r\n" H "\r\n", 400);
    REJECT("HTTP/1", "GET / HTTP/1\r\n" H "\r\n", 400);
    REJECT("HTTP/11", "GET / HTTP/11\r\n" H "\r\n", 400);
    REJECT("no version", "GET /\r\n" H "\r\n", 400);
    REJECT("space after version", "GET / HTTP/1.1 \r\n" H "\r\n", 400);
    REJECT("absolute-form, other scheme", "GET ftp://a/ HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form, empty host", "GET http:///x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form, port only", "GET http://:80/x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form, userinfo", "GET http://u@a/x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form, one slash", "GET http:/a/x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form, fragment", "GET http://a#f HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("absolute-form still needs Host", "GET http://a/x HTTP/1.1\r\n\r\n", 400);
    REJECT("authority-form", "CONNECT a:443 HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("asterisk with more", "OPTIONS *x HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("double space after method", "GET  / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("double space after target", "GET /  HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("leading space", " GET / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("tab as separator", "GET\t/ HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("empty method", " / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("too many leading empty lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("bare LF as a leading empty line", "\nGET / HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("bare CR after request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400);

    /* Bytes a target may not hold. */
    REJECT("NUL in target", "GET /base\0line HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("byte >= 0x80 in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400);
    /* Where the parser skips a run of path or query bytes in C, a byte of
     * another class ends the run, wherever the input is split. */
    REJECT("DEL in a path run", "GET /pipeline\x7fx HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("control byte in a query run", "GET /b?a=13&b\x01=42 HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("byte >= 0x80 in a query run", "GET /b?a=1\x80 HTTP/1.1\r\n" H "\r\n", 400);
    REJECT("bare CR ending a query run", "GET /b?a=1\r HTTP/1.1\r\n" H "\r\n", 400);
}

/* Every byte value in the middle of a 40-byte run of a path, a query and a
 * field value (the parser skips such runs 16 bytes at a time where it can,
 * one at a time near the end of the input).  A byte the RFC grammar does
 * not allow there is a 400 at every split; an allowed one must give the same
 * transcript unsplit (wide skips) as byte by byte (no skip wider than 1). */
static void test_byte_in_runs(void)
{
    static const char *const where[] = {"path", "query", "field value"};
    for (int w = 0; w < 3; w++) {
        for (int b = 0; b < 256; b++) {
            char run[41];
            memset(run, 'a', 40);
            run[20] = (char)b;
            run[40] = 0;
            static const char *const before[] = {"GET /", "GET /q?", "GET / HTTP/1.1\r\n" H "X: "};
            static const char *const after[] = {" HTTP/1.1\r\n" H "\r\n", " HTTP/1.1\r\n" H "\r\n",
                                                "\r\n\r\n"};
            sbuf req = {0};
            sb_put(&req, before[w], strlen(before[w]));
            sb_put(&req, run, 40);
            sb_put(&req, after[w], strlen(after[w]));
            /* RFC 9112 §3.2 (VCHAR in a target), RFC 9110 §5.5 (field-vchar / obs-text, SP, HTAB) */
            int allowed = w < 2 ? b > 0x20 && b < 0x7f : b == '\t' || (b >= 0x20 && b != 0x7f);
            char name[64];
            snprintf(name, sizeof name, "byte 0x%02x in a %s run", b, where[w]);
            if (!allowed) {
                run_case(name, req.s, req.len, "ERR 400\n");
            } else {
                size_t whole = req.len, *one = malloc(req.len * sizeof *one);
                for (size_t k = 0; k < req.len; k++)
                    one[k] = k + 1;
                sbuf a = {0}, c = {0};
                drive(req.s, req.len, &whole, 1, &default_limits, &a);
                drive(req.s, req.len, one, req.len, &default_limits, &c);
                int ok = strncmp(sb_str(&a), "HEAD ", 5) == 0 && strcmp(sb_str(&a), sb_str(&c)) == 0;
                if (!tu_check(ok, __FILE__, __LINE__, name))
                    fprintf(stderr, "[%s] unsplit:\n%sbyte by byte:\n%s", name, sb_str(&a), sb_str(&c));
                free(a.s);
                free(c.s);
                free(one);
            }
            free(req.s);
        }
    }
}

/* GET, HEAD and POST lines in origin-form with HTTP/1.1 are matched in C
 * before the machine takes over at the field lines (fast_request_line);
 * unsplit input goes that way, byte by byte the machine parses the line:
 * run_case checks both give these transcripts. */
static void test_fast_request_line(void)
{
    CASE("fast: empty query", "GET /a? HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /a ? v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("fast: a query holding '?' and '/'", "GET /a?b?c/d HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET /a ?b?c/d v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("fast: root path", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("fast: HEAD", "HEAD /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD HEAD /x ?y=1 v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("fast: POST with a body, then a GET",
         "POST /p?a=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n20GET /g HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD POST /p ?a=1 v1.1 f=42 cl=2 hosts=1 hdrs=2\nDONE body=20\n"
         "HEAD GET /g - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    CASE("fast: no fields is still HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", "ERR 400\n");
    CASE("not fast: HTTP/1.0 is parsed by the machine", "POST /p HTTP/1.0\r\n\r\n",
         "HEAD POST /p - v1.0 f=00 cl=0 hosts=0 hdrs=0\nDONE body=\n");
    REJECT("fast: a bad field line after the line", "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400);
    REJECT("fast: HTTP/1.1x", "GET / HTTP/1.1x\r\n" H "\r\n", 400);
    CASE("not fast: a lowercase method is not GET", "gET / HTTP/1.1\r\nHost: a\r\n\r\n",
         "HEAD OTHER / - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
}

int main(void)
{
    test_fast_request_line();
    test_request_line_valid();
    test_request_line_reject();
    test_byte_in_runs();
    return tu_summary("http1_request_line");
}
