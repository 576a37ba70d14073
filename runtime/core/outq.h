/* outq.h — a connection's queued output: a list of chunks from a
 * per-reactor pool, sent in order, at most one send in flight.
 *
 * Two kinds of chunk: owned chunks hold their bytes in data[]; reference
 * chunks point into an immutable shared buffer (a static file loaded at
 * start-up) and hold a reference to it, so a file goes out without a copy
 * into the queue.  Only owned bytes cost memory per connection, so only
 * they count towards the backpressure cap (rs_outq_owned).  A reference
 * into a memfd-backed buffer is marked by_file: the sender (send_direct.c)
 * hands it to sendfile, so the kernel takes page references instead of
 * copying the bytes.  That measured cheaper than a copy at every body size
 * of the arena's static mix, the 735-byte one included (BENCHMARKS.md).
 *
 * Lifetime rule (DESIGN.md §2.4): bytes handed to an in-flight send are
 * never moved or freed.  Appending is always safe because it only writes
 * past the end of the in-flight range; chunks (and buffer references) are
 * released only after the send that covered them completed.
 *
 * Memory: a pool with a budget (buffer_budget.h) charges a chunk's data
 * bytes when it hands the chunk out and releases them when the chunk comes
 * back, so everything queued counts against the worker's budget.  Chunks
 * are never refused here (a response half written cannot be taken back):
 * producers check output_gate.h before producing. */
#ifndef RS_OUTQ_H
#define RS_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/buffer_budget.h"
#include "core/shared_buf.h"

typedef struct rs_chunk {
    struct rs_chunk *next;
    struct rs_chunk_pool *home; /* the pool it returns to */
    const char *ref;            /* reference chunk: its bytes, inside owner */
    rs_shared_buf *owner;       /* reference chunk: the buffer it keeps alive */
    uint32_t len;               /* bytes written (or referenced) */
    uint32_t cap;               /* bytes available in data[]; 0 for a reference */
    uint8_t by_file;            /* reference chunk sent by sendfile from owner->fd */
    char data[];
} rs_chunk;

/* Free chunks of one size, kept per reactor so the hot path does not call
 * malloc; bounded so a burst does not pin memory forever. */
typedef struct rs_chunk_class {
    rs_chunk *free;
    uint32_t free_count;
    uint32_t max_free;
    uint32_t cap; /* data bytes of a chunk of this class (0: reference chunks) */
} rs_chunk_class;

/* Two sizes: most connections only ever queue a few small responses (a
 * 16-deep pipeline of them fits a small chunk), so a busy connection costs
 * a small chunk; large responses take one large chunk and are sent in one
 * piece.  Larger still is malloc'ed at its exact size and freed after. */
typedef struct rs_chunk_pool {
    rs_chunk_class small, large;
    uint64_t allocated; /* chunks currently handed out (for stats) */
    rs_budget *budget;  /* charged the data bytes of chunks handed out, or NULL */
} rs_chunk_pool;

typedef struct rs_outq {
    rs_chunk *head;
    rs_chunk *tail;
    uint32_t head_off;    /* bytes of head already sent */
    uint32_t queued;      /* bytes not yet sent (including in flight) */
    uint32_t inflight;    /* bytes handed to the kernel, from head + head_off */
    uint32_t ref_queued;  /* of queued, bytes in reference chunks */
    uint32_t file_queued; /* of ref_queued, bytes in by_file chunks */
} rs_outq;

void rs_chunk_pool_init(rs_chunk_pool *pool, uint32_t small_cap, uint32_t large_cap, uint32_t max_free_small,
                        uint32_t max_free_large);
void rs_chunk_pool_destroy(rs_chunk_pool *pool);

/* A large-class chunk of the pool, not linked anywhere (e.g. the target of a
 * file read), or NULL; give it to rs_outq_push or rs_chunk_release. */
rs_chunk *rs_chunk_take(rs_chunk_pool *pool);
void rs_chunk_release(rs_chunk *c);

/* Returns space for at least n contiguous bytes at the end of the queue
 * (allocating a chunk of the smallest class that fits, or an exact-size one), or
 * NULL when memory is exhausted.  Follow with rs_outq_commit. */
char *rs_outq_reserve(rs_outq *q, rs_chunk_pool *pool, size_t n);
void rs_outq_commit(rs_outq *q, size_t n);

/* Appends bytes, spanning chunks as needed; returns 0 or -1 (no memory). */
int rs_outq_append(rs_outq *q, rs_chunk_pool *pool, const void *src, size_t n);

/* Appends a reference to buf->data[off, off + n) (taking a reference on
 * buf, dropped when those bytes have been sent); 0 or -1 (no memory). */
int rs_outq_append_ref(rs_outq *q, rs_chunk_pool *ref_pool, rs_shared_buf *buf, size_t off, size_t n);

/* Appends a filled chunk from rs_chunk_take (c->len bytes). */
void rs_outq_push(rs_outq *q, rs_chunk *c);

/* Bytes the queue holds in its own chunks: what backpressure limits. */
static inline uint32_t rs_outq_owned(const rs_outq *q)
{
    return q->queued - q->ref_queued;
}

static inline const char *rs_chunk_bytes(const rs_chunk *c)
{
    return c->ref ? c->ref : c->data;
}

/* The contiguous unsent bytes at the head, for the next send. */
static inline const char *rs_outq_peek(const rs_outq *q, uint32_t *len)
{
    *len = q->head ? q->head->len - q->head_off : 0;
    return q->head ? rs_chunk_bytes(q->head) + q->head_off : NULL;
}

/* The unsent bytes of up to max chunks from the head, for one gathered
 * send; returns the number of iovecs and sets *total.  With stop_at_file
 * it stops before the first by_file chunk (sent by sendfile instead). */
int rs_outq_gather(const rs_outq *q, struct iovec *iov, int max, uint32_t *total, bool stop_at_file);

/* A send of n bytes completed: advance, releasing fully sent chunks. */
void rs_outq_consume(rs_outq *q, rs_chunk_pool *pool, size_t n);

/* Moves the unsent bytes past the first `keep` into `tail` (emptied first),
 * leaving q with `keep`: the stream layer takes the plaintext a protocol
 * appended behind already encrypted bytes.  Nothing past `keep` may be in
 * flight.  A cut inside an owned chunk copies that chunk's tail; inside a
 * reference chunk the tail is a second reference to the same buffer.
 * 0, or -1 (no memory). */
int rs_outq_split(rs_outq *q, rs_chunk_pool *pool, uint32_t keep, rs_outq *tail);

/* Appends every chunk of `from` (a queue nothing was sent from) to q, and
 * empties from; no byte is copied. */
void rs_outq_splice(rs_outq *q, rs_outq *from);

/* Drops everything (the connection is being freed; nothing in flight). */
void rs_outq_clear(rs_outq *q, rs_chunk_pool *pool);

#endif
