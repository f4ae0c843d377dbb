/*
 * l3_test.c: lp_l3_parse against hand-made frames (ARP, IPv4, IPv6, ND,
 * DHCPv4 ACKs, DHCPv6 REPLYs, VLAN tags, extension headers), every
 * truncation of every vector, and the special-address predicates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_l3.h"

struct pkt {
    uint8_t b[2048];
    size_t len;
};

static const uint8_t mac_client[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t mac_server[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_allnodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

static const uint8_t ip_client[4] = {192, 168, 1, 50};
static const uint8_t ip_server[4] = {192, 168, 1, 1};
static const uint8_t ip_dns[4] = {192, 168, 1, 53};
static const uint8_t ip_bcast[4] = {255, 255, 255, 255};
static const uint8_t ip6_router[16] = {0xfe, 0x80, [15] = 1};
static const uint8_t ip6_client[16] = {0xfe, 0x80, [14] = 0x12, 0x34};
static const uint8_t ip6_a1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xa1};
static const uint8_t ip6_a2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xa2};
static const uint8_t ip6_a3[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xa3};

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

static void put_u32(struct pkt *p, uint32_t v)
{
    put_u16(p, v >> 16);
    put_u16(p, v & 0xffff);
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

static size_t ip4(struct pkt *p, unsigned frag, unsigned proto,
                  const uint8_t *src, const uint8_t *dst)
{
    size_t start = p->len;

    put_u8(p, 0x45);
    put_u8(p, 0);
    put_u16(p, 0);
    put_u16(p, 1);
    put_u16(p, frag);
    put_u8(p, 64);
    put_u8(p, proto);
    put_u16(p, 0);
    put(p, src, 4);
    put(p, dst, 4);
    return start;
}

static void ip4_done(struct pkt *p, size_t start)
{
    put16(p->b + start + 2, (unsigned)(p->len - start));
}

static size_t ip6(struct pkt *p, unsigned nh, const uint8_t *src)
{
    static const uint8_t dst[16] = {0xff, 0x02, [15] = 1};
    size_t start = p->len;

    put_u32(p, 0x60000000);
    put_u16(p, 0);
    put_u8(p, nh);
    put_u8(p, 255);
    put(p, src, 16);
    put(p, dst, 16);
    return start;
}

static void ip6_done(struct pkt *p, size_t start)
{
    put16(p->b + start + 4, (unsigned)(p->len - start - 40));
}

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

/* bootp appends the fixed BOOTP header and the DHCP cookie. */
static void bootp(struct pkt *p, unsigned op, unsigned hlen,
                  const uint8_t *yiaddr, const uint8_t *chaddr)
{
    size_t start = p->len;

    put_u8(p, op);
    put_u8(p, 1);
    put_u8(p, hlen);
    put_u8(p, 0);
    put_u32(p, 0x12345678);
    zeros(p, 8);
    put(p, yiaddr, 4);
    zeros(p, 8);
    put(p, chaddr, 6);
    while (p->len < start + 236)
        put_u8(p, 0);
    put(p, (const uint8_t[]){99, 130, 83, 99}, 4);
}

/* dhcp4_begin: Ethernet, IPv4 and UDP from the LAN's server to the
 * client; the caller appends the BOOTP message and calls dhcp4_end. */
struct dhcp4_pos {
    size_t ip, udp;
};

static struct dhcp4_pos dhcp4_begin(struct pkt *p, unsigned frag)
{
    struct dhcp4_pos d;

    eth(p, mac_client, mac_server, 0x0800);
    d.ip = ip4(p, frag, 17, ip_server, ip_client);
    d.udp = udp_begin(p, 67, 68);
    return d;
}

static void dhcp4_end(struct pkt *p, struct dhcp4_pos d)
{
    udp_end(p, d.udp);
    ip4_done(p, d.ip);
}

/* ack appends a complete ACK: type, lease, server id, routers, DNS. */
static void ack(struct pkt *p, unsigned type)
{
    bootp(p, 2, 6, ip_client, mac_client);
    put(p, (const uint8_t[]){53, 1, (uint8_t)type}, 3);
    put_u8(p, 0); /* pad */
    put(p, (const uint8_t[]){51, 4, 0, 0, 0x0e, 0x10}, 6);
    put(p, (const uint8_t[]){54, 4}, 2);
    put(p, ip_server, 4);
    put(p, (const uint8_t[]){1, 4, 255, 255, 255, 0}, 6);
    put(p, (const uint8_t[]){3, 4}, 2);
    put(p, ip_server, 4);
    put(p, (const uint8_t[]){6, 8}, 2);
    put(p, ip_dns, 4);
    put(p, ip_server, 4);
    put_u8(p, 255);
    zeros(p, 3);
}

static size_t opt6_begin(struct pkt *p, unsigned code)
{
    size_t start = p->len;

    put_u16(p, code);
    put_u16(p, 0);
    return start;
}

static void opt6_end(struct pkt *p, size_t start)
{
    put16(p->b + start + 2, (unsigned)(p->len - start - 4));
}

static void iaaddr(struct pkt *p, const uint8_t *a, uint32_t valid)
{
    size_t o = opt6_begin(p, 5);

    put(p, a, 16);
    put_u32(p, valid / 2);
    put_u32(p, valid);
    opt6_end(p, o);
}

/* reply6 appends Ethernet, IPv6, UDP 547 -> 546 and a DHCPv6 header. */
struct reply6_pos {
    size_t ip, udp;
};

static struct reply6_pos reply6_begin(struct pkt *p, unsigned type)
{
    struct reply6_pos r;
    size_t o;

    eth(p, mac_client, mac_server, 0x86dd);
    r.ip = ip6(p, 17, ip6_router);
    r.udp = udp_begin(p, 547, 546);
    put_u8(p, type);
    put(p, (const uint8_t[]){0xaa, 0xbb, 0xcc}, 3);
    o = opt6_begin(p, 1); /* client id */
    put(p, (const uint8_t[]){0, 3, 0, 1}, 4);
    put(p, mac_client, 6);
    opt6_end(p, o);
    return r;
}

static void reply6_end(struct pkt *p, struct reply6_pos r)
{
    udp_end(p, r.udp);
    ip6_done(p, r.ip);
}

enum vec {
    V_UDP4,
    V_UDP4_VLAN,
    V_UDP4_QINQ,
    V_TCP4_FRAG,
    V_ARP,
    V_ARP_PROBE,
    V_ARP_IPV6,
    V_ARP_HLEN8,
    V_ACK,
    V_ACK_VLAN,
    V_ACK_NO_LEASE,
    V_ACK_INFINITE,
    V_ACK_HLEN16,
    V_ACK_NO_END,
    V_ACK_OVERLOAD,
    V_ACK_MANY_SERVERS,
    V_ACK_BAD_LEN,
    V_ACK_FRAGMENT,
    V_ACK_TO_RELAY,
    V_OFFER,
    V_BOOTP_NO_COOKIE,
    V_BOOTP_NO_TYPE,
    V_DHCP_REQUEST,
    V_ACK_OPT_OVERRUN,
    V_ACK_UDP_LIE,
    V_IP4_BAD_VERSION,
    V_RA,
    V_RA_HBH,
    V_NA,
    V_NA_VLAN,
    V_NS,
    V_TCP6,
    V_FRAG6,
    V_TOO_MANY_EXT,
    V_REPLY6,
    V_REPLY6_IA_TA,
    V_REPLY6_MANY,
    V_REPLY6_NO_IA,
    V_ADVERTISE6,
    V_REPLY6_TO_547,
    V_REPLY6_IAADDR_SHORT,
    V_REPLY6_OPT_OVERRUN,
    V_IPX,
    V_COUNT
};

static void build(enum vec v, struct pkt *p)
{
    struct dhcp4_pos d;
    struct reply6_pos r;
    size_t s, o;

    memset(p, 0, sizeof(*p));
    switch (v) {
    case V_UDP4:
        eth(p, mac_bcast, mac_client, 0x0800);
        s = ip4(p, 0, 17, ip_client, ip_bcast);
        o = udp_begin(p, 6112, 6112);
        zeros(p, 20);
        udp_end(p, o);
        ip4_done(p, s);
        break;
    case V_UDP4_VLAN:
    case V_UDP4_QINQ:
        eth(p, mac_bcast, mac_client, v == V_UDP4_VLAN ? 0x8100 : 0x88a8);
        put_u16(p, 5);
        if (v == V_UDP4_QINQ) {
            put_u16(p, 0x8100);
            put_u16(p, 6);
        }
        put_u16(p, 0x0800);
        s = ip4(p, 0, 17, ip_client, ip_bcast);
        o = udp_begin(p, 6112, 6112);
        zeros(p, 20);
        udp_end(p, o);
        ip4_done(p, s);
        break;
    case V_TCP4_FRAG:
        eth(p, mac_server, mac_client, 0x0800);
        s = ip4(p, 0x2000, 6, ip_client, ip_server);
        zeros(p, 40);
        ip4_done(p, s);
        break;
    case V_ARP:
    case V_ARP_PROBE:
    case V_ARP_IPV6:
    case V_ARP_HLEN8:
        eth(p, mac_bcast, mac_client, 0x0806);
        put_u16(p, 1);
        put_u16(p, v == V_ARP_IPV6 ? 0x86dd : 0x0800);
        put_u8(p, v == V_ARP_HLEN8 ? 8 : 6);
        put_u8(p, 4);
        put_u16(p, 1);
        put(p, mac_client, 6);
        put(p, v == V_ARP_PROBE ? (const uint8_t[4]){0} : ip_client, 4);
        zeros(p, 6);
        put(p, ip_server, 4);
        break;
    case V_ACK:
    case V_ACK_INFINITE:
        d = dhcp4_begin(p, 0);
        ack(p, 5);
        if (v == V_ACK_INFINITE)
            memset(p->b + 14 + 20 + 8 + 240 + 4 + 2, 0xff, 4);
        dhcp4_end(p, d);
        break;
    case V_ACK_VLAN:
        eth(p, mac_client, mac_server, 0x8100);
        put_u16(p, 7);
        put_u16(p, 0x0800);
        d.ip = ip4(p, 0, 17, ip_server, ip_client);
        d.udp = udp_begin(p, 67, 68);
        ack(p, 5);
        dhcp4_end(p, d);
        break;
    case V_ACK_NO_LEASE:
    case V_ACK_NO_END:
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){53, 1, 5, 54, 4}, 5);
        put(p, ip_server, 4);
        if (v == V_ACK_NO_LEASE)
            put_u8(p, 255);
        dhcp4_end(p, d);
        break;
    case V_ACK_HLEN16:
        d = dhcp4_begin(p, 0);
        ack(p, 5);
        p->b[14 + 20 + 8 + 2] = 16;
        dhcp4_end(p, d);
        break;
    case V_ACK_OVERLOAD:
        /* option 52 says sname/file hold options: ignored */
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){52, 1, 3, 53, 1, 5, 255}, 7);
        dhcp4_end(p, d);
        break;
    case V_ACK_MANY_SERVERS:
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){53, 1, 5, 6, 40}, 5);
        for (unsigned i = 0; i < 10; i++)
            put(p, (const uint8_t[]){10, 0, 0, (uint8_t)(i + 1)}, 4);
        put_u8(p, 255);
        dhcp4_end(p, d);
        break;
    case V_ACK_BAD_LEN:
        /* wrong-length options are skipped, the walk goes on */
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){51, 3, 1, 2, 3, 54, 5, 1, 2, 3, 4, 5}, 12);
        put(p, (const uint8_t[]){3, 6, 1, 2, 3, 4, 5, 6, 53, 2, 5, 5}, 12);
        put(p, (const uint8_t[]){53, 1, 5, 6, 4}, 5);
        put(p, ip_dns, 4);
        put_u8(p, 255);
        dhcp4_end(p, d);
        break;
    case V_ACK_FRAGMENT:
        d = dhcp4_begin(p, 0x2000);
        ack(p, 5);
        dhcp4_end(p, d);
        break;
    case V_ACK_TO_RELAY:
        d = dhcp4_begin(p, 0);
        put16(p->b + d.udp + 2, 67);
        ack(p, 5);
        dhcp4_end(p, d);
        break;
    case V_OFFER:
        d = dhcp4_begin(p, 0);
        ack(p, 2);
        dhcp4_end(p, d);
        break;
    case V_BOOTP_NO_COOKIE:
        d = dhcp4_begin(p, 0);
        ack(p, 5);
        p->b[14 + 20 + 8 + 236] = 98;
        dhcp4_end(p, d);
        break;
    case V_BOOTP_NO_TYPE:
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){54, 4}, 2);
        put(p, ip_server, 4);
        put_u8(p, 255);
        dhcp4_end(p, d);
        break;
    case V_DHCP_REQUEST:
        eth(p, mac_bcast, mac_client, 0x0800);
        s = ip4(p, 0, 17, (const uint8_t[4]){0}, ip_bcast);
        o = udp_begin(p, 68, 67);
        bootp(p, 1, 6, (const uint8_t[4]){0}, mac_client);
        put(p, (const uint8_t[]){53, 1, 3, 255}, 4);
        udp_end(p, o);
        ip4_done(p, s);
        break;
    case V_ACK_OPT_OVERRUN:
        d = dhcp4_begin(p, 0);
        bootp(p, 2, 6, ip_client, mac_client);
        put(p, (const uint8_t[]){53, 1, 5, 54, 4}, 5);
        put(p, ip_server, 4);
        put(p, (const uint8_t[]){6, 8, 1, 2, 3, 4}, 6);
        dhcp4_end(p, d);
        break;
    case V_ACK_UDP_LIE:
        d = dhcp4_begin(p, 0);
        ack(p, 5);
        dhcp4_end(p, d);
        put16(p->b + d.udp + 4, 2000);
        break;
    case V_IP4_BAD_VERSION:
        eth(p, mac_bcast, mac_client, 0x0800);
        s = ip4(p, 0, 17, ip_client, ip_bcast);
        zeros(p, 8);
        ip4_done(p, s);
        p->b[14] = 0x65;
        break;
    case V_RA:
    case V_RA_HBH:
        eth(p, mac_allnodes, mac_server, 0x86dd);
        s = ip6(p, v == V_RA ? 58 : 0, ip6_router);
        if (v == V_RA_HBH)
            put(p, (const uint8_t[]){58, 0, 5, 2, 0, 0, 1, 0}, 8);
        put(p, (const uint8_t[]){134, 0, 0, 0, 64, 0, 0x07, 0x08}, 8);
        zeros(p, 8);
        put(p, (const uint8_t[]){1, 1}, 2);
        put(p, mac_server, 6);
        ip6_done(p, s);
        break;
    case V_NA:
    case V_NA_VLAN:
        if (v == V_NA) {
            eth(p, mac_allnodes, mac_client, 0x86dd);
        } else {
            eth(p, mac_allnodes, mac_client, 0x8100);
            put_u16(p, 9);
            put_u16(p, 0x86dd);
        }
        s = ip6(p, 58, ip6_client);
        put(p, (const uint8_t[]){136, 0, 0, 0, 0x20, 0, 0, 0}, 8);
        put(p, ip6_a1, 16);
        put(p, (const uint8_t[]){2, 1}, 2);
        put(p, mac_client, 6);
        ip6_done(p, s);
        break;
    case V_NS:
        eth(p, mac_allnodes, mac_client, 0x86dd);
        s = ip6(p, 58, (const uint8_t[16]){0});
        put(p, (const uint8_t[]){135, 0, 0, 0, 0, 0, 0, 0}, 8);
        put(p, ip6_a1, 16);
        ip6_done(p, s);
        break;
    case V_TCP6:
        eth(p, mac_server, mac_client, 0x86dd);
        s = ip6(p, 6, ip6_client);
        zeros(p, 20);
        ip6_done(p, s);
        break;
    case V_FRAG6:
        eth(p, mac_client, mac_server, 0x86dd);
        s = ip6(p, 44, ip6_router);
        put(p, (const uint8_t[]){17, 0, 0, 1, 0, 0, 0, 1}, 8);
        o = udp_begin(p, 547, 546);
        put_u8(p, 7);
        zeros(p, 40);
        udp_end(p, o);
        ip6_done(p, s);
        break;
    case V_TOO_MANY_EXT:
        eth(p, mac_allnodes, mac_server, 0x86dd);
        s = ip6(p, 60, ip6_router);
        for (int i = 0; i < 8; i++)
            put(p, (const uint8_t[]){60, 0, 1, 4, 0, 0, 0, 0}, 8);
        put(p, (const uint8_t[]){58, 0, 1, 4, 0, 0, 0, 0}, 8);
        put(p, (const uint8_t[]){134, 0, 0, 0}, 4);
        zeros(p, 12);
        ip6_done(p, s);
        break;
    case V_REPLY6:
        r = reply6_begin(p, 7);
        o = opt6_begin(p, 3); /* IA_NA */
        put_u32(p, 1);
        put_u32(p, 1800);
        put_u32(p, 2880);
        iaaddr(p, ip6_a1, 3600);
        iaaddr(p, ip6_a2, 0); /* withdrawn */
        iaaddr(p, ip6_a3, 7200);
        opt6_end(p, o);
        o = opt6_begin(p, 23); /* DNS servers */
        put(p, ip6_router, 16);
        opt6_end(p, o);
        reply6_end(p, r);
        break;
    case V_REPLY6_IA_TA:
        r = reply6_begin(p, 7);
        o = opt6_begin(p, 4); /* IA_TA */
        put_u32(p, 9);
        iaaddr(p, ip6_a2, 0xffffffff);
        opt6_end(p, o);
        reply6_end(p, r);
        break;
    case V_REPLY6_MANY:
        r = reply6_begin(p, 7);
        for (int n = 0; n < 2; n++) {
            o = opt6_begin(p, 3);
            put_u32(p, (uint32_t)n);
            put_u32(p, 0);
            put_u32(p, 0);
            for (uint8_t i = 0; i < 6; i++) {
                uint8_t a[16];
                memcpy(a, ip6_a1, 16);
                a[14] = (uint8_t)n;
                a[15] = i;
                iaaddr(p, a, 100u + i);
            }
            opt6_end(p, o);
        }
        reply6_end(p, r);
        break;
    case V_REPLY6_NO_IA:
        r = reply6_begin(p, 7);
        reply6_end(p, r);
        break;
    case V_ADVERTISE6:
        r = reply6_begin(p, 2);
        o = opt6_begin(p, 3);
        put_u32(p, 1);
        put_u32(p, 0);
        put_u32(p, 0);
        iaaddr(p, ip6_a1, 3600);
        opt6_end(p, o);
        reply6_end(p, r);
        break;
    case V_REPLY6_TO_547:
        r = reply6_begin(p, 7);
        put16(p->b + r.udp + 2, 547);
        o = opt6_begin(p, 3);
        put_u32(p, 1);
        put_u32(p, 0);
        put_u32(p, 0);
        iaaddr(p, ip6_a1, 3600);
        opt6_end(p, o);
        reply6_end(p, r);
        break;
    case V_REPLY6_IAADDR_SHORT:
        r = reply6_begin(p, 7);
        o = opt6_begin(p, 3);
        put_u32(p, 1);
        put_u32(p, 0);
        put_u32(p, 0);
        iaaddr(p, ip6_a1, 3600);
        put_u16(p, 5);
        put_u16(p, 20);
        zeros(p, 20);
        opt6_end(p, o);
        reply6_end(p, r);
        break;
    case V_REPLY6_OPT_OVERRUN:
        r = reply6_begin(p, 7);
        o = opt6_begin(p, 3);
        put_u32(p, 1);
        put_u32(p, 0);
        put_u32(p, 0);
        iaaddr(p, ip6_a1, 3600);
        opt6_end(p, o);
        put16(p->b + o + 2, 200);
        reply6_end(p, r);
        break;
    case V_IPX:
        eth(p, mac_bcast, mac_client, 0x8137);
        zeros(p, 30);
        break;
    case V_COUNT:
        break;
    }
}

#define IP4   LP_L3_IP4
#define IP6   LP_L3_IP6
#define ARP   LP_L3_ARP
#define NA    LP_L3_NA
#define ACK   (LP_L3_DHCP_ACK | LP_L3_DHCP4_SERVER)
#define SRV4  LP_L3_DHCP4_SERVER
#define REPLY LP_L3_DHCP6_REPLY
#define RA    LP_L3_RA

static const struct {
    enum vec v;
    const char *name;
    int rv;
    unsigned flags;
    size_t nservers4, nreply6;
} table[] = {
    {V_UDP4, "udp4", 0, IP4, 0, 0},
    {V_UDP4_VLAN, "udp4 in 802.1q", 0, IP4, 0, 0},
    {V_UDP4_QINQ, "udp4 in qinq", 0, IP4, 0, 0},
    {V_TCP4_FRAG, "tcp4 first fragment", 0, IP4, 0, 0},
    {V_ARP, "arp", 0, ARP, 0, 0},
    {V_ARP_PROBE, "arp probe", 0, ARP, 0, 0},
    {V_ARP_IPV6, "arp ptype ipv6", 0, 0, 0, 0},
    {V_ARP_HLEN8, "arp hlen 8", LP_ERR_PROTO, 0, 0, 0},
    {V_ACK, "dhcp ack", 0, IP4 | ACK, 2, 0},
    {V_ACK_VLAN, "dhcp ack in 802.1q", 0, IP4 | ACK, 2, 0},
    {V_ACK_NO_LEASE, "ack without lease", 0, IP4 | ACK, 1, 0},
    {V_ACK_INFINITE, "ack infinite lease", 0, IP4 | ACK, 2, 0},
    {V_ACK_HLEN16, "ack hlen 16", 0, IP4 | SRV4, 2, 0},
    {V_ACK_NO_END, "ack without end", 0, IP4 | ACK, 1, 0},
    {V_ACK_OVERLOAD, "ack with overload", 0, IP4 | ACK, 0, 0},
    {V_ACK_MANY_SERVERS, "ack 10 dns", 0, IP4 | ACK, 8, 0},
    {V_ACK_BAD_LEN, "ack wrong-length options", 0, IP4 | ACK, 1, 0},
    {V_ACK_FRAGMENT, "ack first fragment", 0, IP4, 0, 0},
    {V_ACK_TO_RELAY, "ack to a relay agent", 0, IP4 | ACK, 2, 0},
    {V_OFFER, "dhcp offer", 0, IP4 | SRV4, 2, 0},
    {V_BOOTP_NO_COOKIE, "bootp no cookie", 0, IP4, 0, 0},
    {V_BOOTP_NO_TYPE, "bootp no type", 0, IP4, 0, 0},
    {V_DHCP_REQUEST, "dhcp request", 0, IP4, 0, 0},
    {V_ACK_OPT_OVERRUN, "ack option overrun", LP_ERR_SHORT, IP4, 0, 0},
    {V_ACK_UDP_LIE, "ack udp length lie", LP_ERR_PROTO, IP4, 0, 0},
    {V_IP4_BAD_VERSION, "ipv4 version 6", LP_ERR_PROTO, 0, 0, 0},
    {V_RA, "ra", 0, IP6 | RA, 0, 0},
    {V_RA_HBH, "ra behind hbh", 0, IP6 | RA, 0, 0},
    {V_NA, "na", 0, IP6 | NA, 0, 0},
    {V_NA_VLAN, "na in 802.1q", 0, IP6 | NA, 0, 0},
    {V_NS, "ns dad", 0, IP6, 0, 0},
    {V_TCP6, "tcp6", 0, IP6, 0, 0},
    {V_FRAG6, "reply in a fragment", 0, IP6, 0, 0},
    {V_TOO_MANY_EXT, "9 ext headers", LP_ERR_PROTO, IP6, 0, 0},
    {V_REPLY6, "dhcpv6 reply", 0, IP6 | REPLY, 0, 2},
    {V_REPLY6_IA_TA, "reply ia_ta", 0, IP6 | REPLY, 0, 1},
    {V_REPLY6_MANY, "reply 12 addresses", 0, IP6 | REPLY, 0, 8},
    {V_REPLY6_NO_IA, "reply without ia", 0, IP6 | REPLY, 0, 0},
    {V_ADVERTISE6, "advertise", 0, IP6, 0, 0},
    {V_REPLY6_TO_547, "reply to 547", 0, IP6, 0, 0},
    {V_REPLY6_IAADDR_SHORT, "iaaddr 20 bytes", LP_ERR_SHORT, IP6, 0, 0},
    {V_REPLY6_OPT_OVERRUN, "ia_na overrun", LP_ERR_SHORT, IP6, 0, 0},
    {V_IPX, "ipx", 0, 0, 0, 0},
};

#define NVEC (sizeof(table) / sizeof(table[0]))

static void test_vectors(void **state)
{
    struct lp_l3 l3;
    struct pkt p;

    (void)state;
    assert_int_equal(NVEC, V_COUNT);
    for (size_t i = 0; i < NVEC; i++) {
        assert_int_equal(table[i].v, i);
        build(table[i].v, &p);
        int rv = lp_l3_parse(&l3, p.b, p.len);
        if (rv != table[i].rv || l3.flags != table[i].flags ||
            l3.nservers4 != table[i].nservers4 ||
            l3.nreply6 != table[i].nreply6)
            fail_msg("%s: rv %d flags %#x servers %zu reply6 %zu (want %d "
                     "%#x %zu %zu)",
                     table[i].name, rv, l3.flags, l3.nservers4, l3.nreply6,
                     table[i].rv, table[i].flags, table[i].nservers4,
                     table[i].nreply6);
    }
}

static void test_fields(void **state)
{
    static const uint8_t zero16[16];
    struct lp_l3 l3;
    struct pkt p;

    (void)state;
    build(V_ACK, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.ip4_src, ip_server, 4);
    assert_memory_equal(l3.ack_yiaddr, ip_client, 4);
    assert_memory_equal(l3.ack_chaddr, mac_client, 6);
    assert_int_equal(l3.ack_lease, 3600);
    assert_int_equal(l3.dhcp4_type, 5);
    /* option 54 and 3 name the same address, option 6 adds one */
    assert_memory_equal(l3.servers4[0], ip_server, 4);
    assert_memory_equal(l3.servers4[1], ip_dns, 4);

    build(V_ACK_INFINITE, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.ack_lease, 0xffffffffu);
    build(V_ACK_NO_LEASE, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.ack_lease, 0);
    build(V_ACK_BAD_LEN, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.ack_lease, 0);
    assert_memory_equal(l3.servers4[0], ip_dns, 4);
    build(V_ACK_MANY_SERVERS, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.servers4[7], ((const uint8_t[]){10, 0, 0, 8}), 4);
    build(V_OFFER, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.dhcp4_type, 2);
    assert_memory_equal(l3.ack_yiaddr, ((const uint8_t[4]){0}), 4);

    build(V_ARP, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.arp_spa, ip_client, 4);
    build(V_ARP_PROBE, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_true(lp_ip4_is_special(l3.arp_spa));

    build(V_RA_HBH, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.ip6_src, ip6_router, 16);
    build(V_NA_VLAN, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.ip6_src, ip6_client, 16);
    assert_memory_equal(l3.na_target, ip6_a1, 16);
    build(V_NS, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.ip6_src, zero16, 16);
    assert_true(lp_ip6_is_special(l3.ip6_src));

    build(V_REPLY6, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.reply6[0], ip6_a1, 16);
    assert_memory_equal(l3.reply6[1], ip6_a3, 16);
    assert_int_equal(l3.reply6_valids[0], 3600);
    assert_int_equal(l3.reply6_valids[1], 7200);
    assert_int_equal(l3.reply6_valid, 7200);
    build(V_REPLY6_IA_TA, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_memory_equal(l3.reply6[0], ip6_a2, 16);
    assert_int_equal(l3.reply6_valid, 0xffffffffu);
    build(V_REPLY6_MANY, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.reply6[7][14], 1);
    assert_int_equal(l3.reply6[7][15], 1);
    assert_int_equal(l3.reply6_valid, 105);

    /* An error leaves no half-read lists behind. */
    build(V_REPLY6_IAADDR_SHORT, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), LP_ERR_SHORT);
    assert_int_equal(l3.reply6_valid, 0);
    assert_memory_equal(l3.reply6[0], zero16, 16);
    build(V_ACK_OPT_OVERRUN, &p);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), LP_ERR_SHORT);
    assert_memory_equal(l3.servers4[0], ((const uint8_t[4]){0}), 4);
    assert_memory_equal(l3.ip4_src, ip_server, 4);

    /* Short and NULL frames. */
    assert_int_equal(lp_l3_parse(&l3, NULL, 0), LP_ERR_SHORT);
    assert_int_equal(l3.flags, 0);
    assert_int_equal(lp_l3_parse(&l3, p.b, 13), LP_ERR_SHORT);
    /* Nine stacked tags. */
    eth(&p, mac_bcast, mac_client, 0x8100);
    for (int i = 0; i < 9; i++) {
        put_u16(&p, 1);
        put_u16(&p, 0x8100);
    }
    zeros(&p, 40);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), LP_ERR_RANGE);
}

/* Ethernet padding after the IP packet is not read as options. */
static void test_padding(void **state)
{
    struct lp_l3 l3;
    struct pkt p;

    (void)state;
    build(V_ACK_NO_END, &p);
    /* A would-be router option in the padding. */
    memcpy(p.b + p.len, (const uint8_t[]){3, 4, 9, 9, 9, 9}, 6);
    p.len += 6;
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.nservers4, 1);
    /* UDP length shorter than the IP payload bounds the walk too. */
    build(V_REPLY6, &p);
    put16(p.b + 14 + 40 + 4, 8 + 4 + 14);
    assert_int_equal(lp_l3_parse(&l3, p.b, p.len), 0);
    assert_int_equal(l3.flags, IP6 | REPLY);
    assert_int_equal(l3.nreply6, 0);
}

/*
 * Every prefix of every vector, in an exact-size heap buffer: never a
 * read past the end, and once cut inside the IP packet (no vector has
 * padding) the answer is an error that reports no DHCP result.
 */
static void test_truncations(void **state)
{
    struct lp_l3 l3;
    struct pkt p;

    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        build(table[i].v, &p);
        unsigned type = (unsigned)(p.b[12] << 8 | p.b[13]);
        int l3type = type == 0x0800 || type == 0x86dd || type == 0x0806 ||
                     type == 0x8100 || type == 0x88a8;
        for (size_t n = 0; n < p.len; n++) {
            uint8_t *f = test_malloc(n > 0 ? n : 1);
            memcpy(f, p.b, n);
            int rv = lp_l3_parse(&l3, f, n);
            test_free(f);
            if (l3.nservers4 > LP_L3_MAX_ADDRS || l3.nreply6 > LP_L3_MAX_ADDRS)
                fail_msg("%s cut to %zu: list overflow", table[i].name, n);
            if ((l3.flags & ~table[i].flags) != 0)
                fail_msg("%s cut to %zu: flags %#x not in %#x", table[i].name,
                         n, l3.flags, table[i].flags);
            if (!l3type)
                continue;
            if (rv == 0)
                fail_msg("%s cut to %zu parsed", table[i].name, n);
            if ((l3.flags & (ACK | REPLY | RA | NA | ARP)) != 0 ||
                l3.nservers4 != 0 || l3.nreply6 != 0)
                fail_msg("%s cut to %zu: flags %#x", table[i].name, n,
                         l3.flags);
        }
    }
}

static void test_special(void **state)
{
    static const struct {
        uint8_t a[4];
        int special;
    } v4[] = {
        {{0, 0, 0, 0}, 1},      {{255, 255, 255, 255}, 1},
        {{224, 0, 0, 251}, 1},  {{239, 255, 255, 250}, 1},
        {{127, 0, 0, 1}, 1},    {{127, 255, 0, 9}, 1},
        {{192, 168, 1, 50}, 0}, {{10, 0, 0, 1}, 0},
        {{0, 0, 0, 1}, 0},      {{223, 255, 255, 255}, 0},
        {{240, 0, 0, 1}, 0},    {{192, 168, 1, 255}, 0},
        {{128, 0, 0, 1}, 0},    {{169, 254, 1, 1}, 0},
    };
    static const struct {
        uint8_t a[16];
        int special;
    } v6[] = {
        {{0}, 1},
        {{[15] = 1}, 1},
        {{0xff, 0x02, [15] = 1}, 1},
        {{0xff, 0x02, [11] = 1, 0xff, 0, 0, 1}, 1},
        {{0xff}, 1},
        {{[15] = 2}, 0},
        {{[14] = 1}, 0},
        {{0xfe, 0x80, [15] = 1}, 0},
        {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 0},
        {{0xfd, 0x00, [15] = 1}, 0},
        {{[10] = 0xff, 0xff, 127, 0, 0, 1}, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
        if (lp_ip4_is_special(v4[i].a) != v4[i].special)
            fail_msg("%u.%u.%u.%u", v4[i].a[0], v4[i].a[1], v4[i].a[2],
                     v4[i].a[3]);
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
        if (lp_ip6_is_special(v6[i].a) != v6[i].special)
            fail_msg("v6 vector %zu", i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_padding), cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_special),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
