/* Connection state and the per-worker loop state, shared by the event loop
 * (engine.c) and the connection state machine (conn.c). Private to the
 * engine: nothing outside those two files includes this. */
#ifndef LOADGEN_CONN_H
#define LOADGEN_CONN_H

#include "engine.h"
#include "resp.h"
#include "ws.h"

#include <liburing.h>
#include <stdint.h>

#define RETRY_DELAY_NS 20000000ull /* after an error, so a dead server is not spun on */
#define WS_REQ_CAP 2560            /* upgrade request: path (<= 2048) + headers */

enum op { OP_CONNECT = 0, OP_RECV = 1, OP_SEND = 2 };
enum cstate { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_ACTIVE, C_CLOSING };

struct conn {
    int fd;
    uint8_t state;
    uint8_t ops; /* operations of this connection in the kernel */
    uint8_t recv_armed;
    uint8_t send_armed;
    uint8_t retry;       /* reopen after RETRY_DELAY_NS, not at once */
    uint8_t close_after; /* close once the current read is handled */
    uint16_t tmpl;
    uint32_t inflight; /* requests sent whose response has not arrived */
    uint32_t want;     /* requests to send when the current send is done */
    uint32_t ts_head;  /* send-time ring: oldest outstanding at ts_head */
    uint32_t rlen;     /* unparsed bytes at the start of rbuf */
    size_t send_off;
    size_t send_len;
    const char *send_buf;
    uint64_t sent; /* requests sent / answered on this connection (-r) */
    uint64_t done;
    uint64_t since;    /* connect start, or handshake start */
    uint64_t retry_at; /* C_IDLE: when to reconnect */
    uint64_t rbytes;   /* bytes of the response being parsed (interim ones included) */
    char *rbuf;
    uint64_t *ts;
    char *ws_req;
    char ws_accept[WS_ACCEPT_LEN + 1];
    struct resp_parser rp;
    struct ws_parser wp;
};

struct loop {
    struct worker *w;
    const struct config *cfg;
    const struct templates *ts;
    struct io_uring ring;
    struct conn *conns;
    uint32_t ts_mask; /* send-time ring size - 1 (power of two >= depth) */
    uint64_t now;
    int counting; /* now is inside the measured window */
    uint64_t rng;
    struct stats *st;
    struct __kernel_timespec timer_ts; /* must outlive the timeout op */
};

static inline struct io_uring_sqe *get_sqe(struct loop *l)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
    if (!sqe) {
        /* SQ full: hand the batch to the kernel and take a fresh slot. */
        io_uring_submit(&l->ring);
        sqe = io_uring_get_sqe(&l->ring);
    }
    return sqe; /* cannot be NULL right after a submit */
}

/* Opens c (socket + connect op) with its current template. */
void conn_start(struct loop *l, struct conn *c);
/* Shuts c down; it reopens by itself once its operations are back, at once
 * or (retry) after RETRY_DELAY_NS. */
void conn_close(struct loop *l, struct conn *c, int retry);
/* Dispatches a completion of one of the connection's operations. */
void conn_handle_cqe(struct loop *l, struct io_uring_cqe *cqe);

#endif
