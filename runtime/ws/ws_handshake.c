/* ws_handshake.c — the WebSocket opening handshake (RFC 6455 §4.2).
 *
 * The head has already been validated by the HTTP parser, which also
 * flagged a `Connection: upgrade` token; the other fields are looked up
 * with rs_request_header, once per handshake, never on the HTTP hot path. */
#include <dlfcn.h>
#include <openssl/evp.h> /* types only: libcrypto itself is loaded on first use */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "app/reply.h"
#include "core/log.h"
#include "ws/ws_conn.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* True when the comma-separated list holds `token` (case-insensitive). */
static bool has_token(rs_str list, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = list.ptr, *end = list.ptr + list.len;
    while (p < end) { /* each pass consumes one list element */
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        const char *t = e;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - s) == tlen && strncasecmp(s, token, tlen) == 0)
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}

static int b64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* The key must be base64 of exactly 16 bytes (§4.1): 22 digits, "==", and
 * the last digit carrying only 2 bits, so its low 4 bits are zero. */
static bool key_valid(rs_str key)
{
    if (key.len != 24 || key.ptr[22] != '=' || key.ptr[23] != '=')
        return false;
    for (int i = 0; i < 22; i++)
        if (b64_value(key.ptr[i]) < 0)
            return false;
    return (b64_value(key.ptr[21]) & 0x0F) == 0;
}

/* libcrypto (OpenSSL 3) costs ~1.4 MiB of resident memory as soon as it is
 * mapped (measured in /proc/PID/smaps of an idle server), more than the
 * rest of a baseline server's start-up.  Servers whose clients never
 * upgrade must not pay it, so it is loaded on the first handshake. */
static struct {
    __typeof__(EVP_Digest) *digest;
    __typeof__(EVP_sha1) *sha1;
    __typeof__(EVP_EncodeBlock) *encode;
} crypto;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void load_crypto(void)
{
    void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        rs_log("WebSocket handshakes disabled: cannot load libcrypto: %s", dlerror());
        return;
    }
    /* POSIX guarantees object and function pointers convert through dlsym. */
    *(void **)&crypto.digest = dlsym(lib, "EVP_Digest");
    *(void **)&crypto.sha1 = dlsym(lib, "EVP_sha1");
    *(void **)&crypto.encode = dlsym(lib, "EVP_EncodeBlock");
    if (!crypto.digest || !crypto.sha1 || !crypto.encode) {
        rs_log("WebSocket handshakes disabled: libcrypto lacks EVP_Digest/EVP_sha1/EVP_EncodeBlock");
        crypto.digest = NULL;
    }
}

bool rs_ws_accept_value(const char *key, size_t key_len, char out[29])
{
    pthread_once(&crypto_once, load_crypto);
    if (!crypto.digest)
        return false;
    char joined[64 + sizeof WS_GUID];
    size_t n = key_len < 64 ? key_len : 64;
    memcpy(joined, key, n);
    memcpy(joined + n, WS_GUID, sizeof WS_GUID - 1);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (!crypto.digest(joined, n + sizeof WS_GUID - 1, digest, &digest_len, crypto.sha1(), NULL))
        return false;
    crypto.encode((unsigned char *)out, digest, (int)digest_len); /* 20 bytes -> 28 + NUL */
    return true;
}

static void switch_to_ws(rs_conn *c, const rs_ws_route *route)
{
    memset(&c->ws, 0, sizeof c->ws); /* the HTTP state it overlays is finished */
    rs_ws_parser_init(&c->ws.parser);
    c->ws.route = route;
    c->proto = RS_PROTO_WS;
    c->flags &= (uint16_t) ~(RS_CF_IN_REQUEST | RS_CF_IN_BODY);
}

unsigned rs_ws_handshake(rs_reactor *r, rs_conn *c, const rs_request_view *req, const rs_ws_route *route)
{
    const rs_http1_parser *p = &c->parser;
    rs_str v;
    /* A plain request for the route (no upgrade asked for) is a 400: the
     * arena's readiness probe and validator expect a 4xx answer. */
    if (req->method != RS_METHOD_GET || p->version_minor < 1 || !(p->flags & RS_HTTP1_CONN_UPGRADE) ||
        !rs_request_header(req, "upgrade", &v) || !has_token(v, "websocket"))
        return 400;
    if ((p->flags & RS_HTTP1_CHUNKED) || ((p->flags & RS_HTTP1_HAS_LENGTH) && p->content_length > 0))
        return 400; /* a handshake has no body; frames would follow it */
    if (!rs_request_header(req, "sec-websocket-version", &v) || v.len != 2 || memcmp(v.ptr, "13", 2) != 0)
        return 426; /* with Sec-WebSocket-Version: 13 (rs_reply_error) */
    rs_str key;
    if (!rs_request_header(req, "sec-websocket-key", &key) || !key_valid(key))
        return 400;
    if (r->stopping)
        return 503; /* a new session would only be closed again with 1001 */

    static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    char accept[29];
    if (!rs_ws_accept_value(key.ptr, key.len, accept))
        return 503; /* no SHA-1 available (logged once) */
    size_t len = sizeof head - 1 + 28 + 4;
    char *out = rs_outq_reserve(&c->out, &r->pool, len);
    if (!out) {
        rs_conn_abort(r, c);
        return 0;
    }
    memcpy(out, head, sizeof head - 1);
    memcpy(out + sizeof head - 1, accept, 28);
    memcpy(out + sizeof head - 1 + 28, "\r\n\r\n", 4);
    rs_outq_commit(&c->out, len);
    r->stats.requests++;
    r->stats.responses_by_class[1]++;
    r->stats.ws.upgrades++;
    switch_to_ws(c, route);
    rs_conn_touch(r, c);
    return 0;
}
