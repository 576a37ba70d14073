/* request_text.h — request-scoped text: the decoded string parameters a
 * reply reads (a filter such as `icontains(name, q)`).
 *
 * Why not in the connection slot: the slot is 256 bytes and a string may be
 * hundreds, yet the reply runs only once the body has arrived, when the
 * head's bytes (in a provided buffer) are long gone.  So dispatch decodes
 * into a block the runtime keeps per connection in a side table of the
 * reactor (one pointer per slot, anonymous mmap: untouched unless a route
 * keeps text), and frees it as soon as the response is written. */
#ifndef RS_REQUEST_TEXT_H
#define RS_REQUEST_TEXT_H

#include "core/reactor.h"

/* Reserves the reactor's side table (max_connections pointers). */
int rs_request_text_init(rs_reactor *r);
void rs_request_text_destroy(rs_reactor *r);

/* Frees the connection's block, if any (end of a response, or teardown). */
void rs_request_text_free(rs_reactor *r, rs_conn *c);

#endif
