/* db_connect.c — the connection parameters of the Postgres pool (see
 * db_connect.h).  Runs on the main thread before any worker starts. */
#include "db/db_connect.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/ringspec.h"
#include "core/log.h"

/* Never more than this many connections per process, whatever the cap says:
 * the arena's Postgres has max_connections = 256 and needs some for itself. */
#define RS_DB_PROCESS_MAX 240

static rs_db_target target;
static const char *keywords[8];
static const char *values[8];
static char options[160];
static char hostaddr[INET6_ADDRSTRLEN];

static uint32_t cap_from_env(const rs_db_config *cfg)
{
    const char *s = cfg->max_conn_env ? getenv(cfg->max_conn_env) : NULL;
    if (s && *s) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 1u << 20)
            return (uint32_t)v;
        rs_log("database: %s=%s is not a connection count; using %u", cfg->max_conn_env, s, cfg->max_conn);
    }
    return cfg->max_conn;
}

/* The host of the connection string, resolved now: a numeric address or a
 * socket directory needs nothing; a name becomes hostaddr (host stays, for
 * TLS and the password file).  Empty when nothing is to be passed. */
static void resolve_host(const char *url)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    if (!opts) {
        rs_log("database: cannot parse the connection string: %s", err ? err : "out of memory");
        PQfreemem(err);
        return;
    }
    const char *host = NULL, *given_addr = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!strcmp(o->keyword, "host") && o->val && *o->val)
            host = o->val;
        if (!strcmp(o->keyword, "hostaddr") && o->val && *o->val)
            given_addr = o->val;
    }
    if (host && !given_addr && host[0] != '/' && !strchr(host, ',')) {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
        int rc = getaddrinfo(host, NULL, &hints, &res);
        if (rc == 0 && res) {
            const void *addr = res->ai_family == AF_INET6
                                   ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                                   : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
            inet_ntop(res->ai_family, addr, hostaddr, sizeof hostaddr);
        } else {
            rs_log("database: cannot resolve %s (%s); libpq will try at each connect", host,
                   gai_strerror(rc));
        }
        if (res)
            freeaddrinfo(res);
    }
    PQconninfoFree(opts);
}

void rs_db_target_init(uint32_t workers)
{
    const rs_db_config *cfg = rs_db_spec;
    if (!cfg)
        return;
    const char *url = getenv(cfg->url_env);
    if (!url || !*url) {
        rs_log("database: %s is not set; routes that run statements answer their failure reply",
               cfg->url_env);
        return;
    }
    uint32_t cap = cap_from_env(cfg);
    if (cap > RS_DB_PROCESS_MAX)
        cap = RS_DB_PROCESS_MAX;
    target.per_worker = workers ? cap / workers : cap;
    if (target.per_worker == 0)
        target.per_worker = 1;
    resolve_host(url);
    snprintf(options, sizeof options, "-c statement_timeout=%u%s", cfg->statement_timeout_ms,
             cfg->generic_plans ? " -c plan_cache_mode=force_generic_plan" : "");
    size_t n = 0;
    keywords[n] = "dbname"; /* expanded: a URI or key=value string */
    values[n++] = url;
    keywords[n] = "options";
    values[n++] = options;
    keywords[n] = "application_name";
    values[n++] = "ringspec";
    if (hostaddr[0]) {
        keywords[n] = "hostaddr";
        values[n++] = hostaddr;
    }
    keywords[n] = NULL;
    values[n] = NULL;
    target.keywords = keywords;
    target.values = values;
    target.enabled = true;
    rs_log("database: %u connection(s) per worker (cap %u), pipeline depth %u%s%s", target.per_worker, cap,
           cfg->pipeline_depth, hostaddr[0] ? ", host resolved to " : "", hostaddr);
}

const rs_db_target *rs_db_target_get(void)
{
    return &target;
}

PGconn *rs_db_connect_start(void)
{
    return PQconnectStartParams(target.keywords, target.values, 1);
}
