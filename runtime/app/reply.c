/* reply.c — HTTP/1.1 response framing (rs_http1_sink): the generated status line and fixed headers,
 * then Date (cached), Content-Length, Connection when needed, and the body.
 * The header block stays far below 1 KiB and 16 headers, which the arena's
 * load generator needs. */
#include "app/reply.h"

#include <stdio.h>
#include <string.h>

#include "app/access_log.h"
#include "app/cors.h"
#include "app/request_id.h"
#include "core/date_cache.h"

const char *rs_reason_phrase(unsigned status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

#define CONTENT_LENGTH "Content-Length: "
#define CONN_CLOSE "Connection: close\r\n"
#define CONN_KEEP_ALIVE "Connection: keep-alive\r\n"

/* Bytes write_fields may add after the caller's own lines. */
#define FIELDS_MAX (RS_DATE_LINE_LEN + sizeof CONTENT_LENGTH + 20 + 2 + sizeof CONN_KEEP_ALIVE + 2)

/* Date, Content-Length (when >= 0), the Connection field the reply needs,
 * and the blank line ending the head.  Returns the end of what it wrote. */
static char *write_fields(const rs_reply *r, char *p, int64_t content_length)
{
    memcpy(p, rs_date_line, RS_DATE_LINE_LEN);
    p += RS_DATE_LINE_LEN;
    if (content_length >= 0) {
        memcpy(p, CONTENT_LENGTH, sizeof CONTENT_LENGTH - 1);
        p += sizeof CONTENT_LENGTH - 1;
        p += rs_format_i64(p, content_length);
        *p++ = '\r';
        *p++ = '\n';
    }
    if (r->close) {
        memcpy(p, CONN_CLOSE, sizeof CONN_CLOSE - 1);
        p += sizeof CONN_CLOSE - 1;
    } else if (r->keep_alive_http10) {
        memcpy(p, CONN_KEEP_ALIVE, sizeof CONN_KEEP_ALIVE - 1);
        p += sizeof CONN_KEEP_ALIVE - 1;
    }
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

void rs_reply_text(rs_reply *r, const char *head, size_t head_len, const char *body, size_t body_len)
{
    rs_reply_framed(r, head, head_len, NULL, 0, body, body_len);
}

/* The most the lines after a response's status line and its own fields can
 * take: the caller's extra lines, CORS, the route's constant headers, the
 * request id and the framing fields. */
static size_t lines_after_head_max(const rs_reply *r, size_t extra_len)
{
    return extra_len + FIELDS_MAX + (r->cors ? RS_CORS_LINES_MAX : 0) +
           (r->access ? RS_REQUEST_ID_LINE_MAX : 0) + r->route_lines_len;
}

/* Writes those lines at p (room reserved by lines_after_head_max); returns
 * the end.  content_length < 0: a response without a body (no framing). */
static char *write_lines_after_head(const rs_reply *r, char *p, const char *extra, size_t extra_len,
                                    int64_t content_length)
{
    if (extra_len) {
        memcpy(p, extra, extra_len);
        p += extra_len;
    }
    p += rs_cors_lines(r, p);
    if (r->route_lines_len) {
        memcpy(p, r->route_lines, r->route_lines_len);
        p += r->route_lines_len;
    }
    p += rs_request_id_line(r, p);
    return write_fields(r, p, content_length);
}

static void http1_framed(rs_reply *r, const char *head, size_t head_len, const char *extra, size_t extra_len,
                         const char *body, size_t body_len)
{
    rs_reactor *re = r->reactor;
    rs_conn *c = r->conn;
    if (r->status) /* a second reply for one request would desynchronise the client */
        return;
    r->status = rs_status_of_head(head, head_len);
    re->stats.responses_by_class[r->status / 100 < 6 ? r->status / 100 : 0]++;
    /* 204 and 304 end at the head: no content and no Content-Length (RFC 9110 §8.6,
     * §15.3.5, §15.4.5), whatever body the caller passed. */
    bool no_content = r->status == 204 || r->status == 304;
    if (no_content)
        body_len = 0;

    size_t send_body = r->head_only ? 0 : body_len;
    rs_access_log_reply(r, r->status, send_body);
    size_t header_max = head_len + lines_after_head_max(r, extra_len);
    /* Small responses are written in one piece; large bodies are appended
     * separately so the header reservation stays small. */
    bool inline_body = header_max + send_body <= re->pool.large.cap;
    char *out = rs_outq_reserve(&c->out, &re->pool, header_max + (inline_body ? send_body : 0));
    if (!out) {
        rs_conn_abort(re, c);
        return;
    }
    char *p = out;
    memcpy(p, head, head_len);
    p += head_len;
    p = write_lines_after_head(r, p, extra, extra_len, no_content ? -1 : (int64_t)body_len);
    if (inline_body && send_body) {
        memcpy(p, body, send_body);
        p += send_body;
    }
    rs_outq_commit(&c->out, (size_t)(p - out));
    if (!inline_body && rs_outq_append(&c->out, &re->pool, body, send_body) < 0)
        rs_conn_abort(re, c);
    rs_conn_touch(re, c);
}

static bool http1_head(rs_reply *r, const char *status_line, size_t status_len, const char *fields,
                       size_t fields_len, const char *extra, size_t extra_len, int64_t content_length)
{
    rs_reactor *re = r->reactor;
    rs_conn *c = r->conn;
    if (r->status)
        return false;
    r->status = rs_status_of_head(status_line, status_len);
    re->stats.responses_by_class[r->status / 100 < 6 ? r->status / 100 : 0]++;
    size_t header_max = status_len + fields_len + lines_after_head_max(r, extra_len);
    rs_access_log_reply(r, r->status, !r->head_only && content_length > 0 ? (uint64_t)content_length : 0);
    char *out = rs_outq_reserve(&c->out, &re->pool, header_max);
    if (!out) {
        rs_conn_abort(re, c);
        return false;
    }
    char *p = out;
    memcpy(p, status_line, status_len);
    p += status_len;
    memcpy(p, fields, fields_len);
    p += fields_len;
    p = write_lines_after_head(r, p, extra, extra_len, content_length);
    rs_outq_commit(&c->out, (size_t)(p - out));
    rs_conn_touch(re, c);
    return true;
}

void rs_reply_route_headers(rs_reply *r, const char *lines, size_t len)
{
    r->route_lines = lines;
    r->route_lines_len = len;
}

const rs_reply_sink rs_http1_sink = {.framed = http1_framed, .head = http1_head, .body_ref = NULL};

void rs_reply_error(rs_reply *r, unsigned status)
{
    char head[160];
    const char *reason = rs_reason_phrase(status);
    int n;
    if (status == 426) /* our only upgrade is WebSocket (RFC 6455 §4.4) */
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 426 %s\r\nContent-Type: text/plain\r\nUpgrade: websocket\r\n"
                     "Sec-WebSocket-Version: 13\r\n",
                     reason);
    else if (status == 503) /* the buffer budget, a stopping worker: both pass soon */
        n = snprintf(head, sizeof head, "HTTP/1.1 503 %s\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n",
                     reason);
    else if (status == 405 && r->allow)
        n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nAllow: %s\r\n", status,
                     reason, r->allow);
    else
        n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n", status, reason);
    if (n < 0 || (size_t)n >= sizeof head)
        n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\n", status, reason);
    rs_reply_text(r, head, (size_t)n, reason, strlen(reason));
}

void rs_reply_continue(rs_reactor *r, rs_conn *c)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (rs_outq_append(&c->out, &r->pool, line, sizeof line - 1) < 0)
        rs_conn_abort(r, c);
    rs_conn_touch(r, c);
}
