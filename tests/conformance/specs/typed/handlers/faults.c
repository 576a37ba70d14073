/* faults.c — handlers for typed.toml: correct ones, and ones that break
 * their route's contract in each way the generated code must catch. */
#include <stdio.h>

#include "handlers.h"

rs_status point(const point_params *in, rs_reply *reply)
{
    if (in->n == 1) {
        Point p = {.x = in->n, .label = RS_STR("one \"quoted\"\n")};
        return point_reply_200(reply, &p);
    }
    if (in->n == 2) {
        char text[32]; /* on the stack: the body is copied before the handler returns */
        int len = snprintf(text, sizeof text, "accepted %lld", (long long)in->n);
        return point_reply_202(reply, text, (size_t)len);
    }
    if (in->n == 3)
        return rs_error_gone(reply, NULL);
    if (in->n == 4) {
        Point empty = {0}; /* an unset string serializes as "" */
        return point_reply_200(reply, &empty);
    }
    return rs_error_gone(reply, "n \"was\"\tbad");
}

rs_status big(const big_params *in, rs_reply *reply)
{
    static _Thread_local Point points[1000]; /* workers are threads: one array each */
    size_t n = in->n < 0 ? 0 : in->n > 1000 ? 1000 : (size_t)in->n;
    for (size_t i = 0; i < n; i++)
        points[i] = (Point){.x = (int64_t)i, .label = RS_STR("a point on a line")};
    Point_array all = {.v = points, .n = n};
    return big_reply_200(reply, &all);
}

rs_status nothing(const nothing_params *in, rs_reply *reply)
{
    (void)in;
    (void)reply;
    return (rs_status){0};
}

rs_status undeclared(const undeclared_params *in, rs_reply *reply)
{
    (void)in;
    return rs_error_busy(reply, NULL); /* the route lists only "gone" */
}

rs_status mismatch(const mismatch_params *in, rs_reply *reply)
{
    (void)in;
    rs_status first = mismatch_reply_200(reply, "ok", 2);
    (void)rs_error_gone(reply, NULL); /* overwrites the prepared body */
    return first;
}

rs_status forged(const forged_params *in, rs_reply *reply)
{
    (void)in;
    (void)reply;
    return (rs_status){.code = 200}; /* a status nothing prepared */
}

void untyped(const untyped_params *in, rs_reply *reply)
{
    (void)in;
    (void)reply; /* writes nothing */
}

rs_status raw(const raw_params *in, rs_reply *reply)
{
    (void)in;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    rs_reply_text(reply, head, sizeof head - 1, "raw", 3); /* bypasses the typed functions */
    return (rs_status){0};
}

rs_status borrowed(const borrowed_params *in, rs_reply *reply)
{
    (void)in;
    Point p = {.x = 1};
    return point_reply_200(reply, &p); /* another route's response, though the status matches */
}
