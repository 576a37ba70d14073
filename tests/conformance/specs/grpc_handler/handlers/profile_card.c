/* MakeCard: "Hello, NAME" (ADMIN: "Welcome back, NAME"), the sum of the scores, the request
 * echoed; an empty name is INVALID_ARGUMENT. */
#include <stdio.h>
#include <string.h>

#include "grpc_handlers.h"

rs_grpc_code profile_card(const msg_Who *request, msg_Card *reply)
{
    if (request->name.len == 0)
        return RS_GRPC_INVALID_ARGUMENT;
    const char *greeting = request->role == ENUM_Role_ADMIN ? "Welcome back, " : "Hello, ";
    int n = snprintf(reply->title.data, sizeof reply->title.data, "%s%.*s", greeting, (int)request->name.len,
                     request->name.data);
    reply->title.len = (uint32_t)(n < (int)sizeof reply->title.data ? n : (int)sizeof reply->title.data - 1);
    for (uint32_t i = 0; i < request->scores_count; i++)
        reply->total += request->scores[i];
    reply->has_who = true;
    reply->who = *request;
    return RS_GRPC_OK;
}
