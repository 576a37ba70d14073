/* static_path.c — from a request path to a relative file name that cannot
 * leave the served directory.
 *
 * Decoding happens once, here, and the checks run on decoded segments, so
 * "%2e%2e" is as much a ".." as ".." is.  Encoded '/' and '\\' are refused
 * outright rather than decoded: they would let one segment act as two.
 * The file system adds a second line of defence (openat2 RESOLVE_BENEATH
 * in none mode, a table of loaded names in memory mode). */
#include <stdbool.h>

#include "static/static.h"

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A finished segment dst[start, end): names no file we serve when empty
 * ("//", a trailing '/'), a dot segment or hidden (".git", ".env"). */
static bool segment_ok(const char *dst, size_t start, size_t end)
{
    return end > start && dst[start] != '.';
}

unsigned rs_static_decode_path(const char *src, size_t n, char *dst, size_t *out_len)
{
    size_t o = 0, seg = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch == '%') {
            int hi = i + 2 < n ? hex(src[i + 1]) : -1;
            int lo = i + 2 < n ? hex(src[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 400;
            ch = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (ch == '/' || ch == '\\')
                return 400; /* an encoded separator */
        } else if (ch == '/') {
            if (!segment_ok(dst, seg, o))
                return 404;
            if (o >= RS_STATIC_MAX_PATH)
                return 404;
            dst[o++] = '/';
            seg = o;
            continue;
        }
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            return 400; /* NUL, control bytes, Windows separators */
        if (o >= RS_STATIC_MAX_PATH)
            return 404;
        dst[o++] = (char)ch;
    }
    if (!segment_ok(dst, seg, o))
        return 404; /* empty, a directory ("dir/"), or ends in a dot segment */
    dst[o] = '\0';
    *out_len = o;
    return 0;
}
