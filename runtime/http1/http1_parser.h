/* http1_parser.h — resumable, strict HTTP/1.1 request parser (RFC 9112).
 *
 * The machine lives in http1_parser.rl (Ragel, built with -G2).  It is a
 * pull parser: each call scans input until one event happens and returns
 * it, so the caller can stop between requests (backpressure) without the
 * parser buffering anything.
 *
 * Input contract (what makes it resumable across any split of the bytes):
 *   - HEAD phase: `data` must start at the first byte of the current request
 *     (after any bytes consumed earlier).  The parser resumes scanning at
 *     p->scanned, so the caller re-presents the same prefix plus new bytes.
 *     Nothing is consumed until the whole head has been seen.
 *   - BODY phases: `data` starts at the first unconsumed byte; the parser
 *     consumes everything it scans (its state is numeric, no marks).
 *
 * Spans in the parser are offsets relative to `data` of the call that
 * returned RS_HTTP1_HEAD; they are valid until the caller consumes the head.
 */
#ifndef RS_HTTP1_PARSER_H
#define RS_HTTP1_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ringspec.h"

typedef enum rs_http1_event {
    RS_HTTP1_NEED_MORE = 0, /* scanned all input; call again with more */
    RS_HTTP1_HEAD,          /* head complete; *consumed = head length */
    RS_HTTP1_BODY,          /* *body, *body_len: body bytes (in data) */
    RS_HTTP1_DONE,          /* message complete; next call starts a new one */
    RS_HTTP1_ERROR,         /* p->error_status: 400/414/417/431/501/505 */
} rs_http1_event;

/* Flags describing the parsed head. */
enum {
    RS_HTTP1_CHUNKED = 1u << 0,         /* Transfer-Encoding: chunked */
    RS_HTTP1_HAS_LENGTH = 1u << 1,      /* Content-Length present */
    RS_HTTP1_CONN_CLOSE = 1u << 2,      /* Connection: close token */
    RS_HTTP1_CONN_KEEPALIVE = 1u << 3,  /* Connection: keep-alive token */
    RS_HTTP1_CONN_UPGRADE = 1u << 4,    /* Connection: upgrade token */
    RS_HTTP1_EXPECT_CONTINUE = 1u << 5, /* Expect: 100-continue */
    RS_HTTP1_KEEP_ALIVE = 1u << 6,      /* derived: connection persists */
};

typedef struct rs_span {
    uint16_t off;
    uint16_t len;
} rs_span;

typedef struct rs_http1_limits {
    uint32_t max_target;  /* request-target length -> 414 */
    uint32_t max_head;    /* whole head incl. request line -> 431 (414 if in target) */
    uint32_t max_headers; /* header field lines -> 431 */
} rs_http1_limits;

typedef struct rs_http1_parser {
    const rs_http1_limits *limits;
    int cs;                /* Ragel current state */
    uint8_t phase;         /* internal: head / length body / chunked / done */
    uint8_t method;        /* rs_method */
    uint8_t version_minor; /* 0 or 1 (1.x, x>1, is treated as 1) */
    uint8_t host_count;
    uint16_t flags;        /* RS_HTTP1_* */
    uint16_t error_status; /* set with RS_HTTP1_ERROR */
    uint16_t header_count;
    uint32_t scanned;        /* head phase: bytes of data already scanned */
    rs_span target;          /* whole request-target */
    rs_span path;            /* target up to '?' */
    rs_span query;           /* after '?' (len 0 and off 0 when absent) */
    uint64_t content_length; /* valid with RS_HTTP1_HAS_LENGTH; > 2^62 means "too large" */
    uint64_t remaining;      /* internal: bytes left in body / current chunk */
    uint32_t aux;            /* internal: flags of the head being parsed */
    rs_span accept_encoding; /* field value (off 0 when absent; dropped if repeated) */
} rs_http1_parser;

/* The connection slot embeds the parser; keep it small. */
_Static_assert(sizeof(rs_http1_parser) <= 80, "rs_http1_parser must stay within 80 bytes");

/* Body bytes the message has announced but not yet delivered: the rest of
 * a Content-Length body, or of the current chunk.  Lets the caller refuse
 * a body over its limit as soon as the length is known. */
static inline uint64_t rs_http1_body_announced(const rs_http1_parser *p)
{
    return p->remaining;
}

void rs_http1_init(rs_http1_parser *p, const rs_http1_limits *limits);

/* Right after RS_HTTP1_HEAD: if the message has no body, marks it complete
 * (what the next call would report as RS_HTTP1_DONE) and returns true. */
bool rs_http1_done_without_body(rs_http1_parser *p);

/* Scans data[0..len) as described above.  On RS_HTTP1_BODY, *body and
 * *body_len describe the bytes (which are included in *consumed). */
rs_http1_event rs_http1_execute(rs_http1_parser *p, const char *data, size_t len, size_t *consumed,
                                const char **body, size_t *body_len);

#endif
