/* bufring.h — the provided-buffer ring that multishot recv draws from.
 *
 * Ring entries and buffers are mmap'ed and never memset: pages become
 * resident only when the kernel first writes into them.  Buffers go back
 * to the ring as soon as their bytes are parsed (a partial request is
 * copied to the connection's spill first), and are published to the kernel
 * once per event-loop batch. */
#ifndef RS_BUFRING_H
#define RS_BUFRING_H

#include <liburing.h>
#include <stdint.h>

typedef struct rs_bufring {
    struct io_uring_buf_ring *ring;
    char *base;
    uint32_t count; /* power of two */
    uint32_t size;  /* bytes per buffer */
    uint16_t group;
    uint16_t pending; /* recycled since the last publish */
} rs_bufring;

/* Returns 0 or a negative errno (the kernel lacks buffer rings, ...). */
int rs_bufring_init(struct io_uring *uring, rs_bufring *b, uint32_t count, uint32_t size, uint16_t group);
void rs_bufring_destroy(struct io_uring *uring, rs_bufring *b);

static inline char *rs_bufring_addr(const rs_bufring *b, uint16_t bid)
{
    return b->base + (size_t)bid * b->size;
}

static inline void rs_bufring_recycle(rs_bufring *b, uint16_t bid)
{
    io_uring_buf_ring_add(b->ring, rs_bufring_addr(b, bid), b->size, bid, io_uring_buf_ring_mask(b->count),
                          b->pending++);
}

static inline void rs_bufring_publish(rs_bufring *b)
{
    if (b->pending) {
        io_uring_buf_ring_advance(b->ring, b->pending);
        b->pending = 0;
    }
}

#endif
