/* tls_tickets — what TLS 1.3 session tickets cost and save the server, to
 * decide runtime/tls/tls_context.c's RS_TLS_TICKETS (runtime/tls/README.md).
 *
 *   cc -O2 -D_GNU_SOURCE -Iruntime -Itests/unit -o /tmp/tls_tickets bench/tls_tickets.c \
 *      runtime/tls/tls_{bio,conn,context}.c runtime/core/outq.c -lssl -lcrypto && /tmp/tls_tickets
 *
 * In memory, one thread, the test certificate (RSA-2048, as the arena's):
 * for 0, 1 and 2 tickets, the server's CPU time and bytes sent per full
 * handshake, then the CPU time of a handshake resuming with a ticket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls_pair.h"

#define ROUNDS 200

static double server_cpu; /* seconds spent in server calls */

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rs_tls_result timed_handshake(tls_pair *p, void *arg)
{
    double t0 = now_cpu();
    rs_tls_result r = step_handshake(p, arg);
    server_cpu += now_cpu() - t0;
    return r;
}

static bool handshake(tls_pair *p)
{
    for (int round = 0; round < 10; round++) {
        int c = SSL_do_handshake(p->client);
        tls_pair_to_server(p, timed_handshake, NULL);
        tls_pair_to_client(p);
        if (c == 1 && rs_tls_handshake_done(p->server))
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    /* --tls12: the same with TLS 1.2 (tickets are then a single one, RFC 5077). */
    int version = argc > 1 && strcmp(argv[1], "--tls12") == 0 ? TLS1_2_VERSION : 0;
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    rs_tls_ctx *ctx = tls_pair_http1_ctx();
    for (unsigned tickets = 0; tickets <= 2; tickets++) {
        SSL_CTX_set_num_tickets(ctx->ssl_ctx, tickets);
        size_t bytes = 0;
        server_cpu = 0;
        SSL_SESSION *saved = NULL;
        for (int i = 0; i < ROUNDS; i++) {
            tls_pair p;
            tls_pair_open(&p, ctx, &pool, NULL, 0, version);
            if (!handshake(&p))
                return 1;
            bytes += p.server_out_len;
            char buf[16];
            size_t n;
            SSL_read_ex(p.client, buf, sizeof buf, &n); /* takes in the tickets */
            SSL_shutdown(p.client); /* a session dropped without close_notify is not resumable */
            if (!saved && tickets) {
                saved = SSL_get1_session(p.client);
            }
            tls_pair_close(&p);
        }
        printf("tickets=%u: full handshake %.0f us server CPU, %zu bytes sent\n", tickets,
               server_cpu / ROUNDS * 1e6, bytes / ROUNDS);
        if (!saved)
            continue;
        server_cpu = 0;
        int resumed = 0;
        for (int i = 0; i < ROUNDS; i++) {
            tls_pair p;
            tls_pair_open(&p, ctx, &pool, NULL, 0, version);
            SSL_set_session(p.client, saved);
            if (!handshake(&p))
                return 1;
            resumed += SSL_session_reused(p.server->ssl);
            SSL_shutdown(p.client);
            tls_pair_close(&p);
        }
        printf("tickets=%u: resumed handshake %.0f us server CPU (%d of %d resumed)\n", tickets,
               server_cpu / ROUNDS * 1e6, resumed, ROUNDS);
        SSL_SESSION_free(saved);
    }
    rs_tls_ctx_free(ctx);
    rs_chunk_pool_destroy(&pool);
    return 0;
}
