/* http_util.c — the small value helpers generated route code calls:
 * strict integer parsing, query-string iteration, percent-decoding and
 * integer formatting.
 * Contracts are in ringspec.h; all three run on every dispatched request, so
 * they avoid division, locale and libc number parsing. */
#include <string.h>

#include "app/ringspec.h"

bool rs_parse_i64(const char *s, size_t n, int64_t *out)
{
    bool negative = n > 0 && s[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == n)
        return false; /* "" or "-" */
    /* Accumulate the magnitude unsigned; |INT64_MIN| is one more than INT64_MAX. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned digit = (unsigned)(unsigned char)s[i] - '0';
        if (digit > 9)
            return false;
        /* Leading zeros are allowed, so the digit count says nothing: check each step. */
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digit, &v) || v > limit)
            return false;
    }
    if (!negative)
        *out = (int64_t)v;
    else if (v == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)v;
    return true;
}

bool rs_query_next(const char **cursor, const char *end, rs_str *key, rs_str *value)
{
    /* Only == and != on the pointers: a request without a query passes NULL, NULL. */
    const char *p = *cursor;
    while (p != end && *p == '&')
        p++; /* empty pairs */
    if (p == end) {
        *cursor = p;
        return false;
    }
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *pair_end = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(pair_end - p));
    key->ptr = p;
    if (eq) {
        key->len = (size_t)(eq - p);
        value->ptr = eq + 1;
        value->len = (size_t)(pair_end - (eq + 1));
    } else {
        key->len = (size_t)(pair_end - p);
        value->ptr = pair_end;
        value->len = 0;
    }
    *cursor = pair_end; /* the '&' is skipped by the next call */
    return true;
}

/* "00" "01" ... "99": two digits per division by 100 halves the divisions. */
static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

size_t rs_format_i64(char *dst, int64_t v)
{
    if ((uint64_t)v < 100) { /* most Content-Lengths of small replies: no buffer, no loop */
        if (v < 10) {
            *dst = (char)('0' + v);
            return 1;
        }
        memcpy(dst, digit_pairs + v * 2, 2);
        return 2;
    }
    /* Magnitude as unsigned so that INT64_MIN needs no special case. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char tmp[20];
    char *p = tmp + sizeof tmp;
    while (u >= 100) {
        unsigned pair = (unsigned)(u % 100) * 2;
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + pair, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + u * 2, 2);
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0)
        *--p = '-';
    size_t len = (size_t)(tmp + sizeof tmp - p);
    memcpy(dst, p, len);
    return len;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20); /* ASCII letters to lower case */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoding shared by query values and path segments, which differ only in
 * what "+" means (a space in a form-encoded query, itself in a path: RFC 3986). */
static size_t percent_decode(const char *s, size_t n, char *dst, size_t cap, bool plus_is_space)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return SIZE_MAX - 1; /* "%" or "%4" at the end */
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return SIZE_MAX - 1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (out == cap)
            return SIZE_MAX;
        dst[out++] = c;
    }
    return out;
}

size_t rs_url_decode(const char *s, size_t n, char *dst, size_t cap)
{
    return percent_decode(s, n, dst, cap, true);
}

size_t rs_path_decode(const char *s, size_t n, char *dst, size_t cap)
{
    return percent_decode(s, n, dst, cap, false);
}

size_t rs_header_text(char *dst, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '%') {
            dst[out++] = (char)c;
        } else {
            dst[out++] = '%';
            dst[out++] = hex[c >> 4];
            dst[out++] = hex[c & 15];
        }
    }
    return out;
}
