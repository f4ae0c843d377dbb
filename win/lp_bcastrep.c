/* lp_bcastrep: copies of limited broadcasts; see lp_bcastrep.h. */
#include "lp_bcastrep.h"

#include <string.h>

#include "lp_err.h"
#include "lp_gso.h" /* the Internet checksum */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

int lp_bcastrep_rewrite(const uint8_t *pkt, size_t len, uint32_t tap_addr,
                        uint32_t tap_bcast, uint8_t *out, size_t outcap)
{
    static const uint8_t all_ones[4] = {255, 255, 255, 255};
    size_t ihl, tl, ulen;
    uint8_t *udp;
    uint16_t sport, dport, ck;
    uint32_t acc;

    if (len < 20 || (pkt[0] >> 4) != 4)
        return LP_ERR_INVAL;
    ihl = (size_t)(pkt[0] & 0x0f) * 4;
    tl = get16(pkt + 2);
    if (ihl < 20 || tl < ihl || tl > len)
        return LP_ERR_INVAL;
    if (pkt[9] != 17 || memcmp(pkt + 16, all_ones, 4) != 0)
        return 0; /* not UDP, not a limited broadcast */
    if ((get16(pkt + 6) & 0x3fff) != 0)
        return 0; /* a fragment: only whole datagrams are copied */
    if (memcmp(pkt + 12, &tap_addr, 4) == 0 ||
        (pkt[12] | pkt[13] | pkt[14] | pkt[15]) == 0)
        return 0; /* the TAP's own, or an unconfigured (DHCP) sender */
    if (tl < ihl + 8)
        return LP_ERR_INVAL;
    sport = get16(pkt + ihl);
    dport = get16(pkt + ihl + 2);
    ulen = get16(pkt + ihl + 4);
    if (ulen < 8 || ihl + ulen > tl)
        return LP_ERR_INVAL;
    if (sport == 67 || sport == 68 || dport == 67 || dport == 68)
        return 0;
    if (tl > outcap)
        return LP_ERR_INVAL;
    memcpy(out, pkt, tl);
    memcpy(out + 12, &tap_addr, 4);
    memcpy(out + 16, &tap_bcast, 4);
    put16(out + 10, 0);
    put16(out + 10, lp_csum_fold(lp_csum_add(0, out, ihl)));
    udp = out + ihl;
    if (get16(udp + 6) != 0) { /* 0: the sender sent no checksum */
        put16(udp + 6, 0);
        acc = lp_csum_add(0, out + 12, 8); /* pseudo header: addresses */
        acc += 17 + (uint32_t)ulen;
        ck = lp_csum_fold(lp_csum_add(acc, udp, ulen));
        put16(udp + 6, ck == 0 ? 0xffff : ck);
    }
    return (int)tl;
}
