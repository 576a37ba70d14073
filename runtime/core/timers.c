/* timers.c — intrusive FIFO deadline lists over the connection slab. */
#include "core/timers.h"

void rs_timers_init(rs_timers *tm)
{
    for (int k = 0; k < RS_TIMER_KINDS; k++)
        tm->list[k].head = tm->list[k].tail = RS_NIL;
}

void rs_timer_cancel(rs_timers *tm, rs_conn_table *t, rs_conn *c)
{
    if (c->timer_kind == RS_TIMER_NONE)
        return;
    rs_timer_list *l = &tm->list[c->timer_kind];
    if (c->timer_prev != RS_NIL)
        t->slots[c->timer_prev].timer_next = c->timer_next;
    else
        l->head = c->timer_next;
    if (c->timer_next != RS_NIL)
        t->slots[c->timer_next].timer_prev = c->timer_prev;
    else
        l->tail = c->timer_prev;
    c->timer_prev = c->timer_next = RS_NIL;
    c->timer_kind = RS_TIMER_NONE;
}

void rs_timer_arm(rs_timers *tm, rs_conn_table *t, rs_conn *c, rs_timer_kind kind, uint32_t now_ms)
{
    rs_timer_cancel(tm, t, c);
    uint32_t idx = rs_conn_index(t, c);
    rs_timer_list *l = &tm->list[kind];
    c->timer_kind = (uint8_t)kind;
    c->deadline_ms = now_ms + tm->duration_ms[kind];
    c->timer_prev = l->tail;
    c->timer_next = RS_NIL;
    if (l->tail != RS_NIL)
        t->slots[l->tail].timer_next = idx;
    else
        l->head = idx;
    l->tail = idx;
}

/* Deadlines live on a wrapping 32-bit clock: compare by signed distance. */
static inline int deadline_passed(uint32_t deadline, uint32_t now)
{
    return (int32_t)(now - deadline) >= 0;
}

rs_conn *rs_timer_expired(rs_timers *tm, rs_conn_table *t, uint32_t now_ms)
{
    for (int k = 1; k < RS_TIMER_KINDS; k++) {
        uint32_t h = tm->list[k].head;
        if (h != RS_NIL && deadline_passed(t->slots[h].deadline_ms, now_ms))
            return &t->slots[h];
    }
    return NULL;
}

uint32_t rs_timer_next_wait(const rs_timers *tm, const rs_conn_table *t, uint32_t now_ms, uint32_t cap_ms)
{
    uint32_t wait = cap_ms;
    for (int k = 1; k < RS_TIMER_KINDS; k++) {
        uint32_t h = tm->list[k].head;
        if (h == RS_NIL)
            continue;
        int32_t left = (int32_t)(t->slots[h].deadline_ms - now_ms);
        if (left <= 0)
            return 0;
        if ((uint32_t)left < wait)
            wait = (uint32_t)left;
    }
    return wait;
}
