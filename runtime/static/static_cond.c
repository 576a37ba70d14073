/* static_cond.c — conditional and range requests on a representation
 * (RFC 9110 §13 and §14): If-None-Match, If-Modified-Since, Range with
 * If-Range.  Only a single byte range is served; a multi-range request gets
 * the whole representation, which §14.2 allows. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "static/static_cond.h"

/* If-None-Match: "*" or a list of entity tags, compared weakly (§13.1.2). */
static bool etag_list_match(rs_str list, const char *etag, size_t etag_len)
{
    const char *p = list.ptr, *end = list.ptr + list.len;
    for (unsigned guard = 0; p < end && guard < 256; guard++) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (p < end && *p == '*')
            return true;
        if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *q = p;
        if (q < end && *q == '"') {
            const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
            if (!close)
                return false;
            q = close + 1;
        } else {
            while (q < end && *q != ',')
                q++;
        }
        if ((size_t)(q - p) == etag_len && memcmp(p, etag, etag_len) == 0)
            return true;
        p = q;
    }
    return false;
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); the obsolete formats
 * are not accepted, and an unparsable date makes the condition false. */
static bool parse_http_date(rs_str v, int64_t *out)
{
    char buf[64];
    if (v.len == 0 || v.len >= sizeof buf)
        return false;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

static bool parse_u64(const char **p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;
    while (*p < end && **p >= '0' && **p <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(**p - '0'), &v))
            return false;
        (*p)++;
    }
    *out = v;
    return *p > s;
}

/* 206 with the range in off and len, 416, or 200 when Range does not apply. */
static uint16_t byte_range(rs_str range, uint64_t size, uint64_t *off, uint64_t *len)
{
    const char *p = range.ptr, *end = range.ptr + range.len;
    if (range.len < 6 || strncasecmp(p, "bytes=", 6) != 0 || memchr(p, ',', range.len))
        return 200; /* another unit (units are case-insensitive, §14.1), or several ranges */
    p += 6;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    uint64_t first = 0, last = 0;
    if (p < end && *p == '-') { /* suffix: the last N bytes */
        p++;
        if (!parse_u64(&p, end, &last) || p != end)
            return 200;
        if (last == 0 || size == 0)
            return 416;
        *len = last < size ? last : size;
        *off = size - *len;
        return 206;
    }
    if (!parse_u64(&p, end, &first) || p >= end || *p != '-')
        return 200;
    p++;
    bool open_ended = p == end;
    if (!open_ended && (!parse_u64(&p, end, &last) || p != end || last < first))
        return 200; /* invalid: ignored (§14.2) */
    if (first >= size)
        return 416;
    if (open_ended || last >= size)
        last = size - 1;
    *off = first;
    *len = last - first + 1;
    return 206;
}

/* If-Range (§13.1.5): an entity tag matches by strong comparison (a weak
 * W/ tag never does); a date only when it is exactly our Last-Modified and
 * that is a strong validator (§8.8.2.2): a file modified during the current
 * second may change again within it, unseen by a one-second date, so its
 * date is weak and the whole representation is sent. */
static bool if_range_holds(rs_str ifr, const rs_static_validators *v)
{
    if (ifr.len == 0)
        return false;
    if (ifr.ptr[0] == '"' || (ifr.len >= 2 && ifr.ptr[0] == 'W' && ifr.ptr[1] == '/'))
        return ifr.len == v->etag_len && memcmp(ifr.ptr, v->etag, v->etag_len) == 0;
    if (ifr.len != strlen(v->last_modified) || memcmp(ifr.ptr, v->last_modified, ifr.len) != 0)
        return false;
    return v->mtime < (int64_t)time(NULL);
}

uint16_t rs_static_evaluate(const rs_str h[RS_COND_FIELDS], const rs_static_validators *v, uint64_t *off,
                            uint64_t *len)
{
    if (h[RS_COND_IF_NONE_MATCH].ptr) {
        if (etag_list_match(h[RS_COND_IF_NONE_MATCH], v->etag, v->etag_len))
            return 304;
    } else if (h[RS_COND_IF_MODIFIED_SINCE].ptr) {
        int64_t since;
        if (parse_http_date(h[RS_COND_IF_MODIFIED_SINCE], &since) && v->mtime <= since)
            return 304;
    }
    *off = 0;
    *len = v->size;
    if (!h[RS_COND_RANGE].ptr)
        return 200;
    rs_str ifr = h[RS_COND_IF_RANGE];
    if (ifr.ptr && !if_range_holds(ifr, v))
        return 200;
    return byte_range(h[RS_COND_RANGE], v->size, off, len);
}

bool rs_static_may_be_conditional(const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    /* The request line starts the head with no '\n' before it: only field
     * lines (and the blank line ending the head) are looked at. */
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL && ++p < end)
        if ((*p | 0x20) == 'i' || (*p | 0x20) == 'r')
            return true;
    return false;
}

const char *const rs_cond_field_names[RS_COND_FIELDS] = {"if-none-match", "if-modified-since", "range",
                                                         "if-range"};
