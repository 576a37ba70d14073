/* send_direct.h — output holding by_file chunks (outq.h) goes out by
 * synchronous non-blocking sendmsg/sendfile from the flush phase. */
#ifndef RS_SEND_DIRECT_H
#define RS_SEND_DIRECT_H

#include <stddef.h>

#include "reactor.h"

typedef enum rs_direct_result {
    RS_DIRECT_DRAINED, /* every queued byte was accepted by the socket */
    RS_DIRECT_FULL,    /* the socket buffer is full: wait for POLLOUT */
    RS_DIRECT_FAILED,  /* the connection is broken: abort it */
    RS_DIRECT_REFUSED, /* sendfile is refused here: send by copy from now on */
} rs_direct_result;

/* Sends as much of c's queue as the socket takes right now, in order:
 * owned and small reference chunks by sendmsg (MSG_MORE when a file body
 * follows, so the head and the body share segments), by_file chunks by
 * sendfile.  Sent bytes are consumed from the queue at once (the kernel
 * has copied them or holds page references); *sent gets their count. */
rs_direct_result rs_send_direct(rs_reactor *r, rs_conn *c, size_t *sent);

#endif
