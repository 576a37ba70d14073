/* test_tls_budget.c — OpenSSL's memory charged to the worker budget
 * (runtime/tls/tls_budget.c): every block allocated while a budget is bound
 * is charged to it as RS_HELD_OPENSSL and given back when freed under the
 * same binding; blocks from an unbound thread, or freed under another
 * binding (another thread), never touch a budget they were not charged to;
 * real server-side connections charge their SSL objects and record buffers
 * and give back exactly what they took. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"
#include "tls/tls_budget.h"
#include "tls_pair.h"

static rs_budget worker_a, worker_b;

static uint64_t charged(const rs_budget *b)
{
    return b->by_kind[RS_HELD_OPENSSL];
}

static void test_blocks(void)
{
    rs_tls_budget_bind(&worker_a);
    char *p = OPENSSL_malloc(1000);
    CHECK(p != NULL);
    CHECK_EQ_INT((uintptr_t)p % _Alignof(max_align_t), 0);
    CHECK_EQ_INT(charged(&worker_a), 1000);
    CHECK_EQ_INT(worker_a.held, 1000);
    memset(p, 7, 1000);
    p = OPENSSL_realloc(p, 3000);
    CHECK_EQ_INT(charged(&worker_a), 3000);
    CHECK(p[999] == 7);
    p = OPENSSL_realloc(p, 10);
    CHECK_EQ_INT(charged(&worker_a), 10);
    OPENSSL_free(p);
    CHECK_EQ_INT(charged(&worker_a), 0);
    CHECK_EQ_INT(worker_a.held, 0);

    /* Allocated on an unbound thread (main: contexts, reloads): never charged,
     * and freeing it on a worker gives nothing back. */
    rs_tls_budget_bind(NULL);
    char *ctx_block = OPENSSL_malloc(500);
    rs_tls_budget_bind(&worker_a);
    OPENSSL_free(ctx_block);
    CHECK_EQ_INT(charged(&worker_a), 0);
    CHECK_EQ_INT(worker_a.held, 0);

    /* Charged by worker A, freed on worker B's thread: B's counters are not
     * touched (it was not charged), A's are not (not A's thread). */
    char *cross = OPENSSL_malloc(700);
    rs_tls_budget_bind(&worker_b);
    OPENSSL_free(cross);
    CHECK_EQ_INT(charged(&worker_a), 700);
    CHECK_EQ_INT(charged(&worker_b), 0);
    /* Reallocated on B: charged to B from then on, A keeps its old charge. */
    rs_tls_budget_bind(&worker_a);
    char *moved = OPENSSL_malloc(100);
    rs_tls_budget_bind(&worker_b);
    moved = OPENSSL_realloc(moved, 200);
    CHECK_EQ_INT(charged(&worker_a), 800);
    CHECK_EQ_INT(charged(&worker_b), 200);
    OPENSSL_free(moved);
    CHECK_EQ_INT(charged(&worker_b), 0);
    rs_budget_release(&worker_a, RS_HELD_OPENSSL, 800); /* what a process exit would leave behind */
    rs_tls_budget_bind(NULL);
}

/* The server side of each pair runs with worker A bound, the client side
 * (the test's OpenSSL client) with nothing bound. */
static rs_tls_result server_handshake(tls_pair *p, void *arg)
{
    rs_tls_budget_bind(&worker_a);
    rs_tls_result r = step_handshake(p, arg);
    rs_tls_budget_bind(NULL);
    return r;
}

static bool handshake(tls_pair *p)
{
    for (int round = 0; round < 20; round++) {
        int c = SSL_do_handshake(p->client);
        tls_pair_to_server(p, server_handshake, NULL);
        tls_pair_to_client(p);
        if (c == 1 && rs_tls_handshake_done(p->server))
            return true;
    }
    return false;
}

#define CONNS 16

/* Returns what stays charged after every connection is freed. */
static uint64_t test_connections(rs_tls_ctx *ctx, rs_chunk_pool *pool)
{
    static tls_pair pairs[CONNS];
    static char body[65536], got[65536];
    uint64_t base = charged(&worker_a);
    uint64_t after_handshakes = 0;
    for (int i = 0; i < CONNS; i++) {
        tls_pair *p = &pairs[i];
        tls_pair_open(p, ctx, pool, NULL, 0, 0);
        rs_tls_conn_free(p->server); /* made again with the budget bound */
        rs_tls_budget_bind(&worker_a);
        p->server = rs_tls_conn_new(ctx, &p->out, pool);
        rs_tls_budget_bind(NULL);
        CHECK(handshake(p));
    }
    after_handshakes = charged(&worker_a) - base;
    /* An SSL object after its handshake (records released): several KiB each. */
    CHECK(after_handshakes >= CONNS * 4096);
    printf("tls_budget: %llu bytes charged per connection after its handshake\n",
           (unsigned long long)(after_handshakes / CONNS));

    /* A 64 KiB response: OpenSSL's write buffer is charged while it exists. */
    rs_tls_budget_bind(&worker_a);
    worker_a.peak = worker_a.held; /* the most held from now on */
    uint64_t peak_before = worker_a.peak;
    CHECK_EQ_INT(rs_tls_write(pairs[0].server, body, sizeof body), RS_TLS_OK);
    rs_tls_budget_bind(NULL);
    CHECK(worker_a.peak >= peak_before + 16384); /* at least one record's buffer at once */
    tls_pair_to_client(&pairs[0]);
    CHECK_EQ_INT(client_read_all(&pairs[0], got, sizeof got), sizeof got);

    /* Freed on the worker: exactly what they took comes back. */
    for (int i = 0; i < CONNS; i++) {
        rs_tls_budget_bind(&worker_a);
        rs_tls_conn_free(pairs[i].server);
        rs_tls_budget_bind(NULL);
        pairs[i].server = NULL;
        tls_pair_close(&pairs[i]);
    }
    CHECK_EQ_INT(worker_a.held, charged(&worker_a));
    return charged(&worker_a) - base;
}

int main(void)
{
    if (!rs_tls_budget_install()) {
        fprintf(stderr, "rs_tls_budget_install: OpenSSL allocated before main\n");
        return 1;
    }
    rs_budget_init(&worker_a, 1 << 20);
    rs_budget_init(&worker_b, 1 << 20);
    test_blocks();
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    rs_tls_ctx *ctx = tls_pair_http1_ctx();
    /* A first connection made with the budget bound creates OpenSSL's
     * per-thread state (random generators, error queue), kept for the
     * thread's life: the exact balance is checked from there. */
    uint64_t thread_state = test_connections(ctx, &pool);
    printf("tls_budget: %llu bytes of per-thread state stay charged after the first connections\n",
           (unsigned long long)thread_state);
    CHECK(thread_state < 64 * 1024);
    CHECK_EQ_INT(test_connections(ctx, &pool), 0); /* then: exactly what they took comes back */
    rs_tls_ctx_free(ctx);
    rs_chunk_pool_destroy(&pool);
    return tu_summary("tls_budget");
}
