/* static_serve.c — a static-file request from head to last byte: resolve
 * at the head, answer at on_done, and in none mode feed the file through
 * ring reads as the output queue drains. */
#include "static/static_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/accept_encoding.h"
#include "app/reply.h"
#include "core/conn_lifecycle.h"
#include "core/output_gate.h"
#include "static/static.h"
#include "static/static_cond.h"

static const char *const rep_suffix[RS_REPS] = {"", ".gz", ".br"};

static int rep_of(rs_coding coding)
{
    return coding == RS_CODING_BR ? RS_REP_BR : coding == RS_CODING_GZIP ? RS_REP_GZIP : RS_REP_IDENTITY;
}

static void resolve_memory(rs_static_pending *s, const rs_request_view *v, const char *rel, size_t n,
                           const rs_str h[RS_COND_FIELDS])
{
    const rs_static_file *f = rs_static_find(s->dir->mount, rel, n);
    if (!f) {
        s->status = 404;
        return;
    }
    s->file = f;
    s->rep = (uint8_t)(f->offer.count
                           ? rep_of(rs_accept_choose(v->accept_encoding, v->accept_encoding_len, &f->offer))
                           : RS_REP_IDENTITY);
    const rs_static_rep *r = &f->rep[s->rep];
    rs_static_validators val = {r->etag, r->etag_len, f->last_modified, f->mtime, r->buf->len};
    s->status = rs_static_evaluate(h, &val, &s->off, &s->len);
}

/* Opens the best representation the client accepts that exists on disk. */
static int open_rep(rs_static_pending *s, const rs_request_view *v, const char *rel, size_t n)
{
    const rs_static_dir *d = s->dir;
    int dir_fd = d->mount->dir_fd;
    rs_compress offer = {0};
    if (s->mime != 255 && d->mime[s->mime].compressible)
        for (uint8_t k = 0; k < d->sibling_count; k++)
            offer.offer[offer.count++].coding = d->siblings[k];
    /* At most one attempt per offered coding, then identity. */
    for (unsigned attempt = 0; offer.count > 0 && attempt < RS_MAX_CODINGS; attempt++) {
        rs_coding c = rs_accept_choose(v->accept_encoding, v->accept_encoding_len, &offer);
        if (c != RS_CODING_GZIP && c != RS_CODING_BR)
            break;
        char name[RS_STATIC_MAX_PATH + 4];
        snprintf(name, sizeof name, "%.*s%s", (int)n, rel, rep_suffix[rep_of(c)]);
        int fd = rs_static_open_beneath(dir_fd, name, O_RDONLY);
        if (fd >= 0) {
            s->rep = (uint8_t)rep_of(c);
            return fd;
        }
        /* Absent: drop it from the offer and negotiate again. */
        uint8_t keep = 0;
        for (uint8_t k = 0; k < offer.count; k++)
            if (offer.offer[k].coding != c)
                offer.offer[keep++] = offer.offer[k];
        offer.count = keep;
    }
    s->rep = RS_REP_IDENTITY;
    return rs_static_open_beneath(dir_fd, rel, O_RDONLY);
}

typedef struct file_meta {
    char etag[48];
    char last_modified[32];
    rs_static_validators val;
} file_meta;

/* The validators of the snapshot taken at the head (rs_static_pending). */
static void describe_snapshot(const rs_static_pending *s, file_meta *m)
{
    rs_static_etag(m->etag, sizeof m->etag, s->mtime, s->size, s->rep);
    rs_static_http_date(m->last_modified, sizeof m->last_modified, s->mtime);
    m->val = (rs_static_validators){m->etag, strlen(m->etag), m->last_modified, s->mtime, s->size};
}

bool rs_static_snapshot_holds(const rs_static_pending *s)
{
    struct stat st;
    return fstat(s->fd, &st) == 0 && (uint64_t)st.st_size == s->size && st.st_mtim.tv_sec == s->mtime &&
           (uint32_t)st.st_mtim.tv_nsec == s->mtime_ns;
}

static void resolve_disk(rs_static_pending *s, const rs_request_view *v, const char *rel, size_t n,
                         const rs_str h[RS_COND_FIELDS])
{
    int fd = open_rep(s, v, rel, n);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        s->status = 404; /* missing, a symlink out of the directory, a directory */
        return;
    }
    s->fd = fd;
    s->size = (uint64_t)st.st_size;
    s->mtime = st.st_mtim.tv_sec;
    s->mtime_ns = (uint32_t)st.st_mtim.tv_nsec;
    file_meta m;
    describe_snapshot(s, &m);
    s->status = rs_static_evaluate(h, &m.val, &s->off, &s->len);
}

void rs_static_resolve(rs_conn *c, const rs_request_view *v, const rs_route_match *m)
{
    c->flags |= RS_CF_STATIC;
    rs_static_resolve_into(&c->stat, v, m);
}

void rs_static_resolve_into(rs_static_pending *s, const rs_request_view *v, const rs_route_match *m)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->dir = m->static_dir;
    char rel[RS_STATIC_MAX_PATH + 1];
    size_t n = 0;
    const char *path = v->path + m->static_prefix;
    size_t path_len = v->path_len - m->static_prefix;
    char with_index[RS_STATIC_MAX_PATH + 1];
    if (s->dir->index && (path_len == 0 || path[path_len - 1] == '/')) { /* a directory: its index file */
        size_t index_len = strlen(s->dir->index);
        if (path_len + index_len > RS_STATIC_MAX_PATH) {
            s->status = 404;
            return;
        }
        memcpy(with_index, path, path_len);
        memcpy(with_index + path_len, s->dir->index, index_len);
        path = with_index;
        path_len += index_len;
    }
    unsigned bad = rs_static_decode_path(path, path_len, rel, &n);
    if (bad) {
        s->status = (uint16_t)bad;
        return;
    }
    if (!s->dir->mount) { /* the directory was absent at start-up (an optional mount) */
        s->status = 404;
        return;
    }
    rs_str h[RS_COND_FIELDS] = {{NULL, 0}};
    if (v->head && rs_static_may_be_conditional(v->head, v->head_len))
        rs_request_headers(v, rs_cond_field_names, RS_COND_FIELDS, h);
    s->mime = rs_static_mime(s->dir, rel, n);
    if (s->dir->cache == RS_STATIC_MEMORY)
        resolve_memory(s, v, rel, n, h);
    else
        resolve_disk(s, v, rel, n, h);
}

/* Every response here has one of three statuses: their lines are constants
 * (formatting one per response showed in profiles). */
static const char *status_line(uint16_t status, size_t *len)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\n";
    static const char partial[] = "HTTP/1.1 206 Partial Content\r\n";
    static const char not_modified[] = "HTTP/1.1 304 Not Modified\r\n";
    if (status == 206) {
        *len = sizeof partial - 1;
        return partial;
    }
    if (status == 304) {
        *len = sizeof not_modified - 1;
        return not_modified;
    }
    *len = sizeof ok - 1;
    return ok;
}

/* 416: the current length, so the client can ask again (§15.5.17). */
static void reply_416(rs_reply *reply, uint64_t size)
{
    char extra[64];
    int n = snprintf(extra, sizeof extra, "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
    static const char head[] = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Type: text/plain\r\n";
    static const char body[] = "Range Not Satisfiable";
    rs_reply_framed(reply, head, sizeof head - 1, extra, (size_t)n, body, sizeof body - 1);
}

/* Status line, fields and Content-Range for 200/206/304. */
static bool write_head(rs_reply *reply, const rs_static_pending *s, const char *fields, size_t fields_len,
                       uint64_t size)
{
    char extra[96];
    size_t line_len, extra_len = 0;
    const char *line = status_line(s->status, &line_len);
    if (s->status == 206) {
        int n = snprintf(extra, sizeof extra, "Content-Range: bytes %llu-%llu/%llu\r\n",
                         (unsigned long long)s->off, (unsigned long long)(s->off + s->len - 1),
                         (unsigned long long)size);
        extra_len = n > 0 ? (size_t)n : 0;
    }
    /* 304: the length a 200 would have (RFC 9110 §8.6), so every response has one. */
    int64_t length = s->status == 304 ? (int64_t)size : (int64_t)s->len;
    return rs_reply_head(reply, line, line_len, fields, fields_len, extra, extra_len, length);
}

static void respond_memory(rs_reactor *r, rs_conn *c, rs_reply *reply)
{
    rs_static_pending *s = &c->stat;
    const rs_static_rep *rep = &s->file->rep[s->rep];
    if (s->status == 416) {
        reply_416(reply, rep->buf->len);
        return;
    }
    if (!write_head(reply, s, rep->fields, rep->fields_len, rep->buf->len))
        return;
    /* The body is a reference into the shared buffer: no copy. */
    if (s->status != 304 && !reply->head_only &&
        rs_outq_append_ref(&c->out, &r->refs, rep->buf, (size_t)s->off, (size_t)s->len) < 0)
        rs_conn_abort(r, c);
}

bool rs_static_respond_by_ref(rs_reply *reply, const rs_static_pending *s)
{
    if (s->status >= 400 && s->status != 416) {
        rs_reply_error(reply, s->status);
        return true;
    }
    if (s->dir->cache != RS_STATIC_MEMORY)
        return false;
    const rs_static_rep *rep = &s->file->rep[s->rep];
    if (s->status == 416)
        reply_416(reply, rep->buf->len);
    else if (write_head(reply, s, rep->fields, rep->fields_len, rep->buf->len) && s->status != 304 &&
             !reply->head_only)
        rs_reply_body_ref(reply, rep->buf, (size_t)s->off, (size_t)s->len);
    return true;
}

bool rs_static_respond_disk_head(rs_reply *reply, const rs_static_pending *s)
{
    if (s->status >= 400 && s->status != 416) {
        rs_reply_error(reply, s->status);
        return false;
    }
    file_meta m; /* the head's snapshot: the body may wait, the answer must not change */
    describe_snapshot(s, &m);
    if (s->status == 416) {
        reply_416(reply, m.val.size);
        return false;
    }
    char fields[512];
    bool vary = s->mime != 255 && s->dir->mime[s->mime].compressible && s->dir->sibling_count > 0;
    int n = rs_static_format_fields(s->dir, s->mime, s->rep, vary, m.etag, m.last_modified, fields,
                                    sizeof fields);
    if (n < 0) {
        rs_reply_error(reply, 500);
        return false;
    }
    if (!write_head(reply, s, fields, (size_t)n, m.val.size))
        return false;
    return !(s->status == 304 || reply->head_only || s->len == 0);
}

static void respond_disk(rs_conn *c, rs_reply *reply)
{
    /* Stream: keep the descriptor; rs_static_advance reads as the queue drains. */
    if (rs_static_respond_disk_head(reply, &c->stat))
        c->flags |= RS_CF_FILE;
}

void rs_static_respond(rs_reactor *r, rs_conn *c, rs_reply *reply)
{
    rs_static_pending *s = &c->stat;
    if (s->status >= 400 && s->status != 416)
        rs_reply_error(reply, s->status);
    else if (s->dir->cache == RS_STATIC_MEMORY)
        respond_memory(r, c, reply);
    else
        respond_disk(c, reply);
    if (!(c->flags & RS_CF_FILE))
        rs_static_release(c);
}

void rs_static_release(rs_conn *c)
{
    if (!(c->flags & (RS_CF_STATIC | RS_CF_FILE)))
        return;
    rs_static_pending *s = &c->stat;
    if (s->fd >= 0)
        close(s->fd); /* a regular file with no operation in flight */
    if (s->reading)
        rs_chunk_release(s->reading);
    s->fd = -1;
    s->reading = NULL;
    c->flags &= (uint16_t) ~(RS_CF_STATIC | RS_CF_FILE);
}

bool rs_static_advance(rs_reactor *r, rs_conn *c)
{
    rs_static_pending *s = &c->stat;
    if (!(c->flags & RS_CF_FILE) || (c->ops & RS_OP_READ_BIT))
        return false;
    if (s->len == 0) { /* all queued: the next request may be answered */
        rs_static_release(c);
        return true;
    }
    if (rs_output_blocked(r, c))
        return false; /* on_send brings us back as the queue drains */
    rs_chunk *chunk = rs_chunk_take(&r->file_chunks);
    if (!chunk) {
        rs_conn_abort(r, c);
        return false;
    }
    s->reading = chunk;
    size_t want = s->len < chunk->cap ? (size_t)s->len : chunk->cap;
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_read(sqe, s->fd, chunk->data, (unsigned)want, s->off);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_READ, c->gen, rs_conn_index(&r->conns, c)));
    c->ops |= RS_OP_READ_BIT;
    return false;
}

void rs_static_read_done(rs_reactor *r, rs_conn *c, int res)
{
    rs_static_pending *s = &c->stat;
    c->ops &= (uint8_t)~RS_OP_READ_BIT;
    rs_chunk *chunk = s->reading;
    s->reading = NULL;
    if ((res == -EAGAIN || res == -EINTR) && c->state != RS_CONN_CLOSING) {
        rs_chunk_release(chunk); /* a retry: rs_conn_advance submits the read again */
        return;
    }
    if (res <= 0 || c->state == RS_CONN_CLOSING) {
        /* The file shrank or failed under us: Content-Length is already
         * promised, so the only honest end is to drop the connection. */
        rs_chunk_release(chunk);
        rs_conn_abort(r, c);
        return;
    }
    if ((uint64_t)res >= s->len && !rs_static_snapshot_holds(s)) {
        /* The last bytes are read, but the file is no longer the one the head
         * described (its length, ETag, Content-Range): a short body on a
         * dropped connection tells the client, a complete one would not. */
        rs_chunk_release(chunk);
        rs_conn_abort(r, c);
        return;
    }
    chunk->len = (uint32_t)res;
    rs_outq_push(&c->out, chunk);
    s->off += (uint64_t)res;
    s->len -= (uint64_t)res;
}
