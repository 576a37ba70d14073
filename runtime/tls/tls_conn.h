/* tls_conn.h — the TLS stream layer of one connection: ciphertext in from
 * the receive buffers, plaintext out to the protocol, the protocol's
 * plaintext in, ciphertext out to the connection's output queue.
 *
 * No socket BIO and no memory BIO: a custom BIO (tls_bio.c) lends OpenSSL
 * the receive buffer the transport hands in (rs_tls_input), and appends
 * every record OpenSSL writes straight to the output queue.  The only copy
 * this layer makes of received ciphertext is of what is still unread when
 * the receive buffer goes back to the ring (rs_tls_input_done): at most one
 * buffer's worth, and only when the caller stopped reading early (output at
 * its cap) or a record straddles two buffers.
 *
 * Nothing here submits I/O: results say what the caller should do next.
 * Every function may append ciphertext (handshake flights, alerts,
 * KeyUpdate answers, tickets), so the caller flushes after each call. */
#ifndef RS_TLS_CONN_H
#define RS_TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/outq.h"
#include "tls/tls_context.h"

typedef enum rs_tls_result {
    RS_TLS_OK,         /* progress: handshake complete, plaintext read, bytes encrypted */
    RS_TLS_WANT_INPUT, /* nothing more until more ciphertext arrives */
    RS_TLS_CLOSED,     /* the peer sent close_notify: no more input will come */
    RS_TLS_ERROR,      /* fatal (bad record, handshake failure, truncation): close; an alert may be queued */
    RS_TLS_NO_MEMORY,  /* the output queue or the input stash could not grow: close */
} rs_tls_result;

typedef struct rs_tls_conn {
    SSL *ssl;
    /* Input, read by the BIO: first the stash (ciphertext kept from an
     * earlier receive buffer), then the receive buffer lent by rs_tls_input. */
    char *stash;
    uint32_t stash_len, stash_off;
    const char *in;
    size_t in_len, in_off;
    bool eof;        /* the peer closed its side of the socket */
    bool out_failed; /* the output queue refused bytes (no memory) */
    /* Output: the connection's queue and the pool its chunks come from. */
    rs_outq *out;
    rs_chunk_pool *pool;
    unsigned long last_error; /* the OpenSSL error code of the last RS_TLS_ERROR, for the log */
} rs_tls_conn;

/* Server side of a new connection on listener `ctx`, writing ciphertext to
 * out (chunks from pool).  NULL when out of memory. */
rs_tls_conn *rs_tls_conn_new(rs_tls_ctx *ctx, rs_outq *out, rs_chunk_pool *pool);
void rs_tls_conn_free(rs_tls_conn *t);

/* Lends OpenSSL a received buffer of ciphertext until rs_tls_input_done. */
void rs_tls_input(rs_tls_conn *t, const char *data, size_t len);
/* The lent buffer is about to be recycled: copies what OpenSSL has not read
 * yet into the stash.  False when the stash cannot grow (close). */
bool rs_tls_input_done(rs_tls_conn *t);
/* The peer closed the socket: a record it left unfinished is an error. */
void rs_tls_input_eof(rs_tls_conn *t);

/* Drives the handshake: OK once complete (then rs_tls_alpn), WANT_INPUT, or ERROR. */
rs_tls_result rs_tls_handshake(rs_tls_conn *t);
bool rs_tls_handshake_done(const rs_tls_conn *t);

/* Decrypts into buf[0..cap): OK with *n > 0, WANT_INPUT, CLOSED, ERROR or
 * NO_MEMORY (a KeyUpdate answer could not be queued).  Finishes the
 * handshake first if needed. */
rs_tls_result rs_tls_read(rs_tls_conn *t, char *buf, size_t cap, size_t *n);

/* Encrypts len bytes into the output queue as records of up to 16 KiB:
 * OK, ERROR or NO_MEMORY.  Call once per batch, not once per response:
 * every call costs at least one record's overhead and cipher set-up. */
rs_tls_result rs_tls_write(rs_tls_conn *t, const void *data, size_t len);

/* Encrypts everything in `plain` (a queue the protocol wrote its output
 * to) and empties it; small chunks are gathered so that records are full. */
rs_tls_result rs_tls_write_queue(rs_tls_conn *t, rs_outq *plain, rs_chunk_pool *plain_pool);

/* Queues close_notify (orderly shutdown); the caller then flushes and closes. */
rs_tls_result rs_tls_shutdown(rs_tls_conn *t);

/* The protocol ALPN chose, RS_TLS_PROTO_NONE when there was no ALPN. */
rs_tls_proto rs_tls_alpn(const rs_tls_conn *t);

/* The negotiated version ("TLSv1.3") and the last error, for logs and tests. */
const char *rs_tls_version(const rs_tls_conn *t);
const char *rs_tls_error_reason(const rs_tls_conn *t);

/* Ciphertext bytes this connection holds in its stash (per-worker budget). */
static inline size_t rs_tls_held(const rs_tls_conn *t)
{
    return t->stash_len;
}

#endif
