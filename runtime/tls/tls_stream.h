/* tls_stream.h — the optional stream layer between the transport and the
 * protocols (DESIGN.md §2b): a connection accepted on a TLS listener holds
 * an rs_tls_stream, and the transport hands it what it would hand the
 * protocol.
 *
 *   in:  ciphertext from the provided receive buffer -> runtime/tls ->
 *        plaintext to the protocol's on_data (a per-thread 16 KiB buffer;
 *        the protocol copies what it keeps, as with any receive buffer).
 *   out: the protocol appends plaintext to c->out as on any connection;
 *        at the flush (rs_tls_stream_seal, before a send is started) the
 *        plaintext behind the already encrypted bytes is taken out and
 *        encrypted in one batch (full 16 KiB records), at most
 *        RS_TLS_SEAL_AHEAD of it: the records take its place, the rest
 *        stays plaintext behind them until the window has half gone out
 *        (a 4 MiB static body is not 4 MiB of ciphertext at once).  So
 *        c->out is what the protocols' backpressure checks see (a reader
 *        that stops reading pauses at the cap), and the transport sends
 *        only the `sealed` bytes at its head (rs_tls_stream_sendable).
 *
 * Records OpenSSL writes on its own while reading (handshake flights,
 * alerts, KeyUpdate) go to a side queue first and join c->out at the seal,
 * so they never land in the middle of a protocol's plaintext.
 *
 * Until the handshake completes the connection's protocol is SNIFF (holds
 * nothing, aborts on a timeout); RS_CF_HANDSHAKE is set so the handshake
 * timeout ([server.timeouts] handshake) bounds it from the accept, and at
 * most [server.limits] tls_handshakes are in progress per worker (over it
 * the accept is closed, --stats tls_refused).  ALPN then picks HTTP/2 or
 * HTTP/1.1. */
#ifndef RS_TLS_STREAM_H
#define RS_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reactor.h"
#include "tls/tls_conn.h"

/* Ciphertext encrypted ahead of the socket: four full records. */
#define RS_TLS_SEAL_AHEAD (4 * 16384)

typedef struct rs_tls_stream {
    rs_tls_conn *tls;
    rs_outq cipher;    /* records written by OpenSSL since the last seal */
    uint32_t sealed;   /* bytes at the head of c->out that are ciphertext */
    uint32_t charged;  /* of the worker's budget: the ciphertext kept aside */
    uint8_t protocols; /* the listener's RS_LISTEN_* */
    bool handshaking;  /* counted in r->tls_handshaking */
    bool notify_sent;  /* close_notify queued */
} rs_tls_stream;

/* A connection accepted on a TLS listener: false when it cannot be served
 * (no memory, or the worker is at its handshake cap); the caller aborts. */
bool rs_tls_stream_open(rs_reactor *r, rs_conn *c, struct rs_tls_ctx *ctx, unsigned protocols);

/* Received ciphertext (instead of the protocol's on_data). */
void rs_tls_stream_data(rs_reactor *r, rs_conn *c, char *data, size_t len);

/* The output drained below the low watermark (instead of the protocol's
 * on_drained): the protocol resumes, then input kept aside is read. */
void rs_tls_stream_drained(rs_reactor *r, rs_conn *c);

/* Before a send: encrypts the plaintext appended since the last seal.
 * False: the connection must be aborted. */
bool rs_tls_stream_seal(rs_reactor *r, rs_conn *c);

/* The stream layer of a TLS connection, NULL for a cleartext one. */
static inline rs_tls_stream *rs_tls_of(const rs_reactor *r, const rs_conn *c)
{
    return (c->flags & RS_CF_TLS) ? r->tls[rs_conn_index(&r->conns, c)] : NULL;
}

/* How many bytes at the head of c->out a send may take: all for a
 * cleartext connection, the encrypted ones for a TLS connection. */
static inline uint32_t rs_tls_stream_sendable(const rs_reactor *r, const rs_conn *c)
{
    const rs_tls_stream *s = rs_tls_of(r, c);
    return s ? s->sealed : UINT32_MAX;
}

/* Bytes of c->out were sent. */
static inline void rs_tls_stream_sent(rs_reactor *r, rs_conn *c, size_t n)
{
    rs_tls_of(r, c)->sealed -= (uint32_t)n;
}

/* Everything owed is sent: queue close_notify once.  True when it was
 * queued now (send it before shutting the socket down). */
bool rs_tls_stream_notify(rs_reactor *r, rs_conn *c);

void rs_tls_stream_release(rs_reactor *r, rs_conn *c);

#endif
