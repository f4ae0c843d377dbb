#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/timerfd.h>
#include <unistd.h>

#include "lp_clock.h"
#include "lp_evloop.h"

enum { TAG_TIMER = 1, TAG_SIGNAL, TAG_PIPE };

static int setup(void **state)
{
    static struct lp_evloop l;
    sigset_t mask;
    char err[256];

    sigemptyset(&mask);
    if (lp_evloop_open(&l, &mask, TAG_TIMER, TAG_SIGNAL, err, sizeof(err)) != 0)
        return -1;
    *state = &l;
    return 0;
}

static int teardown(void **state)
{
    lp_evloop_close(*state);
    return 0;
}

/* A deadline that has passed returns at once with nothing, and with
 * epoll_pwait2 the timerfd stays disarmed: no timer system call. */
static void test_deadline_without_timer(void **state)
{
    struct lp_evloop *l = *state;
    struct epoll_event evs[4];
    struct itimerspec its;
    lp_tstamp now = lp_clock_now();

    assert_int_equal(lp_evloop_wait(l, evs, 4, now, now), 0);
    assert_int_equal(lp_evloop_wait(l, evs, 4, now - 1, now), 0);
    if (!l->no_pwait2) {
        assert_int_equal(timerfd_gettime(l->tfd, &its), 0);
        assert_int_equal(its.it_value.tv_sec, 0);
        assert_int_equal(its.it_value.tv_nsec, 0);
    }
}

/* A ready descriptor is reported under its tag before any deadline. */
static void test_event_first(void **state)
{
    struct lp_evloop *l = *state;
    struct epoll_event evs[4];
    int p[2];
    lp_tstamp now = lp_clock_now();

    assert_int_equal(pipe(p), 0);
    assert_int_equal(lp_evloop_add(l, p[0], TAG_PIPE), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(lp_evloop_wait(l, evs, 4, UINT64_MAX, now), 1);
    assert_int_equal(evs[0].data.u32, TAG_PIPE);
    assert_int_equal(lp_evloop_wait(l, evs, 4, now + 3600 * LP_SECONDS, now),
                     1);
    lp_evloop_del(l, p[0]);
    close(p[0]);
    close(p[1]);
}

/* Without epoll_pwait2 (kernels before 5.11) the timerfd carries the
 * deadline and reports it under the timer tag. */
static void test_timerfd_fallback(void **state)
{
    struct lp_evloop *l = *state;
    struct epoll_event evs[4];
    lp_tstamp now = lp_clock_now();

    l->no_pwait2 = 1;
    assert_int_equal(lp_evloop_wait(l, evs, 4, now, now), 1);
    assert_int_equal(evs[0].data.u32, TAG_TIMER);
    lp_evloop_timer_fired(l);
    l->no_pwait2 = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deadline_without_timer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timerfd_fallback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
