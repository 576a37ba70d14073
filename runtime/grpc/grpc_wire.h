/* grpc_wire.h — the gRPC-over-HTTP/2 encodings (PROTOCOL-HTTP2.md of
 * grpc/grpc): the 5-byte message prefix, grpc-timeout, grpc-message's
 * percent-encoding.  Pure functions, unit-tested in tests/unit/test_grpc_wire.c. */
#ifndef RS_GRPC_WIRE_H
#define RS_GRPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_GRPC_PREFIX 5

/* Reads length-prefixed messages from a byte stream that arrives in
 * pieces of any size: a message may span pieces, a piece may hold several. */
typedef struct rs_grpc_reader {
    uint8_t prefix[RS_GRPC_PREFIX];
    uint8_t have; /* prefix bytes read of the current message */
    bool compressed;
    uint32_t length; /* of the current message, once the prefix is whole */
    uint32_t got;    /* its bytes delivered so far */
} rs_grpc_reader;

typedef enum rs_grpc_read {
    RS_GRPC_READ_MORE,     /* all input used, no message ended */
    RS_GRPC_READ_MESSAGE,  /* a message ended: *consumed bytes used */
    RS_GRPC_READ_TOO_LONG, /* a prefix announced more than max bytes */
    RS_GRPC_READ_BAD_FLAG, /* a flag byte other than 0 and 1 */
} rs_grpc_read;

/* Feeds n bytes: message bytes go to on_bytes(ctx, p, len) as they pass;
 * stops after each message (call again with the rest). */
rs_grpc_read rs_grpc_read_feed(rs_grpc_reader *rd, const uint8_t *p, size_t n, uint32_t max, size_t *consumed,
                               void (*on_bytes)(void *ctx, const uint8_t *p, size_t len), void *ctx);

/* The 5-byte prefix of an uncompressed message of len bytes. */
static inline void rs_grpc_put_prefix(uint8_t *out, uint32_t len)
{
    out[0] = 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

/* grpc-timeout ("1-8 digits" + H M S m u n) in milliseconds, rounded up;
 * false when malformed. */
bool rs_grpc_parse_timeout(const char *s, size_t n, uint64_t *ms);

/* grpc-message: bytes outside 0x20..0x7E and '%' as %XX; at most cap bytes
 * written (whole escapes only). */
size_t rs_grpc_percent_encode(const char *s, size_t n, char *out, size_t cap);

#endif
