/* PUT /shelf of tests/conformance/specs/rest: a typed handler answering 204. */
#include "handlers.h"

rs_status put_shelf(const put_shelf_params *in, rs_reply *reply)
{
    if (in->body == 0)
        return put_shelf_reply_200(reply, "nothing", 7);
    return put_shelf_reply_204(reply);
}
