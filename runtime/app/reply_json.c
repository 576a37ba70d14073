/* reply_json.c — JSON replies: the body is written by generated
 * serializers into the reactor's scratch (json_scratch.h), then compressed
 * if negotiated, then framed like any other reply. */
#include "app/accept_encoding.h"
#include "app/json_scratch.h"
#include "app/reply.h"

rs_json *rs_reply_json_begin(rs_reply *r)
{
    rs_json *w = &r->reactor->json;
    w->p = w->base;
    w->failed = false;
    return w;
}

#define VARY "Vary: Accept-Encoding\r\n"
#define CE_GZIP "Content-Encoding: gzip\r\n"
#define CE_BR "Content-Encoding: br\r\n"

static int level_of(const rs_compress *cfg, rs_coding coding)
{
    for (unsigned i = 0; i < cfg->count; i++)
        if (cfg->offer[i].coding == coding)
            return cfg->offer[i].level;
    return -1;
}

void rs_reply_json_end(rs_reply *r, const char *head, size_t head_len, const rs_compress *cfg)
{
    rs_json *w = &r->reactor->json;
    if (w->failed) {
        rs_reply_error(r, 500);
        return;
    }
    const char *body = w->base;
    size_t len = (size_t)(w->p - w->base);
    if (!cfg) {
        rs_reply_text(r, head, head_len, body, len);
        return;
    }
    char extra[sizeof VARY + sizeof CE_GZIP];
    size_t extra_len = sizeof VARY - 1;
    memcpy(extra, VARY, extra_len);
    rs_coding coding = (rs_coding)r->coding;
    int level = coding > RS_CODING_IDENTITY ? level_of(cfg, coding) : -1;
    const char *packed;
    size_t packed_len;
    /* On a compression failure the identity body is still correct. */
    if (level >= 0 &&
        rs_compress_body(&r->reactor->compress, coding, level, body, len, &packed, &packed_len)) {
        const char *ce = coding == RS_CODING_GZIP ? CE_GZIP : CE_BR;
        size_t ce_len = coding == RS_CODING_GZIP ? sizeof CE_GZIP - 1 : sizeof CE_BR - 1;
        memcpy(extra + extra_len, ce, ce_len);
        extra_len += ce_len;
        body = packed;
        len = packed_len;
    }
    rs_reply_framed(r, head, head_len, extra, extra_len, body, len);
}
