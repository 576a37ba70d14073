/* tls_bio.c — a source/sink BIO over a connection's receive buffers and
 * output queue (tls_conn.h explains why not a socket or memory BIO). */
#include "tls/tls_bio.h"

#include <pthread.h>
#include <string.h>

#include "tls/tls_conn.h"

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static int bio_read(BIO *b, char *dst, size_t want, size_t *got)
{
    rs_tls_conn *t = BIO_get_data(b);
    size_t n = 0;
    BIO_clear_retry_flags(b);
    if (t->stash_off < t->stash_len) {
        size_t take = t->stash_len - t->stash_off;
        if (take > want)
            take = want;
        memcpy(dst, t->stash + t->stash_off, take);
        t->stash_off += (uint32_t)take;
        n = take;
    }
    if (n < want && t->in_off < t->in_len) {
        size_t take = t->in_len - t->in_off;
        if (take > want - n)
            take = want - n;
        memcpy(dst + n, t->in + t->in_off, take);
        t->in_off += take;
        n += take;
    }
    if (n > 0) {
        *got = n;
        return 1;
    }
    *got = 0;
    /* Nothing buffered: "try again later" unless the peer is gone, where 0
     * without the retry flag is end of file (a cut record is then an error). */
    if (!t->eof)
        BIO_set_retry_read(b);
    return 0;
}

static int bio_write(BIO *b, const char *src, size_t len, size_t *written)
{
    rs_tls_conn *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    /* The queue is bounded by the caller's backpressure, not here: a record
     * OpenSSL has built must go out whole or the stream is broken. */
    if (rs_outq_append(t->out, t->pool, src, len) != 0) {
        t->out_failed = true;
        *written = 0;
        return 0;
    }
    *written = len;
    return 1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH: /* the output queue is flushed by the transport */
        return 1;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void create_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ringspec stream");
    if (!m)
        return;
    BIO_meth_set_read_ex(m, bio_read);
    BIO_meth_set_write_ex(m, bio_write);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    method = m;
}

BIO *rs_tls_bio_new(struct rs_tls_conn *t)
{
    pthread_once(&method_once, create_method);
    if (!method)
        return NULL;
    BIO *b = BIO_new(method);
    if (b)
        BIO_set_data(b, t);
    return b;
}
