/* access_log.c — formats access log lines (access_log.h) into the worker's
 * log ring.
 *
 * common: 127.0.0.1 - - [08/Dec/2026:04:10:00 +0000] "GET /books?limit=3 HTTP/1.1" 200 6 123
 *         (CLF: host, ident, user, time, request, status, body bytes or "-"; then microseconds)
 * json:   {"time":"2026-12-08T04:10:00Z","remote":"127.0.0.1","method":"GET","target":"/books?limit=3",
 *          "protocol":"HTTP/1.1","status":200,"bytes":6,"duration_us":123}
 * The target is escaped in both (a '"', '\\' or a byte outside printable
 * ASCII as \xHH, or \u00HH in JSON) so a line cannot be forged. */
#include "app/access_log.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "app/reply.h"
#include "app/request_id.h"
#include "core/reactor.h"

static const char *const method_names[RS_METHOD_COUNT] = {
    [RS_METHOD_OTHER] = "OTHER", [RS_METHOD_GET] = "GET",         [RS_METHOD_HEAD] = "HEAD",
    [RS_METHOD_POST] = "POST",   [RS_METHOD_PUT] = "PUT",         [RS_METHOD_DELETE] = "DELETE",
    [RS_METHOD_PATCH] = "PATCH", [RS_METHOD_OPTIONS] = "OPTIONS", [RS_METHOD_CONNECT] = "CONNECT",
    [RS_METHOD_TRACE] = "TRACE",
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

rs_access_entry *rs_access_slot(rs_reactor *r, rs_conn *c)
{
    if (!rs_log_ring_on(&r->access_log) && r->opt->request_id == RS_REQUEST_ID_OFF)
        return NULL;
    if (!r->access_entries) { /* first request of the worker; pages are touched per slot used */
        r->access_entries = calloc(r->opt->max_connections, sizeof(rs_access_entry));
        if (!r->access_entries)
            return NULL;
    }
    return &r->access_entries[rs_conn_index(&r->conns, c)];
}

static void put_target(rs_access_entry *e, const char *s, size_t n)
{
    size_t room = RS_ACCESS_TARGET_MAX - e->target_len;
    size_t k = n < room ? n : room;
    memcpy(e->target + e->target_len, s, k);
    e->target_len = (uint16_t)(e->target_len + k);
    if (k < n)
        e->cut = true;
}

void rs_access_begin(rs_access_entry *e, rs_method method, unsigned version, const char *path,
                     size_t path_len, const char *query, size_t query_len)
{
    if (!e)
        return;
    e->start_ns = now_ns();
    e->method = (uint8_t)method;
    e->version = (uint8_t)version;
    e->target_len = 0;
    e->cut = false;
    e->request_id_len = 0;
    put_target(e, path, path_len);
    if (query) {
        put_target(e, "?", 1);
        put_target(e, query, query_len);
    }
}

void rs_access_begin_unparsed(rs_access_entry *e)
{
    if (!e)
        return;
    e->start_ns = now_ns();
    e->method = RS_METHOD_COUNT;
    e->version = 11;
    e->target_len = 0;
    e->cut = false;
    e->request_id_len = 0;
}

/* The target, escaped; returns the end of what was written (4 bytes per
 * byte at most, 6 in JSON). */
static char *escape(char *p, const rs_access_entry *e, bool json)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < e->target_len; i++) {
        unsigned char ch = (unsigned char)e->target[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            *p++ = (char)ch;
        } else if (json) {
            memcpy(p, "\\u00", 4);
            p[4] = hex[ch >> 4];
            p[5] = hex[ch & 15];
            p += 6;
        } else {
            p[0] = '\\';
            p[1] = 'x';
            p[2] = hex[ch >> 4];
            p[3] = hex[ch & 15];
            p += 4;
        }
    }
    if (e->cut) {
        memcpy(p, "...", 3);
        p += 3;
    }
    return p;
}

/* The peer's address as text ("-" when unknown). */
static void remote_of(const rs_conn *c, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    strcpy(out, "-");
    if (getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap);
    } else if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) /* a dual-stack listener: show the IPv4 address */
            inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a, out, (socklen_t)cap);
    }
}

/* The wall-clock time of this second, formatted once per second per worker. */
static const char *clock_text(bool json)
{
    static _Thread_local time_t second[2] = {-1, -1};
    static _Thread_local char text[2][40];
    time_t now = time(NULL);
    if (now != second[json]) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text[json], sizeof text[json], json ? "%Y-%m-%dT%H:%M:%SZ" : "%d/%b/%Y:%H:%M:%S +0000", &tm);
        second[json] = now;
    }
    return text[json];
}

void rs_access_log_reply(const rs_reply *r, unsigned status, uint64_t bytes)
{
    const rs_access_entry *e = r->access;
    if (!e || !rs_log_ring_on(&r->reactor->access_log))
        return;
    rs_log_ring *ring = &r->reactor->access_log;
    char *line = rs_log_ring_reserve(ring, RS_LOG_LINE_MAX);
    if (!line)
        return;
    char remote[INET6_ADDRSTRLEN];
    remote_of(r->conn, remote, sizeof remote);
    uint64_t us = (now_ns() - e->start_ns) / 1000u;
    bool json = r->reactor->opt->access_log_json;
    const char *method = e->method < RS_METHOD_COUNT ? method_names[e->method] : "-";
    const char *proto = e->version == 20 ? "HTTP/2.0" : e->version == 10 ? "HTTP/1.0" : "HTTP/1.1";
    char *p = line;
    /* The longest line: up to 400 bytes before the target, the target escaped (6 bytes a byte in
     * JSON, then "..."), up to 300 after it. */
    _Static_assert(400 + RS_ACCESS_TARGET_MAX * 6 + 3 + 300 <= RS_LOG_LINE_MAX,
                   "a line fits its reservation");
    char target[RS_ACCESS_TARGET_MAX * 6 + 3];
    size_t tlen = (size_t)(escape(target, e, json) - target);
    int n;
    if (json)
        n = snprintf(p, 400, "{\"time\":\"%s\",\"remote\":\"%s\",\"method\":\"%s\",\"target\":\"",
                     clock_text(true), remote, method);
    else if (e->method == RS_METHOD_COUNT)
        n = snprintf(p, 400, "%s - - [%s] \"-\" %u ", remote, clock_text(false), status);
    else
        n = snprintf(p, 400, "%s - - [%s] \"%s ", remote, clock_text(false), method);
    p += n;
    if (json || e->method != RS_METHOD_COUNT) {
        memcpy(p, target, tlen);
        p += tlen;
    }
    /* The request id: checked to be safe characters (request_id.c), written as it is. */
    char rid[RS_REQUEST_ID_MAX + 24] = "";
    if (r->reactor->opt->request_id != RS_REQUEST_ID_OFF)
        snprintf(rid, sizeof rid, json ? ",\"request_id\":\"%.*s\"" : " \"%.*s\"", (int)e->request_id_len,
                 e->request_id);
    if (json)
        n = snprintf(p, 300,
                     "\",\"protocol\":\"%s\",\"status\":%u,\"bytes\":%" PRIu64 ",\"duration_us\":%" PRIu64
                     "%s}\n",
                     proto, status, bytes, us, rid);
    else if (e->method == RS_METHOD_COUNT)
        n = bytes ? snprintf(p, 300, "%" PRIu64 " %" PRIu64 "%s\n", bytes, us, rid)
                  : snprintf(p, 300, "- %" PRIu64 "%s\n", us, rid);
    else if (bytes)
        n = snprintf(p, 300, " %s\" %u %" PRIu64 " %" PRIu64 "%s\n", proto, status, bytes, us, rid);
    else
        n = snprintf(p, 300, " %s\" %u - %" PRIu64 "%s\n", proto, status, us, rid);
    p += n;
    rs_log_ring_commit(ring, (size_t)(p - line));
}
