/* Results: merging the workers' counters, the human summary and the JSON
 * object the bench scripts read. */
#ifndef LOADGEN_REPORT_H
#define LOADGEN_REPORT_H

#include "args.h"
#include "stats.h"
#include "template.h"

#include <stdio.h>

struct report {
    const struct config *cfg;
    const struct templates *ts;
    const struct stats *total;
    double duration_s; /* measured window */
    double cpu_user_s; /* this process, whole run (warmup included) */
    double cpu_sys_s;
};

void stats_merge(struct stats *dst, const struct stats *src);
void report_human(FILE *out, const struct report *r);
/* Writes the JSON object to path ("-" = stdout). Returns -1 on I/O error. */
int report_json(const char *path, const struct report *r);

#endif
