/* lp_logsink: a reader that stops reading never blocks the writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_logsink.h"

static size_t drain(int fd, char *out, size_t cap)
{
    size_t got = 0;
    ssize_t n;

    while (got < cap && (n = read(fd, out + got, cap - got)) > 0)
        got += (size_t)n;
    return got;
}

static void test_full_pipe_drops_and_counts(void **state)
{
    struct lp_logsink s;
    int p[2];
    char line[200], *all;
    size_t got;
    const size_t cap = 8 << 20;

    (void)state;
    assert_int_equal(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(lp_logsink_init(&s, p[1], 16384), 0);
    /* the pipe was made non-blocking (it is not a terminal) */
    assert_true(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    memset(line, 'x', sizeof(line));
    /* 100,000 lines of 200 bytes into a 64 KiB pipe nobody reads: every
     * call returns (a blocking sink would hang here), the excess is
     * counted */
    for (int i = 0; i < 100000; i++)
        lp_logsink_line(line, sizeof(line), &s);
    assert_true(s.dropped > 0);
    assert_int_equal(s.dropped, s.dropped_total);
    /* the reader catches up: the next line is preceded by the count */
    all = malloc(cap);
    assert_non_null(all);
    got = drain(p[0], all, cap);
    assert_true(got > 0);
    lp_logsink_flush(&s);
    got = drain(p[0], all, cap);
    lp_logsink_line("event=after", 11, &s);
    got += drain(p[0], all + got, cap - got);
    all[got] = '\0';
    assert_non_null(strstr(all, "event=log_dropped lines="));
    assert_non_null(strstr(all, "event=after\n"));
    assert_int_equal(s.dropped, 0);
    /* every line that was written is whole */
    for (char *q = all; (q = strchr(q, '\n')) != NULL; q++)
        assert_true(q[1] == '\0' || q[1] == 'x' || q[1] == 'l' || q[1] == 'e');
    free(all);
    lp_logsink_close(&s, 100);
    /* the descriptor's flags are back as they were */
    assert_false(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    close(p[0]);
    close(p[1]);
}

/* A small ring wraps many times; what comes out is what went in. */
static void test_wrap_keeps_order(void **state)
{
    struct lp_logsink s;
    int p[2];
    char buf[4096], want[4096];
    size_t got = 0, wl = 0;

    (void)state;
    assert_int_equal(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(lp_logsink_init(&s, p[1], 64), 0);
    for (int i = 0; i < 50; i++) {
        char l[32];
        int n = snprintf(l, sizeof(l), "line %d", i);
        lp_logsink_line(l, (size_t)n, &s);
        memcpy(want + wl, l, (size_t)n);
        wl += (size_t)n;
        want[wl++] = '\n';
        got += drain(p[0], buf + got, sizeof(buf) - got);
    }
    lp_logsink_close(&s, 100);
    got += drain(p[0], buf + got, sizeof(buf) - got);
    assert_int_equal(s.dropped_total, 0);
    assert_int_equal(got, wl);
    assert_memory_equal(buf, want, wl);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_pipe_drops_and_counts),
        cmocka_unit_test(test_wrap_keeps_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
