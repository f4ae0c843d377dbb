/*
 * client/lp_client's supervisor decisions (struct lp_client_run), the one
 * code path of the Linux runner and the Windows client: backoff with
 * jitter, retry or stop after rejects and closes, the user's stop and its
 * reason, device failures, when a session is over and when the loop ends.
 * Portable: built for Linux and for Windows (run under wine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lp_client.h"

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(lp_client_backoff(0, 0), 0);
    /* 0.5 s doubling, +-25% */
    assert_int_equal(lp_client_backoff(1, 0), 375 * LP_MILLISECONDS);
    assert_true(lp_client_backoff(1, UINT32_MAX) < 625 * LP_MILLISECONDS);
    assert_true(lp_client_backoff(1, UINT32_MAX) > 620 * LP_MILLISECONDS);
    assert_int_equal(lp_client_backoff(2, 0), 750 * LP_MILLISECONDS);
    assert_int_equal(lp_client_backoff(4, 0), 3 * LP_SECONDS);
    /* capped at 30 s (+-25%), also for huge attempt counts */
    assert_int_equal(lp_client_backoff(20, 0), 22500 * LP_MILLISECONDS);
    assert_int_equal(lp_client_backoff(1000000, 0), 22500 * LP_MILLISECONDS);
    assert_true(lp_client_backoff(1000000, UINT32_MAX) <=
                37500 * LP_MILLISECONDS);
}

static void test_run_decisions(void **state)
{
    static struct lp_session s; /* only the fields the decisions read */
    struct lp_client_run cr;
    struct lp_msg_reject rj;
    const lp_tstamp t0 = 1000 * LP_SECONDS;

    (void)state;
    memset(&rj, 0, sizeof(rj));
    snprintf(rj.message, sizeof(rj.message), "test");

    /* a final reject: its status, no retry */
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    assert_int_equal(cr.next_attempt, t0);
    rj.reason = LP_REJECT_UNAUTHORIZED;
    lp_client_on_reject(&cr, &s, &rj);
    assert_true(cr.stopping);
    assert_int_equal(cr.exit_code,
                     LP_EXIT_REJECT_BASE + (int)LP_REJECT_UNAUTHORIZED);
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.next_attempt, t0);

    /* a full room: again, but not before 30 s */
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    rj.reason = LP_REJECT_ROOM_FULL;
    lp_client_on_reject(&cr, &s, &rj);
    assert_false(cr.stopping);
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.attempt, 1);
    assert_int_equal(cr.next_attempt, t0 + 30 * LP_SECONDS);
    /* ... and the next loss backs off as usual */
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.next_attempt, t0 + lp_client_backoff(2, 0));

    /* a budget measured before PMTUD finished: measure again; after it
     * finished the answer is final */
    rj.reason = LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL;
    s.hello_pmtud_done = 0;
    lp_client_on_reject(&cr, &s, &rj);
    assert_false(cr.stopping);
    s.hello_pmtud_done = 1;
    lp_client_on_reject(&cr, &s, &rj);
    assert_true(cr.stopping);

    /* with --check-relay a full room is final too */
    lp_client_run_init(&cr, "t", "relay", NULL, 0, 1, t0);
    rj.reason = LP_REJECT_RELAY_FULL;
    lp_client_on_reject(&cr, &s, &rj);
    assert_true(cr.stopping);

    /* replaced and revoked are final; a TLS failure is final before the
     * first welcome only */
    lp_client_run_init(&cr, "t", "relay", "pin.der", 1, 0, t0);
    snprintf(s.disconnect_reason, sizeof(s.disconnect_reason), "%s",
             LP_REASON_REPLACED);
    lp_client_on_closed(&cr, &s, LP_QC_PEER);
    assert_int_equal(cr.exit_code, LP_EXIT_REPLACED);
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    snprintf(s.disconnect_reason, sizeof(s.disconnect_reason), "revoked");
    lp_client_on_closed(&cr, &s, LP_QC_PEER);
    assert_int_equal(cr.exit_code, LP_EXIT_REVOKED);
    s.disconnect_reason[0] = '\0';
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    lp_client_on_closed(&cr, &s, LP_QC_TLS);
    assert_true(cr.stopping);
    assert_int_equal(cr.exit_code, LP_EXIT_TLS);
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    cr.welcome_at = t0;
    lp_client_on_closed(&cr, &s, LP_QC_TLS);
    lp_client_on_closed(&cr, &s, LP_QC_IDLE);
    assert_false(cr.stopping);

    /* losses back off with the jitter the shell draws; a device error
     * stops with its status */
    lp_client_session_ended(&cr, t0, UINT32_MAX);
    assert_int_equal(cr.attempt, 1);
    assert_int_equal(cr.next_attempt, t0 + lp_client_backoff(1, UINT32_MAX));
    lp_client_connect_failed(&cr, t0, 0);
    assert_int_equal(cr.attempt, 2);
    lp_client_stop(&cr, LP_EXIT_DEVICE);
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.attempt, 2);
    assert_int_equal(cr.exit_code, LP_EXIT_DEVICE);

    /* --check-relay: one attempt; no welcome is an error */
    lp_client_run_init(&cr, "t", "relay", NULL, 0, 1, t0);
    lp_client_connect_failed(&cr, t0, 0);
    assert_true(cr.stopping);
    assert_int_equal(cr.exit_code, LP_EXIT_ERROR);
    lp_client_run_init(&cr, "t", "relay", NULL, 0, 1, t0);
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.exit_code, LP_EXIT_ERROR);
}

/* The user's stop and a device failure: the same reason, deadline and
 * status on both platforms; the loop ends when the session is gone or the
 * deadline passed. */
static void test_run_stop(void **state)
{
    static struct lp_session s;
    struct lp_client_run cr;
    const lp_tstamp t0 = 1000 * LP_SECONDS;

    (void)state;
    assert_string_equal(LP_REASON_SHUTDOWN, "shutdown");
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    assert_true(lp_client_connect_due(&cr, 0, t0));
    assert_false(lp_client_connect_due(&cr, 1, t0));
    assert_false(lp_client_done(&cr, 1, t0));
    assert_int_equal(lp_client_next_wakeup(&cr, 1, t0 + 5, t0 + 100), t0 + 5);
    assert_int_equal(lp_client_next_wakeup(&cr, 0, 0, t0 + 100), t0);

    /* the user stops: once; the status stays 0 */
    assert_int_equal(lp_client_user_stop(&cr, NULL, t0, "test"), 1);
    assert_int_equal(lp_client_user_stop(&cr, NULL, t0 + 1, "again"), 0);
    assert_true(cr.stopping);
    assert_int_equal(cr.exit_code, LP_EXIT_OK);
    assert_int_equal(cr.stop_deadline, t0 + LP_CLIENT_STOP_WAIT);
    assert_false(lp_client_connect_due(&cr, 0, t0 + 100 * LP_SECONDS));
    assert_int_equal(lp_client_next_wakeup(&cr, 1, t0 + 10 * LP_SECONDS,
                                           t0 + 20 * LP_SECONDS),
                     t0 + LP_CLIENT_STOP_WAIT);
    /* waits for the relay's answer, not past the deadline */
    assert_false(lp_client_done(&cr, 1, t0 + LP_SECONDS));
    assert_true(lp_client_done(&cr, 0, t0 + LP_SECONDS));
    assert_true(lp_client_done(&cr, 1, t0 + LP_CLIENT_STOP_WAIT));
    /* a stop after the session ended schedules no new attempt */
    lp_client_session_ended(&cr, t0, 0);
    assert_int_equal(cr.attempt, 0);

    /* a final reject stops without a deadline: the first check gives the
     * relay LP_CLIENT_STOP_WAIT to close */
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    lp_client_stop(&cr, LP_EXIT_REJECT_BASE + 1);
    assert_false(lp_client_done(&cr, 1, t0));
    assert_int_equal(cr.stop_deadline, t0 + LP_CLIENT_STOP_WAIT);
    assert_true(lp_client_done(&cr, 1, t0 + LP_CLIENT_STOP_WAIT));

    /* a device failure: its status and a deadline, also while stopping */
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    lp_client_device_failed(&cr, NULL, t0);
    assert_int_equal(cr.exit_code, LP_EXIT_DEVICE);
    assert_int_equal(cr.stop_deadline, t0 + LP_CLIENT_STOP_WAIT);
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    lp_client_user_stop(&cr, NULL, t0, "test");
    lp_client_device_failed(&cr, NULL, t0 + LP_SECONDS);
    assert_int_equal(cr.exit_code, LP_EXIT_DEVICE);
    assert_int_equal(cr.stop_deadline, t0 + LP_CLIENT_STOP_WAIT);

    /* the session is over when its connection has nothing left to do */
    memset(&s, 0, sizeof(s));
    s.q.state = LP_QS_OPEN;
    assert_false(lp_client_session_over(&s));
    s.q.state = LP_QS_CLOSING;
    s.q.close_send_pending = 1;
    assert_false(lp_client_session_over(&s));
    s.q.close_send_pending = 0;
    assert_true(lp_client_session_over(&s));
    s.q.state = LP_QS_DRAINING;
    assert_true(lp_client_session_over(&s));

    /* reconnects are jittered: two draws give two delays */
    lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
    lp_client_connect_failed(&cr, t0, 0);
    {
        lp_tstamp a = cr.next_attempt;
        lp_client_run_init(&cr, "t", "relay", NULL, 1, 0, t0);
        lp_client_connect_failed(&cr, t0, 0x80000000u);
        assert_true(cr.next_attempt > a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_run_decisions),
        cmocka_unit_test(test_run_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
