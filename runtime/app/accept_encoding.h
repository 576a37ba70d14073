/* accept_encoding.h — content negotiation on Accept-Encoding (RFC 9110
 * §12.5.3): which of a route's offered codings a request gets. */
#ifndef RS_ACCEPT_ENCODING_H
#define RS_ACCEPT_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "app/ringspec.h"

/* q-values in thousandths (0..1000) per coding the server knows. */
enum { RS_AE_IDENTITY, RS_AE_GZIP, RS_AE_BR, RS_AE_STAR, RS_AE_KINDS };

typedef struct rs_accept {
    uint16_t q[RS_AE_KINDS];
    uint8_t listed; /* bit RS_AE_* set when the coding appeared in the list */
} rs_accept;

/* Parses a field value.  Elements that do not parse (a bad qvalue, junk
 * between elements) are skipped, so one bad element cannot make another
 * coding acceptable.  Unknown codings and parameters are ignored. */
void rs_accept_parse(const char *s, size_t n, rs_accept *out);

/* The coding for a response: the offered coding with the highest q > 0
 * (ties: the server's order), unless the client weighs identity higher.
 * Returns RS_CODING_IDENTITY when the field is absent (value NULL; the
 * arena requires no Content-Encoding then), when nothing offered is
 * acceptable, and also when the client excluded identity too ("*;q=0"):
 * we send identity rather than 406, as RFC 9110 §12.5.3 permits. */
rs_coding rs_accept_choose(const char *value, size_t n, const rs_compress *offer);

#endif
