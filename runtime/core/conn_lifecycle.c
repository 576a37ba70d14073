/* conn_lifecycle.c — submissions, completions and teardown of connections. */
#include "core/conn_lifecycle.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/layer_hooks.h"
#include "core/log.h"
#include "core/output_gate.h"
#include "core/proto.h"
#include "core/send_direct.h"
#include "core/uring_compat.h"

struct io_uring_sqe *rs_get_sqe(rs_reactor *r)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    while (!sqe) {
        io_uring_submit(&r->ring);
        sqe = io_uring_get_sqe(&r->ring);
    }
    return sqe;
}

static uint64_t conn_ud(rs_reactor *r, rs_conn *c, rs_op op)
{
    return rs_user_data(op, c->gen, rs_conn_index(&r->conns, c));
}

void rs_conn_accepted(rs_reactor *r, int fd, unsigned protocols, struct rs_tls_ctx *tls)
{
    rs_conn *c = r->stopping ? NULL : rs_conn_alloc(&r->conns);
    if (!c) {
        /* Full (or stopping): refuse at once; no operation refers to fd yet. */
        r->stats.refused_full++;
        close(fd);
        return;
    }
    r->stats.accepted++;
    c->fd = fd;
    c->state = RS_CONN_OPEN;
    /* TCP_NODELAY is inherited from the listener: no syscall per accept. */
    if (tls) {
        if (!rs_stream_layer.open(r, c, tls, protocols)) {
            c->proto = RS_PROTO_SNIFF;
            rs_conn_abort(r, c);
        }
        rs_conn_touch(r, c);
        return;
    }
    c->proto = (uint8_t)rs_proto_for_listener(protocols);
    if (!rs_proto_of(c)->on_open(r, c)) {
        c->proto = RS_PROTO_SNIFF; /* holds nothing: release has nothing to drop */
        rs_conn_abort(r, c);
    }
    rs_conn_touch(r, c);
}

static void arm_recv(rs_reactor *r, rs_conn *c)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    if (r->multishot_recv) {
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        /* Input flow control: the multishot ends after this budget and is
         * re-armed only while the connection may read, so a paused
         * connection receives at most one budget more. */
        if (r->recv_budget)
            rs_sqe_set_recv_total_limit(sqe, rs_recv_budget(r));
    } else
        io_uring_prep_recv(sqe, c->fd, NULL, r->bufs.size, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = r->bufs.group;
    io_uring_sqe_set_data64(sqe, conn_ud(r, c, RS_OP_RECV));
    c->ops |= RS_OP_RECV_BIT;
    c->flags &= (uint16_t) ~(RS_CF_NOBUFS | RS_CF_CANCELING);
}

static void sent(rs_reactor *r, rs_conn *c, size_t n);

/* The stream layer, when there is one, stands between the transport and
 * the protocol (tls/tls_stream.c, reached through layer_hooks.h). */
static void data_in(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    if (c->flags & RS_CF_TLS)
        rs_stream_layer.data(r, c, data, len);
    else
        rs_proto_of(c)->on_data(r, c, data, len);
}

static void drained(rs_reactor *r, rs_conn *c)
{
    if (c->flags & RS_CF_TLS)
        rs_stream_layer.drained(r, c);
    else
        rs_proto_of(c)->on_drained(r, c);
}

/* The socket buffer is full under a direct send: the send slot waits for
 * POLLOUT instead of a send (cancelled like one, by its user_data). */
static void submit_pollout(rs_reactor *r, rs_conn *c)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_poll_add(sqe, c->fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, conn_ud(r, c, RS_OP_SEND));
    c->ops |= RS_OP_SEND_BIT;
    c->flags |= RS_CF_POLLOUT;
}

/* A by_file chunk at the head of the queue: sendfile, synchronously.
 * Returns true when that settled the send slot for now (sent everything,
 * waits for POLLOUT, or failed); false when bytes that are not a file body
 * come next, or the kernel refused sendfile: the ring sends them. */
static bool send_direct(rs_reactor *r, rs_conn *c)
{
    size_t n;
    rs_direct_result res = rs_send_direct(r, c, &n);
    if (res == RS_DIRECT_REFUSED) {
        r->sendfile = false;
        rs_log("sendfile refused on a socket; static bodies are copied from now on");
        return false;
    }
    if (res == RS_DIRECT_FAILED) {
        rs_conn_abort(r, c); /* reset by peer and the like */
        return true;
    }
    if (res == RS_DIRECT_FULL)
        submit_pollout(r, c);
    r->stats.bytes_out += n; /* file bodies count like ring sends (--stats, metrics) */
    sent(r, c, n);
    return res != RS_DIRECT_BYTES || c->state == RS_CONN_CLOSING || (c->ops & RS_OP_SEND_BIT) ||
           c->out.queued == 0;
}

/* One send per connection in flight.  A single chunk goes out with send;
 * several (a response head and a body reference, pipelined responses)
 * with one sendmsg over up to RS_SEND_IOV of them.  With file bodies
 * queued, the ring sends what comes before the next one with MSG_MORE (the
 * head waits in the socket for its body) and the body goes by sendfile
 * once the ring send has completed. */
/* Trims a gathered send to its first `limit` bytes; the iovec count left. */
static int clip_iov(struct iovec *iov, int n, uint32_t *total, uint32_t limit)
{
    if (*total <= limit)
        return n;
    uint32_t sum = 0;
    int i = 0;
    while (i < n && sum + iov[i].iov_len <= limit)
        sum += (uint32_t)iov[i++].iov_len;
    if (i < n && sum < limit) {
        iov[i].iov_len = limit - sum;
        sum = limit;
        i++;
    }
    *total = sum;
    return i;
}

static void submit_send(rs_reactor *r, rs_conn *c)
{
    bool files = c->out.file_queued > 0 && r->sendfile;
    if (files && send_direct(r, c))
        return;
    files = c->out.file_queued > 0 && r->sendfile;
    uint32_t len;
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    int flags = MSG_NOSIGNAL | (files ? MSG_MORE : 0);
    /* TLS: never plaintext behind the records */
    uint32_t sendable = (c->flags & RS_CF_TLS) ? rs_stream_layer.sendable(r, c) : UINT32_MAX;
    if (c->out.head == c->out.tail && !files) {
        const char *data = rs_outq_peek(&c->out, &len);
        io_uring_prep_send(sqe, c->fd, data, len < sendable ? len : sendable, flags);
        len = len < sendable ? len : sendable;
    } else {
        rs_send_vec *v = &r->sendv[rs_conn_index(&r->conns, c)];
        int n = clip_iov(v->iov, rs_outq_gather(&c->out, v->iov, RS_SEND_IOV, &len, files), &len, sendable);
        v->msg = (struct msghdr){.msg_iov = v->iov, .msg_iovlen = (size_t)n};
        if (n == 1) /* a head before its file body: send skips sendmsg's msghdr import */
            io_uring_prep_send(sqe, c->fd, v->iov[0].iov_base, len, flags);
        else
            io_uring_prep_sendmsg(sqe, c->fd, &v->msg, flags);
    }
    io_uring_sqe_set_data64(sqe, conn_ud(r, c, RS_OP_SEND));
    c->out.inflight = len;
    c->ops |= RS_OP_SEND_BIT;
}

static void submit_cancel(rs_reactor *r, rs_conn *c, rs_op op)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_cancel64(sqe, conn_ud(r, c, op), 0);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_CANCEL, 0, 0));
}

static void submit_shutdown(rs_reactor *r, rs_conn *c)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_shutdown(sqe, c->fd, SHUT_WR);
    io_uring_sqe_set_data64(sqe, conn_ud(r, c, RS_OP_SHUTDOWN));
    c->ops |= RS_OP_SHUTDOWN_BIT;
}

static void submit_close(rs_reactor *r, rs_conn *c)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_close(sqe, c->fd);
    io_uring_sqe_set_data64(sqe, conn_ud(r, c, RS_OP_CLOSE));
    c->ops |= RS_OP_CLOSE_BIT;
}

void rs_conn_finish(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_OPEN)
        c->state = RS_CONN_DRAINING;
    rs_conn_touch(r, c);
}

void rs_conn_abort(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_FREE)
        return;
    c->state = RS_CONN_CLOSING;
    rs_conn_touch(r, c); /* also when already closing: the visit submits the close once ops drain */
}

void rs_conn_pause(rs_reactor *r, rs_conn *c)
{
    if (c->flags & RS_CF_PAUSED)
        return;
    c->flags |= RS_CF_PAUSED;
    r->stats.backpressure_pauses++;
    rs_conn_touch(r, c);
}

/* Input is not read while the output is over its cap (PAUSED) nor while a
 * file body streams (FILE): what would arrive could not be parsed until then,
 * and a response written for it would land inside the body (rule 11). */
static bool wants_recv(const rs_conn *c)
{
    if (c->flags & RS_CF_PEER_EOF)
        return false;
    if (c->state == RS_CONN_LINGERING)
        return true;
    return c->state == RS_CONN_OPEN && !(c->flags & (RS_CF_PAUSED | RS_CF_FILE | RS_CF_DB_WAIT));
}

/* A recv in flight that must stop: backpressure always; a streaming file or
 * a request parked on the database only once input actually arrived behind
 * it (spill_len), so a client that waits for its answer costs no cancel and
 * re-arm per request. */
static bool must_stop_recv(const rs_conn *c)
{
    if (!(c->ops & RS_OP_RECV_BIT) || (c->flags & RS_CF_CANCELING))
        return false;
    return (c->flags & RS_CF_PAUSED) || ((c->flags & (RS_CF_FILE | RS_CF_DB_WAIT)) && c->spill_len > 0);
}

/* Picks the timer that matches what the connection is waiting for.  HEADER
 * keeps its deadline from the request's first byte (slowloris), HANDSHAKE
 * from the accept (a TLS client trickling its ClientHello); BODY and
 * WRITE are refreshed on progress; IDLE starts when the connection goes idle. */
static void settle_timer(rs_reactor *r, rs_conn *c, bool progress)
{
    rs_timer_kind want;
    if (c->state == RS_CONN_CLOSING)
        want = RS_TIMER_NONE;
    else if (c->state == RS_CONN_LINGERING)
        want = RS_TIMER_LINGER;
    else if (c->flags & RS_CF_HANDSHAKE)
        want = RS_TIMER_HANDSHAKE; /* absolute: neither output nor input extends it */
    else if (c->out.queued > 0)
        want = RS_TIMER_WRITE;
    else if (c->flags & RS_CF_IN_BODY)
        want = RS_TIMER_BODY;
    else if (c->flags & RS_CF_IN_REQUEST)
        want = RS_TIMER_HEADER;
    else
        want = RS_TIMER_IDLE;

    /* A WebSocket is idle only while no frames arrive: it has no requests
     * whose end restarts the idle timer, so every receive does. */
    bool refresh = want == RS_TIMER_BODY || want == RS_TIMER_WRITE ||
                   (want == RS_TIMER_IDLE && rs_proto_of(c)->idle_on_input);
    if (want == RS_TIMER_NONE)
        rs_timer_cancel(&r->timers, &r->conns, c);
    else if (want != c->timer_kind || (progress && refresh))
        rs_timer_arm(&r->timers, &r->conns, c, want, r->now_ms);
}

/* The send slot is free and output is queued: send, or after a send that
 * completed with -EAGAIN, wait for room first (POLLOUT through the ring). */
static void start_send(rs_reactor *r, rs_conn *c)
{
    if (c->flags & RS_CF_SEND_AGAIN) {
        c->flags &= (uint16_t)~RS_CF_SEND_AGAIN;
        submit_pollout(r, c);
        return;
    }
    submit_send(r, c);
}

void rs_conn_advance(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_FREE)
        return; /* released in this batch: nothing of it is left to settle */
    switch (c->state) {
    case RS_CONN_OPEN:
    case RS_CONN_DRAINING:
        if (rs_proto_of(c)->on_flush)
            rs_proto_of(c)->on_flush(r, c);
        if ((c->flags & RS_CF_FILE) && rs_file_reads.advance(r, c) && c->state == RS_CONN_OPEN)
            drained(r, c); /* the file is queued: pipelined requests may go on */
        /* Half-close: the peer's FIN came after requests still unparsed
         * (paused, or behind a file).  They are answered first; once
         * everything received has been parsed, the connection drains. */
        if (c->state == RS_CONN_OPEN && (c->flags & RS_CF_PEER_EOF) &&
            !(c->flags & (RS_CF_PAUSED | RS_CF_FILE)))
            c->state = RS_CONN_DRAINING;
        if ((c->flags & RS_CF_TLS) && !rs_stream_layer.seal(r, c)) {
            r->stats.tls_errors++;
            c->state = RS_CONN_CLOSING;
            break;
        }
        /* TLS: everything owed is sent; close_notify goes out before the FIN. */
        if ((c->flags & RS_CF_TLS) && c->state == RS_CONN_DRAINING && c->out.queued == 0 &&
            !(c->flags & RS_CF_FILE))
            rs_stream_layer.notify(r, c);
        if (!(c->ops & RS_OP_SEND_BIT) && c->out.queued > 0)
            start_send(r, c);
        if (c->state == RS_CONN_DRAINING && c->out.queued == 0 && !(c->flags & RS_CF_FILE)) {
            if (c->flags & RS_CF_PEER_EOF) {
                c->state = RS_CONN_CLOSING;
                break;
            }
            submit_shutdown(r, c);
            c->state = RS_CONN_LINGERING;
        }
        break;
    default:
        break;
    }
    if (c->state == RS_CONN_LINGERING && (c->flags & RS_CF_PEER_EOF))
        c->state = RS_CONN_CLOSING;

    if (c->state == RS_CONN_CLOSING) {
        rs_timer_cancel(&r->timers, &r->conns, c);
        if ((c->ops & (RS_OP_RECV_BIT | RS_OP_SEND_BIT)) && !(c->flags & RS_CF_CANCELING)) {
            if (c->ops & RS_OP_RECV_BIT)
                submit_cancel(r, c, RS_OP_RECV);
            if (c->ops & RS_OP_SEND_BIT)
                submit_cancel(r, c, RS_OP_SEND);
            c->flags |= RS_CF_CANCELING;
        }
        if (c->ops == 0) /* nothing refers to the fd any more */
            submit_close(r, c);
        return;
    }

    if (wants_recv(c) && !(c->ops & RS_OP_RECV_BIT))
        arm_recv(r, c);
    else if (must_stop_recv(c)) {
        /* Stop the multishot recv; bytes already received before the
         * cancel lands go to the (bounded) spill. */
        submit_cancel(r, c, RS_OP_RECV);
        c->flags |= RS_CF_CANCELING;
    }
    settle_timer(r, c, false);
}

static void on_recv(rs_reactor *r, rs_conn *c, const struct io_uring_cqe *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_MORE)) {
        c->ops &= (uint8_t)~RS_OP_RECV_BIT;
        c->flags &= (uint16_t)~RS_CF_CANCELING;
    }
    int res = cqe->res;
    if (res > 0) {
        uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        r->stats.bytes_in += (uint64_t)res;
        if (c->state == RS_CONN_OPEN)
            data_in(r, c, rs_bufring_addr(&r->bufs, bid), (size_t)res);
        rs_bufring_recycle(&r->bufs, bid);
        if (c->state == RS_CONN_OPEN)
            settle_timer(r, c, true);
    } else if (res == 0) {
        c->flags |= RS_CF_PEER_EOF; /* rs_conn_advance drains once all input is parsed */
    } else if (res == -EAGAIN || res == -EINTR) {
        r->stats.recv_again++; /* a retry, not a failure: re-armed by rs_conn_advance */
    } else if (res == -ENOBUFS) {
        r->stats.enobufs_pauses++;
        c->flags |= RS_CF_NOBUFS;
    } else if (res == -EINVAL && r->recv_budget) {
        r->recv_budget = false; /* pre-6.17 kernel: no byte limit on multishot */
        rs_log("io_uring: multishot recv byte limit unsupported; bounding input by the spill only");
    } else if (res == -EINVAL && r->multishot_recv) {
        r->multishot_recv = false; /* pre-6.0 kernel: one recv per SQE */
    } else if (res != -ECANCELED) {
        rs_conn_abort(r, c); /* reset by peer and the like */
    }
}

static void on_send(rs_reactor *r, rs_conn *c, const struct io_uring_cqe *cqe)
{
    c->ops &= (uint8_t)~RS_OP_SEND_BIT;
    c->out.inflight = 0;
    if (c->flags & RS_CF_POLLOUT) {
        /* The socket has room again (or an error the next send will see):
         * the flush phase sends. */
        c->flags &= (uint16_t)~RS_CF_POLLOUT;
        return;
    }
    if (cqe->res == -EAGAIN || cqe->res == -EINTR) {
        /* A send the kernel finished in its io-wq worker on a non-blocking
         * socket (one made so for sendfile, send_direct.c): nothing was
         * taken (partial progress is reported as a count).  Wait for room,
         * then send the same bytes. */
        r->stats.send_again++;
        c->flags |= RS_CF_SEND_AGAIN;
        return;
    }
    if (cqe->res < 0) {
        rs_conn_abort(r, c); /* reset by peer, or our own cancel when closing */
        return;
    }
    r->stats.bytes_out += (uint64_t)cqe->res;
    rs_outq_consume(&c->out, &r->pool, (size_t)cqe->res);
    if (c->flags & RS_CF_TLS)
        rs_stream_layer.sent(r, c, (size_t)cqe->res);
    sent(r, c, (size_t)cqe->res);
}

/* n bytes of c's queue went out (already consumed): timers, backpressure.
 * The caller's connection is visited afterwards either way (from a
 * completion, or it is being advanced now). */
static void sent(rs_reactor *r, rs_conn *c, size_t n)
{
    if (c->state == RS_CONN_CLOSING)
        return;
    settle_timer(r, c, n > 0);
    if ((c->flags & RS_CF_PAUSED) && rs_output_may_resume(r, c)) {
        c->flags &= (uint16_t)~RS_CF_PAUSED;
        drained(r, c);
    }
}

static void release(rs_reactor *r, rs_conn *c)
{
    rs_timer_cancel(&r->timers, &r->conns, c);
    rs_proto_of(c)->on_release(r, c);
    if (c->flags & RS_CF_TLS)
        rs_stream_layer.release(r, c);
    rs_outq_clear(&c->out, &r->pool);
    r->stats.closed++;
    rs_conn_release(&r->conns, c);
}

/* DESIGN.md §2 rule 10: every completion of a slot's op ends here, and
 * whatever its handler did (including returning early on an error), the
 * connection is then visited by rs_conn_advance in this batch's flush
 * phase.  That visit is what submits the next step: a resend, a re-arm,
 * the cancel, the close once nothing is in flight.  Handlers therefore
 * never need to (and do not) queue the visit themselves. */
void rs_conn_complete(rs_reactor *r, rs_conn *c, rs_op op, const struct io_uring_cqe *cqe)
{
    switch (op) {
    case RS_OP_RECV:
        on_recv(r, c, cqe);
        break;
    case RS_OP_SEND:
        on_send(r, c, cqe);
        break;
    case RS_OP_READ:
        rs_proto_of(c)->on_read(r, c, cqe->res);
        break;
    case RS_OP_SHUTDOWN:
        c->ops &= (uint8_t)~RS_OP_SHUTDOWN_BIT;
        break;
    case RS_OP_CLOSE:
        c->ops &= (uint8_t)~RS_OP_CLOSE_BIT;
        /* The close is submitted only with nothing else in flight, so it
         * is the slot's last operation: free it, and there is nothing left
         * to visit. */
        release(r, c);
        return;
    default:
        break;
    }
    rs_conn_touch(r, c);
}

void rs_conn_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    if (kind == RS_TIMER_LINGER || c->state != RS_CONN_OPEN)
        rs_conn_abort(r, c); /* nothing more is owed */
    else
        rs_proto_of(c)->on_timeout(r, c, kind);
    rs_conn_touch(r, c);
}
