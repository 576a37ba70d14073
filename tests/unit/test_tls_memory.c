/* test_tls_memory.c — what an idle TLS connection costs the server: every
 * byte OpenSSL allocates for the server side of 64 connections, counted
 * through CRYPTO_set_mem_functions after each has done a handshake and one
 * request and response, plus our own per-connection struct.  The goal
 * (issue 16) is at most 24 KiB per idle connection; without
 * SSL_MODE_RELEASE_BUFFERS an idle connection keeps its ~34 KiB of record
 * buffers and this fails (the "keep buffers" line shows what that costs). */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"
#include "tls_pair.h"

/* Each block carries its size and which side allocated it, so a free is
 * charged to the side that allocated, whoever triggers it. */
typedef struct block_header {
    size_t size;
    int side;
    int pad;
} block_header;

enum { CLIENT, SERVER };
static int current_side = CLIENT;
static long long live[2];

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    block_header *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    h->side = current_side;
    live[h->side] += (long long)n;
    return h + 1;
}

static void count_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    if (!p)
        return;
    block_header *h = (block_header *)p - 1;
    live[h->side] -= (long long)h->size;
    free(h);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    if (!p)
        return count_malloc(n, file, line);
    block_header *h = (block_header *)p - 1;
    size_t old = h->size;
    int side = h->side;
    block_header *moved = realloc(h, sizeof *moved + n);
    if (!moved)
        return NULL;
    moved->size = n;
    live[side] += (long long)n - (long long)old;
    return moved + 1;
}

static rs_chunk_pool pool;

static rs_tls_result server_step_handshake(tls_pair *p, void *arg)
{
    current_side = SERVER;
    rs_tls_result r = step_handshake(p, arg);
    current_side = CLIENT;
    return r;
}

static rs_tls_result server_step_read(tls_pair *p, void *arg)
{
    current_side = SERVER;
    rs_tls_result r = step_read(p, arg);
    current_side = CLIENT;
    return r;
}

#define CONNS 64

/* Bytes per idle server-side connection after a handshake and one exchange. */
static long long idle_bytes(rs_tls_ctx *ctx, bool keep_buffers)
{
    static tls_pair pairs[CONNS];
    static plain_sink sink;
    long long before = live[SERVER];
    for (int i = 0; i < CONNS; i++) {
        tls_pair *p = &pairs[i];
        tls_pair_open(p, ctx, &pool, NULL, 0, 0);
        rs_tls_conn_free(p->server); /* made again, counted as the server's */
        current_side = SERVER;
        p->server = rs_tls_conn_new(ctx, &p->out, &pool);
        if (keep_buffers)
            SSL_clear_mode(p->server->ssl, SSL_MODE_RELEASE_BUFFERS);
        current_side = CLIENT;
        bool done = false;
        for (int round = 0; round < 10 && !done; round++) {
            int c = SSL_do_handshake(p->client);
            tls_pair_to_server(p, server_step_handshake, NULL);
            tls_pair_to_client(p);
            done = c == 1 && rs_tls_handshake_done(p->server);
        }
        CHECK(done);
        SSL_write(p->client, "GET /json/1?m=1 HTTP/1.1\r\nHost: x\r\n\r\n", 37);
        sink.len = 0;
        tls_pair_to_server(p, server_step_read, &sink);
        CHECK_EQ_INT(sink.len, 37);
        static char body[3400];
        current_side = SERVER;
        CHECK_EQ_INT(rs_tls_write(p->server, body, sizeof body), RS_TLS_OK);
        current_side = CLIENT;
        tls_pair_to_client(p);
        char got[4096];
        CHECK_EQ_INT(client_read_all(p, got, sizeof got), sizeof body);
    }
    long long per_conn = (live[SERVER] - before) / CONNS + (long long)sizeof(rs_tls_conn);
    for (int i = 0; i < CONNS; i++)
        tls_pair_close(&pairs[i]);
    return per_conn;
}

int main(void)
{
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) {
        fprintf(stderr, "CRYPTO_set_mem_functions: too late\n");
        return 1;
    }
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    rs_tls_ctx *ctx = tls_pair_http1_ctx();
    long long kept = idle_bytes(ctx, true);
    long long released = idle_bytes(ctx, false);
    printf("tls_memory: idle TLS 1.3 connection, server side: %lld bytes (keep buffers: %lld)\n", released,
           kept);
    CHECK(released <= 24 * 1024);
    CHECK(released < kept);
    rs_tls_ctx_free(ctx);
    rs_chunk_pool_destroy(&pool);
    return tu_summary("tls_memory");
}
