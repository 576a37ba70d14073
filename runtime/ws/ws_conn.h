/* ws_conn.h — WebSocket (RFC 6455) on a connection: the opening handshake
 * (ws_handshake.c) and, after the 101, frames in and frames out
 * (ws_conn.c).  Like http1_conn.c, no I/O happens here: output goes to the
 * connection's queue and the reactor's flush phase sends it. */
#ifndef RS_WS_CONN_H
#define RS_WS_CONN_H

#include "core/reactor.h"

/* Called at the end of a request head that dispatched to a WebSocket route.
 * Returns 0 after queueing the 101 and switching the slot to WebSocket
 * state (the HTTP fields of the slot are gone then), or the status to
 * refuse the request with: 400 (not a valid handshake), 426 (a version
 * other than 13) or 503 (the server is stopping). */
unsigned rs_ws_handshake(rs_reactor *r, rs_conn *c, const rs_request_view *req, const rs_ws_route *route);

/* Computes Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)),
 * 28 characters plus a NUL.  False when libcrypto cannot be loaded. */
bool rs_ws_accept_value(const char *key, size_t key_len, char out[29]);

/* Frames in data[0..len), which the caller owns: payloads are unmasked in
 * place.  What is not parsed (backpressure) is kept in the spill. */
void rs_ws_process(rs_reactor *r, rs_conn *c, char *data, size_t len);

/* Bytes received on an upgraded connection (a provided buffer). */
void rs_ws_input(rs_reactor *r, rs_conn *c, char *data, size_t len);

/* The output queue drained below the low watermark after a pause. */
void rs_ws_resume(rs_reactor *r, rs_conn *c);

/* The server is stopping: close with 1001 (going away). */
void rs_ws_stop(rs_reactor *r, rs_conn *c);

/* No frame arrived for the idle timeout: close with 1001 (going away),
 * reason "idle timeout", then the usual close handshake and linger. */
void rs_ws_idle_timeout(rs_reactor *r, rs_conn *c);

/* The slot is being freed: drop the message buffer and the spill. */
void rs_ws_release(rs_reactor *r, rs_conn *c);

#endif
