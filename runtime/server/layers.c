/* layers.c — fills in core's hooks (core/layer_hooks.h) with the layers
 * above it: the TLS stream layer, file-backed static bodies, and the
 * per-worker services of the request view and the database pool. */
#include "app/app_worker.h"
#include "core/layer_hooks.h"
#include "core/log.h"
#include "db/db_pool.h"
#include "static/static_serve.h"
#include "tls/tls_stream.h"

static void tls_sent(rs_reactor *r, rs_conn *c, size_t n)
{
    rs_tls_stream_sent(r, c, n);
}

static uint32_t tls_sendable(const rs_reactor *r, const rs_conn *c)
{
    return rs_tls_stream_sendable(r, c);
}

const rs_stream_hooks rs_stream_layer = {
    .open = rs_tls_stream_open,
    .data = rs_tls_stream_data,
    .drained = rs_tls_stream_drained,
    .seal = rs_tls_stream_seal,
    .notify = rs_tls_stream_notify,
    .sendable = tls_sendable,
    .sent = tls_sent,
    .release = rs_tls_stream_release,
};

const rs_file_hooks rs_file_reads = {
    .advance = rs_static_advance,
};

static const rs_service_hooks app_service = {
    .init = rs_app_worker_init,
    .destroy = rs_app_worker_destroy,
};

static int db_start(rs_reactor *r)
{
    int ret = rs_db_pool_init(r);
    if (ret < 0)
        rs_log("database: out of memory for the connection pool");
    return ret;
}

static const rs_service_hooks db_service = {
    .start = db_start,
    .tick = rs_db_tick,
    .flushed = rs_db_flush,
    .next_wait = rs_db_next_wait,
    .on_poll = rs_db_on_poll,
    .destroy = rs_db_pool_destroy,
};

const rs_service_hooks *const rs_services[] = {&app_service, &db_service, NULL};
