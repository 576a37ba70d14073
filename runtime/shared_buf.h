/* shared_buf.h — immutable, reference-counted byte buffers shared by all
 * reactors (static files loaded at start-up).
 *
 * A buffer is written once before any worker starts and never changes, so
 * reading it needs no lock.  The count lets an output chunk that points
 * into a buffer keep it alive until the send that covered it completed;
 * the loader holds one reference for the life of the process. */
#ifndef RS_SHARED_BUF_H
#define RS_SHARED_BUF_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct rs_shared_buf {
    _Atomic uint32_t refs;
    size_t len;
    char data[];
} rs_shared_buf;

/* A buffer of len bytes with one reference (the caller's), or NULL. */
static inline rs_shared_buf *rs_shared_buf_new(size_t len)
{
    rs_shared_buf *b = malloc(sizeof *b + (len ? len : 1));
    if (b) {
        atomic_init(&b->refs, 1);
        b->len = len;
    }
    return b;
}

static inline void rs_shared_buf_ref(rs_shared_buf *b)
{
    /* Relaxed: taking a reference orders nothing; the bytes were published
     * before the workers started. */
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

static inline void rs_shared_buf_unref(rs_shared_buf *b)
{
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

#endif
