#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(lp_strerror(LP_OK), "success");
    assert_string_equal(lp_strerror(LP_ERR_RESOLVE), "name resolution failed");
    for (int e = LP_ERR_PERM; e <= LP_OK; e++) {
        assert_non_null(lp_strerror(e));
        assert_string_not_equal(lp_strerror(e), "unknown error");
    }
    assert_string_equal(lp_strerror(-12), "unknown error");
    assert_string_equal(lp_strerror(1), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
