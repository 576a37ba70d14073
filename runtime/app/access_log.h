/* access_log.h — one line per answered request (--access-log, [server.log]):
 * Common Log Format plus the duration in microseconds, or JSON lines.
 *
 * What a line needs from the request (method, target, version, start time)
 * is kept at its head, in an entry of the worker (HTTP/1.1: one per
 * connection slot, since the head's bytes are gone once a body has been
 * read; HTTP/2: the stream's, on the stack while it is answered); the reply
 * sinks finish the line when the response is written, so every protocol
 * logs through the same place.  Lines go to the worker's log_ring (never a
 * blocking write; dropped and counted when it is full). */
#ifndef RS_ACCESS_LOG_H
#define RS_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "app/ringspec.h"

#define RS_ACCESS_TARGET_MAX 256 /* longer targets are logged cut, ending in "..." */
#define RS_REQUEST_ID_MAX 64     /* a passed X-Request-Id longer than this is replaced */

typedef struct rs_access_entry {
    uint64_t start_ns; /* CLOCK_MONOTONIC at the end of the head */
    uint16_t target_len;
    uint8_t method;         /* rs_method; RS_METHOD_COUNT: no request line (a malformed request) */
    uint8_t version;        /* 10, 11 or 20 */
    bool cut;               /* the target was longer than RS_ACCESS_TARGET_MAX */
    uint8_t request_id_len; /* app/request_id.h; 0: none */
    char request_id[RS_REQUEST_ID_MAX];
    char target[RS_ACCESS_TARGET_MAX];
} rs_access_entry;

struct rs_reactor;
struct rs_conn;
struct rs_reply;

/* The entry of an HTTP/1.1 connection slot, or NULL when neither the log nor
 * request ids are on (the entry also carries the request's id). */
rs_access_entry *rs_access_slot(struct rs_reactor *r, struct rs_conn *c);

/* A request's head: method, path and query (query NULL: none). */
void rs_access_begin(rs_access_entry *e, rs_method method, unsigned version, const char *path,
                     size_t path_len, const char *query, size_t query_len);

/* A request refused before its request line was read. */
void rs_access_begin_unparsed(rs_access_entry *e);

/* The response of r was written: status and body bytes sent. */
void rs_access_log_reply(const struct rs_reply *r, unsigned status, uint64_t bytes);

#endif
