/* text_match.c — the string tests of data queries (`where` clauses and
 * `order by` on string fields), called by generated code per item.
 * Bytewise over UTF-8: equal text is equal bytes, and ASCII case folding
 * never touches the bytes of a multi-byte character (all >= 0x80). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "app/ringspec.h"

static inline unsigned char fold(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + ('a' - 'A')) : ch;
}

bool rs_text_starts_with(const char *s, size_t n, const char *prefix, size_t prefix_len)
{
    return prefix_len <= n && memcmp(s, prefix, prefix_len) == 0;
}

bool rs_text_contains(const char *s, size_t n, const char *needle, size_t needle_len)
{
    if (needle_len == 0)
        return true;
    return needle_len <= n && memmem(s, n, needle, needle_len) != NULL;
}

bool rs_text_iequal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

/* Needles are short (a search box, bounded by max_length) and names are
 * short, so the plain O(n*m) scan beats building a table per request. */
bool rs_text_icontains(const char *s, size_t n, const char *needle, size_t needle_len)
{
    if (needle_len == 0)
        return true;
    if (needle_len > n)
        return false;
    unsigned char first = fold((unsigned char)needle[0]);
    for (size_t i = 0; i + needle_len <= n; i++)
        if (fold((unsigned char)s[i]) == first && rs_text_iequal(s + i, needle_len, needle, needle_len))
            return true;
    return false;
}

int rs_text_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return (a_len > b_len) - (a_len < b_len);
}
