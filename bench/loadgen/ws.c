#include "ws.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

void ws_make_key(uint64_t *rng, char key[WS_KEY_LEN + 1])
{
    uint64_t raw[2] = {xorshift64(rng), xorshift64(rng)};
    EVP_EncodeBlock((unsigned char *)key, (const unsigned char *)raw, 16);
}

void ws_accept_for(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    char buf[WS_KEY_LEN + sizeof ws_guid];
    size_t klen = strlen(key);
    if (klen > WS_KEY_LEN)
        klen = WS_KEY_LEN;
    memcpy(buf, key, klen);
    memcpy(buf + klen, ws_guid, sizeof ws_guid - 1);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)buf, klen + sizeof ws_guid - 1, digest);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

size_t ws_build_upgrade(char *out, size_t cap, const char *path, const char *host, const char *key)
{
    int n = snprintf(out, cap,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     path, host, key);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t ws_build_text_frame(char *out, const char *payload, size_t len, const uint8_t mask[4])
{
    size_t h = 0;
    out[h++] = (char)(0x80 | WS_OP_TEXT);
    if (len < 126) {
        out[h++] = (char)(0x80 | len);
    } else {
        out[h++] = (char)(0x80 | 126);
        out[h++] = (char)(len >> 8);
        out[h++] = (char)len;
    }
    memcpy(out + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        out[h + i] = (char)(payload[i] ^ mask[i & 3]);
    return h + len;
}

static int is_data(uint8_t op)
{
    return op == WS_OP_CONT || op == WS_OP_TEXT || op == WS_OP_BINARY;
}

/* Header: 2 bytes, then 2 or 8 length bytes, then (never from a server) a
 * 4-byte mask. Returns header size, 0 if incomplete, -1 if invalid. */
static int parse_header(struct ws_parser *p, const uint8_t *b, size_t len)
{
    if (len < 2)
        return 0;
    uint8_t op = b[0] & 0x0f, len7 = b[1] & 0x7f;
    if (b[0] & 0x70)
        return -1; /* no extensions were negotiated */
    if (b[1] & 0x80)
        return -1; /* a server must not mask */
    if (op >= 3 && op <= 7)
        return -1;
    if (op >= 11)
        return -1;
    int hlen = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    if (len < (size_t)hlen)
        return 0;
    uint64_t plen = len7;
    if (len7 == 126) {
        plen = (uint64_t)b[2] << 8 | b[3];
    } else if (len7 == 127) {
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | b[2 + i];
    }
    p->fin = b[0] >> 7;
    if (!is_data(op) && (!p->fin || plen > 125))
        return -1; /* control frames are small, whole */
    p->opcode = op;
    p->remaining = plen;
    return hlen;
}

int ws_parse(struct ws_parser *p, const char *buf, size_t len, size_t *used, const char *expect,
             size_t expect_len)
{
    size_t off = 0;
    if (!p->in_payload) {
        int h = parse_header(p, (const uint8_t *)buf, len);
        if (h <= 0) {
            *used = 0;
            return h < 0 ? WS_ERROR : WS_NEED_MORE;
        }
        off = (size_t)h;
        p->in_payload = 1;
        p->message_end = 0;
        if (p->opcode != WS_OP_CONT && is_data(p->opcode)) {
            p->msg_off = 0;
            p->mismatch = 0;
        }
    }
    size_t n = len - off;
    if (n > p->remaining)
        n = (size_t)p->remaining;
    if (expect && is_data(p->opcode) && n) {
        if (p->msg_off + n > expect_len || memcmp(expect + p->msg_off, buf + off, n) != 0)
            p->mismatch = 1;
    }
    if (is_data(p->opcode))
        p->msg_off += n;
    p->remaining -= n;
    *used = off + n;
    if (p->remaining)
        return WS_NEED_MORE;
    p->in_payload = 0;
    if (is_data(p->opcode) && p->fin) {
        p->message_end = 1;
        if (expect && p->msg_off != expect_len)
            p->mismatch = 1;
    }
    return WS_FRAME;
}
