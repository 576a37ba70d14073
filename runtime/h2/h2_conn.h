/* h2_conn.h — HTTP/2 on a connection (cleartext, prior knowledge), over
 * libnghttp2: the protocol table's functions (proto.h).  Bytes received go
 * straight from the provided buffer into nghttp2_session_mem_recv; frames
 * it produces are appended to the connection's bounded output queue, which
 * the transport sends once per loop turn.  No I/O happens here. */
#ifndef RS_H2_CONN_H
#define RS_H2_CONN_H

#include <stdbool.h>

#include "core/reactor.h"

bool rs_h2_open(rs_reactor *r, rs_conn *c);
void rs_h2_input(rs_reactor *r, rs_conn *c, char *data, size_t len);
void rs_h2_drained(rs_reactor *r, rs_conn *c);
void rs_h2_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind);
void rs_h2_stop(rs_reactor *r, rs_conn *c);
void rs_h2_release(rs_reactor *r, rs_conn *c);
/* Static files from disk read for streams (h2_file.c). */
void rs_h2_file_flush(rs_reactor *r, rs_conn *c);
void rs_h2_file_read_done(rs_reactor *r, rs_conn *c, int res);

/* rs_proto_ops.on_db: the database answered a parked stream (h2/h2_db.c). */
struct rs_db_ticket;
struct rs_db_rows;
void rs_h2_db(rs_reactor *r, rs_conn *c, const struct rs_db_ticket *t, const struct rs_db_rows *rows,
              bool retry);

#endif
