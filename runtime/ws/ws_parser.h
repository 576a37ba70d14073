/* ws_parser.h — resumable WebSocket frame parser (RFC 6455 §5.2), server side.
 *
 * The machine lives in ws_parser.rl (Ragel, built with -G2).  Like the HTTP
 * parser it is a pull parser: each call scans until one event and returns
 * it, so the caller can stop between frames (backpressure).  Unlike the HTTP
 * head, nothing is ever re-presented: the parser consumes every byte it
 * scans (all of its state is numeric), so `data` always starts at the first
 * unconsumed byte and any split of the input works, down to byte by byte.
 *
 * Per frame the events are HEADER, then PAYLOAD zero or more times, then END.
 * Payload bytes are unmasked in place, which is why `data` is not const:
 * the caller owns its input (a provided buffer or its spill).
 *
 * The machine rejects what RFC 6455 forbids in a single header: RSV bits
 * (no extension is negotiated), unknown opcodes, unmasked client frames,
 * fragmented or longer-than-125-byte control frames, and 64-bit lengths
 * with the most significant bit set.  Rules that span frames (continuation
 * order, message size, UTF-8) are the caller's: they need message state. */
#ifndef RS_WS_PARSER_H
#define RS_WS_PARSER_H

#include <stddef.h>
#include <stdint.h>

enum {
    RS_WS_OP_CONT = 0x0,
    RS_WS_OP_TEXT = 0x1,
    RS_WS_OP_BINARY = 0x2,
    RS_WS_OP_CLOSE = 0x8,
    RS_WS_OP_PING = 0x9,
    RS_WS_OP_PONG = 0xA,
};

typedef enum rs_ws_event {
    RS_WS_NEED_MORE = 0, /* consumed all input; call again with more */
    RS_WS_HEADER,        /* p->fin, p->opcode, p->length describe the frame */
    RS_WS_PAYLOAD,       /* *payload, *payload_len: unmasked bytes (in data) */
    RS_WS_END,           /* the frame is complete; the next call starts a new one */
    RS_WS_ERROR,         /* a malformed header: close with 1002 */
} rs_ws_event;

typedef struct rs_ws_parser {
    int cs;             /* Ragel current state */
    uint8_t phase;      /* internal: header / payload / end */
    uint8_t fin;        /* FIN bit of the current frame */
    uint8_t opcode;     /* RS_WS_OP_* of the current frame */
    uint8_t mask[4];    /* masking key */
    uint64_t length;    /* payload length of the current frame */
    uint64_t remaining; /* payload bytes not yet delivered */
} rs_ws_parser;

void rs_ws_parser_init(rs_ws_parser *p);

/* Scans data[0..len).  *consumed is always set to the bytes used. */
rs_ws_event rs_ws_execute(rs_ws_parser *p, char *data, size_t len, size_t *consumed, char **payload,
                          size_t *payload_len);

#endif
