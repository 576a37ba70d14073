/* accept_encoding.c — Accept-Encoding parsing and coding choice.
 *
 *   Accept-Encoding = #( codings [ weight ] )
 *   codings = content-coding / "identity" / "*"
 *   weight  = OWS ";" OWS "q=" qvalue
 *   qvalue  = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * Runs once per request on a route that can compress; a few dozen bytes. */
#include "app/accept_encoding.h"

#include <stdbool.h>
#include <strings.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int kind_of(const char *s, size_t n)
{
    if (n == 1 && s[0] == '*')
        return RS_AE_STAR;
    if (n == 4 && strncasecmp(s, "gzip", 4) == 0)
        return RS_AE_GZIP;
    if (n == 6 && strncasecmp(s, "x-gzip", 6) == 0) /* RFC 9110 §8.4.1.3: same as gzip */
        return RS_AE_GZIP;
    if (n == 2 && strncasecmp(s, "br", 2) == 0)
        return RS_AE_BR;
    if (n == 8 && strncasecmp(s, "identity", 8) == 0)
        return RS_AE_IDENTITY;
    return -1;
}

/* qvalue at s[0..n) in thousandths, or -1 if malformed. */
static int parse_qvalue(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int q = (s[0] - '0') * 1000;
    if (n == 1)
        return q;
    if (s[1] != '.' || n > 5)
        return -1;
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* One element "coding *( OWS ; OWS param )" in s[0..n), OWS trimmed.
 * Returns false when it does not parse. */
static bool parse_element(const char *s, size_t n, int *kind, int *q)
{
    size_t i = 0;
    while (i < n && is_tchar(s[i]))
        i++;
    if (i == 0)
        return false;
    *kind = kind_of(s, i);
    *q = 1000;
    while (i < n) {
        while (i < n && is_ows(s[i]))
            i++;
        if (i == n || s[i] != ';')
            return false;
        i++;
        while (i < n && is_ows(s[i]))
            i++;
        size_t name = i;
        while (i < n && is_tchar(s[i]))
            i++;
        if (i == name || i == n || s[i] != '=')
            return false;
        size_t name_len = i - name, value = ++i;
        while (i < n && is_tchar(s[i])) /* quoted values are not valid for q; others are ignored */
            i++;
        if (name_len == 1 && (s[name] == 'q' || s[name] == 'Q')) {
            *q = parse_qvalue(s + value, i - value);
            if (*q < 0)
                return false;
        } else if (i == value) {
            return false;
        }
    }
    return true;
}

void rs_accept_parse(const char *s, size_t n, rs_accept *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && s[i] != ',')
            i++;
        size_t a = start, b = i;
        while (a < b && is_ows(s[a]))
            a++;
        while (b > a && is_ows(s[b - 1]))
            b--;
        int kind, q;
        if (b > a && parse_element(s + a, b - a, &kind, &q) && kind >= 0) {
            /* A repeated coding keeps its highest weight. */
            if (!(out->listed & (1u << kind)) || q > out->q[kind])
                out->q[kind] = (uint16_t)q;
            out->listed |= (uint8_t)(1u << kind);
        }
        i++; /* past ',' (or past the end) */
    }
}

/* q of a coding: its own entry, else "*", else not acceptable. */
static int q_of(const rs_accept *a, int kind)
{
    if (a->listed & (1u << kind))
        return a->q[kind];
    if (a->listed & (1u << RS_AE_STAR))
        return a->q[RS_AE_STAR];
    return 0;
}

rs_coding rs_accept_choose(const char *value, size_t n, const rs_compress *offer)
{
    if (!value)
        return RS_CODING_IDENTITY;
    rs_accept a;
    rs_accept_parse(value, n, &a);
    /* identity is acceptable unless excluded, explicitly or through "*"; with
     * no weight of its own it ranks below every coding the client listed. */
    int identity_q = (a.listed & (1u << RS_AE_IDENTITY)) ? a.q[RS_AE_IDENTITY]
                     : (a.listed & (1u << RS_AE_STAR))   ? a.q[RS_AE_STAR]
                                                         : 1;
    rs_coding best = RS_CODING_IDENTITY;
    int best_q = 0;
    for (unsigned i = 0; i < offer->count; i++) {
        rs_coding c = (rs_coding)offer->offer[i].coding;
        int q = q_of(&a, c == RS_CODING_GZIP ? RS_AE_GZIP : RS_AE_BR);
        if (q > best_q) {
            best = c;
            best_q = q;
        }
    }
    /* Equal weights favour compression: smaller is what both sides want. */
    return best_q > 0 && best_q >= identity_q ? best : RS_CODING_IDENTITY;
}
