/* tls_conn.c — handshake, read, write and shutdown of one TLS connection
 * over the BIO of tls_bio.c. */
#include "tls/tls_conn.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tls/tls_bio.h"

/* The largest TLS plaintext record: gathering output up to this size makes
 * one record per batch of small responses instead of one per chunk. */
#define RS_TLS_RECORD 16384

rs_tls_conn *rs_tls_conn_new(rs_tls_ctx *ctx, rs_outq *out, rs_chunk_pool *pool)
{
    rs_tls_conn *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->out = out;
    t->pool = pool;
    SSL_CTX *ssl_ctx = rs_tls_ctx_acquire(ctx);
    t->ssl = SSL_new(ssl_ctx);
    SSL_CTX_free(ssl_ctx); /* the SSL holds its own reference */
    BIO *bio = t->ssl ? rs_tls_bio_new(t) : NULL;
    if (!bio) {
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return NULL;
    }
    SSL_set_bio(t->ssl, bio, bio);
    SSL_set_accept_state(t->ssl);
    return t;
}

void rs_tls_conn_free(rs_tls_conn *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    free(t->stash);
    free(t);
}

void rs_tls_input(rs_tls_conn *t, const char *data, size_t len)
{
    t->in = data;
    t->in_len = len;
    t->in_off = 0;
}

bool rs_tls_input_done(rs_tls_conn *t)
{
    size_t keep_stash = t->stash_len - t->stash_off;
    size_t keep_in = t->in_len - t->in_off;
    const char *tail = t->in + t->in_off;
    t->in = NULL;
    t->in_len = t->in_off = 0;
    if (keep_stash + keep_in == 0) {
        free(t->stash);
        t->stash = NULL;
        t->stash_len = t->stash_off = 0;
        return true;
    }
    if (keep_in == 0) /* only older stash bytes are unread: they stay where they are */
        return true;
    char *fresh = malloc(keep_stash + keep_in);
    if (!fresh)
        return false;
    if (keep_stash)
        memcpy(fresh, t->stash + t->stash_off, keep_stash);
    memcpy(fresh + keep_stash, tail, keep_in);
    free(t->stash);
    t->stash = fresh;
    t->stash_len = (uint32_t)(keep_stash + keep_in);
    t->stash_off = 0;
    return true;
}

void rs_tls_input_eof(rs_tls_conn *t)
{
    t->eof = true;
}

/* What an SSL call's failure means for the caller.  The error queue is
 * emptied so the next connection on this thread starts clean. */
static rs_tls_result failure(rs_tls_conn *t, int ret)
{
    int err = SSL_get_error(t->ssl, ret);
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return RS_TLS_WANT_INPUT;
    case SSL_ERROR_ZERO_RETURN:
        return RS_TLS_CLOSED;
    default:
        break;
    }
    if (t->out_failed) {
        ERR_clear_error();
        return RS_TLS_NO_MEMORY;
    }
    unsigned long e = ERR_peek_last_error();
    if (e)
        t->last_error = e;
    ERR_clear_error();
    return RS_TLS_ERROR;
}

rs_tls_result rs_tls_handshake(rs_tls_conn *t)
{
    if (SSL_is_init_finished(t->ssl))
        return RS_TLS_OK;
    ERR_clear_error();
    int ret = SSL_do_handshake(t->ssl);
    return ret == 1 ? RS_TLS_OK : failure(t, ret);
}

bool rs_tls_handshake_done(const rs_tls_conn *t)
{
    return SSL_is_init_finished(t->ssl);
}

rs_tls_result rs_tls_read(rs_tls_conn *t, char *buf, size_t cap, size_t *n)
{
    *n = 0;
    ERR_clear_error();
    int ret = SSL_read_ex(t->ssl, buf, cap, n);
    return ret == 1 ? RS_TLS_OK : failure(t, ret);
}

rs_tls_result rs_tls_write(rs_tls_conn *t, const void *data, size_t len)
{
    if (len == 0)
        return RS_TLS_OK;
    size_t written = 0;
    ERR_clear_error();
    /* Without SSL_MODE_ENABLE_PARTIAL_WRITE this returns once every byte is
     * in records, and our BIO never asks to retry. */
    int ret = SSL_write_ex(t->ssl, data, len, &written);
    return ret == 1 ? RS_TLS_OK : failure(t, ret);
}

rs_tls_result rs_tls_write_queue(rs_tls_conn *t, rs_outq *plain, rs_chunk_pool *plain_pool)
{
    char gather[RS_TLS_RECORD];
    size_t gathered = 0;
    rs_tls_result res = RS_TLS_OK;
    uint32_t off = plain->head_off;
    for (const rs_chunk *c = plain->head; c && res == RS_TLS_OK; c = c->next, off = 0) {
        const char *p = rs_chunk_bytes(c) + off;
        size_t len = c->len - off;
        if (len >= RS_TLS_RECORD) { /* a large piece (a static file) goes in place, uncopied */
            res = rs_tls_write(t, gather, gathered);
            gathered = 0;
            if (res == RS_TLS_OK)
                res = rs_tls_write(t, p, len);
            continue;
        }
        while (len > 0 && res == RS_TLS_OK) {
            size_t take = sizeof gather - gathered;
            if (take > len)
                take = len;
            memcpy(gather + gathered, p, take);
            gathered += take;
            p += take;
            len -= take;
            if (gathered == sizeof gather) {
                res = rs_tls_write(t, gather, gathered);
                gathered = 0;
            }
        }
    }
    if (res == RS_TLS_OK)
        res = rs_tls_write(t, gather, gathered);
    rs_outq_consume(plain, plain_pool, plain->queued);
    return res;
}

rs_tls_result rs_tls_shutdown(rs_tls_conn *t)
{
    /* close_notify only makes sense once keys exist; mid-handshake the
     * connection is simply closed. */
    if (!SSL_is_init_finished(t->ssl))
        return RS_TLS_OK;
    ERR_clear_error();
    int ret = SSL_shutdown(t->ssl);
    if (ret >= 0) /* 0: ours sent, the peer's not seen, which we do not wait for */
        return RS_TLS_OK;
    return failure(t, ret);
}

rs_tls_proto rs_tls_alpn(const rs_tls_conn *t)
{
    const unsigned char *name;
    unsigned len;
    SSL_get0_alpn_selected(t->ssl, &name, &len);
    if (len == 2 && memcmp(name, "h2", 2) == 0)
        return RS_TLS_PROTO_H2;
    if (len == 8 && memcmp(name, "http/1.1", 8) == 0)
        return RS_TLS_PROTO_HTTP1;
    return RS_TLS_PROTO_NONE;
}

const char *rs_tls_version(const rs_tls_conn *t)
{
    return SSL_get_version(t->ssl);
}

const char *rs_tls_error_reason(const rs_tls_conn *t)
{
    const char *r = t->last_error ? ERR_reason_error_string(t->last_error) : NULL;
    return r ? r : "";
}
