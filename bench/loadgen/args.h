/* Command line: what to send, where, how hard and for how long. */
#ifndef LOADGEN_ARGS_H
#define LOADGEN_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define MAX_TEMPLATES 64
#define MAX_EXPECTS 64

struct expect_arg {
    char *key; /* template name, file basename, "url" or "*" */
    char *body;
    size_t len;
};

struct config {
    /* Target. The URL (if any) gives host, port and path; --host/--port
     * override where we connect without touching the Host header. */
    const char *url;
    char url_host[256]; /* host[:port] exactly as written, for the Host header */
    char path[2048];    /* path + query of the URL, "/" when absent */
    char host[256];
    int port;
    struct sockaddr_storage addr;
    socklen_t addrlen;

    const char *raw_files[MAX_TEMPLATES];
    int n_raw;

    int conns;
    int threads;
    int depth;
    double duration_s;
    double warmup_s;
    double timeout_s;       /* a request unanswered this long counts as a timeout */
    uint64_t reqs_per_conn; /* 0 = keep connections forever */
    size_t bufsize;         /* per-connection receive buffer */

    int ws;
    const char *ws_payload;

    struct expect_arg expects[MAX_EXPECTS];
    int n_expects;

    const char *json_out;
    int quiet;
};

/* Fills cfg from argv. Prints the reason and returns -1 on a usage error
 * (the caller exits 2); returns 1 when --help was printed. */
int args_parse(struct config *cfg, int argc, char **argv);
void args_usage(FILE *out);

#endif
