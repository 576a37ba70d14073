/* buffer_budget.h — one per-worker budget for every byte a client can make
 * the server hold ([server.limits] buffered; DESIGN.md §2 rule 12).
 *
 * Why: each holder has a per-connection limit (output_queue, the spill's
 * bound, body_limit up to 16 MiB, ws_message up to 1 GiB), but a worker
 * serves thousands of connections, so per-connection limits alone bound
 * nothing in practice.  Every holder charges its bytes here while it holds
 * them and gives them back when it frees them; the counters per kind show
 * in --stats / SIGUSR1 (buffered_bytes and buffered_<kind>).
 *
 * Two ways to charge, by what the holder can do at the budget:
 *  - refuse (rs_budget_try_charge): growth the peer asked for and can be
 *    told to retry — a request body (503 + Retry-After), a reassembled
 *    message (close 1013).  Nothing is taken when it does not fit.
 *  - pause (rs_budget_charge + rs_budget_spent): bytes that must land
 *    somewhere once produced — output chunks (outq.c, charged on
 *    allocation, released on free) and spilled input (spill.c).  They are
 *    always charged; while the budget is spent, a connection that holds
 *    RS_OUTPUT_STEP (16 KiB) of output stops parsing and receiving
 *    (output_gate.h) until its queue drains.
 *
 * Worst case held by one worker:
 *     buffered + connections x (16 KiB + one response + one receive)
 * where one response is the output of one parse step past the step (an
 * HTTP/1.1 response, a 32 KiB static file read; an echo streams in pieces
 * within the step) and one receive is what may land after a connection
 * stops (the spill's bound, spill.c: max_head + 16 receive buffers + one,
 * 51200 bytes with the defaults).  The refusing kinds never pass the budget.
 * Worst case held for one connection, whatever the budget:
 *     output_queue + one response + the spill's bound
 *     + body_limit (HTTP/1.1 JSON body) or ws_message (reassembly).
 * A WebSocket echo of a reassembled message costs no second copy: the frame
 * is streamed from the message buffer in pieces (ws_conn.c rs_ws_send).
 *
 * Names no protocol: a layer adds a kind and calls the same functions
 * (HTTP/2 refuses at the budget: RS_HELD_H2, h2_conn.c; TLS charges the
 * ciphertext it keeps between receives: RS_HELD_TLS, tls_stream.c, and
 * OpenSSL's own memory: RS_HELD_OPENSSL, runtime/tls/tls_budget.c, a new
 * TLS connection is refused while the budget is spent;
 * statements in a Postgres pipeline: RS_HELD_DB, runtime/db/db_pool.c,
 * refused, the request waits in the pool's queue). */
#ifndef RS_BUFFER_BUDGET_H
#define RS_BUFFER_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the held bytes are, for the per-kind counters. */
typedef enum rs_held_kind {
    RS_HELD_OUTPUT,  /* queued output chunks (outq.c) */
    RS_HELD_INPUT,   /* received input kept between receives (spill.c) */
    RS_HELD_MESSAGE, /* messages reassembled from pieces (ws_conn.c) */
    RS_HELD_BODY,    /* request bodies buffered whole (json_body.c) */
    RS_HELD_H2,      /* HTTP/2: nghttp2's session memory, streams, their bodies (h2_conn.c) */
    RS_HELD_TLS,     /* ciphertext kept between receives (tls_stream.c) */
    RS_HELD_DB,      /* statements in a Postgres pipeline (runtime/db/db_pool.c) */
    RS_HELD_OPENSSL, /* OpenSSL's own memory for TLS connections (runtime/tls/tls_budget.c) */
    RS_HELD_KINDS
} rs_held_kind;

/* --stats key suffixes, in rs_held_kind order. */
#define RS_HELD_NAMES                                                                                        \
    {                                                                                                        \
        "output", "input", "messages", "bodies", "h2", "tls", "db", "openssl"                                \
    }

typedef struct rs_budget {
    uint64_t limit; /* [server.limits] buffered */
    uint64_t held;  /* sum of by_kind */
    uint64_t peak;  /* highest held since start */
    uint64_t by_kind[RS_HELD_KINDS];
} rs_budget;

static inline void rs_budget_init(rs_budget *b, uint64_t limit)
{
    *b = (rs_budget){.limit = limit};
}

/* Takes bytes whatever the budget: for holders that pause at it. */
static inline void rs_budget_charge(rs_budget *b, rs_held_kind kind, size_t bytes)
{
    b->held += bytes;
    b->by_kind[kind] += bytes;
    if (b->held > b->peak)
        b->peak = b->held;
}

/* Takes bytes only if they fit; false (nothing taken) when they do not. */
static inline bool rs_budget_try_charge(rs_budget *b, rs_held_kind kind, size_t bytes)
{
    if (b->held > b->limit || bytes > b->limit - b->held)
        return false;
    rs_budget_charge(b, kind, bytes);
    return true;
}

/* Gives back bytes taken by either charge. */
static inline void rs_budget_release(rs_budget *b, rs_held_kind kind, size_t bytes)
{
    b->held -= bytes;
    b->by_kind[kind] -= bytes;
}

/* The budget is used up: holders that pause stop producing. */
static inline bool rs_budget_spent(const rs_budget *b)
{
    return b->held >= b->limit;
}

#endif
