/* fuzz_json_body.c — libFuzzer harness for JSON request bodies.
 *
 * Links the routes generated from tests/conformance/specs/json_bodies
 * (Makefile: build/fuzz/json_bodies_gen) with runtime/app/json_body.c, so the
 * input goes through rs_body_parse (its cost estimate, then libjansson)
 * and the generated readers of NewOrder / Ping exactly as a request body.
 * The first byte picks the route; the rest is the body.  The reply writers
 * of the runtime are stood in for below, keeping what was answered.
 *
 * Invariants (abort on breach): every request is answered exactly once;
 * the status is the route's success status or the violations reply's 400;
 * a violations body is valid JSON listing 1..RS_BODY_MAX_VIOLATIONS entries
 * whose names, whats and expected texts are strings. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/json_body.h"
#include "app/reply.h"

static rs_json scratch;
static unsigned answers;

static unsigned status_of(const char *head)
{
    return (unsigned)strtoul(head + sizeof "HTTP/1.1", NULL, 10);
}

void rs_reply_text(rs_reply *r, const char *head, size_t head_len, const char *body, size_t body_len)
{
    (void)head_len, (void)body, (void)body_len;
    r->status = status_of(head);
    answers++;
}

void rs_reply_error(rs_reply *r, unsigned status)
{
    r->status = status;
    answers++;
}

unsigned rs_reply_status(const rs_reply *r)
{
    return r->status;
}

bool rs_reply_waiting(const rs_reply *r)
{
    return r->parked || r->to_database; /* never set here: these routes run no statement */
}

void rs_reply_handler_fault(rs_reply *r, atomic_flag *once, const char *fmt, ...)
{
    (void)once, (void)fmt;
    rs_reply_error(r, 500); /* a handler that answered nothing: breaks the status invariant */
}

rs_json *rs_reply_json_begin(rs_reply *r)
{
    (void)r;
    scratch.p = scratch.base;
    scratch.failed = false;
    return &scratch;
}

void rs_reply_json_end(rs_reply *r, const char *head, size_t head_len, const rs_compress *cfg)
{
    (void)head_len, (void)cfg;
    if (scratch.failed)
        abort();
    r->status = status_of(head);
    answers++;
    json_error_t err;
    json_t *doc = json_loadb(scratch.base, (size_t)(scratch.p - scratch.base), 0, &err);
    json_t *list = doc ? json_object_get(doc, "violations") : NULL;
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n == 0 || n > RS_BODY_MAX_VIOLATIONS) {
        fprintf(stderr, "invariant: violations body %.*s\n", (int)(scratch.p - scratch.base), scratch.base);
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_string(json_object_get(v, "name")) || !json_is_string(json_object_get(v, "what")) ||
            !json_is_string(json_object_get(v, "expected")))
            abort();
    }
    json_decref(doc);
}

/* Routes of json_bodies.toml in spec order and the status each answers with. */
static const unsigned success[] = {201, 200, 200};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int route = size ? data[0] % 3 : 0;
    rs_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.request_body = size ? (const char *)data + 1 : NULL;
    reply.request_body_len = size ? size - 1 : 0;
    rs_params params;
    memset(&params, 0, sizeof params);
    answers = 0;
    rs_route_respond(route, &params, &reply);
    if (answers != 1 || (reply.status != success[route] && reply.status != 400)) {
        fprintf(stderr, "invariant: route %d answered %u times, status %u\n", route, answers, reply.status);
        abort();
    }
    return 0;
}
