/* send_direct.c — file bodies by sendfile, synchronously from the flush
 * phase.  Why synchronous: the ring has no sendfile, and its
 * IORING_OP_SPLICE is always punted to an io-wq worker thread (the kernel
 * will not splice in the non-blocking issue path), which measured more CPU
 * per body than the copying send it would replace (bench/static_send_ab.c,
 * BENCHMARKS.md).  sendfile on a non-blocking socket (send_direct makes it
 * so before its first call) never waits: it takes
 * what fits in the socket buffer and returns, so the reactor never blocks;
 * when the buffer is full the connection waits for POLLOUT through the ring.
 *
 * Everything else (response heads, small bodies) still goes by ring sends:
 * a head is sent with MSG_MORE, so it waits in the socket for the body that
 * follows, and the two leave in the same segments.  Bytes leave strictly
 * from the queue's head, and the caller keeps the single-send-in-flight
 * rule (nothing is in flight while this runs; the POLLOUT wait occupies the
 * send slot). */
#include "core/send_direct.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/sendfile.h>

/* The first chunk with unsent bytes and where they start (empty chunks,
 * should any precede it, are released by the consume that follows). */
static const rs_chunk *first_unsent(const rs_outq *q, uint32_t *off)
{
    *off = q->head_off;
    for (const rs_chunk *c = q->head; c; c = c->next, *off = 0)
        if (c->len > *off)
            return c;
    return NULL;
}

/* A by_file chunk's unsent bytes.  The socket takes page references to the
 * sealed memfd, so the chunk (and its buffer reference) can be released as
 * soon as the call returns. */
static ssize_t send_file_chunk(const rs_chunk *h, uint32_t done, int sock, uint32_t *want)
{
    off_t off = (off_t)(h->owner->fd_off + (uint64_t)(h->ref - h->owner->data) + done);
    *want = h->len - done;
    return sendfile(sock, h->owner->fd, &off, *want);
}

rs_direct_result rs_send_direct(rs_reactor *r, rs_conn *c, size_t *sent)
{
    rs_outq *q = &c->out;
    *sent = 0;
    /* Accepted sockets block (reactor.c: the ring handles them better so);
     * sendfile runs in the loop and must not: one fcntl per connection. */
    if (!(c->flags & RS_CF_NONBLOCK)) {
        if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0)
            return RS_DIRECT_FAILED;
        c->flags |= RS_CF_NONBLOCK;
    }
    /* Each step sends at least one byte or stops, so the queue bounds it. */
    while (q->queued > 0) {
        uint32_t done, want;
        const rs_chunk *next = first_unsent(q, &done);
        if (!next)
            break; /* cannot happen while queued > 0; never spin on it */
        if (!next->by_file)
            return RS_DIRECT_BYTES;
        ssize_t n;
        do {
            n = send_file_chunk(next, done, c->fd, &want);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return RS_DIRECT_FULL;
            if (*sent == 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
                return RS_DIRECT_REFUSED;
            return RS_DIRECT_FAILED;
        }
        if (n == 0)
            return RS_DIRECT_FAILED; /* nothing taken and no error: never spin */
        rs_outq_consume(q, &r->pool, (size_t)n);
        *sent += (size_t)n;
        if ((uint32_t)n < want)
            return RS_DIRECT_FULL; /* partial: the socket buffer is full */
    }
    return RS_DIRECT_DRAINED;
}
