/* send_direct.h — by_file chunks (outq.h) go out by synchronous,
 * non-blocking sendfile from the flush phase (send_direct.c). */
#ifndef RS_SEND_DIRECT_H
#define RS_SEND_DIRECT_H

#include <stddef.h>

#include "core/reactor.h"

typedef enum rs_direct_result {
    RS_DIRECT_DRAINED, /* every queued byte was accepted by the socket */
    RS_DIRECT_BYTES,   /* the next unsent bytes are not a file body: the ring sends them */
    RS_DIRECT_FULL,    /* the socket buffer is full: wait for POLLOUT */
    RS_DIRECT_FAILED,  /* the connection is broken: abort it */
    RS_DIRECT_REFUSED, /* sendfile is refused here: send by copy from now on */
} rs_direct_result;

/* Sends the by_file chunks at the head of c's queue, in order, as far as
 * the socket takes them right now.  Sent bytes are consumed from the queue
 * at once (the kernel holds page references); *sent gets their count. */
rs_direct_result rs_send_direct(rs_reactor *r, rs_conn *c, size_t *sent);

#endif
