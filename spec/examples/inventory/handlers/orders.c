/* orders.c — changing the stock: reservations take units, deliveries add them. */
#include <stdio.h>

#include "stock.h"

rs_status reserve_item(const reserve_item_params *in, rs_reply *reply)
{
    int64_t left;
    switch (stock_take(in->id, in->quantity, &left)) {
    case STOCK_NO_ITEM:
        return rs_error_not_found(reply, NULL);
    case STOCK_SHORT: {
        char detail[64];
        snprintf(detail, sizeof detail, "%lld left", (long long)left);
        return rs_error_out_of_stock(reply, detail); /* copied into the body at once */
    }
    case STOCK_OK:
        break;
    }
    Reservation done = {.item = in->id, .quantity = in->quantity, .left = left};
    return reserve_item_reply_201(reply, &done);
}

rs_status restock_item(const restock_item_params *in, rs_reply *reply)
{
    Item item;
    if (in->body < 1 || in->body > STOCK_MAX_RESTOCK)
        return rs_error_bad_quantity(reply, "a delivery is 1..1000000 units");
    switch (stock_add(in->id, in->body, &item)) {
    case STOCK_NO_ITEM:
        return rs_error_not_found(reply, NULL);
    case STOCK_SHORT:
        return rs_error_bad_quantity(reply, "the stock count would overflow");
    case STOCK_OK:
        break;
    }
    return restock_item_reply_200(reply, &item);
}
