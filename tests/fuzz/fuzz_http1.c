/* fuzz_http1.c — libFuzzer harness: any bytes through the HTTP/1.1 parser.
 *
 * The whole input is the stream a client sent; the low bit of its first
 * byte picks the limits (small ones reach 414/431 with short inputs), so
 * plain requests work as seeds.  It is parsed unsplit with every
 * invariant of http1_drive.h checked.  Built with ASan+UBSan by `make fuzz`. */
#include <stddef.h>
#include <stdint.h>

#include "http1_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const rs_http1_limits *lim = (data[0] & 1) ? &fuzz_small_limits : &fuzz_spec_limits;
    size_t cut = size;
    fz_log log = {0};
    drive(data, size, &cut, 1, lim, &log);
    free(log.s);
    return 0;
}
