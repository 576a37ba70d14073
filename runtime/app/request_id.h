/* request_id.h — request ids ([server] request_id): "pass" keeps a client's
 * X-Request-Id when it is safe (1..64 bytes of letters, digits and - _ . : @
 * / + =), "generate" always makes one; either way the id goes into the
 * access log and, unless [server] request_id_echo = false, back to the
 * client as X-Request-Id.  The id lives in the request's access entry
 * (access_log.h), which exists whenever ids are on. */
#ifndef RS_REQUEST_ID_H
#define RS_REQUEST_ID_H

#include <stddef.h>

#include "app/access_log.h"

/* Bytes rs_request_id_line may write. */
#define RS_REQUEST_ID_LINE_MAX (sizeof "X-Request-Id: \r\n" + RS_REQUEST_ID_MAX)

struct rs_reactor;

/* Gives e its id: the client's (req non-NULL, mode "pass", a safe value) or
 * a new one, unique per process start: 16 hex digits drawn at random per
 * worker, then the worker's count of ids.  Nothing when ids are off. */
void rs_request_id_assign(const struct rs_reactor *r, rs_access_entry *e, const rs_request_view *req);

/* "X-Request-Id: <id>\r\n" for reply r when ids are echoed, else nothing;
 * returns the bytes written into out (RS_REQUEST_ID_LINE_MAX). */
size_t rs_request_id_line(const struct rs_reply *r, char *out);

#endif
