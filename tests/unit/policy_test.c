/*
 * policy_test.c: lp_policy_check(_cfg) against hand-made packet vectors,
 * one per rule (allowed and dropped, both origins), the legitimate LAN
 * party traffic that must pass, and every truncation of every vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_policy.h"

struct pkt {
    uint8_t b[2048];
    size_t len;
};

static const uint8_t mac_client[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t mac_other[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mdns4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t mac_ssdp[6] = {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa};
static const uint8_t mac_allnodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_allrouters[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x02};
static const uint8_t mac_solicited[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
static const uint8_t mac_dhcp6[6] = {0x33, 0x33, 0x00, 0x01, 0x00, 0x02};
static const uint8_t mac_mdns6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0xfb};
static const uint8_t mac_stp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
static const uint8_t mac_pause[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x01};
static const uint8_t mac_lldp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
static const uint8_t mac_llf[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f};
static const uint8_t mac_ll10[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x10};
static const uint8_t mac_cdp[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};
static const uint8_t mac_pvst[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd};
static const uint8_t mac_cisco_ce[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xce};
static const uint8_t mac_zero[6] = {0};

static const uint8_t ip_client[4] = {10, 0, 0, 2};
static const uint8_t ip_server[4] = {10, 0, 0, 1};
static const uint8_t ip_any[4] = {0, 0, 0, 0};
static const uint8_t ip_bcast[4] = {255, 255, 255, 255};
static const uint8_t ip6_ll[16] = {0xfe, 0x80, [15] = 0x11};
static const uint8_t ip6_unspec[16] = {0};

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put(struct pkt *p, const void *data, size_t n)
{
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

static void put_u8(struct pkt *p, unsigned v)
{
    p->b[p->len++] = (uint8_t)v;
}

static void put_u16(struct pkt *p, unsigned v)
{
    put16(p->b + p->len, v);
    p->len += 2;
}

static void zeros(struct pkt *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_u8(p, 0);
}

static void eth(struct pkt *p, const uint8_t *dst, const uint8_t *src,
                unsigned type)
{
    p->len = 0;
    put(p, dst, 6);
    put(p, src, 6);
    put_u16(p, type);
}

/* ip4 appends an IPv4 header (ihl words, frag field); ip4_done fixes the
 * total length. */
static size_t ip4(struct pkt *p, unsigned ihl, unsigned frag, unsigned proto,
                  const uint8_t *src, const uint8_t *dst)
{
    size_t start = p->len;

    put_u8(p, 0x40 | ihl);
    put_u8(p, 0);
    put_u16(p, 0);
    put_u16(p, 0x1234);
    put_u16(p, frag);
    put_u8(p, 64);
    put_u8(p, proto);
    put_u16(p, 0);
    put(p, src, 4);
    put(p, dst, 4);
    while (p->len < start + ihl * 4)
        put_u8(p, 1); /* NOP options */
    return start;
}

static void ip4_done(struct pkt *p, size_t start)
{
    put16(p->b + start + 2, (unsigned)(p->len - start));
}

/* udp_begin appends a UDP header; udp_end fixes its length. */
static size_t udp_begin(struct pkt *p, unsigned sport, unsigned dport)
{
    size_t start = p->len;

    put_u16(p, sport);
    put_u16(p, dport);
    put_u16(p, 8);
    put_u16(p, 0);
    return start;
}

static void udp_end(struct pkt *p, size_t start)
{
    put16(p->b + start + 4, (unsigned)(p->len - start));
}

static void udp(struct pkt *p, unsigned sport, unsigned dport, size_t n)
{
    size_t u = udp_begin(p, sport, dport);

    zeros(p, n);
    udp_end(p, u);
}

/* ipv4_udp appends an IPv4 header (ihl words, frag field) with UDP and n
 * zero bytes. */
static void ipv4_udp(struct pkt *p, unsigned ihl, unsigned frag, unsigned sport,
                     unsigned dport, size_t n)
{
    size_t s = ip4(p, ihl, frag, 17, ip_client, ip_bcast);

    udp(p, sport, dport, n);
    ip4_done(p, s);
}

/* bootp appends a BOOTP/DHCP message: fixed header, cookie, option 53. */
static void bootp(struct pkt *p, unsigned op, unsigned hlen,
                  const uint8_t *chaddr, const uint8_t *ciaddr, unsigned type)
{
    size_t start = p->len;

    put_u8(p, op);
    put_u8(p, 1);
    put_u8(p, hlen);
    put_u8(p, 0);
    put(p, (const uint8_t[]){0xde, 0xad, 0xbe, 0xef}, 4);
    zeros(p, 4);
    put(p, ciaddr, 4);
    zeros(p, 12);
    put(p, chaddr, 6);
    while (p->len < start + 236)
        put_u8(p, 0);
    put(p, (const uint8_t[]){99, 130, 83, 99}, 4);
    put(p, (const uint8_t[]){53, 1, (uint8_t)type}, 3);
    put(p, (const uint8_t[]){61, 7, 1}, 3);
    put(p, chaddr, 6);
    put_u8(p, 255);
}

static void dhcp4(struct pkt *p, const uint8_t *dst, unsigned sport,
                  unsigned dport, unsigned op, unsigned hlen,
                  const uint8_t *chaddr, unsigned type)
{
    size_t s, u;

    eth(p, dst, mac_client, 0x0800);
    s = ip4(p, 5, 0, 17, ip_any, ip_bcast);
    u = udp_begin(p, sport, dport);
    bootp(p, op, hlen, chaddr, ip_any, type);
    udp_end(p, u);
    ip4_done(p, s);
}

static void arp(struct pkt *p, const uint8_t *dst, unsigned oper,
                const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
                const uint8_t *tpa)
{
    eth(p, dst, mac_client, 0x0806);
    put_u16(p, 1);
    put_u16(p, 0x0800);
    put_u8(p, 6);
    put_u8(p, 4);
    put_u16(p, oper);
    put(p, sha, 6);
    put(p, spa, 4);
    put(p, tha, 6);
    put(p, tpa, 4);
}

/* ipv6_from appends a fixed header; ipv6_done fixes the payload length. */
static size_t ipv6_from(struct pkt *p, unsigned nh, const uint8_t *src)
{
    static const uint8_t dst[16] = {0xff, 0x02, [15] = 1};
    size_t start = p->len;

    put_u8(p, 0x60);
    put_u8(p, 0);
    put_u16(p, 0);
    put_u16(p, 0);
    put_u8(p, nh);
    put_u8(p, 255);
    put(p, src, 16);
    put(p, dst, 16);
    return start;
}

static size_t ipv6(struct pkt *p, unsigned nh)
{
    static const uint8_t src[16] = {0xfe, 0x80, [15] = 1};

    return ipv6_from(p, nh, src);
}

static void ipv6_done(struct pkt *p, size_t start)
{
    put16(p->b + start + 4, (unsigned)(p->len - start - 40));
}

/* ext appends an 8*(len8+1)-byte extension header. */
static void ext(struct pkt *p, unsigned nh, unsigned len8)
{
    put_u8(p, nh);
    put_u8(p, len8);
    zeros(p, (len8 + 1) * 8 - 2);
}

static void ah(struct pkt *p, unsigned nh, unsigned len4)
{
    put_u8(p, nh);
    put_u8(p, len4);
    zeros(p, (len4 + 2) * 4 - 2);
}

static void frag6(struct pkt *p, unsigned nh)
{
    put_u8(p, nh);
    put_u8(p, 0);
    put_u16(p, 0x0001); /* offset 0, more fragments */
    put_u16(p, 0);
    put_u16(p, 0x4242);
}

static void icmp6(struct pkt *p, unsigned type, size_t body)
{
    put_u8(p, type);
    put_u8(p, 0);
    put_u16(p, 0);
    zeros(p, body);
}

/* nd appends an ND message: type, code, checksum, 4 bytes of flags (byte
 * 4 = flags8) and, for NS/NA/redirect, a 16-byte target. */
static void nd(struct pkt *p, unsigned type, unsigned flags8, int target)
{
    put_u8(p, type);
    put_u8(p, 0);
    put_u16(p, 0);
    put_u8(p, flags8);
    zeros(p, 3);
    if (target)
        put(p, (const uint8_t[]){0xfe, 0x80, [15] = 0x11}, 16);
}

/* lladdr appends a source (1) or target (2) link-layer address option. */
static void lladdr(struct pkt *p, unsigned type, const uint8_t *mac)
{
    put_u8(p, type);
    put_u8(p, 1);
    put(p, mac, 6);
}

/* dhcp6 appends UDP with a DHCPv6 message header of the given type. */
static void dhcp6(struct pkt *p, unsigned sport, unsigned dport, unsigned type)
{
    size_t u = udp_begin(p, sport, dport);

    put_u8(p, type);
    put(p, (const uint8_t[]){1, 2, 3}, 3);
    put(p, (const uint8_t[]){0, 8, 0, 2, 0, 0}, 6); /* elapsed time */
    udp_end(p, u);
}

/* Vector builders, one per class. */
enum vec {
    V_ARP,
    V_IPV4_UNICAST_UDP,
    V_IPV4_BCAST_UDP,
    V_DHCP_CLIENT,
    V_DHCP_SERVER,
    V_DHCP_SERVER_OPTS,
    V_DHCP_SERVER_NONFIRST_FRAG,
    V_MDNS4,
    V_SSDP,
    V_IPV6_NS,
    V_IPV6_NA,
    V_IPV6_RS,
    V_IPV6_RA,
    V_IPV6_RA_HBH,
    V_IPV6_RA_DST_RT_AH,
    V_IPV6_FRAG,
    V_IPV6_FRAG_AFTER_HBH,
    V_DHCPV6_SERVER,
    V_DHCPV6_CLIENT,
    V_VLAN,
    V_QINQ,
    V_TAG9100,
    V_STP,
    V_LLDP,
    V_LL0F,
    V_LL10,
    V_SRC_MCAST,
    V_SRC_BCAST,
    V_SRC_ZERO,
    V_JUMBO,
    V_MAX_FRAME,
    V_VLAN_MAX,
    V_IPV6_TOO_MANY_EXT,
    V_IPV4_IHL_SMALL,
    V_IPV4_BAD_VERSION,
    V_IPV6_BAD_VERSION,
    V_IPX_8023,
    /* switch control, from every peer */
    V_CDP,
    V_PVST,
    V_CISCO_CE,
    V_PAUSE,
    V_MAC_CONTROL,
    V_EAPOL,
    V_LLDP_BCAST,
    V_EAPOL_VLAN,
    /* the ethertype allow-list */
    V_LLC_SNAP,
    V_IPX_II,
    V_EXPERIMENTAL,
    V_PPPOE,
    V_MPLS,
    /* DHCPv4 */
    V_DHCP_DISCOVER,
    V_DHCP_REQUEST,
    V_DHCP_RENEW,
    V_DHCP_CHADDR_OTHER,
    V_DHCP_HLEN0,
    V_DHCP_OP2_TO_67,
    V_DHCP_TO_68,
    V_DHCP_RELAY_TO_67,
    V_DHCP_OP3,
    V_DHCP_SHORT_BOOTP,
    V_DHCP_FIRST_FRAG_SHORT,
    /* ICMP and ICMPv6 */
    V_ICMP_ECHO,
    V_ICMP_REDIRECT,
    V_ICMP_REDIRECT_OPTS,
    V_ICMP_SHORT,
    V_ICMP6_ECHO,
    V_ICMP6_REDIRECT,
    V_ICMP6_REDIRECT_DST,
    V_NA_ROUTER,
    V_NA_OWN,
    V_NA_NO_OPT,
    V_NA_TLLA_OTHER,
    V_NA_SHORT,
    V_NS_OWN,
    V_NS_SLLAO_OTHER,
    V_NS_DAD,
    V_NS_NONCE_OWN,
    V_NS_OPT_LEN0,
    V_NS_OPT_OVERRUN,
    V_NS_OPT_TAIL,
    V_NS_SLLAO_LEN2,
    V_NS_TLLA_OTHER,
    V_RS_OWN,
    V_RS_SLLAO_OTHER,
    V_MLD2_REPORT,
    /* ARP */
    V_ARP_PROBE,
    V_ARP_ANNOUNCE,
    V_ARP_REPLY,
    V_ARP_SPOOF,
    V_ARP_HLEN8,
    V_ARP_SHORT,
    /* DHCPv6 */
    V_DHCPV6_TO_546,
    V_DHCPV6_ADVERTISE,
    V_DHCPV6_REPLY,
    V_DHCPV6_RECONFIGURE,
    V_DHCPV6_RELAY_FORW,
    V_DHCPV6_RELAY_REPL,
    V_DHCPV6_REQUEST,
    V_DHCPV6_RENEW,
    V_DHCPV6_INFO_REQ,
    V_DHCPV6_REPLY_HBH_DST,
    V_DHCPV6_SHORT,
    /* tunnels */
    V_IPIP,
    V_6IN4,
    V_GRE,
    V_GRE_LATER_FRAG,
    V_IP6_IPIP,
    V_IP6_IN6,
    V_IP6_GRE,
    V_IP6_GRE_DST,
    /* the end of the IPv6 chain */
    V_ESP6,
    V_ESP6_SHORT,
    V_NONE59,
    V_NONE59_HBH,
    V_EIGHT_EXT,
    V_EXT_PAST_END,
    /* ordinary traffic */
    V_TCP4,
    V_TCP6,
    V_MDNS6,
    V_GAME_BCAST,
    V_ESP4,
    V_COUNT
};

static void build(enum vec v, struct pkt *p)
{
    size_t s, u;

    memset(p, 0, sizeof(*p));
    switch (v) {
    case V_ARP:
        eth(p, mac_bcast, mac_client, 0x0806);
        put(p, (const uint8_t[]){0,    1,    8,    0,    6,  4, 0, 1, 2, 0x11,
                                 0x22, 0x33, 0x44, 0x55, 10, 0, 0, 2, 0, 0,
                                 0,    0,    0,    0,    10, 0, 0, 1},
            28);
        break;
    case V_IPV4_UNICAST_UDP:
        eth(p, mac_other, mac_client, 0x0800);
        ipv4_udp(p, 5, 0x4000, 27015, 27015, 32);
        break;
    case V_IPV4_BCAST_UDP:
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 6112, 6112, 20);
        break;
    case V_DHCP_CLIENT:
        dhcp4(p, mac_bcast, 68, 67, 1, 6, mac_client, 1);
        break;
    case V_DHCP_SERVER:
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 67, 68, 240);
        break;
    case V_DHCP_SERVER_OPTS:
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 15, 0, 67, 68, 240);
        break;
    case V_DHCP_SERVER_NONFIRST_FRAG:
        /* Offset 185 (x8): bytes at the "UDP" position are data. */
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 5, 185, 67, 68, 40);
        break;
    case V_MDNS4:
        eth(p, mac_mdns4, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 5353, 5353, 30);
        break;
    case V_SSDP:
        eth(p, mac_ssdp, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 50000, 1900, 60);
        break;
    case V_IPV6_NS:
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 135, 0, 1);
        lladdr(p, 1, mac_client);
        ipv6_done(p, s);
        break;
    case V_IPV6_NA:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0x20, 1);
        lladdr(p, 2, mac_client);
        ipv6_done(p, s);
        break;
    case V_IPV6_RS:
        eth(p, mac_allrouters, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 133, 0, 0);
        lladdr(p, 1, mac_client);
        ipv6_done(p, s);
        break;
    case V_IPV6_RA:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        icmp6(p, 134, 12 + 32);
        ipv6_done(p, s);
        break;
    case V_IPV6_RA_HBH:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 58, 0);
        icmp6(p, 134, 12);
        ipv6_done(p, s);
        break;
    case V_IPV6_RA_DST_RT_AH:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 60);
        ext(p, 43, 1);
        ext(p, 51, 0);
        ah(p, 60, 4);
        ext(p, 58, 2);
        icmp6(p, 134, 12);
        ipv6_done(p, s);
        break;
    case V_IPV6_FRAG:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 44);
        frag6(p, 17);
        udp(p, 5000, 5000, 64);
        ipv6_done(p, s);
        break;
    case V_IPV6_FRAG_AFTER_HBH:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 44, 0);
        frag6(p, 58);
        icmp6(p, 128, 16);
        ipv6_done(p, s);
        break;
    case V_DHCPV6_SERVER:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 17);
        udp(p, 547, 546, 40);
        ipv6_done(p, s);
        break;
    case V_DHCPV6_CLIENT:
        eth(p, mac_dhcp6, mac_client, 0x86dd);
        s = ipv6(p, 17);
        dhcp6(p, 546, 547, 1); /* SOLICIT */
        ipv6_done(p, s);
        break;
    case V_VLAN:
        eth(p, mac_other, mac_client, 0x8100);
        put_u16(p, 0x0064);
        put_u16(p, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_QINQ:
        eth(p, mac_other, mac_client, 0x88a8);
        put_u16(p, 0x0064);
        put_u16(p, 0x8100);
        put_u16(p, 0x0065);
        put_u16(p, 0x0806);
        zeros(p, 28);
        break;
    case V_TAG9100:
        eth(p, mac_other, mac_client, 0x9100);
        put_u16(p, 0x0064);
        put_u16(p, 0x0806);
        zeros(p, 28);
        break;
    case V_STP:
        eth(p, mac_stp, mac_client, 0x0026);
        put(p, (const uint8_t[]){0x42, 0x42, 0x03, 0, 0, 0, 0}, 7);
        break;
    case V_LLDP:
        eth(p, mac_lldp, mac_client, 0x88cc);
        zeros(p, 30);
        break;
    case V_LL0F:
        eth(p, mac_llf, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_LL10:
        eth(p, mac_ll10, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_SRC_MCAST:
        eth(p, mac_other, mac_mdns4, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_SRC_BCAST:
        eth(p, mac_other, mac_bcast, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_SRC_ZERO:
        eth(p, mac_other, mac_zero, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_JUMBO:
        eth(p, mac_other, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 1501 - 28);
        break;
    case V_MAX_FRAME:
        eth(p, mac_other, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 1500 - 28);
        break;
    case V_VLAN_MAX:
        eth(p, mac_other, mac_client, 0x8100);
        put_u16(p, 0x0064);
        put_u16(p, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 1500 - 28);
        break;
    case V_IPV6_TOO_MANY_EXT:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 60);
        for (int i = 0; i < 8; i++)
            ext(p, 60, 0);
        ext(p, 58, 0);
        icmp6(p, 128, 8);
        ipv6_done(p, s);
        break;
    case V_IPV4_IHL_SMALL:
        eth(p, mac_other, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        p->b[14] = 0x44;
        break;
    case V_IPV4_BAD_VERSION:
        eth(p, mac_other, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 67, 68, 10);
        p->b[14] = 0x65;
        break;
    case V_IPV6_BAD_VERSION:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        icmp6(p, 134, 12);
        ipv6_done(p, s);
        p->b[14] = 0x40;
        break;
    case V_IPX_8023:
        /* 802.3 length field + raw IPX: old LAN games. */
        eth(p, mac_bcast, mac_client, 0x001e);
        for (int i = 0; i < 30; i++)
            put_u8(p, 0xff);
        break;
    case V_CDP:
        eth(p, mac_cdp, mac_client, 0x0020);
        put(p, (const uint8_t[]){0xaa, 0xaa, 3, 0, 0, 0x0c, 0x20, 0}, 8);
        zeros(p, 24);
        break;
    case V_PVST:
        eth(p, mac_pvst, mac_client, 0x0032);
        put(p, (const uint8_t[]){0xaa, 0xaa, 3, 0, 0, 0x0c, 0x01, 0x0b}, 8);
        zeros(p, 42);
        break;
    case V_CISCO_CE:
        eth(p, mac_cisco_ce, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_PAUSE:
        eth(p, mac_pause, mac_client, 0x8808);
        put(p, (const uint8_t[]){0, 1, 0xff, 0xff}, 4);
        zeros(p, 42);
        break;
    case V_MAC_CONTROL:
        eth(p, mac_other, mac_client, 0x8808);
        put(p, (const uint8_t[]){0, 1, 0xff, 0xff}, 4);
        zeros(p, 42);
        break;
    case V_EAPOL:
        eth(p, mac_bcast, mac_client, 0x888e);
        put(p, (const uint8_t[]){2, 1, 0, 0}, 4); /* EAPOL-Start */
        zeros(p, 42);
        break;
    case V_LLDP_BCAST:
        eth(p, mac_bcast, mac_client, 0x88cc);
        zeros(p, 46);
        break;
    case V_EAPOL_VLAN:
        eth(p, mac_bcast, mac_client, 0x8100);
        put_u16(p, 0x0064);
        put_u16(p, 0x888e);
        put(p, (const uint8_t[]){2, 1, 0, 0}, 4);
        zeros(p, 42);
        break;
    case V_LLC_SNAP:
        /* SNAP-encapsulated IPv4 (RFC 1042) */
        eth(p, mac_other, mac_client, 0x0026);
        put(p, (const uint8_t[]){0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00}, 8);
        ipv4_udp(p, 5, 0, 1000, 1000, 2);
        break;
    case V_IPX_II:
        eth(p, mac_bcast, mac_client, 0x8137);
        put(p, (const uint8_t[]){0xff, 0xff, 0, 30, 0, 4}, 6);
        zeros(p, 24);
        break;
    case V_EXPERIMENTAL:
        eth(p, mac_bcast, mac_client, 0x88b5);
        zeros(p, 46);
        break;
    case V_PPPOE:
        eth(p, mac_bcast, mac_client, 0x8863);
        put(p, (const uint8_t[]){0x11, 0x09, 0, 0, 0, 0}, 6); /* PADI */
        zeros(p, 40);
        break;
    case V_MPLS:
        eth(p, mac_other, mac_client, 0x8847);
        put(p, (const uint8_t[]){0, 0x01, 0x01, 0x40}, 4);
        ipv4_udp(p, 5, 0, 1000, 1000, 10);
        break;
    case V_DHCP_DISCOVER:
        dhcp4(p, mac_bcast, 68, 67, 1, 6, mac_client, 1);
        break;
    case V_DHCP_REQUEST:
        dhcp4(p, mac_bcast, 68, 67, 1, 6, mac_client, 3);
        break;
    case V_DHCP_RENEW:
        /* Unicast to the server from the leased address (RFC 2131 4.4.5). */
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0x4000, 17, ip_client, ip_server);
        u = udp_begin(p, 68, 67);
        bootp(p, 1, 6, mac_client, ip_client, 3);
        udp_end(p, u);
        ip4_done(p, s);
        break;
    case V_DHCP_CHADDR_OTHER:
        dhcp4(p, mac_bcast, 68, 67, 1, 6, mac_other, 1);
        break;
    case V_DHCP_HLEN0:
        dhcp4(p, mac_bcast, 68, 67, 1, 0, mac_client, 1);
        break;
    case V_DHCP_OP2_TO_67:
        dhcp4(p, mac_bcast, 68, 67, 2, 6, mac_client, 2);
        break;
    case V_DHCP_TO_68:
        dhcp4(p, mac_bcast, 1234, 68, 2, 6, mac_client, 2);
        break;
    case V_DHCP_RELAY_TO_67:
        /* a server answering a relay agent: port 67 to port 67 */
        dhcp4(p, mac_other, 67, 67, 2, 6, mac_other, 5);
        break;
    case V_DHCP_OP3:
        dhcp4(p, mac_bcast, 68, 67, 3, 6, mac_client, 1);
        break;
    case V_DHCP_SHORT_BOOTP:
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 68, 67, 235);
        p->b[14 + 28] = 1;
        p->b[14 + 28 + 2] = 6;
        memcpy(p->b + 14 + 28 + 28, mac_client, 6);
        break;
    case V_DHCP_FIRST_FRAG_SHORT:
        /* a first fragment (MF set) cut inside the BOOTP header */
        eth(p, mac_bcast, mac_client, 0x0800);
        s = ip4(p, 5, 0x2000, 17, ip_any, ip_bcast);
        u = udp_begin(p, 68, 67);
        put_u8(p, 2);
        zeros(p, 63);
        udp_end(p, u);
        put16(p->b + u + 4, 8 + 300);
        ip4_done(p, s);
        break;
    case V_ICMP_ECHO:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0, 1, ip_client, ip_server);
        put(p, (const uint8_t[]){8, 0, 0, 0, 0, 1, 0, 1}, 8);
        zeros(p, 56);
        ip4_done(p, s);
        break;
    case V_ICMP_REDIRECT:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0, 1, ip_client, ip_server);
        put(p, (const uint8_t[]){5, 1, 0, 0, 10, 0, 0, 66}, 8);
        zeros(p, 28);
        ip4_done(p, s);
        break;
    case V_ICMP_REDIRECT_OPTS:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 6, 0, 1, ip_client, ip_server);
        put(p, (const uint8_t[]){5, 0, 0, 0, 10, 0, 0, 66}, 8);
        zeros(p, 28);
        ip4_done(p, s);
        break;
    case V_ICMP_SHORT:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0, 1, ip_client, ip_server);
        put(p, (const uint8_t[]){5, 1, 0}, 3);
        ip4_done(p, s);
        break;
    case V_ICMP6_ECHO:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 58);
        icmp6(p, 128, 60);
        ipv6_done(p, s);
        break;
    case V_ICMP6_REDIRECT:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 137, 0, 1);
        zeros(p, 16);
        ipv6_done(p, s);
        break;
    case V_ICMP6_REDIRECT_DST:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 60);
        ext(p, 58, 0);
        nd(p, 137, 0, 1);
        zeros(p, 16);
        ipv6_done(p, s);
        break;
    case V_NA_ROUTER:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0xa0, 1);
        lladdr(p, 2, mac_client);
        ipv6_done(p, s);
        break;
    case V_NA_OWN:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0x60, 1);
        lladdr(p, 2, mac_client);
        ipv6_done(p, s);
        break;
    case V_NA_NO_OPT:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0x40, 1);
        ipv6_done(p, s);
        break;
    case V_NA_TLLA_OTHER:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0x20, 1);
        lladdr(p, 2, mac_other);
        ipv6_done(p, s);
        break;
    case V_NA_SHORT:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        nd(p, 136, 0x20, 0);
        zeros(p, 8);
        ipv6_done(p, s);
        break;
    case V_NS_OWN:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        lladdr(p, 1, mac_client);
        ipv6_done(p, s);
        break;
    case V_NS_SLLAO_OTHER:
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        lladdr(p, 1, mac_other);
        ipv6_done(p, s);
        break;
    case V_NS_DAD:
        /* Duplicate address detection: from ::, no SLLAO (RFC 4862). */
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_unspec);
        nd(p, 135, 0, 1);
        ipv6_done(p, s);
        break;
    case V_NS_NONCE_OWN:
        /* DAD nonce option (RFC 7527), then the SLLAO */
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        put(p, (const uint8_t[]){14, 1, 1, 2, 3, 4, 5, 6}, 8);
        lladdr(p, 1, mac_client);
        ipv6_done(p, s);
        break;
    case V_NS_OPT_LEN0:
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        put(p, (const uint8_t[]){14, 0, 1, 2, 3, 4, 5, 6}, 8);
        lladdr(p, 1, mac_other);
        ipv6_done(p, s);
        break;
    case V_NS_OPT_OVERRUN:
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        put(p, (const uint8_t[]){14, 2, 1, 2, 3, 4, 5, 6}, 8);
        ipv6_done(p, s);
        break;
    case V_NS_OPT_TAIL:
        /* one stray byte after the last option */
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        lladdr(p, 1, mac_client);
        put_u8(p, 1);
        ipv6_done(p, s);
        break;
    case V_NS_SLLAO_LEN2:
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        put_u8(p, 1);
        put_u8(p, 2);
        put(p, mac_client, 6);
        zeros(p, 8);
        ipv6_done(p, s);
        break;
    case V_NS_TLLA_OTHER:
        /* a target option in an NS is not looked at (RFC 4861 4.3) */
        eth(p, mac_solicited, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 135, 0, 1);
        lladdr(p, 2, mac_other);
        ipv6_done(p, s);
        break;
    case V_RS_OWN:
        eth(p, mac_allrouters, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 133, 0, 0);
        lladdr(p, 1, mac_client);
        ipv6_done(p, s);
        break;
    case V_RS_SLLAO_OTHER:
        eth(p, mac_allrouters, mac_client, 0x86dd);
        s = ipv6_from(p, 58, ip6_ll);
        nd(p, 133, 0, 0);
        lladdr(p, 1, mac_other);
        ipv6_done(p, s);
        break;
    case V_MLD2_REPORT:
        /* SLAAC joins its solicited-node group: hop-by-hop with a router
         * alert, then an MLDv2 report (RFC 3810). */
        eth(p, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 0x16}, mac_client,
            0x86dd);
        s = ipv6_from(p, 0, ip6_unspec);
        put(p, (const uint8_t[]){58, 0, 5, 2, 0, 0, 1, 0}, 8);
        put(p, (const uint8_t[]){143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0}, 12);
        put(p, (const uint8_t[]){0xff, 0x02, [11] = 1, 0xff, 0, 0, 0x11}, 16);
        ipv6_done(p, s);
        break;
    case V_ARP_PROBE:
        /* RFC 5227: sender IP 0, target the address being probed */
        arp(p, mac_bcast, 1, mac_client, ip_any, mac_zero, ip_client);
        break;
    case V_ARP_ANNOUNCE:
        arp(p, mac_bcast, 1, mac_client, ip_client, mac_zero, ip_client);
        break;
    case V_ARP_REPLY:
        arp(p, mac_other, 2, mac_client, ip_client, mac_other, ip_server);
        break;
    case V_ARP_SPOOF:
        arp(p, mac_bcast, 2, mac_other, ip_server, mac_bcast, ip_server);
        break;
    case V_ARP_HLEN8:
        arp(p, mac_bcast, 1, mac_client, ip_client, mac_zero, ip_server);
        p->b[14 + 4] = 8;
        break;
    case V_ARP_SHORT:
        arp(p, mac_bcast, 1, mac_client, ip_client, mac_zero, ip_server);
        p->len = 14 + 27;
        break;
    case V_DHCPV6_TO_546:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 17);
        dhcp6(p, 5000, 546, 7);
        ipv6_done(p, s);
        break;
    case V_DHCPV6_ADVERTISE:
    case V_DHCPV6_REPLY:
    case V_DHCPV6_RECONFIGURE:
    case V_DHCPV6_RELAY_FORW:
    case V_DHCPV6_RELAY_REPL:
    case V_DHCPV6_REQUEST:
    case V_DHCPV6_RENEW:
    case V_DHCPV6_INFO_REQ: {
        static const unsigned type[] = {2, 7, 10, 12, 13, 3, 5, 11};

        eth(p, mac_dhcp6, mac_client, 0x86dd);
        s = ipv6(p, 17);
        dhcp6(p, 546, 547, type[v - V_DHCPV6_ADVERTISE]);
        ipv6_done(p, s);
        break;
    }
    case V_DHCPV6_REPLY_HBH_DST:
        eth(p, mac_dhcp6, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 60, 0);
        ext(p, 17, 1);
        dhcp6(p, 546, 547, 7);
        ipv6_done(p, s);
        break;
    case V_DHCPV6_SHORT:
        eth(p, mac_dhcp6, mac_client, 0x86dd);
        s = ipv6(p, 17);
        udp(p, 546, 547, 3);
        p->b[p->len - 3] = 7;
        ipv6_done(p, s);
        break;
    case V_IPIP:
    case V_6IN4:
    case V_GRE: {
        static const unsigned proto[] = {4, 41, 47};

        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0, proto[v - V_IPIP], ip_client, ip_server);
        zeros(p, 40);
        ip4_done(p, s);
        break;
    }
    case V_GRE_LATER_FRAG:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 100, 47, ip_client, ip_server);
        zeros(p, 40);
        ip4_done(p, s);
        break;
    case V_IP6_IPIP:
    case V_IP6_IN6:
    case V_IP6_GRE: {
        static const unsigned proto[] = {4, 41, 47};

        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, proto[v - V_IP6_IPIP]);
        zeros(p, 40);
        ipv6_done(p, s);
        break;
    }
    case V_IP6_GRE_DST:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 60, 0);
        ext(p, 47, 0);
        zeros(p, 40);
        ipv6_done(p, s);
        break;
    case V_ESP6:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 50);
        put(p, (const uint8_t[]){0, 0, 1, 0, 0, 0, 0, 1}, 8);
        zeros(p, 32);
        ipv6_done(p, s);
        break;
    case V_ESP6_SHORT:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 50, 0);
        zeros(p, 7);
        ipv6_done(p, s);
        break;
    case V_NONE59:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 59);
        ipv6_done(p, s);
        break;
    case V_NONE59_HBH:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 59, 0);
        zeros(p, 8); /* ignored (RFC 8200 4.7) */
        ipv6_done(p, s);
        break;
    case V_EIGHT_EXT:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 0);
        ext(p, 60, 0);
        for (int i = 0; i < 5; i++)
            ext(p, 60, 0);
        ext(p, 51, 0);
        ah(p, 58, 1);
        icmp6(p, 128, 8);
        ipv6_done(p, s);
        break;
    case V_EXT_PAST_END:
        /* the chain ends exactly at the end: no upper-layer header */
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 60);
        ext(p, 58, 0);
        ipv6_done(p, s);
        break;
    case V_TCP4:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0x4000, 6, ip_client, ip_server);
        put(p,
            (const uint8_t[]){0xc0, 0, 0x1a, 0x0b, 0, 0, 0, 1, 0, 0, 0, 0, 0x50,
                              0x02, 0xff, 0xff},
            16);
        zeros(p, 4);
        ip4_done(p, s);
        break;
    case V_TCP6:
        eth(p, mac_other, mac_client, 0x86dd);
        s = ipv6(p, 6);
        put(p,
            (const uint8_t[]){0xc0, 0, 0x1a, 0x0b, 0, 0, 0, 1, 0, 0, 0, 0, 0x50,
                              0x02, 0xff, 0xff},
            16);
        zeros(p, 4);
        ipv6_done(p, s);
        break;
    case V_MDNS6:
        eth(p, mac_mdns6, mac_client, 0x86dd);
        s = ipv6_from(p, 17, ip6_ll);
        udp(p, 5353, 5353, 40);
        ipv6_done(p, s);
        break;
    case V_GAME_BCAST:
        /* a LAN game's server announcement (Quake 3 style, port 27960) */
        eth(p, mac_bcast, mac_client, 0x0800);
        s = ip4(p, 5, 0, 17, ip_client, ip_bcast);
        u = udp_begin(p, 27960, 27960);
        put(p, "\xff\xff\xff\xffinfoResponse\n", 17);
        udp_end(p, u);
        ip4_done(p, s);
        break;
    case V_ESP4:
        eth(p, mac_other, mac_client, 0x0800);
        s = ip4(p, 5, 0, 50, ip_client, ip_server);
        zeros(p, 40);
        ip4_done(p, s);
        break;
    case V_COUNT:
        break;
    }
}

#define NONE   LP_REASON_NONE
#define MALF   LP_REASON_MALFORMED
#define LLOCAL LP_REASON_LINK_LOCAL
#define SWITCH LP_REASON_SWITCH_CONTROL
#define ETYPE  LP_REASON_ETHERTYPE
#define DHCP4  LP_REASON_DHCP_SERVER
#define CHADDR LP_REASON_DHCP_CHADDR
#define DHCP6  LP_REASON_DHCPV6_SERVER
#define RA     LP_REASON_ROUTER_ADVERT
#define REDIR  LP_REASON_REDIRECT
#define SPOOF  LP_REASON_LLADDR_SPOOF
#define TUNNEL LP_REASON_IP_TUNNEL

static const struct {
    enum vec v;
    const char *name;
    enum lp_reason client, lan;
} table[] = {
    {V_ARP, "arp", NONE, NONE},
    {V_IPV4_UNICAST_UDP, "ipv4 unicast udp", NONE, NONE},
    {V_IPV4_BCAST_UDP, "ipv4 bcast udp", NONE, NONE},
    {V_DHCP_CLIENT, "dhcp client", NONE, NONE},
    {V_DHCP_SERVER, "dhcp server", DHCP4, NONE},
    {V_DHCP_SERVER_OPTS, "dhcp server ihl 15", DHCP4, NONE},
    {V_DHCP_SERVER_NONFIRST_FRAG, "non-first fragment", NONE, NONE},
    {V_MDNS4, "mdns", NONE, NONE},
    {V_SSDP, "ssdp", NONE, NONE},
    {V_IPV6_NS, "ipv6 ns", NONE, NONE},
    {V_IPV6_NA, "ipv6 na", NONE, NONE},
    {V_IPV6_RS, "ipv6 rs", NONE, NONE},
    {V_IPV6_RA, "ipv6 ra", RA, NONE},
    {V_IPV6_RA_HBH, "ra behind hbh", RA, NONE},
    {V_IPV6_RA_DST_RT_AH, "ra behind dst/rt/ah/dst", RA, NONE},
    {V_IPV6_FRAG, "ipv6 fragment", LP_REASON_IPV6_FRAGMENT, NONE},
    {V_IPV6_FRAG_AFTER_HBH, "ipv6 fragment after hbh", LP_REASON_IPV6_FRAGMENT,
     NONE},
    {V_DHCPV6_SERVER, "dhcpv6 server", DHCP6, NONE},
    {V_DHCPV6_CLIENT, "dhcpv6 solicit", NONE, NONE},
    {V_VLAN, "802.1q", LP_REASON_VLAN_TAG, NONE},
    {V_QINQ, "802.1ad", LP_REASON_VLAN_TAG, NONE},
    {V_TAG9100, "0x9100", LP_REASON_VLAN_TAG, NONE},
    {V_STP, "stp", LLOCAL, LLOCAL},
    {V_LLDP, "lldp", LLOCAL, LLOCAL},
    {V_LL0F, "01:80:c2:00:00:0f", LLOCAL, LLOCAL},
    {V_LL10, "01:80:c2:00:00:10", NONE, NONE},
    {V_SRC_MCAST, "src multicast", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_SRC_BCAST, "src broadcast", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_SRC_ZERO, "src zero", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_JUMBO, "jumbo 1515", LP_REASON_JUMBO, LP_REASON_JUMBO},
    {V_MAX_FRAME, "1514", NONE, NONE},
    {V_VLAN_MAX, "tagged 1518", LP_REASON_VLAN_TAG, NONE},
    {V_IPV6_TOO_MANY_EXT, "9 ext headers", MALF, NONE},
    {V_IPV4_IHL_SMALL, "ihl 4", MALF, NONE},
    {V_IPV4_BAD_VERSION, "ipv4 version 6", MALF, NONE},
    {V_IPV6_BAD_VERSION, "ipv6 version 4", MALF, NONE},
    {V_IPX_8023, "802.3 ipx", ETYPE, NONE},
    {V_CDP, "cdp", SWITCH, SWITCH},
    {V_PVST, "pvst+", SWITCH, SWITCH},
    {V_CISCO_CE, "01:00:0c:cc:cc:ce", NONE, NONE},
    {V_PAUSE, "pause to 01:80:c2:00:00:01", LLOCAL, LLOCAL},
    {V_MAC_CONTROL, "mac control unicast", SWITCH, SWITCH},
    {V_EAPOL, "eapol broadcast", SWITCH, SWITCH},
    {V_LLDP_BCAST, "lldp broadcast", SWITCH, SWITCH},
    {V_EAPOL_VLAN, "eapol behind a tag", SWITCH, SWITCH},
    {V_LLC_SNAP, "llc/snap ipv4", ETYPE, NONE},
    {V_IPX_II, "ipx ethernet ii", ETYPE, NONE},
    {V_EXPERIMENTAL, "0x88b5", ETYPE, NONE},
    {V_PPPOE, "pppoe discovery", ETYPE, NONE},
    {V_MPLS, "mpls", ETYPE, NONE},
    {V_DHCP_DISCOVER, "dhcp discover", NONE, NONE},
    {V_DHCP_REQUEST, "dhcp request", NONE, NONE},
    {V_DHCP_RENEW, "dhcp renew unicast", NONE, NONE},
    {V_DHCP_CHADDR_OTHER, "dhcp chaddr other", CHADDR, NONE},
    {V_DHCP_HLEN0, "dhcp hlen 0", CHADDR, NONE},
    {V_DHCP_OP2_TO_67, "bootreply to 67", DHCP4, NONE},
    {V_DHCP_TO_68, "udp to 68", DHCP4, NONE},
    {V_DHCP_RELAY_TO_67, "server to relay 67->67", DHCP4, NONE},
    {V_DHCP_OP3, "bootp op 3", MALF, NONE},
    {V_DHCP_SHORT_BOOTP, "bootp 235 bytes", MALF, NONE},
    {V_DHCP_FIRST_FRAG_SHORT, "bootp cut by fragmentation", MALF, NONE},
    {V_ICMP_ECHO, "icmp echo", NONE, NONE},
    {V_ICMP_REDIRECT, "icmp redirect", REDIR, NONE},
    {V_ICMP_REDIRECT_OPTS, "icmp redirect ihl 6", REDIR, NONE},
    {V_ICMP_SHORT, "icmp 3 bytes", MALF, NONE},
    {V_ICMP6_ECHO, "icmpv6 echo", NONE, NONE},
    {V_ICMP6_REDIRECT, "icmpv6 redirect", REDIR, NONE},
    {V_ICMP6_REDIRECT_DST, "icmpv6 redirect behind dst", REDIR, NONE},
    {V_NA_ROUTER, "na router flag", RA, NONE},
    {V_NA_OWN, "na own tlla", NONE, NONE},
    {V_NA_NO_OPT, "na no option", NONE, NONE},
    {V_NA_TLLA_OTHER, "na tlla other", SPOOF, NONE},
    {V_NA_SHORT, "na 16 bytes", MALF, NONE},
    {V_NS_OWN, "ns own sllao", NONE, NONE},
    {V_NS_SLLAO_OTHER, "ns sllao other", SPOOF, NONE},
    {V_NS_DAD, "ns dad", NONE, NONE},
    {V_NS_NONCE_OWN, "ns nonce + own sllao", NONE, NONE},
    {V_NS_OPT_LEN0, "ns option length 0", MALF, NONE},
    {V_NS_OPT_OVERRUN, "ns option past the end", MALF, NONE},
    {V_NS_OPT_TAIL, "ns stray byte", MALF, NONE},
    {V_NS_SLLAO_LEN2, "ns sllao length 2", SPOOF, NONE},
    {V_NS_TLLA_OTHER, "ns with a tlla", NONE, NONE},
    {V_RS_OWN, "rs own sllao", NONE, NONE},
    {V_RS_SLLAO_OTHER, "rs sllao other", SPOOF, NONE},
    {V_MLD2_REPORT, "mldv2 report", NONE, NONE},
    {V_ARP_PROBE, "arp probe", NONE, NONE},
    {V_ARP_ANNOUNCE, "arp announce", NONE, NONE},
    {V_ARP_REPLY, "arp reply", NONE, NONE},
    {V_ARP_SPOOF, "arp sha other", SPOOF, NONE},
    {V_ARP_HLEN8, "arp hlen 8", MALF, NONE},
    {V_ARP_SHORT, "arp 27 bytes", MALF, NONE},
    {V_DHCPV6_TO_546, "udp to 546", DHCP6, NONE},
    {V_DHCPV6_ADVERTISE, "advertise to 547", DHCP6, NONE},
    {V_DHCPV6_REPLY, "reply to 547", DHCP6, NONE},
    {V_DHCPV6_RECONFIGURE, "reconfigure to 547", DHCP6, NONE},
    {V_DHCPV6_RELAY_FORW, "relay-forw to 547", DHCP6, NONE},
    {V_DHCPV6_RELAY_REPL, "relay-repl to 547", DHCP6, NONE},
    {V_DHCPV6_REQUEST, "dhcpv6 request", NONE, NONE},
    {V_DHCPV6_RENEW, "dhcpv6 renew", NONE, NONE},
    {V_DHCPV6_INFO_REQ, "dhcpv6 information-request", NONE, NONE},
    {V_DHCPV6_REPLY_HBH_DST, "reply behind hbh/dst", DHCP6, NONE},
    {V_DHCPV6_SHORT, "dhcpv6 3 bytes", MALF, NONE},
    {V_IPIP, "ipv4 ipip", TUNNEL, NONE},
    {V_6IN4, "ipv4 6in4", TUNNEL, NONE},
    {V_GRE, "ipv4 gre", TUNNEL, NONE},
    {V_GRE_LATER_FRAG, "gre later fragment", TUNNEL, NONE},
    {V_IP6_IPIP, "ipv6 ipip", TUNNEL, NONE},
    {V_IP6_IN6, "ipv6 in ipv6", TUNNEL, NONE},
    {V_IP6_GRE, "ipv6 gre", TUNNEL, NONE},
    {V_IP6_GRE_DST, "gre behind hbh/dst", TUNNEL, NONE},
    {V_ESP6, "ipv6 esp", NONE, NONE},
    {V_ESP6_SHORT, "esp 7 bytes", MALF, NONE},
    {V_NONE59, "no next header", NONE, NONE},
    {V_NONE59_HBH, "no next header after hbh", NONE, NONE},
    {V_EIGHT_EXT, "8 ext headers", NONE, NONE},
    {V_EXT_PAST_END, "icmpv6 missing after dst", MALF, NONE},
    {V_TCP4, "tcp syn", NONE, NONE},
    {V_TCP6, "tcp6 syn", NONE, NONE},
    {V_MDNS6, "mdns6", NONE, NONE},
    {V_GAME_BCAST, "game broadcast", NONE, NONE},
    {V_ESP4, "ipv4 esp", NONE, NONE},
};

#define NVEC (sizeof(table) / sizeof(table[0]))

static void test_table_complete(void **state)
{
    (void)state;
    assert_int_equal(NVEC, V_COUNT);
    for (size_t i = 0; i < NVEC; i++)
        assert_int_equal(table[i].v, i);
}

static void test_vectors(void **state)
{
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        build(table[i].v, &p);
        enum lp_reason c = lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT);
        enum lp_reason l = lp_policy_check(p.b, p.len, LP_ORIGIN_LAN);
        if (c != table[i].client || l != table[i].lan)
            fail_msg("%s: client %s (want %s), lan %s (want %s)", table[i].name,
                     lp_reason_name(c), lp_reason_name(table[i].client),
                     lp_reason_name(l), lp_reason_name(table[i].lan));
        /* A NULL cfg and an empty one are the plain check. */
        struct lp_policy_cfg empty = {NULL, 0};
        assert_int_equal(
            lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, NULL), c);
        assert_int_equal(
            lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &empty), c);
    }
}

static int is_l3(const struct pkt *p)
{
    unsigned type = (unsigned)(p->b[12] << 8 | p->b[13]);

    return type == 0x0800 || type == 0x86dd || type == 0x0806;
}

/*
 * Every prefix of every vector, in an exact-size heap buffer so that ASan
 * or valgrind catch a read past the end: a frame dropped whole is dropped
 * at every length, and an allowed untagged IPv4/IPv6/ARP frame (none of
 * the vectors has Ethernet padding) is malformed once cut.
 */
static void test_truncations(void **state)
{
    static const uint16_t ipx = 0x8137;
    struct lp_policy_cfg cfg = {&ipx, 1};
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        build(table[i].v, &p);
        for (size_t n = 0; n < p.len; n++) {
            uint8_t *f = test_malloc(n > 0 ? n : 1);
            memcpy(f, p.b, n);
            enum lp_reason c = lp_policy_check(f, n, LP_ORIGIN_CLIENT);
            enum lp_reason l = lp_policy_check(f, n, LP_ORIGIN_LAN);
            enum lp_reason x =
                lp_policy_check_cfg(f, n, LP_ORIGIN_CLIENT, &cfg);
            test_free(f);
            if (n < 14 && (c != LP_REASON_RUNT || l != LP_REASON_RUNT ||
                           x != LP_REASON_RUNT))
                fail_msg("%s truncated to %zu: %s, want runt", table[i].name, n,
                         lp_reason_name(c));
            if (table[i].client != NONE && c == NONE)
                fail_msg("%s truncated to %zu passed", table[i].name, n);
            /* (A jumbo frame cut short is no longer one; a tagged EAPOL
             * cut inside its tag has no inner type.) */
            if (table[i].lan != NONE && table[i].lan != LP_REASON_JUMBO &&
                l == NONE && !(table[i].v == V_EAPOL_VLAN && n < 18))
                fail_msg("%s truncated to %zu passed from the lan",
                         table[i].name, n);
            if (n >= 14 && table[i].client == NONE && is_l3(&p) && c != MALF)
                fail_msg("%s truncated to %zu: %s, want malformed",
                         table[i].name, n, lp_reason_name(c));
            if (table[i].client == NONE && is_l3(&p) && x != c)
                fail_msg("%s truncated to %zu: cfg changed the answer",
                         table[i].name, n);
        }
    }
}

static void test_extra_ethertypes(void **state)
{
    static const uint16_t ipx[] = {0x8137, 0x8138};
    static const uint16_t bad[] = {0x001e, 0x0026, 0x8100, 0x88a8,
                                   0x9100, 0x888e, 0x88cc, 0x8808};
    static const uint16_t lab[] = {0x88b5};
    struct lp_policy_cfg c_ipx = {ipx, 2}, c_bad = {bad, 8}, c_lab = {lab, 1},
                         c_null = {NULL, 3};
    struct pkt p;

    (void)state;
    build(V_IPX_II, &p);
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_ipx),
                     NONE);
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_lab),
                     ETYPE);
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_null),
                     ETYPE);
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_LAN, &c_ipx),
                     NONE);
    /* Only the first nextra entries count. */
    p.b[13] = 0x38;
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_ipx),
                     NONE);
    c_ipx.nextra = 1;
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_ipx),
                     ETYPE);
    build(V_EXPERIMENTAL, &p);
    assert_int_equal(lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_lab),
                     NONE);
    /* Extras never reopen a length field, a tag or switch control. */
    static const struct {
        enum vec v;
        enum lp_reason want;
    } keep[] = {
        {V_IPX_8023, ETYPE},
        {V_LLC_SNAP, ETYPE},
        {V_VLAN, LP_REASON_VLAN_TAG},
        {V_QINQ, LP_REASON_VLAN_TAG},
        {V_TAG9100, LP_REASON_VLAN_TAG},
        {V_EAPOL, SWITCH},
        {V_LLDP_BCAST, SWITCH},
        {V_MAC_CONTROL, SWITCH},
        {V_EAPOL_VLAN, SWITCH},
        {V_CDP, SWITCH},
    };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        build(keep[i].v, &p);
        assert_int_equal(
            lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_bad),
            keep[i].want);
    }
    /* Extras do not relax the IP rules: IPv4 stays inspected. */
    static const uint16_t v4[] = {0x0800, 0x86dd, 0x0806};
    struct lp_policy_cfg c_v4 = {v4, 3};
    static const enum vec ip[] = {V_DHCP_SERVER, V_IPV6_RA, V_ARP_SPOOF,
                                  V_ICMP_REDIRECT, V_ARP_SHORT};
    for (size_t i = 0; i < sizeof(ip) / sizeof(ip[0]); i++) {
        build(ip[i], &p);
        assert_int_equal(
            lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_v4),
            lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT));
        assert_int_not_equal(
            lp_policy_check_cfg(p.b, p.len, LP_ORIGIN_CLIENT, &c_v4), NONE);
    }
}

static void test_padding_allowed(void **state)
{
    struct pkt p;

    (void)state;
    /* A short IPv4 packet padded to 60 bytes by Ethernet. */
    build(V_IPV4_BCAST_UDP, &p);
    p.len = 14 + 28;
    put16(p.b + 16, 28);
    put16(p.b + 14 + 24, 8);
    while (p.len < 60)
        p.b[p.len++] = 0;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), NONE);
    /* An ARP padded to 60 bytes. */
    build(V_ARP_ANNOUNCE, &p);
    while (p.len < 60)
        p.b[p.len++] = 0;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), NONE);
    /* A DAD NS whose padding holds what would be a foreign SLLAO: the
     * option walk stops at the IPv6 payload length. */
    build(V_NS_DAD, &p);
    p.b[p.len++] = 1;
    p.b[p.len++] = 1;
    memcpy(p.b + p.len, mac_other, 6);
    p.len += 6;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), NONE);
    /* The same option inside the payload is a spoof. */
    put16(p.b + 18, (unsigned)(p.len - 54));
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), SPOOF);
}

static void test_lying_lengths(void **state)
{
    struct pkt p;

    (void)state;
    /* IPv4 total length smaller than the header. */
    build(V_IPV4_UNICAST_UDP, &p);
    put16(p.b + 16, 19);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv4 total length covering only part of the UDP header. */
    build(V_DHCP_SERVER, &p);
    put16(p.b + 16, 24);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv4 total length cutting the BOOTP header short. */
    build(V_DHCP_DISCOVER, &p);
    put16(p.b + 16, 20 + 8 + 200);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv6 payload length beyond the frame. */
    build(V_IPV6_NS, &p);
    put16(p.b + 18, 1000);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv6 payload length cutting the NS target. */
    build(V_NS_DAD, &p);
    put16(p.b + 18, 20);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv6 extension header length beyond the payload. */
    build(V_IPV6_RA_HBH, &p);
    p.b[14 + 40 + 1] = 200;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* IPv6 payload length 0 hiding an RA in Ethernet "padding". */
    build(V_IPV6_RA, &p);
    put16(p.b + 18, 0);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT), MALF);
    /* Truncated VLAN tag from a client is still a tag. */
    build(V_VLAN, &p);
    assert_int_equal(lp_policy_check(p.b, 16, LP_ORIGIN_CLIENT),
                     LP_REASON_VLAN_TAG);
    assert_int_equal(lp_policy_check(p.b, 16, LP_ORIGIN_LAN), NONE);
    /* Nine tags: still a tag from a client, nothing from the LAN. */
    eth(&p, mac_other, mac_client, 0x8100);
    for (int i = 0; i < 9; i++) {
        put_u16(&p, 0x0064);
        put_u16(&p, 0x8100);
    }
    zeros(&p, 40);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_VLAN_TAG);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_LAN), NONE);
}

static void test_jumbo_tagged(void **state)
{
    struct pkt p;

    (void)state;
    build(V_VLAN_MAX, &p);
    assert_int_equal(p.len, 1518);
    p.b[p.len++] = 0;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_LAN),
                     LP_REASON_JUMBO);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_JUMBO);
    build(V_MAX_FRAME, &p);
    assert_int_equal(p.len, 1514);
    assert_int_equal(lp_policy_check(NULL, 0, LP_ORIGIN_CLIENT),
                     LP_REASON_RUNT);
    assert_int_equal(lp_policy_check_cfg(NULL, 100, LP_ORIGIN_LAN, NULL),
                     LP_REASON_RUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_extra_ethertypes),
        cmocka_unit_test(test_padding_allowed),
        cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_jumbo_tagged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
