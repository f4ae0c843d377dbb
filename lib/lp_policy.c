/*
 * lp_policy.c: the L2 safety policy. Every read is bounds-checked against
 * the frame, and for IP against the length the IP header claims.
 */
#include "lp_eth.h"
#include "lp_policy.h"

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_UDP      17
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_AH       51
#define IPPROTO_NUM_ICMPV6   58
#define IPPROTO_NUM_DSTOPTS  60

#define UDP_PORT_DHCP_SERVER   67
#define UDP_PORT_DHCPV6_SERVER 547
#define ICMPV6_ROUTER_ADVERT   134

static uint16_t policy_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* policy_ipv4: p/len is everything after the Ethernet header. */
static enum lp_reason policy_ipv4(const uint8_t *p, size_t len)
{
    size_t ihl, total;

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
    if (p[9] != IPPROTO_NUM_UDP)
        return LP_REASON_NONE;
    /* Only the first fragment (offset 0) carries the UDP header (RFC 791). */
    if ((policy_be16(p + 6) & 0x1fff) != 0)
        return LP_REASON_NONE;
    if (total - ihl < 8)
        return LP_REASON_MALFORMED;
    if (policy_be16(p + ihl) == UDP_PORT_DHCP_SERVER)
        return LP_REASON_DHCP_SERVER;
    return LP_REASON_NONE;
}

/* policy_ipv6: p/len is everything after the Ethernet header. */
static enum lp_reason policy_ipv6(const uint8_t *p, size_t len)
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
        case IPPROTO_NUM_UDP:
            if (end - off < 8)
                return LP_REASON_MALFORMED;
            if (policy_be16(p + off) == UDP_PORT_DHCPV6_SERVER)
                return LP_REASON_DHCPV6_SERVER;
            return LP_REASON_NONE;
        case IPPROTO_NUM_ICMPV6:
            if (end - off < 4)
                return LP_REASON_MALFORMED;
            if (p[off] == ICMPV6_ROUTER_ADVERT)
                return LP_REASON_ROUTER_ADVERT;
            return LP_REASON_NONE;
        default:
            return LP_REASON_NONE;
        }
    }
}

enum lp_reason lp_policy_check(const uint8_t *frame, size_t len,
                               enum lp_origin origin)
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
    if (origin != LP_ORIGIN_CLIENT)
        return LP_REASON_NONE;
    if (eth.ethertype == LP_ETHERTYPE_8021Q ||
        eth.ethertype == LP_ETHERTYPE_8021AD ||
        eth.ethertype == LP_ETHERTYPE_QINQ)
        return LP_REASON_VLAN_TAG;
    if (rv != 0)
        return LP_REASON_MALFORMED;
    switch (eth.inner_ethertype) {
    case LP_ETHERTYPE_IPV4:
        return policy_ipv4(frame + eth.l3_off, len - eth.l3_off);
    case LP_ETHERTYPE_IPV6:
        return policy_ipv6(frame + eth.l3_off, len - eth.l3_off);
    default:
        return LP_REASON_NONE;
    }
}
