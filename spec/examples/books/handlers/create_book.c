/* create_book: POST /books of spec/examples/books.  The body is already a checked
 * NewBook (slug pattern, lengths, year range); a slug the catalogue has is 409.  The
 * example keeps no state: the answer is the book as it would be stored, with the next id. */
#include <string.h>

#include "handlers.h"

static bool slug_taken(rs_str slug)
{
    for (size_t i = 0; i < rs_data_books.n; i++) {
        rs_str s = rs_data_books.v[i].slug;
        if (s.len == slug.len && memcmp(s.ptr, slug.ptr, slug.len) == 0)
            return true;
    }
    return false;
}

rs_status create_book(const create_book_params *in, rs_reply *reply)
{
    const rs_body_NewBook *b = in->body;
    if (slug_taken(b->slug))
        return rs_error_exists(reply, NULL);
    const Book book = {
        .id = (int64_t)rs_data_books.n + 1,
        .slug = b->slug,
        .title = b->title,
        .author = b->author,
        .year = b->year,
    };
    return create_book_reply_201(reply, &book);
}
