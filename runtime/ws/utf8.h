/* utf8.h — incremental UTF-8 validation (RFC 3629: shortest form only, no
 * surrogates, nothing above U+10FFFF).
 *
 * The state is one byte so it can live in a connection slot and carry a
 * text message across frames and receives: feed pieces as they arrive; the
 * text is valid when the final state is RS_UTF8_ACCEPT.  RS_UTF8_REJECT is
 * reached at the first byte that cannot start or continue a valid sequence,
 * so callers can fail fast without waiting for the end of the message. */
#ifndef RS_UTF8_H
#define RS_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define RS_UTF8_ACCEPT 0u
#define RS_UTF8_REJECT 0xFFu

uint8_t rs_utf8_feed(uint8_t state, const char *s, size_t n);

#endif
