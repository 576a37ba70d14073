/* app_worker.h — the per-worker state of the application layer, kept in
 * the reactor: request-scoped text (request_text.h), the JSON scratch
 * (json_scratch.h), the data queries' index array (query_scratch.c) and the
 * compressors (compress.h).  Registered with core as a service
 * (core/layer_hooks.h, server/layers.c). */
#ifndef RS_APP_WORKER_H
#define RS_APP_WORKER_H

#include "core/reactor.h"

int rs_app_worker_init(rs_reactor *r);
void rs_app_worker_destroy(rs_reactor *r);

#endif
