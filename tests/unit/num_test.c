/* lib/lp_num: the strict number parser, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_num.h"

static void test_table(void **state)
{
    static const struct {
        const char *s;
        uint64_t min, max;
        int rv;
        uint64_t v;
    } t[] = {
        {"0", 0, 10, 0, 0},
        {"30", 1, 3600, 0, 30},
        {"3600", 1, 3600, 0, 3600},
        {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
        {"18446744073709551616", 0, UINT64_MAX, LP_ERR_RANGE, 0},
        {"99999999999999999999999", 0, UINT64_MAX, LP_ERR_RANGE, 0},
        {"3601", 1, 3600, LP_ERR_RANGE, 0},
        {"0", 1, 3600, LP_ERR_RANGE, 0},
        {"007", 0, 10, 0, 7},
        {"30abc", 1, 3600, LP_ERR_INVAL, 0},
        {"", 0, 10, LP_ERR_INVAL, 0},
        {" 5", 0, 10, LP_ERR_INVAL, 0},
        {"5 ", 0, 10, LP_ERR_INVAL, 0},
        {"+5", 0, 10, LP_ERR_INVAL, 0},
        {"-5", 0, 10, LP_ERR_INVAL, 0},
        {"0x10", 0, 100, LP_ERR_INVAL, 0},
        {"1e3", 0, 10000, LP_ERR_INVAL, 0},
        {"5.0", 0, 10, LP_ERR_INVAL, 0},
        {"99999999999999999999x", 0, UINT64_MAX, LP_ERR_INVAL, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t v = 12345;
        int rv = lp_num_parse_u64(t[i].s, t[i].min, t[i].max, &v);
        print_message("'%s'\n", t[i].s);
        assert_int_equal(rv, t[i].rv);
        assert_true(v == (rv == 0 ? t[i].v : 12345));
    }
    assert_int_equal(lp_num_parse_u64(NULL, 0, 1, NULL), LP_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
