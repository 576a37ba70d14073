/* tls_context.h — the TLS configuration of one listener: certificate and
 * key, protocol versions, options, and the ALPN list in the listener's
 * order of preference.
 *
 * One rs_tls_ctx is shared by every worker (SSL_CTX is safe to share for
 * SSL_new).  A reload (SIGHUP) builds a complete new SSL_CTX from the files
 * and swaps it in only if the pair loads and matches; connections keep the
 * SSL_CTX they were accepted with (SSL_new takes a reference), so nothing
 * in flight is dropped and the old context is freed with its last
 * connection. */
#ifndef RS_TLS_CONTEXT_H
#define RS_TLS_CONTEXT_H

#include <pthread.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* Application protocols a TLS listener can offer through ALPN. */
typedef enum rs_tls_proto {
    RS_TLS_PROTO_NONE = -1, /* the client sent no ALPN, or nothing we speak */
    RS_TLS_PROTO_HTTP1 = 0, /* "http/1.1" */
    RS_TLS_PROTO_H2 = 1,    /* "h2" */
} rs_tls_proto;

#define RS_TLS_MAX_PROTOS 2

typedef struct rs_tls_ctx {
    pthread_mutex_t lock; /* guards ssl_ctx against a concurrent reload */
    SSL_CTX *ssl_ctx;     /* the current configuration */
    /* ALPN protocols in preference order, in wire format (length-prefixed). */
    unsigned char alpn_wire[32];
    unsigned alpn_wire_len;
    unsigned tickets; /* TLS 1.3 session tickets sent after a full handshake */
} rs_tls_ctx;

/* Loads cert (PEM chain) and key (PEM) for a listener offering `order[0..n)`
 * (n >= 1) through ALPN, in that order of preference.  NULL on failure, with
 * one line saying why in err. */
rs_tls_ctx *rs_tls_ctx_new(const char *cert, const char *key, const rs_tls_proto *order, size_t n, char *err,
                           size_t errlen);

/* Replaces the certificate and key.  0, or -1 with the reason in err and
 * the current pair still in use. */
int rs_tls_ctx_reload(rs_tls_ctx *t, const char *cert, const char *key, char *err, size_t errlen);

/* The current SSL_CTX with a reference taken; SSL_CTX_free it after SSL_new. */
SSL_CTX *rs_tls_ctx_acquire(rs_tls_ctx *t);

void rs_tls_ctx_free(rs_tls_ctx *t);

/* The ALPN name of a protocol ("h2", "http/1.1"). */
const char *rs_tls_proto_name(rs_tls_proto p);

#endif
