/* test_http1_headers.c — the HTTP/1.1 parser on header fields: syntax, line
 * endings and control bytes, and the fields it interprets (Connection,
 * Expect, Host, Upgrade, Accept-Encoding).  Case machinery: http1_case.h.
 *
 * Usage: test_http1_headers */
#include "http1_case.h"

static void test_headers_valid(void)
{
    /* Connection and keep-alive. */
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

    /* Expect. */
    CASE("expect 100-continue",
         "PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
         "HEAD PUT /up - v1.1 f=62 cl=3 hosts=1 hdrs=3\nDONE body=abc\n");
    CASE("expect with OWS and case",
         "POST / HTTP/1.1\r\nHost: a\r\nEXPECT: \t100-Continue \r\nContent-Length: 0\r\n\r\n",
         "HEAD POST / - v1.1 f=62 cl=0 hosts=1 hdrs=3\nDONE body=\n");
    CASE("expect ignored on http/1.0",
         "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
         "HEAD POST / - v1.0 f=02 cl=1 hosts=0 hdrs=2\nDONE body=z\n");

    /* Values and names. */
    CASE("obs-text and empty values",
         "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9 \x80\xff\r\nX-Empty:\r\nX-Sp:   \r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=4\nDONE body=\n");
    CASE("names that only start like known ones",
         "GET / HTTP/1.1\r\nHost: a\r\nContent-Lengths: x\r\nHosts: b\r\nTransfer-Encodings: gzip\r\n"
         "Expected: no\r\nConnections: close\r\nX-Host: c\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=7\nDONE body=\n");
}

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

static void test_headers_reject(void)
{
    /* Line endings and control bytes. */
    REJECT("bare CR in a value", "GET / HTTP/1.1\r\n" H "X: a\rb\r\n\r\n", 400);
    REJECT("bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", 400);
    REJECT("bare LF after a field", "GET / HTTP/1.1\r\n" H "X: a\n\r\n", 400);
    REJECT("bare LF ending the head", "GET / HTTP/1.1\r\n" H "\n", 400);
    REJECT("NUL in a value", "GET / HTTP/1.1\r\n" H "Content-Type: text/\0plain\r\n\r\n", 400);
    REJECT("DEL in a value", "GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 400);
    REJECT("control byte in a value", "GET / HTTP/1.1\r\n" H "X: a\x01\r\n\r\n", 400);
    REJECT("DEL in a Host value", "GET / HTTP/1.1\r\nHost: localhost:8080\x7f\r\n\r\n", 400);
    REJECT("bare LF in a Host value", "GET / HTTP/1.1\r\nHost: local\nhost\r\n\r\n", 400);
    REJECT("NUL in an Accept-Encoding value", "GET / HTTP/1.1\r\n" H "Accept-Encoding: br\0, gzip\r\n\r\n",
           400);

    /* Field syntax. */
    REJECT("obs-fold", "GET / HTTP/1.1\r\n" H "X-Split: start\r\n \tcontinued\r\n\r\n", 400);
    REJECT("obs-fold right after request line", "GET / HTTP/1.1\r\n " H "\r\n", 400);
    REJECT("empty field name", "GET / HTTP/1.1\r\n" H ": value\r\n\r\n", 400);
    REJECT("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    REJECT("tab before colon", "GET / HTTP/1.1\r\n" H "X-A\t: a\r\n\r\n", 400);
    REJECT("missing colon", "GET / HTTP/1.1\r\n" H "X-Bad\r\n\r\n", 400);
    REJECT("non-token byte in a name", "GET / HTTP/1.1\r\n" H "X(a): b\r\n\r\n", 400);

    /* Connection, Expect, Host. */
    REJECT("connection with a non-token", "GET / HTTP/1.1\r\n" H "Connection: close; x\r\n\r\n", 400);
    REJECT("unknown expectation",
           "PUT / HTTP/1.1\r\n" H "Expect: 100-continue-please\r\nContent-Length: 1\r\n\r\nx", 417);
    REJECT("empty expectation", "PUT / HTTP/1.1\r\n" H "Expect:\r\n\r\n", 417);
    REJECT("missing Host on 1.1", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400);
    REJECT("two Host on 1.1", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400);
    REJECT("two Host on 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

/* Field lines behind a fast-matched request line (GET/HEAD/POST, origin-form,
 * HTTP/1.1) are checked in C a line at a time when their name cannot be one
 * the machine treats apart (fast_field_lines); run_case compares unsplit
 * input (that path) with byte-by-byte input (the machine) for each. */
static void test_fast_field_lines(void)
{
    CASE("fast fields: Host in any case, generic fields, empty value",
         "GET / HTTP/1.1\r\nhOsT: a\r\nX-Empty:\r\nUser-Agent: x y\t z\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
         "HEAD GET / - v1.1 f=40 cl=0 hosts=1 hdrs=4\nDONE body=\n");
    CASE("fast fields, then a known field for the machine",
         "POST /p HTTP/1.1\r\nHost: a\r\nX-Long-Name: 1\r\nContent-Length: 1\r\nX-After: 2\r\n\r\nz",
         "HEAD POST /p - v1.1 f=42 cl=1 hosts=1 hdrs=4\nDONE body=z\n");
    REJECT("fast fields: two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", 400);
    REJECT("fast fields: space before the colon", "GET / HTTP/1.1\r\nHost: a\r\nX-Name : b\r\n\r\n", 400);
    REJECT("fast fields: bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: b\rc\r\n\r\n", 400);
    REJECT("fast fields: bare LF ending a line", "GET / HTTP/1.1\r\nHost: a\nX-Name: b\r\n\r\n", 400);
    REJECT("fast fields: NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: b\0c\r\n\r\n", 400);
    REJECT("fast fields: obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: b\r\n c\r\n\r\n", 400);
}

int main(void)
{
    test_fast_field_lines();
    test_headers_valid();
    test_accept_encoding();
    test_headers_reject();
    return tu_summary("http1_headers");
}
