/* fuzz_http1_split.c — libFuzzer harness: one input fed in random splits
 * must give exactly the transcript (events, head fields, body bytes, error
 * status) of the unsplit parse.
 *
 * The split points are derived from the input itself (a hash of it seeds a
 * xorshift generator), so every input is reproducible and a mutation also
 * moves the cuts.  Short inputs are also fed one byte per call. */
#include <stddef.h>
#include <stdint.h>

#include "http1_drive.h"
#include "split_cuts.h"

static void compare(const fz_log *want, const fz_log *got, const char *how)
{
    if (want->len == got->len && memcmp(want->s, got->s, want->len) == 0)
        return;
    fprintf(stderr, "%s split differs\n--- unsplit:\n%.*s--- split:\n%.*s---\n", how, (int)want->len,
            want->s ? want->s : "", (int)got->len, got->s ? got->s : "");
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const rs_http1_limits *lim = (data[0] & 1) ? &fuzz_small_limits : &fuzz_spec_limits;
    uint64_t seed = split_seed(data, size);

    size_t *cuts = malloc((size + 1) * sizeof *cuts);
    FUZZ_REQUIRE(cuts != NULL);
    fz_log want = {0};
    cuts[0] = size;
    drive(data, size, cuts, 1, lim, &want);

    for (int run = 0; run < 3; run++) {
        size_t nc = split_random_cuts(&seed, size, cuts);
        fz_log got = {0};
        drive(data, size, cuts, nc, lim, &got);
        compare(&want, &got, "random");
        free(got.s);
    }
    if (size <= 1024) {
        for (size_t k = 0; k < size; k++)
            cuts[k] = k + 1;
        fz_log got = {0};
        drive(data, size, cuts, size, lim, &got);
        compare(&want, &got, "byte-by-byte");
        free(got.s);
    }
    free(want.s);
    free(cuts);
    return 0;
}
