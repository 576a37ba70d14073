/* tls_budget_cost — what charging OpenSSL's memory to the worker budget
 * (runtime/tls/tls_budget.c) costs the server, to decide whether it stays
 * on in every build (runtime/tls/README.md).
 *
 *   cc -O2 -D_GNU_SOURCE -Iruntime -Itests/unit -o /tmp/tls_budget_cost bench/tls_budget_cost.c \
 *      runtime/tls/tls_{bio,budget,conn,context}.c runtime/core/outq.c -lssl -lcrypto
 *   /tmp/tls_budget_cost plain; /tmp/tls_budget_cost budget
 *
 * In memory, one thread, the test certificate (RSA-2048, as the arena's).
 * "budget" installs the allocator wrappers and binds a budget around the
 * server's calls, as a worker does; "plain" uses OpenSSL's own allocator.
 * Printed: the server's CPU time per full handshake (handshakes/s of one
 * core), and its encrypt and decrypt throughput in 64 KiB writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls/tls_budget.h"
#include "tls_pair.h"

#define HANDSHAKES 300
#define WRITES 2000 /* of 64 KiB: 125 MiB each way */

static double server_cpu;
static rs_budget budget;
static bool charging;

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void enter(void)
{
    if (charging)
        rs_tls_budget_bind(&budget);
    server_cpu -= now_cpu();
}

static void leave(void)
{
    server_cpu += now_cpu();
    rs_tls_budget_bind(NULL);
}

static rs_tls_result timed_handshake(tls_pair *p, void *arg)
{
    enter();
    rs_tls_result r = step_handshake(p, arg);
    leave();
    return r;
}

static rs_tls_result timed_read(tls_pair *p, void *arg)
{
    (void)arg;
    static char plain[16384];
    rs_tls_result r;
    size_t n;
    enter();
    while ((r = rs_tls_read(p->server, plain, sizeof plain, &n)) == RS_TLS_OK)
        ;
    leave();
    return r;
}

static void open_pair(tls_pair *p, rs_tls_ctx *ctx, rs_chunk_pool *pool)
{
    tls_pair_open(p, ctx, pool, NULL, 0, 0);
    rs_tls_conn_free(p->server);
    enter();
    p->server = rs_tls_conn_new(ctx, &p->out, pool);
    leave();
    for (int round = 0; round < 20; round++) {
        int c = SSL_do_handshake(p->client);
        tls_pair_to_server(p, timed_handshake, NULL);
        tls_pair_to_client(p);
        if (c == 1 && rs_tls_handshake_done(p->server))
            return;
    }
    fprintf(stderr, "handshake failed\n");
    exit(1);
}

static void close_pair(tls_pair *p)
{
    enter();
    rs_tls_conn_free(p->server);
    leave();
    p->server = NULL;
    tls_pair_close(p);
}

int main(int argc, char **argv)
{
    charging = argc > 1 && !strcmp(argv[1], "budget");
    if (charging && !rs_tls_budget_install())
        return 1;
    rs_budget_init(&budget, 1ull << 40);
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    rs_tls_ctx *ctx = tls_pair_http1_ctx();
    static tls_pair p;

    server_cpu = 0;
    for (int i = 0; i < HANDSHAKES; i++) {
        open_pair(&p, ctx, &pool);
        close_pair(&p);
    }
    double per_handshake = server_cpu / HANDSHAKES;

    static char block[65536], sink[65536];
    open_pair(&p, ctx, &pool);
    server_cpu = 0;
    for (int i = 0; i < WRITES; i++) {
        enter();
        rs_tls_write(p.server, block, sizeof block);
        leave();
        tls_pair_to_client(&p);
        if (client_read_all(&p, sink, sizeof sink) != sizeof sink)
            return 1;
    }
    double encrypt = server_cpu;
    server_cpu = 0;
    for (int i = 0; i < WRITES; i++) {
        size_t n;
        SSL_write_ex(p.client, block, sizeof block, &n);
        tls_pair_to_server(&p, timed_read, NULL);
    }
    double decrypt = server_cpu;
    close_pair(&p);
    double mib = (double)WRITES * sizeof block / (1 << 20);
    printf("%-6s handshake %.0f us (%.0f/s)  encrypt %.0f MiB/s  decrypt %.0f MiB/s  charged now %llu B\n",
           charging ? "budget" : "plain", per_handshake * 1e6, 1 / per_handshake, mib / encrypt,
           mib / decrypt, (unsigned long long)budget.by_kind[RS_HELD_OPENSSL]);
    rs_tls_ctx_free(ctx);
    rs_chunk_pool_destroy(&pool);
    return 0;
}
