#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_b64.h"
#include "lp_err.h"
#include "lp_link.h"

#define TOKEN  "abcdefghijklmnopqrstuv" /* 22 characters: the minimum */
#define PIN_A  "sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define PIN_FF "sha256:__________________________________________8"

static void test_parse_ok(void **state)
{
    static const struct {
        const char *in, *host;
        unsigned port;
        const char *room;
        size_t npins;
        int has_auth;
        const char *relay;
    } t[] = {
        {"lanparty://relay.example.com/LAN1", "relay.example.com", 443, "LAN1",
         0, 0, "relay.example.com:443"},
        {"lanparty://relay.example.com:4433/LAN1?pin=" PIN_A "&auth=" TOKEN,
         "relay.example.com", 4433, "LAN1", 1, 1, "relay.example.com:4433"},
        {"LANPARTY://1.2.3.4/r?auth=" TOKEN, "1.2.3.4", 443, "r", 0, 1,
         "1.2.3.4:443"},
        {"lanparty://[2001:db8::1]:8443/room_-9?pin=" PIN_A "," PIN_FF,
         "2001:db8::1", 8443, "room_-9", 2, 0, "[2001:db8::1]:8443"},
        {"lanparty://[::1]/R", "::1", 443, "R", 0, 0, "[::1]:443"},
        /* unknown parameters are ignored, whatever they hold */
        {"lanparty://h/R?x=1&pinx=2&&y&z=%zz&auth=" TOKEN "&v=%", "h", 443, "R",
         0, 1, "h:443"},
        /* percent-decoded once: names, values and the room */
        {"lanparty://h/%52oom?%70in=sha256%3A"
         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
         "h", 443, "Room", 1, 0, "h:443"},
        /* a pasted line: surrounding whitespace goes */
        {"  lanparty://h/R\r\n", "h", 443, "R", 0, 0, "h:443"},
        {"lanparty://h/R?", "h", 443, "R", 0, 0, "h:443"},
    };
    struct lp_link l;
    char err[256], relay[LP_LINK_RELAY_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (lp_link_parse(&l, t[i].in, err, sizeof(err)) != 0)
            fail_msg("%s: %s", t[i].in, err);
        assert_string_equal(l.host, t[i].host);
        assert_int_equal(l.port, t[i].port);
        assert_string_equal(l.room, t[i].room);
        assert_int_equal(l.npins, t[i].npins);
        assert_int_equal(l.has_auth, t[i].has_auth);
        if (t[i].has_auth)
            assert_string_equal(l.auth, TOKEN);
        lp_link_relay(&l, relay, sizeof(relay));
        assert_string_equal(relay, t[i].relay);
        lp_link_clear(&l);
    }
}

static void test_pin_values(void **state)
{
    struct lp_link l;
    char err[256];

    (void)state;
    assert_int_equal(lp_link_parse(&l, "lanparty://h/R?pin=" PIN_A "," PIN_FF,
                                   err, sizeof(err)),
                     0);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(l.pins[0][i], i);
        assert_int_equal(l.pins[1][i], 0xff);
    }
}

/* Every malformed link: a message, and never the token in it. */
static void test_parse_errors(void **state)
{
    static const struct {
        const char *in, *msg;
    } t[] = {
        {"", "empty link"},
        {"http://h/R", "does not start with"},
        {"lanparty:/h/R", "does not start with"},
        {"lanparty://", "no room"},
        {"lanparty://h", "no room"},
        {"lanparty://h/", "no room"},
        {"lanparty://h?auth=" TOKEN, "no room"},
        {"lanparty:///R", "no relay host"},
        {"lanparty://" TOKEN "@h/R", "user part"},
        {"lanparty://2001:db8::1/R", "must be in brackets"},
        {"lanparty://[2001:db8::1/R", "bad relay address"},
        {"lanparty://[h]/R", "bad relay address"},
        {"lanparty://h:0/R", "bad relay address"},
        {"lanparty://h:65536/R", "bad relay address"},
        {"lanparty://h:/R", "bad relay address"},
        {"lanparty://ho$t/R", "bad relay address"},
        {"lanparty://h/R/x", "room must be"},
        {"lanparty://h/R%2Fx", "room must be"},
        {"lanparty://h/R%00", "room must be"},
        {"lanparty://h/R%4", "room must be"},
        {"lanparty://h/ROOMROOMROOMROOMROOMROOMROOMROOMR", "room must be"},
        {"lanparty://h/R#frag", "'#'"},
        {"lanparty://h/R ?auth=" TOKEN, "space"},
        {"lanparty://h/R?auth=" TOKEN "\xc3\xa9", "non-ASCII"},
        {"lanparty://h/R?pin=", "empty pin"},
        {"lanparty://h/R?pin", "pin has no value"},
        {"lanparty://h/R?pin=sha1:AAAA", "does not start with"},
        {"lanparty://h/R?pin=" PIN_A ",", "pin 2 does not start"},
        {"lanparty://h/R?pin=" PIN_A "A", "pin 1 is not a SHA-256"},
        {"lanparty://h/"
         "R?pin=sha256:__________________________________________9",
         "pin 1 is not"},
        {"lanparty://h/"
         "R?pin=sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
         "pin 1 is not"},
        {"lanparty://h/R?pin=" PIN_A "," PIN_A "," PIN_A "," PIN_A "," PIN_A,
         "more than 4 pins"},
        {"lanparty://h/R?pin=" PIN_A "&pin=" PIN_A, "pin given more than once"},
        {"lanparty://h/R?auth=" TOKEN "&auth=" TOKEN,
         "auth given more than once"},
        {"lanparty://h/R?auth=" TOKEN "&%61uth=" TOKEN,
         "auth given more than once"},
        {"lanparty://h/R?auth=abcdefghijklmnopqrstu", "got 21 characters"},
        {"lanparty://h/R?auth=" TOKEN "%2B", "auth must be"},
        {"lanparty://h/R?auth=" TOKEN "%zz", "bad percent-encoding"},
        {"lanparty://h/R?auth", "auth has no value"},
    };
    struct lp_link l;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        err[0] = '\0';
        if (lp_link_parse(&l, t[i].in, err, sizeof(err)) != LP_ERR_INVAL)
            fail_msg("accepted `%s'", t[i].in);
        if (strstr(err, t[i].msg) == NULL)
            fail_msg("`%s': message `%s' lacks `%s'", t[i].in, err, t[i].msg);
        if (strstr(err, TOKEN) != NULL || strstr(err, "abcdefghij") != NULL)
            fail_msg("`%s': message `%s' leaks the token", t[i].in, err);
        assert_int_equal(l.has_auth, 0);
        assert_int_equal(l.auth[0], 0);
    }
    /* errlen 0 and NULL input are fine */
    assert_int_equal(lp_link_parse(&l, "x", NULL, 0), LP_ERR_INVAL);
    assert_int_equal(lp_link_parse(&l, NULL, err, sizeof(err)), LP_ERR_INVAL);
}

static void test_too_long(void **state)
{
    static char s[LP_LINK_MAX_LEN + 64];
    struct lp_link l;
    char err[256];

    (void)state;
    memset(s, 'a', sizeof(s) - 1);
    memcpy(s, "lanparty://h/R?x=", 17);
    s[sizeof(s) - 1] = '\0';
    assert_int_equal(lp_link_parse(&l, s, err, sizeof(err)), LP_ERR_INVAL);
    assert_non_null(strstr(err, "longer than"));
    s[LP_LINK_MAX_LEN] = '\0'; /* exactly the limit */
    assert_int_equal(lp_link_parse(&l, s, err, sizeof(err)), 0);
}

static void test_auth_valid(void **state)
{
    static char s[LP_LINK_AUTH_MAX + 2];

    (void)state;
    assert_true(lp_link_auth_valid(TOKEN));
    assert_true(lp_link_auth_valid("Az09_-Az09_-Az09_-Az09"));
    assert_false(lp_link_auth_valid("abcdefghijklmnopqrstu"));
    assert_false(lp_link_auth_valid("abcdefghijklmnopqrstu="));
    assert_false(lp_link_auth_valid("abcdefghijklmnopqrst u"));
    assert_false(lp_link_auth_valid(NULL));
    assert_false(lp_link_auth_valid(""));
    memset(s, 'x', LP_LINK_AUTH_MAX);
    assert_true(lp_link_auth_valid(s));
    s[LP_LINK_AUTH_MAX] = 'x';
    assert_false(lp_link_auth_valid(s));
}

static void test_format_roundtrip(void **state)
{
    static const uint8_t pins[2][32] = {{1, 2, 3}, {0xff, 0xfe}};
    static const struct {
        const char *host;
        uint16_t port;
        const char *room;
        size_t npins;
        const char *auth, *want;
    } t[] = {
        {"relay.example.com", 443, "LAN1", 0, NULL,
         "lanparty://relay.example.com/LAN1"},
        {"relay.example.com", 4433, "LAN1", 0, TOKEN,
         "lanparty://relay.example.com:4433/LAN1?auth=" TOKEN},
        {"2001:db8::1", 443, "r", 1, NULL,
         "lanparty://[2001:db8::1]/r?pin=sha256:"
         "AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"[::1]", 5, "r", 2, TOKEN,
         "lanparty://[::1]:5/r?pin=sha256:"
         "AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,sha256:_"
         "_4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&auth=" TOKEN},
    };
    char out[1024], out2[1024], err[256];
    struct lp_link l;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(lp_link_format(out, sizeof(out), t[i].host, t[i].port,
                                        t[i].room, t[i].npins ? pins : NULL,
                                        t[i].npins, t[i].auth),
                         0);
        assert_string_equal(out, t[i].want);
        if (lp_link_parse(&l, out, err, sizeof(err)) != 0)
            fail_msg("%s: %s", out, err);
        assert_int_equal(l.npins, t[i].npins);
        assert_memory_equal(l.pins, pins, t[i].npins * 32);
        assert_int_equal(lp_link_format(out2, sizeof(out2), l.host, l.port,
                                        l.room, (const uint8_t(*)[32])l.pins,
                                        l.npins, l.has_auth ? l.auth : NULL),
                         0);
        assert_string_equal(out2, out);
        /* too small by one: LP_ERR_RANGE and an empty string */
        assert_int_equal(lp_link_format(out2, strlen(out), t[i].host, t[i].port,
                                        t[i].room, t[i].npins ? pins : NULL,
                                        t[i].npins, t[i].auth),
                         LP_ERR_RANGE);
        assert_string_equal(out2, "");
    }
}

static void test_format_rejects(void **state)
{
    static const uint8_t pins[5][32];
    char out[1024];

    (void)state;
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h", 0, "R", NULL, 0, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h", 443, "R/x", NULL, 0, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h", 443, "R", pins, 5, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h", 443, "R", NULL, 1, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h", 443, "R", NULL, 0, "short"),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "h/x", 443, "R", NULL, 0, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "[h]", 443, "R", NULL, 0, NULL),
        LP_ERR_INVAL);
    assert_int_equal(
        lp_link_format(out, sizeof(out), "a@h", 443, "R", NULL, 0, NULL),
        LP_ERR_INVAL);
}

static void test_redacted(void **state)
{
    struct lp_link l;
    char out[512], err[256];

    (void)state;
    assert_int_equal(
        lp_link_parse(&l, "lanparty://h:7/R?pin=" PIN_A "&x=1&auth=" TOKEN, err,
                      sizeof(err)),
        0);
    lp_link_redacted(&l, out, sizeof(out));
    assert_string_equal(out, "lanparty://h:7/R?pin=" PIN_A "&auth=...");
    /* cut short: still no token */
    for (size_t n = 1; n < strlen(out); n++) {
        char small[512];
        lp_link_redacted(&l, small, n);
        assert_null(strstr(small, "abcdef"));
        assert_true(strlen(small) < n);
    }
    l.has_auth = 0;
    lp_link_redacted(&l, out, sizeof(out));
    assert_string_equal(out, "lanparty://h:7/R?pin=" PIN_A);
    lp_link_clear(&l);
    assert_int_equal(l.auth[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_pin_values),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_auth_valid),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_format_rejects),
        cmocka_unit_test(test_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
