/* A gRPC handler of every_key.toml: echoes the request into the reply. */
#include "grpc_handlers.h"

rs_grpc_code grpc_custom(const msg_Ask *request, msg_Answer *reply)
{
    if (request->n < 0)
        return RS_GRPC_INVALID_ARGUMENT;
    reply->total = request->n;
    reply->has_ask = true;
    reply->ask = *request;
    return RS_GRPC_OK;
}
