/* Log-bucketed latency histogram (HDR-like).
 *
 * Values are nanoseconds. Every power of two is split into 128 linear
 * sub-buckets, so a recorded value is off by at most 1/128 (< 0.8%) of
 * itself, and recording is a count-leading-zeros plus an increment: cheap
 * enough for every response on the hot path. Each thread owns one; they are
 * merged after the run. */
#ifndef LOADGEN_HIST_H
#define LOADGEN_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Values are clamped to 2^40 ns (~18 min), far beyond any run. */
#define HIST_MAX_EXP 40
#define HIST_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB)

struct hist {
    uint64_t count;
    uint64_t sum;
    uint64_t max;
    uint64_t bucket[HIST_BUCKETS];
};

static inline unsigned hist_index(uint64_t v)
{
    if (v >= (1ull << HIST_MAX_EXP))
        v = (1ull << HIST_MAX_EXP) - 1;
    if (v < HIST_SUB)
        return (unsigned)v;                          /* exact below 128 ns */
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= HIST_SUB_BITS */
    unsigned shift = e - HIST_SUB_BITS;
    return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

static inline void hist_record(struct hist *h, uint64_t v)
{
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
    h->bucket[hist_index(v)]++;
}

void hist_merge(struct hist *dst, const struct hist *src);
/* Value (ns) at quantile q in [0,1]: the midpoint of the bucket holding it,
 * clamped to the exact maximum. 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
