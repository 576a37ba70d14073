/* spill.c — see spill.h. */
#include "core/spill.h"

#include <stdlib.h>
#include <string.h>

#include "core/conn_lifecycle.h"

/* The spill never needs more than a maximal head plus what arrives while
 * paused for backpressure: one recv budget, or on kernels without the
 * multishot byte limit, what one completion batch can bring.  Past that
 * the peer keeps sending while not reading: it is dropped. */
#define RS_SPILL_NO_BUDGET (256u * 1024u)
static uint32_t spill_limit(const rs_reactor *r)
{
    return r->opt->limits.max_head + (r->recv_budget ? rs_recv_budget(r) : RS_SPILL_NO_BUDGET) + r->bufs.size;
}

static bool spill_reserve(rs_reactor *r, rs_conn *c, size_t need)
{
    if (need <= c->spill_cap)
        return true;
    if (need > spill_limit(r))
        return false;
    size_t cap = c->spill_cap ? c->spill_cap : 1024;
    while (cap < need)
        cap *= 2;
    if (cap > spill_limit(r))
        cap = spill_limit(r);
    char *grown = realloc(c->spill, cap);
    if (!grown)
        return false;
    /* Charged, never refused: these bytes have been received already, and
     * the parse loops pause at the budget (output_gate.h), which stops
     * further receives; the spill's own bound keeps the excess small. */
    rs_budget_charge(&r->budget, RS_HELD_INPUT, cap - c->spill_cap);
    c->spill = grown;
    c->spill_cap = (uint32_t)cap;
    return true;
}

void rs_spill_free(rs_reactor *r, rs_conn *c)
{
    rs_budget_release(&r->budget, RS_HELD_INPUT, c->spill_cap);
    free(c->spill);
    c->spill = NULL;
    c->spill_len = c->spill_cap = 0;
}

bool rs_spill_keep(rs_reactor *r, rs_conn *c, const char *data, size_t n)
{
    if (n == 0) {
        rs_spill_free(r, c);
        return true;
    }
    if (data == c->spill) {
        c->spill_len = (uint32_t)n;
        return true;
    }
    if (c->spill && data > c->spill && data < c->spill + c->spill_len) {
        memmove(c->spill, data, n);
        c->spill_len = (uint32_t)n;
        return true;
    }
    if (!spill_reserve(r, c, n))
        return false;
    memcpy(c->spill, data, n);
    c->spill_len = (uint32_t)n;
    return true;
}

bool rs_spill_append(rs_reactor *r, rs_conn *c, const char *data, size_t n)
{
    if (!spill_reserve(r, c, (size_t)c->spill_len + n))
        return false;
    memcpy(c->spill + c->spill_len, data, n);
    c->spill_len += (uint32_t)n;
    return true;
}
