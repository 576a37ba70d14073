/* stats.c — one line of counters per worker, key=value, for scripts.
 *
 * The line is formatted into a buffer and written with one write(2), so
 * lines printed by several workers at once (SIGUSR1) never interleave. */
#include "core/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

typedef struct line {
    char buf[2048];
    size_t len;
} line;

static void put(line *l, const char *key, uint64_t value)
{
    if (l->len >= sizeof l->buf)
        return;
    int n = snprintf(l->buf + l->len, sizeof l->buf - l->len, " %s=%" PRIu64, key, value);
    if (n > 0)
        l->len += (size_t)n;
}

static void put_ws(line *l, const rs_ws_stats *ws)
{
    static const unsigned close_codes[] = RS_WS_CLOSE_CODES;
    put(l, "ws_upgrades", ws->upgrades);
    put(l, "ws_frames_in", ws->frames_in);
    put(l, "ws_frames_out", ws->frames_out);
    put(l, "ws_messages_in", ws->messages_in);
    put(l, "ws_messages_out", ws->messages_out);
    put(l, "ws_pings_in", ws->pings_in);
    put(l, "ws_pongs_out", ws->pongs_out);
    put(l, "ws_pongs_in", ws->pongs_in);
    put(l, "ws_closes_in", ws->closes_in);
    for (unsigned i = 0; i < RS_WS_CLOSE_KINDS; i++) {
        char key[32];
        if (i < sizeof close_codes / sizeof close_codes[0])
            snprintf(key, sizeof key, "ws_closes_sent_%u", close_codes[i]);
        else
            snprintf(key, sizeof key, "ws_closes_sent_%s", i == RS_WS_CLOSE_KINDS - 1 ? "none" : "other");
        put(l, key, ws->closes_sent[i]);
    }
}

/* The bytes held for clients now (buffered_bytes: all kinds), per kind, and
 * the most ever held at once (buffer_budget.h). */
static void put_budget(line *l, const rs_budget *b)
{
    static const char *const kinds[RS_HELD_KINDS] = RS_HELD_NAMES;
    put(l, "buffered_bytes", b->held);
    for (unsigned k = 0; k < RS_HELD_KINDS; k++) {
        char key[32];
        snprintf(key, sizeof key, "buffered_%s", kinds[k]);
        put(l, key, b->by_kind[k]);
    }
    put(l, "buffered_peak", b->peak);
}

/* Slots in use by state, counted when printed (rare) rather than kept up
 * to date on every transition: a slot stuck in one state shows here. */
static void put_states(line *l, const rs_conn_table *t)
{
    uint64_t n[RS_CONN_CLOSING + 1] = {0};
    for (uint32_t i = 0; i < t->high_water; i++)
        if (t->slots[i].state <= RS_CONN_CLOSING)
            n[t->slots[i].state]++;
    put(l, "conns_open", n[RS_CONN_OPEN]);
    put(l, "conns_draining", n[RS_CONN_DRAINING]);
    put(l, "conns_lingering", n[RS_CONN_LINGERING]);
    put(l, "conns_closing", n[RS_CONN_CLOSING]);
}

static rs_reactor *const *registered;
static unsigned registered_count;

void rs_stats_register(rs_reactor *const *workers, unsigned count)
{
    registered = workers;
    registered_count = count;
}

unsigned rs_stats_workers(rs_reactor *const **workers)
{
    *workers = registered;
    return registered_count;
}

static const char *const timer_names[] = {
    [RS_TIMER_HEADER] = "header", [RS_TIMER_BODY] = "body",     [RS_TIMER_IDLE] = "idle",
    [RS_TIMER_WRITE] = "write",   [RS_TIMER_LINGER] = "linger", [RS_TIMER_HANDSHAKE] = "handshake",
};
_Static_assert(sizeof timer_names / sizeof timer_names[0] == RS_TIMER_KINDS, "a timer kind without a name");

const char *rs_stats_timer_name(unsigned kind)
{
    return kind < RS_TIMER_KINDS && timer_names[kind] ? timer_names[kind] : "unnamed";
}

void rs_stats_print(const rs_reactor *r)
{
    static const unsigned error_statuses[] = RS_PARSE_ERROR_STATUSES;
    const rs_stats *s = &r->stats;
    line l;
    l.len = (size_t)snprintf(l.buf, sizeof l.buf, "stats worker=%d", r->index);
    put(&l, "accepted", s->accepted);
    put(&l, "closed", s->closed);
    put(&l, "open", r->conns.in_use);
    put_states(&l, &r->conns);
    put(&l, "refused_full", s->refused_full);
    put(&l, "accept_errors", s->accept_errors);
    put(&l, "requests", s->requests);
    static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int i = 1; i <= 5; i++)
        put(&l, classes[i - 1], s->responses_by_class[i]);
    put(&l, "parse_errors", s->parse_errors);
    for (unsigned i = 0; i < RS_PARSE_ERROR_KINDS; i++) {
        char key[32];
        if (i < sizeof error_statuses / sizeof error_statuses[0])
            snprintf(key, sizeof key, "parse_errors_%u", error_statuses[i]);
        else
            snprintf(key, sizeof key, "parse_errors_other");
        put(&l, key, s->parse_errors_by_status[i]);
    }
    put(&l, "budget_refused_bodies", s->budget_refused_bodies);
    put(&l, "budget_refused_messages", s->budget_refused_messages);
    put(&l, "tls_handshakes", s->tls_handshakes);
    put(&l, "tls_handshake_errors", s->tls_handshake_errors);
    put(&l, "tls_errors", s->tls_errors);
    put(&l, "tls_refused", s->tls_refused);
    put(&l, "budget_refused_tls", s->budget_refused_tls);
    put_budget(&l, &r->budget);
    put(&l, "budget_pauses", s->budget_pauses);
    put(&l, "bytes_in", s->bytes_in);
    put(&l, "bytes_out", s->bytes_out);
    if (rs_log_ring_on(&r->access_log)) {
        put(&l, "access_log_lines", r->access_log.written_lines);
        put(&l, "access_log_dropped", r->access_log.dropped_lines);
        put(&l, "access_log_write_errors", r->access_log.write_errors);
    }
    put(&l, "stale_cqes", s->stale_cqes);
    put(&l, "enobufs_pauses", s->enobufs_pauses);
    put(&l, "backpressure_pauses", s->backpressure_pauses);
    put(&l, "send_again", s->send_again);
    put(&l, "recv_again", s->recv_again);
    for (int k = RS_TIMER_HEADER; k < RS_TIMER_KINDS; k++) {
        char key[40];
        snprintf(key, sizeof key, "timeouts_%s", rs_stats_timer_name((unsigned)k));
        put(&l, key, s->timeouts[k]);
    }
    put_ws(&l, &s->ws);
    if (l.len > sizeof l.buf - 1)
        l.len = sizeof l.buf - 1;
    l.buf[l.len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, l.buf, l.len);
    (void)ignored;
}
