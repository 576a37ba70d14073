/* cors.h — CORS for the routes whose spec gives a policy (rs_cors, emitted by
 * codegen): the origin of a request is matched once, at its head (the head's
 * bytes are gone by the time a body has been read), and kept as a small
 * number; the reply sinks (HTTP/1.1 and HTTP/2) then write the
 * Access-Control-* lines from the policy's constant strings. */
#ifndef RS_CORS_H
#define RS_CORS_H

#include <stddef.h>
#include <stdint.h>

#include "app/ringspec.h"

/* rs_cors_origin: no Origin, or one the policy does not allow. */
#define RS_CORS_NONE 0
/* rs_cors_origin: the policy allows every origin ("*"). */
#define RS_CORS_ANY 255

/* rs_cors_preflight */
enum { RS_CORS_NOT_PREFLIGHT = 0, RS_CORS_PREFLIGHT_REFUSED, RS_CORS_PREFLIGHT_OK };

/* Bytes rs_cors_lines may write: codegen bounds each origin to 200 bytes and
 * each list to 400 (codegen/cors/policy.py). */
#define RS_CORS_LINES_MAX 1536

/* The request's Origin under policy p: RS_CORS_NONE, RS_CORS_ANY, or 1 + the
 * index of the matching origin. */
uint8_t rs_cors_origin(const rs_cors *p, const rs_request_view *req);

/* Whether a preflight may go ahead: its origin allowed (origin from
 * rs_cors_origin), Access-Control-Request-Method one of the policy's methods
 * and every name of Access-Control-Request-Headers one of its headers.
 * RS_CORS_PREFLIGHT_OK or _REFUSED (p NULL: refused). */
uint8_t rs_cors_preflight(const rs_cors *p, const rs_request_view *req, uint8_t origin);

/* The Access-Control-* (and Vary: Origin) lines of reply r into out
 * (RS_CORS_LINES_MAX bytes), each ending in CRLF; returns their length (0
 * when r has no policy). */
size_t rs_cors_lines(const rs_reply *r, char *out);

/* Answers a preflight: 204, with the allow lines when it was allowed and
 * none when not (the browser then refuses the actual request). */
void rs_cors_preflight_reply(rs_reply *r);

#endif
