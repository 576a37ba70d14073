/* utf8.c — see utf8.h.
 *
 * State = (range << 2) | bytes still needed.  `range` constrains only the
 * first continuation byte, which is where overlong forms (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4) are told apart; every
 * later continuation byte is 80..BF (Unicode 15, table 3-7). */
#include "ws/utf8.h"

#include <string.h>

enum { R_ANY = 0, R_A0_BF, R_80_9F, R_90_BF, R_80_8F };

static const uint8_t range_lo[] = {0x80, 0xA0, 0x80, 0x90, 0x80};
static const uint8_t range_hi[] = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};

static uint8_t lead(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 1;
    if (b == 0xE0)
        return R_A0_BF << 2 | 2;
    if (b == 0xED)
        return R_80_9F << 2 | 2;
    if (b >= 0xE1 && b <= 0xEF)
        return 2;
    if (b == 0xF0)
        return R_90_BF << 2 | 3;
    if (b >= 0xF1 && b <= 0xF3)
        return 3;
    if (b == 0xF4)
        return R_80_8F << 2 | 3;
    return RS_UTF8_REJECT; /* 80..C1 (continuation or overlong lead), F5..FF */
}

uint8_t rs_utf8_feed(uint8_t state, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end && state != RS_UTF8_REJECT) {
        if (state == RS_UTF8_ACCEPT) {
            /* ASCII runs eight bytes at a time: most text is ASCII. */
            while (end - p >= 8) {
                uint64_t w;
                memcpy(&w, p, sizeof w);
                if (w & UINT64_C(0x8080808080808080))
                    break;
                p += 8;
            }
            if (p == end)
                break;
            if (*p < 0x80) {
                p++;
                continue;
            }
            state = lead(*p++);
            continue;
        }
        unsigned range = state >> 2;
        if (*p < range_lo[range] || *p > range_hi[range])
            return RS_UTF8_REJECT;
        p++;
        state = (uint8_t)((state & 3) - 1); /* later bytes: any continuation */
    }
    return state;
}
