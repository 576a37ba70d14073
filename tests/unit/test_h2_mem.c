/* test_h2_mem.c — the HTTP/2 allocator (runtime/h2/h2_mem.c): blocks from
 * the per-worker free lists keep their contents across realloc, every byte
 * held is charged to the worker's budget and given back on free, a block
 * past the budget is refused, freed small blocks are reused (the point of
 * the lists), large ones are not cached, and a worker thread's cached
 * blocks are handed back when it exits (LeakSanitizer checks that). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2/h2_internal.h"
#include "test_util.h"

static rs_reactor reactor;

static uint64_t held(void)
{
    return reactor.budget.by_kind[RS_HELD_H2];
}

static void test_charge_and_release(void)
{
    rs_budget_init(&reactor.budget, 1u << 20);
    char *a = rs_h2_alloc(&reactor, 10);
    CHECK(a != NULL);
    CHECK(held() >= 10);
    CHECK_EQ_INT((long long)held(), (long long)reactor.budget.held);
    char *b = rs_h2_alloc(&reactor, 100000); /* past the classes: malloc */
    CHECK(b != NULL);
    CHECK(held() >= 100010);
    rs_h2_free(&reactor, a);
    rs_h2_free(&reactor, b);
    CHECK_EQ_INT((long long)held(), 0);
    rs_h2_free(&reactor, NULL);
    CHECK_EQ_INT((long long)held(), 0);
}

static void test_refused_past_the_budget(void)
{
    rs_budget_init(&reactor.budget, 8192);
    void *a = rs_h2_alloc(&reactor, 3000);
    CHECK(a != NULL);
    CHECK(rs_h2_alloc(&reactor, 3000) == NULL); /* nothing taken when it does not fit */
    CHECK(rs_h2_realloc(&reactor, a, 8000) == NULL);
    rs_h2_free(&reactor, a);
    CHECK_EQ_INT((long long)held(), 0);
}

static void test_realloc_keeps_contents_across_classes(void)
{
    rs_budget_init(&reactor.budget, 1u << 24);
    unsigned char *p = rs_h2_alloc(&reactor, 1);
    size_t len = 1;
    p[0] = 0;
    /* Grow through every class and past them, then shrink back. */
    static const size_t sizes[] = {40, 64, 65, 200, 1000, 3000, 4096, 4097, 70000, 5000, 100, 3};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        p = rs_h2_realloc(&reactor, p, n);
        CHECK(p != NULL);
        size_t keep = len < n ? len : n;
        int same = 1;
        for (size_t j = 0; j < keep; j++)
            same &= p[j] == (unsigned char)(j * 7);
        CHECK(same);
        for (size_t j = 0; j < n; j++)
            p[j] = (unsigned char)(j * 7);
        len = n;
        CHECK(held() >= n);
    }
    rs_h2_free(&reactor, p);
    CHECK_EQ_INT((long long)held(), 0);
}

static void test_small_blocks_are_reused(void)
{
    rs_budget_init(&reactor.budget, 1u << 20);
    void *a = rs_h2_alloc(&reactor, 100);
    rs_h2_free(&reactor, a);
    void *b = rs_h2_alloc(&reactor, 120); /* the same class (128) */
    CHECK(a == b);
    rs_h2_free(&reactor, b);
    CHECK_EQ_INT((long long)held(), 0);
}

static void *worker(void *arg)
{
    (void)arg;
    void *blocks[64];
    for (int i = 0; i < 64; i++)
        blocks[i] = rs_h2_alloc(&reactor, (size_t)(16 << (i % 8)));
    for (int i = 0; i < 64; i++)
        rs_h2_free(&reactor, blocks[i]);
    return NULL; /* the cached blocks are freed by the thread's exit */
}

static void test_thread_exit_frees_the_cache(void)
{
    rs_budget_init(&reactor.budget, 1u << 24);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    pthread_join(t, NULL);
    CHECK_EQ_INT((long long)held(), 0);
}

int main(void)
{
    test_charge_and_release();
    test_refused_past_the_budget();
    test_realloc_keeps_contents_across_classes();
    test_small_blocks_are_reused();
    test_thread_exit_frees_the_cache();
    rs_h2_mem_trim(); /* this thread's cache, for LeakSanitizer */
    return tu_summary("h2_mem");
}
