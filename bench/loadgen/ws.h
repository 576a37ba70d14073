/* WebSocket (RFC 6455) client side: handshake key/accept, masked frame
 * building, and an incremental parser for the server's frames. */
#ifndef LOADGEN_WS_H
#define LOADGEN_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_KEY_LEN 24    /* base64 of 16 random bytes */
#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

enum { WS_OP_CONT = 0, WS_OP_TEXT = 1, WS_OP_BINARY = 2, WS_OP_CLOSE = 8, WS_OP_PING = 9, WS_OP_PONG = 10 };

/* Fresh random key from the caller's xorshift state; key gets a NUL. */
void ws_make_key(uint64_t *rng, char key[WS_KEY_LEN + 1]);
/* base64(SHA1(key + RFC 6455 GUID)), NUL-terminated. */
void ws_accept_for(const char *key, char out[WS_ACCEPT_LEN + 1]);
/* The upgrade request; returns its length, or 0 if cap is too small. */
size_t ws_build_upgrade(char *out, size_t cap, const char *path, const char *host, const char *key);
/* One FIN text frame, masked with mask (clients must mask). Needs
 * len + 8 bytes of room; payloads up to 65535 bytes. Returns frame length. */
size_t ws_build_text_frame(char *out, const char *payload, size_t len, const uint8_t mask[4]);

enum { WS_NEED_MORE = 0, WS_FRAME = 1, WS_ERROR = -1 };

struct ws_parser {
    uint8_t in_payload;
    uint8_t opcode;      /* of the current/last frame */
    uint8_t fin;         /* of the current/last frame */
    uint8_t message_end; /* last frame completed a data message (FIN data frame) */
    uint8_t mismatch;    /* that message differed from the expected payload */
    uint64_t remaining;  /* payload bytes left in the current frame */
    uint64_t msg_off;    /* bytes of the current data message seen so far */
};

/* Parses at most one frame from buf. *used is the bytes consumed (payload
 * is consumed as it arrives; an incomplete frame header is left unconsumed
 * for the caller to keep). On WS_FRAME the fields above describe the frame.
 * expect (may be NULL) is the payload every data message must equal. */
int ws_parse(struct ws_parser *p, const char *buf, size_t len, size_t *used, const char *expect,
             size_t expect_len);

#endif
