#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_reason.h"

static void test_names(void **state)
{
    static const struct {
        enum lp_reason r;
        const char *name;
        enum lp_action a;
    } t[] = {
        {LP_REASON_NONE, "none", LP_ACTION_FORWARDED},
        {LP_REASON_MALFORMED, "malformed", LP_ACTION_DROPPED},
        {LP_REASON_DATAGRAM_BUDGET, "datagram_budget", LP_ACTION_DROPPED},
        {LP_REASON_OVER_MTU, "over_mtu", LP_ACTION_DROPPED},
        {LP_REASON_JUMBO, "jumbo", LP_ACTION_DROPPED},
        {LP_REASON_RUNT, "runt", LP_ACTION_DROPPED},
        {LP_REASON_SOURCE_MAC, "source_mac", LP_ACTION_DROPPED},
        {LP_REASON_LINK_LOCAL, "link_local", LP_ACTION_FILTERED},
        {LP_REASON_VLAN_TAG, "vlan_tag", LP_ACTION_FILTERED},
        {LP_REASON_DHCP_SERVER, "dhcp_server", LP_ACTION_FILTERED},
        {LP_REASON_DHCPV6_SERVER, "dhcpv6_server", LP_ACTION_FILTERED},
        {LP_REASON_ROUTER_ADVERT, "router_advertisement", LP_ACTION_FILTERED},
        {LP_REASON_IPV6_FRAGMENT, "ipv6_fragment", LP_ACTION_FILTERED},
        {LP_REASON_UNKNOWN_UNICAST, "unknown_unicast", LP_ACTION_DROPPED},
        {LP_REASON_RATE_BCAST, "rate_broadcast", LP_ACTION_RATE_LIMITED},
        {LP_REASON_RATE_UNKNOWN, "rate_unknown_unicast",
         LP_ACTION_RATE_LIMITED},
        {LP_REASON_RATE_BYTES, "rate_bytes", LP_ACTION_RATE_LIMITED},
        {LP_REASON_EGRESS_BUDGET, "egress_budget", LP_ACTION_DROPPED},
        {LP_REASON_QUEUE_FULL, "queue_full", LP_ACTION_DROPPED},
        {LP_REASON_NOT_FOR_US, "not_for_us", LP_ACTION_DROPPED},
        {LP_REASON_NO_PEER, "no_peer", LP_ACTION_DROPPED},
        {LP_REASON_UNKNOWN_PEER, "unknown_peer", LP_ACTION_DROPPED},
        {LP_REASON_NOT_READY, "not_ready", LP_ACTION_DROPPED},
        {LP_REASON_LINK_DOWN, "link_down", LP_ACTION_DROPPED},
        {LP_REASON_ETHERTYPE, "ethertype", LP_ACTION_FILTERED},
        {LP_REASON_SWITCH_CONTROL, "switch_control", LP_ACTION_FILTERED},
        {LP_REASON_DHCP_CHADDR, "dhcp_chaddr", LP_ACTION_FILTERED},
        {LP_REASON_REDIRECT, "redirect", LP_ACTION_FILTERED},
        {LP_REASON_LLADDR_SPOOF, "lladdr_spoof", LP_ACTION_FILTERED},
        {LP_REASON_IP_TUNNEL, "ip_tunnel", LP_ACTION_FILTERED},
        {LP_REASON_ADDR_SPOOF, "addr_spoof", LP_ACTION_FILTERED},
        {LP_REASON_ADDR_LIMIT, "addr_limit", LP_ACTION_FILTERED},
        {LP_REASON_RATE_DHCP, "rate_dhcp", LP_ACTION_RATE_LIMITED},
        {LP_REASON_STALE, "stale", LP_ACTION_DROPPED},
        {LP_REASON_RATE_FANOUT, "rate_fanout", LP_ACTION_RATE_LIMITED},
        {LP_REASON_FRAG_TIMEOUT, "frag_timeout", LP_ACTION_DROPPED},
        {LP_REASON_FRAG_EVICTED, "frag_evicted", LP_ACTION_DROPPED},
        {LP_REASON_FRAG_MALFORMED, "frag_malformed", LP_ACTION_DROPPED},
        {LP_REASON_FRAG_OVERFLOW, "frag_overflow", LP_ACTION_DROPPED},
    };
    enum lp_reason r;

    (void)state;
    assert_int_equal(sizeof(t) / sizeof(t[0]), LP_REASON_MAX);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_string_equal(lp_reason_name(t[i].r), t[i].name);
        assert_int_equal(lp_reason_action(t[i].r), t[i].a);
        assert_int_equal(lp_reason_from_name(t[i].name, &r), 0);
        assert_int_equal(r, t[i].r);
    }
    assert_string_equal(lp_reason_name(LP_REASON_MAX), "unknown");
    assert_string_equal(lp_reason_name((enum lp_reason) - 1), "unknown");
    assert_int_not_equal(lp_reason_from_name("nope", &r), 0);
    assert_int_not_equal(lp_reason_from_name(NULL, &r), 0);
}

static void test_actions(void **state)
{
    (void)state;
    assert_string_equal(lp_action_name(LP_ACTION_FORWARDED), "forwarded");
    assert_string_equal(lp_action_name(LP_ACTION_DROPPED), "dropped");
    assert_string_equal(lp_action_name(LP_ACTION_FILTERED), "filtered");
    assert_string_equal(lp_action_name(LP_ACTION_RATE_LIMITED), "rate_limited");
    assert_string_equal(lp_action_name((enum lp_action)42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
