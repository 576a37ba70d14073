/* tls_budget.h — OpenSSL's own memory charged to the worker budget
 * ([server.limits] buffered, DESIGN.md §2 rule 12).
 *
 * Per connection OpenSSL holds an SSL object (~14 KiB idle with
 * SSL_MODE_RELEASE_BUFFERS) and, while a record is in flight, its read and
 * write buffers (~34 KiB); a handshake adds its key shares and transcript.
 * None of it passes through our allocators, so it is caught where OpenSSL
 * allocates: CRYPTO_set_mem_functions installs wrappers that put a 16-byte
 * header (the budget charged, the size) before each block.  The stream
 * layer (tls_stream.c) binds its worker's budget to the thread around each
 * call for a connection (new, handshake, read, write, shutdown, free);
 * what OpenSSL allocates meanwhile is charged as RS_HELD_OPENSSL (--stats
 * buffered_openssl), and given back when freed under the same binding.
 * OpenSSL used for anything else (the WebSocket handshake's SHA-1) is not
 * charged.  OpenSSL's per-thread state (random generators, error queue,
 * 8-28 KiB measured) is made inside a worker's first TLS connection and kept for the
 * thread's life: it stays charged.
 *
 * Blocks freed under another binding than the one that charged them (on
 * another thread: process exit, OpenSSL's global caches) are not released:
 * the budget's counters belong to their worker's thread and are not
 * atomic.  Allocations while nothing is bound (main: contexts, reloads) are
 * not charged.
 *
 * Holders that cannot refuse an allocation inside OpenSSL, so this is the
 * pausing kind of charge (buffer_budget.h): tls_stream.c refuses a new
 * connection while the budget is spent instead. */
#ifndef RS_TLS_BUDGET_H
#define RS_TLS_BUDGET_H

#include <stdbool.h>

#include "core/buffer_budget.h"

/* Installs the wrappers: call before anything else uses OpenSSL (false if
 * OpenSSL has already allocated; nothing is charged then). */
bool rs_tls_budget_install(void);

/* The budget this thread's OpenSSL allocations are charged to; NULL: none. */
void rs_tls_budget_bind(rs_budget *b);

#endif
