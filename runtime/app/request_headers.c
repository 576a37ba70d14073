/* request_headers.c — header lookup over a validated request head.
 *
 * The parser recognises only the fields framing needs (and Accept-Encoding,
 * which the JSON routes read on every request).  Other fields a route wants
 * are found here by scanning the head again once it is complete: the parser
 * has already guaranteed CRLF line endings, token names and no obs-fold, so
 * the scan is a plain line walk and never sees malformed input. */
#include <string.h>
#include <strings.h>

#include "app/ringspec.h"

static const char *line_end(const char *p, const char *end)
{
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    return cr ? cr : end;
}

void rs_request_headers(const rs_request_view *req, const char *const *lower_names, size_t n, rs_str *values)
{
    for (size_t i = 0; i < n; i++)
        values[i] = (rs_str){NULL, 0};
    if (!req->head)
        return;
    const char *p = req->head, *end = req->head + req->head_len;
    while (end - p >= 2 && p[0] == '\r' && p[1] == '\n') /* empty lines before the request line */
        p += 2;
    p = line_end(p, end) + 2; /* skip the request line */
    while (p < end) {
        const char *eol = line_end(p, end);
        if (eol == p)
            break; /* the blank line ending the head */
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        size_t name_len = colon ? (size_t)(colon - p) : 0;
        for (size_t i = 0; colon && i < n; i++) {
            if (values[i].ptr || strlen(lower_names[i]) != name_len ||
                strncasecmp(p, lower_names[i], name_len))
                continue;
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            values[i] = (rs_str){v, (size_t)(ve - v)}; /* the first one when repeated */
            break;
        }
        p = eol + 2;
    }
}

unsigned rs_request_header_copies(const rs_request_view *req, const char *lower_name, rs_str *value)
{
    rs_request_headers(req, &lower_name, 1, value);
    if (!value->ptr)
        return 0;
    /* A second line of the same name starts after the first one's value. */
    const char *p = value->ptr + value->len, *end = req->head + req->head_len;
    size_t name_len = strlen(lower_name);
    while (p < end) {
        const char *eol = line_end(p, end);
        p = eol + 2;
        if (p >= end || line_end(p, end) == p)
            return 1; /* the blank line ending the head */
        const char *colon = memchr(p, ':', (size_t)(line_end(p, end) - p));
        if (colon && (size_t)(colon - p) == name_len && strncasecmp(p, lower_name, name_len) == 0)
            return 2;
    }
    return 1;
}

bool rs_request_header(const rs_request_view *req, const char *lower_name, rs_str *value)
{
    rs_request_headers(req, &lower_name, 1, value);
    return value->ptr != NULL;
}
