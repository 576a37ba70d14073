/* test_pb_codec.c — the protobuf codecs ringspec generates, compiled from
 * tests/codegen/specs/grpc/codecs.toml (every type the spec language has):
 * byte-exact encodings checked against the protobuf wire format, round
 * trips at the edge values, and every kind of malformed input refused. */
#include <stdint.h>
#include <string.h>

#include "messages.h"
#include "test_util.h"

/* Decodes hex text ("08 96 01") into buf; returns the length. */
static size_t hex(const char *s, uint8_t *buf)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        unsigned v;
        sscanf(s, "%2x", &v);
        buf[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static int same_bytes(const uint8_t *a, size_t an, const char *want_hex)
{
    uint8_t want[512];
    size_t wn = hex(want_hex, want);
    if (an == wn && !memcmp(a, want, an))
        return 1;
    fprintf(stderr, "  got:");
    for (size_t i = 0; i < an; i++)
        fprintf(stderr, " %02x", a[i]);
    fprintf(stderr, "\n want: %s\n", want_hex);
    return 0;
}

#define CHECK_BYTES(buf, n, want) tu_check(same_bytes(buf, n, want), __FILE__, __LINE__, want)

static void encodings(void)
{
    uint8_t out[MSG_SCALARS_MAX_SIZE];
    msg_Scalars s;
    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(msg_Scalars_encode(&s, out), 0); /* proto3: defaults are not sent */

    s.i32 = 150;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "08 96 01");
    s.i32 = -1; /* a negative int32 is sign-extended: a 10-byte varint */
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "08 ff ff ff ff ff ff ff ff ff 01");
    s.i32 = INT32_MIN;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "08 80 80 80 80 f8 ff ff ff ff 01");
    memset(&s, 0, sizeof s);
    s.s32 = -1; /* ZigZag: -1 -> 1, 1 -> 2, INT32_MIN -> 0xffffffff */
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "28 01");
    s.s32 = 1;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "28 02");
    s.s32 = INT32_MIN;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "28 ff ff ff ff 0f");
    memset(&s, 0, sizeof s);
    s.s64 = INT64_MIN;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "30 ff ff ff ff ff ff ff ff ff 01");
    memset(&s, 0, sizeof s);
    s.u64 = UINT64_MAX;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "20 ff ff ff ff ff ff ff ff ff 01");
    memset(&s, 0, sizeof s);
    s.u32 = UINT32_MAX;
    s.flag = true;
    s.color = ENUM_Color_BLUE;
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "18 ff ff ff ff 0f 38 01 40 02");
    memset(&s, 0, sizeof s);
    s.far = 1; /* field 536870911: a 5-byte key */
    CHECK_BYTES(out, msg_Scalars_encode(&s, out), "f8 ff ff ff 0f 01");
    CHECK_EQ_INT(msg_Scalars_size(&s), 6);
}

static void round_trips(void)
{
    static const int64_t i64s[] = {0, 1, -1, INT64_MAX, INT64_MIN, 127, 128, -128, 300};
    uint8_t out[MSG_SCALARS_MAX_SIZE];
    for (size_t k = 0; k < sizeof i64s / sizeof i64s[0]; k++) {
        msg_Scalars s, back;
        memset(&s, 0, sizeof s);
        s.i32 = (int32_t)i64s[k];
        s.i64 = i64s[k];
        s.u32 = (uint32_t)i64s[k];
        s.u64 = (uint64_t)i64s[k];
        s.s32 = (int32_t)i64s[k];
        s.s64 = i64s[k];
        s.flag = k & 1;
        s.color = (int32_t)k;
        s.far = (int32_t)(uint32_t)(0u - (uint64_t)i64s[k]) ^ 5;
        size_t n = msg_Scalars_encode(&s, out);
        CHECK(n <= MSG_SCALARS_MAX_SIZE);
        CHECK_EQ_INT(n, msg_Scalars_size(&s));
        CHECK(msg_Scalars_decode(out, n, &back));
        CHECK(!memcmp(&s, &back, sizeof s));
    }

    msg_Outer o, back;
    memset(&o, 0, sizeof o);
    o.id = -7;
    o.has_inner = true;
    memcpy(o.inner.name.data, "héllo", 6);
    o.inner.name.len = 6;
    o.inner.blob.len = 4;
    memcpy(o.inner.blob.data, "\0\1\2\3", 4);
    o.items_count = 3;
    o.items[2].name.len = 1;
    o.items[2].name.data[0] = 'z';
    o.nums_count = 4;
    o.nums[0] = INT32_MIN;
    o.nums[1] = -1;
    o.nums[2] = 0;
    o.nums[3] = INT32_MAX;
    o.tags_count = 2;
    o.tags[1].len = 5;
    memcpy(o.tags[1].data, "abcde", 5);
    o.colors_count = 1;
    o.colors[0] = 99; /* open enum: an unknown number is kept */
    uint8_t big[MSG_OUTER_MAX_SIZE];
    size_t n = msg_Outer_encode(&o, big);
    CHECK(n <= MSG_OUTER_MAX_SIZE);
    CHECK(msg_Outer_decode(big, n, &back));
    CHECK(!memcmp(&o, &back, sizeof o));

    /* The largest message the bounds allow fits MAX_SIZE. */
    memset(&o, 0, sizeof o);
    o.id = -1;
    o.has_inner = true;
    o.inner.name.len = 8;
    memset(o.inner.name.data, 'x', 8);
    o.inner.blob.len = 4;
    memset(o.inner.blob.data, 0xff, 4);
    o.items_count = 3;
    for (int i = 0; i < 3; i++)
        o.items[i] = o.inner;
    o.nums_count = 4;
    for (int i = 0; i < 4; i++)
        o.nums[i] = INT32_MIN;
    o.tags_count = 2;
    for (int i = 0; i < 2; i++) {
        o.tags[i].len = 5;
        memset(o.tags[i].data, 'y', 5);
    }
    o.colors_count = 2;
    o.colors[0] = o.colors[1] = -1;
    n = msg_Outer_encode(&o, big);
    CHECK(n <= MSG_OUTER_MAX_SIZE);
    CHECK(msg_Outer_decode(big, n, &back));
    CHECK(!memcmp(&o, &back, sizeof o));
}

static int decodes(const char *in_hex, msg_Outer *o)
{
    uint8_t buf[512];
    size_t n = hex(in_hex, buf);
    return msg_Outer_decode(buf, n, o);
}

static void wire_forms(void)
{
    msg_Outer o;
    /* Unpacked repeated numbers are accepted beside packed ones. */
    CHECK(decodes("20 01 20 03 22 02 05 07", &o));
    CHECK_EQ_INT(o.nums_count, 4);
    CHECK_EQ_INT(o.nums[0], -1);
    CHECK_EQ_INT(o.nums[1], -2);
    CHECK_EQ_INT(o.nums[2], -3);
    CHECK_EQ_INT(o.nums[3], -4);
    /* Unknown fields of every wire type are skipped. */
    CHECK(decodes("38 96 01 41 01 02 03 04 05 06 07 08 4a 03 61 62 63 55 01 02 03 04 08 2a", &o));
    CHECK_EQ_INT(o.id, 42);
    /* A later value of a singular field wins. */
    CHECK(decodes("08 01 08 02", &o));
    CHECK_EQ_INT(o.id, 2);
    /* An int32 sent as a 5-byte varint (some encoders) is truncated to 32 bits. */
    CHECK(decodes("08 ff ff ff ff 0f", &o));
    CHECK_EQ_INT(o.id, -1);
}

static void malformed(void)
{
    msg_Outer o;
    CHECK(!decodes("08", &o));                                     /* truncated varint */
    CHECK(!decodes("08 80", &o));                                  /* truncated varint */
    CHECK(!decodes("08 ff ff ff ff ff ff ff ff ff 02", &o));       /* 10th byte past 64 bits */
    CHECK(!decodes("08 ff ff ff ff ff ff ff ff ff ff 01", &o));    /* 11 bytes */
    CHECK(!decodes("12 05 0a 01 61", &o));                         /* length past the end */
    CHECK(!decodes("4a 05 61", &o));                               /* unknown field's length past the end */
    CHECK(!decodes("41 01 02", &o));                               /* unknown fixed64 truncated */
    CHECK(!decodes("0a 01 01", &o));                               /* id (varint) sent length-delimited */
    CHECK(!decodes("15 01 02 03 04", &o));                         /* inner (message) sent as fixed32 */
    CHECK(!decodes("4b 4c", &o));                                  /* group wire types */
    CHECK(!decodes("00 01", &o));                                  /* field number 0 */
    CHECK(!decodes("12 0b 0a 09 61 61 61 61 61 61 61 61 61", &o)); /* name over max_length 8 */
    CHECK(decodes("12 0a 0a 08 61 61 61 61 61 61 61 61", &o));     /* exactly 8: fine */
    CHECK(!decodes("12 04 0a 02 c3 28", &o));                      /* name not UTF-8 */
    CHECK(decodes("12 04 12 02 c3 28", &o));                       /* bytes need not be */
    CHECK(!decodes("1a 00 1a 00 1a 00 1a 00", &o));                /* 4 items, at most 3 */
    CHECK(decodes("1a 00 1a 00 1a 00", &o));
    CHECK(!decodes("22 05 01 02 03 04 05", &o));    /* 5 packed nums, at most 4 */
    CHECK(!decodes("20 01 22 04 01 02 03 04", &o)); /* 1 + 4 nums */
    CHECK(!decodes("22 02 01 80", &o));             /* truncated inside the packed run */
    CHECK(!decodes("12 03 0a 05 61", &o));          /* nested length past its message */
    CHECK(!decodes("ff ff ff ff ff 01", &o));       /* key over 32 bits */
}

int main(void)
{
    encodings();
    round_trips();
    wire_forms();
    malformed();
    return tu_summary("pb_codec");
}
