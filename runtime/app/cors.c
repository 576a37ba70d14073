/* cors.c — preflights and the Access-Control-* lines of replies (cors.h).
 * Fetch Standard §3.2 (CORS protocol); origins are compared byte for byte
 * with the spec's serialized origins, method names case-sensitively (as
 * browsers send them), header names case-insensitively. */
#include "app/cors.h"

#include <string.h>

#include "app/reply.h"

static const char *const method_names[RS_METHOD_COUNT] = {
    [RS_METHOD_GET] = "GET",         [RS_METHOD_HEAD] = "HEAD",       [RS_METHOD_POST] = "POST",
    [RS_METHOD_PUT] = "PUT",         [RS_METHOD_DELETE] = "DELETE",   [RS_METHOD_PATCH] = "PATCH",
    [RS_METHOD_OPTIONS] = "OPTIONS", [RS_METHOD_CONNECT] = "CONNECT", [RS_METHOD_TRACE] = "TRACE",
};

rs_method rs_cors_requested_method(const rs_request_view *req)
{
    rs_str v;
    if (!rs_request_header(req, "access-control-request-method", &v))
        return RS_METHOD_OTHER;
    for (int m = RS_METHOD_GET; m < RS_METHOD_COUNT; m++)
        if (strlen(method_names[m]) == v.len && !memcmp(method_names[m], v.ptr, v.len))
            return (rs_method)m;
    return RS_METHOD_OTHER;
}

uint8_t rs_cors_origin(const rs_cors *p, const rs_request_view *req)
{
    rs_str v;
    if (!p || !rs_request_header(req, "origin", &v))
        return RS_CORS_NONE;
    if (p->any_origin)
        return RS_CORS_ANY;
    for (unsigned i = 0; i < p->origin_count; i++)
        if (strlen(p->origins[i]) == v.len && !memcmp(p->origins[i], v.ptr, v.len))
            return (uint8_t)(i + 1);
    return RS_CORS_NONE;
}

static bool header_allowed(const rs_cors *p, const char *name, size_t n)
{
    for (unsigned i = 0; i < p->header_count; i++)
        if (rs_text_iequal(p->headers[i], strlen(p->headers[i]), name, n))
            return true;
    return false;
}

/* Every comma-separated name of Access-Control-Request-Headers is allowed. */
static bool headers_allowed(const rs_cors *p, const rs_request_view *req)
{
    rs_str v;
    if (!rs_request_header(req, "access-control-request-headers", &v))
        return true;
    const char *s = v.ptr, *end = v.ptr + v.len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        const char *a = s, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a && !header_allowed(p, a, (size_t)(b - a)))
            return false;
        s = comma ? comma + 1 : end;
    }
    return true;
}

uint8_t rs_cors_preflight(const rs_cors *p, const rs_request_view *req, uint8_t origin)
{
    if (!p || origin == RS_CORS_NONE)
        return RS_CORS_PREFLIGHT_REFUSED;
    rs_method asked = rs_cors_requested_method(req);
    if (asked == RS_METHOD_OTHER || !(p->methods & RS_METHOD_BIT(asked)) || !headers_allowed(p, req))
        return RS_CORS_PREFLIGHT_REFUSED;
    return RS_CORS_PREFLIGHT_OK;
}

static char *put(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

size_t rs_cors_lines(const rs_reply *r, char *out)
{
    const rs_cors *policy = r->cors;
    if (!policy)
        return 0;
    char *p = out;
    if (!policy->any_origin) /* the reply depends on Origin: caches must key on it */
        p = put(p, "Vary: Origin\r\n");
    if (r->cors_origin == RS_CORS_NONE || r->cors_preflight == RS_CORS_PREFLIGHT_REFUSED)
        return (size_t)(p - out);
    p = put(p, "Access-Control-Allow-Origin: ");
    p = put(p, r->cors_origin == RS_CORS_ANY ? "*" : policy->origins[r->cors_origin - 1]);
    p = put(p, "\r\n");
    if (policy->credentials)
        p = put(p, "Access-Control-Allow-Credentials: true\r\n");
    p = put(p, r->cors_preflight == RS_CORS_PREFLIGHT_OK ? policy->preflight_lines : policy->actual_lines);
    return (size_t)(p - out);
}

void rs_cors_preflight_reply(rs_reply *r)
{
    static const char head[] = "HTTP/1.1 204 No Content\r\n";
    rs_reply_text(r, head, sizeof head - 1, "", 0);
}
