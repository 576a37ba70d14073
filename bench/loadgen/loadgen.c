/* loadgen: an HTTP/1.1 and WebSocket load generator for ringspec.
 *
 * Shaped after the arena's gcannon (same templates, pipelining, -r and
 * echo semantics) but small enough to read, with response checking. main
 * only wires things together: parse the command line, build the request
 * templates, start one worker (event loop) per thread, stamp a common
 * start/stop time, join, merge and report. */
#include "args.h"
#include "engine.h"
#include "report.h"
#include "template.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void cpu_times(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    static struct config cfg;
    static struct templates ts;
    int rc = args_parse(&cfg, argc, argv);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (templates_build(&ts, &cfg))
        return 2;
    signal(SIGPIPE, SIG_IGN); /* sends use MSG_NOSIGNAL; this is belt and braces */
    raise_fd_limit();

    int nt = cfg.threads;
    struct worker *workers = calloc((size_t)nt, sizeof *workers);
    pthread_t *tids = calloc((size_t)nt, sizeof *tids);
    struct run_clock clock;
    if (!workers || !tids) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    pthread_barrier_init(&clock.ready, NULL, (unsigned)nt + 1);
    pthread_barrier_init(&clock.go, NULL, (unsigned)nt + 1);

    /* Spread connections as evenly as possible: the first conns % nt
     * workers take one extra. */
    int next = 0;
    for (int i = 0; i < nt; i++) {
        struct worker *w = &workers[i];
        w->id = i;
        w->first_conn = next;
        w->nconns = cfg.conns / nt + (i < cfg.conns % nt);
        next += w->nconns;
        w->cfg = &cfg;
        w->ts = &ts;
        w->clock = &clock;
        if (pthread_create(&tids[i], NULL, worker_main, w)) {
            fprintf(stderr, "loadgen: cannot start thread %d\n", i);
            return 1;
        }
    }

    pthread_barrier_wait(&clock.ready);
    double u0, s0;
    cpu_times(&u0, &s0);
    clock.start_ns = now_ns();
    clock.measure_ns = clock.start_ns + (uint64_t)(cfg.warmup_s * 1e9);
    clock.end_ns = clock.measure_ns + (uint64_t)(cfg.duration_s * 1e9);
    pthread_barrier_wait(&clock.go);

    struct stats *total = calloc(1, sizeof *total);
    int failed = 0;
    for (int i = 0; i < nt; i++) {
        pthread_join(tids[i], NULL);
        failed |= workers[i].failed;
        stats_merge(total, &workers[i].stats);
    }
    double u1, s1;
    cpu_times(&u1, &s1);

    struct report r = {
        .cfg = &cfg,
        .ts = &ts,
        .total = total,
        .duration_s = cfg.duration_s,
        .cpu_user_s = u1 - u0,
        .cpu_sys_s = s1 - s0,
    };
    if (!cfg.quiet)
        report_human(stdout, &r);
    if (cfg.json_out && report_json(cfg.json_out, &r))
        failed = 1;

    templates_free(&ts);
    free(total);
    free(workers);
    free(tids);
    pthread_barrier_destroy(&clock.ready);
    pthread_barrier_destroy(&clock.go);
    if (failed)
        fprintf(stderr, "loadgen: a worker failed; results are incomplete\n");
    return failed ? 1 : 0;
}
