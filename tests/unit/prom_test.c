#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lp_prom.h"

static void test_escape(void **state)
{
    char out[16];

    (void)state;
    assert_string_equal(lp_prom_escape(out, sizeof(out), "a\"b\\c\nd"),
                        "a\\\"b\\\\c\\nd");
    /* cut, never split an escape, always terminated */
    assert_string_equal(lp_prom_escape(out, 6, "\"\"\"\"\""), "\\\"\\\"");
    assert_string_equal(lp_prom_escape(out, sizeof(out), ""), "");
}

static void test_text_and_process(void **state)
{
    struct lp_prom b;
    struct lp_procinfo p = {1.25, 4096, 8192, -1, -1, 1700000000123ULL};
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(lp_prom_init(&b), 0);
    lp_prom_u64(&b, "x_total", "counter", "Things.", 7);
    /* longer than the first buffer: it grows */
    for (int i = 0; i < 2000; i++)
        lp_prom_printf(&b, "y{i=\"%d\"} %d\n", i, i);
    lp_prom_process(&b, &p);
    assert_int_equal(lp_prom_finish(&b, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "# HELP x_total Things.\n# TYPE x_total "
                                "counter\nx_total 7\n"));
    assert_non_null(strstr(out, "y{i=\"1999\"} 1999\n"));
    assert_non_null(strstr(out, "process_cpu_seconds_total 1.250\n"));
    assert_non_null(strstr(out, "process_resident_memory_bytes 4096\n"));
    assert_non_null(strstr(out, "process_start_time_seconds 1700000000.123\n"));
    /* negative figures are left out */
    assert_null(strstr(out, "process_open_fds"));
    assert_null(strstr(out, "process_max_fds"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_text_and_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
