/* db_pool.c — the per-worker Postgres pool (see db_pool.h).
 *
 * Connection states: DOWN (waiting for its reconnect time) -> CONNECTING
 * (PQconnectPoll driven by POLL_ADD) -> PREPARING (every statement sent
 * with PQsendPrepare, each followed by its own sync so one bad statement
 * cannot abort the others) -> READY.  Anything wrong (socket error, EOF,
 * CONNECTION_BAD, a deadline) marks the connection broken; the next tick
 * answers its in-flight requests with the failure reply, cancels its polls
 * and only then PQfinish()es it (never a close under a pending poll), and
 * schedules a reconnect with exponential backoff.
 *
 * Results are read by PQconsumeInput + PQgetResult while !PQisBusy: each
 * query's result completes the head of the connection's FIFO and is
 * serialized by the route straight from the PGresult's text, then cleared. */
#include "db/db_pool.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer_budget.h"
#include "core/conn_lifecycle.h"
#include "core/log.h"
#include "core/reactor.h"
#include "db/db_connect.h"

enum { DB_DOWN, DB_CONNECTING, DB_PREPARING, DB_READY, DB_CLOSING };

/* What an in-flight statement costs the worker's budget: its FIFO entry and
 * the copy of its parameters libpq keeps in the connection's output. */
#define RS_DB_ENTRY_COST 64u
#define RS_DB_MAX_ARG_BYTES 4096u
/* A FIFO entry that is a statement being prepared again, not a request. */
#define RS_DB_PREPARE_SLOT UINT32_MAX

struct rs_db_rows {
    PGresult *res;
};

typedef struct rs_db_inflight {
    rs_db_ticket t;
    uint32_t cost; /* bytes charged to the budget */
} rs_db_inflight;

typedef struct rs_db_conn {
    PGconn *pg;
    uint8_t state;
    bool broken;    /* torn down at the next tick */
    bool poll_in;   /* a POLLIN poll is in flight */
    bool poll_out;  /* a POLLOUT poll is in flight */
    bool want_out;  /* PQflush (or PQconnectPoll) needs the socket writable */
    bool unsynced;  /* statements sent since the last PQpipelineSync */
    bool need_null; /* the NULL that ends a query's results is still due */
    uint32_t gen;   /* advances at every teardown: older polls are stale */
    int fd;         /* the socket the polls in flight watch */
    uint32_t retry_at_ms, backoff_ms, deadline_ms;
    uint32_t prepares_left, syncs;
    uint32_t head, count; /* FIFO of in-flight requests (fifo[depth]) */
    rs_db_inflight *fifo;
    uint64_t broken_statements;             /* bit i: "s<i>" failed to prepare (i < 64) */
    uint32_t reprepare_at_ms, reprepare_ms; /* when to try those again, and the backoff */
} rs_db_conn;

typedef struct rs_db_pool {
    rs_db_conn *conns;
    uint32_t nconns, depth, next;
    rs_db_ticket *waiting; /* queued requests, a ring */
    uint32_t wait_head, wait_count, wait_cap;
    size_t wait_charged; /* the ring's growth, charged to the worker's budget */
    unsigned log_second;
} rs_db_pool;

static uint32_t pool_index(const rs_db_pool *p, const rs_db_conn *dc)
{
    return (uint32_t)(dc - p->conns);
}

static bool after(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static void arm(rs_reactor *r, rs_db_conn *dc, bool out)
{
    rs_db_pool *p = r->db;
    if (out ? dc->poll_out : dc->poll_in)
        return;
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_poll_add(sqe, dc->fd, out ? POLLOUT : POLLIN);
    io_uring_sqe_set_data64(sqe,
                            rs_user_data(out ? RS_OP_DB_POLLOUT : RS_OP_DB_POLL, dc->gen, pool_index(p, dc)));
    if (out)
        dc->poll_out = true;
    else
        dc->poll_in = true;
}

static void cancel_polls(rs_reactor *r, rs_db_conn *dc)
{
    uint32_t index = pool_index(r->db, dc);
    for (int out = 0; out < 2; out++) {
        if (!(out ? dc->poll_out : dc->poll_in))
            continue;
        struct io_uring_sqe *sqe = rs_get_sqe(r);
        io_uring_prep_cancel64(sqe, rs_user_data(out ? RS_OP_DB_POLLOUT : RS_OP_DB_POLL, dc->gen, index), 0);
        io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_CANCEL, 0, 0));
    }
}

static void fail(rs_reactor *r, rs_db_conn *dc, const char *why)
{
    if (!dc->broken)
        rs_log_ratelimited(&r->db->log_second, "database: connection %u lost (%s)%s%s", pool_index(r->db, dc),
                           why, dc->pg ? ": " : "", dc->pg ? PQerrorMessage(dc->pg) : "");
    dc->broken = true;
}

static void start_connect(rs_reactor *r, rs_db_conn *dc)
{
    dc->pg = rs_db_connect_start();
    dc->state = DB_CONNECTING;
    dc->deadline_ms = r->now_ms + 10000u;
    if (!dc->pg || PQstatus(dc->pg) == CONNECTION_BAD || PQsocket(dc->pg) < 0) {
        fail(r, dc, "cannot start a connection");
        return;
    }
    dc->fd = PQsocket(dc->pg);
    dc->want_out = true; /* PGRES_POLLING_WRITING: libpq's documented first wait */
    arm(r, dc, true);
}

static void note_unprepared(rs_reactor *r, rs_db_conn *dc, unsigned i, const PGresult *res)
{
    const rs_db_config *cfg = rs_db_spec;
    rs_log_ratelimited(&r->db->log_second, "database: statement %s cannot be prepared (retried later): %s",
                       rs_sql_statements[i].name, PQresultErrorMessage(res));
    if (i < 64)
        dc->broken_statements |= 1ull << i;
    dc->reprepare_ms = dc->reprepare_ms ? dc->reprepare_ms * 2 : cfg->reconnect_min_ms;
    if (dc->reprepare_ms > cfg->reconnect_max_ms)
        dc->reprepare_ms = cfg->reconnect_max_ms;
    dc->reprepare_at_ms = r->now_ms + dc->reprepare_ms;
}

static void start_prepare(rs_reactor *r, rs_db_conn *dc)
{
    if (PQsetnonblocking(dc->pg, 1) != 0 || !PQenterPipelineMode(dc->pg)) {
        fail(r, dc, "cannot enter pipeline mode");
        return;
    }
    dc->state = DB_PREPARING;
    dc->broken_statements = 0;
    dc->prepares_left = rs_sql_statement_count;
    for (unsigned i = 0; i < rs_sql_statement_count; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%u", i);
        const rs_sql_statement *st = &rs_sql_statements[i];
        if (!PQsendPrepare(dc->pg, name, st->text, st->nparams, NULL) || !PQpipelineSync(dc->pg)) {
            fail(r, dc, "cannot send the statements");
            return;
        }
        dc->syncs++;
    }
    int f = PQflush(dc->pg);
    if (f < 0)
        fail(r, dc, "flush");
    dc->want_out = f == 1;
}

/* One query's result: completes the head of the FIFO. */
static void complete_head(rs_reactor *r, rs_db_conn *dc, PGresult *res)
{
    rs_db_pool *p = r->db;
    if (dc->count == 0)
        return; /* a result nobody asked for: ignore it */
    rs_db_inflight e = dc->fifo[dc->head];
    dc->head = (dc->head + 1) % p->depth;
    dc->count--;
    rs_budget_release(&r->budget, RS_HELD_DB, e.cost);
    ExecStatusType st = PQresultStatus(res);
    if (e.t.slot == RS_DB_PREPARE_SLOT) { /* a statement prepared again (e.t.gen: its index) */
        if (st == PGRES_COMMAND_OK) {
            dc->broken_statements &= ~(1ull << e.t.gen);
            dc->reprepare_ms = 0;
        } else {
            note_unprepared(r, dc, e.t.gen, res);
        }
        return;
    }
    if (st == PGRES_FATAL_ERROR)
        rs_log_ratelimited(&p->log_second, "database: statement failed: %s", PQresultErrorMessage(res));
    rs_db_rows rows = {res};
    bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    rs_db_answered(r, &e.t, ok ? &rows : NULL);
}

static void drain(rs_reactor *r, rs_db_conn *dc)
{
    if (!PQconsumeInput(dc->pg)) {
        fail(r, dc, "read");
        return;
    }
    while (!dc->broken && !PQisBusy(dc->pg)) {
        PGresult *res = PQgetResult(dc->pg);
        if (!res) {
            if (!dc->need_null)
                break; /* nothing more has arrived */
            dc->need_null = false;
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            if (dc->syncs)
                dc->syncs--;
        } else if (dc->state == DB_PREPARING && dc->prepares_left) {
            unsigned i = rs_sql_statement_count - dc->prepares_left--;
            if (st != PGRES_COMMAND_OK)
                note_unprepared(r, dc, i, res);
            dc->need_null = true;
        } else {
            complete_head(r, dc, res); /* may send more statements on this connection */
            dc->need_null = true;
        }
        PQclear(res);
    }
    if (!dc->broken && PQstatus(dc->pg) == CONNECTION_BAD)
        fail(r, dc, "connection bad");
    if (!dc->broken && dc->state == DB_PREPARING && dc->prepares_left == 0 && dc->syncs == 0) {
        dc->state = DB_READY;
        dc->backoff_ms = 0;
        rs_log("database: connection %u ready", pool_index(r->db, dc));
    }
}

static void on_connect_progress(rs_reactor *r, rs_db_conn *dc)
{
    switch (PQconnectPoll(dc->pg)) {
    case PGRES_POLLING_OK:
        start_prepare(r, dc);
        return;
    case PGRES_POLLING_READING:
        dc->want_out = false;
        break;
    case PGRES_POLLING_WRITING:
        dc->want_out = true;
        break;
    default:
        fail(r, dc, "connect");
        return;
    }
    dc->fd = PQsocket(dc->pg); /* libpq may have moved on to another address */
}

void rs_db_on_poll(rs_reactor *r, unsigned op, uint32_t index, uint32_t gen, int res)
{
    rs_db_pool *p = r->db;
    if (!p || index >= p->nconns || p->conns[index].gen != (gen & 0xFFFFFF)) {
        r->stats.stale_cqes++;
        return;
    }
    rs_db_conn *dc = &p->conns[index];
    if (op == RS_OP_DB_POLLOUT)
        dc->poll_out = false;
    else
        dc->poll_in = false;
    if (dc->state == DB_CLOSING || dc->broken)
        return; /* the tick finishes it once no poll is left */
    if (res < 0 && res != -EINTR && res != -EAGAIN) {
        if (res != -ECANCELED)
            fail(r, dc, strerror(-res));
        return;
    }
    if (dc->state == DB_CONNECTING) {
        if (res >= 0)
            on_connect_progress(r, dc);
    } else if (op == RS_OP_DB_POLLOUT) {
        int f = PQflush(dc->pg);
        if (f < 0)
            fail(r, dc, "flush");
        dc->want_out = f == 1;
    } else {
        drain(r, dc);
    }
    /* Every completion re-evaluates the connection: wait for what it needs. */
    if (dc->broken)
        return;
    if (dc->state == DB_CONNECTING) {
        arm(r, dc, dc->want_out);
    } else {
        arm(r, dc, false); /* results, or the server closing on us */
        if (dc->want_out)
            arm(r, dc, true);
    }
}

static uint32_t tail_slot(const rs_db_pool *p, const rs_db_conn *dc)
{
    return (dc->head + dc->count) % p->depth;
}

static rs_db_conn *pick(rs_db_pool *p, unsigned statement, bool *any_ready)
{
    *any_ready = false;
    for (uint32_t k = 0; k < p->nconns; k++) {
        rs_db_conn *dc = &p->conns[(p->next + k) % p->nconns];
        if (dc->state != DB_READY || dc->broken)
            continue;
        if (statement < 64 && (dc->broken_statements >> statement) & 1)
            continue;
        *any_ready = true;
        if (dc->count < p->depth) {
            p->next = (p->next + k + 1) % p->nconns;
            return dc;
        }
    }
    return NULL;
}

/* A connection is on its way up (connecting or preparing): requests wait
 * for it rather than get the failure reply a moment before it is ready
 * (a server started together with its database is asked at once). */
static bool coming_up(const rs_db_pool *p)
{
    for (uint32_t i = 0; i < p->nconns; i++) {
        const rs_db_conn *dc = &p->conns[i];
        if (!dc->broken && (dc->state == DB_CONNECTING || dc->state == DB_PREPARING))
            return true;
    }
    return false;
}

/* The ring starts at one entry per client connection (an HTTP/1.1
 * connection parks one request at a time).  An HTTP/2 connection parks up to
 * h2_streams, so the ring doubles when full, up to max_connections x
 * h2_streams entries, the growth charged to the worker's budget: refused,
 * the request gets its failure reply. */
static bool wait_grow(rs_reactor *r, rs_db_pool *p)
{
    uint32_t streams = r->opt->limits.h2_streams ? r->opt->limits.h2_streams : 1;
    uint64_t max = (uint64_t)r->opt->max_connections * streams;
    if (p->wait_cap >= max)
        return false;
    uint32_t cap = (uint32_t)(max < (uint64_t)p->wait_cap * 2 ? max : (uint64_t)p->wait_cap * 2);
    size_t extra = (size_t)(cap - p->wait_cap) * sizeof *p->waiting;
    if (!rs_budget_try_charge(&r->budget, RS_HELD_DB, extra))
        return false;
    rs_db_ticket *ring = malloc((size_t)cap * sizeof *ring);
    if (!ring) {
        rs_budget_release(&r->budget, RS_HELD_DB, extra);
        return false;
    }
    for (uint32_t i = 0; i < p->wait_count; i++)
        ring[i] = p->waiting[(p->wait_head + i) % p->wait_cap];
    free(p->waiting);
    p->waiting = ring;
    p->wait_head = 0;
    p->wait_cap = cap;
    p->wait_charged += extra;
    return true;
}

static bool wait_push(rs_reactor *r, rs_db_pool *p, const rs_db_ticket *t)
{
    if (p->wait_count == p->wait_cap && !wait_grow(r, p))
        return false;
    p->waiting[(p->wait_head + p->wait_count++) % p->wait_cap] = *t;
    return true;
}

rs_db_submit_result rs_db_submit(rs_reactor *r, const rs_db_ticket *t, unsigned statement, const rs_str *args,
                                 unsigned nargs)
{
    rs_db_pool *p = r->db;
    if (!p || statement >= rs_sql_statement_count || nargs > RS_MAX_PARAMS)
        return RS_DB_UNAVAILABLE;
    bool any_ready;
    rs_db_conn *dc = pick(p, statement, &any_ready);
    if (!any_ready)
        return coming_up(p) && wait_push(r, p, t) ? RS_DB_QUEUED : RS_DB_UNAVAILABLE;
    size_t bytes = 0;
    for (unsigned i = 0; i < nargs; i++)
        bytes += args[i].len + 1;
    if (bytes > RS_DB_MAX_ARG_BYTES)
        return RS_DB_UNAVAILABLE;
    uint32_t cost = RS_DB_ENTRY_COST + (uint32_t)bytes;
    if (!dc || !rs_budget_try_charge(&r->budget, RS_HELD_DB, cost))
        return wait_push(r, p, t) ? RS_DB_QUEUED : RS_DB_UNAVAILABLE;
    /* Text parameters are NUL-terminated for libpq, which copies them. */
    char buf[RS_DB_MAX_ARG_BYTES];
    const char *values[RS_MAX_PARAMS];
    size_t at = 0;
    for (unsigned i = 0; i < nargs; i++) {
        memcpy(buf + at, args[i].ptr, args[i].len);
        buf[at + args[i].len] = '\0';
        values[i] = buf + at;
        at += args[i].len + 1;
    }
    char name[16];
    snprintf(name, sizeof name, "s%u", statement);
    if (!PQsendQueryPrepared(dc->pg, name, (int)nargs, values, NULL, NULL, 0)) {
        rs_budget_release(&r->budget, RS_HELD_DB, cost);
        fail(r, dc, "send");
        return RS_DB_UNAVAILABLE;
    }
    dc->fifo[tail_slot(p, dc)] = (rs_db_inflight){*t, cost};
    dc->count++;
    dc->unsynced = true;
    return RS_DB_SENT;
}

/* Broken: answer what it owed with the failure reply, then close it once
 * no poll refers to its socket, and schedule the reconnect. */
static void teardown(rs_reactor *r, rs_db_conn *dc)
{
    rs_db_pool *p = r->db;
    const rs_db_config *cfg = rs_db_spec;
    if (dc->state != DB_CLOSING) {
        while (dc->count) {
            rs_db_inflight e = dc->fifo[dc->head];
            dc->head = (dc->head + 1) % p->depth;
            dc->count--;
            rs_budget_release(&r->budget, RS_HELD_DB, e.cost);
            rs_db_answered(r, &e.t, NULL);
        }
        cancel_polls(r, dc);
        dc->state = DB_CLOSING;
    }
    if (dc->poll_in || dc->poll_out)
        return; /* their completions come first */
    if (dc->pg)
        PQfinish(dc->pg);
    dc->pg = NULL;
    dc->fd = -1;
    dc->gen = (dc->gen + 1) & 0xFFFFFF;
    dc->broken = dc->unsynced = dc->need_null = dc->want_out = false;
    dc->syncs = dc->prepares_left = 0;
    dc->head = 0;
    dc->backoff_ms = dc->backoff_ms ? dc->backoff_ms * 2 : cfg->reconnect_min_ms;
    if (dc->backoff_ms > cfg->reconnect_max_ms)
        dc->backoff_ms = cfg->reconnect_max_ms;
    dc->retry_at_ms = r->now_ms + dc->backoff_ms;
    dc->state = DB_DOWN;
}

/* Statements that failed to prepare (the table did not exist yet, say) are
 * tried again with backoff, through the FIFO like requests; until then
 * their requests get the failure reply. */
static void reprepare(rs_reactor *r, rs_db_conn *dc)
{
    rs_db_pool *p = r->db;
    for (unsigned i = 0; i < rs_sql_statement_count && i < 64 && dc->count < p->depth; i++) {
        if (!((dc->broken_statements >> i) & 1))
            continue;
        char name[16];
        snprintf(name, sizeof name, "s%u", i);
        const rs_sql_statement *st = &rs_sql_statements[i];
        if (!PQsendPrepare(dc->pg, name, st->text, st->nparams, NULL)) {
            fail(r, dc, "send");
            return;
        }
        dc->fifo[tail_slot(p, dc)] = (rs_db_inflight){{RS_DB_PREPARE_SLOT, i, 0, 0, NULL, 0}, 0};
        dc->count++;
        dc->unsynced = true;
        dc->broken_statements &= ~(1ull << i); /* set again if it fails again */
    }
    dc->reprepare_at_ms = r->now_ms + (dc->reprepare_ms ? dc->reprepare_ms : 1000u);
}

void rs_db_tick(rs_reactor *r)
{
    rs_db_pool *p = r->db;
    if (!p)
        return;
    bool any_ready = false;
    for (uint32_t i = 0; i < p->nconns; i++) {
        rs_db_conn *dc = &p->conns[i];
        if ((dc->state == DB_CONNECTING || dc->state == DB_PREPARING) && after(r->now_ms, dc->deadline_ms))
            fail(r, dc, "timed out");
        if (dc->broken || dc->state == DB_CLOSING)
            teardown(r, dc);
        if (dc->state == DB_DOWN && !r->stopping && after(r->now_ms, dc->retry_at_ms))
            start_connect(r, dc);
        if (dc->state == DB_READY && !dc->broken && dc->broken_statements &&
            after(r->now_ms, dc->reprepare_at_ms))
            reprepare(r, dc);
        any_ready |= dc->state == DB_READY && !dc->broken;
    }
    /* Let queued requests in while there is room; with no connection up or
     * coming up they get the failure reply rather than wait for a reconnect. */
    bool coming = !any_ready && coming_up(p);
    uint32_t n = p->wait_count;
    while (n-- && p->wait_count && !coming) {
        rs_db_ticket e = p->waiting[p->wait_head];
        bool dummy;
        if (any_ready && !pick(p, UINT32_MAX, &dummy))
            break; /* every pipeline is full: wait for results */
        p->wait_head = (p->wait_head + 1) % p->wait_cap;
        p->wait_count--;
        if (any_ready)
            rs_db_retry(r, &e);
        else
            rs_db_answered(r, &e, NULL);
    }
}

void rs_db_flush(rs_reactor *r)
{
    rs_db_pool *p = r->db;
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nconns; i++) {
        rs_db_conn *dc = &p->conns[i];
        if (dc->broken || (dc->state != DB_READY && dc->state != DB_PREPARING))
            continue;
        if (dc->unsynced) {
            if (!PQpipelineSync(dc->pg)) {
                fail(r, dc, "sync");
                continue;
            }
            dc->syncs++;
            dc->unsynced = false;
            int f = PQflush(dc->pg);
            if (f < 0) {
                fail(r, dc, "flush");
                continue;
            }
            dc->want_out = f == 1;
        }
        arm(r, dc, false);
        if (dc->want_out)
            arm(r, dc, true);
    }
}

uint32_t rs_db_next_wait(const rs_reactor *r, uint32_t cap_ms)
{
    const rs_db_pool *p = r->db;
    uint32_t wait = cap_ms;
    if (!p)
        return wait;
    for (uint32_t i = 0; i < p->nconns; i++) {
        const rs_db_conn *dc = &p->conns[i];
        uint32_t at = r->now_ms + cap_ms;
        if (dc->state == DB_DOWN)
            at = dc->retry_at_ms;
        else if (dc->state == DB_CONNECTING || dc->state == DB_PREPARING)
            at = dc->deadline_ms;
        else if (dc->state == DB_READY && dc->broken_statements)
            at = dc->reprepare_at_ms;
        uint32_t left = after(r->now_ms, at) ? 0 : at - r->now_ms;
        if (dc->broken)
            left = 0; /* (queued requests wait for results: a completion wakes the loop) */
        if (left < wait)
            wait = left;
    }
    return wait;
}

uint32_t rs_db_parked(const rs_reactor *r)
{
    const rs_db_pool *p = r->db;
    uint32_t n = 0;
    if (!p)
        return 0;
    for (uint32_t i = 0; i < p->nconns; i++)
        n += p->conns[i].count;
    return n + p->wait_count;
}

int rs_db_pool_init(rs_reactor *r)
{
    const rs_db_target *t = rs_db_target_get();
    if (!rs_db_spec || !t->enabled)
        return 0; /* every statement answers its failure reply */
    rs_db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    r->db = p;
    p->nconns = t->per_worker;
    p->depth = rs_db_spec->pipeline_depth;
    p->wait_cap = r->opt->max_connections; /* one parked request per connection at most */
    p->conns = calloc(p->nconns, sizeof *p->conns);
    p->waiting = calloc(p->wait_cap, sizeof *p->waiting);
    if (!p->conns || !p->waiting)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->nconns; i++) {
        rs_db_conn *dc = &p->conns[i];
        dc->fd = -1;
        dc->fifo = calloc(p->depth, sizeof *dc->fifo);
        if (!dc->fifo)
            return -ENOMEM;
        dc->state = DB_DOWN;
        dc->retry_at_ms = r->now_ms; /* connect at the first tick */
    }
    return 0;
}

void rs_db_pool_destroy(rs_reactor *r)
{
    rs_db_pool *p = r->db;
    if (!p)
        return;
    for (uint32_t i = 0; p->conns && i < p->nconns; i++) {
        /* The ring is gone or drained: no poll can refer to these sockets. */
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
        free(p->conns[i].fifo);
    }
    free(p->conns);
    free(p->waiting);
    rs_budget_release(&r->budget, RS_HELD_DB, p->wait_charged);
    free(p);
    r->db = NULL;
}

unsigned rs_db_row_count(const rs_db_rows *rows)
{
    return rows && rows->res ? (unsigned)PQntuples(rows->res) : 0;
}

rs_str rs_db_value(const rs_db_rows *rows, unsigned row, unsigned col)
{
    if (PQgetisnull(rows->res, (int)row, (int)col))
        return (rs_str){"null", 4};
    return (rs_str){PQgetvalue(rows->res, (int)row, (int)col),
                    (size_t)PQgetlength(rows->res, (int)row, (int)col)};
}
