/* query_scratch.c — the per-reactor index array of data queries.
 *
 * A `where` / `order by` query selects items by writing their indexes here,
 * sorts the indexes (never the shared, read-only data), then serializes from
 * them.  Per request and never cached: the answer always reflects the
 * query.  Grown to the largest need (the data's item count, fixed after
 * start-up) and reused, so the steady state allocates nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "app/reply.h"

uint32_t *rs_reply_index_scratch(rs_reply *r, size_t n)
{
    rs_reactor *reactor = r->reactor;
    if (n > reactor->query_index_cap) {
        uint32_t *grown = realloc(reactor->query_index, (n ? n : 1) * sizeof(uint32_t));
        if (!grown)
            return NULL;
        reactor->query_index = grown;
        reactor->query_index_cap = n;
    }
    return reactor->query_index;
}
