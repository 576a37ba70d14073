/* json_writer.c — the out-of-line parts of the JSON writer (ringspec.h):
 * buffer growth and string escaping.  Integers and literals are inline. */
#include <stdlib.h>

#include "app/json_scratch.h"

/* Bytes that need escaping inside a JSON string (RFC 8259 §7): control
 * characters, '"' and '\\'.  0 = copy as is, 'u' = \u00XX, else the
 * character after the backslash. */
static const char escape_of[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r', [0x00] = 'u',  [0x01] = 'u',
    [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u', [0x07] = 'u',  [0x0b] = 'u',
    [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',  [0x14] = 'u',
    [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u',  [0x1b] = 'u',
    [0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

void rs_json_string(rs_json *w, const char *s, size_t n)
{
    /* Worst case every byte becomes \u00XX: reserve once, then write
     * without checks.  Runs of plain bytes are copied with memcpy. */
    if (n > (RS_JSON_MAX - 2) / 6 || !rs_json_room(w, 6 * n + 2)) {
        w->failed = true;
        return;
    }
    if (n == 0) { /* also spares memcpy a NULL s (an unset rs_str of a handler's shape) */
        memcpy(w->p, "\"\"", 2);
        w->p += 2;
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char *p = w->p;
    *p++ = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e = escape_of[c];
        if (!e)
            continue;
        memcpy(p, s + run, i - run);
        p += i - run;
        run = i + 1;
        *p++ = '\\';
        *p++ = e;
        if (e == 'u') {
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    memcpy(p, s + run, n - run);
    p += n - run;
    *p++ = '"';
    w->p = p;
}

bool rs_json_grow(rs_json *w, size_t n)
{
    if (w->failed)
        return false;
    size_t used = (size_t)(w->p - w->base);
    size_t cap = (size_t)(w->end - w->base);
    if (n > RS_JSON_MAX - used) {
        w->failed = true;
        return false;
    }
    size_t want = cap ? cap : RS_JSON_INITIAL;
    while (want < used + n)
        want *= 2;
    if (want > RS_JSON_MAX)
        want = RS_JSON_MAX;
    /* Safe to move: nothing outside this request points into the scratch. */
    char *grown = realloc(w->base, want);
    if (!grown) {
        w->failed = true;
        return false;
    }
    w->base = grown;
    w->p = grown + used;
    w->end = grown + want;
    return true;
}

void rs_json_scratch_free(rs_json *w)
{
    free(w->base);
    w->base = w->p = w->end = NULL;
}
