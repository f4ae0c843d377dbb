#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lp_log.h"

static char lines[8][LP_LOG_LINE_MAX + 8];
static size_t nlines;

static void capture(const char *line, size_t len, void *arg)
{
    (void)arg;
    assert_true(len < LP_LOG_LINE_MAX);
    assert_int_equal(strlen(line), len);
    if (nlines < 8) {
        memcpy(lines[nlines], line, len + 1);
        nlines++;
    }
}

/* 2026-11-25T12:00:00.123Z */
static uint64_t fixed_clock(void)
{
    return 1795608000ULL * 1000000000ULL + 123456789ULL;
}

static int setup(void **state)
{
    (void)state;
    nlines = 0;
    lp_log_set_sink(capture, NULL);
    lp_log_set_clock(fixed_clock);
    lp_log_set_level(LP_LOG_INFO);
    lp_log_set_component(NULL);
    return 0;
}

#define TS "ts=2026-11-25T12:00:00.123Z "

static void test_basic_line(void **state)
{
    struct lp_logbuf b;
    const uint8_t mac[6] = {0x02, 0xAA, 0, 0, 0, 1};

    (void)state;
    lp_log_set_component("relay");
    assert_int_equal(lp_log_begin(&b, LP_LOG_INFO, "peer_joined"), 1);
    lp_log_str(&b, "room", "ROOM1");
    lp_log_u64(&b, "peer_id", 3);
    lp_log_mac(&b, "mac", mac);
    lp_log_i64(&b, "delta", -5);
    lp_log_hex16(&b, "ethertype", 0x0800);
    lp_log_u64(&b, "max", UINT64_MAX);
    lp_log_end(&b);
    assert_int_equal(nlines, 1);
    assert_string_equal(lines[0],
                        TS "level=info comp=relay event=peer_joined "
                           "room=ROOM1 peer_id=3 mac=02:aa:00:00:00:01 "
                           "delta=-5 ethertype=0x0800 "
                           "max=18446744073709551615");
}

static void test_quoting(void **state)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"plain", "plain"},
        {"", "\"\""},
        {"a b", "\"a b\""},
        {"a=b", "\"a=b\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"line\nbreak\r\t", "\"line\\nbreak\\r\\t\""},
        {"\x01\x7f", "\"\\x01\\x7f\""},
        {"caf\xc3\xa9", "\"caf\\xc3\\xa9\""},
        {"02:aa:bb", "02:aa:bb"},
        {NULL, "\"\""},
    };
    struct lp_logbuf b;
    char want[256];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        nlines = 0;
        lp_log_begin(&b, LP_LOG_WARN, "x");
        lp_log_str(&b, "k", t[i].in);
        lp_log_end(&b);
        snprintf(want, sizeof(want), TS "level=warn event=x k=%s", t[i].out);
        assert_string_equal(lines[0], want);
    }
    /* Keys are sanitised. */
    nlines = 0;
    lp_log_begin(&b, LP_LOG_ERROR, "bad event");
    lp_log_str(&b, "a key=", "v");
    lp_log_str(&b, "", "v");
    lp_log_end(&b);
    assert_string_equal(lines[0], TS "level=error event=\"bad event\" "
                                     "a_key_=v _=v");
}

/* Under systemd: "<N>" syslog priorities first, for journald. */
static void test_priority_prefix(void **state)
{
    (void)state;
    lp_log_set_level(LP_LOG_DEBUG);
    lp_log_set_priority_prefix(1);
    lp_logf(LP_LOG_ERROR, "e", "x");
    lp_logf(LP_LOG_WARN, "w", "x");
    lp_logf(LP_LOG_INFO, "i", "x");
    lp_logf(LP_LOG_DEBUG, "d", "x");
    lp_log_set_priority_prefix(0);
    lp_logf(LP_LOG_INFO, "plain", "x");
    assert_int_equal(nlines, 5);
    assert_string_equal(lines[0], "<3>" TS "level=error event=e msg=\"x\"");
    assert_string_equal(lines[1], "<4>" TS "level=warn event=w msg=\"x\"");
    assert_string_equal(lines[2], "<6>" TS "level=info event=i msg=\"x\"");
    assert_string_equal(lines[3], "<7>" TS "level=debug event=d msg=\"x\"");
    assert_string_equal(lines[4], TS "level=info event=plain msg=\"x\"");
}

static void test_levels(void **state)
{
    struct lp_logbuf b;
    enum lp_log_level l;

    (void)state;
    assert_int_equal(lp_log_begin(&b, LP_LOG_DEBUG, "x"), 0);
    lp_log_str(&b, "k", "v");
    lp_log_end(&b);
    lp_logf(LP_LOG_DEBUG, "x", "hidden %d", 1);
    assert_int_equal(nlines, 0);
    lp_log_set_level(LP_LOG_DEBUG);
    assert_int_equal(lp_log_get_level(), LP_LOG_DEBUG);
    lp_logf(LP_LOG_DEBUG, "started", "listening on %s port %d", "::", 443);
    assert_int_equal(nlines, 1);
    assert_string_equal(lines[0], TS "level=debug event=started "
                                     "msg=\"listening on :: port 443\"");

    assert_int_equal(lp_log_parse_level("WARNING", &l), 0);
    assert_int_equal(l, LP_LOG_WARN);
    assert_int_equal(lp_log_parse_level("debug", &l), 0);
    assert_int_equal(l, LP_LOG_DEBUG);
    assert_int_equal(lp_log_parse_level("Error", &l), 0);
    assert_int_equal(l, LP_LOG_ERROR);
    assert_int_equal(lp_log_parse_level("info", &l), 0);
    assert_int_equal(l, LP_LOG_INFO);
    assert_int_not_equal(lp_log_parse_level("verbose", &l), 0);
    assert_int_not_equal(lp_log_parse_level("", &l), 0);
    assert_int_not_equal(lp_log_parse_level("infox", &l), 0);
    assert_int_not_equal(lp_log_parse_level(NULL, &l), 0);
}

static void test_truncation(void **state)
{
    struct lp_logbuf b;
    char big[3000];
    size_t len;

    (void)state;
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    lp_log_begin(&b, LP_LOG_INFO, "big");
    lp_log_str(&b, "v", big);
    lp_log_u64(&b, "after", 1);
    lp_log_end(&b);
    assert_int_equal(nlines, 1);
    len = strlen(lines[0]);
    assert_true(len <= LP_LOG_LINE_MAX - 1);
    /* The cut value is still a closed quoted string of whole escapes. */
    const char *tail = " truncated=true";
    assert_string_equal(lines[0] + len - strlen(tail), tail);
    assert_int_equal(lines[0][len - strlen(tail) - 1], '"');
    assert_null(strstr(lines[0], "after="));
    const char *v = strstr(lines[0], "v=\"") + 3;
    size_t body = (size_t)(lines[0] + len - strlen(tail) - 1 - v);
    assert_int_equal(body % 2, 0);

    /* Many small fields: the line ends cleanly. */
    nlines = 0;
    lp_log_begin(&b, LP_LOG_INFO, "many");
    for (int i = 0; i < 500; i++)
        lp_log_u64(&b, "field", (uint64_t)i);
    lp_log_end(&b);
    len = strlen(lines[0]);
    assert_true(len <= LP_LOG_LINE_MAX - 1);
    assert_string_equal(lines[0] + len - strlen(tail), tail);

    /* Long message through lp_logf. */
    nlines = 0;
    memset(big, 'x', sizeof(big) - 1);
    lp_logf(LP_LOG_INFO, "long", "%s", big);
    len = strlen(lines[0]);
    assert_true(len <= LP_LOG_LINE_MAX - 1);
}

static void test_ratelog(void **state)
{
    struct lp_ratelog r;
    uint64_t sup = 99;
    lp_tstamp t = 50 * LP_SECONDS;

    (void)state;
    lp_ratelog_init(&r, LP_SECONDS, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lp_ratelog_allow(&r, t, &sup), 1);
        assert_int_equal(sup, 0);
    }
    for (int i = 0; i < 7; i++)
        assert_int_equal(lp_ratelog_allow(&r, t + (lp_tstamp)i, &sup), 0);
    assert_int_equal(lp_ratelog_allow(&r, t + LP_SECONDS - 1, &sup), 0);
    assert_int_equal(lp_ratelog_allow(&r, t + LP_SECONDS, &sup), 1);
    assert_int_equal(sup, 8);
    assert_int_equal(lp_ratelog_allow(&r, t + LP_SECONDS, &sup), 1);
    assert_int_equal(sup, 0);
    assert_int_equal(lp_ratelog_allow(&r, t + LP_SECONDS, NULL), 1);
    assert_int_equal(lp_ratelog_allow(&r, t + LP_SECONDS, &sup), 0);
    assert_int_equal(lp_ratelog_allow(&r, t + 10 * LP_SECONDS, &sup), 1);
    assert_int_equal(sup, 1);
}

static void test_framelog(void **state)
{
    uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                     0,    0,    0,    0,    1,    0x08, 0x06};
    struct lp_framelog fl = {
        .dir = "client_to_relay",
        .room = "R1",
        .peer_id = 7,
        .frame = f,
        .len = sizeof(f),
        .action = LP_ACTION_FORWARDED,
        .reason = LP_REASON_NONE,
        .targets = 2,
    };

    (void)state;
    lp_framelog_emit(LP_LOG_INFO, &fl);
    assert_string_equal(lines[0],
                        TS "level=info event=frame dir=client_to_relay "
                           "room=R1 peer_id=7 src=02:00:00:00:00:01 "
                           "dst=ff:ff:ff:ff:ff:ff ethertype=0x0806 len=60 "
                           "action=forwarded targets=2");
    fl.room = NULL;
    fl.len = 8;
    fl.action = LP_ACTION_DROPPED;
    fl.reason = LP_REASON_RUNT;
    fl.targets = 0;
    lp_framelog_emit(LP_LOG_INFO, &fl);
    assert_string_equal(lines[1],
                        TS "level=info event=frame dir=client_to_relay "
                           "peer_id=7 dst=ff:ff:ff:ff:ff:ff len=8 "
                           "action=dropped reason=runt targets=0");
    fl.frame = NULL;
    fl.len = 0;
    lp_framelog_emit(LP_LOG_INFO, &fl);
    assert_string_equal(lines[2],
                        TS "level=info event=frame dir=client_to_relay "
                           "peer_id=7 len=0 action=dropped reason=runt "
                           "targets=0");
    lp_framelog_emit(LP_LOG_DEBUG, &fl);
    assert_int_equal(nlines, 3);
}

static void test_timestamps(void **state)
{
    struct lp_logbuf b;

    (void)state;
    lp_log_set_clock(NULL);
    lp_log_begin(&b, LP_LOG_INFO, "now");
    lp_log_end(&b);
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ */
    assert_int_equal(strlen(lines[0]), strlen(TS "level=info event=now"));
    assert_int_equal(lines[0][13], 'T');
    assert_int_equal(lines[0][26], 'Z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_basic_line, setup),
        cmocka_unit_test_setup(test_quoting, setup),
        cmocka_unit_test_setup(test_levels, setup),
        cmocka_unit_test_setup(test_priority_prefix, setup),
        cmocka_unit_test_setup(test_truncation, setup),
        cmocka_unit_test_setup(test_ratelog, setup),
        cmocka_unit_test_setup(test_framelog, setup),
        cmocka_unit_test_setup(test_timestamps, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
