/* db_connect.h — what every worker's Postgres connections connect with:
 * read once at start-up, before the workers exist, then shared read-only.
 *
 * The connection string comes from [database] url_env (DATABASE_URL in the
 * arena), the pool cap from max_conn_env (DATABASE_MAX_CONN).  The host name
 * is resolved here, once, and passed as hostaddr: name lookup inside
 * PQconnectStart could block a worker (PROTOCOLS.md §3.1). */
#ifndef RS_DB_CONNECT_H
#define RS_DB_CONNECT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rs_db_target {
    bool enabled;                /* the spec has [database] and its URL variable is set */
    uint32_t per_worker;         /* connections each worker opens */
    const char *const *keywords; /* PQconnectStartParams arguments (expand_dbname = 1) */
    const char *const *values;
} rs_db_target;

/* Reads the environment and resolves the host; logs what it will connect to
 * (never the password).  workers: reactors of this process. */
void rs_db_target_init(uint32_t workers);

const rs_db_target *rs_db_target_get(void);

/* Starts a non-blocking connection (PQconnectStartParams): NULL only when
 * libpq cannot allocate one.  Drive it with PQconnectPoll. */
PGconn *rs_db_connect_start(void);

#endif
