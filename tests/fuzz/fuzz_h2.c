/* fuzz_h2.c — libFuzzer harness for the HTTP/2 input path: bytes after the
 * client preface go through rs_h2_input (nghttp2_session_mem_recv, the
 * stream callbacks, dispatch of spec/arena.toml's generated routes, the
 * HTTP/2 response sink) exactly as received bytes would, without a ring.
 *
 * The first input byte sets the size of the pieces the rest is fed in
 * (0: one piece), like receives of that size.  After each piece the
 * connection's output queue is "sent" (consumed whole) and a paused
 * connection is resumed, as the transport would.  The output queue cap is
 * small so backpressure is exercised.
 *
 * Invariant (abort on breach): once the connection is released, every
 * byte charged to the worker's budget (nghttp2's allocations, streams,
 * bodies, responses, output chunks) has been given back: r.budget.held == 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/request_text.h"
#include "core/conn_lifecycle.h"
#include "core/date_cache.h"
#include "h2/h2_conn.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static rs_server_options opt;
static rs_reactor r;

static void setup(void)
{
    opt.max_connections = 4;
    opt.limits = rs_spec.limits;
    opt.limits.output_queue = 4096;
    opt.limits.buffered = 4u << 20; /* small enough that a budget refusal is reachable */
    opt.timeouts = rs_spec.timeouts;
    memset(&r, 0, sizeof r);
    r.opt = &opt;
    r.dirty_head = RS_NIL;
    rs_date_refresh(time(NULL)); /* HEADERS carry the cached Date */
    const char *data = getenv("RS_FUZZ_DATA");
    if (rs_data_load(data ? data : "data") < 0) {
        fprintf(stderr, "fuzz_h2: run from the repository root (data/dataset.json) or set RS_FUZZ_DATA\n");
        exit(1);
    }
    if (rs_conn_table_init(&r.conns, opt.max_connections) < 0 || rs_request_text_init(&r) < 0)
        exit(1);
    rs_chunk_pool_init(&r.pool, 2048 - sizeof(rs_chunk), 16384 - sizeof(rs_chunk), 256, 16);
    rs_budget_init(&r.budget, opt.limits.buffered);
    r.pool.budget = &r.budget;
    rs_chunk_pool_init(&r.refs, 0, 0, 4096, 0);
}

/* What the flush phase would do: send everything, forget the dirty list. */
static void transport_turn(rs_conn *c)
{
    uint32_t len;
    while (c->out.queued > 0) {
        rs_outq_peek(&c->out, &len);
        rs_outq_consume(&c->out, &r.pool, len);
    }
    r.dirty_head = RS_NIL;
    c->flags &= (uint16_t)~RS_CF_DIRTY;
    if ((c->flags & RS_CF_PAUSED) && c->state == RS_CONN_OPEN) {
        c->flags &= (uint16_t)~RS_CF_PAUSED;
        rs_h2_drained(&r, c);
        r.dirty_head = RS_NIL;
        c->flags &= (uint16_t)~RS_CF_DIRTY;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    size_t piece = size ? data[0] : 0;
    const uint8_t *in = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;

    rs_conn *c = rs_conn_alloc(&r.conns);
    c->state = RS_CONN_OPEN;
    c->proto = RS_PROTO_H2;
    if (!rs_h2_open(&r, c))
        abort();
    char *buf = malloc(sizeof preface - 1 + n + 1);
    memcpy(buf, preface, sizeof preface - 1);
    memcpy(buf + sizeof preface - 1, in, n);
    size_t total = sizeof preface - 1 + n;
    for (size_t off = 0; off < total && c->state == RS_CONN_OPEN;) {
        size_t len = piece ? piece : total;
        if (len > total - off)
            len = total - off;
        rs_h2_input(&r, c, buf + off, len);
        off += len;
        transport_turn(c);
    }
    free(buf);
    rs_h2_release(&r, c);
    rs_outq_clear(&c->out, &r.pool);
    rs_request_text_free(&r, c);
    c->state = RS_CONN_FREE;
    c->flags = 0;
    rs_conn_release(&r.conns, c);
    if (r.budget.held != 0) {
        fprintf(stderr, "invariant: %llu budget bytes not given back (h2: %llu)\n",
                (unsigned long long)r.budget.held, (unsigned long long)r.budget.by_kind[RS_HELD_H2]);
        abort();
    }
    return 0;
}
