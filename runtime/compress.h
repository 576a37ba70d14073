/* compress.h — per-reactor response compression (gzip via zlib, br via
 * libbrotlienc).  State is created once per reactor and reused; output
 * goes to a per-reactor buffer that grows to the largest body seen. */
#ifndef RS_COMPRESS_H
#define RS_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "ringspec.h"

typedef struct rs_compressor {
    z_stream gz;
    bool gz_ready; /* deflateInit2 done */
    int gz_level;  /* level the stream is set to */
    char *out;
    size_t out_cap;
} rs_compressor;

/* Compresses in[0..n) with coding at level; *out points into the
 * compressor's buffer until the next call.  False on failure (the caller
 * falls back to identity). */
bool rs_compress_body(rs_compressor *c, rs_coding coding, int level, const char *in, size_t n,
                      const char **out, size_t *out_len);

void rs_compressor_destroy(rs_compressor *c);

#endif
