/* The connection engine: one io_uring event loop per worker thread, driving
 * its share of the connections until the shared deadline. */
#ifndef LOADGEN_ENGINE_H
#define LOADGEN_ENGINE_H

#include "args.h"
#include "stats.h"
#include "template.h"

#include <pthread.h>
#include <stdint.h>

/* Read-only after start, shared by all workers. */
struct run_clock {
    pthread_barrier_t ready; /* workers + main: rings and buffers set up */
    pthread_barrier_t go;    /* main has stamped the times below */
    uint64_t start_ns;       /* connections open from here */
    uint64_t measure_ns;     /* start + warmup: counting begins */
    uint64_t end_ns;         /* measure + duration: hard stop */
};

struct worker {
    int id;
    int first_conn; /* global index of its first connection (template rotation) */
    int nconns;
    const struct config *cfg;
    const struct templates *ts;
    struct run_clock *clock;
    int failed; /* setup failed; the worker still passes both barriers */
    struct stats stats;
};

uint64_t now_ns(void);
/* pthread entry point; arg is a struct worker. */
void *worker_main(void *arg);

#endif
