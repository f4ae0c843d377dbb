#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "lp_endpoint.h"
#include "lp_err.h"

static void test_parse_ok(void **state)
{
    static const struct {
        const char *in, *host;
        unsigned port;
        int literal, family;
    } t[] = {
        {"relay.example.com", "relay.example.com", 443, 0, AF_UNSPEC},
        {"relay.example.com:4433", "relay.example.com", 4433, 0, AF_UNSPEC},
        {"localhost", "localhost", 443, 0, AF_UNSPEC},
        {"my_host-1", "my_host-1", 443, 0, AF_UNSPEC},
        {"1.2.3.4", "1.2.3.4", 443, 1, AF_INET},
        {"1.2.3.4:1", "1.2.3.4", 1, 1, AF_INET},
        {"1.2.3.4:65535", "1.2.3.4", 65535, 1, AF_INET},
        {"[2001:db8::1]:8443", "2001:db8::1", 8443, 1, AF_INET6},
        {"[2001:db8::1]", "2001:db8::1", 443, 1, AF_INET6},
        {"2001:db8::1", "2001:db8::1", 443, 1, AF_INET6},
        {"::1", "::1", 443, 1, AF_INET6},
        {"[::ffff:1.2.3.4]:5", "::ffff:1.2.3.4", 5, 1, AF_INET6},
        {"host:00443", "host", 443, 0, AF_UNSPEC},
        /* IP literals follow inet_pton's rules on every platform. */
        {"::", "::", 443, 1, AF_INET6},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 443, 1, AF_INET6},
        {"[1:2:3:4:5:6:1.2.3.4]:7", "1:2:3:4:5:6:1.2.3.4", 7, 1, AF_INET6},
        {"01.2.3.4", "01.2.3.4", 443, 0, AF_UNSPEC},
        {"1.2.3", "1.2.3", 443, 0, AF_UNSPEC},
        {"1.2.3.256", "1.2.3.256", 443, 0, AF_UNSPEC},
    };
    struct lp_endpoint ep;
    char err[128];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv = lp_endpoint_parse(&ep, t[i].in, err, sizeof(err));
        if (rv != 0)
            fail_msg("%s: %s", t[i].in, err);
        assert_string_equal(ep.host, t[i].host);
        assert_int_equal(ep.port, t[i].port);
        assert_int_equal(ep.is_ip_literal, t[i].literal);
        assert_int_equal(ep.family, t[i].family);
    }
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *in, *msg;
    } t[] = {
        {"", "empty address"},           {":443", "empty host"},
        {"[]:443", "empty host"},        {"host:", "empty port"},
        {"host:0", "bad port"},          {"host:65536", "bad port"},
        {"host:99999", "bad port"},      {"host:123456", "bad port"},
        {"host:-1", "bad port"},         {"host:+1", "bad port"},
        {"host:44a", "bad port"},        {"host: 443", "bad port"},
        {"[2001:db8::1", "missing ']'"}, {"2001:db8::1]", "unbalanced"},
        {"[[::1]]", "unbalanced"},       {"[::1]x", "junk after ']'"},
        {"[::1]:", "empty port"},        {"[::1]:0", "bad port"},
        {"[1.2.3.4]:443", "bad IPv6"},   {"[relay]:443", "bad IPv6"},
        {"2001:db8::zz", "bad IPv6"},    {"ho st", "bad host name"},
        {"host/udp", "bad host name"},   {"h\xc3\xa9", "bad host name"},
        {"1::2::3", "bad IPv6"},         {"12345::1", "bad IPv6"},
        {"::1.2.3", "bad IPv6"},         {"[::01.2.3.4]", "bad IPv6"},
        {"fe80::1%eth0", "bad IPv6"},    {"1:2:3:4:5:6:7::8", "bad IPv6"},
    };
    struct lp_endpoint ep;
    char err[160];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        err[0] = '\0';
        int rv = lp_endpoint_parse(&ep, t[i].in, err, sizeof(err));
        if (rv != LP_ERR_INVAL)
            fail_msg("%s accepted", t[i].in);
        if (strstr(err, t[i].msg) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", t[i].in, err, t[i].msg);
        /* The message quotes the input (non-printable as '?'). */
        if (t[i].in[0] != '\0' && strchr(t[i].in, '\xc3') == NULL &&
            strstr(err, t[i].in) == NULL)
            fail_msg("%s: message \"%s\" does not quote it", t[i].in, err);
    }
    assert_int_equal(lp_endpoint_parse(&ep, NULL, err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_int_equal(lp_endpoint_parse(&ep, "", NULL, 0), LP_ERR_INVAL);
    /* A long input is cut in the message. */
    char longhost[600];
    memset(longhost, 'a', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    assert_int_equal(lp_endpoint_parse(&ep, longhost, err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_non_null(strstr(err, "...'") == NULL ? strstr(err, "'...")
                                                : strstr(err, "...'"));
    /* 254-character name. */
    longhost[254] = '\0';
    assert_int_equal(lp_endpoint_parse(&ep, longhost, err, sizeof(err)),
                     LP_ERR_INVAL);
    longhost[253] = '\0';
    assert_int_equal(lp_endpoint_parse(&ep, longhost, err, sizeof(err)), 0);
}

static void test_listen(void **state)
{
    static const struct {
        const char *in, *host;
        unsigned port;
        int family;
    } t[] = {
        {"443/udp", "::", 443, AF_INET6},
        {"4433/udp", "::", 4433, AF_INET6},
        {"0/udp", "::", 0, AF_INET6},
        {"8443", "::", 8443, AF_INET6},
        {"0.0.0.0:4433", "0.0.0.0", 4433, AF_INET},
        {"[::1]:0", "::1", 0, AF_INET6},
        {"[::]:443", "::", 443, AF_INET6},
        {"127.0.0.1", "127.0.0.1", 443, AF_INET},
        {"localhost:4433", "localhost", 4433, AF_UNSPEC},
    };
    static const char *const bad[] = {
        "",     "443/tcp",     "/udp",  "70000/udp", "x/udp",
        "443/", "[::1]:70000", "a b:1", "-1/udp",
    };
    struct lp_endpoint ep;
    char err[160];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (lp_endpoint_parse_listen(&ep, t[i].in, err, sizeof(err)) != 0)
            fail_msg("%s: %s", t[i].in, err);
        assert_string_equal(ep.host, t[i].host);
        assert_int_equal(ep.port, t[i].port);
        assert_int_equal(ep.family, t[i].family);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lp_endpoint_parse_listen(&ep, bad[i], err, sizeof(err)) !=
            LP_ERR_INVAL)
            fail_msg("listen %s accepted", bad[i]);
    }
    /* Port 0 is only for listening. */
    assert_int_equal(lp_endpoint_parse(&ep, "[::1]:0", err, sizeof(err)),
                     LP_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_listen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
