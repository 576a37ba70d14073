/* log.h — errors and notices to stderr, prefixed with the worker id. */
#ifndef RS_LOG_H
#define RS_LOG_H

#include <stdarg.h>

/* Worker index of the calling thread (-1 for the main thread). */
extern _Thread_local int rs_log_worker;

void rs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs at most once per second per call site counter, for errors a peer can
 * trigger at will (accept failures, ...), so they cannot flood stderr. */
void rs_log_ratelimited(unsigned *last_second, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
