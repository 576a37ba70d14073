/* stock.c — the catalogue and its stock counts.  Workers are separate
 * threads answering requests at the same time, so every count is atomic and
 * a reservation is one compare-and-swap loop: two reservations of the last
 * unit cannot both succeed. */
#include "stock.h"

#include <stdatomic.h>

/* name, units in stock at start-up */
#define CATALOGUE(X)                                                                                         \
    X("espresso beans 1 kg", 12)                                                                             \
    X("paper filters (100)", 200)                                                                            \
    X("burr grinder", 3)                                                                                     \
    X("milk jug 600 ml", 0)                                                                                  \
    X("tamper 58 mm", 25)

#define NAME(name, initial) name,
#define INITIAL(name, initial) initial,
static const char *const names[] = {CATALOGUE(NAME)};
#define ITEMS (sizeof names / sizeof *names)

/* Units in stock per item: shared by every worker thread, changed only atomically. */
static _Atomic int64_t in_stock[ITEMS] = {CATALOGUE(INITIAL)};

/* The index of item id, or -1. */
static long index_of(int64_t id)
{
    return id >= 1 && (uint64_t)id <= ITEMS ? (long)(id - 1) : -1;
}

static void describe(long i, int64_t count, Item *out)
{
    out->id = i + 1;
    out->name = rs_str_of(names[i]);
    out->in_stock = count;
}

size_t stock_count(void)
{
    return ITEMS;
}

bool stock_item(int64_t id, Item *out)
{
    long i = index_of(id);
    if (i < 0)
        return false;
    describe(i, atomic_load(&in_stock[i]), out);
    return true;
}

stock_result stock_take(int64_t id, int64_t quantity, int64_t *left)
{
    long i = index_of(id);
    if (i < 0)
        return STOCK_NO_ITEM;
    int64_t now = atomic_load(&in_stock[i]);
    do {
        if (now < quantity) {
            *left = now;
            return STOCK_SHORT;
        }
    } while (!atomic_compare_exchange_weak(&in_stock[i], &now, now - quantity));
    *left = now - quantity;
    return STOCK_OK;
}

stock_result stock_add(int64_t id, int64_t quantity, Item *out)
{
    long i = index_of(id);
    if (i < 0)
        return STOCK_NO_ITEM;
    int64_t now = atomic_load(&in_stock[i]);
    do {
        if (now > INT64_MAX - quantity) /* never wraps: report it as out of range */
            return STOCK_SHORT;
    } while (!atomic_compare_exchange_weak(&in_stock[i], &now, now + quantity));
    describe(i, now + quantity, out);
    return STOCK_OK;
}
