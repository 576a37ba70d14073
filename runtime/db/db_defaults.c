/* db_defaults.c — what a build without [database] links against: generated
 * sql.c defines these symbols for a spec with one, overriding them.  Kept in
 * a file of their own: in the file that reads them the compiler would fold
 * the weak defaults' values. */
#include "app/ringspec.h"

__attribute__((weak)) const rs_db_config *const rs_db_spec = NULL;
__attribute__((weak)) const rs_sql_statement rs_sql_statements[1] = {{NULL, NULL, 0, false}};
__attribute__((weak)) const unsigned rs_sql_statement_count = 0;
__attribute__((weak)) const rs_cache_config rs_caches[1] = {{NULL, 0, 0}};
__attribute__((weak)) const unsigned rs_cache_count = 0;

__attribute__((weak)) void rs_route_db_done(int route, const rs_params *params, rs_reply *reply,
                                            const rs_db_rows *rows)
{
    (void)route;
    (void)params;
    (void)rows;
    rs_reply_error(reply, 500); /* no route of this build runs a statement */
}
