/*
 * lp_l3.c: address facts from a frame. Every read is bounds-checked
 * against the frame and, inside IP, against the length the IP (and UDP)
 * header claims.
 */
#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_l3.h"
#include "lp_policy.h"

#define L3_PROTO_HOPOPTS  0
#define L3_PROTO_UDP      17
#define L3_PROTO_ROUTING  43
#define L3_PROTO_FRAGMENT 44
#define L3_PROTO_AH       51
#define L3_PROTO_ICMPV6   58
#define L3_PROTO_DSTOPTS  60

#define L3_ICMPV6_RA 134
#define L3_ICMPV6_NA 136

#define L3_BOOTP_FIXED_LEN 236 /* RFC 951 */
#define L3_DHCP_COOKIE_LEN 4   /* 99.130.83.99, RFC 2131 section 3 */

#define L3_DHCP_OPT_PAD    0
#define L3_DHCP_OPT_ROUTER 3
#define L3_DHCP_OPT_DNS    6
#define L3_DHCP_OPT_LEASE  51
#define L3_DHCP_OPT_TYPE   53
#define L3_DHCP_OPT_SERVER 54
#define L3_DHCP_OPT_END    255
#define L3_DHCP_ACK        5

#define L3_DHCP6_REPLY      7
#define L3_DHCP6_OPT_IA_NA  3
#define L3_DHCP6_OPT_IA_TA  4
#define L3_DHCP6_OPT_IAADDR 5

static uint16_t l3_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t l3_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* l3_add_server4 appends a unique address while there is room. */
static void l3_add_server4(struct lp_l3 *out, const uint8_t *a)
{
    for (size_t i = 0; i < out->nservers4; i++)
        if (memcmp(out->servers4[i], a, 4) == 0)
            return;
    if (out->nservers4 < LP_L3_MAX_ADDRS)
        memcpy(out->servers4[out->nservers4++], a, 4);
}

/*
 * l3_dhcp4 reads a BOOTP reply (b/n is the UDP payload from port 67).
 * Options follow the fixed header and the magic cookie (RFC 2132): pad
 * (0) is one byte, end (255) stops the walk, every other option is code,
 * length, data.
 */
static int l3_dhcp4(struct lp_l3 *out, const uint8_t *b, size_t n)
{
    static const uint8_t cookie[L3_DHCP_COOKIE_LEN] = {99, 130, 83, 99};
    size_t off = L3_BOOTP_FIXED_LEN + L3_DHCP_COOKIE_LEN;
    uint32_t lease = 0;
    unsigned type = 0;

    if (n < L3_BOOTP_FIXED_LEN)
        return LP_ERR_SHORT;
    /* Plain BOOTP (no cookie) leases nothing we could age out. */
    if (b[0] != 2 || n < off ||
        memcmp(b + L3_BOOTP_FIXED_LEN, cookie, L3_DHCP_COOKIE_LEN) != 0)
        return 0;
    while (off < n) {
        unsigned code = b[off];
        size_t olen;
        const uint8_t *d;

        if (code == L3_DHCP_OPT_PAD) {
            off++;
            continue;
        }
        if (code == L3_DHCP_OPT_END)
            break;
        if (n - off < 2)
            goto short_opt;
        olen = b[off + 1];
        if (olen > n - off - 2)
            goto short_opt;
        d = b + off + 2;
        switch (code) {
        case L3_DHCP_OPT_TYPE:
            if (olen == 1)
                type = d[0];
            break;
        case L3_DHCP_OPT_LEASE:
            if (olen == 4)
                lease = l3_be32(d);
            break;
        case L3_DHCP_OPT_SERVER:
            if (olen == 4)
                l3_add_server4(out, d);
            break;
        case L3_DHCP_OPT_ROUTER:
        case L3_DHCP_OPT_DNS:
            if (olen % 4 == 0)
                for (size_t i = 0; i < olen; i += 4)
                    l3_add_server4(out, d + i);
            break;
        default:
            break;
        }
        off += 2 + olen;
    }
    if (type == 0) {
        /* BOOTP with a cookie but no message type: not DHCP. */
        memset(out->servers4, 0, sizeof(out->servers4));
        out->nservers4 = 0;
        return 0;
    }
    out->dhcp4_type = (uint8_t)type;
    out->flags |= LP_L3_DHCP4_SERVER;
    /* An ACK names its client by chaddr; only a 6-byte one is a MAC. */
    if (type == L3_DHCP_ACK && b[2] == LP_MAC_LEN) {
        memcpy(out->ack_yiaddr, b + 16, 4);
        memcpy(out->ack_chaddr, b + 28, LP_MAC_LEN);
        out->ack_lease = lease;
        out->flags |= LP_L3_DHCP_ACK;
    }
    return 0;

short_opt:
    memset(out->servers4, 0, sizeof(out->servers4));
    out->nservers4 = 0;
    return LP_ERR_SHORT;
}

/* l3_udp_len: the UDP datagram's length, checked against the IP payload
 * (plen bytes at u). Returns it, or a negative LP_ERR_*. */
static long l3_udp_len(const uint8_t *u, size_t plen)
{
    size_t ulen;

    if (plen < 8)
        return LP_ERR_SHORT;
    ulen = l3_be16(u + 4);
    if (ulen < 8 || ulen > plen)
        return LP_ERR_PROTO;
    return (long)ulen;
}

/* l3_ipv4: p/n is everything after the Ethernet header. */
static int l3_ipv4(struct lp_l3 *out, const uint8_t *p, size_t n)
{
    size_t ihl, total;
    const uint8_t *u;
    long ulen;

    if (n < 20)
        return LP_ERR_SHORT;
    if (p[0] >> 4 != 4)
        return LP_ERR_PROTO;
    ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < 20)
        return LP_ERR_PROTO;
    if (ihl > n)
        return LP_ERR_SHORT;
    total = l3_be16(p + 2);
    if (total < ihl)
        return LP_ERR_PROTO;
    if (total > n)
        return LP_ERR_SHORT;
    memcpy(out->ip4_src, p + 12, 4);
    out->flags |= LP_L3_IP4;
    /* A fragment (more-fragments flag or a non-zero offset) holds only
     * part of the datagram: no DHCP message is read from it. */
    if ((l3_be16(p + 6) & 0x3fff) != 0 || p[9] != L3_PROTO_UDP)
        return 0;
    u = p + ihl;
    ulen = l3_udp_len(u, total - ihl);
    if (ulen < 0)
        return (int)ulen;
    /* Servers and relay agents answer from port 67 (RFC 2131 section
     * 4.1), to the client's port 68 or a relay agent's 67. */
    if (l3_be16(u) != 67)
        return 0;
    return l3_dhcp4(out, u + 8, (size_t)ulen - 8);
}

/* l3_iaaddrs collects IAADDR options (RFC 8415 section 21.6) from the
 * options of one IA_NA or IA_TA in o/n. */
static int l3_iaaddrs(struct lp_l3 *out, const uint8_t *o, size_t n)
{
    size_t off = 0;

    while (off < n) {
        size_t olen;

        if (n - off < 4)
            return LP_ERR_SHORT;
        olen = l3_be16(o + off + 2);
        if (olen > n - off - 4)
            return LP_ERR_SHORT;
        if (l3_be16(o + off) == L3_DHCP6_OPT_IAADDR) {
            const uint8_t *d = o + off + 4;
            uint32_t valid;

            /* address, preferred and valid lifetime */
            if (olen < 24)
                return LP_ERR_SHORT;
            valid = l3_be32(d + 20);
            /* Lifetime 0: the server withdraws the address. */
            if (valid != 0 && out->nreply6 < LP_L3_MAX_ADDRS) {
                memcpy(out->reply6[out->nreply6], d, 16);
                out->reply6_valids[out->nreply6++] = valid;
                if (valid > out->reply6_valid)
                    out->reply6_valid = valid;
            }
        }
        off += 4 + olen;
    }
    return 0;
}

/* l3_dhcp6 reads a DHCPv6 message (b/n, the UDP payload from port 547 to
 * port 546): type, transaction id, then options (RFC 8415 section 21). */
static int l3_dhcp6(struct lp_l3 *out, const uint8_t *b, size_t n)
{
    size_t off = 4;
    int rv = 0;

    if (n < 4)
        return LP_ERR_SHORT;
    if (b[0] != L3_DHCP6_REPLY)
        return 0;
    while (off < n && rv == 0) {
        unsigned code;
        size_t olen;
        const uint8_t *d;

        if (n - off < 4) {
            rv = LP_ERR_SHORT;
            break;
        }
        code = l3_be16(b + off);
        olen = l3_be16(b + off + 2);
        if (olen > n - off - 4) {
            rv = LP_ERR_SHORT;
            break;
        }
        d = b + off + 4;
        /* IA_NA: IAID, T1, T2 (12 bytes); IA_TA: IAID (4); then options. */
        if (code == L3_DHCP6_OPT_IA_NA)
            rv = olen < 12 ? LP_ERR_SHORT : l3_iaaddrs(out, d + 12, olen - 12);
        else if (code == L3_DHCP6_OPT_IA_TA)
            rv = olen < 4 ? LP_ERR_SHORT : l3_iaaddrs(out, d + 4, olen - 4);
        off += 4 + olen;
    }
    if (rv != 0) {
        memset(out->reply6, 0, sizeof(out->reply6));
        memset(out->reply6_valids, 0, sizeof(out->reply6_valids));
        out->nreply6 = 0;
        out->reply6_valid = 0;
        return rv;
    }
    out->flags |= LP_L3_DHCP6_REPLY;
    return 0;
}

/* l3_ipv6: p/n is everything after the Ethernet header. The extension
 * header walk is the policy's (lp_policy.c). */
static int l3_ipv6(struct lp_l3 *out, const uint8_t *p, size_t n)
{
    size_t end, off = 40;
    unsigned nh, nexts = 0;

    if (n < 40)
        return LP_ERR_SHORT;
    if (p[0] >> 4 != 6)
        return LP_ERR_PROTO;
    end = 40 + (size_t)l3_be16(p + 4);
    if (end > n)
        return LP_ERR_SHORT;
    memcpy(out->ip6_src, p + 8, 16);
    out->flags |= LP_L3_IP6;
    nh = p[6];
    for (;;) {
        size_t hlen;

        switch (nh) {
        case L3_PROTO_HOPOPTS:
        case L3_PROTO_ROUTING:
        case L3_PROTO_DSTOPTS:
        case L3_PROTO_AH:
            if (++nexts > LP_POLICY_MAX_EXT_HDRS)
                return LP_ERR_PROTO;
            if (end - off < 2)
                return LP_ERR_SHORT;
            if (nh == L3_PROTO_AH)
                hlen = ((size_t)p[off + 1] + 2) * 4;
            else
                hlen = ((size_t)p[off + 1] + 1) * 8;
            if (hlen > end - off)
                return LP_ERR_SHORT;
            nh = p[off];
            off += hlen;
            break;
        case L3_PROTO_ICMPV6: {
            const uint8_t *m = p + off;
            size_t mlen = end - off;

            if (mlen < 4)
                return LP_ERR_SHORT;
            if (m[0] == L3_ICMPV6_RA) {
                /* RFC 4861 section 4.2: 16 bytes before the options. */
                if (mlen < 16)
                    return LP_ERR_SHORT;
                out->flags |= LP_L3_RA;
            } else if (m[0] == L3_ICMPV6_NA) {
                /* section 4.4: flags, then the target at offset 8. */
                if (mlen < 24)
                    return LP_ERR_SHORT;
                memcpy(out->na_target, m + 8, 16);
                out->flags |= LP_L3_NA;
            }
            return 0;
        }
        case L3_PROTO_UDP: {
            const uint8_t *u = p + off;
            long ulen = l3_udp_len(u, end - off);

            if (ulen < 0)
                return (int)ulen;
            if (l3_be16(u) != 547 || l3_be16(u + 2) != 546)
                return 0;
            return l3_dhcp6(out, u + 8, (size_t)ulen - 8);
        }
        default:
            /* A fragment, ESP, TCP, ...: nothing more to learn. */
            return 0;
        }
    }
}

/* l3_arp: p/n is everything after the Ethernet header (RFC 826). */
static int l3_arp(struct lp_l3 *out, const uint8_t *p, size_t n)
{
    if (n < 28)
        return LP_ERR_SHORT;
    if (p[4] != LP_MAC_LEN || p[5] != 4)
        return LP_ERR_PROTO;
    if (l3_be16(p + 2) != LP_ETHERTYPE_IPV4)
        return 0;
    memcpy(out->arp_spa, p + 14, 4);
    out->flags |= LP_L3_ARP;
    return 0;
}

int lp_l3_parse(struct lp_l3 *out, const uint8_t *frame, size_t len)
{
    struct lp_eth eth;
    int rv;

    memset(out, 0, sizeof(*out));
    rv = lp_eth_parse(&eth, frame, len);
    if (rv != 0)
        return rv;
    switch (eth.inner_ethertype) {
    case LP_ETHERTYPE_IPV4:
        return l3_ipv4(out, frame + eth.l3_off, len - eth.l3_off);
    case LP_ETHERTYPE_IPV6:
        return l3_ipv6(out, frame + eth.l3_off, len - eth.l3_off);
    case LP_ETHERTYPE_ARP:
        return l3_arp(out, frame + eth.l3_off, len - eth.l3_off);
    default:
        return 0;
    }
}

int lp_ip4_is_special(const uint8_t a[static 4])
{
    static const uint8_t zero[4], bcast[4] = {255, 255, 255, 255};

    return memcmp(a, zero, 4) == 0 || memcmp(a, bcast, 4) == 0 ||
           (a[0] & 0xf0) == 224 || a[0] == 127;
}

int lp_ip6_is_special(const uint8_t a[static 16])
{
    static const uint8_t zero[15];

    /* ff00::/8 multicast; :: and ::1 share fifteen zero bytes. */
    return a[0] == 0xff || (memcmp(a, zero, 15) == 0 && a[15] <= 1);
}
