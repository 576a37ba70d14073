/* Counters one worker thread keeps for the measured window; merged by the
 * reporter after the run. Nothing here is shared while the run is live. */
#ifndef LOADGEN_STATS_H
#define LOADGEN_STATS_H

#include "args.h"
#include "hist.h"

#include <stdint.h>

struct stats {
    uint64_t responses; /* final HTTP responses, or echoed WebSocket messages */
    uint64_t status[6]; /* by first digit, [1]..[5]; [0] = anything else */
    uint64_t err_connect;
    uint64_t err_read; /* resets, write errors, EOF with requests outstanding */
    uint64_t err_parse;
    uint64_t err_timeout;
    uint64_t err_mismatch;
    uint64_t err_handshake; /* WebSocket upgrade refused or bad accept key */
    uint64_t reconnects;    /* planned: -r reached or server said close */
    uint64_t ws_upgrades;
    uint64_t bytes_read;     /* every byte received in the window, partial responses too */
    uint64_t resp_bytes;     /* head + body bytes of the responses counted in `responses` */
    uint64_t tmpl_ok[MAX_TEMPLATES];    /* 2xx responses / echoes per template */
    uint64_t tmpl_bytes[MAX_TEMPLATES]; /* resp_bytes per template */
    struct hist hist;                /* latency, ns */
};

#endif
