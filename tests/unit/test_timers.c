/* test_timers.c — deadline lists: expiry order, refresh moves a slot to the
 * back, cancel unlinks from anywhere, and the 32-bit clock may wrap. */
#include <stdint.h>

#include "core/conn.h"
#include "core/timers.h"
#include "test_util.h"

static void test_expiry_refresh_cancel(uint32_t t0)
{
    rs_conn_table t;
    rs_timers tm;
    CHECK(rs_conn_table_init(&t, 8) == 0);
    rs_timers_init(&tm);
    tm.duration_ms[RS_TIMER_IDLE] = 100;
    tm.duration_ms[RS_TIMER_HEADER] = 50;
    rs_conn *a = rs_conn_alloc(&t), *b = rs_conn_alloc(&t), *c = rs_conn_alloc(&t);
    rs_timer_arm(&tm, &t, a, RS_TIMER_IDLE, t0);
    rs_timer_arm(&tm, &t, b, RS_TIMER_IDLE, t0 + 10);
    rs_timer_arm(&tm, &t, c, RS_TIMER_HEADER, t0 + 20); /* deadline t0+70 */

    CHECK(rs_timer_expired(&tm, &t, t0 + 69) == NULL);
    CHECK_EQ_INT(rs_timer_next_wait(&tm, &t, t0 + 60, 1000), 10);
    CHECK(rs_timer_expired(&tm, &t, t0 + 70) == c);
    rs_timer_cancel(&tm, &t, c);
    CHECK(rs_timer_expired(&tm, &t, t0 + 99) == NULL);

    rs_timer_arm(&tm, &t, a, RS_TIMER_IDLE, t0 + 95); /* refresh: a now expires after b */
    CHECK(rs_timer_expired(&tm, &t, t0 + 110) == b);
    rs_timer_cancel(&tm, &t, b);
    CHECK(rs_timer_expired(&tm, &t, t0 + 194) == NULL);
    CHECK(rs_timer_expired(&tm, &t, t0 + 195) == a);
    rs_timer_cancel(&tm, &t, a);
    CHECK(rs_timer_expired(&tm, &t, t0 + 100000) == NULL);
    CHECK_EQ_INT(rs_timer_next_wait(&tm, &t, t0, 1000), 1000);
    CHECK(a->timer_kind == RS_TIMER_NONE && a->timer_prev == RS_NIL && a->timer_next == RS_NIL);
    rs_conn_table_destroy(&t);
}

static void test_slot_generation_advances(void)
{
    rs_conn_table t;
    CHECK(rs_conn_table_init(&t, 2) == 0);
    rs_conn *a = rs_conn_alloc(&t);
    uint32_t gen = a->gen;
    rs_conn_alloc(&t);
    CHECK(rs_conn_alloc(&t) == NULL); /* full */
    rs_conn_release(&t, a);
    rs_conn *again = rs_conn_alloc(&t);
    CHECK(again == a);                              /* warm slot reused */
    CHECK_EQ_INT(again->gen, (gen + 1) & 0xFFFFFF); /* old completions cannot match */
    CHECK_EQ_INT(t.in_use, 2);
    rs_conn_table_destroy(&t);
}

int main(void)
{
    test_expiry_refresh_cancel(1000);
    test_expiry_refresh_cancel(UINT32_MAX - 60); /* deadlines wrap past zero */
    test_slot_generation_advances();
    return tu_summary("timers");
}
