/* grpc_defaults.c — what a build without gRPC methods links against:
 * generated grpc.c defines these for a spec with [service.*] methods,
 * overriding them.  In a file of their own, so that the compiler cannot
 * fold the weak values where they are read. */
#include "grpc/grpc.h"

__attribute__((weak)) const rs_grpc_method *rs_grpc_find(const char *path, size_t len)
{
    (void)path;
    (void)len;
    return NULL;
}

__attribute__((weak)) const uint32_t rs_grpc_max_message = 4096;
__attribute__((weak)) const bool rs_grpc_served = false;
