/* order_summary: answers POST/PUT /orders/summary from the typed JSON body
 * (in->body), to show that a handler sees every field, nested ones and
 * arrays included, already checked against the shape's constraints. */
#include <stdio.h>

#include "handlers.h"

void order_summary(const order_summary_params *in, rs_reply *reply)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    const rs_body_NewOrder *b = in->body;
    char text[512];
    int64_t units = 0;
    for (size_t i = 0; i < b->lines.n; i++)
        units += b->lines.v[i].qty;
    int n =
        snprintf(text, sizeof text,
                 "customer=%.*s priority=%.*s gift=%d note=%s%.*s city=%.*s lines=%zu units=%lld tags=%zu "
                 "codes=%zu first_sku=%.*s\n",
                 (int)b->customer.len, b->customer.ptr, (int)b->priority.len, b->priority.ptr, (int)b->gift,
                 b->rs_has_note ? "" : "(none)", b->rs_has_note ? (int)b->note.len : 0,
                 b->rs_has_note ? b->note.ptr : "", (int)b->ship_to.city.len, b->ship_to.city.ptr, b->lines.n,
                 (long long)units, b->tags.n, b->codes.n, (int)b->lines.v[0].sku.len, b->lines.v[0].sku.ptr);
    rs_reply_text(reply, head, sizeof head - 1, text, n > 0 && (size_t)n < sizeof text ? (size_t)n : 0);
}
