#include "report.h"

#include <errno.h>
#include <string.h>

void stats_merge(struct stats *dst, const struct stats *src)
{
    dst->responses += src->responses;
    for (int i = 0; i < 6; i++)
        dst->status[i] += src->status[i];
    dst->err_connect += src->err_connect;
    dst->err_read += src->err_read;
    dst->err_parse += src->err_parse;
    dst->err_timeout += src->err_timeout;
    dst->err_mismatch += src->err_mismatch;
    dst->err_handshake += src->err_handshake;
    dst->reconnects += src->reconnects;
    dst->ws_upgrades += src->ws_upgrades;
    dst->bytes_read += src->bytes_read;
    dst->resp_bytes += src->resp_bytes;
    for (int i = 0; i < MAX_TEMPLATES; i++) {
        dst->tmpl_ok[i] += src->tmpl_ok[i];
        dst->tmpl_bytes[i] += src->tmpl_bytes[i];
    }
    hist_merge(&dst->hist, &src->hist);
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

struct latency {
    double p50, p90, p99, p999, max, mean;
};

static struct latency latency_of(const struct hist *h)
{
    struct latency l = {
        .p50 = us(hist_quantile(h, 0.50)),
        .p90 = us(hist_quantile(h, 0.90)),
        .p99 = us(hist_quantile(h, 0.99)),
        .p999 = us(hist_quantile(h, 0.999)),
        .max = us(h->max),
        .mean = h->count ? us(h->sum / h->count) : 0,
    };
    return l;
}

/* "ok" is what gcannon and the arena score: 2xx responses (or echoes). */
static uint64_t ok_count(const struct report *r)
{
    return r->cfg->ws ? r->total->responses : r->total->status[2];
}

void report_human(FILE *out, const struct report *r)
{
    const struct config *cfg = r->cfg;
    const struct stats *s = r->total;
    struct latency l = latency_of(&s->hist);
    double d = r->duration_s;
    fprintf(out, "loadgen %s%s: %d connections, %d threads, depth %d, %.2f s\n",
            cfg->url ? cfg->url : "--raw", cfg->ws ? " (websocket echo)" : "", cfg->conns, cfg->threads,
            cfg->depth, d);
    fprintf(out, "  requests/sec  %.1f   (ok/sec %.1f)\n", (double)s->responses / d, (double)ok_count(r) / d);
    fprintf(out, "  responses     %llu   1xx=%llu 2xx=%llu 3xx=%llu 4xx=%llu 5xx=%llu other=%llu\n",
            (unsigned long long)s->responses, (unsigned long long)s->status[1],
            (unsigned long long)s->status[2], (unsigned long long)s->status[3],
            (unsigned long long)s->status[4], (unsigned long long)s->status[5],
            (unsigned long long)s->status[0]);
    if (cfg->ws)
        fprintf(out, "  ws upgrades   %llu\n", (unsigned long long)s->ws_upgrades);
    fprintf(out, "  errors        connect=%llu read=%llu parse=%llu timeout=%llu body_mismatch=%llu%s",
            (unsigned long long)s->err_connect, (unsigned long long)s->err_read,
            (unsigned long long)s->err_parse, (unsigned long long)s->err_timeout,
            (unsigned long long)s->err_mismatch, cfg->ws ? "" : "\n");
    if (cfg->ws)
        fprintf(out, " handshake=%llu\n", (unsigned long long)s->err_handshake);
    fprintf(out, "  reconnects    %llu   read %.1f MB/s   %.1f bytes/response (head + body)\n",
            (unsigned long long)s->reconnects, (double)s->bytes_read / d / 1e6,
            s->responses ? (double)s->resp_bytes / (double)s->responses : 0.0);
    fprintf(out, "  latency (us)  p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f mean=%.1f\n", l.p50, l.p90,
            l.p99, l.p999, l.max, l.mean);
    if (r->ts->n > 1) {
        fprintf(out, "  ok per template:");
        for (int i = 0; i < r->ts->n; i++)
            fprintf(out, " %s=%llu", r->ts->t[i].name, (unsigned long long)s->tmpl_ok[i]);
        fputc('\n', out);
    }
    fprintf(out, "  client cpu    user %.2f s, sys %.2f s\n", r->cpu_user_s, r->cpu_sys_s);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int report_json(const char *path, const struct report *r)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    const struct config *cfg = r->cfg;
    const struct stats *s = r->total;
    struct latency l = latency_of(&s->hist);
    double d = r->duration_s;
    fprintf(f, "{\n  \"mode\": \"%s\",\n  \"target\": ", cfg->ws ? "ws" : cfg->n_raw ? "raw" : "url");
    json_string(f, cfg->url ? cfg->url : cfg->url_host);
    fprintf(f,
            ",\n  \"requests_per_sec\": %.2f,\n  \"ok_per_sec\": %.2f,\n  \"responses\": %llu,\n"
            "  \"duration_s\": %.3f,\n",
            (double)s->responses / d, (double)ok_count(r) / d, (unsigned long long)s->responses, d);
    for (int i = 1; i <= 5; i++)
        fprintf(f, "  \"status_%dxx\": %llu,\n", i, (unsigned long long)s->status[i]);
    fprintf(f, "  \"status_other\": %llu,\n", (unsigned long long)s->status[0]);
    fprintf(f,
            "  \"errors\": {\"connect\": %llu, \"read\": %llu, \"parse\": %llu, \"timeout\": %llu, "
            "\"body_mismatch\": %llu, \"handshake\": %llu},\n",
            (unsigned long long)s->err_connect, (unsigned long long)s->err_read,
            (unsigned long long)s->err_parse, (unsigned long long)s->err_timeout,
            (unsigned long long)s->err_mismatch, (unsigned long long)s->err_handshake);
    fprintf(f,
            "  \"latency_us\": {\"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, \"p999\": %.2f, \"max\": %.2f, "
            "\"mean\": %.2f},\n",
            l.p50, l.p90, l.p99, l.p999, l.max, l.mean);
    fprintf(f,
            "  \"connections\": %d,\n  \"threads\": %d,\n  \"depth\": %d,\n  \"reqs_per_conn\": %llu,\n"
            "  \"reconnects\": %llu,\n  \"ws_upgrades\": %llu,\n  \"bytes_read\": %llu,\n"
            "  \"bytes_received\": %llu,\n  \"bytes_per_response\": %.2f,\n"
            "  \"client_cpu_s\": {\"user\": %.3f, \"sys\": %.3f},\n",
            cfg->conns, cfg->threads, cfg->depth, (unsigned long long)cfg->reqs_per_conn,
            (unsigned long long)s->reconnects, (unsigned long long)s->ws_upgrades,
            (unsigned long long)s->bytes_read, (unsigned long long)s->resp_bytes,
            s->responses ? (double)s->resp_bytes / (double)s->responses : 0.0, r->cpu_user_s, r->cpu_sys_s);
    fprintf(f, "  \"templates\": [");
    for (int i = 0; i < r->ts->n; i++) {
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        json_string(f, r->ts->t[i].name);
        fprintf(f, ", \"ok\": %llu, \"bytes\": %llu}", (unsigned long long)s->tmpl_ok[i],
                (unsigned long long)s->tmpl_bytes[i]);
    }
    fprintf(f, "]\n}\n");
    int bad = ferror(f);
    if (f != stdout && fclose(f))
        bad = 1;
    if (bad)
        fprintf(stderr, "loadgen: writing %s failed\n", path);
    return bad ? -1 : 0;
}
