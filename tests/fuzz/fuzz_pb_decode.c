/* fuzz_pb_decode.c — every generated protobuf decoder of
 * tests/codegen/specs/grpc/codecs.toml and spec/arena.toml's messages on
 * arbitrary bytes (the first byte picks the message).  The decoders must
 * not read outside the input (ASan) nor misbehave (UBSan), and what one
 * accepts must survive a round trip: encode, decode, encode gives the same
 * bytes, within the message's MAX_SIZE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"

#define ROUND_TRIP(T, MAX)                                                                                   \
    do {                                                                                                     \
        static T m, again;                                                                                   \
        static uint8_t one[MAX], two[MAX];                                                                   \
        if (!T##_decode(data, size, &m))                                                                     \
            return 0;                                                                                        \
        size_t n1 = T##_encode(&m, one);                                                                     \
        if (n1 > MAX || n1 != T##_size(&m) || !T##_decode(one, n1, &again))                                  \
            abort();                                                                                         \
        size_t n2 = T##_encode(&again, two);                                                                 \
        if (n2 != n1 || memcmp(one, two, n1))                                                                \
            abort();                                                                                         \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0] % 3;
    data++;
    size--;
    switch (which) {
    case 0:
        ROUND_TRIP(msg_Scalars, MSG_SCALARS_MAX_SIZE);
        break;
    case 1:
        ROUND_TRIP(msg_Inner, MSG_INNER_MAX_SIZE);
        break;
    default:
        ROUND_TRIP(msg_Outer, MSG_OUTER_MAX_SIZE);
        break;
    }
    return 0;
}
