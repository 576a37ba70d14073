/* test_http1_bodies.c — the HTTP/1.1 parser on message bodies: Content-Length,
 * Transfer-Encoding and chunked framing (sizes, extensions, trailers), and
 * requests with bodies pipelined behind each other.  Case machinery:
 * http1_case.h.
 *
 * Usage: test_http1_bodies */
#include "http1_case.h"

static void test_bodies_valid(void)
{
    /* Content-Length. */
    CASE("post with content-length",
         "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\n"
         "hello world",
         "HEAD POST /upload - v1.1 f=42 cl=11 hosts=1 hdrs=3\nDONE body=hello world\n");
    CASE("empty query, content-length with zeros and OWS",
         "POST /? HTTP/1.1\r\nHost: a\r\ncontent-length: \t007 \r\n\r\n1234567",
         "HEAD POST / ? v1.1 f=42 cl=7 hosts=1 hdrs=2\nDONE body=1234567\n");
    CASE("content-length at 2^62",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4611686018427387904\r\n\r\nab",
         "HEAD POST / - v1.1 f=42 cl=4611686018427387904 hosts=1 hdrs=2\nINCOMPLETE body=ab\n");

    /* Chunked. */
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
    CASE("chunk size 2^60 - 1",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nab",
         "HEAD POST / - v1.1 f=41 cl=0 hosts=1 hdrs=2\nINCOMPLETE body=ab\n");

    /* Pipelined. */
    CASE("pipelined three: get, content-length, chunked",
         "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
         "POST /2?q HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
         "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: "
         "close\r\n\r\n3\r\nxyz\r\n0\r\n\r\n",
         "HEAD GET /1 - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
         "HEAD POST /2 ?q v1.1 f=42 cl=4 hosts=1 hdrs=2\nDONE body=body\n"
         "HEAD POST /3 - v1.1 f=05 cl=0 hosts=1 hdrs=3\nDONE body=xyz\n");
}

static void test_content_length_reject(void)
{
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
}

static void test_transfer_encoding_reject(void)
{
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
}

static void test_chunked_reject(void)
{
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
}

int main(void)
{
    test_bodies_valid();
    test_content_length_reject();
    test_transfer_encoding_reject();
    test_chunked_reject();
    return tu_summary("http1_bodies");
}
