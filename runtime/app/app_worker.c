/* app_worker.c — see app_worker.h. */
#include "app/app_worker.h"

#include <errno.h>
#include <stdlib.h>

#include "app/compress.h"
#include "app/json_scratch.h"
#include "app/request_text.h"

int rs_app_worker_init(rs_reactor *r)
{
    return rs_request_text_init(r) < 0 ? -ENOMEM : 0;
}

void rs_app_worker_destroy(rs_reactor *r)
{
    rs_request_text_destroy(r);
    free(r->access_entries); /* access_log.c */
    r->access_entries = NULL;
    free(r->query_index);
    r->query_index = NULL;
    rs_json_scratch_free(&r->json);
    rs_compressor_destroy(&r->compress);
}
