/*
 * lp_policy.h: the L2 safety policy (protocol spec section 6, step 3,
 * revision 2), as one pure function over a frame. It is stateless: the
 * relay's address table (addr_spoof, addr_limit) lives elsewhere.
 */
#ifndef LP_POLICY_H
#define LP_POLICY_H

#include "lp_reason.h"
#include "lp_types.h"

enum lp_origin {
    LP_ORIGIN_CLIENT = 1, /* a remote player's frame */
    LP_ORIGIN_LAN = 2     /* a frame from the gateway's LAN */
};

/* Largest Ethernet payload that is not a jumbo frame. */
#define LP_POLICY_MAX_PAYLOAD 1500
/* lp_policy walks at most this many IPv6 extension headers. */
#define LP_POLICY_MAX_EXT_HDRS 8

/*
 * The operator's additions to the client allow-list (e.g. IPX, 0x8137).
 * The caller owns the array; it is only read during a call. An entry
 * below 0x0600 (a length field, not an ethertype), a VLAN TPID, or a
 * switch-control ethertype never matches: the extras cannot reopen what
 * the other rules drop.
 */
struct lp_policy_cfg {
    const uint16_t *extra_ethertypes;
    size_t nextra;
};

/*
 * lp_policy_check_cfg returns LP_REASON_NONE if the frame may pass, or the
 * reason to drop it. cfg may be NULL (no extra ethertypes). Checks, in
 * order, for every origin:
 *   1. len < 14                                   LP_REASON_RUNT
 *   2. payload > 1500 bytes (frame > 1514, plus 4 per VLAN tag, at most
 *      2 tags counted)                            LP_REASON_JUMBO
 *   3. source MAC multicast/broadcast or zero     LP_REASON_SOURCE_MAC
 *   4. destination 01:80:c2:00:00:00..0f          LP_REASON_LINK_LOCAL
 *   5. destination 01:00:0c:cc:cc:cc or cd, or ethertype 0x8808, 0x888e
 *      or 0x88cc (outer, or after any VLAN tags)  LP_REASON_SWITCH_CONTROL
 * and for LP_ORIGIN_CLIENT only (an allow-list):
 *   6. any 802.1Q/802.1ad/0x9100 tag              LP_REASON_VLAN_TAG
 *   7. an ethertype other than IPv4, ARP, IPv6 or a cfg extra, including
 *      every length field (< 0x0600: LLC, SNAP, raw 802.3)
 *                                                 LP_REASON_ETHERTYPE
 *   8. ARP: hlen 6 and plen 4 required, else      LP_REASON_MALFORMED
 *      sender hardware address != source MAC     LP_REASON_LLADDR_SPOOF
 *   9. IPv4: protocol 4, 41 or 47 (any fragment)  LP_REASON_IP_TUNNEL
 *      then, in the first fragment only:
 *      UDP source port 67 or destination port 68 LP_REASON_DHCP_SERVER
 *      UDP to port 67 (BOOTP header of 236 bytes required): op 2
 *                                                 LP_REASON_DHCP_SERVER
 *        op 1 with hlen != 6 or chaddr != source MAC
 *                                                 LP_REASON_DHCP_CHADDR
 *        any other op                             LP_REASON_MALFORMED
 *      ICMP type 5                                LP_REASON_REDIRECT
 *  10. IPv6, after walking hop-by-hop (0), routing (43), destination
 *      options (60) and AH (51), at most 8 extension headers:
 *      a fragment header (44)                     LP_REASON_IPV6_FRAGMENT
 *      next header 4, 41 or 47                    LP_REASON_IP_TUNNEL
 *      UDP source port 547 or destination port 546, or to port 547 a
 *      message type 2, 7, 10, 12 or 13            LP_REASON_DHCPV6_SERVER
 *      ICMPv6 134, or 136 with the Router flag    LP_REASON_ROUTER_ADVERT
 *      ICMPv6 137                                 LP_REASON_REDIRECT
 *      ICMPv6 133/135 source or 136 target link-layer address option
 *      that is not exactly the source MAC         LP_REASON_LLADDR_SPOOF
 *      ESP (50) and no next header (59) end the walk and pass.
 * A client IPv4/IPv6/ARP packet whose headers are truncated or whose
 * length fields lie (wrong IP version, IHL < 5, header or total length
 * beyond the frame, an extension header beyond the payload, too many
 * extension headers, an inspected upper-layer header cut short, an ND
 * option of length 0 or beyond the payload) gives LP_REASON_MALFORMED: it
 * cannot be proven harmless. LAN frames are not inspected beyond step 5.
 */
enum lp_reason lp_policy_check_cfg(const uint8_t *frame, size_t len,
                                   enum lp_origin origin,
                                   const struct lp_policy_cfg *cfg);

/* lp_policy_check is lp_policy_check_cfg with no extra ethertypes. */
enum lp_reason lp_policy_check(const uint8_t *frame, size_t len,
                               enum lp_origin origin);

#endif /* LP_POLICY_H */
