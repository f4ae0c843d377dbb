/*
 * lp_overlay.h: the 4-byte overlay header in front of every Ethernet frame
 * carried in a QUIC DATAGRAM (protocol spec section 5), and the helpers
 * that convert between datagram budgets and TAP MTUs.
 *
 *   offset 0  version (= 1)
 *   offset 1  flags: 0x01 = FRAG, every other bit reserved (must be 0)
 *   offset 2  peer_id, big-endian (0 from an endpoint)
 *   offset 4  the Ethernet frame, at least 14 bytes (FRAG clear), or a
 *             fragment header and fragment data (FRAG set, lp_frag.h)
 *
 * lp_overlay_decode accepts only whole frames (FRAG clear); callers that
 * negotiated "frag" ask lp_overlay_kind first and hand FRAG datagrams to
 * lp_frag_decode.
 */
#ifndef LP_OVERLAY_H
#define LP_OVERLAY_H

#include "lp_types.h"

#define LP_OVERLAY_VERSION      1
#define LP_OVERLAY_HDR_LEN      4
#define LP_ETH_HDR_LEN          14
#define LP_OVERLAY_OVERHEAD     18 /* 4 overlay + 14 Ethernet */
#define LP_OVERLAY_MAX_DATAGRAM 65535
#define LP_OVERLAY_FLAG_FRAG    0x01 /* a fragment header follows */

/* A decoded datagram. frame borrows from the decoded buffer. */
struct lp_overlay {
    uint8_t version;
    uint8_t flags;
    uint16_t peer_id;
    const uint8_t *frame;
    size_t framelen;
};

/*
 * lp_overlay_decode parses the datagram dgram of len bytes into *out.
 * out->frame points into dgram. It does not check peer_id (only the relay
 * knows whether 0 is required). Returns 0, or:
 *   LP_ERR_SHORT   len < 4
 *   LP_ERR_VERSION version != 1
 *   LP_ERR_FLAGS   a reserved flag is set
 *   LP_ERR_RANGE   the frame is shorter than 14 bytes, or the datagram is
 *                  longer than 65535 bytes
 */
int lp_overlay_decode(struct lp_overlay *out, const uint8_t *dgram, size_t len);

/* The two kinds of datagram lp_overlay_kind tells apart. */
enum lp_overlay_kind {
    LP_OVERLAY_WHOLE = 0, /* FRAG clear: lp_overlay_decode */
    LP_OVERLAY_FRAG = 1   /* FRAG set: lp_frag_decode */
};

/*
 * lp_overlay_kind looks at the first two bytes of the datagram dgram of len
 * bytes only: it does not check the rest (each decoder does). Returns
 * LP_OVERLAY_WHOLE or LP_OVERLAY_FRAG, or:
 *   LP_ERR_SHORT   len < 4
 *   LP_ERR_VERSION version != 1
 *   LP_ERR_FLAGS   a reserved flag (any bit but 0x01) is set
 */
int lp_overlay_kind(const uint8_t *dgram, size_t len);

/* lp_overlay_write_hdr writes a version-1 header with flags 0. */
void lp_overlay_write_hdr(uint8_t dest[static LP_OVERLAY_HDR_LEN],
                          uint16_t peer_id);

/*
 * lp_overlay_encode writes header and frame into dest. Returns the number
 * of bytes written (framelen + 4), or:
 *   LP_ERR_INVAL  frame is NULL or shorter than 14 bytes
 *   LP_ERR_RANGE  destlen too small, or the datagram would exceed 65535
 */
ssize_t lp_overlay_encode(uint8_t *dest, size_t destlen, uint16_t peer_id,
                          const uint8_t *frame, size_t framelen);

/* lp_budget_max_frame: largest frame a budget carries (budget - 4, or 0). */
size_t lp_budget_max_frame(size_t budget);

/* lp_budget_to_mtu: the TAP MTU a budget carries (budget - 18, or 0). */
size_t lp_budget_to_mtu(size_t budget);

/* lp_mtu_to_budget: the datagram size an MTU needs (mtu + 18). */
size_t lp_mtu_to_budget(size_t mtu);

/* lp_frame_fits_budget returns 1 if framelen + 4 <= budget, else 0. */
int lp_frame_fits_budget(size_t framelen, size_t budget);

#endif /* LP_OVERLAY_H */
