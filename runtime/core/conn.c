/* conn.c — the connection slab. */
#include "core/conn.h"

#include <string.h>
#include <sys/mman.h>

int rs_conn_table_init(rs_conn_table *t, uint32_t capacity)
{
    memset(t, 0, sizeof *t);
    size_t bytes = (size_t)capacity * sizeof(rs_conn);
    /* Anonymous mmap: untouched slots cost no resident memory. */
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return -1;
    t->slots = mem;
    t->capacity = capacity;
    t->free_head = RS_NIL;
    return 0;
}

void rs_conn_table_destroy(rs_conn_table *t)
{
    if (t->slots)
        munmap(t->slots, (size_t)t->capacity * sizeof(rs_conn));
    t->slots = NULL;
}

rs_conn *rs_conn_alloc(rs_conn_table *t)
{
    rs_conn *c;
    if (t->free_head != RS_NIL) {
        c = &t->slots[t->free_head];
        t->free_head = c->dirty_next;
    } else if (t->high_water < t->capacity) {
        c = &t->slots[t->high_water++];
        c->gen = 0;
    } else {
        return NULL;
    }
    uint32_t gen = c->gen;
    memset(c, 0, sizeof *c);
    c->gen = gen;
    c->fd = -1;
    c->timer_prev = c->timer_next = c->dirty_next = RS_NIL;
    t->in_use++;
    return c;
}

void rs_conn_release(rs_conn_table *t, rs_conn *c)
{
    c->state = RS_CONN_FREE;
    c->gen = (c->gen + 1) & 0xFFFFFF; /* 24 bits travel in user_data */
    c->dirty_next = t->free_head;
    t->free_head = rs_conn_index(t, c);
    t->in_use--;
}
