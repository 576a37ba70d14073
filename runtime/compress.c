/* compress.c — one-shot compression of a finished response body.
 *
 * gzip: one z_stream per reactor, deflateReset between bodies (no
 * re-allocation of its ~256 KiB of state); deflateParams only when a route
 * asks for another level than the last.
 *
 * br: libbrotlienc has no reset, so reusing an encoder instance is not
 * possible; BrotliEncoderCompress (one-shot) builds its state internally.
 * We give it the smallest window that covers the body (lgwin), which keeps
 * that state, and its cost, proportional to our small bodies. */
#include "compress.h"

#include <brotli/encode.h>
#include <stdlib.h>

static bool out_reserve(rs_compressor *c, size_t n)
{
    if (n <= c->out_cap)
        return true;
    size_t cap = c->out_cap ? c->out_cap : 16384;
    while (cap < n)
        cap *= 2;
    char *grown = realloc(c->out, cap);
    if (!grown)
        return false;
    c->out = grown;
    c->out_cap = cap;
    return true;
}

static bool gzip_body(rs_compressor *c, int level, const char *in, size_t n, size_t *out_len)
{
    if (!c->gz_ready) {
        /* windowBits 15 + 16: gzip wrapper; memLevel 8 is zlib's default. */
        if (deflateInit2(&c->gz, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return false;
        c->gz_ready = true;
        c->gz_level = level;
    } else {
        deflateReset(&c->gz);
        if (c->gz_level != level) {
            if (deflateParams(&c->gz, level, Z_DEFAULT_STRATEGY) != Z_OK)
                return false;
            c->gz_level = level;
        }
    }
    size_t bound = deflateBound(&c->gz, n);
    if (!out_reserve(c, bound) || n > UINT32_MAX || bound > UINT32_MAX)
        return false;
    c->gz.next_in = (Bytef *)(uintptr_t)in;
    c->gz.avail_in = (uInt)n;
    c->gz.next_out = (Bytef *)c->out;
    c->gz.avail_out = (uInt)bound;
    if (deflate(&c->gz, Z_FINISH) != Z_STREAM_END)
        return false;
    *out_len = bound - c->gz.avail_out;
    return true;
}

static bool brotli_body(rs_compressor *c, int quality, const char *in, size_t n, size_t *out_len)
{
    int lgwin = BROTLI_MIN_WINDOW_BITS;
    while (lgwin < BROTLI_MAX_WINDOW_BITS && ((size_t)1 << lgwin) - 16 < n)
        lgwin++;
    size_t bound = BrotliEncoderMaxCompressedSize(n);
    if (bound == 0 || !out_reserve(c, bound))
        return false;
    *out_len = bound;
    return BrotliEncoderCompress(quality, lgwin, BROTLI_MODE_TEXT, n, (const uint8_t *)in, out_len,
                                 (uint8_t *)c->out) == BROTLI_TRUE;
}

bool rs_compress_body(rs_compressor *c, rs_coding coding, int level, const char *in, size_t n,
                      const char **out, size_t *out_len)
{
    bool ok = coding == RS_CODING_GZIP ? gzip_body(c, level, in, n, out_len)
              : coding == RS_CODING_BR ? brotli_body(c, level, in, n, out_len)
                                       : false;
    *out = c->out;
    return ok;
}

void rs_compressor_destroy(rs_compressor *c)
{
    if (c->gz_ready)
        deflateEnd(&c->gz);
    c->gz_ready = false;
    free(c->out);
    c->out = NULL;
    c->out_cap = 0;
}
