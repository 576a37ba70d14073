/* Incremental HTTP/1.1 response parser.
 *
 * Built for a load generator: it extracts only what the client acts on
 * (status, body framing, Connection: close, Sec-WebSocket-Accept) and skips
 * everything else. The header block must be complete in the buffer before
 * it is parsed (the caller keeps the unconsumed tail and reads more); bodies
 * and chunks are consumed as they arrive, so a response may be far larger
 * than the receive buffer. */
#ifndef LOADGEN_RESP_H
#define LOADGEN_RESP_H

#include <stddef.h>
#include <stdint.h>

/* gcannon refuses larger header blocks; so do we, rather than stall. */
#define RESP_MAX_HEAD 8192

enum { RESP_NEED_MORE = 0, RESP_DONE = 1, RESP_ERROR = -1 };

struct resp_parser {
    uint8_t state;
    uint8_t conn_close; /* the response said Connection: close */
    uint8_t mismatch;   /* body differed from the expected one */
    uint8_t accept_len;
    uint16_t status;
    uint64_t remaining; /* body or chunk bytes still to come */
    uint64_t body_off;  /* decoded body bytes seen so far */
    char accept[32];    /* Sec-WebSocket-Accept value (101 responses) */
};

static inline void resp_reset(struct resp_parser *p)
{
    p->state = 0;
    p->conn_close = 0;
    p->mismatch = 0;
    p->accept_len = 0;
    p->status = 0;
    p->remaining = 0;
    p->body_off = 0;
}

/* Parses at most one response from buf[0..len). *used = bytes consumed.
 * RESP_DONE: a whole response was consumed; status/mismatch/conn_close are
 * valid until resp_reset. A 1xx response is returned as DONE with no body
 * (the caller decides it was interim). RESP_NEED_MORE: everything usable was
 * consumed; keep buf[*used..len) and call again with more bytes appended.
 * expect (may be NULL) is the exact body the response must carry. */
int resp_parse(struct resp_parser *p, const char *buf, size_t len, size_t *used, const char *expect,
               size_t expect_len);

#endif
