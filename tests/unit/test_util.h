/* test_util.h — tiny assertion helpers shared by the C unit tests.
 *
 * Every CHECK counts as one passed or failed assertion; a failure prints
 * file:line and what was expected, and the suite keeps going.  End main()
 * with `return tu_summary("suite");`, which prints the one line the test
 * runner greps ("suite: N passed, M failed") and returns the exit code. */
#ifndef RS_TEST_UTIL_H
#define RS_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

static int tu_passed, tu_failed;

static inline int tu_check(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        tu_passed++;
    } else {
        tu_failed++;
        fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, what);
    }
    return ok;
}

static inline int tu_check_int(long long got, long long want, const char *file, int line, const char *what)
{
    if (got == want)
        return tu_check(1, file, line, what);
    fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", file, line, what, got, want);
    return tu_check(0, file, line, what);
}

static inline int tu_check_str(const char *got, const char *want, const char *file, int line,
                               const char *what)
{
    if (strcmp(got, want) == 0)
        return tu_check(1, file, line, what);
    fprintf(stderr, "%s:%d: %s:\n--- got:\n%s--- want:\n%s---\n", file, line, what, got, want);
    return tu_check(0, file, line, what);
}

static inline int tu_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, tu_passed, tu_failed);
    return tu_failed ? 1 : 0;
}

#define CHECK(cond) tu_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ_INT(got, want) tu_check_int((long long)(got), (long long)(want), __FILE__, __LINE__, #got)
#define CHECK_EQ_STR(got, want, what) tu_check_str((got), (want), __FILE__, __LINE__, (what))

#endif
