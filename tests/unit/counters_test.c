#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_counters.h"

static char line[LP_LOG_LINE_MAX];

static void capture(const char *l, size_t len, void *arg)
{
    (void)arg;
    memcpy(line, l, len + 1);
}

static uint64_t zero_clock(void)
{
    return 0;
}

static void test_drops(void **state)
{
    struct lp_counters c;

    (void)state;
    memset(&c, 0, sizeof(c));
    lp_counters_drop(&c, LP_REASON_RUNT);
    lp_counters_drop(&c, LP_REASON_RUNT);
    lp_counters_drop(&c, LP_REASON_JUMBO);
    lp_counters_drop(&c, LP_REASON_NONE);
    lp_counters_drop(&c, LP_REASON_MAX);
    lp_counters_drop(&c, (enum lp_reason) - 1);
    assert_int_equal(c.drops[LP_REASON_RUNT], 2);
    assert_int_equal(c.drops[LP_REASON_NONE], 0);
    assert_int_equal(lp_counters_total_drops(&c), 3);
    c.drops[LP_REASON_MALFORMED] = UINT64_MAX;
    lp_counters_drop(&c, LP_REASON_MALFORMED);
    assert_true(c.drops[LP_REASON_MALFORMED] == UINT64_MAX);
    assert_true(lp_counters_total_drops(&c) == UINT64_MAX);
}

static void test_add(void **state)
{
    struct lp_counters a, b;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.frames_rx = 5;
    a.drops[LP_REASON_RUNT] = 1;
    b.frames_rx = 7;
    b.bytes_tx = UINT64_MAX;
    a.bytes_tx = 3;
    b.drops[LP_REASON_RUNT] = 2;
    lp_counters_add(&a, &b);
    assert_int_equal(a.frames_rx, 12);
    assert_int_equal(a.drops[LP_REASON_RUNT], 3);
    assert_true(a.bytes_tx == UINT64_MAX); /* saturates */
}

static void test_stats(void **state)
{
    struct lp_counters c;
    struct lp_msg_stats s;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.frames_tx = 1;
    c.frames_rx = 2;
    c.datagrams_tx = 3;
    c.datagrams_rx = 4;
    c.bytes_tx = 500;
    c.bytes_rx = 600;
    c.drops[LP_REASON_OVER_MTU] = 7;
    c.drops[LP_REASON_RATE_BYTES] = 8;
    lp_counters_to_stats(&c, &s);
    assert_int_equal(s.frames_tx, 1);
    assert_int_equal(s.datagrams_rx, 4);
    assert_int_equal(s.ndrops, 2);
    assert_string_equal(s.drops[0].name, "over_mtu");
    assert_int_equal(s.drops[0].value, 7);
    assert_string_equal(s.drops[1].name, "rate_bytes");
    assert_int_equal(s.nextra, 3);
    assert_string_equal(s.extra[0].name, "bytes_tx");
    assert_int_equal(s.extra[0].value, 500);
    assert_string_equal(s.extra[1].name, "bytes_rx");
    assert_string_equal(s.extra[2].name, "ctrl_unknown");

    /* Every reason set still fits. */
    for (int i = 0; i < LP_REASON_MAX; i++)
        c.drops[i] = 1;
    lp_counters_to_stats(&c, &s);
    assert_int_equal(s.ndrops, LP_REASON_MAX - 1);

    /* And the result encodes. */
    struct lp_msg m = {.type = LP_MSG_STATS};
    uint8_t buf[4096];
    m.u.stats = s;
    assert_true(lp_ctrl_encode(buf, sizeof(buf), &m) > 0);
}

static void test_log(void **state)
{
    struct lp_counters c;

    (void)state;
    lp_log_set_sink(capture, NULL);
    lp_log_set_clock(zero_clock);
    memset(&c, 0, sizeof(c));
    c.frames_tx = 10;
    c.bytes_rx = 99;
    c.drops[LP_REASON_SOURCE_MAC] = 2;
    lp_counters_log(LP_LOG_INFO, "counters", &c);
    assert_string_equal(line, "ts=1970-01-01T00:00:00.000Z level=info "
                              "event=counters frames_tx=10 bytes_rx=99 "
                              "drop_source_mac=2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drops),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
