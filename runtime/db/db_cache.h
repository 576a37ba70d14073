/* db_cache.h — process-wide caches of statement replies ([cache.NAME]).
 *
 * Process-wide, not per worker: one client's requests land on different
 * workers (SO_REUSEPORT hashes each new connection), so "GET twice -> HIT"
 * and "GET after a write -> MISS" only hold with one shared table
 * (PROTOCOLS.md §5.3).  Bounded: a set-associative table of `entries`
 * slots, each set under one of a few striped locks; an entry lives for an
 * absolute TTL from when it was stored, never refreshed by reads. */
#ifndef RS_DB_CACHE_H
#define RS_DB_CACHE_H

/* Builds every cache of the spec; once, before the workers.  0 or -ENOMEM. */
int rs_db_cache_init(void);

#endif
