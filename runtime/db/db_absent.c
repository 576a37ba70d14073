/* db_absent.c — what a build without a route that runs a statement links
 * instead of the Postgres pool (db_pool.c, db_connect.c and db_cache.c), so that it does not link libpq,
 * which maps libssl, libcrypto, gnutls, Kerberos and LDAP: ~3.5 MiB of resident memory before a single
 * connection.  codegen decides (features.mk in the generated directory, read
 * by the Makefile: a build without sql.c).  The pool of such a build is
 * always absent (r->db NULL), which is what these do with one. */
#include "core/reactor.h"
#include "db/db_cache.h"
#include "db/db_connect.h"
#include "db/db_pool.h"

void rs_db_target_init(uint32_t workers)
{
    (void)workers;
}

int rs_db_cache_init(void)
{
    return 0;
}

int rs_db_pool_init(rs_reactor *r)
{
    (void)r;
    return 0;
}

void rs_db_pool_destroy(rs_reactor *r)
{
    (void)r;
}

void rs_db_on_poll(rs_reactor *r, unsigned op, uint32_t index, uint32_t gen, int res)
{
    (void)op;
    (void)index;
    (void)gen;
    (void)res;
    r->stats.stale_cqes++; /* as db_pool.c counts a poll without a pool */
}

void rs_db_tick(rs_reactor *r)
{
    (void)r;
}

void rs_db_flush(rs_reactor *r)
{
    (void)r;
}

uint32_t rs_db_next_wait(const rs_reactor *r, uint32_t cap_ms)
{
    (void)r;
    return cap_ms;
}

rs_db_submit_result rs_db_submit(rs_reactor *r, const rs_db_ticket *t, unsigned statement, const rs_str *args,
                                 unsigned nargs)
{
    (void)r;
    (void)t;
    (void)statement;
    (void)args;
    (void)nargs;
    return RS_DB_UNAVAILABLE; /* never reached: no route of such a build runs a statement */
}
