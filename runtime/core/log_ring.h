/* log_ring.h — a worker's bounded log buffer, written through its ring.
 *
 * Lines are appended to one of two fixed buffers while the other is being
 * written by one IORING_OP_WRITE at a time; the worker never blocks on the
 * log.  When the buffer being filled has no room (the destination is slow or
 * stuck, e.g. a FIFO nobody reads), lines are dropped and counted: requests
 * are never delayed by their log line. */
#ifndef RS_LOG_RING_H
#define RS_LOG_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_LOG_RING_BYTES (64u * 1024u) /* per buffer; two per worker */
#define RS_LOG_LINE_MAX 2560u           /* the longest line a writer may reserve */

typedef struct rs_log_ring {
    int fd;       /* -1: no log; shared by every worker, not owned */
    bool regular; /* a regular file (O_APPEND): a write of any size lands whole */
    bool in_flight;
    uint8_t fill; /* buf[fill] takes new lines; buf[!fill] is being written */
    char *buf[2];
    uint32_t len[2], lines[2];
    uint32_t done;  /* bytes of buf[!fill] already written */
    uint32_t chunk; /* bytes of the write in flight */
    uint64_t written_lines, dropped_lines, write_errors;
} rs_log_ring;

struct rs_reactor;

/* Whether the log is on (a zeroed ring, as in a test harness, is off). */
static inline bool rs_log_ring_on(const rs_log_ring *l)
{
    return l->buf[0] != NULL;
}

/* fd < 0 leaves the log off (nothing allocated).  -1 when out of memory. */
int rs_log_ring_init(rs_log_ring *l, int fd);
void rs_log_ring_destroy(rs_log_ring *l);

/* Room for a line of at most max bytes, or NULL: the line is dropped (and
 * counted).  rs_log_ring_commit(n) keeps n of them. */
char *rs_log_ring_reserve(rs_log_ring *l, size_t max);
void rs_log_ring_commit(rs_log_ring *l, size_t n);

/* Once per loop iteration: starts a write of what was appended, unless one
 * is in flight. */
void rs_log_ring_flush(struct rs_reactor *r, rs_log_ring *l);

/* The completion of that write (res: bytes or -errno). */
void rs_log_ring_written(struct rs_reactor *r, rs_log_ring *l, int res);

/* Lines appended or being written that have not reached the destination:
 * a stopping worker keeps its loop turning until they have (within
 * RS_LOG_DRAIN_MS), so the lines of its last requests are not lost. */
bool rs_log_ring_pending(const rs_log_ring *l);

/* Gives up on what is pending (the destination did not take it in time):
 * counted as dropped, so lines + dropped still adds up to the requests. */
void rs_log_ring_abandon(rs_log_ring *l);

#define RS_LOG_DRAIN_MS 2000u

#endif
