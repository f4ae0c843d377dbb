/*
 * lp_wintest: a tiny self-contained test runner for the Windows-specific
 * pure logic (cmocka is not available for mingw). Each test is a function;
 * CHECK* macros record a failure with file and line and continue; the
 * runner prints one line per failed check and closes with exactly
 * "N passed, N failed" (counting tests), returning non-zero on failure.
 */
#ifndef LP_WINTEST_H
#define LP_WINTEST_H

#include <stdio.h>
#include <string.h>

struct lp_wintest {
    const char *name;
    void (*fn)(void);
};

extern int lp_wintest_failed_checks;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
            lp_wintest_failed_checks++;                                        \
        }                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_) {                                                        \
            printf("  FAIL %s:%d: %s == %lld, expected %lld\n", __FILE__,      \
                   __LINE__, #a, a_, b_);                                      \
            lp_wintest_failed_checks++;                                        \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (strcmp(a_, b_) != 0) {                                             \
            printf("  FAIL %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,  \
                   __LINE__, #a, a_, b_);                                      \
            lp_wintest_failed_checks++;                                        \
        }                                                                      \
    } while (0)

/* lp_wintest_run runs n tests and prints the closing line; returns the
 * process exit status. */
int lp_wintest_run(const char *suite, const struct lp_wintest *tests, size_t n);

#endif
