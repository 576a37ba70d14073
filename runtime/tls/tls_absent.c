/* tls_absent.c — what a build without a TLS listener links instead of the TLS
 * stream layer (every other file of runtime/tls/), so that it does not link
 * libssl and libcrypto at all: mapping them alone costs ~1.7 MiB of resident
 * memory before a single connection.  codegen decides (features.mk in the
 * generated directory, read by the Makefile); nothing here is ever reached
 * in such a build, since no listener carries a certificate: a context cannot
 * be created, and without one no connection is accepted as TLS. */
#include "tls/tls_budget.h"
#include "tls/tls_context.h"
#include "tls/tls_stream.h"

#include <stdio.h>

bool rs_tls_budget_install(void)
{
    return true; /* no OpenSSL in this process: nothing of it to charge */
}

rs_tls_ctx *rs_tls_ctx_new(const char *cert, const char *key, const rs_tls_proto *order, size_t n, char *err,
                           size_t errlen)
{
    (void)cert;
    (void)key;
    (void)order;
    (void)n;
    snprintf(err, errlen, "this server was built without TLS (its spec had no TLS listener)");
    return NULL;
}

int rs_tls_ctx_reload(rs_tls_ctx *t, const char *cert, const char *key, char *err, size_t errlen)
{
    (void)t;
    (void)cert;
    (void)key;
    snprintf(err, errlen, "this server was built without TLS");
    return -1;
}

void rs_tls_ctx_free(rs_tls_ctx *t)
{
    (void)t; /* never created */
}

bool rs_tls_stream_open(rs_reactor *r, rs_conn *c, struct rs_tls_ctx *ctx, unsigned protocols)
{
    (void)r;
    (void)c;
    (void)ctx;
    (void)protocols;
    return false; /* the caller aborts the connection */
}

void rs_tls_stream_data(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    (void)r;
    (void)c;
    (void)data;
    (void)len;
}

void rs_tls_stream_drained(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c;
}

bool rs_tls_stream_seal(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c;
    return false;
}

bool rs_tls_stream_notify(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c;
    return false;
}

void rs_tls_stream_release(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c; /* no connection is ever TLS here */
}
