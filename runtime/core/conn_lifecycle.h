/* conn_lifecycle.h — a connection's operations on the ring and the order
 * of its teardown (DESIGN.md §2.4):
 *
 *   OPEN --finish, or peer EOF once all input is parsed--> DRAINING
 *        --output sent--> shutdown(SHUT_WR), LINGERING
 *        --peer EOF or linger timeout--> CLOSING
 *   any --abort--> CLOSING: cancel recv/send, wait for their final CQEs,
 *        close via the ring, release the slot on the close CQE.
 *
 * Every submission for a slot happens in rs_conn_advance, run from the
 * flush phase, so one batch yields at most one send per connection; every
 * completion of a slot's op leads there (rs_conn_complete), so no error
 * path can leave a slot waiting for a completion that will not come. */
#ifndef RS_CONN_LIFECYCLE_H
#define RS_CONN_LIFECYCLE_H

#include "core/reactor.h"

#define RS_LINGER_MS 2000

/* Bytes one arming of multishot recv may deliver (see arm_recv). */
static inline uint32_t rs_recv_budget(const rs_reactor *r)
{
    return 16 * r->bufs.size;
}

/* An SQE, submitting what is queued first if the SQ is full. */
struct io_uring_sqe *rs_get_sqe(rs_reactor *r);

struct rs_tls_ctx;
/* A connection accepted on a listener speaking `protocols` (RS_LISTEN_*),
 * through TLS when tls is not NULL. */
void rs_conn_accepted(rs_reactor *r, int fd, unsigned protocols, struct rs_tls_ctx *tls);
void rs_conn_complete(rs_reactor *r, rs_conn *c, rs_op op, const struct io_uring_cqe *cqe);
void rs_conn_advance(rs_reactor *r, rs_conn *c);
void rs_conn_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind);

#endif
