/* pb_wire.h — the protobuf wire format's primitives, for the codecs that
 * ringspec generates per [message.NAME] (messages.c of a build).
 *
 * Readers take a cursor and the end of the input and never read past it:
 * a truncated varint, a length past the end, a varint longer than 10 bytes
 * (or whose 10th byte carries more than the 64th bit) and the group wire
 * types (3, 4: deprecated, never produced by proto3) all fail.  Writers
 * assume the caller sized the output from the spec's bounds. */
#ifndef RS_PB_WIRE_H
#define RS_PB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { RS_PB_VARINT = 0, RS_PB_FIXED64 = 1, RS_PB_LEN = 2, RS_PB_FIXED32 = 5 };

static inline bool rs_pb_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    const uint8_t *s = *p;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (s == end)
            return false; /* truncated */
        uint8_t b = *s++;
        if (shift == 63 && b > 1)
            return false; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = s;
            *out = v;
            return true;
        }
    }
    return false; /* an 11th byte */
}

/* A length-delimited value's length, checked against what remains. */
static inline bool rs_pb_get_length(const uint8_t **p, const uint8_t *end, size_t *len)
{
    uint64_t n;
    if (!rs_pb_get_varint(p, end, &n) || n > (uint64_t)(end - *p))
        return false;
    *len = (size_t)n;
    return true;
}

/* Steps over a field of a number this message does not know (proto3:
 * unknown fields are skipped, whatever they hold). */
static inline bool rs_pb_skip(const uint8_t **p, const uint8_t *end, unsigned wire_type)
{
    uint64_t v;
    size_t n;
    switch (wire_type) {
    case RS_PB_VARINT:
        return rs_pb_get_varint(p, end, &v);
    case RS_PB_FIXED64:
        n = 8;
        break;
    case RS_PB_FIXED32:
        n = 4;
        break;
    case RS_PB_LEN:
        if (!rs_pb_get_length(p, end, &n))
            return false;
        break;
    default:
        return false;
    }
    if (n > (size_t)(end - *p))
        return false;
    *p += n;
    return true;
}

/* A field's key: number (1..2^29-1) and wire type. */
static inline bool rs_pb_get_key(const uint8_t **p, const uint8_t *end, uint32_t *number, unsigned *wire_type)
{
    uint64_t key;
    if (!rs_pb_get_varint(p, end, &key) || key > 0xffffffffu || (key >> 3) == 0)
        return false;
    *number = (uint32_t)(key >> 3);
    *wire_type = (unsigned)(key & 7);
    return true;
}

static inline size_t rs_pb_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static inline size_t rs_pb_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* sint32/sint64: ZigZag, so small negative numbers stay short. */
static inline uint64_t rs_pb_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline uint32_t rs_pb_zigzag32(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}
static inline int64_t rs_pb_unzigzag64(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}
static inline int32_t rs_pb_unzigzag32(uint32_t v)
{
    return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

#endif
