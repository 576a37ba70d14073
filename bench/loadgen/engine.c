/* The event loop: one io_uring per worker thread. Submit everything
 * prepared, wait for completions, hand each to its connection (conn.c),
 * repeat until the shared deadline. A periodic tick reopens connections
 * waiting out a retry delay and times out unanswered requests. */
#include "conn.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 50000000ull /* timeouts and reconnect retries */

uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Every TICK_NS: reopen connections whose retry delay passed, and time out
 * requests (or connects/handshakes) left unanswered for --timeout. */
static void tick(struct loop *l)
{
    uint64_t limit = (uint64_t)(l->cfg->timeout_s * 1e9);
    for (int i = 0; i < l->w->nconns; i++) {
        struct conn *c = &l->conns[i];
        uint64_t oldest;
        switch (c->state) {
        case C_IDLE:
            if (l->now >= c->retry_at)
                conn_start(l, c);
            continue;
        case C_CONNECTING:
        case C_HANDSHAKE:
            oldest = c->since;
            break;
        case C_ACTIVE:
            if (c->inflight == 0)
                continue;
            oldest = c->ts[c->ts_head & l->ts_mask];
            break;
        default:
            continue;
        }
        if (l->now - oldest > limit) {
            if (l->counting)
                l->st->err_timeout++;
            conn_close(l, c, 0);
        }
    }
}

/* ---- setup and the loop ---- */

static unsigned pow2_at_least(unsigned v)
{
    unsigned p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static int ring_init(struct loop *l, unsigned nconns)
{
    unsigned sq = pow2_at_least(2 * nconns + 16);
    if (sq > 4096)
        sq = 4096;
    unsigned cq = pow2_at_least(3 * nconns + 16); /* connect/recv/send each */
    if (cq > 65536)
        cq = 65536;
    if (cq < 2 * sq)
        cq = 2 * sq;
    /* Only this thread submits, and completions are reaped only when we
     * wait: let the kernel skip IPIs and batch task work (6.1+). Fall back
     * for older kernels. */
    const unsigned flags[] = {
        IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_CQSIZE,
    };
    int rc = -EINVAL;
    for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        struct io_uring_params p = {.flags = flags[i], .cq_entries = cq};
        rc = io_uring_queue_init_params(sq, &l->ring, &p);
        if (rc != -EINVAL)
            break;
    }
    if (rc < 0)
        fprintf(stderr, "loadgen: io_uring_queue_init: %s\n", strerror(-rc));
    return rc;
}

static int loop_init(struct loop *l, struct worker *w)
{
    const struct config *cfg = w->cfg;
    memset(l, 0, sizeof *l);
    l->w = w;
    l->cfg = cfg;
    l->ts = w->ts;
    l->st = &w->stats;
    l->rng = (now_ns() ^ (0x9e3779b97f4a7c15ull * (uint64_t)(w->id + 1))) | 1;
    unsigned tsn = pow2_at_least((unsigned)cfg->depth);
    l->ts_mask = tsn - 1;
    size_t n = (size_t)w->nconns;
    l->conns = calloc(n, sizeof *l->conns);
    char *rbufs = malloc(n * cfg->bufsize);
    uint64_t *tss = malloc(n * tsn * sizeof *tss);
    char *wsreqs = cfg->ws ? malloc(n * WS_REQ_CAP) : NULL;
    if (!l->conns || !rbufs || !tss || (cfg->ws && !wsreqs)) {
        fprintf(stderr, "loadgen: out of memory for %zu connections\n", n);
        free(rbufs);
        free(tss);
        free(wsreqs);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct conn *c = &l->conns[i];
        c->fd = -1;
        c->state = C_IDLE;
        c->rbuf = rbufs + i * cfg->bufsize;
        c->ts = tss + i * tsn;
        c->ws_req = wsreqs ? wsreqs + i * WS_REQ_CAP : NULL;
        c->tmpl = (uint16_t)((size_t)(w->first_conn + (int)i) % (size_t)w->ts->n);
    }
    if (ring_init(l, (unsigned)n) < 0)
        return -1;
    return 0;
}

static void loop_free(struct loop *l, int ring_ok)
{
    /* Exiting the ring cancels and reaps every operation still in the
     * kernel; only then are the buffers they point into released. */
    if (ring_ok)
        io_uring_queue_exit(&l->ring);
    if (!l->conns)
        return;
    for (int i = 0; i < l->w->nconns; i++)
        if (l->conns[i].fd >= 0)
            close(l->conns[i].fd);
    free(l->conns[0].rbuf);
    free(l->conns[0].ts);
    free(l->conns[0].ws_req);
    free(l->conns);
}

/* The loop's clock: one absolute timeout operation, due at the next tick
 * or at the deadline. A timeout op (rather than a timeout on every wait)
 * arms one kernel timer per tick instead of one per wait; re-arming a timer
 * is a trapped MSR write in a VM. */
#define TIMER_DATA UINT64_MAX

static void arm_timer(struct loop *l, uint64_t at)
{
    l->timer_ts.tv_sec = (long long)(at / 1000000000ull);
    l->timer_ts.tv_nsec = (long long)(at % 1000000000ull);
    struct io_uring_sqe *sqe = get_sqe(l);
    io_uring_prep_timeout(sqe, &l->timer_ts, 0, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(sqe, TIMER_DATA);
}

static void run(struct loop *l)
{
    const struct run_clock *clk = l->w->clock;
    l->now = now_ns();
    for (int i = 0; i < l->w->nconns; i++)
        conn_start(l, &l->conns[i]);
    uint64_t next_tick = l->now + TICK_NS;
    arm_timer(l, next_tick < clk->end_ns ? next_tick : clk->end_ns);
    for (;;) {
        int rc = io_uring_submit_and_wait(&l->ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            fprintf(stderr, "loadgen: io_uring wait: %s\n", strerror(-rc));
            l->w->failed = 1;
            return;
        }
        l->now = now_ns();
        if (l->now >= clk->end_ns)
            return; /* hard stop: late completions are not counted */
        l->counting = l->now >= clk->measure_ns;

        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        int timer_fired = 0;
        io_uring_for_each_cqe(&l->ring, head, cqe)
        {
            if (cqe->user_data == TIMER_DATA)
                timer_fired = 1;
            else
                conn_handle_cqe(l, cqe);
            seen++;
        }
        io_uring_cq_advance(&l->ring, seen);

        if (l->now >= next_tick) {
            tick(l);
            next_tick = l->now + TICK_NS;
        }
        if (timer_fired)
            arm_timer(l, next_tick < clk->end_ns ? next_tick : clk->end_ns);
    }
}

void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct loop *l = calloc(1, sizeof *l);
    int ok = l && loop_init(l, w) == 0;
    if (!ok)
        w->failed = 1;
    /* Pass both barriers even on failure so main never deadlocks. */
    pthread_barrier_wait(&w->clock->ready);
    pthread_barrier_wait(&w->clock->go);
    if (ok)
        run(l);
    if (l)
        loop_free(l, ok);
    free(l);
    return NULL;
}
