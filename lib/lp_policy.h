/*
 * lp_policy.h: the L2 safety policy (protocol spec section 6, step 3), as
 * one pure function over a frame.
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
 * lp_policy_check returns LP_REASON_NONE if the frame may pass, or the
 * reason to drop it. Checks, in order:
 *   1. len < 14                                   LP_REASON_RUNT
 *   2. payload > 1500 bytes (frame > 1514, plus 4 per VLAN tag, at most
 *      2 tags counted)                            LP_REASON_JUMBO
 *   3. source MAC multicast/broadcast or zero     LP_REASON_SOURCE_MAC
 *   4. destination 01:80:c2:00:00:00..0f          LP_REASON_LINK_LOCAL
 * and for LP_ORIGIN_CLIENT only:
 *   5. any 802.1Q/802.1ad/0x9100 tag              LP_REASON_VLAN_TAG
 *   6. IPv4: UDP source port 67 in a first fragment
 *                                                 LP_REASON_DHCP_SERVER
 *   7. IPv6, walking hop-by-hop (0), routing (43), destination options
 *      (60) and AH (51), at most 8 extension headers:
 *      a fragment header (44)                     LP_REASON_IPV6_FRAGMENT
 *      UDP source port 547                        LP_REASON_DHCPV6_SERVER
 *      ICMPv6 type 134                            LP_REASON_ROUTER_ADVERT
 * A client IPv4/IPv6 packet whose headers are truncated or whose length
 * fields lie (wrong IP version, IHL < 5, header or total length beyond the
 * frame, an extension header beyond the payload, too many extension
 * headers, a truncated UDP/ICMPv6 header) gives LP_REASON_MALFORMED: it
 * cannot be proven harmless. LAN frames are not inspected beyond L2.
 */
enum lp_reason lp_policy_check(const uint8_t *frame, size_t len,
                               enum lp_origin origin);

#endif /* LP_POLICY_H */
