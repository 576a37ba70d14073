/* json_body.h — the runtime side of JSON request bodies (RS_BODY_JSON):
 * the Content-Type check at the head, the per-request buffer the body is
 * kept in until it is complete.
 * Parsing into typed structs is generated (rs_body_parse in ringspec.h is
 * where the two meet). */
#ifndef RS_JSON_BODY_H
#define RS_JSON_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/conn.h"
#include "core/reactor.h"

/* True when the request's Content-Type is application/json (parameters
 * such as charset allowed), or when it is absent and so is the body. */
bool rs_json_body_type_ok(const rs_request_view *req, bool has_body);

typedef enum rs_json_append {
    RS_JSON_APPENDED,
    RS_JSON_OVER_BUDGET, /* growing would pass the worker's [server.limits] buffered */
    RS_JSON_NO_MEMORY,
} rs_json_append;

/* Appends body bytes to the connection's buffer, grown up to its body
 * limit (the caller has checked the limit), each growth charged to the
 * worker's buffer budget (buffer_budget.h). */
rs_json_append rs_json_body_append(rs_reactor *r, rs_conn *c, const char *data, size_t len);

/* Frees the buffer of a JSON body and gives its bytes back to the budget
 * (safe to call when there is none). */
void rs_json_body_release(rs_reactor *r, rs_conn *c);

#endif
