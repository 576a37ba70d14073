/* test_tls_records.c — application data through the TLS stream layer:
 * records split across receive buffers down to one byte each, unread
 * ciphertext kept when the caller stops reading (output at its cap), a
 * peer closing mid-record, close_notify both ways, KeyUpdate, and output
 * batched into full records. */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"
#include "tls_pair.h"

static rs_chunk_pool pool;
static rs_tls_ctx *ctx;

static void open_pair(tls_pair *p)
{
    tls_pair_open(p, ctx, &pool, NULL, 0, 0);
    CHECK(tls_pair_handshake(p));
}

static void fill(char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + (i * 31 + seed) % 26);
}

/* The client's ciphertext reaches the server one byte per receive buffer,
 * from the ClientHello on: the handshake and every record still come out whole. */
static void test_one_byte_buffers(void)
{
    tls_pair p;
    tls_pair_open(&p, ctx, &pool, NULL, 0, 0);
    p.frag = 1;
    CHECK(tls_pair_handshake(&p));
    static char req[3000];
    fill(req, sizeof req, 1);
    CHECK(SSL_write(p.client, req, sizeof req) == (int)sizeof req);
    CHECK(SSL_write(p.client, "tail", 4) == 4);
    plain_sink *s = calloc(1, sizeof *s);
    tls_pair_to_server(&p, step_read, s);
    CHECK_EQ_INT(p.last, RS_TLS_WANT_INPUT);
    CHECK_EQ_INT(s->len, sizeof req + 4);
    CHECK(memcmp(s->data, req, sizeof req) == 0 && memcmp(s->data + sizeof req, "tail", 4) == 0);
    CHECK_EQ_INT(rs_tls_held(p.server), 0); /* whole buffers consumed: nothing copied aside */
    free(s);
    tls_pair_close(&p);
}

/* Several records in one receive buffer, and the caller stops after the
 * first (its output queue reached the cap): the rest is kept aside and
 * read later without new input, byte for byte. */
static void test_stop_reading_keeps_the_rest(void)
{
    tls_pair p;
    open_pair(&p);
    static char a[1000], b[1000], c[1000];
    fill(a, sizeof a, 2);
    fill(b, sizeof b, 3);
    fill(c, sizeof c, 4);
    SSL_write(p.client, a, sizeof a);
    SSL_write(p.client, b, sizeof b);
    SSL_write(p.client, c, sizeof c);
    plain_sink *s = calloc(1, sizeof *s);
    s->max_reads = 1; /* paused after one record */
    tls_pair_to_server(&p, step_read, s);
    CHECK_EQ_INT(s->len, sizeof a);
    CHECK(rs_tls_held(p.server) > 2 * sizeof a); /* two records of ciphertext kept */

    /* Resumed with no new receive buffer: the kept records come out in order. */
    s->max_reads = 0;
    CHECK_EQ_INT(step_read(&p, s), RS_TLS_WANT_INPUT);
    CHECK(rs_tls_input_done(p.server));
    CHECK_EQ_INT(s->len, 3 * sizeof a);
    CHECK(memcmp(s->data, a, sizeof a) == 0);
    CHECK(memcmp(s->data + sizeof a, b, sizeof b) == 0);
    CHECK(memcmp(s->data + 2 * sizeof a, c, sizeof c) == 0);
    CHECK_EQ_INT(rs_tls_held(p.server), 0); /* and the stash is gone */

    /* A kept remainder followed by a new buffer: still in order. */
    SSL_write(p.client, a, sizeof a);
    SSL_write(p.client, b, sizeof b);
    s->len = 0;
    s->max_reads = 1;
    p.frag = 1500; /* the first buffer ends inside the second record */
    tls_pair_to_server(&p, step_read, s);
    s->max_reads = 0;
    CHECK_EQ_INT(step_read(&p, s), RS_TLS_WANT_INPUT);
    CHECK(rs_tls_input_done(p.server));
    CHECK_EQ_INT(s->len, 2 * sizeof a);
    CHECK(memcmp(s->data, a, sizeof a) == 0 && memcmp(s->data + sizeof a, b, sizeof b) == 0);
    free(s);
    tls_pair_close(&p);
}

/* The peer's socket closes in the middle of a record: an error, not an
 * orderly end, and none of the cut record's bytes are handed out. */
static void test_peer_closes_mid_record(void)
{
    tls_pair p;
    open_pair(&p);
    static char msg[2000];
    fill(msg, sizeof msg, 5);
    SSL_write(p.client, msg, sizeof msg);
    char cipher[4096];
    int n = BIO_read(p.to_server, cipher, sizeof cipher);
    CHECK(n > (int)sizeof msg);
    rs_tls_input(p.server, cipher, (size_t)n / 2);
    char plain[4096];
    size_t got;
    CHECK_EQ_INT(rs_tls_read(p.server, plain, sizeof plain, &got), RS_TLS_WANT_INPUT);
    CHECK(rs_tls_input_done(p.server));
    rs_tls_input_eof(p.server);
    CHECK_EQ_INT(rs_tls_read(p.server, plain, sizeof plain, &got), RS_TLS_ERROR);
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(ERR_peek_error(), 0);
    tls_pair_close(&p);
}

/* close_notify from the client ends the stream cleanly (CLOSED); ours
 * reaches the client as an orderly end. */
static void test_close_notify(void)
{
    tls_pair p;
    open_pair(&p);
    SSL_write(p.client, "bye", 3);
    CHECK(SSL_shutdown(p.client) == 0);
    plain_sink *s = calloc(1, sizeof *s);
    tls_pair_to_server(&p, step_read, s);
    CHECK_EQ_INT(p.last, RS_TLS_CLOSED);
    CHECK_EQ_INT(s->len, 3);
    free(s);
    tls_pair_close(&p);

    open_pair(&p);
    CHECK_EQ_INT(rs_tls_shutdown(p.server), RS_TLS_OK);
    size_t before = p.server_out_len;
    tls_pair_to_client(&p);
    CHECK(p.server_out_len > before); /* the alert was queued */
    char buf[16];
    size_t n;
    CHECK(SSL_read_ex(p.client, buf, sizeof buf, &n) == 0);
    CHECK_EQ_INT(SSL_get_error(p.client, 0), SSL_ERROR_ZERO_RETURN);
    CHECK(SSL_get_shutdown(p.client) & SSL_RECEIVED_SHUTDOWN);
    tls_pair_close(&p);

    /* Mid-handshake there are no keys to protect an alert with: nothing to do. */
    tls_pair_open(&p, ctx, &pool, NULL, 0, 0);
    CHECK_EQ_INT(rs_tls_shutdown(p.server), RS_TLS_OK);
    tls_pair_close(&p);
}

/* Application-data records in the ciphertext the server has queued. */
static int count_app_records(tls_pair *p, size_t *bytes)
{
    static char all[1 << 18];
    size_t n = 0;
    while (p->out.queued > 0) {
        uint32_t len;
        const char *b = rs_outq_peek(&p->out, &len);
        memcpy(all + n, b, len);
        n += len;
        rs_outq_consume(&p->out, p->pool, len);
    }
    BIO_write(p->from_server, all, (int)n);
    int records = 0;
    for (size_t off = 0; off + 5 <= n;) {
        size_t len = ((size_t)(unsigned char)all[off + 3] << 8) | (unsigned char)all[off + 4];
        records += all[off] == 23;
        off += 5 + len;
    }
    *bytes = n;
    return records;
}

/* The client rotates its keys and asks us to rotate ours (TLS 1.3
 * KeyUpdate): the server rotates too (OpenSSL sends its KeyUpdate in
 * front of its next write: two records where one would do), and traffic
 * carries on both ways across several updates. */
static void test_key_update(void)
{
    tls_pair p;
    open_pair(&p);
    plain_sink *s = calloc(1, sizeof *s);
    for (int round = 0; round < 3; round++) {
        CHECK(SSL_key_update(p.client, SSL_KEY_UPDATE_REQUESTED) == 1);
        char msg[32];
        int len = snprintf(msg, sizeof msg, "after update %d", round);
        CHECK(SSL_write(p.client, msg, len) == len);
        s->len = 0;
        tls_pair_to_server(&p, step_read, s);
        CHECK_EQ_INT(p.last, RS_TLS_WANT_INPUT);
        CHECK_EQ_INT(s->len, (size_t)len);
        CHECK(memcmp(s->data, msg, (size_t)len) == 0);
        CHECK_EQ_INT(rs_tls_write(p.server, "pong", 4), RS_TLS_OK);
        size_t cipher_len;
        CHECK_EQ_INT(count_app_records(&p, &cipher_len), 2); /* KeyUpdate + "pong" */
        char got[16];
        CHECK_EQ_INT(client_read_all(&p, got, sizeof got), 4);
        CHECK(memcmp(got, "pong", 4) == 0);
    }
    free(s);
    tls_pair_close(&p);
}

/* A batch of responses the protocol queued as many small chunks goes out
 * as full 16 KiB records, not one record per chunk, and decrypts to the
 * same bytes in the same order. */
static void test_write_queue_batches(void)
{
    tls_pair p;
    open_pair(&p);
    rs_chunk_pool plain_pool;
    rs_chunk_pool_init(&plain_pool, 256, 65536, 8, 2);
    rs_outq plain = {0};
    static char want[40000 + 100 * 120];
    size_t want_len = 0;
    for (int i = 0; i < 100; i++) { /* a pipeline of small responses */
        char resp[128];
        int len =
            snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%d", i < 10 ? 1 : 2, i);
        CHECK(rs_outq_append(&plain, &plain_pool, resp, (size_t)len) == 0);
        memcpy(want + want_len, resp, (size_t)len);
        want_len += (size_t)len;
    }
    static char big[40000]; /* then one large body, written in place */
    fill(big, sizeof big, 6);
    char *room = rs_outq_reserve(&plain, &plain_pool, sizeof big);
    memcpy(room, big, sizeof big);
    rs_outq_commit(&plain, sizeof big);
    memcpy(want + want_len, big, sizeof big);
    want_len += sizeof big;

    CHECK_EQ_INT(rs_tls_write_queue(p.server, &plain, &plain_pool), RS_TLS_OK);
    CHECK_EQ_INT(plain.queued, 0);
    CHECK(plain.head == NULL);
    size_t cipher_len;
    int records = count_app_records(&p, &cipher_len);
    /* The small responses fill one record; the 40 000-byte body takes three. */
    CHECK_EQ_INT(records, 1 + 3);
    static char got[sizeof want];
    CHECK_EQ_INT(client_read_all(&p, got, sizeof got), want_len);
    CHECK(memcmp(got, want, want_len) == 0);
    rs_outq_clear(&plain, &plain_pool);
    rs_chunk_pool_destroy(&plain_pool);
    tls_pair_close(&p);
}

int main(void)
{
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    ctx = tls_pair_http1_ctx();
    test_one_byte_buffers();
    test_stop_reading_keeps_the_rest();
    test_peer_closes_mid_record();
    test_close_notify();
    test_key_update();
    test_write_queue_batches();
    rs_tls_ctx_free(ctx);
    rs_chunk_pool_destroy(&pool);
    return tu_summary("tls_records");
}
