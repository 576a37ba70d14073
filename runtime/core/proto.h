/* proto.h — the table of functions through which the transport (reactor.c,
 * conn_lifecycle.c) talks to whatever protocol a connection speaks.
 *
 * The transport owns the fd and every ring operation; it never names a
 * protocol.  A connection's `proto` indexes rs_protocols[] (server/protocols.c, the
 * one file that knows them all); switching protocol (preface sniffing, a
 * WebSocket upgrade) is storing another index and setting up that
 * protocol's state in the slot.  No function here but on_flush (which the
 * flush phase calls) submits an SQE: each appends output or changes state and
 * touches the connection, and the flush phase does the rest (DESIGN.md §2
 * rule 10). */
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
    /* Bytes that followed, in the same buffer, the request that switched the
     * connection to this protocol (a WebSocket upgrade): parsed where they
     * lie, which may be the connection's spill.  NULL when nothing switches
     * to the protocol. */
    void (*on_switch_data)(rs_reactor *r, rs_conn *c, char *data, size_t len);
    /* The flush phase visits the connection (it was touched): submit what the
     * protocol has asked itself for, such as the read of a file its streams
     * send (h2/h2_file.c).  NULL for protocols that never submit anything. */
    void (*on_flush)(rs_reactor *r, rs_conn *c);
    /* An RS_OP_READ of the connection completed with `res` (a file read by
     * static/ for HTTP/1.1, by h2/h2_file.c for HTTP/2 streams). */
    void (*on_read)(rs_reactor *r, rs_conn *c, int res);
    /* Input alone restarts the idle timer (no requests whose end does). */
    bool idle_on_input;
} rs_proto_ops;

extern const rs_proto_ops *const rs_protocols[];

static inline const rs_proto_ops *rs_proto_of(const rs_conn *c)
{
    return rs_protocols[c->proto];
}

/* The upgrade of a request on a WebSocket route (ws/ws_handshake.c): 0
 * when the 101 is queued and the slot now speaks WebSocket, else the status
 * that refuses it.  Set by server/protocols.c, so that HTTP/1.1 reaches it
 * without including ws/. */
extern unsigned (*const rs_websocket_upgrade)(rs_reactor *r, rs_conn *c, const rs_request_view *req,
                                              const rs_ws_route *route);

/* The protocol a connection accepted on a listener speaking `protocols`
 * (RS_LISTEN_*) starts with. */
rs_proto rs_proto_for_listener(unsigned protocols);

#endif
