/* json_body.c — see json_body.h; rs_body_* of ringspec.h.
 *
 * Why libjansson rather than a parser of our own: it is already linked for
 * data sources, it validates UTF-8, refuses duplicate keys on request,
 * reports a byte position with every error, and caps nesting depth
 * (JSON_PARSER_MAX_DEPTH, 2048).  What it does not do is bound its memory:
 * a tree costs many times the text it came from ("[{},{},...]" about 74
 * bytes per byte).  Nor may its allocations fail: an allocation failing
 * inside its lexer trips an assert() and aborts the process (found by
 * tests/fuzz/fuzz_json_body.c when this file capped jansson's allocator).
 * So the cost is estimated first, in one pass over the text, and a body
 * whose estimate is over its budget is refused before jansson sees it. */
#include "app/json_body.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/reply.h"
#include "core/buffer_budget.h"

/* The budget: what the estimate may reach for a body of n bytes. */
#define RS_JSON_BUDGET_PER_BYTE 40u
#define RS_JSON_BUDGET_FLOOR (64u * 1024u)

/* An upper bound of the bytes jansson 2.14 allocates (in total, frees not
 * counted back) to parse s: 4 per byte (text and token buffers), and per
 * object, array and member or element outside strings.  Checked with a
 * counting allocator against arrays of every kind of value, nesting to
 * the depth limit, long strings and keys, and the fuzz corpus: jansson
 * stayed under 0.9 of it.  An order-like body estimates about 20 per
 * byte; "[1,2,...]" 36; "[[],...]" 79 and "[{},...]" 110 are refused. */
static size_t parse_cost(const char *s, size_t n)
{
    size_t cost = 4096 + 4 * n;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (ch == '\\')
                escaped = true;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        switch (ch) {
        case '"':
            in_string = true;
            break;
        case '{':
            cost += 256;
            break;
        case '[':
            cost += 160;
            break;
        case ',':
        case ':':
            cost += 64;
            break;
        default:
            break;
        }
    }
    return cost;
}

bool rs_json_body_type_ok(const rs_request_view *req, bool has_body)
{
    rs_str v;
    if (!rs_request_header(req, "content-type", &v))
        return !has_body;
    static const char json[] = "application/json";
    size_t n = sizeof json - 1;
    if (v.len < n || strncasecmp(v.ptr, json, n) != 0)
        return false;
    /* Only parameters may follow ("; charset=utf-8"), not "application/jsonx". */
    size_t i = n;
    while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t'))
        i++;
    return i == v.len || v.ptr[i] == ';';
}

rs_json_append rs_json_body_append(rs_reactor *r, rs_conn *c, const char *data, size_t len)
{
    /* body_seen already counts these bytes (on_body adds before calling). */
    size_t have = (size_t)c->body_seen - len;
    size_t need = (size_t)c->body_seen;
    if (need > c->body_cap) {
        size_t cap = c->body_cap ? (size_t)c->body_cap * 2 : 4096;
        uint64_t announced = c->parser.flags & RS_HTTP1_HAS_LENGTH ? c->parser.content_length : 0;
        uint64_t limit = rs_conn_body_limit(c);
        if (announced >= need && announced <= limit)
            cap = (size_t)announced; /* Content-Length: one allocation of the exact size */
        while (cap < need)
            cap *= 2;
        if (cap > limit)
            cap = (size_t)limit;
        if (!rs_budget_try_charge(&r->budget, RS_HELD_BODY, cap - c->body_cap))
            return RS_JSON_OVER_BUDGET;
        char *grown = realloc(c->body_buf, cap);
        if (!grown) {
            rs_budget_release(&r->budget, RS_HELD_BODY, cap - c->body_cap);
            return RS_JSON_NO_MEMORY;
        }
        c->body_buf = grown;
        c->body_cap = (uint32_t)cap;
    }
    memcpy(c->body_buf + have, data, len);
    return RS_JSON_APPENDED;
}

void rs_json_body_release(rs_reactor *r, rs_conn *c)
{
    rs_budget_release(&r->budget, RS_HELD_BODY, c->body_cap);
    free(c->body_buf);
    c->body_buf = NULL;
    c->body_cap = 0;
}

/* ---- rs_body_* (ringspec.h): used by generated body readers ---- */

void rs_body_refuse(rs_body_check *c, const char *what, const char *expected)
{
    if (c->count >= RS_BODY_MAX_VIOLATIONS)
        return;
    rs_body_violation *v = &c->v[c->count++];
    v->what = what;
    v->expected = expected;
    memcpy(v->name, c->path, c->path_len + 1);
}

static size_t path_append(rs_body_check *c, const char *text, size_t n)
{
    size_t mark = c->path_len;
    size_t room = sizeof c->path - 1 - c->path_len;
    if (n > room) {
        /* Cut on a UTF-8 boundary so the name stays valid in the reply. */
        n = room;
        while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u)
            n--;
    }
    memcpy(c->path + c->path_len, text, n);
    c->path_len += n;
    c->path[c->path_len] = '\0';
    return mark;
}

size_t rs_body_path_key(rs_body_check *c, const char *key)
{
    size_t mark = c->path_len;
    if (c->path_len)
        path_append(c, ".", 1);
    path_append(c, key, strlen(key));
    return mark;
}

size_t rs_body_path_index(rs_body_check *c, size_t i)
{
    char text[24];
    int n = snprintf(text, sizeof text, "[%zu]", i);
    return path_append(c, text, n > 0 ? (size_t)n : 0);
}

struct json_t *rs_body_parse(const rs_reply *r, rs_body_check *c)
{
    c->count = 0;
    c->path_len = 0;
    c->path[0] = '\0';
    c->detail[0] = '\0';
    if (r->request_body_len == 0) {
        rs_body_refuse(c, "missing", "a JSON object");
        return NULL;
    }
    size_t budget = RS_JSON_BUDGET_FLOOR + RS_JSON_BUDGET_PER_BYTE * r->request_body_len;
    size_t cost = parse_cost(r->request_body, r->request_body_len);
    if (cost > budget) {
        snprintf(c->detail, sizeof c->detail,
                 "JSON that parses within %zu bytes of memory (this body: about %zu)", budget, cost);
        rs_body_refuse(c, "malformed", c->detail);
        return NULL;
    }
    json_error_t err;
    json_t *doc = json_loadb(r->request_body, r->request_body_len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        snprintf(c->detail, sizeof c->detail, "valid JSON (byte %d: %s)", err.position, err.text);
        /* jansson quotes the input near the error, which may be any bytes:
         * the reply must stay valid UTF-8 JSON. */
        for (char *p = c->detail; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F)
                *p = '?';
        rs_body_refuse(c, "malformed", c->detail);
        return NULL;
    }
    if (!json_is_object(doc)) {
        rs_body_refuse(c, "type", "a JSON object");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

void rs_body_free(struct json_t *doc)
{
    json_decref(doc);
}
