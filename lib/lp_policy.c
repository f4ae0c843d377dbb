/*
 * lp_policy.c: the L2 safety policy. Every read is bounds-checked against
 * the frame, and for IP against the length the IP header claims, so a
 * filtered packet cannot hide in Ethernet padding.
 *
 * From clients the policy is an allow-list (spec section 6, step 3): only
 * IPv4, ARP, IPv6 and the operator's extra ethertypes pass, and inside
 * those the walk looks for what a rogue host uses to take over a LAN:
 * DHCP and DHCPv6 servers, router advertisements and redirects, forged
 * link-layer addresses in ARP and Neighbor Discovery, and anything that
 * could carry such a packet past the checks (VLAN tags, IPv6 fragments,
 * IP-in-IP and GRE tunnels).
 */
#include <string.h>

#include "lp_eth.h"
#include "lp_policy.h"

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_ICMP     1
#define IPPROTO_NUM_IPIP     4
#define IPPROTO_NUM_UDP      17
#define IPPROTO_NUM_IPV6     41
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_GRE      47
#define IPPROTO_NUM_ESP      50
#define IPPROTO_NUM_AH       51
#define IPPROTO_NUM_ICMPV6   58
#define IPPROTO_NUM_NONE     59
#define IPPROTO_NUM_DSTOPTS  60

#define ETHERTYPE_MAC_CONTROL 0x8808
#define ETHERTYPE_EAPOL       0x888e
#define ETHERTYPE_LLDP        0x88cc
#define ETHERTYPE_MIN         0x0600 /* below: an 802.3 length field */

#define UDP_PORT_DHCP_SERVER   67
#define UDP_PORT_DHCP_CLIENT   68
#define UDP_PORT_DHCPV6_CLIENT 546
#define UDP_PORT_DHCPV6_SERVER 547

#define BOOTP_FIXED_LEN  236 /* RFC 951: op .. file, before the options */
#define BOOTP_OP_REQUEST 1
#define BOOTP_OP_REPLY   2

#define ICMP_REDIRECT           5
#define ICMPV6_ROUTER_SOLICIT   133
#define ICMPV6_ROUTER_ADVERT    134
#define ICMPV6_NEIGHBOR_SOLICIT 135
#define ICMPV6_NEIGHBOR_ADVERT  136
#define ICMPV6_REDIRECT         137

#define ND_OPT_SOURCE_LLADDR 1
#define ND_OPT_TARGET_LLADDR 2

static uint16_t policy_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int policy_is_tunnel(unsigned proto)
{
    return proto == IPPROTO_NUM_IPIP || proto == IPPROTO_NUM_IPV6 ||
           proto == IPPROTO_NUM_GRE;
}

static int policy_is_switch_type(uint16_t type)
{
    return type == ETHERTYPE_MAC_CONTROL || type == ETHERTYPE_EAPOL ||
           type == ETHERTYPE_LLDP;
}

/* policy_is_cisco: 01:00:0c:cc:cc:cc (CDP, VTP, DTP, PAgP, UDLD) and
 * 01:00:0c:cc:cc:cd (PVST+). */
static int policy_is_cisco(const uint8_t *mac)
{
    return mac[0] == 0x01 && mac[1] == 0x00 && mac[2] == 0x0c &&
           mac[3] == 0xcc && mac[4] == 0xcc &&
           (mac[5] == 0xcc || mac[5] == 0xcd);
}

static int policy_is_extra(const struct lp_policy_cfg *cfg, uint16_t type)
{
    if (cfg == NULL || cfg->extra_ethertypes == NULL)
        return 0;
    for (size_t i = 0; i < cfg->nextra; i++)
        if (cfg->extra_ethertypes[i] == type)
            return 1;
    return 0;
}

/* policy_arp: p/len is everything after the Ethernet header (RFC 826). */
static enum lp_reason policy_arp(const uint8_t *p, size_t len,
                                 const uint8_t *src)
{
    /* Receivers drop an ARP whose hlen is not their link's (Linux
     * arp_rcv); anything else cannot be checked against the MAC. */
    if (len < 28 || p[4] != LP_MAC_LEN || p[5] != 4)
        return LP_REASON_MALFORMED;
    if (memcmp(p + 8, src, LP_MAC_LEN) != 0)
        return LP_REASON_LLADDR_SPOOF;
    return LP_REASON_NONE;
}

/* policy_dhcp_request: b/len is the UDP payload of a datagram to port 67. */
static enum lp_reason policy_dhcp_request(const uint8_t *b, size_t len,
                                          const uint8_t *src)
{
    if (len < BOOTP_FIXED_LEN)
        return LP_REASON_MALFORMED;
    if (b[0] == BOOTP_OP_REPLY)
        return LP_REASON_DHCP_SERVER;
    if (b[0] != BOOTP_OP_REQUEST)
        return LP_REASON_MALFORMED;
    /* A server leases by chaddr (RFC 2131 section 4.2): a request for
     * another MAC is address exhaustion or a relay agent in disguise. */
    if (b[2] != LP_MAC_LEN || memcmp(b + 28, src, LP_MAC_LEN) != 0)
        return LP_REASON_DHCP_CHADDR;
    return LP_REASON_NONE;
}

/* policy_ipv4: p/len is everything after the Ethernet header. */
static enum lp_reason policy_ipv4(const uint8_t *p, size_t len,
                                  const uint8_t *src)
{
    size_t ihl, total, plen;
    const uint8_t *l4;

    if (len < 20)
        return LP_REASON_MALFORMED;
    if (p[0] >> 4 != 4)
        return LP_REASON_MALFORMED;
    ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > len)
        return LP_REASON_MALFORMED;
    total = policy_be16(p + 2);
    /* Ethernet may pad a short packet, but never cut one: a total length
     * beyond the frame is a lie or a truncation. */
    if (total < ihl || total > len)
        return LP_REASON_MALFORMED;
    /* Every fragment names the protocol, so tunnels go in any fragment. */
    if (policy_is_tunnel(p[9]))
        return LP_REASON_IP_TUNNEL;
    /* Only the first fragment (offset 0) carries the upper-layer header
     * (RFC 791). A later fragment that overlaps it to rewrite the header
     * makes receivers discard the whole datagram (Linux since 4.19, as
     * RFC 5722 asks for IPv6). */
    if ((policy_be16(p + 6) & 0x1fff) != 0)
        return LP_REASON_NONE;
    l4 = p + ihl;
    plen = total - ihl;
    switch (p[9]) {
    case IPPROTO_NUM_UDP:
        if (plen < 8)
            return LP_REASON_MALFORMED;
        if (policy_be16(l4) == UDP_PORT_DHCP_SERVER ||
            policy_be16(l4 + 2) == UDP_PORT_DHCP_CLIENT)
            return LP_REASON_DHCP_SERVER;
        if (policy_be16(l4 + 2) == UDP_PORT_DHCP_SERVER)
            return policy_dhcp_request(l4 + 8, plen - 8, src);
        return LP_REASON_NONE;
    case IPPROTO_NUM_ICMP:
        if (plen < 4)
            return LP_REASON_MALFORMED;
        return l4[0] == ICMP_REDIRECT ? LP_REASON_REDIRECT : LP_REASON_NONE;
    default:
        return LP_REASON_NONE;
    }
}

/*
 * policy_nd_opts walks the ND options in o/len (RFC 4861 section 4.6):
 * every option of type want must be a 1-unit Ethernet address equal to
 * src. Each step advances at least 8 bytes, so the walk is bounded by len.
 */
static enum lp_reason policy_nd_opts(const uint8_t *o, size_t len,
                                     unsigned want, const uint8_t *src)
{
    size_t off = 0;

    while (off < len) {
        size_t olen;

        if (len - off < 2)
            return LP_REASON_MALFORMED;
        olen = (size_t)o[off + 1] * 8;
        /* RFC 4861 section 4.6: a length of 0 is invalid, and receivers
         * discard the whole packet. */
        if (olen == 0 || olen > len - off)
            return LP_REASON_MALFORMED;
        if (o[off] == want &&
            (olen != 8 || memcmp(o + off + 2, src, LP_MAC_LEN) != 0))
            return LP_REASON_LLADDR_SPOOF;
        off += olen;
    }
    return LP_REASON_NONE;
}

/* policy_icmpv6: m/len is the ICMPv6 message, up to the payload's end. */
static enum lp_reason policy_icmpv6(const uint8_t *m, size_t len,
                                    const uint8_t *src)
{
    if (len < 4)
        return LP_REASON_MALFORMED;
    switch (m[0]) {
    case ICMPV6_ROUTER_ADVERT:
        return LP_REASON_ROUTER_ADVERT;
    case ICMPV6_REDIRECT:
        return LP_REASON_REDIRECT;
    case ICMPV6_ROUTER_SOLICIT:
        /* type, code, checksum, reserved; then options. */
        if (len < 8)
            return LP_REASON_MALFORMED;
        return policy_nd_opts(m + 8, len - 8, ND_OPT_SOURCE_LLADDR, src);
    case ICMPV6_NEIGHBOR_SOLICIT:
        /* 8 bytes, then the 16-byte target; then options. */
        if (len < 24)
            return LP_REASON_MALFORMED;
        return policy_nd_opts(m + 24, len - 24, ND_OPT_SOURCE_LLADDR, src);
    case ICMPV6_NEIGHBOR_ADVERT:
        if (len < 24)
            return LP_REASON_MALFORMED;
        /* The Router flag makes hosts treat the sender as a router
         * (RFC 4861 section 7.2.5). */
        if (m[4] & 0x80)
            return LP_REASON_ROUTER_ADVERT;
        return policy_nd_opts(m + 24, len - 24, ND_OPT_TARGET_LLADDR, src);
    default:
        return LP_REASON_NONE;
    }
}

/* policy_udp6: u/len is the UDP datagram, up to the payload's end. */
static enum lp_reason policy_udp6(const uint8_t *u, size_t len)
{
    unsigned type;

    if (len < 8)
        return LP_REASON_MALFORMED;
    if (policy_be16(u) == UDP_PORT_DHCPV6_SERVER ||
        policy_be16(u + 2) == UDP_PORT_DHCPV6_CLIENT)
        return LP_REASON_DHCPV6_SERVER;
    if (policy_be16(u + 2) != UDP_PORT_DHCPV6_SERVER)
        return LP_REASON_NONE;
    /* msg-type and transaction-id: the smallest DHCPv6 message (RFC 8415
     * section 8). Server and relay messages to a server's port are a rogue
     * server talking to the real one, or a relay in disguise. */
    if (len < 8 + 4)
        return LP_REASON_MALFORMED;
    type = u[8];
    switch (type) {
    case 2:  /* ADVERTISE */
    case 7:  /* REPLY */
    case 10: /* RECONFIGURE */
    case 12: /* RELAY-FORW */
    case 13: /* RELAY-REPL */
        return LP_REASON_DHCPV6_SERVER;
    default:
        return LP_REASON_NONE;
    }
}

/* policy_ipv6: p/len is everything after the Ethernet header. */
static enum lp_reason policy_ipv6(const uint8_t *p, size_t len,
                                  const uint8_t *src)
{
    size_t end, off;
    unsigned nh, nexts = 0;

    if (len < 40)
        return LP_REASON_MALFORMED;
    if (p[0] >> 4 != 6)
        return LP_REASON_MALFORMED;
    end = 40 + (size_t)policy_be16(p + 4);
    if (end > len)
        return LP_REASON_MALFORMED;
    nh = p[6];
    off = 40;
    for (;;) {
        size_t hlen;

        switch (nh) {
        case IPPROTO_NUM_FRAGMENT:
            return LP_REASON_IPV6_FRAGMENT;
        case IPPROTO_NUM_HOPOPTS:
        case IPPROTO_NUM_ROUTING:
        case IPPROTO_NUM_DSTOPTS:
        case IPPROTO_NUM_AH:
            if (++nexts > LP_POLICY_MAX_EXT_HDRS)
                return LP_REASON_MALFORMED;
            if (end - off < 2)
                return LP_REASON_MALFORMED;
            /* RFC 8200 section 4: length in 8-octet units, not counting
             * the first 8; RFC 4302 section 2.2: AH length in 4-octet
             * units, minus 2. */
            if (nh == IPPROTO_NUM_AH)
                hlen = ((size_t)p[off + 1] + 2) * 4;
            else
                hlen = ((size_t)p[off + 1] + 1) * 8;
            if (hlen > end - off)
                return LP_REASON_MALFORMED;
            nh = p[off];
            off += hlen;
            break;
        case IPPROTO_NUM_IPIP:
        case IPPROTO_NUM_IPV6:
        case IPPROTO_NUM_GRE:
            return LP_REASON_IP_TUNNEL;
        case IPPROTO_NUM_UDP:
            return policy_udp6(p + off, end - off);
        case IPPROTO_NUM_ICMPV6:
            return policy_icmpv6(p + off, end - off, src);
        case IPPROTO_NUM_ESP:
            /* RFC 4303: SPI and sequence number, then ciphertext only the
             * holder of the security association can read; the chain ends
             * here. The header itself must be inside the packet. */
            if (end - off < 8)
                return LP_REASON_MALFORMED;
            return LP_REASON_NONE;
        case IPPROTO_NUM_NONE:
            /* RFC 8200 section 4.7: anything after is ignored. */
            return LP_REASON_NONE;
        default:
            return LP_REASON_NONE;
        }
    }
}

enum lp_reason lp_policy_check_cfg(const uint8_t *frame, size_t len,
                                   enum lp_origin origin,
                                   const struct lp_policy_cfg *cfg)
{
    struct lp_eth eth;
    size_t max_len = 14 + LP_POLICY_MAX_PAYLOAD;
    int rv;

    if (frame == NULL || len < 14)
        return LP_REASON_RUNT;
    rv = lp_eth_parse(&eth, frame, len);
    /* A tag allows 4 more bytes; QinQ (two tags) 8. A truncated or
     * over-deep tag stack still counts the tags that were seen. */
    max_len += 4 * (size_t)(eth.tagged < 2 ? eth.tagged : 2);
    if (len > max_len)
        return LP_REASON_JUMBO;
    if (lp_mac_is_multicast(eth.src) || lp_mac_is_zero(eth.src))
        return LP_REASON_SOURCE_MAC;
    if (lp_mac_is_link_local_group(eth.dst))
        return LP_REASON_LINK_LOCAL;
    /* From every peer: a switch must never see these from a player, and a
     * player's switch must never see them from the LAN. Behind tags, too,
     * since a tag does not stop a switch from acting on them. */
    if (policy_is_cisco(eth.dst) || policy_is_switch_type(eth.ethertype) ||
        policy_is_switch_type(eth.inner_ethertype))
        return LP_REASON_SWITCH_CONTROL;
    if (origin != LP_ORIGIN_CLIENT)
        return LP_REASON_NONE;
    if (eth.ethertype == LP_ETHERTYPE_8021Q ||
        eth.ethertype == LP_ETHERTYPE_8021AD ||
        eth.ethertype == LP_ETHERTYPE_QINQ)
        return LP_REASON_VLAN_TAG;
    if (rv != 0)
        return LP_REASON_MALFORMED;
    switch (eth.ethertype) {
    case LP_ETHERTYPE_IPV4:
        return policy_ipv4(frame + 14, len - 14, eth.src);
    case LP_ETHERTYPE_IPV6:
        return policy_ipv6(frame + 14, len - 14, eth.src);
    case LP_ETHERTYPE_ARP:
        return policy_arp(frame + 14, len - 14, eth.src);
    default:
        if (eth.ethertype >= ETHERTYPE_MIN &&
            policy_is_extra(cfg, eth.ethertype))
            return LP_REASON_NONE;
        return LP_REASON_ETHERTYPE;
    }
}

enum lp_reason lp_policy_check(const uint8_t *frame, size_t len,
                               enum lp_origin origin)
{
    return lp_policy_check_cfg(frame, len, origin, NULL);
}
