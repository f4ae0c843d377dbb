/*
 * policy_test.c: lp_policy_check against hand-made packet vectors, and
 * every truncation of every filtered vector.
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
static const uint8_t mac_stp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
static const uint8_t mac_lldp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
static const uint8_t mac_llf[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f};
static const uint8_t mac_ll10[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x10};
static const uint8_t mac_zero[6] = {0};

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

static void eth(struct pkt *p, const uint8_t *dst, const uint8_t *src,
                unsigned type)
{
    p->len = 0;
    put(p, dst, 6);
    put(p, src, 6);
    put_u16(p, type);
}

/* ipv4_udp appends an IPv4 header (ihl words, frag field) with UDP. */
static void ipv4_udp(struct pkt *p, unsigned ihl, unsigned frag, unsigned sport,
                     unsigned dport, size_t payload)
{
    size_t start = p->len;
    size_t total = ihl * 4 + 8 + payload;

    put_u8(p, 0x40 | ihl);
    put_u8(p, 0);
    put_u16(p, (unsigned)total);
    put_u16(p, 0x1234);
    put_u16(p, frag);
    put_u8(p, 64);
    put_u8(p, 17);
    put_u16(p, 0);
    put(p, (const uint8_t[]){10, 0, 0, 1}, 4);
    put(p, (const uint8_t[]){255, 255, 255, 255}, 4);
    while (p->len < start + ihl * 4)
        put_u8(p, 1); /* NOP options */
    put_u16(p, sport);
    put_u16(p, dport);
    put_u16(p, (unsigned)(8 + payload));
    put_u16(p, 0);
    for (size_t i = 0; i < payload; i++)
        put_u8(p, 0);
}

/* ipv6 appends a fixed header; the payload length is fixed later. */
static size_t ipv6(struct pkt *p, unsigned nh)
{
    size_t start = p->len;

    put_u8(p, 0x60);
    put_u8(p, 0);
    put_u16(p, 0);
    put_u16(p, 0);
    put_u8(p, nh);
    put_u8(p, 255);
    for (int i = 0; i < 32; i++)
        put_u8(p, i == 0 ? 0xfe : (i == 1 ? 0x80 : (i == 31 ? 1 : 0)));
    return start;
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
    for (unsigned i = 2; i < (len8 + 1) * 8; i++)
        put_u8(p, 0);
}

static void ah(struct pkt *p, unsigned nh, unsigned len4)
{
    put_u8(p, nh);
    put_u8(p, len4);
    for (unsigned i = 2; i < (len4 + 2) * 4; i++)
        put_u8(p, 0);
}

static void frag6(struct pkt *p, unsigned nh)
{
    put_u8(p, nh);
    put_u8(p, 0);
    put_u16(p, 0x0001); /* offset 0, more fragments */
    put_u16(p, 0);
    put_u16(p, 0x4242);
}

static void udp(struct pkt *p, unsigned sport, unsigned dport, size_t n)
{
    put_u16(p, sport);
    put_u16(p, dport);
    put_u16(p, (unsigned)(8 + n));
    put_u16(p, 0);
    for (size_t i = 0; i < n; i++)
        put_u8(p, 0);
}

static void icmp6(struct pkt *p, unsigned type, size_t body)
{
    put_u8(p, type);
    put_u8(p, 0);
    put_u16(p, 0);
    for (size_t i = 0; i < body; i++)
        put_u8(p, 0);
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
    V_COUNT
};

static void build(enum vec v, struct pkt *p)
{
    size_t s;

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
        eth(p, mac_bcast, mac_client, 0x0800);
        ipv4_udp(p, 5, 0, 68, 67, 240);
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
        icmp6(p, 135, 20 + 8);
        ipv6_done(p, s);
        break;
    case V_IPV6_NA:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ipv6(p, 58);
        icmp6(p, 136, 20 + 8);
        ipv6_done(p, s);
        break;
    case V_IPV6_RS:
        eth(p, mac_allrouters, mac_client, 0x86dd);
        s = ipv6(p, 58);
        icmp6(p, 133, 4 + 8);
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
        eth(p, (const uint8_t[]){0x33, 0x33, 0, 1, 0, 2}, mac_client, 0x86dd);
        s = ipv6(p, 17);
        udp(p, 546, 547, 40);
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
        for (int i = 0; i < 28; i++)
            put_u8(p, 0);
        break;
    case V_TAG9100:
        eth(p, mac_other, mac_client, 0x9100);
        put_u16(p, 0x0064);
        put_u16(p, 0x0806);
        for (int i = 0; i < 28; i++)
            put_u8(p, 0);
        break;
    case V_STP:
        eth(p, mac_stp, mac_client, 0x0026);
        put(p, (const uint8_t[]){0x42, 0x42, 0x03, 0, 0, 0, 0}, 7);
        break;
    case V_LLDP:
        eth(p, mac_lldp, mac_client, 0x88cc);
        for (int i = 0; i < 30; i++)
            put_u8(p, 0);
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
        /* 802.3 length field + IPX: old LAN games. */
        eth(p, mac_bcast, mac_client, 0x001e);
        for (int i = 0; i < 30; i++)
            put_u8(p, 0xff);
        break;
    case V_COUNT:
        break;
    }
}

static const struct {
    enum vec v;
    const char *name;
    enum lp_reason client, lan;
} table[] = {
    {V_ARP, "arp", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV4_UNICAST_UDP, "ipv4 unicast udp", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV4_BCAST_UDP, "ipv4 bcast udp", LP_REASON_NONE, LP_REASON_NONE},
    {V_DHCP_CLIENT, "dhcp client", LP_REASON_NONE, LP_REASON_NONE},
    {V_DHCP_SERVER, "dhcp server", LP_REASON_DHCP_SERVER, LP_REASON_NONE},
    {V_DHCP_SERVER_OPTS, "dhcp server ihl 15", LP_REASON_DHCP_SERVER,
     LP_REASON_NONE},
    {V_DHCP_SERVER_NONFIRST_FRAG, "non-first fragment", LP_REASON_NONE,
     LP_REASON_NONE},
    {V_MDNS4, "mdns", LP_REASON_NONE, LP_REASON_NONE},
    {V_SSDP, "ssdp", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV6_NS, "ipv6 ns", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV6_NA, "ipv6 na", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV6_RS, "ipv6 rs", LP_REASON_NONE, LP_REASON_NONE},
    {V_IPV6_RA, "ipv6 ra", LP_REASON_ROUTER_ADVERT, LP_REASON_NONE},
    {V_IPV6_RA_HBH, "ra behind hbh", LP_REASON_ROUTER_ADVERT, LP_REASON_NONE},
    {V_IPV6_RA_DST_RT_AH, "ra behind dst/rt/ah/dst", LP_REASON_ROUTER_ADVERT,
     LP_REASON_NONE},
    {V_IPV6_FRAG, "ipv6 fragment", LP_REASON_IPV6_FRAGMENT, LP_REASON_NONE},
    {V_IPV6_FRAG_AFTER_HBH, "ipv6 fragment after hbh", LP_REASON_IPV6_FRAGMENT,
     LP_REASON_NONE},
    {V_DHCPV6_SERVER, "dhcpv6 server", LP_REASON_DHCPV6_SERVER, LP_REASON_NONE},
    {V_DHCPV6_CLIENT, "dhcpv6 client", LP_REASON_NONE, LP_REASON_NONE},
    {V_VLAN, "802.1q", LP_REASON_VLAN_TAG, LP_REASON_NONE},
    {V_QINQ, "802.1ad", LP_REASON_VLAN_TAG, LP_REASON_NONE},
    {V_TAG9100, "0x9100", LP_REASON_VLAN_TAG, LP_REASON_NONE},
    {V_STP, "stp", LP_REASON_LINK_LOCAL, LP_REASON_LINK_LOCAL},
    {V_LLDP, "lldp", LP_REASON_LINK_LOCAL, LP_REASON_LINK_LOCAL},
    {V_LL0F, "01:80:c2:00:00:0f", LP_REASON_LINK_LOCAL, LP_REASON_LINK_LOCAL},
    {V_LL10, "01:80:c2:00:00:10", LP_REASON_NONE, LP_REASON_NONE},
    {V_SRC_MCAST, "src multicast", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_SRC_BCAST, "src broadcast", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_SRC_ZERO, "src zero", LP_REASON_SOURCE_MAC, LP_REASON_SOURCE_MAC},
    {V_JUMBO, "jumbo 1515", LP_REASON_JUMBO, LP_REASON_JUMBO},
    {V_MAX_FRAME, "1514", LP_REASON_NONE, LP_REASON_NONE},
    {V_VLAN_MAX, "tagged 1518", LP_REASON_VLAN_TAG, LP_REASON_NONE},
    {V_IPV6_TOO_MANY_EXT, "9 ext headers", LP_REASON_MALFORMED, LP_REASON_NONE},
    {V_IPV4_IHL_SMALL, "ihl 4", LP_REASON_MALFORMED, LP_REASON_NONE},
    {V_IPV4_BAD_VERSION, "ipv4 version 6", LP_REASON_MALFORMED, LP_REASON_NONE},
    {V_IPV6_BAD_VERSION, "ipv6 version 4", LP_REASON_MALFORMED, LP_REASON_NONE},
    {V_IPX_8023, "802.3 ipx", LP_REASON_NONE, LP_REASON_NONE},
};

static void test_vectors(void **state)
{
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        build(table[i].v, &p);
        enum lp_reason c = lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT);
        enum lp_reason l = lp_policy_check(p.b, p.len, LP_ORIGIN_LAN);
        if (c != table[i].client || l != table[i].lan)
            fail_msg("%s: client %s (want %s), lan %s (want %s)", table[i].name,
                     lp_reason_name(c), lp_reason_name(table[i].client),
                     lp_reason_name(l), lp_reason_name(table[i].lan));
    }
}

static void test_truncations(void **state)
{
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].client == LP_REASON_NONE)
            continue;
        build(table[i].v, &p);
        for (size_t n = 0; n < p.len; n++) {
            /* Copy into an exact-size heap buffer so ASan catches any
             * read past the truncated end. */
            uint8_t *f = test_malloc(n > 0 ? n : 1);
            memcpy(f, p.b, n);
            enum lp_reason c = lp_policy_check(f, n, LP_ORIGIN_CLIENT);
            (void)lp_policy_check(f, n, LP_ORIGIN_LAN);
            test_free(f);
            if (c == LP_REASON_NONE)
                fail_msg("%s truncated to %zu passed", table[i].name, n);
            if (n < 14 && c != LP_REASON_RUNT)
                fail_msg("%s truncated to %zu: %s, want runt", table[i].name, n,
                         lp_reason_name(c));
        }
    }
}

/* Truncating an allowed IP vector inside its headers must not pass. */
static void test_truncated_allowed_ip(void **state)
{
    static const enum vec ip[] = {V_IPV4_UNICAST_UDP, V_DHCP_CLIENT, V_IPV6_NS,
                                  V_IPV6_RS, V_DHCPV6_CLIENT};
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < sizeof(ip) / sizeof(ip[0]); i++) {
        build(ip[i], &p);
        for (size_t n = 14; n < p.len; n++) {
            enum lp_reason c = lp_policy_check(p.b, n, LP_ORIGIN_CLIENT);
            assert_int_equal(c, LP_REASON_MALFORMED);
            assert_int_equal(lp_policy_check(p.b, n, LP_ORIGIN_LAN),
                             LP_REASON_NONE);
        }
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
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_NONE);
}

static void test_lying_lengths(void **state)
{
    struct pkt p;

    (void)state;
    /* IPv4 total length smaller than the header. */
    build(V_IPV4_UNICAST_UDP, &p);
    put16(p.b + 16, 19);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_MALFORMED);
    /* IPv4 total length covering only part of the UDP header. */
    build(V_DHCP_SERVER, &p);
    put16(p.b + 16, 24);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_MALFORMED);
    /* IPv6 payload length beyond the frame. */
    build(V_IPV6_NS, &p);
    put16(p.b + 18, 1000);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_MALFORMED);
    /* IPv6 extension header length beyond the payload. */
    build(V_IPV6_RA_HBH, &p);
    p.b[14 + 40 + 1] = 200;
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_MALFORMED);
    /* IPv6 payload length 0 hiding an RA in Ethernet "padding". */
    build(V_IPV6_RA, &p);
    put16(p.b + 18, 0);
    assert_int_equal(lp_policy_check(p.b, p.len, LP_ORIGIN_CLIENT),
                     LP_REASON_MALFORMED);
    /* Truncated VLAN tag from a client is still a tag. */
    build(V_VLAN, &p);
    assert_int_equal(lp_policy_check(p.b, 16, LP_ORIGIN_CLIENT),
                     LP_REASON_VLAN_TAG);
    assert_int_equal(lp_policy_check(p.b, 16, LP_ORIGIN_LAN), LP_REASON_NONE);
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_truncated_allowed_ip),
        cmocka_unit_test(test_padding_allowed),
        cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_jumbo_tagged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
