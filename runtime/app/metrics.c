/* metrics.c — the metrics route (`metrics = true`): the counters --stats
 * prints, summed over every worker, in the Prometheus text exposition format
 * 0.0.4.  The worker answering reads the other workers' counters with relaxed
 * loads (stats.h rs_stats_load): nothing on the hot path changes for it, no
 * lock is taken, and a scrape costs one pass over the counters and the slot
 * states of each worker. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/reply.h"
#include "core/reactor.h"
#include "core/stats.h"

#define METRICS_BYTES 16384 /* the whole text stays far below this */

typedef struct text {
    char buf[METRICS_BYTES];
    size_t len;
} text;

static void say(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < sizeof t->buf - t->len ? (size_t)n : sizeof t->buf - t->len - 1;
}

static void family(text *t, const char *name, const char *type, const char *help)
{
    say(t, "# HELP ringspec_%s %s\n# TYPE ringspec_%s %s\n", name, help, name, type);
}

/* The sum over the workers of the counter at byte offset `at` of rs_reactor. */
static uint64_t sum(rs_reactor *const *w, unsigned n, size_t at)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += rs_stats_load((const uint64_t *)((const char *)w[i] + at));
    return total;
}

#define SUM(field) sum(w, n, offsetof(rs_reactor, field))

static void one(text *t, rs_reactor *const *w, unsigned n, const char *name, const char *type,
                const char *help, size_t at)
{
    family(t, name, type, help);
    say(t, "ringspec_%s %" PRIu64 "\n", name, sum(w, n, at));
}

static void connections(text *t, rs_reactor *const *w, unsigned n)
{
    static const char *const states[] = {[RS_CONN_OPEN] = "open",
                                         [RS_CONN_DRAINING] = "draining",
                                         [RS_CONN_LINGERING] = "lingering",
                                         [RS_CONN_CLOSING] = "closing"};
    uint64_t by_state[RS_CONN_CLOSING + 1] = {0};
    for (unsigned i = 0; i < n; i++) {
        const rs_conn_table *c = &w[i]->conns;
        uint32_t high = __atomic_load_n(&c->high_water, __ATOMIC_RELAXED);
        for (uint32_t s = 0; s < high; s++) {
            uint8_t state = __atomic_load_n(&c->slots[s].state, __ATOMIC_RELAXED);
            if (state <= RS_CONN_CLOSING)
                by_state[state]++;
        }
    }
    family(t, "connections", "gauge", "Client connections by state.");
    for (unsigned s = RS_CONN_OPEN; s <= RS_CONN_CLOSING; s++)
        say(t, "ringspec_connections{state=\"%s\"} %" PRIu64 "\n", states[s], by_state[s]);
}

static void write_metrics(text *t, rs_reactor *const *w, unsigned n)
{
    say(t,
        "# HELP ringspec_workers Reactor threads serving.\n# TYPE ringspec_workers gauge\n"
        "ringspec_workers %u\n",
        n);
    one(t, w, n, "connections_accepted_total", "counter", "Connections accepted.",
        offsetof(rs_reactor, stats.accepted));
    one(t, w, n, "connections_closed_total", "counter", "Connections closed.",
        offsetof(rs_reactor, stats.closed));
    one(t, w, n, "connections_refused_total", "counter",
        "Connections refused: every slot of the worker in use.", offsetof(rs_reactor, stats.refused_full));
    connections(t, w, n);
    one(t, w, n, "requests_total", "counter", "Requests whose head was read (HTTP/1.1 and HTTP/2).",
        offsetof(rs_reactor, stats.requests));
    family(t, "responses_total", "counter", "Responses by status class.");
    for (unsigned c = 1; c <= 5; c++)
        say(t, "ringspec_responses_total{class=\"%uxx\"} %" PRIu64 "\n", c, SUM(stats.responses_by_class[c]));
    one(t, w, n, "received_bytes_total", "counter", "Bytes received from clients (TLS: ciphertext).",
        offsetof(rs_reactor, stats.bytes_in));
    one(t, w, n, "sent_bytes_total", "counter", "Bytes sent to clients through the ring (TLS: ciphertext).",
        offsetof(rs_reactor, stats.bytes_out));
    family(t, "timeouts_total", "counter", "Connections that hit a timeout, by timer.");
    for (unsigned k = 0; k < RS_TIMER_KINDS; k++)
        say(t, "ringspec_timeouts_total{timer=\"%s\"} %" PRIu64 "\n", rs_stats_timer_name(k),
            SUM(stats.timeouts[k]));
    one(t, w, n, "refused_requests_total", "counter", "Requests refused with a canned error and a close.",
        offsetof(rs_reactor, stats.parse_errors));
    family(t, "budget_refusals_total", "counter",
           "Work refused because the worker's buffer budget was spent.");
    say(t, "ringspec_budget_refusals_total{what=\"json_body\"} %" PRIu64 "\n",
        SUM(stats.budget_refused_bodies));
    say(t, "ringspec_budget_refusals_total{what=\"websocket_message\"} %" PRIu64 "\n",
        SUM(stats.budget_refused_messages));
    one(t, w, n, "budget_pauses_total", "counter", "Connections paused because the buffer budget was spent.",
        offsetof(rs_reactor, stats.budget_pauses));
    one(t, w, n, "buffered_bytes", "gauge", "Bytes held for clients now (the buffer budget).",
        offsetof(rs_reactor, budget.held));
    one(t, w, n, "tls_handshakes_total", "counter", "TLS handshakes completed.",
        offsetof(rs_reactor, stats.tls_handshakes));
    one(t, w, n, "tls_handshake_errors_total", "counter", "TLS handshakes that failed.",
        offsetof(rs_reactor, stats.tls_handshake_errors));
    one(t, w, n, "websocket_upgrades_total", "counter", "WebSocket upgrades (101 sent).",
        offsetof(rs_reactor, stats.ws.upgrades));
    family(t, "websocket_messages_total", "counter", "WebSocket data messages.");
    say(t, "ringspec_websocket_messages_total{direction=\"in\"} %" PRIu64 "\n", SUM(stats.ws.messages_in));
    say(t, "ringspec_websocket_messages_total{direction=\"out\"} %" PRIu64 "\n", SUM(stats.ws.messages_out));
    family(t, "websocket_frames_total", "counter", "WebSocket frames, control frames included.");
    say(t, "ringspec_websocket_frames_total{direction=\"in\"} %" PRIu64 "\n", SUM(stats.ws.frames_in));
    say(t, "ringspec_websocket_frames_total{direction=\"out\"} %" PRIu64 "\n", SUM(stats.ws.frames_out));
    family(t, "access_log_lines_total", "counter", "Access log lines, by what became of them.");
    say(t, "ringspec_access_log_lines_total{outcome=\"written\"} %" PRIu64 "\n",
        SUM(access_log.written_lines));
    say(t, "ringspec_access_log_lines_total{outcome=\"dropped\"} %" PRIu64 "\n",
        SUM(access_log.dropped_lines));
}

void rs_metrics_reply(rs_reply *r)
{
    static const char head[] =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n";
    static _Thread_local text t; /* 16 KiB: off the worker's stack */
    rs_reactor *const *w;
    unsigned n = rs_stats_workers(&w);
    if (!n) { /* not registered (a test harness): this worker alone */
        w = &r->reactor;
        n = 1;
    }
    t.len = 0;
    write_metrics(&t, w, n);
    rs_reply_text(r, head, sizeof head - 1, t.buf, t.len);
}
