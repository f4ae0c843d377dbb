#include <string.h>

#include "lp_err.h"
#include "lp_reason.h"

static const char *const reason_names[LP_REASON_MAX] = {
    [LP_REASON_NONE] = "none",
    [LP_REASON_MALFORMED] = "malformed",
    [LP_REASON_DATAGRAM_BUDGET] = "datagram_budget",
    [LP_REASON_OVER_MTU] = "over_mtu",
    [LP_REASON_JUMBO] = "jumbo",
    [LP_REASON_RUNT] = "runt",
    [LP_REASON_SOURCE_MAC] = "source_mac",
    [LP_REASON_LINK_LOCAL] = "link_local",
    [LP_REASON_VLAN_TAG] = "vlan_tag",
    [LP_REASON_DHCP_SERVER] = "dhcp_server",
    [LP_REASON_DHCPV6_SERVER] = "dhcpv6_server",
    [LP_REASON_ROUTER_ADVERT] = "router_advertisement",
    [LP_REASON_IPV6_FRAGMENT] = "ipv6_fragment",
    [LP_REASON_UNKNOWN_UNICAST] = "unknown_unicast",
    [LP_REASON_RATE_BCAST] = "rate_broadcast",
    [LP_REASON_RATE_UNKNOWN] = "rate_unknown_unicast",
    [LP_REASON_RATE_BYTES] = "rate_bytes",
    [LP_REASON_EGRESS_BUDGET] = "egress_budget",
    [LP_REASON_QUEUE_FULL] = "queue_full",
    [LP_REASON_NOT_FOR_US] = "not_for_us",
    [LP_REASON_NO_PEER] = "no_peer",
    [LP_REASON_UNKNOWN_PEER] = "unknown_peer",
    [LP_REASON_NOT_READY] = "not_ready",
    [LP_REASON_LINK_DOWN] = "link_down",
    [LP_REASON_ETHERTYPE] = "ethertype",
    [LP_REASON_SWITCH_CONTROL] = "switch_control",
    [LP_REASON_DHCP_CHADDR] = "dhcp_chaddr",
    [LP_REASON_REDIRECT] = "redirect",
    [LP_REASON_LLADDR_SPOOF] = "lladdr_spoof",
    [LP_REASON_IP_TUNNEL] = "ip_tunnel",
    [LP_REASON_ADDR_SPOOF] = "addr_spoof",
    [LP_REASON_ADDR_LIMIT] = "addr_limit",
    [LP_REASON_RATE_DHCP] = "rate_dhcp",
    [LP_REASON_STALE] = "stale",
    [LP_REASON_RATE_FANOUT] = "rate_fanout",
    [LP_REASON_FRAG_TIMEOUT] = "frag_timeout",
    [LP_REASON_FRAG_EVICTED] = "frag_evicted",
    [LP_REASON_FRAG_MALFORMED] = "frag_malformed",
    [LP_REASON_FRAG_OVERFLOW] = "frag_overflow",
};

const char *lp_reason_name(enum lp_reason r)
{
    if ((unsigned)r >= LP_REASON_MAX || reason_names[r] == NULL)
        return "unknown";
    return reason_names[r];
}

int lp_reason_from_name(const char *s, enum lp_reason *out)
{
    if (s == NULL)
        return LP_ERR_INVAL;
    for (unsigned i = 0; i < LP_REASON_MAX; i++) {
        if (reason_names[i] != NULL && strcmp(reason_names[i], s) == 0) {
            *out = (enum lp_reason)i;
            return 0;
        }
    }
    return LP_ERR_INVAL;
}

const char *lp_action_name(enum lp_action a)
{
    switch (a) {
    case LP_ACTION_FORWARDED:
        return "forwarded";
    case LP_ACTION_DROPPED:
        return "dropped";
    case LP_ACTION_FILTERED:
        return "filtered";
    case LP_ACTION_RATE_LIMITED:
        return "rate_limited";
    }
    return "unknown";
}

enum lp_action lp_reason_action(enum lp_reason r)
{
    switch (r) {
    case LP_REASON_NONE:
        return LP_ACTION_FORWARDED;
    case LP_REASON_LINK_LOCAL:
    case LP_REASON_VLAN_TAG:
    case LP_REASON_DHCP_SERVER:
    case LP_REASON_DHCPV6_SERVER:
    case LP_REASON_ROUTER_ADVERT:
    case LP_REASON_IPV6_FRAGMENT:
    case LP_REASON_ETHERTYPE:
    case LP_REASON_SWITCH_CONTROL:
    case LP_REASON_DHCP_CHADDR:
    case LP_REASON_REDIRECT:
    case LP_REASON_LLADDR_SPOOF:
    case LP_REASON_IP_TUNNEL:
    case LP_REASON_ADDR_SPOOF:
    case LP_REASON_ADDR_LIMIT:
        return LP_ACTION_FILTERED;
    case LP_REASON_RATE_BCAST:
    case LP_REASON_RATE_UNKNOWN:
    case LP_REASON_RATE_BYTES:
    case LP_REASON_RATE_DHCP:
    case LP_REASON_RATE_FANOUT:
        return LP_ACTION_RATE_LIMITED;
    default:
        return LP_ACTION_DROPPED;
    }
}
