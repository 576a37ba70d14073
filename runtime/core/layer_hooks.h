/* layer_hooks.h — how the transport reaches the layers above it without
 * naming them (docs/runtime.md, "Layers of runtime/").
 *
 * core/ owns the ring, the slots and the loop; what it must call in a
 * higher layer it calls through these tables, filled in once by
 * server/layers.c (the composition root, the one place that names every
 * layer).  The protocols themselves are reached the same way, through the
 * per-connection table of proto.h.  Every hook runs on the worker's thread
 * and, like a protocol's, never submits an SQE itself: it changes state,
 * and the flush phase does the rest (DESIGN.md §2 rule 10). */
#ifndef RS_LAYER_HOOKS_H
#define RS_LAYER_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reactor.h"

struct rs_tls_ctx;

/* The stream layer between the transport and the protocol of a connection
 * accepted on a TLS listener (RS_CF_TLS; tls/tls_stream.c). */
typedef struct rs_stream_hooks {
    /* Accepted: set up the layer; false closes the connection. */
    bool (*open)(rs_reactor *r, rs_conn *c, struct rs_tls_ctx *ctx, unsigned protocols);
    /* Received bytes, for the layer to decrypt and pass to the protocol. */
    void (*data)(rs_reactor *r, rs_conn *c, char *data, size_t len);
    /* The output queue drained after a pause. */
    void (*drained)(rs_reactor *r, rs_conn *c);
    /* Before a send: turn what the protocol appended into records; false on error. */
    bool (*seal)(rs_reactor *r, rs_conn *c);
    /* Everything owed is sent: queue the closing alert (true when it was queued now). */
    bool (*notify)(rs_reactor *r, rs_conn *c);
    /* How many bytes at the head of the output queue a send may take (the sealed records). */
    uint32_t (*sendable)(const rs_reactor *r, const rs_conn *c);
    /* n bytes of the output queue went out. */
    void (*sent)(rs_reactor *r, rs_conn *c, size_t n);
    /* The slot is being freed (called for every connection; a no-op without the layer). */
    void (*release)(rs_reactor *r, rs_conn *c);
} rs_stream_hooks;

/* An HTTP/1.1 response body read from a file through the ring (RS_CF_FILE:
 * static directories with cache = "none"; the reads complete through the
 * protocol's on_read, proto.h). */
typedef struct rs_file_hooks {
    /* Visiting the connection: queue more of the file.  True when all of it is queued. */
    bool (*advance)(rs_reactor *r, rs_conn *c);
} rs_file_hooks;

/* Per-worker state and work of a layer (the request view's scratch, the
 * database pool).  Any hook may be NULL. */
typedef struct rs_service_hooks {
    int (*init)(rs_reactor *r);     /* rs_reactor_init; < 0 fails the worker */
    int (*start)(rs_reactor *r);    /* rs_reactor_run, before the loop; < 0 fails it */
    void (*tick)(rs_reactor *r);    /* each turn: after the timers, before the flush */
    void (*flushed)(rs_reactor *r); /* each turn: after the flush */
    /* Each turn: the longest the loop may sleep, at most cap_ms. */
    uint32_t (*next_wait)(const rs_reactor *r, uint32_t cap_ms);
    /* A completion of one of its own operations (RS_OP_DB_POLL...). */
    void (*on_poll)(rs_reactor *r, unsigned op, uint32_t index, uint32_t gen, int res);
    void (*destroy)(rs_reactor *r); /* rs_reactor_destroy, after the ring is gone */
} rs_service_hooks;

extern const rs_stream_hooks rs_stream_layer;
extern const rs_file_hooks rs_file_reads;
/* NULL-terminated, in the order init and start run (destroy runs in reverse). */
extern const rs_service_hooks *const rs_services[];

#endif
