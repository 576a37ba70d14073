#include "args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

void args_usage(FILE *out)
{
    fputs(
        "usage: loadgen URL | --raw FILE[,FILE...]  [-c CONNS] [-t THREADS] [-d SECONDS] [-p DEPTH]\n"
        "               [-r REQS_PER_CONN] [--host H --port P] [--expect-body FILE:BODY ...]\n"
        "               [--ws [--ws-payload TEXT]] [--json OUT.json] [--warmup S]\n"
        "\n"
        "  URL                 http://HOST[:PORT]/PATH (sends GET PATH) or ws://HOST[:PORT]/PATH with --ws\n"
        "  --raw F1,F2,...     send these raw request files byte-exact; connection i uses file i mod N,\n"
        "                      and moves to the next file each time it reconnects\n"
        "  -c CONNS            connections in total (default 64)\n"
        "  -t THREADS          threads, one io_uring event loop each (default 1)\n"
        "  -d SECONDS          measured duration, e.g. 5, 5s, 500ms (default 5)\n"
        "  -p DEPTH            requests in flight per connection, sent in one write (default 1)\n"
        "  -r N                close and reconnect after N responses (default: never)\n"
        "  --host H --port P   where to connect (default: from URL, else 127.0.0.1:8080)\n"
        "  --expect-body K:B   responses to template K (file path, basename, 'url' or '*') must have\n"
        "                      exactly body B; mismatches are counted\n"
        "  --ws                WebSocket echo: upgrade, then DEPTH masked text frames in flight\n"
        "  --ws-payload TEXT   frame payload (default \"hello\"); echoes are checked against it\n"
        "  --json FILE         also write the results as a JSON object to FILE\n"
        "  --warmup S          run S seconds before measuring (default 0)\n"
        "  --timeout S         a request unanswered for S seconds counts as a timeout and its\n"
        "                      connection is reopened (default 2)\n"
        "  --bufsize BYTES     receive buffer per connection (default 16384, 4096 above 4096 conns)\n"
        "  -q, --quiet         no human summary on stdout\n"
        "\n"
        "requests/sec counts every final response; ok/sec counts 2xx (or echoes), as the arena\n"
        "scores. Latency runs from the write that carried a request to its response.\n"
        "bytes_per_response (JSON) is head + body bytes of the counted responses over their count.\n"
        "\n"
        "Exit status: 0 when the run completed (whatever the status codes), 2 on usage errors,\n"
        "1 when the run could not start.\n",
        out);
}

/* "5", "5s", "2.5", "500ms" -> seconds. Negative on garbage. */
static double parse_seconds(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        return v;
    if (strcmp(end, "ms") == 0)
        return v / 1000.0;
    if (strcmp(end, "m") == 0)
        return v * 60.0;
    return -1;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* http://host[:port][/path] or ws://...; TLS schemes are refused. */
static int parse_url(struct config *cfg, const char *url)
{
    const char *p;
    int default_port;
    if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
        default_port = 80;
    } else if (strncmp(url, "ws://", 5) == 0) {
        p = url + 5;
        default_port = 80;
    } else {
        fprintf(stderr, "loadgen: URL must start with http:// or ws:// (no TLS): %s\n", url);
        return -1;
    }
    size_t auth_len = strcspn(p, "/?");
    if (auth_len == 0 || auth_len >= sizeof cfg->url_host) {
        fprintf(stderr, "loadgen: bad host in URL: %s\n", url);
        return -1;
    }
    memcpy(cfg->url_host, p, auth_len);
    cfg->url_host[auth_len] = '\0';

    const char *rest = p + auth_len;
    const char *fmt = *rest == '/' ? "%s" : "/%s";
    if ((size_t)snprintf(cfg->path, sizeof cfg->path, fmt, rest) >= sizeof cfg->path) {
        fprintf(stderr, "loadgen: URL path too long\n");
        return -1;
    }

    /* Split host and port; an IPv6 literal is bracketed. */
    const char *h = cfg->url_host, *colon;
    size_t hlen;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close)
            return fprintf(stderr, "loadgen: bad IPv6 literal in URL\n"), -1;
        hlen = (size_t)(close - h - 1);
        h++;
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strrchr(h, ':');
        hlen = colon ? (size_t)(colon - h) : strlen(h);
    }
    memcpy(cfg->host, h, hlen);
    cfg->host[hlen] = '\0';
    long port = default_port;
    if (colon && parse_int(colon + 1, 1, 65535, &port)) {
        fprintf(stderr, "loadgen: bad port in URL: %s\n", url);
        return -1;
    }
    cfg->port = (int)port;
    return 0;
}

static int resolve(struct config *cfg)
{
    const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    char port[16];
    snprintf(port, sizeof port, "%d", cfg->port);
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        fprintf(stderr, "loadgen: cannot resolve %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
    cfg->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int add_raw_files(struct config *cfg, char *list)
{
    for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (cfg->n_raw == MAX_TEMPLATES) {
            fprintf(stderr, "loadgen: at most %d raw templates\n", MAX_TEMPLATES);
            return -1;
        }
        cfg->raw_files[cfg->n_raw++] = f;
    }
    return 0;
}

static int add_expect(struct config *cfg, char *arg)
{
    char *colon = strchr(arg, ':');
    if (!colon || colon == arg) {
        fprintf(stderr, "loadgen: --expect-body wants TEMPLATE:BODY, got '%s'\n", arg);
        return -1;
    }
    if (cfg->n_expects == MAX_EXPECTS) {
        fprintf(stderr, "loadgen: too many --expect-body\n");
        return -1;
    }
    *colon = '\0';
    struct expect_arg *e = &cfg->expects[cfg->n_expects++];
    e->key = arg;
    e->body = colon + 1;
    e->len = strlen(e->body);
    return 0;
}

enum {
    OPT_RAW = 256,
    OPT_HOST,
    OPT_PORT,
    OPT_EXPECT,
    OPT_WS,
    OPT_WS_PAYLOAD,
    OPT_JSON,
    OPT_WARMUP,
    OPT_TIMEOUT,
    OPT_BUFSIZE,
};

int args_parse(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"raw", required_argument, 0, OPT_RAW},
        {"host", required_argument, 0, OPT_HOST},
        {"port", required_argument, 0, OPT_PORT},
        {"expect-body", required_argument, 0, OPT_EXPECT},
        {"ws", no_argument, 0, OPT_WS},
        {"ws-payload", required_argument, 0, OPT_WS_PAYLOAD},
        {"json", required_argument, 0, OPT_JSON},
        {"warmup", required_argument, 0, OPT_WARMUP},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"bufsize", required_argument, 0, OPT_BUFSIZE},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(cfg, 0, sizeof *cfg);
    cfg->conns = 64;
    cfg->threads = 1;
    cfg->depth = 1;
    cfg->duration_s = 5;
    cfg->timeout_s = 2;
    cfg->ws_payload = "hello";
    const char *host_opt = NULL;
    long port_opt = 0, v;
    int opt, li = -1;

    while ((opt = getopt_long(argc, argv, "c:t:d:p:r:qh", opts, &li)) != -1) {
        switch (opt) {
        case 'c':
            if (parse_int(optarg, 1, 1000000, &v))
                goto bad_value;
            cfg->conns = (int)v;
            break;
        case 't':
            if (parse_int(optarg, 1, 1024, &v))
                goto bad_value;
            cfg->threads = (int)v;
            break;
        case 'p':
            /* The ring of send timestamps is sized by depth; keep it sane. */
            if (parse_int(optarg, 1, 4096, &v))
                goto bad_value;
            cfg->depth = (int)v;
            break;
        case 'r':
            if (parse_int(optarg, 0, 1L << 40, &v))
                goto bad_value;
            cfg->reqs_per_conn = (uint64_t)v;
            break;
        case 'd':
            if ((cfg->duration_s = parse_seconds(optarg)) <= 0)
                goto bad_value;
            break;
        case OPT_WARMUP:
            if ((cfg->warmup_s = parse_seconds(optarg)) < 0)
                goto bad_value;
            break;
        case OPT_TIMEOUT:
            if ((cfg->timeout_s = parse_seconds(optarg)) <= 0)
                goto bad_value;
            break;
        case OPT_RAW:
            if (add_raw_files(cfg, optarg))
                return -1;
            break;
        case OPT_HOST:
            host_opt = optarg;
            break;
        case OPT_PORT:
            if (parse_int(optarg, 1, 65535, &port_opt))
                goto bad_value;
            break;
        case OPT_EXPECT:
            if (add_expect(cfg, optarg))
                return -1;
            break;
        case OPT_WS:
            cfg->ws = 1;
            break;
        case OPT_WS_PAYLOAD:
            cfg->ws_payload = optarg;
            break;
        case OPT_JSON:
            cfg->json_out = optarg;
            break;
        case OPT_BUFSIZE:
            if (parse_int(optarg, 1024, 16 << 20, &v))
                goto bad_value;
            cfg->bufsize = (size_t)v;
            break;
        case 'q':
            cfg->quiet = 1;
            break;
        case 'h':
            args_usage(stdout);
            return 1;
        default:
            args_usage(stderr);
            return -1;
        }
    }

    if (optind < argc)
        cfg->url = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "loadgen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!cfg->url && cfg->n_raw == 0) {
        fprintf(stderr, "loadgen: give a URL or --raw files\n");
        args_usage(stderr);
        return -1;
    }
    if (cfg->ws && cfg->n_raw) {
        fprintf(stderr, "loadgen: --ws takes a ws:// URL, not --raw\n");
        return -1;
    }
    if (cfg->url && parse_url(cfg, cfg->url))
        return -1;
    if (!cfg->url) {
        strcpy(cfg->host, "127.0.0.1");
        cfg->port = 8080;
    }
    if (host_opt) {
        if (strlen(host_opt) >= sizeof cfg->host) {
            fprintf(stderr, "loadgen: --host too long\n");
            return -1;
        }
        strcpy(cfg->host, host_opt);
    }
    if (port_opt)
        cfg->port = (int)port_opt;
    if (!cfg->url) /* Host header for generated requests; IPv6 literals are bracketed */
        snprintf(cfg->url_host, sizeof cfg->url_host, strchr(cfg->host, ':') ? "[%.200s]:%d" : "%.200s:%d",
                 cfg->host, cfg->port);
    if (cfg->threads > cfg->conns)
        cfg->threads = cfg->conns;
    if (cfg->bufsize == 0)
        cfg->bufsize = cfg->conns > 4096 ? 4096 : 16384;
    if (resolve(cfg))
        return -1;
    return 0;

bad_value:
    if (opt < 256)
        fprintf(stderr, "loadgen: bad value for -%c: '%s'\n", opt, optarg);
    else
        fprintf(stderr, "loadgen: bad value for --%s: '%s'\n", opts[li].name, optarg);
    return -1;
}
