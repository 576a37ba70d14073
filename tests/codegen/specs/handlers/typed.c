/* typed: answers GET, HEAD /typed (no parameters) with its one typed response. */
#include "handlers.h"

rs_status typed(const typed_params *in, rs_reply *reply)
{
    (void)in;
    Pair pair = {.a = 1, .b = RS_STR("b")};
    return typed_reply_200(reply, &pair);
}
