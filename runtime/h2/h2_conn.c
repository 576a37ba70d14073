/* h2_conn.c — an HTTP/2 session per connection over libnghttp2 (1.52):
 * settings and defences, input, output into the bounded queue, teardown.
 * Requests are assembled and answered in h2_stream.c.
 *
 * Bounds: SETTINGS_MAX_CONCURRENT_STREAMS from [server.limits] h2_streams
 * (nghttp2 refuses streams above it with RST_STREAM REFUSED_STREAM), header
 * table 4096, no push, no RFC 7540 priorities, MAX_HEADER_LIST_SIZE =
 * [server.limits] head (enforced again in on_header), closed streams not
 * retained, nghttp2's limits on resets (CVE-2023-44487), CONTINUATION frames
 * (CVE-2024-27316), SETTINGS entries and queued PING/SETTINGS ACKs.  A
 * violation makes nghttp2 queue GOAWAY and fail mem_recv: the connection
 * sends what is queued and closes; every other connection goes on.  Output
 * stops at [server.limits] output_queue (mem_send is called only while
 * the queue is under it) and reading pauses until it drains. */
#include "h2/h2_conn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer_budget.h"
#include "core/conn_lifecycle.h"
#include "core/log.h"
#include "core/output_gate.h"
#include "h2/h2_internal.h"

/* ---- nghttp2's memory: the worker's budget (h2_mem.c) ---- */

static void *mem_malloc(size_t size, void *user)
{
    return rs_h2_alloc(user, size);
}

static void mem_free(void *ptr, void *user)
{
    rs_h2_free(user, ptr);
}

static void *mem_calloc(size_t n, size_t size, void *user)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = rs_h2_alloc(user, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

static void *mem_realloc(void *ptr, size_t size, void *user)
{
    return rs_h2_realloc(user, ptr, size);
}

/* ---- callbacks and options, shared read-only by every session ---- */

static nghttp2_session_callbacks *callbacks;
static nghttp2_option *options;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

/* nghttp2 reads both only when a session is created. */
static void shared_init(void)
{
    if (nghttp2_session_callbacks_new(&callbacks) != 0 || nghttp2_option_new(&options) != 0) {
        callbacks = NULL;
        return;
    }
    nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, rs_h2_on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, rs_h2_on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, rs_h2_on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, rs_h2_on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, rs_h2_on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, rs_h2_on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, rs_h2_on_frame_send);
    nghttp2_session_callbacks_set_send_data_callback(callbacks, rs_h2_send_data);
    nghttp2_option_set_no_closed_streams(options, 1);
    /* Request-body credit follows consumption (rs_h2_on_data_chunk): a
     * stream whose body is no longer taken gets no more window. */
    nghttp2_option_set_no_auto_window_update(options, 1);
    nghttp2_option_set_max_deflate_dynamic_table_size(options, 4096);
    nghttp2_option_set_max_outbound_ack(options, 1000);
    nghttp2_option_set_max_settings(options, 32);
    nghttp2_option_set_stream_reset_rate_limit(options, 1000, 33);
    nghttp2_option_set_max_continuations(options, 8);
}

bool rs_h2_open(rs_reactor *r, rs_conn *c)
{
    pthread_once(&shared_once, shared_init);
    if (!callbacks)
        return false;
    rs_h2_conn *h = rs_h2_alloc(r, sizeof *h);
    if (!h)
        return false;
    memset(h, 0, sizeof *h);
    h->reactor = r;
    h->conn = c;
    nghttp2_mem mem = {.mem_user_data = r,
                       .malloc = mem_malloc,
                       .free = mem_free,
                       .calloc = mem_calloc,
                       .realloc = mem_realloc};
    if (nghttp2_session_server_new3(&h->session, callbacks, h, options, &mem) != 0) {
        rs_h2_free(r, h);
        return false;
    }
    const rs_spec_limits *lim = &r->opt->limits;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, lim->h2_streams},
        {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, lim->max_head},
    };
    if (nghttp2_submit_settings(h->session, NGHTTP2_FLAG_NONE, settings,
                                sizeof settings / sizeof settings[0])) {
        nghttp2_session_del(h->session);
        rs_h2_free(r, h);
        return false;
    }
    c->h2 = h;
    return true;
}

/* Frames nghttp2 has ready go to the output queue until it reaches its cap;
 * the rest waits in nghttp2 (DATA is pulled from the streams lazily) until
 * the queue drains (rs_h2_drained).  Also decides when the connection is
 * done. */
void rs_h2_pump(rs_reactor *r, rs_conn *c)
{
    rs_h2_conn *h = c->h2;
    while (c->state == RS_CONN_OPEN && !rs_output_blocked(r, c)) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(h->session, &data);
        if (n < 0) {
            rs_conn_abort(r, c);
            return;
        }
        if (n == 0)
            break;
        if (rs_outq_append(&c->out, &r->pool, data, (size_t)n) < 0) {
            rs_conn_abort(r, c);
            return;
        }
    }
    if (c->state != RS_CONN_OPEN)
        return;
    if (nghttp2_session_want_write(h->session) && rs_output_blocked(r, c))
        rs_output_pause(r, c); /* resumed by rs_h2_drained */
    else if (h->closing ||
             (!nghttp2_session_want_read(h->session) && !nghttp2_session_want_write(h->session)))
        rs_conn_finish(r, c); /* sends what is queued, then closes */
    /* Timers: streams waiting for their request are "in a body"; none: idle. */
    if (h->open_streams)
        c->flags |= RS_CF_IN_BODY | RS_CF_IN_REQUEST;
    else
        c->flags &= (uint16_t) ~(RS_CF_IN_BODY | RS_CF_IN_REQUEST);
    rs_conn_touch(r, c);
}

void rs_h2_input(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    rs_h2_conn *h = c->h2;
    if (h->closing)
        return; /* only what is queued goes out now */
    ssize_t n = nghttp2_session_mem_recv(h->session, (const uint8_t *)data, len);
    if (n < 0) {
        /* A protocol error, a flood, a bad preface: nghttp2 has queued the
         * GOAWAY it calls for (none for a bad preface); send it and close. */
        h->closing = true;
    }
    rs_h2_pump(r, c);
}

void rs_h2_drained(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_OPEN)
        rs_h2_pump(r, c);
    rs_conn_touch(r, c);
}

/* Idle, or a stream left waiting for its request (silence past the body
 * timeout): GOAWAY, then close once it is sent.  Output that makes no
 * progress (a reader that stopped reading) is dropped at once. */
void rs_h2_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    rs_h2_conn *h = c->h2;
    if (kind == RS_TIMER_WRITE || h->closing) {
        rs_conn_abort(r, c);
        return;
    }
    uint32_t code = kind == RS_TIMER_IDLE ? NGHTTP2_NO_ERROR : NGHTTP2_CANCEL;
    nghttp2_session_terminate_session(h->session, code);
    h->closing = true;
    rs_h2_pump(r, c);
}

/* Stopping: GOAWAY with the last stream id; answered streams finish. */
void rs_h2_stop(rs_reactor *r, rs_conn *c)
{
    rs_h2_conn *h = c->h2;
    nghttp2_session_terminate_session(h->session, NGHTTP2_NO_ERROR);
    h->closing = true;
    rs_h2_pump(r, c);
}

void rs_h2_release(rs_reactor *r, rs_conn *c)
{
    rs_h2_conn *h = c->h2;
    if (!h)
        return;
    while (h->streams)
        rs_h2_stream_free(h, h->streams);
    nghttp2_session_del(h->session);
    rs_h2_free(r, h);
    c->h2 = NULL;
}
