/* tls_stream.c — TLS as the stream layer of a connection (tls_stream.h). */
#include "tls/tls_stream.h"

#include <stdlib.h>

#include "core/buffer_budget.h"
#include "core/conn_lifecycle.h"
#include "core/log.h"
#include "core/proto.h"
#include "tls/tls_budget.h"

/* OpenSSL's allocations inside a call for a connection are charged to the
 * worker's budget (tls/tls_budget.h); only those: what a protocol does with
 * OpenSSL on its own (the WebSocket handshake's SHA-1) is not a TLS
 * connection's memory. */
static inline void openssl_for(rs_reactor *r)
{
    rs_tls_budget_bind(&r->budget);
}

static inline void openssl_done(void)
{
    rs_tls_budget_bind(NULL);
}

/* Plaintext of one record at most: what on_data gets per call. */
static _Thread_local char plain[16384];

bool rs_tls_stream_open(rs_reactor *r, rs_conn *c, struct rs_tls_ctx *ctx, unsigned protocols)
{
    /* Over the cap the connection is closed before any TLS byte: a client
     * cannot make a worker hold more SSL objects than the spec allows, and
     * connections past their handshake are not touched. */
    if (r->tls_handshaking >= r->opt->limits.tls_handshakes) {
        r->stats.tls_refused++;
        return false;
    }
    /* OpenSSL's memory is charged as it is allocated, whatever the budget
     * (tls_budget.h): a worker whose budget is spent takes no new TLS
     * connection, rather than growing by an SSL object and its buffers
     * per accept. */
    if (rs_budget_spent(&r->budget)) {
        r->stats.budget_refused_tls++;
        return false;
    }
    rs_tls_stream *s = calloc(1, sizeof *s);
    if (!s)
        return false;
    openssl_for(r);
    s->tls = rs_tls_conn_new(ctx, &s->cipher, &r->pool);
    openssl_done();
    if (!s->tls) {
        free(s);
        return false;
    }
    s->protocols = (uint8_t)protocols;
    s->handshaking = true;
    r->tls_handshaking++;
    r->tls[rs_conn_index(&r->conns, c)] = s;
    c->flags |= RS_CF_TLS;
    c->proto = RS_PROTO_SNIFF;   /* nothing to hold or answer until the handshake picks the protocol */
    c->flags |= RS_CF_HANDSHAKE; /* [server.timeouts] handshake bounds it, from now */
    return true;
}

static void handshake_over(rs_reactor *r, rs_tls_stream *s)
{
    if (s->handshaking) {
        s->handshaking = false;
        r->tls_handshaking--;
    }
}

static void fail(rs_reactor *r, rs_conn *c, const char *what)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    if (s->handshaking)
        r->stats.tls_handshake_errors++;
    else
        r->stats.tls_errors++;
    (void)what;
    handshake_over(r, s);
    rs_conn_abort(r, c);
}

/* The handshake completed: ALPN picks the protocol the connection speaks. */
static bool start_protocol(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    handshake_over(r, s);
    r->stats.tls_handshakes++;
    c->flags &= (uint16_t)~RS_CF_HANDSHAKE;
    rs_tls_proto alpn = rs_tls_alpn(s->tls);
    if (alpn == RS_TLS_PROTO_H2)
        c->proto = RS_PROTO_H2;
    else if (s->protocols & RS_LISTEN_HTTP1)
        c->proto = RS_PROTO_HTTP1; /* ALPN http/1.1, or none (wrk) */
    else
        return false; /* an h2-only listener and a client without h2 */
    if (!rs_proto_of(c)->on_open(r, c)) {
        c->proto = RS_PROTO_SNIFF; /* nothing was set up: nothing to release */
        return false;
    }
    return true;
}

/* Reads and hands over plaintext while the connection may take input. */
static void pump(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    if (!rs_tls_handshake_done(s->tls)) {
        openssl_for(r);
        rs_tls_result res = rs_tls_handshake(s->tls);
        openssl_done();
        if (res == RS_TLS_WANT_INPUT)
            return;
        if (res != RS_TLS_OK || !start_protocol(r, c)) {
            fail(r, c, "handshake");
            return;
        }
    }
    while (c->state == RS_CONN_OPEN && !(c->flags & (RS_CF_PAUSED | RS_CF_FILE))) {
        size_t n;
        openssl_for(r);
        rs_tls_result res = rs_tls_read(s->tls, plain, sizeof plain, &n);
        openssl_done();
        if (res == RS_TLS_OK) {
            rs_proto_of(c)->on_data(r, c, plain, n);
            continue;
        }
        if (res == RS_TLS_CLOSED)
            c->flags |= RS_CF_PEER_EOF; /* close_notify: an orderly end of input */
        else if (res != RS_TLS_WANT_INPUT)
            fail(r, c, "record");
        break;
    }
}

/* Keeps the budget's charge equal to the ciphertext kept aside. */
static void charge_stash(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    size_t held = rs_tls_held(s->tls);
    /* Bytes already received must land: charged whatever the budget (the
     * receive budget bounds them per connection, like the spill). */
    if (held > s->charged)
        rs_budget_charge(&r->budget, RS_HELD_TLS, held - s->charged);
    else if (held < s->charged)
        rs_budget_release(&r->budget, RS_HELD_TLS, s->charged - held);
    s->charged = (uint32_t)held;
}

void rs_tls_stream_data(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    rs_tls_conn *t = rs_tls_of(r, c)->tls;
    rs_tls_input(t, data, len);
    pump(r, c);
    /* What was not read (the connection paused mid-buffer) is kept aside:
     * the receive buffer goes back to the ring now.  Those bytes are the
     * client's to make us hold: charged to the worker's budget (DESIGN.md §2
     * rule 12). */
    if (!rs_tls_input_done(t)) {
        fail(r, c, "stash");
        return;
    }
    charge_stash(r, c);
}

void rs_tls_stream_drained(rs_reactor *r, rs_conn *c)
{
    rs_proto_of(c)->on_drained(r, c);
    if (c->state == RS_CONN_OPEN && rs_tls_held(rs_tls_of(r, c)->tls) > 0) {
        pump(r, c);
        charge_stash(r, c);
    }
}

bool rs_tls_stream_seal(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    bool plaintext_behind = c->out.queued > s->sealed;
    /* Encrypted again once half the window has gone out: each seal makes at
     * least two full records. */
    bool encrypt = plaintext_behind && s->sealed <= RS_TLS_SEAL_AHEAD / 2;
    if (!plaintext_behind || (!encrypt && s->cipher.queued == 0)) {
        s->sealed += s->cipher.queued;
        rs_outq_splice(&c->out, &s->cipher);
        return true;
    }
    /* The plaintext behind the records comes out; records OpenSSL wrote on
     * its own since the last seal go first (in its record order), then what
     * is encrypted now; what lies past the window goes back behind them as
     * plaintext (a static body: references to the cache, not copies). */
    rs_outq plaintext, later = {0};
    if (rs_outq_split(&c->out, &r->pool, s->sealed, &plaintext) < 0) {
        rs_outq_clear(&plaintext, &r->pool);
        return false;
    }
    if (encrypt) {
        openssl_for(r);
        bool ok = rs_outq_split(&plaintext, &r->pool, RS_TLS_SEAL_AHEAD - s->sealed, &later) == 0 &&
                  rs_tls_write_queue(s->tls, &plaintext, &r->pool) == RS_TLS_OK;
        openssl_done();
        rs_outq_clear(&plaintext, &r->pool);
        if (!ok) {
            rs_outq_clear(&later, &r->pool);
            return false;
        }
    } else {
        later = plaintext;
    }
    s->sealed += s->cipher.queued;
    rs_outq_splice(&c->out, &s->cipher);
    rs_outq_splice(&c->out, &later);
    return true;
}

bool rs_tls_stream_notify(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    if (s->notify_sent)
        return false;
    s->notify_sent = true;
    openssl_for(r);
    rs_tls_result res = rs_tls_shutdown(s->tls);
    openssl_done();
    if (res != RS_TLS_OK || !rs_tls_stream_seal(r, c))
        return false;
    return c->out.queued > 0;
}

void rs_tls_stream_release(rs_reactor *r, rs_conn *c)
{
    rs_tls_stream *s = rs_tls_of(r, c);
    if (!s)
        return;
    handshake_over(r, s);
    rs_budget_release(&r->budget, RS_HELD_TLS, s->charged);
    openssl_for(r);
    rs_tls_conn_free(s->tls);
    openssl_done();
    rs_outq_clear(&s->cipher, &r->pool);
    free(s);
    r->tls[rs_conn_index(&r->conns, c)] = NULL;
    c->flags &= (uint16_t)~RS_CF_TLS;
}
