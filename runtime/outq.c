/* outq.c — chunk pool and output queue. */
#include "outq.h"

#include <stdlib.h>
#include <string.h>

void rs_chunk_pool_init(rs_chunk_pool *pool, uint32_t small_cap, uint32_t large_cap, uint32_t max_free_small,
                        uint32_t max_free_large)
{
    memset(pool, 0, sizeof *pool);
    pool->small = (rs_chunk_class){.cap = small_cap, .max_free = max_free_small};
    pool->large = (rs_chunk_class){.cap = large_cap, .max_free = max_free_large};
}

static void class_drain(rs_chunk_class *k)
{
    while (k->free) {
        rs_chunk *c = k->free;
        k->free = c->next;
        free(c);
    }
    k->free_count = 0;
}

void rs_chunk_pool_destroy(rs_chunk_pool *pool)
{
    class_drain(&pool->small);
    class_drain(&pool->large);
}

/* The class a chunk of `cap` data bytes belongs to, or NULL (exact size). */
static rs_chunk_class *class_of(rs_chunk_pool *pool, size_t cap)
{
    if (cap == pool->small.cap)
        return &pool->small;
    if (cap == pool->large.cap)
        return &pool->large;
    return NULL;
}

static rs_chunk *chunk_get(rs_chunk_pool *pool, size_t need)
{
    size_t cap = need <= pool->small.cap ? pool->small.cap : need <= pool->large.cap ? pool->large.cap : need;
    rs_chunk_class *k = class_of(pool, cap);
    rs_chunk *c;
    if (k && k->free) {
        c = k->free;
        k->free = c->next;
        k->free_count--;
    } else {
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = (uint32_t)cap;
    }
    c->next = NULL;
    c->len = 0;
    pool->allocated++;
    return c;
}

static void chunk_put(rs_chunk_pool *pool, rs_chunk *c)
{
    pool->allocated--;
    /* Exact-size chunks and the surplus beyond max_free go back to malloc
     * so a burst of large responses does not stay resident. */
    rs_chunk_class *k = class_of(pool, c->cap);
    if (!k || k->free_count >= k->max_free) {
        free(c);
        return;
    }
    c->next = k->free;
    k->free = c;
    k->free_count++;
}

char *rs_outq_reserve(rs_outq *q, rs_chunk_pool *pool, size_t n)
{
    if (q->tail && q->tail->cap - q->tail->len >= n)
        return q->tail->data + q->tail->len;
    rs_chunk *c = chunk_get(pool, n);
    if (!c)
        return NULL;
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    return c->data;
}

void rs_outq_commit(rs_outq *q, size_t n)
{
    q->tail->len += (uint32_t)n;
    q->queued += (uint32_t)n;
}

int rs_outq_append(rs_outq *q, rs_chunk_pool *pool, const void *src, size_t n)
{
    const char *p = src;
    while (n > 0) {
        size_t room = q->tail ? q->tail->cap - q->tail->len : 0;
        if (room == 0) {
            size_t want = n < pool->large.cap ? n : pool->large.cap;
            if (!rs_outq_reserve(q, pool, want))
                return -1;
            room = q->tail->cap - q->tail->len;
        }
        size_t take = n < room ? n : room;
        memcpy(q->tail->data + q->tail->len, p, take);
        rs_outq_commit(q, take);
        p += take;
        n -= take;
    }
    return 0;
}

void rs_outq_consume(rs_outq *q, rs_chunk_pool *pool, size_t n)
{
    q->queued -= (uint32_t)n;
    while (n > 0 && q->head) {
        size_t avail = q->head->len - q->head_off;
        if (n < avail) {
            q->head_off += (uint32_t)n;
            return;
        }
        n -= avail;
        rs_chunk *done = q->head;
        q->head = done->next;
        q->head_off = 0;
        if (!q->head)
            q->tail = NULL;
        chunk_put(pool, done);
    }
    /* A fully drained queue keeps no chunk: no per-connection buffers at rest. */
    if (q->head && q->head == q->tail && q->head_off == q->head->len) {
        chunk_put(pool, q->head);
        q->head = q->tail = NULL;
        q->head_off = 0;
    }
}

void rs_outq_clear(rs_outq *q, rs_chunk_pool *pool)
{
    while (q->head) {
        rs_chunk *c = q->head;
        q->head = c->next;
        chunk_put(pool, c);
    }
    q->tail = NULL;
    q->head_off = q->queued = q->inflight = 0;
}
