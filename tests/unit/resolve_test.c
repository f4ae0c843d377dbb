/* resolve_test: lp_resolve_endpoint (io/) on literals, localhost and a
 * name that cannot resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_resolve.h"

static void test_resolve(void **state)
{
    struct lp_endpoint ep;
    struct sockaddr_storage ss[8];
    socklen_t lens[8];
    size_t n;
    char err[256];

    (void)state;
    assert_int_equal(lp_endpoint_parse(&ep, "127.0.0.1:4433", err, sizeof(err)),
                     0);
    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 8, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ss[0].ss_family, AF_INET);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss[0];
    assert_int_equal(ntohs(sin->sin_port), 4433);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(lens[0], sizeof(struct sockaddr_in));

    assert_int_equal(lp_endpoint_parse(&ep, "[::1]:9", err, sizeof(err)), 0);
    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 8, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ss[0].ss_family, AF_INET6);
    assert_int_equal(ntohs(((const struct sockaddr_in6 *)&ss[0])->sin6_port),
                     9);

    assert_int_equal(lp_endpoint_parse(&ep, "localhost:5000", err, sizeof(err)),
                     0);
    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 8, &n, err, sizeof(err)), 0);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++)
        assert_true(ss[i].ss_family == AF_INET || ss[i].ss_family == AF_INET6);
    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 1, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);

    time_t t0 = time(NULL);
    assert_int_equal(
        lp_endpoint_parse(&ep, "nonexistent.invalid", err, sizeof(err)), 0);
    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 8, &n, err, sizeof(err)),
        LP_ERR_RESOLVE);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "nonexistent.invalid"));
    assert_true(time(NULL) - t0 < 30);

    assert_int_equal(
        lp_resolve_endpoint(&ep, ss, lens, 0, &n, err, sizeof(err)),
        LP_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
    };
#ifdef _WIN32
    WSADATA wsa;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 1;
#endif
    return cmocka_run_group_tests(tests, NULL, NULL);
}
