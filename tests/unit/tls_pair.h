/* tls_pair.h — a real OpenSSL client (memory BIOs) talking to the server
 * side of runtime/tls entirely in memory, for the TLS unit tests.
 *
 * The client's ciphertext is handed to the server the way the transport
 * would: lent with rs_tls_input in pieces of `frag` bytes, each released
 * with rs_tls_input_done before the next (the ring recycles its buffers).
 * The server's ciphertext is taken from its output queue as a send would. */
#ifndef RS_TLS_PAIR_H
#define RS_TLS_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/outq.h"
#include "tls/tls_conn.h"
#include "tls/tls_context.h"

#define FIXTURE_CERT "tests/fixtures/tls/server.crt"
#define FIXTURE_KEY "tests/fixtures/tls/server.key"

typedef struct tls_pair {
    SSL_CTX *client_ctx;
    SSL *client;
    BIO *to_server;   /* the client writes here; we move it to the server */
    BIO *from_server; /* we write the server's output here; the client reads it */
    rs_outq out;
    rs_chunk_pool *pool;
    rs_tls_conn *server;
    size_t frag;           /* bytes per lent receive buffer */
    rs_tls_result last;    /* the server's last result while pumping */
    size_t server_out_len; /* ciphertext bytes the server has produced so far */
} tls_pair;

/* alpn: client's wire-format ALPN list or NULL; max_version: 0 or TLS1_2_VERSION... */
/* The fixture pair's context speaking HTTP/1.1 only; a pair that does not
 * load ends the program with OpenSSL's reason. */
static inline rs_tls_ctx *tls_pair_http1_ctx(void)
{
    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    char err[256];
    rs_tls_ctx *ctx = rs_tls_ctx_new(FIXTURE_CERT, FIXTURE_KEY, &h1, 1, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return ctx;
}

static inline void tls_pair_open(tls_pair *p, rs_tls_ctx *ctx, rs_chunk_pool *pool, const char *alpn,
                                 size_t alpn_len, int max_version)
{
    memset(p, 0, sizeof *p);
    p->pool = pool;
    p->frag = 1 << 20;
    p->client_ctx = SSL_CTX_new(TLS_client_method());
    if (max_version)
        SSL_CTX_set_max_proto_version(p->client_ctx, max_version);
    p->client = SSL_new(p->client_ctx);
    if (alpn)
        SSL_set_alpn_protos(p->client, (const unsigned char *)alpn, (unsigned)alpn_len);
    SSL_set_tlsext_host_name(p->client, "localhost");
    p->to_server = BIO_new(BIO_s_mem());
    p->from_server = BIO_new(BIO_s_mem());
    SSL_set_bio(p->client, p->from_server, p->to_server);
    SSL_set_connect_state(p->client);
    p->server = rs_tls_conn_new(ctx, &p->out, pool);
}

static inline void tls_pair_close(tls_pair *p)
{
    rs_tls_conn_free(p->server);
    rs_outq_clear(&p->out, p->pool);
    SSL_free(p->client);
    SSL_CTX_free(p->client_ctx);
    ERR_clear_error();
}

/* Moves the server's queued ciphertext to the client, as a send would. */
static inline void tls_pair_to_client(tls_pair *p)
{
    while (p->out.queued > 0) {
        uint32_t len;
        const char *bytes = rs_outq_peek(&p->out, &len);
        BIO_write(p->from_server, bytes, (int)len);
        p->server_out_len += len;
        rs_outq_consume(&p->out, p->pool, len);
    }
}

/* Moves the client's ciphertext to the server in frag-byte receive buffers;
 * each buffer is offered to step(), then released.  step returns the
 * server's result; pumping stops at the first result that is not
 * WANT_INPUT or OK. */
typedef rs_tls_result (*tls_step)(tls_pair *p, void *arg);

static inline rs_tls_result tls_pair_to_server(tls_pair *p, tls_step step, void *arg)
{
    char buf[65536];
    int n;
    rs_tls_result res = RS_TLS_WANT_INPUT;
    while ((n = BIO_read(p->to_server, buf, sizeof buf)) > 0) {
        for (int off = 0; off < n;) {
            size_t len = (size_t)(n - off) < p->frag ? (size_t)(n - off) : p->frag;
            rs_tls_input(p->server, buf + off, len);
            res = step(p, arg);
            if (!rs_tls_input_done(p->server))
                return RS_TLS_NO_MEMORY;
            off += (int)len;
            if (res != RS_TLS_OK && res != RS_TLS_WANT_INPUT)
                return p->last = res;
        }
    }
    return p->last = res;
}

static inline rs_tls_result step_handshake(tls_pair *p, void *arg)
{
    (void)arg;
    return rs_tls_handshake(p->server);
}

/* Runs both handshakes to completion (or failure): true when both finished. */
static inline bool tls_pair_handshake(tls_pair *p)
{
    for (int round = 0; round < 20; round++) {
        int c = SSL_do_handshake(p->client);
        if (c != 1 && SSL_get_error(p->client, c) != SSL_ERROR_WANT_READ)
            return false;
        rs_tls_result s = tls_pair_to_server(p, step_handshake, NULL);
        tls_pair_to_client(p);
        if (s == RS_TLS_ERROR || s == RS_TLS_NO_MEMORY)
            return false;
        if (c == 1 && rs_tls_handshake_done(p->server))
            return true;
    }
    return false;
}

/* Reads plaintext from the server into an accumulator. */
typedef struct plain_sink {
    char data[1 << 17];
    size_t len;
    size_t read_cap; /* bytes per rs_tls_read call */
    int max_reads;   /* stop after this many successful reads per receive buffer (0: no limit) */
} plain_sink;

static inline rs_tls_result step_read(tls_pair *p, void *arg)
{
    plain_sink *s = arg;
    size_t cap = s->read_cap ? s->read_cap : sizeof s->data;
    for (int reads = 0; !s->max_reads || reads < s->max_reads; reads++) {
        size_t n;
        if (cap > sizeof s->data - s->len)
            cap = sizeof s->data - s->len;
        rs_tls_result r = rs_tls_read(p->server, s->data + s->len, cap, &n);
        if (r != RS_TLS_OK)
            return r;
        s->len += n;
    }
    return RS_TLS_OK;
}

/* The client reads everything the server sent: returns bytes read. */
static inline size_t client_read_all(tls_pair *p, char *buf, size_t cap)
{
    size_t total = 0, n;
    while (total < cap && SSL_read_ex(p->client, buf + total, cap - total, &n) == 1)
        total += n;
    return total;
}

#endif
