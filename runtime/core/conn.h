/* conn.h — a connection slot and the per-reactor slab that holds them.
 *
 * Slots are addressed by index (the index, not the fd, goes in io_uring
 * user_data together with a generation).  A slot is recycled only when no
 * operation of its is in flight; its generation advances then, so a late
 * completion can never be attributed to the slot's next tenant. */
#ifndef RS_CONN_H
#define RS_CONN_H

#include <stdint.h>

#include "app/ringspec.h"
#include "core/outq.h"
#include "http1/http1_parser.h"
#include "static/static.h"
#include "ws/ws_parser.h"

#define RS_NIL UINT32_MAX

typedef enum rs_conn_state {
    RS_CONN_FREE = 0,
    RS_CONN_OPEN,      /* reading and answering requests */
    RS_CONN_DRAINING,  /* last response queued: flush, then shut down */
    RS_CONN_LINGERING, /* write side shut: discard input until EOF or timeout */
    RS_CONN_CLOSING,   /* cancelling ops, then close via the ring */
} rs_conn_state;

/* Operations that can be in flight for a slot (bit mask). */
enum {
    RS_OP_RECV_BIT = 1u << 0,
    RS_OP_SEND_BIT = 1u << 1,
    RS_OP_SHUTDOWN_BIT = 1u << 2,
    RS_OP_CLOSE_BIT = 1u << 3,
    RS_OP_READ_BIT = 1u << 4, /* a file read for a static response (none mode) */
};

enum {
    RS_CF_DIRTY = 1u << 0,       /* on the reactor's dirty list */
    RS_CF_PAUSED = 1u << 1,      /* output over its cap: not parsing, not receiving */
    RS_CF_NOBUFS = 1u << 2,      /* recv stopped for lack of buffers: re-arm */
    RS_CF_PEER_EOF = 1u << 3,    /* peer closed its write side */
    RS_CF_CANCELING = 1u << 4,   /* a cancel of the recv is in flight */
    RS_CF_IN_REQUEST = 1u << 5,  /* bytes of a request have arrived */
    RS_CF_IN_BODY = 1u << 6,     /* its head is complete, its body is not */
    RS_CF_STATIC = 1u << 7,      /* the request is for a static file: `stat` is live */
    RS_CF_FILE = 1u << 8,        /* its file is being read into the output (none mode) */
    RS_CF_POLLOUT = 1u << 9,     /* the send slot holds a POLLOUT wait (send_direct.c) */
    RS_CF_TEXT = 1u << 10,       /* holds request-scoped text (request_text.h) */
    RS_CF_SEND_AGAIN = 1u << 11, /* a ring send completed with -EAGAIN: wait for POLLOUT, resend */
    RS_CF_NONBLOCK = 1u << 12,   /* the socket was made non-blocking for sendfile */
    RS_CF_TLS = 1u << 13,        /* accepted on a TLS listener: r->tls[slot] is its stream layer */
    RS_CF_DB_WAIT = 1u << 14,    /* its request waits on the database: nothing behind it is parsed */
    RS_CF_HANDSHAKE = 1u << 15,  /* its stream layer is in a handshake: the handshake timer bounds it */
};

typedef enum rs_timer_kind {
    RS_TIMER_NONE = 0,
    RS_TIMER_HEADER,    /* absolute, from a request's first byte */
    RS_TIMER_BODY,      /* refreshed whenever body bytes arrive */
    RS_TIMER_IDLE,      /* keep-alive with nothing in progress */
    RS_TIMER_WRITE,     /* refreshed whenever a send makes progress */
    RS_TIMER_LINGER,    /* graceful close: wait for the peer's EOF */
    RS_TIMER_HANDSHAKE, /* absolute, from the accept to the stream layer's handshake done */
    RS_TIMER_KINDS
} rs_timer_kind;

/* What the bytes of a connection are (an index into rs_protocols[], proto.h).
 * A connection starts as its listener says: HTTP/1.1, HTTP/2, or SNIFF
 * (both: its first bytes decide).  A 101 on a WebSocket route switches an
 * HTTP/1.1 connection to WS for good. */
typedef enum rs_proto {
    RS_PROTO_HTTP1 = 0,
    RS_PROTO_WS,
    RS_PROTO_H2,
    RS_PROTO_SNIFF,
} rs_proto;

struct rs_h2_conn;    /* h2_conn.c */
struct rs_tls_stream; /* tls_stream.c */

/* WebSocket state of a connection after the upgrade (ws_conn.c). */
typedef struct rs_ws_conn {
    rs_ws_parser parser;
    const rs_ws_route *route; /* behaviour and limits of the upgraded route */
    /* Message assembly: payload of a data message that arrived in more than
     * one piece (fragments, or a frame split across receives), followed by
     * the payload of a split control frame while one is being read.  NULL
     * whenever every frame arrived whole, which is the common case. */
    char *msg;
    uint32_t msg_len; /* bytes of the data message so far */
    uint32_t msg_cap;
    uint8_t ctl_len;    /* bytes of the control frame at msg + msg_len */
    uint8_t msg_opcode; /* TEXT or BINARY while a message is open, else 0 */
    uint8_t utf8;       /* UTF-8 decoder state across the text message */
    uint8_t whole;      /* the current frame's payload arrives in one piece */
    /* A frame whose payload streams from msg (rs_ws_send): out_left bytes
     * at msg + out_off are still to be queued; nothing is parsed till then. */
    uint32_t out_off, out_left;
} rs_ws_conn;

typedef struct rs_conn {
    int32_t fd;
    uint32_t gen;
    uint8_t state;      /* rs_conn_state */
    uint8_t ops;        /* RS_OP_*_BIT in flight */
    uint16_t flags;     /* RS_CF_* */
    uint8_t timer_kind; /* list the slot is on */
    uint8_t proto;      /* rs_proto (fits in the padding here) */
    uint32_t timer_prev, timer_next;
    uint32_t deadline_ms; /* on the reactor's millisecond clock */
    uint32_t dirty_next;

    char *spill; /* unconsumed input kept between receives */
    uint32_t spill_len, spill_cap;

    rs_outq out;

    /* Protocol state: HTTP/1.1 until an upgrade, then WebSocket.  The two
     * never coexist, so they share the slot's bytes. */
    union {
        struct { /* RS_PROTO_HTTP1 */
            rs_http1_parser parser;

            /* The request in progress (filled at the end of its head). */
            int16_t route;
            uint16_t status; /* pending error status, 0 when dispatch succeeded */
            uint8_t body_kind;
            uint8_t body_param;
            uint8_t method;
            uint8_t coding; /* rs_coding negotiated at the head */
            /* A 405's Allow, the body limit and the CORS policy are properties of the
             * route: asked of generated code (rs_route_allow, rs_route_body_limit,
             * rs_route_cors), not kept here. */
            uint32_t body_cap;      /* RS_BODY_JSON: bytes of body_buf */
            uint8_t cors_origin;    /* app/cors.h: the Origin matched at the head */
            uint8_t cors_preflight; /* RS_CORS_NOT_PREFLIGHT / _REFUSED / _OK */
            uint8_t int_stage;      /* RS_BODY_INT: the value accumulates in params.value[body_param]; */
            uint8_t int_negative;   /* this is how far its strict parse got */
            char *body_buf;         /* RS_BODY_JSON: the body so far (body_seen bytes) */
            uint64_t body_seen;
            union {
                rs_params params;
                rs_static_pending stat; /* RS_CF_STATIC: a static route has no parameters */
            };
        };
        rs_ws_conn ws;         /* RS_PROTO_WS */
        struct rs_h2_conn *h2; /* RS_PROTO_H2: the session and its streams, off the slot */
    };
} rs_conn;

_Static_assert(sizeof(rs_conn) <= 256, "connection slot must stay within 256 bytes");

/* The body limit of the connection's request: its route's (the spec default
 * when no route matched), asked of generated code rather than kept per slot. */
static inline uint64_t rs_conn_body_limit(const rs_conn *c)
{
    return rs_route_body_limit(c->route);
}

typedef struct rs_conn_table {
    rs_conn *slots; /* mmap'ed, pages touched only as slots are first used */
    uint32_t capacity;
    uint32_t free_head; /* LIFO free list through dirty_next, reuses warm slots */
    uint32_t high_water;
    uint32_t in_use;
} rs_conn_table;

int rs_conn_table_init(rs_conn_table *t, uint32_t capacity);
void rs_conn_table_destroy(rs_conn_table *t);

/* Takes a free slot (state FREE -> caller sets it up) or NULL when full. */
rs_conn *rs_conn_alloc(rs_conn_table *t);

/* Returns a slot whose operations have all completed; advances its gen. */
void rs_conn_release(rs_conn_table *t, rs_conn *c);

static inline uint32_t rs_conn_index(const rs_conn_table *t, const rs_conn *c)
{
    return (uint32_t)(c - t->slots);
}

#endif
