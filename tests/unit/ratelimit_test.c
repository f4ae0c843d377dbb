#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_ratelimit.h"

static void test_basic(void **state)
{
    struct lp_tbucket b;
    lp_tstamp t = 1000 * LP_SECONDS;

    (void)state;
    lp_tbucket_init(&b, 10, 5, t);
    for (int i = 0; i < 5; i++)
        assert_true(lp_tbucket_take(&b, 1, t));
    assert_false(lp_tbucket_take(&b, 1, t));
    /* 10/s: one token per 100 ms. */
    assert_false(lp_tbucket_take(&b, 1, t + 99 * LP_MILLISECONDS));
    assert_true(lp_tbucket_take(&b, 1, t + 100 * LP_MILLISECONDS));
    assert_false(lp_tbucket_take(&b, 1, t + 100 * LP_MILLISECONDS));
    /* A long pause refills only up to the burst. */
    t += 3600 * LP_SECONDS;
    assert_true(lp_tbucket_take(&b, 5, t));
    assert_false(lp_tbucket_take(&b, 1, t));
    /* More than the burst never passes. */
    t += 3600 * LP_SECONDS;
    assert_false(lp_tbucket_take(&b, 6, t));
    assert_true(lp_tbucket_take(&b, 0, t));
    assert_true(lp_tbucket_take(&b, 5, t));
}

static void test_fractional_refill(void **state)
{
    struct lp_tbucket b;
    lp_tstamp t = 0;
    int allowed = 0;

    (void)state;
    /* 3 per second, checked every millisecond for 10 s: exactly 30 plus
     * the initial burst of 2 (the bucket never fills, so no fraction of a
     * token is lost). */
    lp_tbucket_init(&b, 3, 2, t);
    for (int ms = 0; ms <= 10000; ms++)
        allowed += lp_tbucket_take(&b, 1, (lp_tstamp)ms * LP_MILLISECONDS);
    assert_int_equal(allowed, 32);
}

static void test_bytes(void **state)
{
    struct lp_tbucket b;

    (void)state;
    lp_tbucket_init(&b, 1000000, 1500 * 10, 0);
    for (int i = 0; i < 10; i++)
        assert_true(lp_tbucket_take(&b, 1500, 0));
    assert_false(lp_tbucket_take(&b, 1500, 0));
    assert_false(lp_tbucket_take(&b, 1500, 1499 * 1000));
    assert_true(lp_tbucket_take(&b, 1500, 1500 * 1000));
}

static void test_unlimited_and_defaults(void **state)
{
    struct lp_tbucket b;

    (void)state;
    lp_tbucket_init(&b, 0, 0, 0);
    for (int i = 0; i < 1000; i++)
        assert_true(lp_tbucket_take(&b, UINT64_MAX, 0));
    /* burst 0 means one second's worth. */
    lp_tbucket_init(&b, 4, 0, 0);
    assert_int_equal(b.burst, 4);
    assert_true(lp_tbucket_take(&b, 4, 0));
    assert_false(lp_tbucket_take(&b, 1, 0));
}

static void test_overflow(void **state)
{
    struct lp_tbucket b;

    (void)state;
    /* Huge rate and burst: the scaled size saturates. */
    lp_tbucket_init(&b, UINT64_MAX, UINT64_MAX, 0);
    assert_true(lp_tbucket_take(&b, UINT64_MAX / LP_SECONDS, 0));
    assert_false(lp_tbucket_take(&b, UINT64_MAX, 0));
    assert_true(lp_tbucket_take(&b, 1000, UINT64_MAX));
    assert_true(lp_tbucket_take(&b, 1000, UINT64_MAX));

    /* Huge time gap with a large rate. */
    lp_tbucket_init(&b, UINT64_MAX / 2, 10, 0);
    assert_true(lp_tbucket_take(&b, 10, 0));
    assert_false(lp_tbucket_take(&b, 1, 0));
    assert_true(lp_tbucket_take(&b, 10, UINT64_MAX));
    assert_int_equal(b.tokens, 0);

    /* Time going backwards adds nothing. */
    lp_tbucket_init(&b, 1, 1, 10 * LP_SECONDS);
    assert_true(lp_tbucket_take(&b, 1, 10 * LP_SECONDS));
    assert_false(lp_tbucket_take(&b, 1, 5 * LP_SECONDS));
    assert_false(lp_tbucket_take(&b, 1, 10 * LP_SECONDS));
    assert_true(lp_tbucket_take(&b, 1, 11 * LP_SECONDS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_fractional_refill),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unlimited_and_defaults),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
