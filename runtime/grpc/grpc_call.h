/* grpc_call.h — gRPC calls over HTTP/2 streams: what the HTTP/2 layer
 * (h2_stream.c) hands over.  The call's reply leaves through the reply
 * sink's pulled body (reply.h), so flow control paces a server stream. */
#ifndef RS_GRPC_CALL_H
#define RS_GRPC_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/reply.h"
#include "app/ringspec.h"

/* This build serves gRPC and the request is a gRPC call: its :path names
 * a method, or its content-type is application/grpc (an unknown method is
 * then answered UNIMPLEMENTED, not 404). */
bool rs_grpc_claims(const rs_request_view *req);

/* The most request body bytes a call keeps: one message and its prefix. */
uint64_t rs_grpc_body_limit(void);

/* Answers a call whose request ended (or whose body passed the limit:
 * over).  body is the whole request body (length-prefixed messages). */
void rs_grpc_answer(rs_reply *r, const rs_request_view *req, const uint8_t *body, size_t body_len, bool over);

#endif
