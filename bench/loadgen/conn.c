/* The connection state machine: connect, (WebSocket upgrade), keep the
 * pipeline full, parse what comes back, count it, and close/reopen.
 *
 * Each connection has at most one connect, one recv and one send in flight.
 * A recv completion parses every response it carries and queues a single
 * send that refills the pipeline by the number completed, so reads and
 * writes are both batched and the syscalls per request fall as depth rises.
 *
 * Lifetimes: a connection is closed with shutdown(), which makes its
 * pending recv/send/connect complete promptly; the fd itself is closed only
 * when no operation of it is left in the kernel (c->ops == 0), so neither an
 * in-flight operation nor one prepared but not yet submitted can ever land
 * on a reused fd number or write into a buffer that was handed on. */
#include "conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void prep(struct loop *l, struct conn *c, struct io_uring_sqe *sqe, enum op op)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)(c - l->conns) << 2 | op);
    c->ops++;
}

static void flush_send(struct loop *l, struct conn *c);

/* ---- closing and reopening ---- */

static void reopen(struct loop *l, struct conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->tmpl = (uint16_t)((c->tmpl + 1) % l->ts->n); /* gcannon rotates on every reconnect */
    if (c->retry) {
        c->state = C_IDLE;
        c->retry_at = l->now + RETRY_DELAY_NS;
    } else {
        conn_start(l, c);
    }
}

void conn_close(struct loop *l, struct conn *c, int retry)
{
    if (c->state == C_CLOSING || c->state == C_IDLE)
        return;
    shutdown(c->fd, SHUT_RDWR);
    c->state = C_CLOSING;
    c->retry = (uint8_t)retry;
    if (c->ops == 0)
        reopen(l, c);
}

/* A completion for a closing connection: reopen once the last is back. */
static int draining(struct loop *l, struct conn *c)
{
    if (c->state != C_CLOSING)
        return 0;
    if (c->ops == 0)
        reopen(l, c);
    return 1;
}

/* ---- sending and receiving ---- */

static void start_send(struct loop *l, struct conn *c, const char *buf, size_t len)
{
    c->send_buf = buf;
    c->send_len = len;
    c->send_off = 0;
    struct io_uring_sqe *sqe = get_sqe(l);
    io_uring_prep_send(sqe, c->fd, buf, len, MSG_NOSIGNAL);
    prep(l, c, sqe, OP_SEND);
    c->send_armed = 1;
}

/* Sends every request the pipeline has room for, in one write. */
static void flush_send(struct loop *l, struct conn *c)
{
    if (c->send_armed || c->want == 0 || c->state != C_ACTIVE)
        return;
    uint32_t n = c->want;
    uint64_t r = l->cfg->reqs_per_conn;
    if (r && c->sent + n > r)
        n = (uint32_t)(r - c->sent);
    c->want = 0;
    if (n == 0)
        return;
    for (uint32_t i = 0; i < n; i++)
        c->ts[(c->ts_head + c->inflight + i) & l->ts_mask] = l->now;
    c->inflight += n;
    c->sent += n;
    const struct template *t = &l->ts->t[c->tmpl];
    start_send(l, c, t->batch, (size_t)n * t->len);
}

static void arm_recv(struct loop *l, struct conn *c)
{
    struct io_uring_sqe *sqe = get_sqe(l);
    io_uring_prep_recv(sqe, c->fd, c->rbuf + c->rlen, l->cfg->bufsize - c->rlen, 0);
    prep(l, c, sqe, OP_RECV);
    c->recv_armed = 1;
}

void conn_start(struct loop *l, struct conn *c)
{
    c->rlen = 0;
    c->inflight = c->want = c->ts_head = 0;
    c->sent = c->done = 0;
    c->rbytes = 0;
    c->close_after = c->retry = 0;
    resp_reset(&c->rp);
    memset(&c->wp, 0, sizeof c->wp);
    c->since = l->now;
    c->fd = socket(l->cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (c->fd < 0) {
        if (l->counting)
            l->st->err_connect++;
        c->state = C_IDLE;
        c->retry_at = l->now + RETRY_DELAY_NS;
        return;
    }
    /* Requests are written whole; never let Nagle hold back a refill. */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct io_uring_sqe *sqe = get_sqe(l);
    io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&l->cfg->addr, l->cfg->addrlen);
    prep(l, c, sqe, OP_CONNECT);
    c->state = C_CONNECTING;
}

/* The pipeline's initial fill: depth requests, fewer if -r is smaller. */
static void begin_requests(struct loop *l, struct conn *c)
{
    c->state = C_ACTIVE;
    c->want = (uint32_t)l->cfg->depth;
    flush_send(l, c);
}

static void on_connect(struct loop *l, struct conn *c, int res)
{
    if (draining(l, c))
        return;
    if (res < 0) {
        if (l->counting)
            l->st->err_connect++;
        conn_close(l, c, 1);
        return;
    }
    c->since = l->now;
    if (l->cfg->ws) {
        char key[WS_KEY_LEN + 1];
        ws_make_key(&l->rng, key);
        ws_accept_for(key, c->ws_accept);
        size_t n = ws_build_upgrade(c->ws_req, WS_REQ_CAP, l->cfg->path, l->cfg->url_host, key);
        c->state = C_HANDSHAKE;
        start_send(l, c, c->ws_req, n);
    } else {
        begin_requests(l, c);
    }
    arm_recv(l, c);
}

static void on_send(struct loop *l, struct conn *c, int res)
{
    c->send_armed = 0;
    if (draining(l, c))
        return;
    if (res < 0) {
        if (l->counting)
            l->st->err_read++;
        conn_close(l, c, 1);
        return;
    }
    c->send_off += (size_t)res;
    if (c->send_off < c->send_len) {
        /* Short write (socket buffer full): send the rest. */
        struct io_uring_sqe *sqe = get_sqe(l);
        io_uring_prep_send(sqe, c->fd, c->send_buf + c->send_off, c->send_len - c->send_off, MSG_NOSIGNAL);
        prep(l, c, sqe, OP_SEND);
        c->send_armed = 1;
        return;
    }
    flush_send(l, c);
}

/* ---- responses ---- */

/* One request answered (HTTP response or WebSocket echo). */
static int complete_one(struct loop *l, struct conn *c, unsigned status, int mismatch)
{
    if (c->inflight == 0)
        return -1; /* an answer nobody asked for */
    uint64_t sent_at = c->ts[c->ts_head & l->ts_mask];
    c->ts_head++;
    c->inflight--;
    c->done++;
    if (l->counting) {
        struct stats *st = l->st;
        st->responses++;
        if (status)
            st->status[status / 100 <= 5 ? status / 100 : 0]++;
        if (status == 0 || (status >= 200 && status < 300))
            st->tmpl_ok[c->tmpl]++;
        st->resp_bytes += c->rbytes;
        st->tmpl_bytes[c->tmpl] += c->rbytes;
        if (mismatch)
            st->err_mismatch++;
        hist_record(&st->hist, l->now - sent_at);
    }
    c->rbytes = 0;
    uint64_t r = l->cfg->reqs_per_conn;
    if (r && c->done >= r)
        c->close_after = 1;
    else
        c->want++;
    return 0;
}

/* The 101 (or refusal) to our upgrade request. */
static int on_upgrade_response(struct loop *l, struct conn *c)
{
    unsigned status = c->rp.status;
    if (status >= 100 && status < 200 && status != 101)
        return 0; /* interim */
    if (l->counting)
        l->st->status[status / 100 <= 5 ? status / 100 : 0]++;
    if (status != 101 || c->rp.accept_len != WS_ACCEPT_LEN ||
        memcmp(c->rp.accept, c->ws_accept, WS_ACCEPT_LEN) != 0) {
        if (l->counting)
            l->st->err_handshake++;
        return -1;
    }
    if (l->counting)
        l->st->ws_upgrades++;
    begin_requests(l, c);
    return 0;
}

/* Parses everything buffered. Returns -1 on a protocol error. */
static int consume(struct loop *l, struct conn *c)
{
    const struct template *t = &l->ts->t[c->tmpl];
    uint32_t off = 0;
    while (off < c->rlen && !c->close_after) {
        const char *b = c->rbuf + off;
        size_t avail = c->rlen - off, used = 0;
        if (c->state == C_HANDSHAKE) {
            int r = resp_parse(&c->rp, b, avail, &used, NULL, 0);
            off += (uint32_t)used;
            if (r == RESP_NEED_MORE)
                break;
            if (r == RESP_ERROR)
                goto parse_error;
            int bad = on_upgrade_response(l, c);
            resp_reset(&c->rp);
            if (bad)
                return -2;
        } else if (l->cfg->ws) {
            int r = ws_parse(&c->wp, b, avail, &used, t->expect, t->expect_len);
            off += (uint32_t)used;
            c->rbytes += used;
            if (r == WS_NEED_MORE)
                break;
            if (r == WS_ERROR)
                goto parse_error;
            if (c->wp.message_end) {
                if (complete_one(l, c, 0, c->wp.mismatch))
                    goto parse_error;
            } else if (c->wp.opcode == WS_OP_CLOSE) {
                c->close_after = 1;
            }
        } else {
            int r = resp_parse(&c->rp, b, avail, &used, t->expect, t->expect_len);
            off += (uint32_t)used;
            c->rbytes += used;
            if (r == RESP_NEED_MORE)
                break;
            if (r == RESP_ERROR)
                goto parse_error;
            if (c->rp.status < 200) {
                if (l->counting)
                    l->st->status[1]++; /* interim (100 Continue) */
            } else {
                if (complete_one(l, c, c->rp.status, c->rp.mismatch))
                    goto parse_error;
                if (c->rp.conn_close)
                    c->close_after = 1;
            }
            resp_reset(&c->rp);
        }
    }
    /* Keep an incomplete head/frame header for the next read. */
    c->rlen -= off;
    if (c->rlen && off)
        memmove(c->rbuf, c->rbuf + off, c->rlen);
    return 0;

parse_error:
    if (l->counting)
        l->st->err_parse++;
    return -1;
}

static void on_recv(struct loop *l, struct conn *c, int res)
{
    c->recv_armed = 0;
    if (draining(l, c))
        return;
    if (res <= 0) {
        /* EOF with nothing outstanding is a server closing an idle
         * connection (or honouring Connection: close): no error. */
        int lost = res < 0 || c->inflight || c->state == C_HANDSHAKE;
        if (lost && l->counting)
            l->st->err_read++;
        conn_close(l, c, lost);
        return;
    }
    if (l->counting)
        l->st->bytes_read += (uint64_t)res;
    c->rlen += (uint32_t)res;
    int rc = consume(l, c);
    if (rc) {
        conn_close(l, c, 1);
        return;
    }
    if (c->close_after) {
        if (l->counting)
            l->st->reconnects++;
        conn_close(l, c, 0);
        return;
    }
    if (c->rlen == l->cfg->bufsize) {
        /* A header block that does not fit the buffer: cannot progress. */
        if (l->counting)
            l->st->err_parse++;
        conn_close(l, c, 1);
        return;
    }
    arm_recv(l, c);
    flush_send(l, c);
}

void conn_handle_cqe(struct loop *l, struct io_uring_cqe *cqe)
{
    uint64_t data = io_uring_cqe_get_data64(cqe);
    struct conn *c = &l->conns[data >> 2];
    c->ops--;
    switch (data & 3) {
    case OP_CONNECT:
        on_connect(l, c, cqe->res);
        break;
    case OP_RECV:
        on_recv(l, c, cqe->res);
        break;
    case OP_SEND:
        on_send(l, c, cqe->res);
        break;
    }
}
