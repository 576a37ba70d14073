#include "template.h"

#include "ws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upload templates reach 20 MiB; keep well above that. */
#define MAX_RAW_BYTES (64u << 20)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && (size_t)n <= MAX_RAW_BYTES && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n);
            if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)n;
        }
    }
    fclose(f);
    if (!buf)
        fprintf(stderr, "loadgen: %s: empty, unreadable or larger than 64 MiB\n", path);
    return buf;
}

/* Lays depth copies of req end to end; takes ownership of req. */
static int set_request(struct template *t, char *req, size_t len, int depth)
{
    char *batch = malloc(len * (size_t)depth);
    if (!batch) {
        free(req);
        fprintf(stderr, "loadgen: out of memory for %d copies of a %zu-byte request\n", depth, len);
        return -1;
    }
    for (int i = 0; i < depth; i++)
        memcpy(batch + (size_t)i * len, req, len);
    free(req);
    t->batch = batch;
    t->len = len;
    return 0;
}

static int build_url(struct templates *ts, const struct config *cfg)
{
    struct template *t = &ts->t[ts->n++];
    snprintf(t->name, sizeof t->name, "%.255s", cfg->path); /* display only */
    size_t cap = strlen(cfg->path) + strlen(cfg->url_host) + 64;
    char *req = malloc(cap);
    if (!req)
        return -1;
    int n = snprintf(req, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", cfg->path, cfg->url_host);
    return set_request(t, req, (size_t)n, cfg->depth);
}

static int build_raw(struct templates *ts, const struct config *cfg)
{
    for (int i = 0; i < cfg->n_raw; i++) {
        struct template *t = &ts->t[ts->n++];
        t->file = cfg->raw_files[i];
        const char *slash = strrchr(t->file, '/');
        snprintf(t->name, sizeof t->name, "%.255s", slash ? slash + 1 : t->file);
        size_t len;
        char *req = read_file(t->file, &len);
        if (!req || set_request(t, req, len, cfg->depth))
            return -1;
    }
    return 0;
}

static int build_ws(struct templates *ts, const struct config *cfg)
{
    size_t plen = strlen(cfg->ws_payload);
    if (plen > 65535) {
        fprintf(stderr, "loadgen: --ws-payload longer than 65535 bytes\n");
        return -1;
    }
    struct template *t = &ts->t[ts->n++];
    snprintf(t->name, sizeof t->name, "%.255s", cfg->path); /* display only */
    char *frame = malloc(plen + 8);
    if (!frame)
        return -1;
    /* The same mask gcannon uses; masking is mandatory, randomness is
     * only a defence against proxies and buys nothing here. */
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    size_t flen = ws_build_text_frame(frame, cfg->ws_payload, plen, mask);
    if (set_request(t, frame, flen, cfg->depth))
        return -1;
    /* Echoes are always verified against the payload. */
    t->expect = cfg->ws_payload;
    t->expect_len = plen;
    return 0;
}

static int key_matches(const char *key, const struct template *t, const struct templates *ts)
{
    if (strcmp(key, "*") == 0 || strcmp(key, t->name) == 0)
        return 1;
    if (t->file && strcmp(key, t->file) == 0)
        return 1;
    return !t->file && !ts->ws && strcmp(key, "url") == 0;
}

int templates_build(struct templates *ts, const struct config *cfg)
{
    memset(ts, 0, sizeof *ts);
    ts->ws = cfg->ws;
    int rc = cfg->ws ? build_ws(ts, cfg) : cfg->n_raw ? build_raw(ts, cfg) : build_url(ts, cfg);
    if (rc)
        return -1;
    for (int e = 0; e < cfg->n_expects; e++) {
        const struct expect_arg *x = &cfg->expects[e];
        int hits = 0;
        for (int i = 0; i < ts->n; i++) {
            if (!key_matches(x->key, &ts->t[i], ts))
                continue;
            ts->t[i].expect = x->body;
            ts->t[i].expect_len = x->len;
            hits++;
        }
        if (!hits) {
            fprintf(stderr, "loadgen: --expect-body %s: no such template (have:", x->key);
            for (int i = 0; i < ts->n; i++)
                fprintf(stderr, " %s", ts->t[i].name);
            fprintf(stderr, ")\n");
            return -1;
        }
    }
    return 0;
}

void templates_free(struct templates *ts)
{
    for (int i = 0; i < ts->n; i++)
        free((void *)ts->t[i].batch);
    ts->n = 0;
}
