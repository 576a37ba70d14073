/* Unit checks for the pieces with arithmetic or state in them: the HTTP
 * response parser and the WebSocket frame parser, fed every possible split
 * of a stream the way the engine feeds them (unconsumed tail kept, more
 * bytes appended), plus the accept key and the histogram. */
#include "hist.h"
#include "resp.h"
#include "ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                             \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
        }                                                                                                    \
    } while (0)

struct outcome {
    int finals, interims, errors;
    unsigned status[16];
    int mismatch[16], close[16];
};

/* Feeds stream in pieces: cut points in cuts[] (ascending), like reads. */
static struct outcome feed_http(const char *s, size_t len, const size_t *cuts, int ncuts, const char *expect)
{
    struct outcome o = {0};
    struct resp_parser p;
    resp_reset(&p);
    char buf[4096];
    size_t rlen = 0, pos = 0;
    for (int k = 0; k <= ncuts; k++) {
        size_t to = k < ncuts ? cuts[k] : len;
        memcpy(buf + rlen, s + pos, to - pos);
        rlen += to - pos;
        pos = to;
        size_t off = 0;
        while (off < rlen) {
            size_t used = 0;
            int r = resp_parse(&p, buf + off, rlen - off, &used, expect, expect ? strlen(expect) : 0);
            off += used;
            if (r == RESP_NEED_MORE)
                break;
            if (r == RESP_ERROR) {
                o.errors++;
                return o;
            }
            if (p.status < 200) {
                o.interims++;
            } else if (o.finals < 16) {
                o.status[o.finals] = p.status;
                o.mismatch[o.finals] = p.mismatch;
                o.close[o.finals] = p.conn_close;
                o.finals++;
            }
            resp_reset(&p);
        }
        rlen -= off;
        memmove(buf, buf + off, rlen);
    }
    if (rlen)
        o.errors += 100; /* leftover bytes: a response was not finished */
    return o;
}

static const char http_stream[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=y\r\no\r\n1\r\nk\r\n0\r\nTrailer: v\r\n\r\n"
    "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\nConnection: close\r\n\r\nbad"
    "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"
    "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";

static void check_http_outcome(struct outcome o, const char *how)
{
    static const unsigned status[] = {200, 200, 204, 404, 200, 200};
    static const int mismatch[] = {0, 0, 1, 1, 1, 0};
    CHECK(o.errors == 0, "%s: %d errors", how, o.errors);
    CHECK(o.finals == 6 && o.interims == 1, "%s: finals %d interims %d", how, o.finals, o.interims);
    for (int i = 0; i < 6 && i < o.finals; i++) {
        CHECK(o.status[i] == status[i], "%s: response %d status %u", how, i, o.status[i]);
        CHECK(o.mismatch[i] == mismatch[i], "%s: response %d mismatch %d", how, i, o.mismatch[i]);
        CHECK(o.close[i] == (i == 3), "%s: response %d close %d", how, i, o.close[i]);
    }
}

static void test_http_splits(void)
{
    size_t len = sizeof http_stream - 1;
    check_http_outcome(feed_http(http_stream, len, NULL, 0, "ok"), "whole");
    for (size_t i = 1; i < len; i++) {
        char how[32];
        snprintf(how, sizeof how, "split at %zu", i);
        check_http_outcome(feed_http(http_stream, len, &i, 1, "ok"), how);
    }
    size_t *cuts = malloc(len * sizeof *cuts);
    for (size_t i = 0; i + 1 < len; i++)
        cuts[i] = i + 1;
    check_http_outcome(feed_http(http_stream, len, cuts, (int)len - 1, "ok"), "byte by byte");
    free(cuts);
    /* Without an expected body nothing mismatches. */
    struct outcome o = feed_http(http_stream, len, NULL, 0, NULL);
    for (int i = 0; i < o.finals; i++)
        CHECK(!o.mismatch[i], "no expect: mismatch on %d", i);
}

static void test_http_errors(void)
{
    static const char *bad[] = {
        "HTTP/1.1 20x OK\r\n\r\n",
        "XTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
        "HTTP/1.1 099 Low\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct outcome o = feed_http(bad[i], strlen(bad[i]), NULL, 0, NULL);
        CHECK(o.errors == 1, "bad response %zu not rejected (errors %d finals %d)", i, o.errors, o.finals);
    }
    /* An endless header block is an error, not a stall. */
    struct resp_parser p;
    resp_reset(&p);
    char big[RESP_MAX_HEAD + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    size_t used;
    CHECK(resp_parse(&p, big, sizeof big, &used, NULL, 0) == RESP_ERROR, "oversized head accepted");
}

static int feed_ws(const unsigned char *s, size_t len, size_t cut, int *messages, int *mismatches,
                   int *controls)
{
    struct ws_parser p = {0};
    char buf[1024];
    size_t rlen = 0, pos = 0;
    *messages = *mismatches = *controls = 0;
    for (int k = 0; k < 2; k++) {
        size_t to = k == 0 ? cut : len;
        memcpy(buf + rlen, s + pos, to - pos);
        rlen += to - pos;
        pos = to;
        size_t off = 0;
        while (off < rlen) {
            size_t used = 0;
            int r = ws_parse(&p, buf + off, rlen - off, &used, "hello", 5);
            off += used;
            if (r == WS_NEED_MORE)
                break;
            if (r == WS_ERROR)
                return -1;
            if (p.message_end) {
                (*messages)++;
                *mismatches += p.mismatch;
            } else if (p.opcode >= WS_OP_CLOSE) {
                (*controls)++;
            }
        }
        rlen -= off;
        memmove(buf, buf + off, rlen);
    }
    return rlen ? -2 : 0;
}

static void test_ws(void)
{
    static const unsigned char frames[] = {
        0x81, 5,   'h',  'e',  'l',  'l', 'o',           /* text */
        0x82, 5,   'h',  'e',  'l',  'l', 'o',           /* binary */
        0x89, 0,                                         /* ping */
        0x01, 2,   'h',  'e',  0x80, 3,   'l', 'l', 'o', /* fragmented */
        0x81, 126, 0,    5,    'h',  'e', 'l', 'l', 'o', /* 16-bit length */
        0x81, 5,   'H',  'E',  'L',  'L', 'O',           /* wrong payload */
        0x81, 4,   'h',  'e',  'l',  'l',                /* short payload */
        0x88, 2,   0x03, 0xe8,                           /* close 1000 */
    };
    for (size_t cut = 0; cut <= sizeof frames; cut++) {
        int m, mm, c;
        int rc = feed_ws(frames, sizeof frames, cut, &m, &mm, &c);
        CHECK(rc == 0 && m == 6 && mm == 2 && c == 2,
              "ws split %zu: rc %d messages %d mismatches %d controls %d", cut, rc, m, mm, c);
    }
    static const unsigned char masked[] = {0x81, 0x85, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'};
    static const unsigned char rsv[] = {0xc1, 0};
    int m, mm, c;
    CHECK(feed_ws(masked, sizeof masked, 0, &m, &mm, &c) == -1, "masked server frame accepted");
    CHECK(feed_ws(rsv, sizeof rsv, 0, &m, &mm, &c) == -1, "RSV bits accepted");

    char accept[WS_ACCEPT_LEN + 1];
    ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept);
    CHECK(strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0, "RFC 6455 accept example: %s", accept);
    uint64_t rng = 42;
    char key[WS_KEY_LEN + 1];
    ws_make_key(&rng, key);
    CHECK(strlen(key) == WS_KEY_LEN && key[22] == '=' && key[23] == '=', "key shape: %s", key);

    /* The frame we send for "hello" with gcannon's mask, byte for byte. */
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    static const unsigned char want[] = {0x81,       0x85,       0x12,       0x34,       0x56,      0x78,
                                         'h' ^ 0x12, 'e' ^ 0x34, 'l' ^ 0x56, 'l' ^ 0x78, 'o' ^ 0x12};
    char frame[16];
    size_t flen = ws_build_text_frame(frame, "hello", 5, mask);
    CHECK(flen == sizeof want && memcmp(frame, want, flen) == 0, "hello frame");
}

static void test_hist(void)
{
    static struct hist h;
    for (uint64_t v = 1; v <= 100000; v++)
        hist_record(&h, v);
    double p50 = (double)hist_quantile(&h, 0.5), p99 = (double)hist_quantile(&h, 0.99);
    CHECK(p50 > 50000 * 0.99 && p50 < 50000 * 1.01, "p50 %.0f", p50);
    CHECK(p99 > 99000 * 0.99 && p99 < 99000 * 1.01, "p99 %.0f", p99);
    CHECK(hist_quantile(&h, 1.0) == 100000, "max %llu", (unsigned long long)hist_quantile(&h, 1.0));
    static struct hist small;
    hist_record(&small, 7);
    CHECK(hist_quantile(&small, 0.5) == 7, "small values are exact");
    for (uint64_t v = 1; v < (1ull << 40); v = v * 3 + 1)
        CHECK(hist_index(v) < HIST_BUCKETS, "index in range for %llu", (unsigned long long)v);
    CHECK(hist_index(~0ull) < HIST_BUCKETS, "clamped");
}

int main(void)
{
    test_http_splits();
    test_http_errors();
    test_ws();
    test_hist();
    if (failures) {
        fprintf(stderr, "test_units: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_units: ok\n");
    return 0;
}
