/* h2_file.c — static files of a cache = "none" directory over HTTP/2.
 *
 * The head is decided at the request (static/: open, fstat snapshot,
 * conditionals, range) and submitted with a data provider; the body is read
 * through the ring, never by a blocking read on the worker.  nghttp2 pulls
 * DATA only while the stream and connection windows are open and the pump
 * only while the output queue is under its cap, so flow control and the
 * output cap decide the pace: when a stream's last chunk has been sent and
 * more of its file is owed, its provider defers, the stream waits for a read,
 * and the flush phase (on_flush, h->file_work) submits one.  One read is
 * in flight per connection and each stream holds at most one chunk read
 * ahead (from the worker's file-chunk pool, charged to its budget).  A file
 * that fails, shrinks or no longer matches its head's snapshot when its last
 * bytes are read ends its stream with RST_STREAM(INTERNAL_ERROR): the
 * promised content-length is not met, and the client can tell. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "app/reply.h"
#include "core/conn_lifecycle.h"
#include "h2/h2_conn.h"
#include "h2/h2_internal.h"
#include "static/static.h"
#include "static/static_serve.h"

void rs_h2_answer_file(rs_h2_conn *h, rs_h2_stream *st, rs_reply *reply, const rs_request_view *view,
                       const rs_route_match *m)
{
    st->file = rs_h2_alloc(h->reactor, sizeof *st->file);
    if (!st->file) { /* over the worker's budget: the client may retry */
        h->reactor->stats.budget_refused_bodies++;
        rs_reply_error(reply, 503);
        return;
    }
    rs_static_resolve_into(st->file, view, m);
    if (!rs_static_respond_disk_head(reply, st->file))
        rs_h2_file_free(h, st); /* no body follows (HEAD, 304, an error): the descriptor is not needed */
}

void rs_h2_file_free(rs_h2_conn *h, rs_h2_stream *st)
{
    if (h->reading == st)
        h->reading = NULL; /* its read completes into h->read_chunk, then is dropped */
    if (st->fbuf)
        rs_chunk_release(st->fbuf);
    st->fbuf = NULL;
    if (st->file->fd >= 0)
        close(st->file->fd); /* a regular file; no operation of this stream is in flight on it */
    rs_h2_free(h->reactor, st->file);
    st->file = NULL;
}

static void want_read(rs_h2_conn *h, rs_h2_stream *st)
{
    st->file_wait = true;
    h->file_work = true;
    rs_conn_touch(h->reactor, h->conn);
}

ssize_t rs_h2_read_file(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                        nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)id;
    rs_h2_stream *st = source->ptr;
    if (!st->file)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* dropped: the stream is reset */
    if (st->fbuf) {
        size_t n = st->fbuf->len - st->fbuf_off;
        if (n > length)
            n = length;
        memcpy(buf, st->fbuf->data + st->fbuf_off, n);
        st->fbuf_off += (uint32_t)n;
        if (st->fbuf_off == st->fbuf->len) {
            rs_chunk_release(st->fbuf);
            st->fbuf = NULL;
            if (st->file->len == 0)
                *flags |= NGHTTP2_DATA_FLAG_EOF;
            else
                want_read(user, st); /* read the next piece while this one is sent */
        }
        return (ssize_t)n;
    }
    if (st->file->len == 0) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    if (!st->file_wait && ((rs_h2_conn *)user)->reading != st)
        want_read(user, st);
    return NGHTTP2_ERR_DEFERRED; /* resumed when its read completes */
}

static rs_h2_stream *next_waiting(rs_h2_conn *h)
{
    for (rs_h2_stream *st = h->streams; st; st = st->next)
        if (st->file_wait && st->file && !st->fbuf)
            return st;
    return NULL;
}

/* Flush phase: submit the read a waiting stream asked for, unless one is in
 * flight (its completion looks for the next). */
void rs_h2_file_flush(rs_reactor *r, rs_conn *c)
{
    rs_h2_conn *h = c->h2;
    if (!h->file_work)
        return; /* the common case: no stream waits for a read */
    h->file_work = false;
    if (c->state != RS_CONN_OPEN || (c->ops & RS_OP_READ_BIT))
        return; /* its completion looks for the next waiting stream */
    rs_h2_stream *st = next_waiting(h);
    if (!st)
        return;
    st->file_wait = false;
    rs_chunk *chunk = rs_chunk_take(&r->file_chunks);
    if (!chunk) { /* over the worker's budget */
        r->stats.budget_refused_bodies++;
        nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        rs_h2_file_free(h, st);
        rs_h2_pump(r, c);
        return;
    }
    size_t want = st->file->len < chunk->cap ? (size_t)st->file->len : chunk->cap;
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_read(sqe, st->file->fd, chunk->data, (unsigned)want, st->file->off);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_READ, c->gen, rs_conn_index(&r->conns, c)));
    c->ops |= RS_OP_READ_BIT;
    h->reading = st;
    h->read_chunk = chunk;
}

static void file_failed(rs_h2_conn *h, rs_h2_stream *st)
{
    nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
    rs_h2_file_free(h, st);
}

void rs_h2_file_read_done(rs_reactor *r, rs_conn *c, int res)
{
    rs_h2_conn *h = c->h2;
    c->ops &= (uint8_t)~RS_OP_READ_BIT;
    rs_chunk *chunk = h->read_chunk;
    rs_h2_stream *st = h->reading;
    h->read_chunk = NULL;
    h->reading = NULL;
    if (!st || c->state != RS_CONN_OPEN) { /* the stream or the connection went away meanwhile */
        rs_chunk_release(chunk);
    } else if (res == -EAGAIN || res == -EINTR) {
        rs_chunk_release(chunk);
        want_read(h, st); /* again, from the next flush */
    } else if (res <= 0 || ((uint64_t)res >= st->file->len && !rs_static_snapshot_holds(st->file))) {
        rs_chunk_release(chunk); /* failed, shrank, or changed since the head */
        file_failed(h, st);
    } else {
        if ((uint64_t)res > st->file->len)
            res = (int)st->file->len;
        chunk->len = (uint32_t)res;
        st->fbuf = chunk;
        st->fbuf_off = 0;
        st->file->off += (uint64_t)res;
        st->file->len -= (uint64_t)res;
        nghttp2_session_resume_data(h->session, st->id);
    }
    if (c->state == RS_CONN_OPEN) {
        if (next_waiting(h))
            h->file_work = true;
        rs_h2_pump(r, c);
    }
}
