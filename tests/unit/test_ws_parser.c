/* test_ws_parser.c — the WebSocket frame parser (generated/ws_parser.c).
 *
 * Every stream is parsed whole, then split in two at every byte offset, then
 * byte by byte; each way must yield the same trace of frames (FIN, opcode,
 * length, unmasked payload) and the same error.  That is the resumability
 * contract of ws_parser.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "ws/ws_parser.h"

#define MAX_STREAM 80000
#define MAX_TRACE 200000

/* Appends one masked client frame to buf; returns its length. */
static size_t frame(unsigned char *buf, int fin, unsigned opcode, const void *payload, size_t len)
{
    static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    size_t n = 0;
    buf[n++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        buf[n++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xFFFF) {
        buf[n++] = 0x80 | 126;
        buf[n++] = (unsigned char)(len >> 8);
        buf[n++] = (unsigned char)len;
    } else {
        buf[n++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            buf[n++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    memcpy(buf + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < len; i++)
        buf[n + i] = ((const unsigned char *)payload)[i] ^ mask[i & 3];
    return n + len;
}

/* Parses stream in pieces of the given sizes (the last piece takes the
 * rest) and writes a trace: "H<fin><op>:<len>[payload]E" per frame, "!" on error. */
static void run(const unsigned char *stream, size_t len, const size_t *cuts, size_t ncuts, char *trace)
{
    static unsigned char copy[MAX_STREAM]; /* the parser unmasks in place */
    memcpy(copy, stream, len);
    rs_ws_parser p;
    rs_ws_parser_init(&p);
    size_t t = 0, start = 0;
    trace[0] = 0;
    for (size_t piece = 0; piece <= ncuts && start <= len; piece++) {
        size_t end = piece < ncuts ? cuts[piece] : len;
        size_t pos = start;
        for (int guard = 0; guard < 1000000; guard++) {
            size_t used = 0, plen = 0;
            char *payload = NULL;
            rs_ws_event ev = rs_ws_execute(&p, (char *)copy + pos, end - pos, &used, &payload, &plen);
            pos += used;
            if (ev == RS_WS_NEED_MORE)
                break;
            if (t + plen + 40 >= MAX_TRACE)
                return;
            if (ev == RS_WS_HEADER)
                t += (size_t)sprintf(trace + t, "H%u%X:%llu[", p.fin, p.opcode, (unsigned long long)p.length);
            else if (ev == RS_WS_PAYLOAD) {
                memcpy(trace + t, payload, plen);
                t += plen;
            } else if (ev == RS_WS_END)
                t += (size_t)sprintf(trace + t, "]E");
            else {
                t += (size_t)sprintf(trace + t, "!");
                trace[t] = 0;
                return;
            }
        }
        trace[t] = 0;
        start = end;
    }
}

static char want[MAX_TRACE], got[MAX_TRACE];

/* The whole stream, every two-way split and byte by byte agree on `expect`. */
static void check_splits(const char *name, const unsigned char *stream, size_t len, const char *expect)
{
    run(stream, len, NULL, 0, want);
    CHECK_EQ_STR(want, expect, name);
    int split_failures = 0;
    for (size_t k = 0; k <= len; k++) {
        run(stream, len, &k, 1, got);
        if (strcmp(got, want) != 0 && split_failures++ == 0)
            fprintf(stderr, "%s: split at %zu differs: %.200s\n", name, k, got);
    }
    CHECK_EQ_INT(split_failures, 0);
    if (len <= 4096) {
        size_t cuts[4096];
        for (size_t i = 0; i < len; i++)
            cuts[i] = i + 1;
        run(stream, len, cuts, len, got);
        CHECK_EQ_STR(got, want, name);
    }
}

static void test_arena_frame(void)
{
    /* ARENA.md §3.20: 81 85 12 34 56 78 <"hello" ^ mask>, 11 bytes. */
    unsigned char buf[16];
    size_t n = frame(buf, 1, RS_WS_OP_TEXT, "hello", 5);
    CHECK_EQ_INT(n, 11);
    CHECK(buf[0] == 0x81 && buf[1] == 0x85 && buf[2] == 0x12);
    check_splits("arena hello", buf, n, "H11:5[hello]E");
}

static void test_lengths_and_sequences(void)
{
    static unsigned char buf[MAX_STREAM];
    static char expect[MAX_TRACE];
    static char big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);

    size_t n = 0;
    n += frame(buf + n, 1, RS_WS_OP_BINARY, big, 125); /* longest 7-bit length */
    n += frame(buf + n, 1, RS_WS_OP_BINARY, big, 126); /* shortest 16-bit length */
    n += frame(buf + n, 1, RS_WS_OP_TEXT, big, 0);     /* empty */
    n += frame(buf + n, 0, RS_WS_OP_TEXT, "Hel", 3);   /* fragment ... */
    n += frame(buf + n, 1, RS_WS_OP_PING, "p", 1);     /* ... a control frame between ... */
    n += frame(buf + n, 1, RS_WS_OP_CONT, "lo", 2);    /* ... and the last fragment */
    n += frame(buf + n, 1, RS_WS_OP_CLOSE, "\x03\xe8", 2);
    int t = sprintf(expect,
                    "H12:125[%.125s]EH12:126[%.126s]EH11:0[]EH01:3[Hel]EH19:1[p]EH10:2[lo]EH18:2[\x03\xe8]E",
                    big, big);
    CHECK(t > 0);
    check_splits("lengths and fragments", buf, n, expect);

    n = frame(buf, 1, RS_WS_OP_BINARY, big, 70000); /* 64-bit length */
    t = sprintf(expect, "H12:70000[%.70000s]E", big);
    CHECK(t > 0);
    run(buf, n, NULL, 0, got);
    CHECK_EQ_STR(got, expect, "64-bit length");
    /* Splits in and around the 14-byte header and at the far end. */
    static const size_t cuts[] = {1, 2, 3, 9, 10, 13, 14, 15, 40000, 70013};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        run(buf, n, &cuts[i], 1, got);
        CHECK_EQ_STR(got, expect, "64-bit length, split");
    }
}

/* Every header a client must not send: the machine stops with ERROR after
 * the frames before it, at whatever split. */
static void test_header_errors(void)
{
    static const struct {
        const char *name;
        unsigned char bytes[14];
        size_t len;
    } cases[] = {
        {"unmasked", {0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, 7},
        {"RSV1", {0xC1, 0x80, 0, 0, 0, 0}, 6},
        {"RSV2", {0xA1, 0x80, 0, 0, 0, 0}, 6},
        {"RSV3", {0x91, 0x80, 0, 0, 0, 0}, 6},
        {"opcode 3", {0x83, 0x80, 0, 0, 0, 0}, 6},
        {"opcode 7", {0x87, 0x80, 0, 0, 0, 0}, 6},
        {"opcode B", {0x8B, 0x80, 0, 0, 0, 0}, 6},
        {"opcode F", {0x8F, 0x80, 0, 0, 0, 0}, 6},
        {"fragmented ping", {0x09, 0x80, 0, 0, 0, 0}, 6},
        {"fragmented close", {0x08, 0x80, 0, 0, 0, 0}, 6},
        {"ping of 126", {0x89, 0xFE, 0x00, 0x7E}, 4},
        {"ping of 64-bit", {0x89, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1}, 10},
        {"64-bit length top bit", {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1}, 10},
    };
    unsigned char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = frame(buf, 1, RS_WS_OP_TEXT, "ok", 2);
        memcpy(buf + n, cases[i].bytes, cases[i].len);
        check_splits(cases[i].name, buf, n + cases[i].len, "H11:2[ok]E!");
    }
}

int main(void)
{
    test_arena_frame();
    test_lengths_and_sequences();
    test_header_errors();
    return tu_summary("ws_parser");
}
