/* stock.h — the shop's items and their stock, shared by every worker thread. */
#ifndef INVENTORY_STOCK_H
#define INVENTORY_STOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handlers.h"

#define STOCK_MAX_RESTOCK 1000000 /* units per delivery: keeps every count far from overflow */

/* Number of items; ids are 1..stock_count(). */
size_t stock_count(void);

/* Fills *out with item id as it is now; false when there is no such item. */
bool stock_item(int64_t id, Item *out);

typedef enum stock_result { STOCK_OK, STOCK_NO_ITEM, STOCK_SHORT } stock_result;

/* Takes quantity units of item id, all or none; *left is the stock after it. */
stock_result stock_take(int64_t id, int64_t quantity, int64_t *left);

/* Adds quantity (1..STOCK_MAX_RESTOCK) units of item id; *out is the item after it. */
stock_result stock_add(int64_t id, int64_t quantity, Item *out);

#endif
