/* custom: answers GET, HEAD /custom (no parameters). */
#include "handlers.h"

void custom(const custom_params *in, rs_reply *reply)
{
    (void)in;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    static const char body[] = "custom\n";
    rs_reply_text(reply, head, sizeof head - 1, body, sizeof body - 1);
}

