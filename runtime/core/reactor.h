/* reactor.h — one io_uring event loop per CPU, pinned, with its own
 * SO_REUSEPORT listener, connection slab, buffer ring, chunk pool and
 * timers.  Reactors share nothing but the read-only options.
 *
 * Protocol code (http1_conn.c) never submits SQEs itself: it appends output
 * and changes connection state, then the loop's flush phase turns that
 * into at most one send per connection per batch (coalescing pipelined
 * responses) and does any re-arming or teardown step that is due. */
#ifndef RS_REACTOR_H
#define RS_REACTOR_H

#include <liburing.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "app/compress.h"
#include "core/buffer_budget.h"
#include "core/bufring.h"
#include "core/conn.h"
#include "core/log_ring.h"
#include "core/outq.h"
#include "core/server_options.h"
#include "core/timers.h"
#include "http1/http1_parser.h"

#define RS_PARSE_ERROR_KINDS 9 /* the statuses below + other */

/* The close codes --stats counts apart (the server's own: normal, going
 * away, protocol error, invalid data, too big, try again later), in the order it prints
 * them; other codes (echoed from a peer's close) are "other", a close frame
 * without a code "none". */
#define RS_WS_CLOSE_CODES                                                                                    \
    {                                                                                                        \
        1000, 1001, 1002, 1007, 1009, 1013                                                                   \
    }
#define RS_WS_CLOSE_KINDS 8 /* the codes above + other + none */

typedef struct rs_ws_stats {
    uint64_t upgrades;                  /* 101 sent */
    uint64_t frames_in, frames_out;     /* every frame, control frames included */
    uint64_t messages_in, messages_out; /* data messages to and from the route */
    uint64_t pings_in, pongs_out, pongs_in, closes_in;
    uint64_t closes_sent[RS_WS_CLOSE_KINDS];
} rs_ws_stats;

static inline unsigned rs_ws_close_kind(unsigned code)
{
    static const unsigned codes[] = RS_WS_CLOSE_CODES;
    if (code == 0)
        return RS_WS_CLOSE_KINDS - 1;
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == code)
            return i;
    return RS_WS_CLOSE_KINDS - 2;
}

typedef struct rs_stats {
    uint64_t accepted, closed, refused_full, accept_errors;
    uint64_t tls_handshakes, tls_handshake_errors, tls_errors, tls_refused; /* tls_stream.c */
    uint64_t budget_refused_tls; /* TLS connections refused while the budget was spent (tls_stream.c) */
    uint64_t requests, responses_by_class[6]; /* index = status / 100 */
    uint64_t stale_cqes, enobufs_pauses, backpressure_pauses;
    uint64_t send_again, recv_again; /* ring sends/recvs that completed with -EAGAIN: retried */
    uint64_t timeouts[RS_TIMER_KINDS];
    uint64_t parse_errors; /* requests refused by fail(): all statuses */
    uint64_t parse_errors_by_status[RS_PARSE_ERROR_KINDS];
    uint64_t budget_refused_bodies;   /* JSON bodies answered 503: [server.limits] buffered */
    uint64_t budget_refused_messages; /* WebSocket messages closed with 1013: the same */
    uint64_t budget_pauses;           /* output paused because the budget was spent */
    uint64_t bytes_in, bytes_out;     /* received from and sent to clients (TLS: ciphertext) */
    rs_ws_stats ws;
} rs_stats;

/* The statuses a refused request can get, in the order --stats prints them;
 * anything else is counted under "other". */
#define RS_PARSE_ERROR_STATUSES                                                                              \
    {                                                                                                        \
        400, 408, 413, 414, 417, 431, 501, 505                                                               \
    }

static inline unsigned rs_parse_error_kind(unsigned status)
{
    static const unsigned statuses[] = RS_PARSE_ERROR_STATUSES;
    for (unsigned i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i] == status)
            return i;
    return RS_PARSE_ERROR_KINDS - 1;
}

typedef struct rs_reactor {
    struct io_uring ring;
    int index;
    int cpu;
    int listen_fd[RS_MAX_LISTENERS]; /* one per listener of the spec, in its order */
    int stop_fd;                     /* eventfd written by the main thread on SIGINT/SIGTERM */
    int report_fd;                   /* this reactor's eventfd, written on SIGUSR1: print stats */
    const rs_server_options *opt;
    uint32_t tls_handshaking; /* connections in a TLS handshake (tls_stream.h cap) */
    rs_conn_table conns;
    rs_timers timers;
    rs_chunk_pool pool;
    rs_chunk_pool refs;        /* reference chunks (static files in memory) */
    rs_chunk_pool file_chunks; /* targets of file reads (static files from disk) */
    struct rs_send_vec *sendv; /* per slot: the msghdr of a gathered send */
    /* Per slot: the TLS stream layer of a connection with RS_CF_TLS (kept
     * off the 256-byte slot; mmap'ed, pages touched only by TLS slots). */
    struct rs_tls_stream **tls;
    char **request_text; /* per slot: request-scoped text (request_text.h) */
    rs_bufring bufs;
    rs_http1_limits http1_limits;
    rs_json json;           /* scratch for JSON bodies (json_scratch.h) */
    uint32_t *query_index;  /* index array of data queries (query_scratch.c) */
    size_t query_index_cap; /* entries */
    rs_compressor compress; /* per-reactor compression state */
    uint32_t dirty_head;
    uint32_t now_ms;
    rs_budget budget; /* [server.limits] buffered: every byte held for clients (buffer_budget.h) */
    uint32_t stop_deadline_ms;
    bool multishot_recv;
    bool recv_budget; /* kernel honours a byte limit on multishot recv */
    bool multishot_accept;
    bool sendfile;         /* by_file chunks go by sendfile (off after the kernel refused it) */
    uint16_t accept_armed; /* bit i: listener i has an accept in flight */
    bool stopping;
    bool ring_ready;          /* for teardown after a failed start */
    uint32_t accept_retry_ms; /* nonzero: re-arm accept at this time */
    unsigned log_accept_second;
    rs_stats stats;
    struct rs_db_pool *db;                  /* Postgres connections (runtime/db/), NULL without [database] */
    rs_log_ring access_log;                 /* --access-log: lines of this worker (fd -1: off) */
    struct rs_access_entry *access_entries; /* per slot, app/access_log.c; NULL until used */
} rs_reactor;

/* user_data: op (8 bits) | generation (24 bits) | slot (32 bits). */
typedef enum rs_op {
    RS_OP_ACCEPT = 1,
    RS_OP_RECV,
    RS_OP_SEND,
    RS_OP_SHUTDOWN,
    RS_OP_CLOSE,
    RS_OP_CANCEL,
    RS_OP_STOP,
    RS_OP_REPORT,
    RS_OP_READ,
    RS_OP_DB_POLL, /* slot = pool connection, not a client (runtime/db/) */
    RS_OP_DB_POLLOUT,
    RS_OP_LOG_WRITE, /* the access log's write (core/log_ring.c) */
} rs_op;

/* A gathered send's msghdr and iovecs, one per slot, kept still while the
 * send is in flight (the kernel may read them after submission). */
#define RS_SEND_IOV 8
typedef struct rs_send_vec {
    struct msghdr msg;
    struct iovec iov[RS_SEND_IOV];
} rs_send_vec;

static inline uint64_t rs_user_data(rs_op op, uint32_t gen, uint32_t slot)
{
    return (uint64_t)op | ((uint64_t)(gen & 0xFFFFFF) << 8) | ((uint64_t)slot << 32);
}

int rs_reactor_init(rs_reactor *r, int index, int cpu, int stop_fd, int report_fd,
                    const rs_server_options *opt);
int rs_reactor_run(rs_reactor *r); /* returns when stopped and drained */
void rs_reactor_destroy(rs_reactor *r);

/* ---- for protocol code ---- */

/* Something about c changed (output queued, state, flags): visit it in the
 * flush phase of this batch. */
static inline void rs_conn_touch(rs_reactor *r, rs_conn *c)
{
    if (!(c->flags & RS_CF_DIRTY)) {
        c->flags |= RS_CF_DIRTY;
        c->dirty_next = r->dirty_head;
        r->dirty_head = rs_conn_index(&r->conns, c);
    }
}

/* Close after the queued output is sent: shut down the write side, then
 * discard input until the peer closes (so the response is not lost to a
 * reset), bounded by the linger timeout. */
void rs_conn_finish(rs_reactor *r, rs_conn *c);

/* Close now: cancel what is in flight, close via the ring, free the slot on
 * the final completion.  Queued output is dropped. */
void rs_conn_abort(rs_reactor *r, rs_conn *c);

/* Stop parsing and receiving until the output queue drains. */
void rs_conn_pause(rs_reactor *r, rs_conn *c);

#endif
