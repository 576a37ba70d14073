/* An untyped handler: writes its reply itself; the route's response_headers (and the
 * server's) are added by the runtime all the same (test_request_id.py). */
#include "handlers.h"

void handled(const handled_params *in, rs_reply *reply)
{
    (void)in;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    static const char body[] = "by hand";
    rs_reply_text(reply, head, sizeof head - 1, body, sizeof body - 1);
}
