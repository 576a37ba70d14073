/* request_text.c — see request_text.h. */
#include "app/request_text.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "app/reply.h"

int rs_request_text_init(rs_reactor *r)
{
    size_t bytes = (size_t)r->opt->max_connections * sizeof(char *);
    void *table = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (table == MAP_FAILED)
        return -1;
    r->request_text = table;
    return 0;
}

void rs_request_text_destroy(rs_reactor *r)
{
    if (!r->request_text)
        return;
    /* Connections still holding text were released through rs_request_text_free. */
    munmap(r->request_text, (size_t)r->opt->max_connections * sizeof(char *));
    r->request_text = NULL;
}

void rs_request_text_free(rs_reactor *r, rs_conn *c)
{
    if (!(c->flags & RS_CF_TEXT)) /* the common case reads no table page at all */
        return;
    char **slot = &r->request_text[rs_conn_index(&r->conns, c)];
    free(*slot);
    *slot = NULL;
    c->flags &= (uint16_t)~RS_CF_TEXT;
}

char *rs_request_text(const rs_request_view *req, size_t size)
{
    rs_reactor *r = req->reactor;
    rs_conn *c = req->conn;
    rs_request_text_free(r, c); /* a block left by a refused request before */
    char *text = malloc(size ? size : 1);
    if (!text)
        return NULL;
    r->request_text[rs_conn_index(&r->conns, c)] = text;
    c->flags |= RS_CF_TEXT;
    return text;
}

const char *rs_reply_request_text(const rs_reply *reply)
{
    const rs_conn *c = reply->conn;
    if (!(c->flags & RS_CF_TEXT))
        return NULL;
    return reply->reactor->request_text[rs_conn_index(&reply->reactor->conns, c)];
}
