/* GET /stock/{id}: a C handler that runs sql.item_by_id through rs_db_run and answers from
 * the row in its callback: {"id":N,"quantity":Q,"in_stock":Q>0,"reserve":Q*2}; 404 for no
 * row, 503 when the database cannot answer (tests/db/test_db_handler.py). */
#include "handlers.h"

enum { QUANTITY = 4 }; /* the column of sql.item_by_id's SELECT list */

static void stock_done(rs_reply *r, const rs_db_rows *rows, int64_t id)
{
    if (rows == NULL) {
        rs_reply_error(r, 503);
        return;
    }
    if (rs_db_row_count(rows) == 0) {
        rs_reply_error(r, 404);
        return;
    }
    rs_str text = rs_db_value(rows, 0, QUANTITY);
    int64_t quantity;
    if (!rs_parse_i64(text.ptr, text.len, &quantity) || quantity > INT64_MAX / 2) {
        rs_reply_error(r, 500);
        return;
    }
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    rs_json *w = rs_reply_json_begin(r);
    rs_json_raw(w, "{\"id\":", 6);
    rs_json_int(w, id);
    rs_json_raw(w, ",\"quantity\":", 12);
    rs_json_int(w, quantity);
    rs_json_raw(w, ",\"in_stock\":", 12);
    rs_json_bool(w, quantity > 0);
    rs_json_raw(w, ",\"reserve\":", 11);
    rs_json_int(w, quantity * 2);
    rs_json_raw(w, "}", 1);
    rs_reply_json_end(r, head, sizeof head - 1, NULL);
}

void stock(const stock_params *in, rs_reply *r)
{
    char digits[20];
    rs_str id = {digits, rs_format_i64(digits, in->id)};
    rs_db_run(r, RS_SQL_item_by_id, &id, 1, stock_done, in->id);
}
