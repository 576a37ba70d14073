/* protocols.c — the table of every protocol a connection can speak, and the
 * sniffer of a listener that speaks both HTTP/1.1 and HTTP/2 with prior
 * knowledge.  The only file that names them all (proto.h). */
#include <string.h>

#include "core/conn_lifecycle.h"
#include "core/proto.h"
#include "h2/h2_conn.h"
#include "http1/http1_conn.h"
#include "static/static_serve.h"
#include "ws/ws_conn.h"

/* ---- HTTP/1.1 ---- */

static bool http1_open(rs_reactor *r, rs_conn *c)
{
    rs_http1_open(r, c);
    return true;
}

static void http1_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    if (kind == RS_TIMER_HEADER || kind == RS_TIMER_BODY)
        rs_http1_timeout(r, c, kind); /* 408 */
    else
        rs_conn_abort(r, c);
}

static void http1_release(rs_reactor *r, rs_conn *c)
{
    rs_static_release(c);
    rs_http1_release(r, c);
}

static const rs_proto_ops http1_ops = {
    .on_open = http1_open,
    .on_data = rs_http1_input,
    .on_drained = rs_http1_resume,
    .on_timeout = http1_timeout,
    .on_stop = rs_http1_stop,
    .on_release = http1_release,
    .on_db = rs_http1_db,
    .on_read = rs_static_read_done,
};

/* ---- WebSocket (after a 101 on an HTTP/1.1 connection) ---- */

static void ws_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    if (kind == RS_TIMER_IDLE)
        rs_ws_idle_timeout(r, c); /* a close frame, where HTTP just closes */
    else
        rs_conn_abort(r, c);
}

unsigned (*const rs_websocket_upgrade)(rs_reactor *r, rs_conn *c, const rs_request_view *req,
                                       const rs_ws_route *route) = rs_ws_handshake;

static const rs_proto_ops ws_ops = {
    .on_open = NULL, /* never accepted as such: upgraded from HTTP/1.1 */
    .on_data = rs_ws_input,
    .on_switch_data = rs_ws_process,
    .on_drained = rs_ws_resume,
    .on_timeout = ws_timeout,
    .on_stop = rs_ws_stop,
    .on_release = rs_ws_release,
    .idle_on_input = true,
};

/* ---- HTTP/2 (h2c, prior knowledge) ---- */

static const rs_proto_ops h2_ops = {
    .on_open = rs_h2_open,
    .on_data = rs_h2_input,
    .on_drained = rs_h2_drained,
    .on_timeout = rs_h2_timeout,
    .on_stop = rs_h2_stop,
    .on_release = rs_h2_release,
    .on_db = rs_h2_db,
    .on_flush = rs_h2_file_flush,
    .on_read = rs_h2_file_read_done,
};

/* ---- first bytes on a listener with both "http1" and "h2c" ----
 *
 * HTTP/2 with prior knowledge starts with the 24-byte preface
 * "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", which no HTTP/1.1 request can start
 * with (RFC 9113 §3.4: no method is named PRI).  Its first three bytes
 * decide; nghttp2 then checks the whole preface.  A first receive shorter
 * than three bytes that could still be either goes to HTTP/1.1, whose
 * parser refuses a PRI request (505), so an h2 client that trickles its
 * preface byte by byte is refused rather than misread. */

static const char h2_preface_start[] = "PRI";

static bool sniff_open(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c;
    return true; /* nothing held until the first bytes decide */
}

static void sniff_data(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    size_t n = len < sizeof h2_preface_start - 1 ? len : sizeof h2_preface_start - 1;
    bool h2 = n == sizeof h2_preface_start - 1 && !memcmp(data, h2_preface_start, n);
    c->proto = h2 ? RS_PROTO_H2 : RS_PROTO_HTTP1;
    const rs_proto_ops *ops = rs_proto_of(c);
    if (!ops->on_open(r, c)) {
        c->proto = RS_PROTO_SNIFF; /* nothing was set up: nothing to release */
        rs_conn_abort(r, c);
        return;
    }
    ops->on_data(r, c, data, len);
}

static void sniff_drained(rs_reactor *r, rs_conn *c)
{
    rs_conn_touch(r, c);
}

static void sniff_timeout(rs_reactor *r, rs_conn *c, rs_timer_kind kind)
{
    (void)kind;
    rs_conn_abort(r, c); /* idle before a first byte: nothing is owed */
}

static void sniff_release(rs_reactor *r, rs_conn *c)
{
    (void)r;
    (void)c;
}

static const rs_proto_ops sniff_ops = {
    .on_open = sniff_open,
    .on_data = sniff_data,
    .on_drained = sniff_drained,
    .on_timeout = sniff_timeout,
    .on_stop = rs_conn_abort,
    .on_release = sniff_release,
};

const rs_proto_ops *const rs_protocols[] = {
    [RS_PROTO_HTTP1] = &http1_ops,
    [RS_PROTO_WS] = &ws_ops,
    [RS_PROTO_H2] = &h2_ops,
    [RS_PROTO_SNIFF] = &sniff_ops,
};

rs_proto rs_proto_for_listener(unsigned protocols)
{
    if (!(protocols & RS_LISTEN_H2C))
        return RS_PROTO_HTTP1;
    return (protocols & RS_LISTEN_HTTP1) ? RS_PROTO_SNIFF : RS_PROTO_H2;
}
