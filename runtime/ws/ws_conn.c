/* ws_conn.c — WebSocket frames on an upgraded connection (RFC 6455 §5-7).
 *
 * The parser (ws_parser.rl) validates each header and unmasks payloads in
 * place.  This file keeps the rules that span frames: continuation order,
 * the message size limit (1009), UTF-8 of text across fragments (1007),
 * ping/pong, the close handshake, and protocol errors (1002), each answered
 * with a close frame and then the usual teardown (rs_conn_finish: flush,
 * shutdown, linger for the peer's EOF, close).
 *
 * Memory: a frame whose payload is all in the current input (the common
 * case) is handed to the route in place, with no copy; only a message that
 * comes in pieces is assembled in a per-connection buffer, bounded by the
 * route's max_message and the worker's buffer budget.  Output goes to the
 * bounded queue; at its cap, or while the connection holds output and the
 * worker's budget is spent (output_gate.h), the connection stops parsing
 * and receiving until the queue drains.  A large echo of a reassembled
 * message is streamed from the message buffer (rs_ws_send). */
#include <stdlib.h>
#include <string.h>

#include "core/buffer_budget.h"
#include "core/output_gate.h"
#include "core/spill.h"
#include "ws/utf8.h"
#include "ws/ws_conn.h"

struct rs_ws {
    rs_reactor *r;
    rs_conn *c;
};

enum {
    CLOSE_GOING_AWAY = 1001,
    CLOSE_PROTOCOL = 1002,
    CLOSE_INVALID_DATA = 1007,
    CLOSE_TOO_BIG = 1009,
    CLOSE_TRY_AGAIN_LATER = 1013, /* IANA registry: "Try Again Later" (not in RFC 6455 itself) */
};

/* Assembly buffers above this are freed once their message is done, so a
 * connection that once sent a large message does not keep its memory. */
#define MSG_KEEP_CAP 4096u

static void msg_free(rs_reactor *r, rs_ws_conn *w)
{
    rs_budget_release(&r->budget, RS_HELD_MESSAGE, w->msg_cap);
    free(w->msg);
    w->msg = NULL;
    w->msg_cap = 0;
}

typedef enum reserve { RESERVED, OVER_BUDGET, NO_MEMORY } reserve;

static void close_keeping_message(rs_reactor *r, rs_conn *c, unsigned code, const char *reason);

/* Room for need bytes in the assembly buffer, grown geometrically, each
 * growth charged to the worker's buffer budget (buffer_budget.h). */
static reserve msg_reserve(rs_reactor *r, rs_ws_conn *w, uint64_t need)
{
    if (need <= w->msg_cap)
        return RESERVED;
    uint64_t cap = w->msg_cap ? w->msg_cap : 256;
    while (cap < need)
        cap *= 2;
    uint64_t most = (uint64_t)w->route->max_message + 125; /* a message plus one control frame */
    if (cap > most)
        cap = most < need ? need : most;
    if (!rs_budget_try_charge(&r->budget, RS_HELD_MESSAGE, (size_t)(cap - w->msg_cap)))
        return OVER_BUDGET;
    char *grown = realloc(w->msg, (size_t)cap);
    if (!grown) {
        rs_budget_release(&r->budget, RS_HELD_MESSAGE, (size_t)(cap - w->msg_cap));
        return NO_MEMORY;
    }
    w->msg = grown;
    w->msg_cap = (uint32_t)cap;
    return RESERVED;
}

/* The head of an unfragmented, unmasked frame with a len-byte payload,
 * then the first `copy` bytes of that payload, into the output queue; false
 * when it could not be queued (the connection is aborted then). */
static bool queue_frame(rs_reactor *r, rs_conn *c, unsigned opcode, const char *data, size_t len, size_t copy)
{
    unsigned char head[10];
    size_t hlen;
    head[0] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        head[1] = (unsigned char)len;
        hlen = 2;
    } else if (len <= 0xFFFF) {
        head[1] = 126;
        head[2] = (unsigned char)(len >> 8);
        head[3] = (unsigned char)len;
        hlen = 4;
    } else {
        head[1] = 127;
        for (int i = 0; i < 8; i++)
            head[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        hlen = 10;
    }
    char *out = rs_outq_reserve(&c->out, &r->pool, hlen + copy);
    if (!out) {
        rs_conn_abort(r, c);
        return false;
    }
    memcpy(out, head, hlen);
    if (copy)
        memcpy(out + hlen, data, copy);
    rs_outq_commit(&c->out, hlen + copy);
    rs_conn_touch(r, c);
    r->stats.ws.frames_out++;
    return true;
}

/* One whole frame into the output queue (a copy of its payload). */
static bool send_frame(rs_reactor *r, rs_conn *c, unsigned opcode, const char *data, size_t len)
{
    return queue_frame(r, c, opcode, data, len, len);
}

/* Queues more of the payload streamed from the message buffer: up to the
 * output cap, or while the worker's budget is spent up to one step
 * (output_gate.h); true once all of it is queued.  The buffer itself is
 * freed by the caller: the route may still be reading it. */
static bool stream_feed(rs_reactor *r, rs_conn *c)
{
    rs_ws_conn *w = &c->ws;
    if (rs_output_blocked(r, c))
        return w->out_left == 0;
    uint32_t upto = rs_budget_spent(&r->budget) ? RS_OUTPUT_STEP : r->opt->limits.output_queue;
    size_t room = upto > rs_outq_owned(&c->out) ? upto - rs_outq_owned(&c->out) : 0;
    size_t n = w->out_left < room ? w->out_left : room;
    if (rs_outq_append(&c->out, &r->pool, w->msg + w->out_off, n) < 0) {
        w->out_left = 0;
        rs_conn_abort(r, c);
        return true;
    }
    w->out_off += (uint32_t)n;
    w->out_left -= (uint32_t)n;
    rs_conn_touch(r, c);
    return w->out_left == 0;
}

/* A payload inside the connection's message buffer (the message being
 * delivered): it stays there until sent, so it can be streamed. */
static bool in_message_buffer(const rs_ws_conn *w, const char *data, size_t len)
{
    uintptr_t p = (uintptr_t)data, m = (uintptr_t)w->msg;
    return w->msg && p >= m && p + len <= m + w->msg_cap;
}

/* Payloads up to a large output chunk are copied into the queue (one
 * reservation, the echo-ws fast path).  A larger one that was reassembled
 * is streamed from the message buffer, which is charged already
 * (RS_HELD_MESSAGE), in pieces of at most output_queue while the connection
 * stops parsing (DESIGN.md §2 rule 11): its echo costs no second copy.  A
 * larger one from elsewhere is copied only if the budget can hold it, else
 * refused with 1013 like a message that does not fit. */
void rs_ws_send(rs_ws *ws, unsigned opcode, const char *data, size_t len)
{
    rs_reactor *r = ws->r;
    rs_conn *c = ws->c;
    rs_ws_conn *w = &c->ws;
    if (c->state != RS_CONN_OPEN)
        return;
    if (w->out_left) { /* a second send from one on_message: the stream goes first, whole */
        if (rs_outq_append(&c->out, &r->pool, w->msg + w->out_off, w->out_left) < 0) {
            rs_conn_abort(r, c);
            return;
        }
        w->out_left = 0;
    }
    if (len > r->pool.large.cap && in_message_buffer(w, data, len)) {
        if (!queue_frame(r, c, opcode, data, len, 0))
            return;
        w->out_off = (uint32_t)(data - w->msg);
        w->out_left = (uint32_t)len;
        stream_feed(r, c);
    } else if (len > r->pool.large.cap && r->budget.held + len > r->budget.limit) {
        r->stats.budget_refused_messages++;
        close_keeping_message(r, c, CLOSE_TRY_AGAIN_LATER, "server busy"); /* freed after on_message */
        return;
    } else if (!send_frame(r, c, opcode, data, len)) {
        return;
    }
    r->stats.ws.messages_out++;
}

void rs_ws_echo(rs_ws *ws, unsigned opcode, const char *data, size_t len)
{
    rs_ws_send(ws, opcode, data, len);
}

/* Queues a close frame (code 0: none; reason: NULL or a short UTF-8 text)
 * and closes after it is flushed; nothing more is parsed.  The peer's
 * closing answer then ends the linger (rs_conn_finish), or its bound does.
 * The message buffer is left alone: the route may be reading it. */
static void close_keeping_message(rs_reactor *r, rs_conn *c, unsigned code, const char *reason)
{
    char payload[2 + 32] = {(char)(code >> 8), (char)code};
    size_t len = code ? 2 : 0, rlen = reason && code ? strlen(reason) : 0;
    if (rlen > sizeof payload - 2)
        rlen = sizeof payload - 2;
    memcpy(payload + 2, reason ? reason : "", rlen);
    if (send_frame(r, c, RS_WS_OP_CLOSE, payload, len + rlen))
        r->stats.ws.closes_sent[rs_ws_close_kind(code)]++;
    rs_conn_finish(r, c);
}

/* The same, and the message buffer is given back at once. */
static void close_with_reason(rs_reactor *r, rs_conn *c, unsigned code, const char *reason)
{
    close_keeping_message(r, c, code, reason);
    msg_free(r, &c->ws);
}

static void close_with(rs_reactor *r, rs_conn *c, unsigned code)
{
    close_with_reason(r, c, code, NULL);
}

/* Close codes a peer may send (RFC 6455 §7.4, IANA registry). */
static bool close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

static void on_control(rs_reactor *r, rs_conn *c, unsigned opcode, const char *data, size_t len)
{
    switch (opcode) {
    case RS_WS_OP_PING:
        r->stats.ws.pings_in++;
        if (send_frame(r, c, RS_WS_OP_PONG, data, len))
            r->stats.ws.pongs_out++;
        break;
    case RS_WS_OP_CLOSE: {
        r->stats.ws.closes_in++;
        if (len == 0) {
            close_with(r, c, 0);
            break;
        }
        unsigned code = len >= 2 ? ((unsigned)(unsigned char)data[0] << 8 | (unsigned char)data[1]) : 0;
        if (len == 1 || !close_code_valid(code))
            close_with(r, c, CLOSE_PROTOCOL);
        else if (rs_utf8_feed(RS_UTF8_ACCEPT, data + 2, len - 2) != RS_UTF8_ACCEPT)
            close_with(r, c, CLOSE_INVALID_DATA); /* the reason must be UTF-8 */
        else
            close_with(r, c, code); /* echo the code: the close handshake */
        break;
    }
    default: /* PONG: unsolicited, ignored (§5.5.3) */
        r->stats.ws.pongs_in++;
        break;
    }
}

static void deliver(rs_reactor *r, rs_conn *c, const char *data, size_t len)
{
    rs_ws_conn *w = &c->ws;
    unsigned opcode = w->msg_opcode;
    w->msg_opcode = 0;
    if (opcode == RS_WS_OP_TEXT && w->utf8 != RS_UTF8_ACCEPT) {
        close_with(r, c, CLOSE_INVALID_DATA); /* ends inside a sequence */
        return;
    }
    rs_ws ws = {r, c};
    r->stats.ws.messages_in++;
    w->route->on_message(&ws, opcode, data, len);
    w->msg_len = 0;
    if (w->msg_cap > MSG_KEEP_CAP && !w->out_left) /* else freed once streamed (rs_ws_resume) */
        msg_free(r, w);
}

static void on_header(rs_reactor *r, rs_conn *c, size_t available)
{
    rs_ws_conn *w = &c->ws;
    const rs_ws_parser *p = &w->parser;
    w->whole = p->length <= available;
    if (p->opcode >= RS_WS_OP_CLOSE) { /* control: the machine checked FIN and <= 125 */
        w->ctl_len = 0;
        return;
    }
    if (p->opcode == RS_WS_OP_CONT ? !w->msg_opcode : w->msg_opcode != 0) {
        close_with(r, c, CLOSE_PROTOCOL); /* continuation without a start, or a start inside a message */
        return;
    }
    if (p->opcode != RS_WS_OP_CONT) {
        w->msg_opcode = p->opcode;
        w->msg_len = 0;
        w->utf8 = RS_UTF8_ACCEPT;
    }
    if ((uint64_t)w->msg_len + p->length > w->route->max_message) {
        close_with(r, c, CLOSE_TOO_BIG);
        return;
    }
    /* Only an unfragmented message whose payload is all here skips the buffer. */
    w->whole = w->whole && p->fin && p->opcode != RS_WS_OP_CONT;
}

/* Room for need bytes, or the connection is closed: 1013 when the worker's
 * budget is spent (the message is within its own limit, so 1009 would be
 * wrong; the peer may retry once other connections' messages are done). */
static bool reserve_or_close(rs_reactor *r, rs_conn *c, uint64_t need)
{
    switch (msg_reserve(r, &c->ws, need)) {
    case RESERVED:
        return true;
    case OVER_BUDGET:
        r->stats.budget_refused_messages++;
        close_with_reason(r, c, CLOSE_TRY_AGAIN_LATER, "server busy");
        return false;
    case NO_MEMORY:
    default:
        rs_conn_abort(r, c);
        return false;
    }
}

static void on_payload(rs_reactor *r, rs_conn *c, const char *data, size_t len)
{
    rs_ws_conn *w = &c->ws;
    const rs_ws_parser *p = &w->parser;
    bool last = p->remaining == 0;
    if (p->opcode >= RS_WS_OP_CLOSE) {
        if (w->whole) { /* the whole payload in one piece */
            on_control(r, c, p->opcode, data, len);
            return;
        }
        if (!reserve_or_close(r, c, (uint64_t)w->msg_len + w->ctl_len + len))
            return;
        memcpy(w->msg + w->msg_len + w->ctl_len, data, len);
        w->ctl_len = (uint8_t)(w->ctl_len + len);
        if (last)
            on_control(r, c, p->opcode, w->msg + w->msg_len, w->ctl_len);
        return;
    }
    if (w->msg_opcode == RS_WS_OP_TEXT) {
        w->utf8 = rs_utf8_feed(w->utf8, data, len);
        if (w->utf8 == RS_UTF8_REJECT) { /* fail fast, before the rest arrives */
            close_with(r, c, CLOSE_INVALID_DATA);
            return;
        }
    }
    if (w->whole) {
        deliver(r, c, data, len); /* in place: the parser gave it all at once */
        return;
    }
    if (!reserve_or_close(r, c, (uint64_t)w->msg_len + len))
        return;
    memcpy(w->msg + w->msg_len, data, len);
    w->msg_len += (uint32_t)len;
    if (last && p->fin)
        deliver(r, c, w->msg, w->msg_len);
}

/* Frames with an empty payload have no PAYLOAD event: finish them here. */
static void on_end(rs_reactor *r, rs_conn *c)
{
    rs_ws_conn *w = &c->ws;
    const rs_ws_parser *p = &w->parser;
    if (p->length != 0)
        return;
    if (p->opcode >= RS_WS_OP_CLOSE)
        on_control(r, c, p->opcode, NULL, 0);
    else if (p->fin)
        deliver(r, c, w->msg_len ? w->msg : "", w->msg_len);
}

void rs_ws_process(rs_reactor *r, rs_conn *c, char *in, size_t n)
{
    size_t pos = 0;
    /* Each pass consumes input or moves the parser a phase on, so the loop
     * ends within about three passes per byte of input. */
    while (c->state == RS_CONN_OPEN && !(c->flags & RS_CF_PAUSED)) {
        /* While an echo streams, nothing else may go out (its frame is not
         * finished) and the message buffer is in use: parse nothing. */
        if (c->ws.out_left || rs_output_blocked(r, c)) {
            rs_output_pause(r, c); /* resumed by rs_ws_resume once drained */
            break;
        }
        size_t used = 0, plen = 0;
        char *payload = NULL;
        rs_ws_event ev = rs_ws_execute(&c->ws.parser, in + pos, n - pos, &used, &payload, &plen);
        pos += used;
        if (ev == RS_WS_NEED_MORE)
            break;
        switch (ev) {
        case RS_WS_HEADER:
            r->stats.ws.frames_in++;
            on_header(r, c, n - pos);
            break;
        case RS_WS_PAYLOAD:
            on_payload(r, c, payload, plen);
            break;
        case RS_WS_END:
            on_end(r, c);
            break;
        case RS_WS_ERROR:
        default:
            close_with(r, c, CLOSE_PROTOCOL);
            break;
        }
    }
    if (c->state != RS_CONN_OPEN) {
        rs_spill_free(r, c); /* nothing more will be parsed */
        return;
    }
    if (!rs_spill_keep(r, c, in + pos, n - pos))
        rs_conn_abort(r, c); /* kept sending while not reading our output */
}

void rs_ws_input(rs_reactor *r, rs_conn *c, char *data, size_t len)
{
    if (c->spill_len == 0) {
        rs_ws_process(r, c, data, len);
        return;
    }
    if (!rs_spill_append(r, c, data, len)) {
        rs_conn_abort(r, c);
        return;
    }
    if (!(c->flags & RS_CF_PAUSED))
        rs_ws_process(r, c, c->spill, c->spill_len);
}

void rs_ws_resume(rs_reactor *r, rs_conn *c)
{
    rs_ws_conn *w = &c->ws;
    if (c->state == RS_CONN_OPEN && w->out_left) {
        if (!stream_feed(r, c)) {
            c->flags |= RS_CF_PAUSED; /* more once this piece drains */
            rs_conn_touch(r, c);
            return;
        }
        if (w->msg_cap > MSG_KEEP_CAP)
            msg_free(r, w);
    }
    if (c->state == RS_CONN_OPEN && c->spill_len)
        rs_ws_process(r, c, c->spill, c->spill_len);
    rs_conn_touch(r, c);
}

void rs_ws_stop(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_OPEN && c->ws.out_left)
        rs_conn_abort(r, c); /* a close frame cannot go inside the streaming echo's payload */
    else if (c->state == RS_CONN_OPEN)
        close_with(r, c, CLOSE_GOING_AWAY);
}

/* 1001 as on a stop: RFC 6455 §7.4.1 defines it as an endpoint "going away"
 * (a server going down, a browser leaving the page), which is what an idle
 * timeout is from the peer's side; 1000 would claim the session's purpose
 * was fulfilled and 1008 is for a message that breaks a policy, and there
 * was no message.  The reason tells the two 1001s apart. */
void rs_ws_idle_timeout(rs_reactor *r, rs_conn *c)
{
    if (c->state == RS_CONN_OPEN && !c->ws.out_left) /* never while streaming: output is queued */
        close_with_reason(r, c, CLOSE_GOING_AWAY, "idle timeout");
    else
        rs_conn_abort(r, c); /* already closing: the idle clock no longer applies */
}

void rs_ws_release(rs_reactor *r, rs_conn *c)
{
    (void)r;
    msg_free(r, &c->ws);
    rs_spill_free(r, c);
}
