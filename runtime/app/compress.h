/* compress.h — per-reactor response compression (gzip via libdeflate, br
 * via libbrotlienc).  State is created once per reactor and reused; output
 * goes to a per-reactor buffer that grows to the largest body seen. */
#ifndef RS_COMPRESS_H
#define RS_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "app/ringspec.h"

#define RS_GZIP_MAX_LEVEL 9

struct libdeflate_compressor;

typedef struct rs_compressor {
    /* One libdeflate compressor per gzip level in use, made on first use. */
    struct libdeflate_compressor *gz[RS_GZIP_MAX_LEVEL + 1];
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
