#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"

int lp_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return LP_ERR_INVAL;
}

int lp_mac_parse(uint8_t out[static 6], const char *s)
{
    uint8_t mac[LP_MAC_LEN];

    if (s == NULL)
        return LP_ERR_INVAL;
    /* Reading stops at the first mismatch, so a short string never reads
     * past its NUL. */
    for (int i = 0; i < LP_MAC_LEN; i++) {
        const char *p = s + i * 3;
        int hi = lp_hex_digit(p[0]);
        if (hi < 0)
            return LP_ERR_INVAL;
        int lo = lp_hex_digit(p[1]);
        if (lo < 0)
            return LP_ERR_INVAL;
        if (i < LP_MAC_LEN - 1 && p[2] != ':')
            return LP_ERR_INVAL;
        if (i == LP_MAC_LEN - 1 && p[2] != '\0')
            return LP_ERR_INVAL;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out, mac, LP_MAC_LEN);
    return 0;
}

void lp_mac_format(char out[static LP_MAC_STRLEN], const uint8_t mac[static 6])
{
    static const char hex[] = "0123456789abcdef";

    for (int i = 0; i < LP_MAC_LEN; i++) {
        out[i * 3] = hex[mac[i] >> 4];
        out[i * 3 + 1] = hex[mac[i] & 0xf];
        out[i * 3 + 2] = i < LP_MAC_LEN - 1 ? ':' : '\0';
    }
}

uint64_t lp_mac_u64(const uint8_t mac[static 6])
{
    uint64_t v = 0;

    for (int i = 0; i < LP_MAC_LEN; i++)
        v = v << 8 | mac[i];
    return v;
}

int lp_mac_is_zero(const uint8_t *mac)
{
    return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

int lp_mac_is_broadcast(const uint8_t *mac)
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

int lp_mac_is_multicast(const uint8_t *mac)
{
    return (mac[0] & 0x01) != 0;
}

int lp_mac_is_local(const uint8_t *mac)
{
    return (mac[0] & 0x02) != 0;
}

int lp_mac_valid_client(const uint8_t *mac)
{
    return !lp_mac_is_multicast(mac) && lp_mac_is_local(mac) &&
           !lp_mac_is_zero(mac);
}

int lp_mac_valid_gateway(const uint8_t *mac)
{
    return !lp_mac_is_multicast(mac) && !lp_mac_is_zero(mac);
}

int lp_mac_is_link_local_group(const uint8_t *mac)
{
    return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 &&
           mac[3] == 0x00 && mac[4] == 0x00 && mac[5] <= 0x0f;
}

static int eth_is_tag(uint16_t type)
{
    return type == LP_ETHERTYPE_8021Q || type == LP_ETHERTYPE_8021AD ||
           type == LP_ETHERTYPE_QINQ;
}

int lp_eth_parse(struct lp_eth *out, const uint8_t *frame, size_t len)
{
    if (frame == NULL || len < 14)
        return LP_ERR_SHORT;
    out->dst = frame;
    out->src = frame + 6;
    out->ethertype = (uint16_t)(frame[12] << 8 | frame[13]);
    out->tagged = 0;
    out->inner_ethertype = out->ethertype;
    out->l3_off = 14;

    /* Each tag is 2 bytes of TCI followed by the next type: the type field
     * at l3_off - 2 names a tag, and the 4 tag bytes follow it. */
    while (eth_is_tag(out->inner_ethertype)) {
        if (out->tagged == LP_ETH_MAX_TAGS)
            return LP_ERR_RANGE;
        if (len - out->l3_off < 4)
            return LP_ERR_SHORT;
        const uint8_t *t = frame + out->l3_off;
        out->inner_ethertype = (uint16_t)(t[2] << 8 | t[3]);
        out->l3_off += 4;
        out->tagged++;
    }
    return 0;
}

void lp_mac_random_client(uint8_t out[static 6],
                          const uint8_t random_bytes[static 6])
{
    memcpy(out, random_bytes, LP_MAC_LEN);
    out[0] = (uint8_t)((out[0] & 0xfc) | 0x02);
}
