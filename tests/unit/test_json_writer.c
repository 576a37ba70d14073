/* test_json_writer.c — the JSON writer: string escaping, integers, growth. */
#include <stdlib.h>

#include "app/json_scratch.h"
#include "test_util.h"

static rs_json w;

static const char *str(const char *s, size_t n)
{
    w.p = w.base;
    w.failed = false;
    rs_json_string(&w, s, n);
    rs_json_raw(&w, "", 1); /* NUL for comparison */
    return w.base;
}

static void test_escaping(void)
{
    CHECK_EQ_STR(str("plain", 5), "\"plain\"", "plain");
    CHECK_EQ_STR(str("", 0), "\"\"", "empty");
    CHECK_EQ_STR(str(NULL, 0), "\"\"", "unset rs_str of a handler (NULL, 0): no memcpy from NULL");
    CHECK_EQ_STR(str("a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quote and backslash");
    CHECK_EQ_STR(str("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"", "short forms");
    CHECK_EQ_STR(str("\x01\x1f\x0b", 3), "\"\\u0001\\u001f\\u000b\"", "other controls as \\u00XX");
    CHECK_EQ_STR(str("x\0y", 3), "\"x\\u0000y\"", "NUL");
    CHECK_EQ_STR(str("\x7f", 1), "\"\x7f\"", "DEL needs no escape");
    CHECK_EQ_STR(str("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", 14),
                 "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"", "UTF-8 passes through");
    CHECK_EQ_STR(str("/<>'", 4), "\"/<>'\"", "no needless escapes");
    /* Every byte below 0x20 is escaped, nothing else is. */
    for (int c = 0; c < 256; c++) {
        char in = (char)c;
        const char *out = str(&in, 1);
        size_t len = strlen(out);
        int escaped = out[1] == '\\';
        CHECK_EQ_INT(escaped, c < 0x20 || c == '"' || c == '\\');
        if (c >= 0x20 && c != '"' && c != '\\')
            CHECK_EQ_INT(len, 3);
    }
}

static void test_ints_and_growth(void)
{
    w.p = w.base;
    w.failed = false;
    rs_json_int(&w, INT64_MIN);
    rs_json_raw(&w, ",", 1);
    rs_json_int(&w, 0);
    rs_json_raw(&w, ",", 1);
    rs_json_bool(&w, true);
    rs_json_raw(&w, ",", 1);
    rs_json_bool(&w, false);
    rs_json_raw(&w, "", 1);
    CHECK_EQ_STR(w.base, "-9223372036854775808,0,true,false", "ints and bools");

    /* Every width, both signs, and the edges of the one- and two-digit fast path. */
    static const int64_t edges[] = {-100, -99, -10, -9,  -1,   1,     9,         10,           11,
                                    99,   100, 101, 999, 1000, 65535, INT64_MAX, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)edges[i]);
        w.p = w.base;
        w.failed = false;
        rs_json_int(&w, edges[i]);
        rs_json_raw(&w, "", 1);
        CHECK_EQ_STR(w.base, want, "integer formatting");
    }

    /* Growth keeps what was written, and the cap turns into failed. */
    w.p = w.base;
    w.failed = false;
    for (int i = 0; i < 100000; i++)
        rs_json_raw(&w, "0123456789", 10);
    CHECK(!w.failed);
    CHECK_EQ_INT(w.p - w.base, 1000000);
    CHECK(memcmp(w.base + 999990, "0123456789", 10) == 0);
    char *big = malloc(RS_JSON_MAX);
    memset(big, 'a', RS_JSON_MAX);
    rs_json_raw(&w, big, RS_JSON_MAX);
    CHECK(w.failed);
    rs_json_string(&w, "x", 1);
    CHECK(w.failed);
    free(big);
}

int main(void)
{
    test_escaping();
    test_ints_and_growth();
    rs_json_scratch_free(&w);
    return tu_summary("json_writer");
}
