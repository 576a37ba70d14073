/* date_cache.h — the preformatted "Date: ...\r\n" header line, per thread,
 * reformatted at most once a second (RFC 9110 §6.6.1 IMF-fixdate). */
#ifndef RS_DATE_CACHE_H
#define RS_DATE_CACHE_H

#include <time.h>

#define RS_DATE_LINE_LEN 37 /* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" */

extern _Thread_local char rs_date_line[RS_DATE_LINE_LEN + 1];

/* Reformats the line when `now` (wall-clock seconds) differs from the last
 * call; cheap enough to call once per event-loop iteration. */
void rs_date_refresh(time_t now);

#endif
