/* Tests of win/lp_uimodel: the window's state, status lines, players and
 * diagnostics from the client's output lines. */
#include "lp_uimodel.h"

#include <stdio.h>
#include <string.h>

#include "lp_wintest.h"

static void test_logfmt(void)
{
    char v[64];

    CHECK_INT(lp_logfmt_get("ts=1 level=info event=x msg=\"a \\\"b\\\" c\"",
                            "msg", v, sizeof(v)),
              0);
    CHECK_STR(v, "a \"b\" c");
    CHECK_INT(lp_logfmt_get("ts=1 level=info event=x", "event", v, sizeof(v)),
              0);
    CHECK_STR(v, "x");
    /* a key is whole: "id" is not found in "peer_id" */
    CHECK_INT(lp_logfmt_get("ts=1 peer_id=3", "id", v, sizeof(v)), -1);
    CHECK_INT(lp_logfmt_get("ts=1 msg=\"a\"", "label", v, sizeof(v)), -1);
    /* cut to the buffer */
    CHECK_INT(lp_logfmt_get("ts=1 msg=\"abcdef\"", "msg", v, 4), 0);
    CHECK_STR(v, "abc");
}

static void test_session(void)
{
    static struct lp_uimodel m;
    char diag[4096];

    lp_uimodel_init(&m);
    CHECK_STR(lp_ui_state_name(m.state), "stopped");
    CHECK_INT(lp_uimodel_feed(&m, "ts=1 level=info comp=client "
                                  "event=connecting msg=\"connecting to the "
                                  "relay at r:443\""),
              1);
    CHECK_STR(lp_ui_state_name(m.state), "connecting");
    lp_uimodel_feed(&m, "ts=2 level=info event=welcome peer_id=4 mtu=1380");
    CHECK_STR(lp_ui_state_name(m.state), "connected");
    lp_uimodel_feed(&m, "ts=3 level=info event=peer_joined peer_id=1 "
                        "role=gateway label=\"LAN\"");
    lp_uimodel_feed(&m, "ts=3 level=info event=peer_joined peer_id=7 "
                        "role=client label=\"Ann's PC\"");
    CHECK_INT(m.nplayers, 2);
    CHECK_STR(m.players[1].label, "Ann's PC");
    CHECK_STR(m.players[0].role, "gateway");
    lp_uimodel_feed(&m, "ts=4 level=info event=status msg=\"connected to "
                        "relay, LAN gateway present\"");
    lp_uimodel_feed(&m, "ts=5 level=info event=status msg=\"got "
                        "198.18.0.57 from the LAN's DHCP server\"");
    CHECK_STR(m.lines[m.nlines - 1], "got 198.18.0.57 from the LAN's DHCP "
                                     "server");
    /* the diagnostics line itself is not a status line */
    CHECK_INT(lp_uimodel_feed(&m, "ts=6 level=info event=diagnostics "
                                  "relay=connected"),
              0);
    lp_uimodel_feed(&m, "ts=7 level=info event=peer_left peer_id=7 "
                        "role=client reason=shutdown");
    CHECK_INT(m.nplayers, 1);
    CHECK_STR(m.players[0].label, "LAN");
    lp_uimodel_feed(&m, "ts=8 level=info event=reconnect msg=\"reconnecting "
                        "to the relay in 500 ms (attempt 1)\"");
    CHECK_STR(lp_ui_state_name(m.state), "reconnecting");
    CHECK_INT(m.nplayers, 0);
    /* a reconnect attempt stays "reconnecting" until the welcome */
    lp_uimodel_feed(&m, "ts=9 level=info event=connecting msg=\"connecting "
                        "to the relay at r:443\"");
    CHECK_STR(lp_ui_state_name(m.state), "reconnecting");
    lp_uimodel_feed(&m, "ts=9 level=warn event=route msg=\"no route\"");
    CHECK_STR(m.lines[m.nlines - 1], "no route");
    CHECK((size_t)lp_uimodel_diag_text(&m, diag, sizeof(diag)) == strlen(diag));
    CHECK(strstr(diag, "event=diagnostics relay=connected\r\n") != NULL);
    CHECK(strncmp(diag, "ts=1 ", 5) == 0);
}

static void test_plain_lines(void)
{
    static struct lp_uimodel m;

    lp_uimodel_init(&m);
    CHECK_INT(lp_uimodel_feed(&m, "lanparty-client: no TAP-Windows6 adapter "
                                  "found. Install ..."),
              1);
    CHECK_STR(m.lines[0], "no TAP-Windows6 adapter found. Install ...");
    lp_uimodel_stopped(&m, 6);
    CHECK_STR(m.lines[1], "stopped (exit status 6)");
    CHECK_STR(lp_ui_state_name(m.state), "stopped");
    /* a repeat is shown once; the oldest lines go */
    lp_uimodel_feed(&m, "OK: admitted");
    lp_uimodel_feed(&m, "OK: admitted");
    CHECK_INT(m.nlines, 3);
    for (int i = 0; i < 20; i++) {
        char l[32];
        snprintf(l, sizeof(l), "line %d", i);
        lp_uimodel_feed(&m, l);
    }
    CHECK_INT(m.nlines, LP_UI_LINES);
    CHECK_STR(m.lines[LP_UI_LINES - 1], "line 19");
    /* the diagnostics keep the last LP_UI_DIAG lines */
    for (int i = 0; i < LP_UI_DIAG + 5; i++)
        lp_uimodel_feed(&m, "x");
    CHECK_INT(m.ndiag, LP_UI_DIAG);
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"logfmt", test_logfmt},
        {"session", test_session},
        {"plain_lines", test_plain_lines},
    };
    return lp_wintest_run("uimodel", tests, sizeof(tests) / sizeof(tests[0]));
}
