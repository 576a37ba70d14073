/* tls_budget.c — OpenSSL's allocations charged to the worker budget
 * (tls_budget.h). */
#include "tls/tls_budget.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/crypto.h>

/* Before each block: keeps malloc's alignment for what follows. */
typedef struct block_header {
    rs_budget *charged; /* NULL: allocated on an unbound thread */
    size_t size;
} block_header;

_Static_assert(sizeof(block_header) % _Alignof(max_align_t) == 0, "the header keeps malloc's alignment");

static _Thread_local rs_budget *thread_budget;

void rs_tls_budget_bind(rs_budget *b)
{
    thread_budget = b;
}

static void charge(block_header *h, size_t n)
{
    h->charged = thread_budget;
    h->size = n;
    if (h->charged)
        rs_budget_charge(h->charged, RS_HELD_OPENSSL, n);
}

/* Only the thread that charged a block gives its bytes back. */
static void release(const block_header *h)
{
    if (h->charged && h->charged == thread_budget)
        rs_budget_release(h->charged, RS_HELD_OPENSSL, h->size);
}

static void *budget_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    if (n > SIZE_MAX - sizeof(block_header))
        return NULL;
    block_header *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    charge(h, n);
    return h + 1;
}

static void budget_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    if (!p)
        return;
    block_header *h = (block_header *)p - 1;
    release(h);
    free(h);
}

static void *budget_realloc(void *p, size_t n, const char *file, int line)
{
    if (!p)
        return budget_malloc(n, file, line);
    if (n == 0) { /* CRYPTO_realloc frees then; kept for any caller that does not */
        budget_free(p, file, line);
        return NULL;
    }
    if (n > SIZE_MAX - sizeof(block_header))
        return NULL;
    block_header *h = (block_header *)p - 1;
    block_header old = *h;
    block_header *moved = realloc(h, sizeof *moved + n);
    if (!moved)
        return NULL; /* the old block stands, charged as it was */
    release(&old);
    charge(moved, n);
    return moved + 1;
}

bool rs_tls_budget_install(void)
{
    return CRYPTO_set_mem_functions(budget_malloc, budget_realloc, budget_free) == 1;
}
