/* grpc_wire.c — the gRPC wire encodings of grpc_wire.h. */
#include "grpc/grpc_wire.h"

rs_grpc_read rs_grpc_read_feed(rs_grpc_reader *rd, const uint8_t *p, size_t n, uint32_t max, size_t *consumed,
                               void (*on_bytes)(void *ctx, const uint8_t *p, size_t len), void *ctx)
{
    size_t i = 0;
    while (i < n) {
        if (rd->have < RS_GRPC_PREFIX) {
            rd->prefix[rd->have++] = p[i++];
            if (rd->have < RS_GRPC_PREFIX)
                continue;
            if (rd->prefix[0] > 1)
                return RS_GRPC_READ_BAD_FLAG;
            rd->compressed = rd->prefix[0] == 1;
            rd->length = (uint32_t)rd->prefix[1] << 24 | (uint32_t)rd->prefix[2] << 16 |
                         (uint32_t)rd->prefix[3] << 8 | rd->prefix[4];
            rd->got = 0;
            if (rd->length > max)
                return RS_GRPC_READ_TOO_LONG;
        }
        size_t take = rd->length - rd->got;
        if (take > n - i)
            take = n - i;
        if (take)
            on_bytes(ctx, p + i, take);
        i += take;
        rd->got += (uint32_t)take;
        if (rd->got == rd->length) {
            rd->have = 0; /* the next message starts with its prefix */
            *consumed = i;
            return RS_GRPC_READ_MESSAGE;
        }
    }
    *consumed = i;
    return RS_GRPC_READ_MORE;
}

bool rs_grpc_parse_timeout(const char *s, size_t n, uint64_t *ms)
{
    if (n < 2 || n > 9)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    switch (s[n - 1]) {
    case 'H':
        *ms = v * 3600000u;
        return true;
    case 'M':
        *ms = v * 60000u;
        return true;
    case 'S':
        *ms = v * 1000u;
        return true;
    case 'm':
        *ms = v;
        return true;
    case 'u':
        *ms = (v + 999u) / 1000u;
        return true;
    case 'n':
        *ms = (v + 999999u) / 1000000u;
        return true;
    default:
        return false;
    }
}

size_t rs_grpc_percent_encode(const char *s, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch <= 0x7e && ch != '%') {
            if (o + 1 > cap)
                break;
            out[o++] = (char)ch;
        } else {
            if (o + 3 > cap)
                break;
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    return o;
}
