/*
 * lp_reason.h: the one vocabulary of drop reasons and frame actions used by
 * logs, counters and the stats message. The names are part of the wire
 * format (stats "drops" keys) and of the log format.
 */
#ifndef LP_REASON_H
#define LP_REASON_H

enum lp_reason {
    LP_REASON_NONE = 0,
    LP_REASON_MALFORMED,       /* "malformed": undecodable datagram /
                                  truncated or lying headers */
    LP_REASON_DATAGRAM_BUDGET, /* "datagram_budget": larger than the
                                  sender's budget */
    LP_REASON_OVER_MTU,        /* "over_mtu" */
    LP_REASON_JUMBO,           /* "jumbo": Ethernet payload > 1500 */
    LP_REASON_RUNT,            /* "runt": frame < 14 bytes */
    LP_REASON_SOURCE_MAC,      /* "source_mac" */
    LP_REASON_LINK_LOCAL,      /* "link_local": dst 01:80:c2:00:00:00..0f */
    LP_REASON_VLAN_TAG,        /* "vlan_tag" */
    LP_REASON_DHCP_SERVER,     /* "dhcp_server" */
    LP_REASON_DHCPV6_SERVER,   /* "dhcpv6_server" */
    LP_REASON_ROUTER_ADVERT,   /* "router_advertisement" */
    LP_REASON_IPV6_FRAGMENT,   /* "ipv6_fragment" */
    LP_REASON_UNKNOWN_UNICAST, /* "unknown_unicast" */
    LP_REASON_RATE_BCAST,      /* "rate_broadcast" */
    LP_REASON_RATE_UNKNOWN,    /* "rate_unknown_unicast" */
    LP_REASON_RATE_BYTES,      /* "rate_bytes" */
    LP_REASON_EGRESS_BUDGET,   /* "egress_budget" */
    LP_REASON_QUEUE_FULL,      /* "queue_full" */
    LP_REASON_NOT_FOR_US,      /* "not_for_us": unicast not addressed to
                                  this client */
    LP_REASON_NO_PEER,         /* "no_peer": nobody to deliver to */
    LP_REASON_UNKNOWN_PEER,    /* "unknown_peer": peer_id not announced */
    LP_REASON_NOT_READY,       /* "not_ready": before welcome / no session */
    LP_REASON_LINK_DOWN,       /* "link_down": the local link (LAN NIC or
                                  TAP) is down or gone for the moment */
    LP_REASON_ETHERTYPE,       /* "ethertype": a client's ethertype is not
                                  on the allow-list (LLC/SNAP included) */
    LP_REASON_SWITCH_CONTROL,  /* "switch_control": Cisco control
                                  destinations, MAC control, EAPOL, LLDP */
    LP_REASON_DHCP_CHADDR,     /* "dhcp_chaddr": a DHCPv4 client message
                                  for another MAC */
    LP_REASON_REDIRECT,        /* "redirect": ICMPv6 or ICMP redirect */
    LP_REASON_LLADDR_SPOOF,    /* "lladdr_spoof": ARP or ND link-layer
                                  address other than the source MAC */
    LP_REASON_IP_TUNNEL,       /* "ip_tunnel": IP protocol 4, 41 or 47 */
    LP_REASON_ADDR_SPOOF,      /* "addr_spoof": an address owned by another
                                  MAC (relay address table) */
    LP_REASON_ADDR_LIMIT,      /* "addr_limit": too many addresses for one
                                  client (relay address table) */
    LP_REASON_RATE_DHCP,       /* "rate_dhcp" */
    LP_REASON_STALE,           /* "stale": queued longer than the age limit
                                  (a late game frame is worthless) */
    LP_REASON_RATE_FANOUT,     /* "rate_fanout": the room's or the relay's
                                  frame copies per second */
    LP_REASON_FRAG_TIMEOUT,    /* "frag_timeout": an incomplete frame
                                  forgotten after 100 ms */
    LP_REASON_FRAG_EVICTED,    /* "frag_evicted": an incomplete frame
                                  evicted by a ninth one */
    LP_REASON_FRAG_MALFORMED,  /* "frag_malformed": a fragment that
                                  overlaps or contradicts another one */
    LP_REASON_FRAG_OVERFLOW,   /* "frag_overflow": a fragment whose data
                                  would end beyond the largest frame */
    LP_REASON_MAX
};

/*
 * lp_reason_name returns the wire/log name of r ("none" for
 * LP_REASON_NONE, "unknown" for values outside the enum).
 */
const char *lp_reason_name(enum lp_reason r);

/*
 * lp_reason_from_name looks up a reason by its name. Returns 0 and sets
 * *out, or LP_ERR_INVAL when the name is unknown.
 */
int lp_reason_from_name(const char *s, enum lp_reason *out);

enum lp_action {
    LP_ACTION_FORWARDED,
    LP_ACTION_DROPPED,
    LP_ACTION_FILTERED,
    LP_ACTION_RATE_LIMITED
};

/*
 * lp_action_name returns "forwarded", "dropped", "filtered" or
 * "rate_limited" ("unknown" outside the enum).
 */
const char *lp_action_name(enum lp_action a);

/*
 * lp_reason_action maps a reason to its action: LP_ACTION_FORWARDED for
 * LP_REASON_NONE, LP_ACTION_FILTERED for the safety-policy reasons
 * (link_local, vlan_tag, dhcp_server, dhcpv6_server, router_advertisement,
 * ipv6_fragment, ethertype, switch_control, dhcp_chaddr, redirect,
 * lladdr_spoof, ip_tunnel) and the address-table reasons (addr_spoof,
 * addr_limit), LP_ACTION_RATE_LIMITED for the rate_* reasons and
 * LP_ACTION_DROPPED for everything else.
 */
enum lp_action lp_reason_action(enum lp_reason r);

#endif /* LP_REASON_H */
