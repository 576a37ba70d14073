/* date_cache.c — formats the Date header without locale or strftime so the
 * bytes are exactly IMF-fixdate whatever the environment says. */
#include "core/date_cache.h"

#include <string.h>

_Thread_local char rs_date_line[RS_DATE_LINE_LEN + 1];
static _Thread_local time_t formatted_at = -1;

static void two_digits(char *dst, int v)
{
    dst[0] = (char)('0' + v / 10);
    dst[1] = (char)('0' + v % 10);
}

void rs_date_refresh(time_t now)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (now == formatted_at)
        return;
    struct tm tm;
    gmtime_r(&now, &tm);
    int year = (tm.tm_year + 1900) % 10000;
    char *p = rs_date_line;
    memcpy(p, "Date: ", 6);
    memcpy(p + 6, days[tm.tm_wday], 3);
    memcpy(p + 9, ", ", 2);
    two_digits(p + 11, tm.tm_mday);
    p[13] = ' ';
    memcpy(p + 14, months[tm.tm_mon], 3);
    p[17] = ' ';
    two_digits(p + 18, year / 100);
    two_digits(p + 20, year % 100);
    p[22] = ' ';
    two_digits(p + 23, tm.tm_hour);
    p[25] = ':';
    two_digits(p + 26, tm.tm_min);
    p[28] = ':';
    two_digits(p + 29, tm.tm_sec);
    memcpy(p + 31, " GMT\r\n", 6);
    p[RS_DATE_LINE_LEN] = '\0';
    formatted_at = now;
}
