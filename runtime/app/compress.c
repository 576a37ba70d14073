/* compress.c — one-shot compression of a finished response body.
 *
 * gzip: libdeflate, whole-buffer, which is what we have (a finished body).
 * Measured against zlib at level 1 on the arena's /json/25, 40 and 50
 * bodies (bench/gzip_bench.c): 1.57x faster and 8% smaller.  Its
 * compressor state is allocated once per level per reactor and reused.
 *
 * br: libbrotlienc has no reset, so reusing an encoder instance is not
 * possible; BrotliEncoderCompress (one-shot) builds its state internally.
 * We give it the smallest window that covers the body (lgwin), which keeps
 * that state, and its cost, proportional to our small bodies. */
#include "app/compress.h"

#include <brotli/encode.h>
#include <libdeflate.h>
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
    if (level < 0 || level > RS_GZIP_MAX_LEVEL)
        return false;
    if (!c->gz[level] && !(c->gz[level] = libdeflate_alloc_compressor(level)))
        return false;
    size_t bound = libdeflate_gzip_compress_bound(c->gz[level], n);
    if (!out_reserve(c, bound))
        return false;
    *out_len = libdeflate_gzip_compress(c->gz[level], in, n, c->out, bound);
    return *out_len != 0;
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
    for (int level = 0; level <= RS_GZIP_MAX_LEVEL; level++) {
        libdeflate_free_compressor(c->gz[level]);
        c->gz[level] = NULL;
    }
    free(c->out);
    c->out = NULL;
    c->out_cap = 0;
}
