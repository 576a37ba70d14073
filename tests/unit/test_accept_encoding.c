/* test_accept_encoding.c — Accept-Encoding parsing and the coding choice
 * (RFC 9110 §12.5.3), for a route offering br then gzip, and gzip only. */
#include "app/accept_encoding.h"
#include "test_util.h"

static const rs_compress br_gzip = {2, {{RS_CODING_BR, 5}, {RS_CODING_GZIP, 6}}};
static const rs_compress gzip_only = {1, {{RS_CODING_GZIP, 6}}};

static rs_coding choose(const char *v, const rs_compress *offer)
{
    return rs_accept_choose(v, v ? strlen(v) : 0, offer);
}

#define I RS_CODING_IDENTITY
#define G RS_CODING_GZIP
#define B RS_CODING_BR

static void test_choice(void)
{
    CHECK_EQ_INT(choose(NULL, &br_gzip), I); /* no field: no Content-Encoding (arena) */
    CHECK_EQ_INT(choose("", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip, br", &br_gzip), B);
    CHECK_EQ_INT(choose("gzip, br", &gzip_only), G);
    CHECK_EQ_INT(choose("gzip;q=0, br", &br_gzip), B);
    CHECK_EQ_INT(choose("br;q=0, gzip", &br_gzip), G);
    CHECK_EQ_INT(choose("br;q=0, gzip", &gzip_only), G);
    CHECK_EQ_INT(choose("identity", &br_gzip), I);
    CHECK_EQ_INT(choose("*;q=0", &br_gzip), I); /* nothing acceptable: identity anyway */
    CHECK_EQ_INT(choose("*", &br_gzip), B);
    CHECK_EQ_INT(choose("*;q=0.5, br;q=0", &br_gzip), G);
    CHECK_EQ_INT(choose("br;q=1, gzip;q=0.8", &br_gzip), B);
    CHECK_EQ_INT(choose("br;q=0.5, gzip;q=0.8", &br_gzip), G);
    CHECK_EQ_INT(choose("gzip;q=0.5, identity", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;q=0.5, identity;q=0.4", &br_gzip), G);
    CHECK_EQ_INT(choose(" \tGZip ; Q=1 ,, ,BR;q=0.999", &br_gzip), G);
    CHECK_EQ_INT(choose("x-gzip", &br_gzip), G);
    CHECK_EQ_INT(choose("deflate, zstd", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;q=1.001", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;q=1.000", &br_gzip), G);
    CHECK_EQ_INT(choose("gzip;q=0.0001", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;q=", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;q", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip br", &br_gzip), I);
    CHECK_EQ_INT(choose("gzip;level=9", &br_gzip), G);
    CHECK_EQ_INT(choose("br;q=0, br", &br_gzip), B); /* a repeat keeps its highest weight */
}

static void test_parse(void)
{
    rs_accept a;
    const char *v = "gzip;q=0.25, identity;q=0, *;q=0.5";
    rs_accept_parse(v, strlen(v), &a);
    CHECK_EQ_INT(a.q[RS_AE_GZIP], 250);
    CHECK_EQ_INT(a.q[RS_AE_IDENTITY], 0);
    CHECK_EQ_INT(a.q[RS_AE_STAR], 500);
    CHECK_EQ_INT(a.listed, (1 << RS_AE_GZIP) | (1 << RS_AE_IDENTITY) | (1 << RS_AE_STAR));
}

int main(void)
{
    test_choice();
    test_parse();
    return tu_summary("accept_encoding");
}
