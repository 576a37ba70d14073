/* log_ring.c — see log_ring.h.  Writes to a pipe or FIFO are cut at a line
 * end within PIPE_BUF, so lines of several workers never interleave. */
#include "core/log_ring.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/conn_lifecycle.h"
#include "core/reactor.h"

int rs_log_ring_init(rs_log_ring *l, int fd)
{
    memset(l, 0, sizeof *l);
    l->fd = fd;
    if (fd < 0)
        return 0;
    struct stat st;
    l->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    l->buf[0] = malloc(RS_LOG_RING_BYTES);
    l->buf[1] = malloc(RS_LOG_RING_BYTES);
    if (!l->buf[0] || !l->buf[1]) {
        rs_log_ring_destroy(l);
        return -1;
    }
    return 0;
}

void rs_log_ring_destroy(rs_log_ring *l)
{
    free(l->buf[0]);
    free(l->buf[1]);
    l->buf[0] = l->buf[1] = NULL;
    l->fd = -1;
}

char *rs_log_ring_reserve(rs_log_ring *l, size_t max)
{
    if (!rs_log_ring_on(l))
        return NULL;
    if (RS_LOG_RING_BYTES - l->len[l->fill] < max) {
        l->dropped_lines++;
        return NULL;
    }
    return l->buf[l->fill] + l->len[l->fill];
}

void rs_log_ring_commit(rs_log_ring *l, size_t n)
{
    l->len[l->fill] += (uint32_t)n;
    l->lines[l->fill]++;
}

/* The next write of buf[!fill] from `done`: all of it to a file, a whole
 * number of lines within PIPE_BUF to anything else. */
static void submit(rs_reactor *r, rs_log_ring *l)
{
    unsigned b = !l->fill;
    const char *from = l->buf[b] + l->done;
    uint32_t left = l->len[b] - l->done;
    uint32_t n = left;
    if (!l->regular && n > PIPE_BUF) {
        n = PIPE_BUF;
        while (n > 0 && from[n - 1] != '\n')
            n--;
        if (n == 0) /* no line is longer than RS_LOG_LINE_MAX < PIPE_BUF: cannot happen */
            n = PIPE_BUF;
    }
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_write(sqe, l->fd, from, n, (uint64_t)-1); /* -1: at the file position (O_APPEND) */
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_LOG_WRITE, 0, 0));
    l->chunk = n;
    l->in_flight = true;
}

void rs_log_ring_flush(rs_reactor *r, rs_log_ring *l)
{
    if (!rs_log_ring_on(l) || l->in_flight || !l->len[l->fill])
        return;
    l->fill = !l->fill;
    l->done = 0;
    submit(r, l);
}

void rs_log_ring_written(rs_reactor *r, rs_log_ring *l, int res)
{
    unsigned b = !l->fill;
    l->in_flight = false;
    if (res <= 0) { /* the destination failed: what was not written is lost, and counted */
        l->write_errors++;
        l->dropped_lines += l->lines[b];
    } else {
        l->done += (uint32_t)res < l->chunk ? (uint32_t)res : l->chunk;
        if (l->done < l->len[b]) {
            submit(r, l);
            return;
        }
        l->written_lines += l->lines[b];
    }
    l->len[b] = l->lines[b] = 0;
    l->done = 0;
}

bool rs_log_ring_pending(const rs_log_ring *l)
{
    return rs_log_ring_on(l) && (l->in_flight || l->len[0] || l->len[1]);
}

void rs_log_ring_abandon(rs_log_ring *l)
{
    l->dropped_lines += l->lines[0] + l->lines[1];
    l->len[0] = l->len[1] = l->lines[0] = l->lines[1] = 0;
    l->done = 0;
}
