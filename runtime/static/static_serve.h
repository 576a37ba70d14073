/* static_serve.h — the connection side of static files (static.h). */
#ifndef RS_STATIC_SERVE_H
#define RS_STATIC_SERVE_H

#include "core/reactor.h"

/* At the head: decide status, representation and range (RS_CF_STATIC). */
void rs_static_resolve(rs_conn *c, const rs_request_view *v, const rs_route_match *m);

/* The same decision into s, for a protocol that keeps it per stream (h2). */
void rs_static_resolve_into(rs_static_pending *s, const rs_request_view *v, const rs_route_match *m);

/* Answers s through the reply's sink with the body by reference (the
 * sink's body_ref: bytes that stay valid for the life of the process).
 * Memory mode only: false, nothing written, for a directory read from disk. */
bool rs_static_respond_by_ref(rs_reply *reply, const rs_static_pending *s);

/* At on_done: the response.  In none mode with a body it leaves
 * RS_CF_FILE set; the file is then read by rs_static_advance. */
void rs_static_respond(rs_reactor *r, rs_conn *c, rs_reply *reply);

/* Flush phase: submits the next read when the queue has room.  Returns
 * true when the file has just been fully queued (parsing may resume). */
bool rs_static_advance(rs_reactor *r, rs_conn *c);

/* A file from disk (cache = "none") resolved into s: writes its head (or its
 * error, 416, 304).  True when s->len bytes from s->off of s->fd must follow,
 * read by the caller's protocol (HTTP/2 streams: h2/h2_file.c). */
bool rs_static_respond_disk_head(rs_reply *reply, const rs_static_pending *s);

/* Whether the open file still is what the head's snapshot described (its
 * length and modification time): checked when its last bytes are read. */
bool rs_static_snapshot_holds(const rs_static_pending *s);

void rs_static_read_done(rs_reactor *r, rs_conn *c, int res);

/* Closes the descriptor and frees a read chunk (no read in flight). */
void rs_static_release(rs_conn *c);

#endif
