/* items.c — reading the stock: GET /items and GET /items/{id}. */
#include "stock.h"

rs_status list_items(const list_items_params *in, rs_reply *reply)
{
    (void)in;
    Item items[16];
    size_t n = stock_count() < 16 ? stock_count() : 16;
    for (size_t i = 0; i < n; i++)
        stock_item((int64_t)i + 1, &items[i]);
    Item_array all = {.v = items, .n = n};
    return list_items_reply_200(reply, &all); /* serialized now: items may live on the stack */
}

rs_status get_item(const get_item_params *in, rs_reply *reply)
{
    Item item;
    if (!stock_item(in->id, &item))
        return rs_error_not_found(reply, NULL);
    return get_item_reply_200(reply, &item);
}
