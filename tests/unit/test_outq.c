/* test_outq.c — the output queue's lifetime rules: bytes come out in order
 * across chunks, partial sends advance, appending never moves bytes that
 * an in-flight send covers, and a drained queue holds no chunk. */
#include <stdint.h>
#include <stdlib.h>

#include "core/outq.h"
#include "test_util.h"

/* Pops everything through peek/consume in sends of at most max_send bytes,
 * as the reactor would, and returns it as one string (caller frees). */
static char *drain(rs_outq *q, rs_chunk_pool *pool, size_t max_send)
{
    size_t cap = q->queued + 1, n = 0;
    char *all = malloc(cap);
    while (q->queued > 0) {
        uint32_t len;
        const char *p = rs_outq_peek(q, &len);
        if (len == 0)
            break;
        size_t sent = len < max_send ? len : max_send;
        memcpy(all + n, p, sent);
        n += sent;
        rs_outq_consume(q, pool, sent);
    }
    all[n] = '\0';
    return all;
}

static void test_order_across_chunks(void)
{
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 16, 48, 4, 2);
    rs_outq q = {0};
    char want[200];
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        char piece[12];
        int len = snprintf(piece, sizeof piece, "[%d]", i);
        CHECK(rs_outq_append(&q, &pool, piece, (size_t)len) == 0);
        memcpy(want + n, piece, (size_t)len);
        n += (size_t)len;
    }
    want[n] = '\0';
    CHECK_EQ_INT(q.queued, n);
    char *got = drain(&q, &pool, 5); /* partial sends of 5 bytes */
    CHECK_EQ_STR(got, want, "bytes out in order through partial sends");
    free(got);
    CHECK(q.head == NULL && q.tail == NULL && q.queued == 0);
    CHECK_EQ_INT(pool.allocated, 0);
    CHECK(pool.small.free_count <= 4 && pool.large.free_count <= 2); /* bounded caches */
    rs_chunk_pool_destroy(&pool);
}

static void test_append_does_not_move_inflight_bytes(void)
{
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 64, 128, 4, 2);
    rs_outq q = {0};
    rs_outq_append(&q, &pool, "first response;", 15);
    uint32_t len;
    const char *inflight = rs_outq_peek(&q, &len);
    char copy[16];
    memcpy(copy, inflight, len);
    /* While "sent", more output arrives, including a large piece that
     * spills into new chunks and an oversized reservation. */
    rs_outq_append(&q, &pool, "second;", 7);
    char big[300];
    memset(big, 'x', sizeof big);
    rs_outq_append(&q, &pool, big, sizeof big);
    char *wide = rs_outq_reserve(&q, &pool, 500);
    CHECK(wide != NULL);
    memset(wide, 'y', 500);
    rs_outq_commit(&q, 500);
    CHECK(memcmp(inflight, copy, len) == 0);   /* untouched */
    CHECK(rs_outq_peek(&q, &len) == inflight); /* same address */
    rs_outq_consume(&q, &pool, 15);
    CHECK_EQ_INT(q.queued, 7 + 300 + 500);
    rs_outq_clear(&q, &pool);
    CHECK_EQ_INT(pool.allocated, 0);
    CHECK(q.head == NULL && q.queued == 0);
    rs_chunk_pool_destroy(&pool);
}

static void test_reserve_is_contiguous(void)
{
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 32, 64, 2, 1);
    rs_outq q = {0};
    rs_outq_append(&q, &pool, "0123456789012345678901234567", 28); /* 4 bytes left */
    char *p = rs_outq_reserve(&q, &pool, 10);                      /* needs a new chunk */
    CHECK(p != NULL && q.head != q.tail);
    memcpy(p, "abcdefghij", 10);
    rs_outq_commit(&q, 10);
    char *got = drain(&q, &pool, 1000);
    CHECK_EQ_STR(got, "0123456789012345678901234567abcdefghij", "reserve after a nearly full chunk");
    free(got);
    rs_chunk_pool_destroy(&pool);
}

/* A reservation takes the smallest class that fits; beyond the large class
 * an exact-size chunk that is freed, not cached, once sent. */
static void test_size_classes(void)
{
    rs_chunk_pool pool;
    rs_chunk_pool_init(&pool, 32, 64, 2, 1);
    rs_outq q = {0};
    CHECK(rs_outq_reserve(&q, &pool, 10) != NULL);
    CHECK_EQ_INT(q.tail->cap, 32);
    rs_outq_commit(&q, 10);
    CHECK(rs_outq_reserve(&q, &pool, 40) != NULL);
    CHECK_EQ_INT(q.tail->cap, 64);
    rs_outq_commit(&q, 40);
    CHECK(rs_outq_reserve(&q, &pool, 100) != NULL);
    CHECK_EQ_INT(q.tail->cap, 100);
    rs_outq_commit(&q, 100);
    rs_outq_consume(&q, &pool, 150);
    CHECK(q.head == NULL && q.queued == 0);
    CHECK_EQ_INT(pool.small.free_count, 1);
    CHECK_EQ_INT(pool.large.free_count, 1);
    CHECK_EQ_INT(pool.allocated, 0);
    rs_chunk_pool_destroy(&pool);
}

/* Reference chunks: bytes come from the shared buffer in order with owned
 * ones, appends after a reference go to a new chunk (never into it), only
 * owned bytes count as owned, and the buffer reference is dropped once
 * sent. */
static void test_reference_chunks(void)
{
    rs_chunk_pool pool, refs;
    rs_chunk_pool_init(&pool, 32, 64, 2, 1);
    rs_chunk_pool_init(&refs, 0, 0, 4, 0);
    rs_shared_buf *buf = rs_shared_buf_new(10);
    memcpy(rs_shared_buf_fill(buf), "0123456789", 10);
    rs_outq q = {0};
    rs_outq_append(&q, &pool, "head:", 5);
    CHECK(rs_outq_append_ref(&q, &refs, buf, 2, 6) == 0);
    CHECK_EQ_INT(atomic_load(&buf->refs), 2);
    rs_outq_append(&q, &pool, ":tail", 5); /* must not write into the reference */
    CHECK_EQ_INT(q.queued, 16);
    CHECK_EQ_INT(rs_outq_owned(&q), 10);
    struct iovec iov[8];
    uint32_t total;
    CHECK_EQ_INT(rs_outq_gather(&q, iov, 8, &total, false), 3);
    CHECK_EQ_INT(total, 16);
    CHECK_EQ_INT(q.file_queued, 0); /* inline bytes: never by sendfile */
    char *got = drain(&q, &pool, 3);
    CHECK_EQ_STR(got, "head:234567:tail", "owned and referenced bytes in order");
    free(got);
    CHECK_EQ_INT(q.ref_queued, 0);
    CHECK_EQ_INT(atomic_load(&buf->refs), 1);
    CHECK_EQ_INT(pool.allocated + refs.allocated, 0);
    rs_shared_buf_unref(buf);
    rs_chunk_pool_destroy(&pool);
    rs_chunk_pool_destroy(&refs);
}

/* References into a memfd-backed buffer are by_file (counted in
 * file_queued, and a gather for sendmsg stops before them); references into
 * an inline buffer are copied as before.  Partial sends of a by_file chunk
 * and its release keep the counters exact. */
static void test_file_chunks(void)
{
    rs_chunk_pool pool, refs;
    rs_chunk_pool_init(&pool, 32, 64, 2, 1);
    rs_chunk_pool_init(&refs, 0, 0, 4, 0);
    static char mapped[8192];
    rs_shared_buf *buf = rs_shared_buf_in_memfd(mapped, 7, 4096, sizeof mapped);
    rs_shared_buf *heap = rs_shared_buf_new(64);
    CHECK(buf != NULL && heap != NULL);
    rs_outq q = {0};
    rs_outq_append(&q, &pool, "head", 4);
    CHECK(rs_outq_append_ref(&q, &refs, heap, 0, 16) == 0); /* inline: copied */
    rs_outq_append(&q, &pool, "mid", 3);
    CHECK(rs_outq_append_ref(&q, &refs, buf, 100, 4000) == 0);
    rs_outq_append(&q, &pool, "tail", 4);
    CHECK_EQ_INT(q.file_queued, 4000);
    CHECK_EQ_INT(q.ref_queued, 16 + 4000);
    struct iovec iov[8];
    uint32_t total;
    CHECK_EQ_INT(rs_outq_gather(&q, iov, 8, &total, true), 3);
    CHECK_EQ_INT(total, 4 + 16 + 3);
    CHECK_EQ_INT(rs_outq_gather(&q, iov, 8, &total, false), 5);
    rs_outq_consume(&q, &pool, 4 + 16 + 3); /* up to the file chunk */
    CHECK(q.head->by_file);
    rs_outq_consume(&q, &pool, 1000); /* a partial sendfile */
    CHECK_EQ_INT(q.file_queued, 3000);
    CHECK_EQ_INT(q.head_off, 1000);
    rs_outq_consume(&q, &pool, 3000);
    CHECK_EQ_INT(q.file_queued, 0);
    CHECK_EQ_INT(q.ref_queued, 0);
    CHECK(!q.head->by_file);
    CHECK_EQ_INT(atomic_load(&buf->refs), 1);
    rs_outq_clear(&q, &pool);
    CHECK_EQ_INT(pool.allocated + refs.allocated, 0);
    rs_shared_buf_unref(buf);
    rs_shared_buf_unref(heap);
    rs_chunk_pool_destroy(&pool);
    rs_chunk_pool_destroy(&refs);
}

/* A pool with a budget charges each chunk's data bytes while the chunk is
 * handed out (cached free chunks and references cost nothing), so the
 * worker's budget sees every owned byte queued (buffer_budget.h). */
static void test_budget_charged_while_held(void)
{
    rs_budget budget;
    rs_budget_init(&budget, 1000);
    rs_chunk_pool pool, refs;
    rs_chunk_pool_init(&pool, 32, 64, 2, 1);
    rs_chunk_pool_init(&refs, 0, 0, 4, 0);
    pool.budget = &budget;
    rs_outq q = {0};
    CHECK(rs_outq_append(&q, &pool, "0123456789", 10) == 0); /* one small chunk */
    CHECK_EQ_INT(budget.held, 32);
    CHECK_EQ_INT(budget.by_kind[RS_HELD_OUTPUT], 32);
    char big[100];
    memset(big, 'x', sizeof big);
    CHECK(rs_outq_append(&q, &pool, big, sizeof big) == 0); /* 22 in the small one, 64 + 14 after */
    CHECK_EQ_INT(budget.held, 32 + 64 + 32);
    rs_shared_buf *file = rs_shared_buf_new(50);
    memset(rs_shared_buf_fill(file), 'f', 50);
    CHECK(rs_outq_append_ref(&q, &refs, file, 0, 50) == 0);
    CHECK_EQ_INT(budget.held, 32 + 64 + 32); /* a reference owns nothing */
    CHECK(!rs_budget_spent(&budget));
    rs_outq_consume(&q, &pool, 40); /* the first chunk is done */
    CHECK_EQ_INT(budget.held, 64 + 32);
    rs_outq_clear(&q, &pool);
    CHECK_EQ_INT(budget.held, 0); /* cached chunks are not held for anyone */
    CHECK_EQ_INT(budget.peak, 32 + 64 + 32);
    CHECK(rs_budget_try_charge(&budget, RS_HELD_BODY, 1000));
    CHECK(rs_budget_spent(&budget) && !rs_budget_try_charge(&budget, RS_HELD_MESSAGE, 1));
    rs_budget_charge(&budget, RS_HELD_INPUT, 10); /* pausing kinds may pass it */
    CHECK(!rs_budget_try_charge(&budget, RS_HELD_MESSAGE, 0) && budget.held == 1010);
    rs_shared_buf_unref(file);
    rs_chunk_pool_destroy(&pool);
    rs_chunk_pool_destroy(&refs);
}

/* rs_outq_split / rs_outq_splice (the TLS stream layer: plaintext appended
 * behind encrypted bytes is taken out, encrypted, and the records put back):
 * every cut point, including inside a chunk and inside a partly sent head,
 * keeps both sides' bytes and counters exact. */
static void test_split_and_splice(void)
{
    char want[300];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (char)('A' + i % 26);
    for (uint32_t sent = 0; sent <= 40; sent += 20) {
        for (uint32_t keep = 0; keep + sent <= sizeof want; keep += 7) {
            rs_chunk_pool pool;
            rs_chunk_pool_init(&pool, 32, 64, 4, 2);
            rs_outq q = {0};
            CHECK(rs_outq_append(&q, &pool, want, sizeof want) == 0);
            rs_outq_consume(&q, &pool, sent); /* a send already took these */
            rs_outq tail;
            CHECK(rs_outq_split(&q, &pool, keep, &tail) == 0);
            CHECK_EQ_INT(q.queued, keep);
            CHECK_EQ_INT(tail.queued, sizeof want - sent - keep);
            char *kept = drain(&q, &pool, 1000);
            char *moved = drain(&tail, &pool, 1000);
            CHECK(memcmp(kept, want + sent, keep) == 0 && strlen(kept) == keep);
            CHECK(memcmp(moved, want + sent + keep, sizeof want - sent - keep) == 0);
            free(kept);
            free(moved);

            /* Split, then splice back: the same bytes in the same order. */
            CHECK(rs_outq_append(&q, &pool, want, sizeof want) == 0);
            CHECK(rs_outq_split(&q, &pool, keep, &tail) == 0);
            rs_outq_splice(&q, &tail);
            CHECK_EQ_INT(tail.queued, 0);
            CHECK(tail.head == NULL);
            char *all = drain(&q, &pool, 13);
            CHECK(memcmp(all, want, sizeof want) == 0 && strlen(all) == sizeof want);
            free(all);
            CHECK(q.head == NULL);
            rs_outq_clear(&q, &pool);
            rs_chunk_pool_destroy(&pool);
        }
    }
}

/* A cut inside a reference chunk (TLS seals a static body a window at a
 * time): the tail is a second reference to the same buffer, no byte is
 * copied, and every counter and the buffer's references stay exact. */
static void test_split_inside_a_reference(void)
{
    char want[100];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (char)('a' + i % 26);
    for (uint32_t sent = 0; sent <= 8; sent += 4) {
        for (uint32_t keep = 0; keep + sent <= 5 + 60 + 5; keep += 3) {
            rs_chunk_pool pool;
            rs_chunk_pool_init(&pool, 32, 64, 4, 2);
            rs_shared_buf *buf = rs_shared_buf_new(sizeof want);
            memcpy(rs_shared_buf_fill(buf), want, sizeof want);
            rs_outq q = {0};
            rs_outq_append(&q, &pool, "head:", 5);
            CHECK(rs_outq_append_ref(&q, &pool, buf, 20, 60) == 0);
            rs_outq_append(&q, &pool, ":tail", 5);
            char expect[71];
            memcpy(expect, "head:", 5);
            memcpy(expect + 5, want + 20, 60);
            memcpy(expect + 65, ":tail", 5);
            expect[70] = '\0';
            rs_outq_consume(&q, &pool, sent);
            rs_outq tail;
            CHECK(rs_outq_split(&q, &pool, keep, &tail) == 0);
            CHECK_EQ_INT(q.queued, keep);
            CHECK_EQ_INT(q.queued + tail.queued, 70 - sent);
            CHECK_EQ_INT(rs_outq_owned(&q) + rs_outq_owned(&tail), 10 - (sent < 5 ? sent : 5));
            CHECK_EQ_INT(q.ref_queued + tail.ref_queued, 60 - (sent > 5 ? sent - 5 : 0));
            rs_outq_splice(&q, &tail);
            char *all = drain(&q, &pool, 7);
            CHECK(strcmp(all, expect + sent) == 0);
            free(all);
            CHECK_EQ_INT(q.ref_queued, 0);
            CHECK_EQ_INT(atomic_load(&buf->refs), 1); /* every reference the split made was dropped */
            CHECK_EQ_INT(pool.allocated, 0);
            rs_shared_buf_unref(buf);
            rs_chunk_pool_destroy(&pool);
        }
    }
}

int main(void)
{
    test_split_and_splice();
    test_split_inside_a_reference();
    test_budget_charged_while_held();
    test_reference_chunks();
    test_file_chunks();
    test_size_classes();
    test_order_across_chunks();
    test_append_does_not_move_inflight_bytes();
    test_reserve_is_contiguous();
    return tu_summary("outq");
}
