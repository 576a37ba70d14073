/* tls_context.c — SSL_CTX set-up, ALPN selection and certificate reload. */
#include "tls/tls_context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

/* Session tickets sent after a full TLS 1.3 handshake: one.  It costs ~255
 * bytes and noise-level CPU per handshake; a client resuming with it costs
 * a third of a full handshake (bench/tls_tickets.c, runtime/tls/README.md). */
#define RS_TLS_TICKETS 1

const char *rs_tls_proto_name(rs_tls_proto p)
{
    switch (p) {
    case RS_TLS_PROTO_HTTP1:
        return "http/1.1";
    case RS_TLS_PROTO_H2:
        return "h2";
    default:
        return "";
    }
}

/* One line for the newest OpenSSL error (or `fallback`), clearing the queue
 * so it does not leak into another connection's diagnosis. */
static void describe_error(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[200] = "unknown error";
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    snprintf(err, errlen, "%s %s: %s", what, path, reason);
    ERR_clear_error();
}

/* ALPN: the first protocol of ours (the listener's order) that the client
 * offers.  A client offering none of ours gets no ALPN answer rather than a
 * fatal alert (the connection then speaks HTTP/1.1 if the listener does);
 * a client that sends no ALPN never reaches here (wrk). */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned inlen, void *arg)
{
    (void)ssl;
    const rs_tls_ctx *t = arg;
    unsigned char *chosen;
    if (SSL_select_next_proto(&chosen, outlen, t->alpn_wire, t->alpn_wire_len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *build_ssl_ctx(rs_tls_ctx *t, const char *cert, const char *key, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        describe_error(err, errlen, "TLS", "context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* No compression (CRIME), no renegotiation (a client-driven CPU sink and
     * a state machine we do not need), our cipher order, not the client's. */
    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Idle connections give their 16 KiB+ record buffers back (the idle
     * cost measured in tests/unit/test_tls_memory.c).  Writes never retry:
     * our BIO takes every byte or fails. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* Resumption rides on stateless tickets only: no server-side session
     * cache, which would be a shared, locked table growing with clients. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, t->tickets);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, t);

    /* A missing or unreadable file is the common case (the arena mounts /certs
     * only for TLS profiles): say so plainly rather than OpenSSL's "system lib". */
    for (int i = 0; i < 2; i++) {
        const char *path = i == 0 ? cert : key;
        if (access(path, R_OK) != 0) {
            snprintf(err, errlen, "TLS %s %s: %s", i == 0 ? "certificate" : "key", path, strerror(errno));
            goto fail;
        }
    }

    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        describe_error(err, errlen, "TLS certificate", cert);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        describe_error(err, errlen, "TLS key", key);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        describe_error(err, errlen, "TLS key does not match certificate", cert);
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

rs_tls_ctx *rs_tls_ctx_new(const char *cert, const char *key, const rs_tls_proto *order, size_t n, char *err,
                           size_t errlen)
{
    if (n == 0 || n > RS_TLS_MAX_PROTOS) {
        snprintf(err, errlen, "TLS listener needs 1 to %d protocols", RS_TLS_MAX_PROTOS);
        return NULL;
    }
    rs_tls_ctx *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "TLS: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = rs_tls_proto_name(order[i]);
        size_t len = strlen(name);
        t->alpn_wire[t->alpn_wire_len++] = (unsigned char)len;
        memcpy(t->alpn_wire + t->alpn_wire_len, name, len);
        t->alpn_wire_len += (unsigned)len;
    }
    t->tickets = RS_TLS_TICKETS;
    pthread_mutex_init(&t->lock, NULL);
    t->ssl_ctx = build_ssl_ctx(t, cert, key, err, errlen);
    if (!t->ssl_ctx) {
        rs_tls_ctx_free(t);
        return NULL;
    }
    return t;
}

int rs_tls_ctx_reload(rs_tls_ctx *t, const char *cert, const char *key, char *err, size_t errlen)
{
    SSL_CTX *fresh = build_ssl_ctx(t, cert, key, err, errlen);
    if (!fresh)
        return -1;
    pthread_mutex_lock(&t->lock);
    SSL_CTX *old = t->ssl_ctx;
    t->ssl_ctx = fresh;
    pthread_mutex_unlock(&t->lock);
    SSL_CTX_free(old); /* connections accepted with it hold their own references */
    return 0;
}

SSL_CTX *rs_tls_ctx_acquire(rs_tls_ctx *t)
{
    pthread_mutex_lock(&t->lock);
    SSL_CTX *ctx = t->ssl_ctx;
    SSL_CTX_up_ref(ctx);
    pthread_mutex_unlock(&t->lock);
    return ctx;
}

void rs_tls_ctx_free(rs_tls_ctx *t)
{
    if (!t)
        return;
    SSL_CTX_free(t->ssl_ctx);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
