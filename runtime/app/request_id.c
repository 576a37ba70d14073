/* request_id.c — see request_id.h. */
#include "app/request_id.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "app/reply.h"
#include "core/reactor.h"

/* What a passed id may hold: nothing that could end a header or a log field. */
static bool safe_id(const char *s, size_t n)
{
    if (n == 0 || n > RS_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("-_.:@/+=", c) != NULL;
        if (!ok || c == '\0')
            return false;
    }
    return true;
}

static void generate(rs_access_entry *e)
{
    static _Thread_local unsigned long long prefix, count; /* per worker thread */
    static _Thread_local bool seeded;
    if (!seeded) {
        if (getrandom(&prefix, sizeof prefix, GRND_NONBLOCK) != (ssize_t)sizeof prefix)
            prefix = (unsigned long long)(uintptr_t)&prefix ^ (unsigned long long)time(NULL);
        seeded = true;
    }
    int n = snprintf(e->request_id, sizeof e->request_id, "%016llx-%llx", prefix, ++count);
    e->request_id_len = (uint8_t)(n > 0 ? n : 0);
}

void rs_request_id_assign(const rs_reactor *r, rs_access_entry *e, const rs_request_view *req)
{
    if (!e || r->opt->request_id == RS_REQUEST_ID_OFF)
        return;
    rs_str v;
    if (req && r->opt->request_id == RS_REQUEST_ID_PASS && rs_request_header(req, "x-request-id", &v) &&
        safe_id(v.ptr, v.len)) {
        memcpy(e->request_id, v.ptr, v.len);
        e->request_id_len = (uint8_t)v.len;
        return;
    }
    generate(e);
}

size_t rs_request_id_line(const rs_reply *r, char *out)
{
    const rs_access_entry *e = r->access;
    if (!e || !e->request_id_len || !r->reactor->opt->request_id_echo)
        return 0;
    static const char name[] = "X-Request-Id: ";
    memcpy(out, name, sizeof name - 1);
    memcpy(out + sizeof name - 1, e->request_id, e->request_id_len);
    memcpy(out + sizeof name - 1 + e->request_id_len, "\r\n", 2);
    return sizeof name - 1 + e->request_id_len + 2;
}
