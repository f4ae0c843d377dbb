/* The relay's forwarding decision (relay/lp_route.c), table-driven: source
 * MAC rules, the safety policy before the destination, where each frame
 * goes and which rate limit it must pass (spec section 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_route.h"

static const uint8_t CLIENT[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t OTHER[6] = {0x02, 0, 0, 0, 0, 0x12};
static const uint8_t LANHOST[6] = {0x00, 0x16, 0x3e, 0, 0, 0x99};
static const uint8_t GWMAC[6] = {0x00, 0x16, 0x3e, 0, 0, 0x01};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t STP[6] = {0x01, 0x80, 0xc2, 0, 0, 0};

static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
    memset(f, 0, 64);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5; /* local experimental: no policy rule */
    return 64;
}

struct row {
    const char *what;
    enum lp_role role;
    const uint8_t *dst, *src;
    enum lp_dst_owner owner;
    int src_is_client, lan_known, gateway;
    enum lp_route_kind kind;
    enum lp_reason reason;
    enum lp_route_limit limit;
};

static void test_table(void **state)
{
    static const struct row t[] = {
        {"client broadcast", LP_ROLE_CLIENT, BCAST, CLIENT, LP_DST_NONE, 0, 0,
         1, LP_ROUTE_FLOOD, 0, LP_LIMIT_BCAST},
        {"client broadcast, no gateway", LP_ROLE_CLIENT, BCAST, CLIENT,
         LP_DST_NONE, 0, 0, 0, LP_ROUTE_FLOOD, 0, LP_LIMIT_BCAST},
        {"client spoofs a source", LP_ROLE_CLIENT, BCAST, OTHER, LP_DST_NONE, 0,
         0, 1, LP_ROUTE_DROP, LP_REASON_SOURCE_MAC, 0},
        {"client to another client", LP_ROLE_CLIENT, OTHER, CLIENT,
         LP_DST_OTHER, 0, 0, 1, LP_ROUTE_CLIENT, 0, LP_LIMIT_NONE},
        {"client to itself", LP_ROLE_CLIENT, CLIENT, CLIENT, LP_DST_SELF, 0, 0,
         1, LP_ROUTE_DROP, LP_REASON_NO_PEER, 0},
        {"client to a learned LAN host", LP_ROLE_CLIENT, LANHOST, CLIENT,
         LP_DST_NONE, 0, 1, 1, LP_ROUTE_GATEWAY, 0, LP_LIMIT_NONE},
        {"client to an unknown MAC", LP_ROLE_CLIENT, LANHOST, CLIENT,
         LP_DST_NONE, 0, 0, 1, LP_ROUTE_GATEWAY, 0, LP_LIMIT_UNKNOWN},
        {"client to the LAN, no gateway", LP_ROLE_CLIENT, LANHOST, CLIENT,
         LP_DST_NONE, 0, 0, 0, LP_ROUTE_DROP, LP_REASON_NO_PEER, 0},
        {"client STP (policy before destination)", LP_ROLE_CLIENT, STP, CLIENT,
         LP_DST_NONE, 0, 0, 1, LP_ROUTE_DROP, LP_REASON_LINK_LOCAL, 0},
        {"gateway broadcast", LP_ROLE_GATEWAY, BCAST, LANHOST, LP_DST_NONE, 0,
         0, 1, LP_ROUTE_FLOOD, 0, LP_LIMIT_BCAST},
        {"gateway to a client", LP_ROLE_GATEWAY, CLIENT, LANHOST, LP_DST_OTHER,
         0, 0, 1, LP_ROUTE_CLIENT, 0, LP_LIMIT_NONE},
        {"gateway LAN-internal unicast", LP_ROLE_GATEWAY, GWMAC, LANHOST,
         LP_DST_NONE, 0, 0, 1, LP_ROUTE_DROP, LP_REASON_UNKNOWN_UNICAST, 0},
        {"gateway forges a player's MAC", LP_ROLE_GATEWAY, BCAST, CLIENT,
         LP_DST_NONE, 1, 0, 1, LP_ROUTE_DROP, LP_REASON_SOURCE_MAC, 0},
        {"gateway multicast source", LP_ROLE_GATEWAY, BCAST, BCAST, LP_DST_NONE,
         0, 0, 1, LP_ROUTE_DROP, LP_REASON_SOURCE_MAC, 0},
    };
    static const uint16_t extra[] = {0x88b5};
    const struct lp_policy_cfg policy = {extra, 1};
    uint8_t f[64];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lp_route_in in;
        struct lp_route r;

        memset(&in, 0, sizeof(in));
        /* the operator allowed the local experimental ethertype the
         * table's frames carry (--allow-ethertype 88b5) */
        in.policy = &policy;
        in.role = t[i].role;
        in.len = frame(f, t[i].dst, t[i].src);
        in.frame = f;
        in.own_mac = t[i].role == LP_ROLE_CLIENT ? CLIENT : GWMAC;
        in.src_is_client = t[i].src_is_client;
        in.dst = t[i].owner;
        in.dst_lan_known = t[i].lan_known;
        in.gateway_present = t[i].gateway;
        r = lp_route_decide(&in);
        print_message("%s\n", t[i].what);
        assert_int_equal(r.kind, t[i].kind);
        if (r.kind == LP_ROUTE_DROP) {
            assert_int_equal(r.reason, t[i].reason);
        } else {
            assert_int_equal(r.limit, t[i].limit);
            assert_int_equal(r.limit_bytes, t[i].role == LP_ROLE_CLIENT);
        }
    }
}

/* Without the operator's extra ethertype the same client frame is
 * refused: clients send IPv4, ARP and IPv6 only. */
static void test_allow_list(void **state)
{
    uint8_t f[64];
    struct lp_route_in in;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.role = LP_ROLE_CLIENT;
    in.len = frame(f, BCAST, CLIENT);
    in.frame = f;
    in.own_mac = CLIENT;
    in.gateway_present = 1;
    assert_int_equal(lp_route_decide(&in).reason, LP_REASON_ETHERTYPE);
    in.role = LP_ROLE_GATEWAY; /* the LAN's own frames are not limited */
    in.own_mac = GWMAC;
    f[11] = 0x99;
    f[6] = 0x00;
    assert_int_equal(lp_route_decide(&in).kind, LP_ROUTE_FLOOD);
}

static void test_runt(void **state)
{
    uint8_t f[64];
    struct lp_route_in in;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.role = LP_ROLE_CLIENT;
    frame(f, BCAST, CLIENT);
    in.frame = f;
    in.len = 13;
    in.own_mac = CLIENT;
    assert_int_equal(lp_route_decide(&in).reason, LP_REASON_RUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_runt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
