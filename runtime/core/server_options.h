/* server_options.h — the effective settings of one server process: the
 * spec's [server] section overridden by command-line flags. */
#ifndef RS_SERVER_OPTIONS_H
#define RS_SERVER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/ringspec.h"

typedef struct rs_server_options {
    const char *host;                             /* IP address every listener binds; "" = every interface */
    rs_spec_listener listeners[RS_MAX_LISTENERS]; /* the spec's, ports overridable */
    unsigned listener_count;
    struct rs_tls_ctx *tls[RS_MAX_LISTENERS]; /* per TLS listener; NULL: cleartext, or disabled */
    uint16_t disabled;                        /* bit i: listener i is not served (TLS files missing) */
    const char *tls_cert, *tls_key;           /* --tls-cert / --tls-key: override every TLS listener's */
    uint32_t workers;
    const char *data_root;
    bool print_stats;
    const char *access_log;    /* --access-log / [server.log] path, "-": stdout; NULL: off */
    int access_log_fd;         /* opened once by main, shared by the workers; -1: off */
    bool access_log_json;      /* JSON lines instead of the common log format */
    uint8_t request_id;        /* RS_REQUEST_ID_*: [server] request_id */
    bool request_id_echo;      /* X-Request-Id on every reply */
    uint32_t max_connections;  /* per worker */
    uint32_t recv_buffers;     /* per worker, power of two */
    uint32_t recv_buffer_size; /* bytes */
    rs_spec_limits limits;
    rs_spec_timeouts timeouts; /* ms */
} rs_server_options;

#endif
