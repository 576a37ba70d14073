/* test_grpc_wire.c — runtime/grpc/grpc_wire.c: the 5-byte message prefix
 * read from pieces of every size (a message split across DATA frames,
 * several messages in one), grpc-timeout and grpc-message's encoding. */
#include <stdint.h>
#include <string.h>

#include "grpc/grpc_wire.h"
#include "test_util.h"

typedef struct sink {
    uint8_t bytes[256];
    size_t n;
} sink;

static void collect(void *ctx, const uint8_t *p, size_t len)
{
    sink *s = ctx;
    memcpy(s->bytes + s->n, p, len);
    s->n += len;
}

/* Three messages (lengths 3, 0, 2) fed in pieces of `step` bytes. */
static void pieces(size_t step)
{
    static const uint8_t stream[] = {0, 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 'x', 'y'};
    rs_grpc_reader rd = {0};
    sink s = {0};
    unsigned messages = 0, compressed = 0;
    size_t lengths[3] = {0};
    for (size_t off = 0; off < sizeof stream; off += step) {
        size_t n = sizeof stream - off < step ? sizeof stream - off : step;
        const uint8_t *p = stream + off;
        while (n) {
            size_t used = 0;
            rs_grpc_read r = rs_grpc_read_feed(&rd, p, n, 16, &used, collect, &s);
            CHECK(r == RS_GRPC_READ_MESSAGE || r == RS_GRPC_READ_MORE);
            if (r == RS_GRPC_READ_MESSAGE) {
                if (messages < 3)
                    lengths[messages] = rd.length;
                compressed += rd.compressed;
                messages++;
            }
            p += used;
            n -= used;
            if (r == RS_GRPC_READ_MORE)
                CHECK_EQ_INT(n, 0);
        }
    }
    CHECK_EQ_INT(messages, 3);
    CHECK_EQ_INT(compressed, 1);
    CHECK_EQ_INT(lengths[0], 3);
    CHECK_EQ_INT(lengths[1], 0);
    CHECK_EQ_INT(lengths[2], 2);
    CHECK_EQ_INT(s.n, 5);
    CHECK(!memcmp(s.bytes, "abcxy", 5));
}

static void refusals(void)
{
    static const uint8_t too_long[] = {0, 0, 0, 0, 17};
    static const uint8_t bad_flag[] = {2, 0, 0, 0, 1, 'a'};
    rs_grpc_reader rd = {0};
    sink s = {0};
    size_t used;
    CHECK(rs_grpc_read_feed(&rd, too_long, sizeof too_long, 16, &used, collect, &s) == RS_GRPC_READ_TOO_LONG);
    rd = (rs_grpc_reader){0};
    CHECK(rs_grpc_read_feed(&rd, bad_flag, sizeof bad_flag, 16, &used, collect, &s) == RS_GRPC_READ_BAD_FLAG);
    rd = (rs_grpc_reader){0};
    CHECK(rs_grpc_read_feed(&rd, too_long, 4, 16, &used, collect, &s) == RS_GRPC_READ_MORE);
    CHECK_EQ_INT(used, 4);
}

static void timeouts(void)
{
    uint64_t ms = 0;
    CHECK(rs_grpc_parse_timeout("100m", 4, &ms) && ms == 100);
    CHECK(rs_grpc_parse_timeout("5S", 2, &ms) && ms == 5000);
    CHECK(rs_grpc_parse_timeout("2M", 2, &ms) && ms == 120000);
    CHECK(rs_grpc_parse_timeout("1H", 2, &ms) && ms == 3600000);
    CHECK(rs_grpc_parse_timeout("1500u", 5, &ms) && ms == 2); /* rounded up */
    CHECK(rs_grpc_parse_timeout("1n", 2, &ms) && ms == 1);
    CHECK(rs_grpc_parse_timeout("99999999S", 9, &ms) && ms == 99999999000ull);
    CHECK(!rs_grpc_parse_timeout("123456789S", 10, &ms)); /* at most 8 digits */
    CHECK(!rs_grpc_parse_timeout("S", 1, &ms));
    CHECK(!rs_grpc_parse_timeout("10x", 3, &ms));
    CHECK(!rs_grpc_parse_timeout("1 S", 3, &ms));
}

static void percent(void)
{
    char out[64];
    size_t n = rs_grpc_percent_encode("ok 100%\n\xc3\xa9", 10, out, sizeof out);
    out[n] = 0;
    CHECK_EQ_STR(out, "ok 100%25%0A%C3%A9", "percent-encoded");
    n = rs_grpc_percent_encode("ab\n", 3, out, 4); /* only whole escapes fit */
    CHECK_EQ_INT(n, 2);
}

int main(void)
{
    for (size_t step = 1; step <= 21; step++)
        pieces(step);
    refusals();
    timeouts();
    percent();
    return tu_summary("grpc_wire");
}
