/* ws_parser.rl — resumable WebSocket frame parser (RFC 6455 §5.2).
 *
 * Build: ragel -G2 -o generated/ws_parser.c runtime/ws_parser.rl
 *
 * The machine scans one frame header (2 to 14 bytes) and stops on its last
 * byte; the payload never goes through the machine: the C driver below
 * hands it out in bulk, unmasked in place, and re-enters the machine for
 * the next header.  Every constraint that one header can break is a
 * missing transition, so the machine is also the validator:
 *
 *   byte 0   FIN, RSV1-3 = 0, opcode: data frames 0x0-0x2 with or without
 *            FIN; control frames 0x8-0xA only with FIN (never fragmented)
 *   byte 1   MASK = 1 (clients must mask); 7-bit length, 126 = 16-bit,
 *            127 = 64-bit length with its top bit clear; control frames
 *            only the 7-bit form up to 125
 *   then     the extended length (big endian), then the 4-byte masking key
 */
#include "ws/ws_parser.h"

#include <string.h>

typedef unsigned char uchar;

enum {
    PH_HEADER = 0, /* in the machine (0 so that a zeroed parser is ready) */
    PH_PAYLOAD,    /* p->remaining payload bytes left (bulk) */
    PH_DEAD,       /* after an error: every call returns ERROR */
};

%%{
    machine ws;
    alphtype unsigned char;

    action first  { wp->fin = (uint8_t)(fc >> 7); wp->opcode = (uint8_t)(fc & 0x0F); }
    action len7   { wp->length = fc & 0x7F; }
    action len0   { wp->length = 0; }
    action lenb   { wp->length = (wp->length << 8) | fc; }
    action mask0  { wp->mask[0] = fc; }
    action mask1  { wp->mask[1] = fc; }
    action mask2  { wp->mask[2] = fc; }
    action mask3  { wp->mask[3] = fc; wp->phase = PH_PAYLOAD; fbreak; }

    data_first = (0x00 .. 0x02 | 0x80 .. 0x82) @first;
    ctl_first  = (0x88 .. 0x8A) @first;

    len_short = (0x80 .. 0xFD) @len7;                       # MASK + 0..125
    len_16    = 0xFE @len0 (any @lenb){2};                   # MASK + 126
    len_64    = 0xFF @len0 (0x00 .. 0x7F) @lenb (any @lenb){7}; # MASK + 127

    masking_key = any @mask0 any @mask1 any @mask2 any @mask3;

    data_header = data_first (len_short | len_16 | len_64) masking_key;
    ctl_header  = ctl_first len_short masking_key;

    main := data_header | ctl_header;
}%%

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
%% write data nofinal noentry;
#pragma GCC diagnostic pop

void rs_ws_parser_init(rs_ws_parser *p)
{
    memset(p, 0, sizeof *p);
    p->cs = ws_start;
}

/* XORs n bytes with the masking key, starting `offset` bytes into the
 * payload.  Eight bytes at a time: echo traffic is mostly this loop. */
static void unmask(uchar *d, size_t n, const uint8_t mask[4], uint64_t offset)
{
    uchar key[8];
    for (int j = 0; j < 8; j++)
        key[j] = mask[(offset + (uint64_t)j) & 3];
    uint64_t kw;
    memcpy(&kw, key, sizeof kw);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, d + i, sizeof w);
        w ^= kw;
        memcpy(d + i, &w, sizeof w);
    }
    for (; i < n; i++) /* i is a multiple of 8 plus the tail index */
        d[i] ^= key[i & 7];
}

rs_ws_event rs_ws_execute(rs_ws_parser *wp, char *data, size_t len, size_t *consumed, char **payload,
                          size_t *payload_len)
{
    *consumed = 0;
    switch (wp->phase) {
    case PH_HEADER: {
        if (len == 0)
            return RS_WS_NEED_MORE;
        const uchar *p = (const uchar *)data, *pe = p + len;
        int cs = wp->cs;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
        %% write exec;
#pragma GCC diagnostic pop
        wp->cs = cs;
        if (cs == ws_error) {
            wp->phase = PH_DEAD;
            return RS_WS_ERROR;
        }
        *consumed = (size_t)(p - (const uchar *)data);
        if (wp->phase != PH_PAYLOAD)
            return RS_WS_NEED_MORE;
        wp->remaining = wp->length;
        return RS_WS_HEADER;
    }
    case PH_PAYLOAD: {
        if (wp->remaining == 0) {
            wp->phase = PH_HEADER;
            wp->cs = ws_start;
            return RS_WS_END;
        }
        if (len == 0)
            return RS_WS_NEED_MORE;
        size_t n = len < wp->remaining ? len : (size_t)wp->remaining;
        unmask((uchar *)data, n, wp->mask, wp->length - wp->remaining);
        wp->remaining -= n;
        *consumed = n;
        *payload = data;
        *payload_len = n;
        return RS_WS_PAYLOAD;
    }
    default:
        return RS_WS_ERROR;
    }
}
