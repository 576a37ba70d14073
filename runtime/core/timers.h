/* timers.h — per-reactor deadlines without a heap.
 *
 * Every timeout of a kind has the same duration, so appending a slot at the
 * tail of its kind's list keeps the list sorted by deadline: arming,
 * refreshing and cancelling are O(1) and expiry pops from the heads. */
#ifndef RS_TIMERS_H
#define RS_TIMERS_H

#include "core/conn.h"

typedef struct rs_timer_list {
    uint32_t head, tail;
} rs_timer_list;

typedef struct rs_timers {
    rs_timer_list list[RS_TIMER_KINDS];
    uint32_t duration_ms[RS_TIMER_KINDS];
} rs_timers;

void rs_timers_init(rs_timers *tm);

/* Puts c on kind's list with deadline now + duration (moving it from any
 * other list, or to the tail of the same one to refresh it). */
void rs_timer_arm(rs_timers *tm, rs_conn_table *t, rs_conn *c, rs_timer_kind kind, uint32_t now_ms);

void rs_timer_cancel(rs_timers *tm, rs_conn_table *t, rs_conn *c);

/* The first slot whose deadline has passed, or NULL; the caller must then
 * re-arm or cancel it before asking again. */
rs_conn *rs_timer_expired(rs_timers *tm, rs_conn_table *t, uint32_t now_ms);

/* Milliseconds until the earliest deadline (capped at cap_ms). */
uint32_t rs_timer_next_wait(const rs_timers *tm, const rs_conn_table *t, uint32_t now_ms, uint32_t cap_ms);

#endif
