/* json_body.c — see json_body.h; rs_body_* of ringspec.h.
 *
 * Why libjansson rather than a parser of our own: it is already linked for
 * data sources, it validates UTF-8, refuses duplicate keys on request,
 * reports a byte position with every error, and caps nesting depth
 * (JSON_PARSER_MAX_DEPTH).  What it does not do is bound its memory: a
 * tree costs many times the text it came from ("[[],[],...]" about 40x).
 * So every allocation goes through budget_malloc, and while a request body
 * is parsed the thread carries a budget proportional to the body's size;
 * past it, allocation fails and the body is answered as malformed. */
#include "json_body.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reply.h"

/* Bytes jansson may allocate (in total, frees not counted back) for a body
 * of n bytes.  Measured with a counting allocator on jansson 2.14: an
 * order-like body of objects, strings and ints costs about 15 per input
 * byte; "[1,1,...]" 22, "[[],[],...]" 42, "[{},{},...]" 74, and nesting
 * 2000 deep 208 KiB for 2 KB.  So ordinary bodies fit with room to spare,
 * and the pathological ones, which no shape could accept anyway, are
 * refused before they cost more than 32x their size. */
#define RS_JSON_BUDGET_PER_BYTE 32u
#define RS_JSON_BUDGET_FLOOR (64u * 1024u)

/* The budget of the parse running on this thread; NULL outside one. */
static _Thread_local size_t *budget_left;
static _Thread_local bool budget_exhausted;

static void *budget_malloc(size_t n)
{
    if (budget_left) {
        if (n > *budget_left) {
            budget_exhausted = true;
            return NULL;
        }
        *budget_left -= n;
    }
    return malloc(n);
}

void rs_json_body_init(void)
{
    json_set_alloc_funcs(budget_malloc, free);
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

bool rs_json_body_append(rs_conn *c, const char *data, size_t len)
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
        char *grown = realloc(c->body_buf, cap);
        if (!grown)
            return false;
        c->body_buf = grown;
        c->body_cap = (uint32_t)cap;
    }
    memcpy(c->body_buf + have, data, len);
    return true;
}

void rs_json_body_release(rs_conn *c)
{
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
    json_error_t err;
    budget_left = &budget;
    budget_exhausted = false;
    json_t *doc = json_loadb(r->request_body, r->request_body_len, JSON_REJECT_DUPLICATES, &err);
    budget_left = NULL;
    if (!doc) {
        if (budget_exhausted)
            snprintf(c->detail, sizeof c->detail, "JSON whose parse fits %zu bytes of memory (byte %d)",
                     RS_JSON_BUDGET_FLOOR + RS_JSON_BUDGET_PER_BYTE * r->request_body_len, err.position);
        else
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
