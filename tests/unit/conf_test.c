/* lib/lp_conf: the configuration file parser, every error case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lp_conf.h"
#include "lp_err.h"

static void test_parse_ok(void **state)
{
    static const char text[] =
        "# lanparty relay\r\n"
        "\n"
        "  \t\n"
        "listen = 443/udp\n"
        "  rooms=/var/lib/lanparty/rooms # not a comment\r\n"
        "retry\n"
        "\tmax-peers\t=  12  \n"
        "   # indented comment\n"
        "allow-ethertype = 8137\n"
        "allow-ethertype = 80f3";
    struct lp_conf c;
    char err[256];

    (void)state;
    if (lp_conf_parse(&c, text, strlen(text), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 6);
    assert_string_equal(c.e[0].key, "listen");
    assert_string_equal(c.e[0].value, "443/udp");
    assert_int_equal(c.e[0].line, 4);
    assert_string_equal(c.e[1].key, "rooms");
    assert_string_equal(c.e[1].value,
                        "/var/lib/lanparty/rooms # not a comment");
    assert_string_equal(c.e[2].key, "retry");
    assert_null(c.e[2].value);
    assert_int_equal(c.e[2].line, 6);
    assert_string_equal(c.e[3].key, "max-peers");
    assert_string_equal(c.e[3].value, "12");
    assert_string_equal(c.e[5].value, "80f3");
    assert_int_equal(c.e[5].line, 10);
    lp_conf_free(&c);
    lp_conf_free(&c);
    lp_conf_free(NULL);
}

static void test_empty(void **state)
{
    struct lp_conf c;
    char err[64];

    (void)state;
    assert_int_equal(lp_conf_parse(&c, "", 0, err, sizeof(err)), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(lp_conf_parse(&c, "# x\n\n", 5, err, sizeof(err)), 0);
    assert_int_equal(c.n, 0);
    lp_conf_free(&c);
}

static void test_errors(void **state)
{
    static const struct {
        const char *text;
        int rv;
        const char *msg;
    } cases[] = {
        {"a = 1\n= 2\n", LP_ERR_INVAL, "line 2: a line starts with a key"},
        {"listen 443\n", LP_ERR_INVAL,
         "line 1: key 'listen': expected '=' after the key"},
        {"a = 1\n\nlisten =  \n", LP_ERR_INVAL,
         "line 3: key 'listen': no value after '='"},
        {"Listen = 1\n", LP_ERR_INVAL, "line 1: key 'Listen': only a-z"},
        {"--listen = 1\n", LP_ERR_INVAL, "line 1: key '--listen': only a-z"},
        {"1x = 1\n", LP_ERR_INVAL, "line 1: key '1x': only a-z"},
        {"max_peers = 1\n", LP_ERR_INVAL, "line 1: key 'max_peers': only"},
        {"a = b\x01\n", LP_ERR_INVAL, "line 1: control character 0x01"},
        {"a = b\x7f\n", LP_ERR_INVAL, "line 1: control character 0x7f"},
        {"# ok\nrooms = x\ry\n", LP_ERR_INVAL,
         "line 2: control character 0x0d"},
        {"a = 1 = 2 ok\nb c = 3\n", LP_ERR_INVAL,
         "line 2: key 'b': expected '='"},
    };
    struct lp_conf c;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rv = lp_conf_parse(&c, cases[i].text, strlen(cases[i].text), err,
                               sizeof(err));
        if (rv != cases[i].rv || strstr(err, cases[i].msg) != err)
            fail_msg("case %zu: rv %d err '%s'", i, rv, err);
        assert_int_equal(c.n, 0);
        assert_null(c.e);
    }
}

static void test_nul_and_limits(void **state)
{
    struct lp_conf c;
    char err[256], *big;
    size_t n;

    (void)state;
    assert_int_equal(lp_conf_parse(&c, "a = b\0c\n", 8, err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_string_equal(err, "line 1: control character 0x00");

    /* a key of 65 characters */
    big = malloc(LP_CONF_SIZE_MAX + 2);
    assert_non_null(big);
    memset(big, 'k', LP_CONF_KEY_MAX + 1);
    memcpy(big + LP_CONF_KEY_MAX + 1, " = 1", 4);
    assert_int_equal(
        lp_conf_parse(&c, big, LP_CONF_KEY_MAX + 5, err, sizeof(err)),
        LP_ERR_INVAL);
    assert_string_equal(err, "line 1: a key is at most 64 characters");
    /* a key of exactly 64 is fine */
    assert_int_equal(
        lp_conf_parse(&c, big + 1, LP_CONF_KEY_MAX + 4, err, sizeof(err)), 0);
    assert_int_equal(c.n, 1);
    lp_conf_free(&c);

    /* a line too long */
    memcpy(big, "a = ", 4);
    memset(big + 4, 'v', LP_CONF_LINE_MAX);
    assert_int_equal(
        lp_conf_parse(&c, big, LP_CONF_LINE_MAX + 4, err, sizeof(err)),
        LP_ERR_RANGE);
    assert_string_equal(err, "line 1: longer than 1024 bytes");

    /* too large a text */
    memset(big, '\n', LP_CONF_SIZE_MAX + 1);
    assert_int_equal(
        lp_conf_parse(&c, big, LP_CONF_SIZE_MAX + 1, err, sizeof(err)),
        LP_ERR_RANGE);
    assert_string_equal(err, "larger than 65536 bytes");
    assert_int_equal(lp_conf_parse(&c, big, LP_CONF_SIZE_MAX, err, sizeof(err)),
                     0);

    /* too many entries */
    n = 0;
    for (int i = 0; i < LP_CONF_ENTRIES_MAX; i++)
        n += (size_t)sprintf(big + n, "k = %d\n", i);
    memcpy(big + n, "last\n", 5);
    assert_int_equal(lp_conf_parse(&c, big, n + 5, err, sizeof(err)),
                     LP_ERR_RANGE);
    assert_string_equal(err, "line 257: more than 256 entries");
    assert_int_equal(c.n, 0);
    assert_int_equal(lp_conf_parse(&c, big, n, err, sizeof(err)), 0);
    assert_int_equal(c.n, LP_CONF_ENTRIES_MAX);
    lp_conf_free(&c);
    free(big);

    /* a NULL or empty err buffer is fine */
    assert_int_equal(lp_conf_parse(&c, "=", 1, NULL, 0), LP_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nul_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
