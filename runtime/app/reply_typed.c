/* reply_typed.c — the runtime side of typed handler responses: the
 * response a handler prepared (its body waits in the JSON scratch) and the
 * 500 + log line when a handler breaks its route's contract.  Generated
 * code (responses.c) decides what is declared; this file only keeps state. */
#include <stdarg.h>
#include <stdio.h>

#include "app/reply.h"
#include "core/log.h"

rs_status rs_reply_prepare(rs_reply *r, rs_status st)
{
    r->prepared = st;
    return st;
}

rs_status rs_reply_prepared(const rs_reply *r)
{
    return r->prepared;
}

unsigned rs_reply_status(const rs_reply *r)
{
    return r->status;
}

void rs_reply_handler_fault(rs_reply *r, atomic_flag *once, const char *fmt, ...)
{
    if (!atomic_flag_test_and_set_explicit(once, memory_order_relaxed)) {
        char message[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        rs_log("%s (logged once)", message);
    }
    if (!r->status)
        rs_reply_error(r, 500);
}
