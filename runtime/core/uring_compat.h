/* uring_compat.h — io_uring features newer than Debian's liburing 2.3
 * headers.  Each is probed at run time (see conn_lifecycle.c) and the
 * runtime falls back when the kernel refuses it. */
#ifndef RS_URING_COMPAT_H
#define RS_URING_COMPAT_H

#include <liburing.h>

/* Kernel 6.17+: a multishot recv stops (CQE without F_MORE) after this many
 * bytes in total.  The uapi calls the field sqe->optlen; in liburing 2.3's
 * struct it is the same 32 bits under the name file_index. */
static inline void rs_sqe_set_recv_total_limit(struct io_uring_sqe *sqe, unsigned bytes)
{
    sqe->file_index = bytes;
}

#endif
