/* split_cuts.h — how the split harnesses cut one input into pieces.
 *
 * The cuts derive from the input itself (FNV-1a seed, xorshift), so a crash
 * reproduces from its artifact alone, with no separate random state. */
#ifndef RS_FUZZ_SPLIT_CUTS_H
#define RS_FUZZ_SPLIT_CUTS_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t split_seed(const uint8_t *data, size_t size)
{
    uint64_t seed = 0xcbf29ce484222325ull; /* FNV-1a over the whole input */
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 0x100000001b3ull;
    return seed | 1; /* xorshift must not start at 0 */
}

static inline uint64_t split_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fills cuts (room for size + 1) with increasing end offsets, the last one
 * `size`, and returns how many.  Pieces of 0..2*mean bytes, the mean drawn
 * per call: some calls cut almost every byte, others in a few large pieces;
 * empty pieces (a recv that brought nothing new) are legal too. */
static inline size_t split_random_cuts(uint64_t *seed, size_t size, size_t *cuts)
{
    size_t mean = 1 + split_next(seed) % (size / 2 + 1), nc = 0, at = 0;
    while (at < size && nc < size) {
        at += split_next(seed) % (2 * mean + 1);
        cuts[nc++] = at < size ? at : size;
    }
    if (nc == 0 || cuts[nc - 1] != size)
        cuts[nc++] = size;
    return nc;
}

#endif
