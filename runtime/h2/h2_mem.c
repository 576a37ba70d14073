/* h2_mem.c — the memory of HTTP/2 sessions and streams (nghttp2_mem and
 * the streams' own buffers), every byte charged to the worker's budget.
 *
 * nghttp2 allocates and frees several small objects per stream (the
 * stream, its frames, queued items, header buffers): through malloc that
 * was ~2,300 instructions per request (callgrind, BENCHMARKS.md h2c).
 * Small blocks are therefore taken from per-worker free lists, one per
 * size class; a block is charged at its class size while it is held and
 * released to the budget when it returns to the list, as before.  What the
 * lists keep is bounded per worker (CACHE_BYTES per class, uncharged: it is
 * held by no connection) and given back to malloc when the worker's thread
 * exits.  Larger blocks go to malloc directly. */
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer_budget.h"
#include "h2/h2_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* In front of every block: the size asked for, so free and realloc know
 * the class and the charge.  Keeps the payload aligned as malloc's. */
typedef struct block_head {
    alignas(max_align_t) size_t size;
} block_head;

/* Payload sizes of the classes: 64 B .. 4 KiB, powers of two. */
#define CLASS_MIN_SHIFT 6
#define CLASSES 7
#define CACHE_BYTES (64 * 1024) /* kept per class per worker */

typedef struct free_block {
    struct free_block *next;
} free_block;

typedef struct free_lists {
    free_block *head[CLASSES];
    uint32_t count[CLASSES];
} free_lists;

static _Thread_local free_lists lists;
static _Thread_local bool lists_registered;
static pthread_key_t lists_key;
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

/* The class of a payload size, or CLASSES when it is too large for one. */
static inline unsigned class_of(size_t size)
{
    if (size <= (size_t)1 << CLASS_MIN_SHIFT)
        return 0;
    unsigned c = (unsigned)(64 - __builtin_clzll((unsigned long long)(size - 1))) - CLASS_MIN_SHIFT;
    return c < CLASSES ? c : CLASSES;
}

static inline size_t class_bytes(unsigned c)
{
    return (size_t)1 << (c + CLASS_MIN_SHIFT);
}

/* What a block of this payload size is charged. */
static inline size_t charge_of(size_t size)
{
    unsigned c = class_of(size);
    return sizeof(block_head) + (c < CLASSES ? class_bytes(c) : size);
}

static void lists_drop(void *unused)
{
    (void)unused;
    for (unsigned c = 0; c < CLASSES; c++) {
        while (lists.head[c]) {
            free_block *b = lists.head[c];
            UNPOISON((block_head *)b - 1, sizeof(block_head) + class_bytes(c));
            lists.head[c] = b->next;
            free((block_head *)b - 1);
        }
        lists.count[c] = 0;
    }
}

static void lists_key_init(void)
{
    pthread_key_create(&lists_key, lists_drop);
}

/* The first block cached by a thread arranges for the lists to be freed
 * when the thread exits (a key's destructor runs only for a non-NULL value). */
static void lists_register(void)
{
    pthread_once(&lists_once, lists_key_init);
    pthread_setspecific(lists_key, &lists);
    lists_registered = true;
}

void rs_h2_mem_trim(void)
{
    lists_drop(NULL);
}

void *rs_h2_alloc(rs_reactor *r, size_t size)
{
    size_t charge = charge_of(size);
    if (!rs_budget_try_charge(&r->budget, RS_HELD_H2, charge))
        return NULL;
    unsigned c = class_of(size);
    block_head *p;
    if (c < CLASSES && lists.head[c]) {
        free_block *b = lists.head[c];
        UNPOISON((block_head *)b - 1, charge);
        lists.head[c] = b->next;
        lists.count[c]--;
        p = (block_head *)b - 1;
    } else {
        p = malloc(charge);
        if (!p) {
            rs_budget_release(&r->budget, RS_HELD_H2, charge);
            return NULL;
        }
    }
    p->size = size;
    return p + 1;
}

void rs_h2_free(rs_reactor *r, void *ptr)
{
    if (!ptr)
        return;
    block_head *p = (block_head *)ptr - 1;
    size_t charge = charge_of(p->size);
    rs_budget_release(&r->budget, RS_HELD_H2, charge);
    unsigned c = class_of(p->size);
    if (c < CLASSES && (size_t)(lists.count[c] + 1) * class_bytes(c) <= CACHE_BYTES) {
        if (!lists_registered)
            lists_register();
        free_block *b = ptr;
        b->next = lists.head[c];
        lists.head[c] = b;
        lists.count[c]++;
        POISON(p, charge);
        return;
    }
    free(p);
}

void *rs_h2_realloc(rs_reactor *r, void *ptr, size_t size)
{
    if (!ptr)
        return rs_h2_alloc(r, size);
    block_head *p = (block_head *)ptr - 1;
    size_t old = p->size;
    unsigned c_old = class_of(old), c_new = class_of(size);
    if (c_old < CLASSES && c_old == c_new) { /* the block already has room */
        p->size = size;
        return ptr;
    }
    if (c_old == CLASSES && c_new == CLASSES) { /* both past the classes: malloc's realloc */
        if (size > old && !rs_budget_try_charge(&r->budget, RS_HELD_H2, size - old))
            return NULL;
        block_head *q = realloc(p, sizeof *q + size);
        if (!q) {
            if (size > old)
                rs_budget_release(&r->budget, RS_HELD_H2, size - old);
            return NULL;
        }
        if (size < old)
            rs_budget_release(&r->budget, RS_HELD_H2, old - size);
        q->size = size;
        return q + 1;
    }
    void *n = rs_h2_alloc(r, size);
    if (!n)
        return NULL;
    memcpy(n, ptr, old < size ? old : size);
    rs_h2_free(r, ptr);
    return n;
}
