/* lp_gso: checksum completion and GSO splitting; see lp_gso.h. */
#include "lp_gso.h"

#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"

#define GSO_SCRATCH 65536

void lp_vnet_hdr_decode(struct lp_vnet_hdr *h, const uint8_t *p)
{
    h->flags = p[0];
    h->gso_type = p[1];
    memcpy(&h->hdr_len, p + 2, 2);
    memcpy(&h->gso_size, p + 4, 2);
    memcpy(&h->csum_start, p + 6, 2);
    memcpy(&h->csum_offset, p + 8, 2);
}

uint32_t lp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    while (len >= 2) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t lp_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The L4 checksum over a pseudo header (RFC 793, RFC 8200 8.1). */
static void l4_csum(uint8_t *f, size_t l3, size_t l4, size_t end, int v6,
                    uint8_t proto, size_t csum_at)
{
    uint32_t sum = 0;
    uint16_t c;
    size_t l4len = end - l4;

    wr16(f + csum_at, 0);
    if (v6)
        sum = lp_csum_add(sum, f + l3 + 8, 32);
    else
        sum = lp_csum_add(sum, f + l3 + 12, 8);
    sum += proto;
    sum += (uint32_t)l4len;
    sum = lp_csum_add(sum, f + l4, l4len);
    c = lp_csum_fold(sum);
    if (c == 0 && proto == 17)
        c = 0xffff; /* UDP: 0 means "no checksum" */
    wr16(f + csum_at, c);
}

static void ip4_csum(uint8_t *f, size_t l3, size_t ihl)
{
    wr16(f + l3 + 10, 0);
    wr16(f + l3 + 10, lp_csum_fold(lp_csum_add(0, f + l3, ihl)));
}

int lp_gso_split(const struct lp_vnet_hdr *h, const uint8_t *frame, size_t len,
                 uint8_t *scratch, lp_gso_emit_fn emit, void *arg)
{
    struct lp_eth eth;
    size_t l3, l4, hlen, ihl = 0, mss, off, payload;
    int v6, tcp, n = 0;
    uint8_t proto;
    uint16_t ip_id = 0;
    uint32_t seq = 0;
    uint8_t type = h->gso_type & (uint8_t)~LP_VNET_GSO_ECN;

    if (len > GSO_SCRATCH)
        return LP_ERR_PROTO;
    if (type == LP_VNET_GSO_NONE) {
        size_t at = (size_t)h->csum_start + h->csum_offset;
        if (!(h->flags & LP_VNET_F_NEEDS_CSUM)) {
            emit(arg, frame, len);
            return 1;
        }
        /* CHECKSUM_PARTIAL: the field holds the pseudo-header sum; the
         * sum from csum_start to the end, folded, finishes it. */
        if (h->csum_start >= len || at + 2 > len)
            return LP_ERR_PROTO;
        memcpy(scratch, frame, len);
        wr16(scratch + at, lp_csum_fold(lp_csum_add(0, scratch + h->csum_start,
                                                    len - h->csum_start)));
        if (rd16(scratch + at) == 0 && h->csum_offset == 6)
            wr16(scratch + at, 0xffff); /* a UDP checksum of 0 is "none" */
        emit(arg, scratch, len);
        return 1;
    }
    if (type != LP_VNET_GSO_TCPV4 && type != LP_VNET_GSO_TCPV6 &&
        type != LP_VNET_GSO_UDP_L4)
        return LP_ERR_PROTO; /* UFO would need IP fragmentation: refuse */
    if (lp_eth_parse(&eth, frame, len) != 0)
        return LP_ERR_PROTO;
    l3 = eth.l3_off;
    if (eth.inner_ethertype == 0x0800) {
        v6 = 0;
        if (l3 + 20 > len || (frame[l3] >> 4) != 4)
            return LP_ERR_PROTO;
        ihl = (size_t)(frame[l3] & 15) * 4;
        if (ihl < 20 || l3 + ihl > len)
            return LP_ERR_PROTO;
        proto = frame[l3 + 9];
        l4 = l3 + ihl;
        ip_id = rd16(frame + l3 + 4);
    } else if (eth.inner_ethertype == 0x86dd) {
        v6 = 1;
        if (l3 + 40 > len || (frame[l3] >> 4) != 6)
            return LP_ERR_PROTO;
        proto = frame[l3 + 6]; /* no extension headers in GSO packets */
        l4 = l3 + 40;
    } else {
        return LP_ERR_PROTO;
    }
    tcp = type != LP_VNET_GSO_UDP_L4;
    if ((tcp && proto != 6) || (!tcp && proto != 17))
        return LP_ERR_PROTO;
    if (tcp) {
        if (l4 + 20 > len)
            return LP_ERR_PROTO;
        hlen = l4 + (size_t)(frame[l4 + 12] >> 4) * 4;
        if (hlen < l4 + 20 || hlen > len)
            return LP_ERR_PROTO;
        seq = (uint32_t)frame[l4 + 4] << 24 | (uint32_t)frame[l4 + 5] << 16 |
              (uint32_t)frame[l4 + 6] << 8 | frame[l4 + 7];
    } else {
        hlen = l4 + 8;
        if (hlen > len)
            return LP_ERR_PROTO;
    }
    mss = h->gso_size;
    if (mss == 0 || hlen + mss > GSO_SCRATCH)
        return LP_ERR_PROTO;
    payload = len - hlen;
    for (off = 0; off < payload || (payload == 0 && n == 0); off += mss) {
        size_t chunk = payload - off < mss ? payload - off : mss;
        size_t flen = hlen + chunk;
        int last = off + chunk >= payload;

        memcpy(scratch, frame, hlen);
        memcpy(scratch + hlen, frame + hlen + off, chunk);
        if (v6) {
            wr16(scratch + l3 + 4, (uint16_t)(flen - l4));
        } else {
            wr16(scratch + l3 + 2, (uint16_t)(flen - l3));
            wr16(scratch + l3 + 4, (uint16_t)(ip_id + n));
            ip4_csum(scratch, l3, ihl);
        }
        if (tcp) {
            uint32_t s = seq + (uint32_t)off;
            scratch[l4 + 4] = (uint8_t)(s >> 24);
            scratch[l4 + 5] = (uint8_t)(s >> 16);
            scratch[l4 + 6] = (uint8_t)(s >> 8);
            scratch[l4 + 7] = (uint8_t)s;
            if (!last)
                scratch[l4 + 13] &= (uint8_t)~0x09; /* FIN, PSH */
            if (n > 0)
                scratch[l4 + 13] &= (uint8_t)~0x80; /* CWR */
            l4_csum(scratch, l3, l4, flen, v6, 6, l4 + 16);
        } else {
            wr16(scratch + l4 + 4, (uint16_t)(flen - l4));
            l4_csum(scratch, l3, l4, flen, v6, 17, l4 + 6);
        }
        emit(arg, scratch, flen);
        n++;
        if (payload == 0)
            break;
    }
    return n;
}
