/* fuzz_ws_split.c — libFuzzer harness for the WebSocket frame parser: one
 * input fed in random splits (and, when short, one byte per call) must give
 * exactly the transcript of the unsplit parse: every header's FIN, opcode
 * and length, the unmasked payload bytes, frame ends, and where an error
 * stops it.  Also checks the parser's own invariants: consumed never
 * exceeds the input, payload lies inside it, lengths add up per frame.
 *
 * Split points come from a hash of the input, so every input reproduces. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "split_cuts.h"
#include "ws/ws_parser.h"

#define REQUIRE(cond)                                                                                        \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                    \
            __builtin_trap();                                                                                \
        }                                                                                                    \
    } while (0)

typedef struct {
    char *s;
    size_t len, cap;
} transcript;

static void put(transcript *t, const void *p, size_t n)
{
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 64;
        t->s = realloc(t->s, t->cap);
        REQUIRE(t->s != NULL);
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
}

/* Parses data[0..size) in pieces ending at cuts[0..nc) (the last is size). */
static void drive(const uint8_t *data, size_t size, const size_t *cuts, size_t nc, transcript *t)
{
    char *copy = malloc(size ? size : 1); /* payloads are unmasked in place */
    REQUIRE(copy != NULL);
    memcpy(copy, data, size);
    rs_ws_parser p;
    rs_ws_parser_init(&p);
    size_t start = 0;
    uint64_t seen = 0; /* payload bytes of the current frame */
    for (size_t k = 0; k < nc; k++) {
        size_t end = cuts[k], pos = start;
        for (size_t guard = 0; guard <= 3 * size + 8; guard++) {
            size_t used = 0, plen = 0;
            char *payload = NULL;
            rs_ws_event ev = rs_ws_execute(&p, copy + pos, end - pos, &used, &payload, &plen);
            REQUIRE(used <= end - pos);
            pos += used;
            if (ev == RS_WS_NEED_MORE) {
                REQUIRE(pos == end); /* the parser consumes everything it scans */
                break;
            }
            if (ev == RS_WS_HEADER) {
                char h[40];
                int n = snprintf(h, sizeof h, "H%u%X:%llu[", p.fin, p.opcode, (unsigned long long)p.length);
                put(t, h, (size_t)n);
                REQUIRE(p.opcode < 8 || (p.fin && p.length <= 125));
                seen = 0;
            } else if (ev == RS_WS_PAYLOAD) {
                REQUIRE(payload == copy + pos - used && plen == used && plen > 0);
                seen += plen;
                REQUIRE(seen <= p.length);
                put(t, payload, plen);
            } else if (ev == RS_WS_END) {
                REQUIRE(seen == p.length);
                put(t, "]E", 2);
            } else {
                put(t, "!", 1);
                free(copy);
                return;
            }
        }
        start = end;
    }
    free(copy);
}

static void compare(const transcript *want, const transcript *got, const char *how)
{
    if (want->len == got->len && (want->len == 0 || memcmp(want->s, got->s, want->len) == 0))
        return;
    fprintf(stderr, "%s split differs: %zu vs %zu transcript bytes\n", how, want->len, got->len);
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = split_seed(data, size);
    size_t *cuts = malloc((size + 2) * sizeof *cuts);
    REQUIRE(cuts != NULL);
    transcript want = {0};
    cuts[0] = size;
    drive(data, size, cuts, 1, &want);

    for (int run = 0; run < 3; run++) {
        size_t nc = split_random_cuts(&seed, size, cuts);
        transcript got = {0};
        drive(data, size, cuts, nc, &got);
        compare(&want, &got, "random");
        free(got.s);
    }
    if (size <= 512) {
        for (size_t i = 0; i < size; i++)
            cuts[i] = i + 1;
        transcript got = {0};
        drive(data, size, cuts, size ? size : 1, &got);
        compare(&want, &got, "byte-by-byte");
        free(got.s);
    }
    free(want.s);
    free(cuts);
    return 0;
}
