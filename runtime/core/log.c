/* log.c — one line per message, written with a single write(2) so lines
 * from several workers never interleave. */
#include "core/log.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

_Thread_local int rs_log_worker = -1;

static void log_line(const char *fmt, va_list ap)
{
    char line[512];
    int n = rs_log_worker >= 0 ? snprintf(line, sizeof line, "ringspec[w%d]: ", rs_log_worker)
                               : snprintf(line, sizeof line, "ringspec: ");
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void rs_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}

void rs_log_ratelimited(unsigned *last_second, const char *fmt, ...)
{
    unsigned now = (unsigned)time(NULL);
    if (*last_second == now)
        return;
    *last_second = now;
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}
