#include <string.h>

#include "lp_err.h"
#include "lp_overlay.h"

int lp_overlay_decode(struct lp_overlay *out, const uint8_t *dgram, size_t len)
{
    if (dgram == NULL || len < LP_OVERLAY_HDR_LEN)
        return LP_ERR_SHORT;
    if (dgram[0] != LP_OVERLAY_VERSION)
        return LP_ERR_VERSION;
    if (dgram[1] != 0)
        return LP_ERR_FLAGS;
    if (len < LP_OVERLAY_OVERHEAD || len > LP_OVERLAY_MAX_DATAGRAM)
        return LP_ERR_RANGE;
    out->version = dgram[0];
    out->flags = dgram[1];
    out->peer_id = (uint16_t)((dgram[2] << 8) | dgram[3]);
    out->frame = dgram + LP_OVERLAY_HDR_LEN;
    out->framelen = len - LP_OVERLAY_HDR_LEN;
    return 0;
}

int lp_overlay_kind(const uint8_t *dgram, size_t len)
{
    if (dgram == NULL || len < LP_OVERLAY_HDR_LEN)
        return LP_ERR_SHORT;
    if (dgram[0] != LP_OVERLAY_VERSION)
        return LP_ERR_VERSION;
    if ((dgram[1] & ~LP_OVERLAY_FLAG_FRAG) != 0)
        return LP_ERR_FLAGS;
    return dgram[1] == LP_OVERLAY_FLAG_FRAG ? LP_OVERLAY_FRAG
                                            : LP_OVERLAY_WHOLE;
}

void lp_overlay_write_hdr(uint8_t dest[static LP_OVERLAY_HDR_LEN],
                          uint16_t peer_id)
{
    dest[0] = LP_OVERLAY_VERSION;
    dest[1] = 0;
    dest[2] = (uint8_t)(peer_id >> 8);
    dest[3] = (uint8_t)(peer_id & 0xff);
}

ssize_t lp_overlay_encode(uint8_t *dest, size_t destlen, uint16_t peer_id,
                          const uint8_t *frame, size_t framelen)
{
    if (frame == NULL || framelen < LP_ETH_HDR_LEN)
        return LP_ERR_INVAL;
    if (framelen > LP_OVERLAY_MAX_DATAGRAM - LP_OVERLAY_HDR_LEN)
        return LP_ERR_RANGE;
    if (dest == NULL || destlen < framelen + LP_OVERLAY_HDR_LEN)
        return LP_ERR_RANGE;
    lp_overlay_write_hdr(dest, peer_id);
    memmove(dest + LP_OVERLAY_HDR_LEN, frame, framelen);
    return (ssize_t)(framelen + LP_OVERLAY_HDR_LEN);
}

size_t lp_budget_max_frame(size_t budget)
{
    return budget < LP_OVERLAY_HDR_LEN ? 0 : budget - LP_OVERLAY_HDR_LEN;
}

size_t lp_budget_to_mtu(size_t budget)
{
    return budget < LP_OVERLAY_OVERHEAD ? 0 : budget - LP_OVERLAY_OVERHEAD;
}

size_t lp_mtu_to_budget(size_t mtu)
{
    return mtu + LP_OVERLAY_OVERHEAD;
}

int lp_frame_fits_budget(size_t framelen, size_t budget)
{
    return framelen <= budget && budget - framelen >= LP_OVERLAY_HDR_LEN;
}
