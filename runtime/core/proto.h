/* proto.h — the table of functions through which the transport (reactor.c,
 * conn_lifecycle.c) talks to whatever protocol a connection speaks.
 *
 * The transport owns the fd and every ring operation; it never names a
 * protocol.  A connection's `proto` indexes rs_protocols[] (protocols.c, the
 * one file that knows them all); switching protocol (preface sniffing, a
 * WebSocket upgrade) is storing another index and setting up that
 * protocol's state in the slot.  No function here submits an SQE: each
 * appends output or changes state and touches the connection, and the flush
 * phase does the rest (DESIGN.md §2 rule 10). */
#ifndef RS_PROTO_H
#define RS_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/reactor.h"

struct rs_db_ticket;
struct rs_db_rows;

typedef struct rs_proto_ops {
    /* Accepted on a listener that starts with this protocol: set up its state.
     * False: no memory, the transport closes the connection. */
    bool (*on_open)(rs_reactor *r, rs_conn *c);
    /* Bytes received while OPEN, in a provided buffer recycled when this
     * returns: what is not consumed must be copied.  Not const (WebSocket
     * unmasks in place). */
    void (*on_data)(rs_reactor *r, rs_conn *c, char *data, size_t len);
    /* The output queue drained below the low watermark after rs_conn_pause. */
    void (*on_drained)(rs_reactor *r, rs_conn *c);
    /* A timer of the connection expired (already off its list). */
    void (*on_timeout)(rs_reactor *r, rs_conn *c, rs_timer_kind kind);
    /* The server is stopping: finish what is owed, then close. */
    void (*on_stop)(rs_reactor *r, rs_conn *c);
    /* The slot is being freed: drop everything the protocol holds. */
    void (*on_release)(rs_reactor *r, rs_conn *c);
    /* A request of this connection parked on the database (runtime/db/):
     * its answer (rows, NULL when the database could not answer), or, with
     * retry, a queued one that may now be sent.  NULL: nothing ever parks. */
    void (*on_db)(rs_reactor *r, rs_conn *c, const struct rs_db_ticket *t, const struct rs_db_rows *rows,
                  bool retry);
    /* Input alone restarts the idle timer (no requests whose end does). */
    bool idle_on_input;
} rs_proto_ops;

extern const rs_proto_ops *const rs_protocols[];

static inline const rs_proto_ops *rs_proto_of(const rs_conn *c)
{
    return rs_protocols[c->proto];
}

/* The protocol a connection accepted on a listener speaking `protocols`
 * (RS_LISTEN_*) starts with. */
rs_proto rs_proto_for_listener(unsigned protocols);

#endif
