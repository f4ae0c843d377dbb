/*
 * lp_l3.h: what a frame says about who owns which IP address, for the
 * relay's address-ownership table (spec section 6, step 3, address
 * spoofing). A pure extractor: it decides nothing, the table does.
 */
#ifndef LP_L3_H
#define LP_L3_H

#include "lp_types.h"

/* Each address list holds at most this many entries; more are ignored. */
#define LP_L3_MAX_ADDRS 8

#define LP_L3_IP4         0x01 /* ip4_src */
#define LP_L3_IP6         0x02 /* ip6_src */
#define LP_L3_ARP         0x04 /* arp_spa */
#define LP_L3_NA          0x08 /* na_target */
#define LP_L3_DHCP_ACK    0x10 /* ack_*, servers4 */
#define LP_L3_DHCP6_REPLY 0x20 /* reply6* */
#define LP_L3_RA          0x40 /* ip6_src is a router */
/* any DHCPv4 server message: dhcp4_type, servers4 */
#define LP_L3_DHCP4_SERVER 0x80

/*
 * The result of lp_l3_parse. Fields not named by a flag in flags are
 * zero. Addresses are in network byte order.
 */
struct lp_l3 {
    unsigned flags;        /* LP_L3_* */
    uint8_t ip4_src[4];    /* LP_L3_IP4: IPv4 source (any IPv4 packet) */
    uint8_t ip6_src[16];   /* LP_L3_IP6: IPv6 source */
    uint8_t arp_spa[4];    /* LP_L3_ARP: ARP sender protocol address */
    uint8_t na_target[16]; /* LP_L3_NA: Neighbor Advertisement target */
    /* LP_L3_DHCP_ACK: a DHCPv4 ACK (op 2, option 53 = 5, hlen 6): */
    uint8_t ack_yiaddr[4], ack_chaddr[6];
    uint32_t ack_lease; /* seconds; 0xffffffff infinite; 0 if absent */
    /* LP_L3_DHCP4_SERVER (set with every LP_L3_DHCP_ACK, and for OFFER,
     * NAK, ...): option 54 server id, option 3 routers, option 6 DNS, in
     * that order of appearance, duplicates removed. */
    uint8_t servers4[LP_L3_MAX_ADDRS][4];
    size_t nservers4;
    uint8_t dhcp4_type; /* option 53 */
    /* LP_L3_DHCP6_REPLY: a DHCPv6 REPLY (type 7) from port 547 to port
     * 546 — the IAADDR addresses of its IA_NA and IA_TA options with a
     * non-zero valid lifetime (the frame's destination MAC is the
     * client). reply6_valid is the largest valid lifetime (seconds,
     * 0xffffffff infinite); reply6_valids[i] belongs to reply6[i]. */
    uint8_t reply6[LP_L3_MAX_ADDRS][16];
    size_t nreply6;
    uint32_t reply6_valid;
    uint32_t reply6_valids[LP_L3_MAX_ADDRS];
};

/*
 * lp_l3_parse fills *out (caller-owned; always cleared first) from an
 * Ethernet frame, reading the inner ethertype of VLAN-tagged frames. It
 * never reads outside frame[0..len). Frames that carry none of the above
 * (other ethertypes, TCP, IPv4 fragments after the first, IPv6 fragments,
 * ESP) return 0 with only the IP source flags set.
 *
 * Returns 0, or one of the following negative error codes for a frame
 * that is not well-formed enough to say; out->flags then describe what was
 * found before the error (never DHCP_ACK, DHCP4_SERVER or DHCP6_REPLY,
 * which are set only after their whole option walk succeeded):
 *   LP_ERR_SHORT  the frame, a VLAN tag, an IP/ARP/UDP/ICMPv6 header, an
 *                 extension header, a BOOTP header or a DHCP option is
 *                 cut short (bounded by the IP length fields, not by the
 *                 Ethernet padding)
 *   LP_ERR_PROTO  a field contradicts itself: IP version, IHL < 5, IPv4
 *                 total length below the header, UDP length outside the
 *                 IP payload, ARP hlen/plen not 6/4, more than
 *                 LP_POLICY_MAX_EXT_HDRS (8) IPv6 extension headers
 *   LP_ERR_RANGE  more than LP_ETH_MAX_TAGS VLAN tags
 *
 * DHCPv4 options are read from the options field only: option overload
 * (52, RFC 2131 section 4.1) is ignored, so options moved into sname/file
 * are not seen. Options of the wrong length are skipped.
 */
int lp_l3_parse(struct lp_l3 *out, const uint8_t *frame, size_t len);

/*
 * lp_ip4_is_special: 1 for 0.0.0.0, 255.255.255.255, 224.0.0.0/4
 * (multicast) and 127.0.0.0/8 (loopback) — addresses never learned —
 * else 0.
 */
int lp_ip4_is_special(const uint8_t a[static 4]);

/* lp_ip6_is_special: 1 for ::, ::1 and ff00::/8 (multicast), else 0. */
int lp_ip6_is_special(const uint8_t a[static 16]);

#endif /* LP_L3_H */
