#include "hist.h"

void hist_merge(struct hist *dst, const struct hist *src)
{
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
}

/* Inverse of hist_index: lowest value and width of bucket i. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
    if (i < HIST_SUB) {
        *lo = i;
        *width = 1;
        return;
    }
    unsigned shift = i / HIST_SUB - 1;
    uint64_t sub = i % HIST_SUB;
    *lo = (HIST_SUB + sub) << shift;
    *width = 1ull << shift;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->count == 0)
        return 0;
    /* Rank of the wanted sample, 1-based, so q=1 lands on the last one. */
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t lo, width;
            bucket_range(i, &lo, &width);
            uint64_t mid = lo + width / 2;
            return mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}
