/* harness.c — drives generated routes.c and runtime/app/http_util.c without the
 * server, for tests/codegen.  It stands in for the runtime: it implements
 * rs_reply_text / rs_reply_error by printing, and parses an integer body the
 * way the runtime does for RS_BODY_INT routes.
 *
 *   harness request METHOD PATH QUERY BODY   ("-" = no query / no body)
 *   harness parse-i64 STR...                 one "ok N" or "fail" line each
 *   harness query STR                        one "[key] [value]" line per pair ("-" = NULL)
 *   harness format-i64 N...                  one line each: rs_format_i64 output
 *   harness format-check                     compares rs_format_i64 with snprintf
 *   harness config                           prints rs_spec, one "field value" a line
 *
 * Output of `request` (head and body escaped: \r \n \\ \xHH):
 *   dispatch route=R status=S body_kind=K body_param=P body_limit=L allow=A
 *   reply STATUS            or   reply error STATUS
 *   head HEAD
 *   body BODY
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ringspec.h"

struct rs_reply {
    int calls;
    int route; /* for rs_reply_db */
    const rs_params *params;
};

static void print_escaped(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

void rs_reply_text(rs_reply *r, const char *head, size_t head_len, const char *body, size_t body_len)
{
    r->calls++;
    unsigned status = 0;
    sscanf(head, "HTTP/1.1 %u", &status);
    printf("reply %u\nhead ", status);
    print_escaped(head, head_len);
    fputs("\nbody ", stdout);
    print_escaped(body, body_len);
    putchar('\n');
}

/* JSON replies: the real writer (runtime/app/json_writer.c) into a local buffer;
 * the body is printed like a text reply (compression is the runtime's job). */
static rs_json harness_json;

rs_json *rs_reply_json_begin(rs_reply *r)
{
    (void)r;
    harness_json.p = harness_json.base;
    harness_json.failed = false;
    return &harness_json;
}

void rs_reply_json_end(rs_reply *r, const char *head, size_t head_len, const rs_compress *cfg)
{
    (void)cfg;
    if (harness_json.failed) {
        rs_reply_error(r, 500);
        return;
    }
    rs_reply_text(r, head, head_len, harness_json.base, (size_t)(harness_json.p - harness_json.base));
}

/* Data queries' index array: the runtime keeps one per reactor (query_scratch.c);
 * the harness serves one request per process, so a fresh allocation each call. */
static uint32_t *harness_index;

uint32_t *rs_reply_index_scratch(rs_reply *r, size_t n)
{
    (void)r;
    free(harness_index);
    harness_index = malloc((n ? n : 1) * sizeof(uint32_t));
    return harness_index;
}

/* WebSocket behaviours are runtime functions; dispatch only points at them. */
void rs_ws_send(rs_ws *ws, unsigned opcode, const char *data, size_t len)
{
    (void)ws, (void)opcode, (void)data, (void)len;
}

void rs_ws_echo(rs_ws *ws, unsigned opcode, const char *data, size_t len)
{
    rs_ws_send(ws, opcode, data, len);
}

void rs_reply_error(rs_reply *r, unsigned status)
{
    r->calls++;
    printf("reply error %u\n", status);
}

/* Statements ([sql.NAME]): the harness has no database, so a statement
 * answers as the runtime does without one (the route's failure reply), and
 * a cache never hits.  Weak: specs without [database] generate none of the
 * callers. */
__attribute__((weak)) void rs_route_db_done(int route, const rs_params *params, rs_reply *reply,
                                            const rs_db_rows *rows);

void rs_reply_db(rs_reply *r, unsigned statement, const rs_str *args, unsigned nargs)
{
    (void)statement;
    (void)args;
    (void)nargs;
    rs_route_db_done(r->route, r->params, r, NULL);
}

unsigned rs_db_row_count(const rs_db_rows *rows)
{
    (void)rows;
    return 0;
}

rs_str rs_db_value(const rs_db_rows *rows, unsigned row, unsigned col)
{
    (void)rows;
    (void)row;
    (void)col;
    return (rs_str){"", 0};
}

bool rs_cache_reply(rs_reply *r, unsigned cache, const rs_str *key, unsigned nkey, const char *head,
                    size_t head_len)
{
    (void)r, (void)cache, (void)key, (void)nkey, (void)head, (void)head_len;
    return false;
}

void rs_cache_store(rs_reply *r, unsigned cache, const rs_str *key, unsigned nkey, const char *body,
                    size_t len)
{
    (void)r, (void)cache, (void)key, (void)nkey, (void)body, (void)len;
}

void rs_cache_invalidate(unsigned cache, const rs_str *key, unsigned nkey)
{
    (void)cache, (void)key, (void)nkey;
}

/* Request-scoped text (string parameters a reply reads): one block, the
 * harness answers one request at a time. */
static char request_text_block[4096];

char *rs_request_text(const rs_request_view *req, size_t size)
{
    (void)req;
    return size <= sizeof request_text_block ? request_text_block : NULL;
}

const char *rs_reply_request_text(const rs_reply *r)
{
    (void)r;
    return request_text_block;
}

bool rs_reply_waiting(const rs_reply *r)
{
    (void)r;
    return false; /* the harness's statements answer at once (rs_reply_db) */
}

/* JSON request bodies: the harness sends none, so a route reading one sees
 * "missing" (the arena's crud POST/PUT are tested in tests/db). */
struct json_t *rs_body_parse(const rs_reply *r, rs_body_check *c)
{
    (void)r;
    c->count = 0;
    c->path_len = 0;
    c->path[0] = '\0';
    rs_body_refuse(c, "missing", "a JSON object");
    return NULL;
}

void rs_body_free(struct json_t *doc)
{
    (void)doc;
}

void rs_body_refuse(rs_body_check *c, const char *what, const char *expected)
{
    if (c->count >= RS_BODY_MAX_VIOLATIONS)
        return;
    rs_body_violation *v = &c->v[c->count++];
    v->what = what;
    v->expected = expected;
    snprintf(v->name, sizeof v->name, "%s", c->path);
}

size_t rs_body_path_key(rs_body_check *c, const char *key)
{
    size_t mark = c->path_len;
    int n = snprintf(c->path + mark, sizeof c->path - mark, "%s%s", mark ? "." : "", key);
    c->path_len = n < 0 ? mark : mark + (size_t)n < sizeof c->path ? mark + (size_t)n : sizeof c->path - 1;
    return mark;
}

size_t rs_body_path_index(rs_body_check *c, size_t i)
{
    size_t mark = c->path_len;
    int n = snprintf(c->path + mark, sizeof c->path - mark, "[%zu]", i);
    c->path_len = n < 0 ? mark : mark + (size_t)n < sizeof c->path ? mark + (size_t)n : sizeof c->path - 1;
    return mark;
}

static rs_method method_from(const char *name)
{
    static const char *const names[RS_METHOD_COUNT] = {
        [RS_METHOD_GET] = "GET",         [RS_METHOD_HEAD] = "HEAD",       [RS_METHOD_POST] = "POST",
        [RS_METHOD_PUT] = "PUT",         [RS_METHOD_DELETE] = "DELETE",   [RS_METHOD_PATCH] = "PATCH",
        [RS_METHOD_OPTIONS] = "OPTIONS", [RS_METHOD_CONNECT] = "CONNECT", [RS_METHOD_TRACE] = "TRACE",
    };
    for (int m = 1; m < RS_METHOD_COUNT; m++)
        if (strcmp(names[m], name) == 0)
            return (rs_method)m;
    return RS_METHOD_OTHER;
}

/* RS_BODY_INT as ringspec.h describes it: a decimal integer, surrounding whitespace allowed. */
static bool parse_int_body(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        n--;
    while (n > 0 && strchr(" \t\r\n", *s)) {
        s++;
        n--;
    }
    return rs_parse_i64(s, n, out);
}

static int request(const char *method, const char *path, const char *query, const char *body)
{
    rs_request_view req = {
        .method = method_from(method),
        .path = path,
        .path_len = strlen(path),
        .query = strcmp(query, "-") == 0 ? NULL : query,
        .query_len = strcmp(query, "-") == 0 ? 0 : strlen(query),
    };
    rs_params params;
    rs_route_match m;
    memset(&params, 0xA5, sizeof params); /* dispatch must initialise what it uses */
    memset(&m, 0xA5, sizeof m);
    rs_route_dispatch(&req, &params, &m);
    printf("dispatch route=%d status=%u body_kind=%u body_param=%u body_limit=%" PRIu64 " allow=%s\n",
           m.route, m.status, m.body_kind, m.body_param, m.body_limit, m.status == 405 ? m.allow : "-");
    if (m.status != 0)
        return 0;
    if (m.websocket) { /* the runtime takes over: no HTTP reply */
        printf("websocket on_message=%s max_message=%u\n",
               m.websocket->on_message == rs_ws_echo ? "echo" : "?", m.websocket->max_message);
        return 0;
    }
    if (m.body_kind == RS_BODY_INT && strcmp(body, "-") != 0) {
        if (!parse_int_body(body, &params.value[m.body_param])) {
            puts("reply error 400 (body)");
            return 0;
        }
        params.present |= 1u << m.body_param;
    }
    rs_reply reply = {.route = m.route, .params = &params};
    rs_route_respond(m.route, &params, &reply);
    if (reply.calls != 1) {
        printf("harness: respond made %d replies\n", reply.calls);
        return 3;
    }
    return 0;
}

static int parse_i64(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        int64_t v = 12345; /* must survive a failed parse */
        if (rs_parse_i64(argv[i], strlen(argv[i]), &v))
            printf("ok %" PRId64 "\n", v);
        else
            puts(v == 12345 ? "fail" : "fail (output written)");
    }
    return 0;
}

static int query(const char *q)
{
    const char *cursor = strcmp(q, "-") == 0 ? NULL : q;
    const char *end = cursor ? cursor + strlen(cursor) : NULL;
    rs_str key, value;
    while (rs_query_next(&cursor, end, &key, &value))
        printf("[%.*s] [%.*s]\n", (int)key.len, key.ptr, (int)value.len, value.ptr);
    puts("end");
    return 0;
}

static int format_i64(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        errno = 0;
        long long v = strtoll(argv[i], NULL, 10);
        if (errno != 0)
            return 2;
        char buf[21];
        memset(buf, '#', sizeof buf); /* byte 20 must stay untouched */
        size_t n = rs_format_i64(buf, (int64_t)v);
        printf("%.*s%s\n", (int)n, buf, buf[20] == '#' ? "" : " (overrun)");
    }
    return 0;
}

/* Values around every power of ten, the extremes and a pseudo-random spread. */
static int format_check(void)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    long checked = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t v;
        if (i < 19 * 6) {
            int64_t p = 1;
            for (int k = 0; k < i / 6; k++)
                p *= 10;
            static const int64_t delta[] = {-1, 0, 1};
            v = p + delta[i % 3];
            if ((i / 3) % 2)
                v = -v;
        } else if (i < 19 * 6 + 4) {
            static const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1};
            v = extremes[i - 19 * 6];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = (int64_t)(x >> (x & 63)); /* all magnitudes */
            if ((x & 64) && v != INT64_MIN)
                v = -v;
        }
        char ours[20], theirs[32];
        size_t n = rs_format_i64(ours, v);
        int m = snprintf(theirs, sizeof theirs, "%" PRId64, v);
        if ((int)n != m || memcmp(ours, theirs, n) != 0) {
            printf("mismatch for %s: %.*s\n", theirs, (int)n, ours);
            return 1;
        }
        checked++;
    }
    printf("ok %ld\n", checked);
    return 0;
}

static int config(void)
{
    const rs_spec_config *c = &rs_spec;
    printf("spec_name %s\nport %u\nworkers %u\nmax_connections %u\n", c->spec_name, c->port, c->workers,
           c->max_connections);
    printf("recv_buffers %u\nrecv_buffer_size %u\n", c->recv_buffers, c->recv_buffer_size);
    printf("max_target %u\nmax_head %u\nmax_headers %u\nmax_body %" PRIu64 "\noutput_queue %u\n",
           c->limits.max_target, c->limits.max_head, c->limits.max_headers, c->limits.max_body,
           c->limits.output_queue);
    printf("header %u\nbody %u\nidle %u\nwrite %u\n", c->timeouts.header, c->timeouts.body, c->timeouts.idle,
           c->timeouts.write);
    return 0;
}

int main(int argc, char **argv)
{
    /* Specs with data sources read them from RS_DATA_ROOT (the repo's data/). */
    const char *root = getenv("RS_DATA_ROOT");
    if (rs_data_load(root ? root : "data") < 0)
        return 3;
    if (argc == 6 && strcmp(argv[1], "request") == 0)
        return request(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 2 && strcmp(argv[1], "parse-i64") == 0)
        return parse_i64(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "query") == 0)
        return query(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "format-i64") == 0)
        return format_i64(argc - 2, argv + 2);
    if (argc == 2 && strcmp(argv[1], "format-check") == 0)
        return format_check();
    if (argc == 2 && strcmp(argv[1], "config") == 0)
        return config();
    fprintf(stderr, "usage: see the comment at the top of harness.c\n");
    return 2;
}
