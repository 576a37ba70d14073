/* shared_buf.h — immutable, reference-counted byte buffers shared by all
 * reactors (static files loaded at start-up).
 *
 * A buffer is written once before any worker starts and never changes, so
 * reading it needs no lock.  The count lets an output chunk that points
 * into a buffer keep it alive until the send that covered it completed;
 * the loader holds one reference for the life of the process.
 *
 * The bytes live either inline (after the header, from malloc) or in a
 * sealed memfd (static_memfd.c): then `data` points into its read-only
 * mapping and `fd`/`fd_off` name the same bytes as a file, so a send can
 * hand the kernel page references (sendfile) instead of copying them. */
#ifndef RS_SHARED_BUF_H
#define RS_SHARED_BUF_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct rs_shared_buf {
    _Atomic uint32_t refs;
    int32_t fd;      /* sealed memfd holding the bytes at fd_off, or -1 (inline bytes) */
    uint64_t fd_off; /* where data[0] is in fd */
    size_t len;
    const char *data;   /* the bytes: inline_data, or inside the memfd's mapping */
    char inline_data[]; /* only for a buffer from rs_shared_buf_new */
} rs_shared_buf;

/* A buffer of len inline bytes with one reference (the caller's), or NULL.
 * It is filled through rs_shared_buf_fill before it is shared. */
static inline rs_shared_buf *rs_shared_buf_new(size_t len)
{
    rs_shared_buf *b = malloc(sizeof *b + (len ? len : 1));
    if (b) {
        atomic_init(&b->refs, 1);
        b->fd = -1;
        b->fd_off = 0;
        b->len = len;
        b->data = b->inline_data;
    }
    return b;
}

/* A buffer whose bytes are already in a sealed memfd's mapping (no copy);
 * the mapping and the descriptor outlive every buffer pointing into them. */
static inline rs_shared_buf *rs_shared_buf_in_memfd(const char *mapped, int fd, uint64_t off, size_t len)
{
    rs_shared_buf *b = malloc(sizeof *b);
    if (b) {
        atomic_init(&b->refs, 1);
        b->fd = fd;
        b->fd_off = off;
        b->len = len;
        b->data = mapped;
    }
    return b;
}

/* The writable bytes of an inline buffer that is not shared yet. */
static inline char *rs_shared_buf_fill(rs_shared_buf *b)
{
    return b->inline_data;
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
