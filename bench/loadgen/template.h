/* Request templates: what each connection sends, prepared once.
 *
 * A template holds one request (HTTP) or one masked frame (WebSocket) and a
 * "batch" of DEPTH copies laid end to end. Because all copies are equal,
 * sending k requests is sending the first k * len bytes of the batch: every
 * connection shares the same read-only buffer and a refill is one send with
 * no copying. */
#ifndef LOADGEN_TEMPLATE_H
#define LOADGEN_TEMPLATE_H

#include "args.h"

#include <stddef.h>

struct template
{
    char name[256];     /* basename of the raw file, or the URL path */
    const char *file;   /* raw file path, NULL when generated */
    const char *batch;  /* depth copies of the request */
    size_t len;         /* length of one request */
    const char *expect; /* body every response must carry, NULL = unchecked */
    size_t expect_len;
};

struct templates {
    struct template t[MAX_TEMPLATES];
    int n;
    int ws;
};

/* Builds the templates for cfg: URL mode, --raw files or the WebSocket
 * echo frame, and binds --expect-body to them. Prints the reason and
 * returns -1 on a bad file or an --expect-body that matches nothing. */
int templates_build(struct templates *ts, const struct config *cfg);
void templates_free(struct templates *ts);

#endif
