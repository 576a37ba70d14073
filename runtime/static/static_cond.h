/* static_cond.h — the status of a GET/HEAD on a file given its validators
 * and the request's conditional and Range fields. */
#ifndef RS_STATIC_COND_H
#define RS_STATIC_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ringspec.h"

enum { RS_COND_IF_NONE_MATCH, RS_COND_IF_MODIFIED_SINCE, RS_COND_RANGE, RS_COND_IF_RANGE, RS_COND_FIELDS };

/* Field names for rs_request_headers, in the order above. */
extern const char *const rs_cond_field_names[RS_COND_FIELDS];

typedef struct rs_static_validators {
    const char *etag; /* with quotes */
    size_t etag_len;
    const char *last_modified; /* IMF-fixdate, NUL-terminated */
    int64_t mtime;
    uint64_t size;
} rs_static_validators;

/* Whether the head may hold any of the fields above: some field line starts
 * with 'I' or 'R' (any case).  Most requests have none; one memchr pass then
 * replaces matching every field name against the four. */
bool rs_static_may_be_conditional(const char *head, size_t len);

/* 304, 416, 206 (with the range in off and len) or 200 (the whole: off 0, len size). */
uint16_t rs_static_evaluate(const rs_str h[RS_COND_FIELDS], const rs_static_validators *v, uint64_t *off,
                            uint64_t *len);

#endif
