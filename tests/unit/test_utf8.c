/* test_utf8.c — incremental UTF-8 validation (runtime/ws/utf8.c), including
 * every split of each sample into two pieces (text arrives in fragments). */
#include <string.h>

#include "test_util.h"
#include "ws/utf8.h"

static uint8_t feed_split(const char *s, size_t n, size_t k)
{
    uint8_t st = rs_utf8_feed(RS_UTF8_ACCEPT, s, k);
    return rs_utf8_feed(st, s + k, n - k);
}

/* valid: final state ACCEPT at every split; invalid: never ACCEPT. */
static void check(const char *s, size_t n, int valid)
{
    for (size_t k = 0; k <= n; k++) {
        uint8_t st = feed_split(s, n, k);
        if (valid)
            CHECK_EQ_INT(st, RS_UTF8_ACCEPT);
        else
            CHECK(st != RS_UTF8_ACCEPT);
    }
}

#define VALID(lit) check(lit, sizeof lit - 1, 1)
#define INVALID(lit) check(lit, sizeof lit - 1, 0)

int main(void)
{
    VALID("");
    VALID("Hello, world: plain ASCII longer than eight bytes");
    VALID("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"); /* κόσμε (Autobahn 6.2) */
    VALID("\xc2\x80\xdf\xbf");                             /* 2-byte bounds */
    VALID("\xe0\xa0\x80\xef\xbf\xbf");                     /* 3-byte bounds */
    VALID("\xed\x9f\xbf\xee\x80\x80");                     /* around the surrogates */
    VALID("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");             /* 4-byte bounds, U+10FFFF */
    VALID("abcdefgh\xf0\x9f\x98\x80ijklmnop");             /* emoji inside ASCII runs */

    INVALID("\x80");             /* lone continuation */
    INVALID("\xc0\xaf");         /* overlong '/' */
    INVALID("\xc1\xbf");         /* overlong */
    INVALID("\xe0\x80\xaf");     /* overlong 3-byte */
    INVALID("\xf0\x80\x80\xaf"); /* overlong 4-byte */
    INVALID("\xed\xa0\x80");     /* U+D800 surrogate */
    INVALID("\xed\xbf\xbf");     /* U+DFFF surrogate */
    INVALID("\xf4\x90\x80\x80"); /* U+110000 */
    INVALID("\xf5\x80\x80\x80"); /* past F4 */
    INVALID("\xff");             /* never valid */
    INVALID("\xce\xba\xe1\xbd"); /* truncated at the end */
    INVALID("abc\xe1\xbd x");    /* truncated inside */
    INVALID("\xc2\x80\x80");     /* extra continuation */

    /* Fail fast: REJECT at the bad byte, before the rest of the text. */
    CHECK_EQ_INT(rs_utf8_feed(RS_UTF8_ACCEPT, "\xce\xba\xf4\x90", 4), RS_UTF8_REJECT);
    CHECK_EQ_INT(rs_utf8_feed(RS_UTF8_REJECT, "a", 1), RS_UTF8_REJECT);
    return tu_summary("utf8");
}
