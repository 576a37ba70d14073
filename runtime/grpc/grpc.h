/* grpc.h — gRPC for generated code (grpc.c and messages.c of a build) and
 * for the HTTP/2 layer that hands calls over.
 *
 * A build whose spec declares [service.*] methods defines rs_grpc_find,
 * rs_grpc_max_message and rs_grpc_served (generated grpc.c); others link
 * the weak defaults of grpc_defaults.c (no method, not served). */
#ifndef RS_GRPC_H
#define RS_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The status codes of the gRPC protocol (grpc/doc/statuscodes.md). */
typedef enum rs_grpc_code {
    RS_GRPC_OK = 0,
    RS_GRPC_CANCELLED = 1,
    RS_GRPC_UNKNOWN = 2,
    RS_GRPC_INVALID_ARGUMENT = 3,
    RS_GRPC_DEADLINE_EXCEEDED = 4,
    RS_GRPC_NOT_FOUND = 5,
    RS_GRPC_ALREADY_EXISTS = 6,
    RS_GRPC_PERMISSION_DENIED = 7,
    RS_GRPC_RESOURCE_EXHAUSTED = 8,
    RS_GRPC_FAILED_PRECONDITION = 9,
    RS_GRPC_ABORTED = 10,
    RS_GRPC_OUT_OF_RANGE = 11,
    RS_GRPC_UNIMPLEMENTED = 12,
    RS_GRPC_INTERNAL = 13,
    RS_GRPC_UNAVAILABLE = 14,
    RS_GRPC_DATA_LOSS = 15,
    RS_GRPC_UNAUTHENTICATED = 16,
} rs_grpc_code;

typedef struct rs_grpc_method {
    const char *path; /* "/benchmark.BenchmarkService/GetSum" */
    uint16_t path_len;
    bool server_stream;
    uint32_t request_size; /* bytes of the decoded request struct */
    uint32_t reply_max;    /* largest encoded reply message */
    /* Decodes a request message; false when malformed or over the spec's bounds. */
    bool (*decode)(const uint8_t *p, size_t n, void *request);
    /* Unary: the reply message into out (reply_max bytes), its length in *len. */
    rs_grpc_code (*unary)(const void *request, uint8_t *out, size_t *len);
    /* Server stream: how many replies (none when < 1; over max_count:
     * OUT_OF_RANGE), and reply i (0-based) into out; returns its length. */
    int64_t (*count)(const void *request);
    int64_t max_count;
    size_t (*item)(const void *request, int64_t i, uint8_t *out);
} rs_grpc_method;

/* The method of a :path, or NULL. */
const rs_grpc_method *rs_grpc_find(const char *path, size_t len);
/* [grpc] max_message: the largest request message, decompressed. */
extern const uint32_t rs_grpc_max_message;
/* The build serves gRPC (it has at least one method). */
extern const bool rs_grpc_served;

#endif
