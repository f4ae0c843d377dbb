/* lp_wintest: see lp_wintest.h. */
#include "lp_wintest.h"

int lp_wintest_failed_checks;

int lp_wintest_run(const char *suite, const struct lp_wintest *tests, size_t n)
{
    int passed = 0, failed = 0;

    for (size_t i = 0; i < n; i++) {
        int before = lp_wintest_failed_checks;
        tests[i].fn();
        if (lp_wintest_failed_checks == before) {
            printf("ok   %s/%s\n", suite, tests[i].name);
            passed++;
        } else {
            printf("FAIL %s/%s\n", suite, tests[i].name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
