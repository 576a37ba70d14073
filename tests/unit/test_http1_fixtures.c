/* test_http1_fixtures.c — the HTTP/1.1 parser on the arena's request files
 * and on arbitrary input: a random blob, and random byte edits of valid
 * requests whose transcript must not depend on how the input is split.
 * Case machinery: http1_case.h.
 *
 * Usage: test_http1_fixtures <arena requests dir> */
#include "http1_case.h"

/* ---- 1. arena fixtures -------------------------------------------------- */

static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sb_put(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return b.s;
}

static void fixture(const char *dir, const char *name, const char *want)
{
    size_t n = 0;
    char *s = read_file(dir, name, &n);
    if (!tu_check(s != NULL, __FILE__, __LINE__, name)) {
        fprintf(stderr, "cannot read %s/%s\n", dir, name);
        return;
    }
    run_case(name, s, n, want);
    free(s);
}

#define GET_BASELINE(q) "HEAD GET /baseline11 ?" q " v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n"
#define POST_BASELINE(q, cl, body)                                                                           \
    "HEAD POST /baseline11 ?" q " v1.1 f=42 cl=" cl " hosts=1 hdrs=2\nDONE body=" body "\n"

static void test_fixtures(const char *dir)
{
    fixture(dir, "get.raw", GET_BASELINE("a=13&b=42"));
    fixture(dir, "post_cl.raw", POST_BASELINE("a=13&b=42", "2", "20"));
    fixture(dir, "post_chunked.raw",
            "HEAD POST /baseline11 ?a=13&b=42 v1.1 f=41 cl=0 hosts=1 hdrs=2\nDONE body=20\n");
    fixture(dir, "pipeline.raw", "HEAD GET /pipeline - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    fixture(dir, "valid-get1.raw", GET_BASELINE("a=13&b=42"));
    fixture(dir, "valid-get2.raw", GET_BASELINE("a=99&b=1"));
    fixture(dir, "valid-get3.raw", GET_BASELINE("a=7&b=88"));
    fixture(dir, "valid-get4.raw", GET_BASELINE("a=55&b=45"));
    fixture(dir, "valid-get5.raw", GET_BASELINE("a=200&b=300"));
    fixture(dir, "valid-post1.raw", POST_BASELINE("a=7&b=19", "1", "5"));
    fixture(dir, "valid-post2.raw", POST_BASELINE("a=33&b=22", "2", "11"));
    fixture(dir, "valid-post3.raw", POST_BASELINE("a=50&b=50", "2", "25"));
    fixture(dir, "valid-post4.raw", POST_BASELINE("a=1&b=2", "3", "100"));
    fixture(dir, "valid-post5.raw", POST_BASELINE("a=10&b=20", "1", "3"));
    fixture(dir, "noise-bare-cr.raw", "ERR 400\n");
    fixture(dir, "noise-binary.raw", "ERR 400\n");
    fixture(dir, "noise-null-byte.raw", "ERR 400\n");
    fixture(dir, "noise-obs-fold.raw", "ERR 400\n");
    fixture(dir, "noise-badheader.raw", "ERR 400\n");
    fixture(dir, "noise-empty-header.raw", "ERR 400\n");
    fixture(dir, "noise-double-crlf.raw", GET_BASELINE("a=1&b=1") "ERR 400\n");
    fixture(dir, "noise-huge-header.raw",
            "HEAD GET /baseline11 ?a=1&b=1 v1.1 f=40 cl=0 hosts=1 hdrs=2\nDONE body=\n");
    fixture(dir, "noise-badpath.raw",
            "HEAD GET /this/path/does/not/exist - v1.1 f=40 cl=0 hosts=1 hdrs=1\nDONE body=\n");
    fixture(dir, "noise-badcl.raw", "HEAD POST /baseline11 - v1.1 f=42 cl=999 hosts=1 hdrs=2\nINCOMPLETE\n");
}

/* ---- 2. arbitrary input --------------------------------------------------- */

static void test_random_blob(void)
{
    char blob[256];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (char)(rng() >> 24);
    run_case("random binary blob", blob, sizeof blob, "ERR 400\n");
}

/* Random byte edits of valid requests: whatever the transcript of the
 * unsplit input is, byte-by-byte and random splits must reproduce it. */
static void test_mutants(void)
{
    static const char *const seeds[] = {
        "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\nExpect: 100-continue\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n",
        "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;a=\"q\"\r\nhello\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\nHost: y\r\n\r\n",
    };
    static const char edits[] = "\r\n \t:;,=\"\\/?*0129aAfFzZ\x00\x7f\x80\xff";
    int bad = 0, runs = 0;

    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        size_t n = strlen(seeds[si]);
        char *m = malloc(n);
        size_t *cuts = malloc(n * sizeof *cuts);
        for (int r = 0; r < 300 && !bad; r++, runs++) {
            memcpy(m, seeds[si], n);
            for (int e = 1 + (int)(rng() % 3); e > 0; e--)
                m[rng() % n] = edits[rng() % (sizeof edits - 1)];
            sbuf want = {0};
            cuts[0] = n;
            drive(m, n, cuts, 1, &default_limits, &want);
            for (size_t k = 0; k < n; k++)
                cuts[k] = k + 1;
            bad |= !run_cuts(m, n, cuts, n, &default_limits, sb_str(&want), "mutant", "byte by byte");
            for (int t = 0; t < 4 && !bad; t++) {
                size_t nc = 0, at = 0;
                while (at < n) {
                    at += 1 + rng() % (n / 3 + 1);
                    cuts[nc++] = at < n ? at : n;
                }
                bad |= !run_cuts(m, n, cuts, nc, &default_limits, sb_str(&want), "mutant", "random split");
            }
            free(want.s);
        }
        free(cuts);
        free(m);
    }
    CHECK(!bad && runs == 900);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fixtures/arena/requests";
    test_fixtures(dir);
    test_random_blob();
    test_mutants();
    return tu_summary("http1_fixtures");
}
