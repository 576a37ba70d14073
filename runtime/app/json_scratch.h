/* json_scratch.h — the per-reactor buffer JSON bodies are built in.
 *
 * Why a scratch buffer rather than writing into the output chunks and
 * backfilling Content-Length: a compressed reply needs the whole body
 * contiguous anyway, and for identity a single memcpy of a few KiB into
 * the output queue costs less than the bookkeeping of reserving a header
 * gap across chunks.  The buffer is grown on the largest body seen, then
 * reused for every request of the reactor: no per-request malloc. */
#ifndef RS_JSON_SCRATCH_H
#define RS_JSON_SCRATCH_H

#include "app/ringspec.h"

#define RS_JSON_INITIAL (16u * 1024u)
#define RS_JSON_MAX (16u * 1024u * 1024u) /* larger bodies answer 500 */

void rs_json_scratch_free(rs_json *w);

#endif
