/* outq.c — chunk pools and the output queue. */
#include "core/outq.h"

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
        c->home = pool;
    }
    c->next = NULL;
    c->ref = NULL;
    c->owner = NULL;
    c->len = 0;
    c->by_file = 0;
    pool->allocated++;
    if (pool->budget)
        rs_budget_charge(pool->budget, RS_HELD_OUTPUT, c->cap);
    return c;
}

static void chunk_put(rs_chunk *c)
{
    rs_chunk_pool *pool = c->home;
    pool->allocated--;
    if (pool->budget)
        rs_budget_release(pool->budget, RS_HELD_OUTPUT, c->cap);
    if (c->owner) {
        rs_shared_buf_unref(c->owner);
        c->owner = NULL;
    }
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

rs_chunk *rs_chunk_take(rs_chunk_pool *pool)
{
    return chunk_get(pool, pool->large.cap);
}

void rs_chunk_release(rs_chunk *c)
{
    chunk_put(c);
}

static void link_tail(rs_outq *q, rs_chunk *c)
{
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
}

char *rs_outq_reserve(rs_outq *q, rs_chunk_pool *pool, size_t n)
{
    if (q->tail && !q->tail->ref && q->tail->cap - q->tail->len >= n)
        return q->tail->data + q->tail->len;
    rs_chunk *c = chunk_get(pool, n);
    if (!c)
        return NULL;
    link_tail(q, c);
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
        /* A reference chunk is never written into (its cap is 0, its len not). */
        size_t room = q->tail && !q->tail->ref ? q->tail->cap - q->tail->len : 0;
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

int rs_outq_append_ref(rs_outq *q, rs_chunk_pool *ref_pool, rs_shared_buf *buf, size_t off, size_t n)
{
    if (n == 0)
        return 0;
    rs_chunk *c = chunk_get(ref_pool, 0);
    if (!c)
        return -1;
    rs_shared_buf_ref(buf);
    c->owner = buf;
    c->ref = buf->data + off;
    c->len = (uint32_t)n;
    c->cap = 0;
    c->by_file = buf->fd >= 0;
    link_tail(q, c);
    q->queued += (uint32_t)n;
    q->ref_queued += (uint32_t)n;
    if (c->by_file)
        q->file_queued += (uint32_t)n;
    return 0;
}

void rs_outq_push(rs_outq *q, rs_chunk *c)
{
    link_tail(q, c);
    q->queued += c->len;
}

int rs_outq_gather(const rs_outq *q, struct iovec *iov, int max, uint32_t *total, bool stop_at_file)
{
    int n = 0;
    uint32_t sum = 0;
    uint32_t off = q->head_off;
    for (const rs_chunk *c = q->head; c && n < max; c = c->next, off = 0) {
        if (c->len == off)
            continue;
        if (stop_at_file && c->by_file)
            break;
        iov[n].iov_base = (void *)(rs_chunk_bytes(c) + off);
        iov[n].iov_len = c->len - off;
        sum += c->len - off;
        n++;
    }
    *total = sum;
    return n;
}

void rs_outq_consume(rs_outq *q, rs_chunk_pool *pool, size_t n)
{
    (void)pool; /* chunks know their pool */
    q->queued -= (uint32_t)n;
    while (n > 0 && q->head) {
        size_t avail = q->head->len - q->head_off;
        if (n < avail) {
            if (q->head->ref)
                q->ref_queued -= (uint32_t)n;
            if (q->head->by_file)
                q->file_queued -= (uint32_t)n;
            q->head_off += (uint32_t)n;
            return;
        }
        n -= avail;
        rs_chunk *done = q->head;
        if (done->ref)
            q->ref_queued -= (uint32_t)avail;
        if (done->by_file)
            q->file_queued -= (uint32_t)avail;
        q->head = done->next;
        q->head_off = 0;
        if (!q->head)
            q->tail = NULL;
        chunk_put(done);
    }
    /* A fully drained queue keeps no chunk: no per-connection buffers at rest. */
    if (q->head && q->head == q->tail && q->head_off == q->head->len) {
        chunk_put(q->head);
        q->head = q->tail = NULL;
        q->head_off = 0;
    }
}

void rs_outq_clear(rs_outq *q, rs_chunk_pool *pool)
{
    (void)pool;
    while (q->head) {
        rs_chunk *c = q->head;
        q->head = c->next;
        chunk_put(c);
    }
    q->tail = NULL;
    q->head_off = q->queued = q->inflight = q->ref_queued = q->file_queued = 0;
}

int rs_outq_split(rs_outq *q, rs_chunk_pool *pool, uint32_t keep, rs_outq *tail)
{
    *tail = (rs_outq){0};
    if (keep >= q->queued)
        return 0;
    /* Find the chunk holding byte `keep` (counted from the unsent start). */
    rs_chunk *prev = NULL, *c = q->head;
    uint32_t at = 0, off = q->head_off;
    while (c && at + (c->len - off) <= keep) {
        at += c->len - off;
        prev = c;
        c = c->next;
        off = 0;
    }
    uint32_t cut = off + (keep - at); /* offset inside c where the tail starts */
    if (c && cut > 0) {
        /* The tail starts inside c: its part (unsent, past any in-flight
         * byte) goes to tail, copied, or for a reference chunk referenced
         * again (a static body is sealed by TLS a window at a time), then c
         * ends at the cut. */
        uint32_t moved = c->len - cut;
        if (c->ref) {
            size_t at_owner = (size_t)(c->ref - c->owner->data) + cut;
            if (rs_outq_append_ref(tail, c->home, c->owner, at_owner, moved) < 0) /* its own pool */
                return -1;
            q->ref_queued -= moved;
            if (c->by_file)
                q->file_queued -= moved;
        } else if (rs_outq_append(tail, pool, c->data + cut, moved) < 0) {
            return -1;
        }
        c->len = cut;
        q->queued -= moved;
        rs_chunk *next = c->next;
        if (c == q->head && c->len == q->head_off) {
            /* Nothing of it is left to send (and keep is 0, so none of it is
             * in flight): a queue never holds an exhausted head. */
            q->head = next;
            q->head_off = 0;
            if (!next)
                q->tail = NULL;
            chunk_put(c);
            prev = NULL;
        } else {
            prev = c;
        }
        c = next;
    }
    /* Whole chunks from c on move to tail. */
    for (rs_chunk *k = c; k; k = k->next) {
        uint32_t len = k->len - (k == q->head ? q->head_off : 0);
        q->queued -= len;
        if (k->ref)
            q->ref_queued -= len;
        if (k->by_file)
            q->file_queued -= len;
    }
    if (c) {
        rs_chunk *last = q->tail;
        if (prev)
            prev->next = NULL;
        else
            q->head = NULL, q->head_off = 0;
        q->tail = prev;
        rs_outq moved = {.head = c, .tail = last};
        for (rs_chunk *k = c; k; k = k->next) {
            moved.queued += k->len;
            moved.ref_queued += k->ref ? k->len : 0;
            moved.file_queued += k->by_file ? k->len : 0;
        }
        rs_outq_splice(tail, &moved);
    }
    return 0;
}

void rs_outq_splice(rs_outq *q, rs_outq *from)
{
    if (!from->head)
        return;
    /* from's head_off bytes are already sent: only a queue never sent from
     * is spliced (a side queue), so head_off is 0. */
    if (q->tail)
        q->tail->next = from->head;
    else
        q->head = from->head, q->head_off = from->head_off;
    q->tail = from->tail;
    q->queued += from->queued;
    q->ref_queued += from->ref_queued;
    q->file_queued += from->file_queued;
    *from = (rs_outq){0};
}
