/*
 * lp_frag.h: fragmentation of Ethernet frames over QUIC DATAGRAMs
 * (protocol spec section 5, overlay flag FRAG = 0x01).
 *
 * A fragment datagram is the overlay header with FRAG set, a 4-byte
 * fragment header and the data:
 *
 *   offset 0  version (= 1)
 *   offset 1  flags = 0x01 (FRAG)
 *   offset 2  peer_id, big-endian
 *   offset 4  frame_id, big-endian (distinct among the sender's frames in
 *             flight)
 *   offset 6  index, 0 to count-1
 *   offset 7  count, 2 to 8
 *   offset 8  data: the frame's bytes from index * stride; every fragment
 *             but the last carries exactly stride (>= 64) bytes, the last
 *             1 to stride bytes
 *
 * Sending: lp_frag_plan decides whether a frame goes whole (count 1) or in
 * the fewest fragments that fit the budget; lp_frag_write writes piece i of
 * the plan into a caller buffer. The sender picks frame_ids from a 16-bit
 * counter per connection (docs/protocol.md).
 *
 * Receiving: lp_frag_decode checks a FRAG datagram on its own (header,
 * count, index, data sizes); struct lp_frag_rx reassembles the fragments of
 * ONE sender. It holds at most LP_FRAG_SLOTS incomplete frames, each in a
 * buffer of max_frame bytes allocated once by lp_frag_rx_init; feeding
 * never allocates. A slot is taken by the first fragment of a frame_id and
 * freed when the frame completes, when it is older than LP_FRAG_TIMEOUT
 * (frag_timeout), when a ninth frame needs a slot (the oldest is evicted,
 * frag_evicted), or when a fragment contradicts it (frag_malformed /
 * frag_overflow, and the slot is discarded with it).
 */
#ifndef LP_FRAG_H
#define LP_FRAG_H

#include "lp_counters.h"
#include "lp_overlay.h"
#include "lp_reason.h"
#include "lp_types.h"

enum {
    LP_FRAG_HDR_LEN = 4,     /* frame_id, index, count */
    LP_FRAG_OVERHEAD = 8,    /* overlay header + fragment header */
    LP_FRAG_MAX_COUNT = 8,   /* fragments per frame */
    LP_FRAG_MIN_STRIDE = 64, /* data bytes of every non-last fragment */
    LP_FRAG_SLOTS = 8,       /* incomplete frames per sender */
    LP_FRAG_MIN_BUDGET = LP_FRAG_OVERHEAD + LP_FRAG_MIN_STRIDE /* 72 */
};

/* LP_FRAG_TIMEOUT: an incomplete frame is forgotten this long after its
 * first fragment arrived. */
#define LP_FRAG_TIMEOUT (100 * LP_MILLISECONDS)

/*
 * How a frame is sent. count 1: one whole datagram (overlay header +
 * frame). count 2..8: fragments 0..count-2 carry stride data bytes, the
 * last framelen - (count-1) * stride (1 to stride).
 */
struct lp_frag_plan {
    size_t framelen;
    size_t stride; /* framelen when count is 1 */
    unsigned count;
};

/*
 * lp_frag_plan decides how to send a frame of framelen bytes in datagrams
 * of at most budget bytes. A frame that fits whole (framelen + 4 <= budget)
 * gets count 1. Otherwise it gets the fewest fragments that fit, each
 * fragment as large as the budget allows (stride = budget - 8), so that
 * fragment 0 holds as many of the frame's headers as possible. Budgets
 * above 65535 count as 65535. Returns 0, or:
 *   LP_ERR_INVAL  framelen < 14 (or p is NULL)
 *   LP_ERR_RANGE  the frame does not fit: the budget is below 72 bytes
 *                 (stride < 64) or the frame needs more than 8 fragments
 */
int lp_frag_plan(struct lp_frag_plan *p, size_t framelen, size_t budget);

/*
 * lp_frag_piece_len returns the datagram length of piece index of plan p
 * (overlay header, fragment header if count > 1, data), or 0 when index is
 * out of range.
 */
size_t lp_frag_piece_len(const struct lp_frag_plan *p, unsigned index);

/*
 * lp_frag_write writes piece index of plan p into dest: with count 1 the
 * whole datagram (FRAG clear), otherwise fragment index of frame_id. frame
 * is the p->framelen bytes the plan was made for; dest must not overlap
 * it. Returns the bytes written (lp_frag_piece_len), or:
 *   LP_ERR_INVAL  frame or p is NULL, or p is not a valid plan
 *   LP_ERR_RANGE  index >= p->count, or destlen is too small
 */
ssize_t lp_frag_write(uint8_t *dest, size_t destlen,
                      const struct lp_frag_plan *p, unsigned index,
                      uint16_t peer_id, uint16_t frame_id,
                      const uint8_t *frame);

/* A decoded fragment. data borrows from the decoded datagram. */
struct lp_frag {
    uint16_t peer_id;
    uint16_t frame_id;
    uint8_t index;
    uint8_t count;
    const uint8_t *data;
    size_t len;
};

/*
 * lp_frag_decode parses a datagram whose overlay flags are FRAG into *out
 * (out->data points into dgram). Like lp_overlay_decode it does not check
 * peer_id. Every failure makes the datagram malformed (spec section 5).
 * Returns 0, or:
 *   LP_ERR_SHORT   len < 9 (no data byte)
 *   LP_ERR_VERSION version != 1
 *   LP_ERR_FLAGS   flags other than exactly FRAG
 *   LP_ERR_RANGE   the datagram is longer than 65535 bytes
 *   LP_ERR_PROTO   count < 2 or > 8, index >= count, or a non-last
 *                  fragment with fewer than 64 data bytes
 */
int lp_frag_decode(struct lp_frag *out, const uint8_t *dgram, size_t len);

/* One incomplete frame of struct lp_frag_rx. Internal. */
struct lp_frag_slot {
    uint8_t *buf;    /* max_frame bytes inside rx->mem */
    lp_tstamp first; /* when its first fragment arrived */
    uint64_t seq;    /* order of arrival, for eviction */
    size_t stride;   /* 0 until a non-last fragment arrived */
    size_t last_len; /* 0 until the last fragment arrived */
    uint16_t frame_id;
    uint8_t count; /* 0: the slot is free */
    uint8_t have;  /* bit i: fragment i arrived */
};

/* The reassembler of one sender. Fields are internal. */
struct lp_frag_rx {
    size_t max_frame;
    uint8_t *mem; /* LP_FRAG_SLOTS * max_frame bytes, owned */
    uint64_t seq;
    struct lp_frag_slot slot[LP_FRAG_SLOTS];
};

/*
 * lp_frag_rx_init prepares rx for frames of at most max_frame bytes (the
 * room's effective_mtu + 14) with one allocation; the caller owns rx's
 * storage and releases the buffers with lp_frag_rx_free. Returns 0, or:
 *   LP_ERR_INVAL  max_frame < 14 or > 65535 - 4
 *   LP_ERR_NOMEM  the allocation failed (rx is then empty and may be freed)
 */
int lp_frag_rx_init(struct lp_frag_rx *rx, size_t max_frame);

/* lp_frag_rx_free releases rx's buffers (NULL and a freed rx are fine). */
void lp_frag_rx_free(struct lp_frag_rx *rx);

/* lp_frag_rx_reset forgets every incomplete frame without counting them
 * (e.g. when the sender leaves or is replaced). */
void lp_frag_rx_reset(struct lp_frag_rx *rx);

/* lp_frag_rx_pending returns the number of incomplete frames held. */
unsigned lp_frag_rx_pending(const struct lp_frag_rx *rx);

/*
 * lp_frag_rx_expire forgets every incomplete frame whose first fragment
 * arrived LP_FRAG_TIMEOUT or longer before now, and returns how many it
 * forgot (the caller counts each as frag_timeout).
 */
unsigned lp_frag_rx_expire(struct lp_frag_rx *rx, lp_tstamp now);

/*
 * lp_frag_rx_next_expiry returns when lp_frag_rx_expire next has work (the
 * oldest incomplete frame's first arrival + LP_FRAG_TIMEOUT), or UINT64_MAX
 * when nothing is pending.
 */
lp_tstamp lp_frag_rx_next_expiry(const struct lp_frag_rx *rx);

enum lp_frag_status {
    LP_FRAG_INCOMPLETE = 0, /* accepted; the frame is still incomplete */
    LP_FRAG_COMPLETE = 1,   /* accepted; res->frame is the whole frame */
    LP_FRAG_DUPLICATE = 2,  /* the same bytes as a fragment already held:
                               ignored, not a drop */
    LP_FRAG_DROPPED = 3     /* dropped for res->reason */
};

/* What one lp_frag_rx_feed call did. */
struct lp_frag_result {
    enum lp_frag_status status;
    /* LP_FRAG_DROPPED: LP_REASON_FRAG_MALFORMED or LP_REASON_FRAG_OVERFLOW
     * (both malformed datagrams in the spec's sense); else NONE. */
    enum lp_reason reason;
    /* LP_FRAG_COMPLETE: the reassembled frame, inside rx, valid until the
     * next call on rx; else NULL and 0. */
    const uint8_t *frame;
    size_t framelen;
    unsigned expired; /* frames forgotten by the lazy expiry (frag_timeout) */
    unsigned evicted; /* frames evicted to make room (frag_evicted), 0/1 */
};

/*
 * lp_frag_rx_feed adds the decoded fragment f (from lp_frag_decode) that
 * arrived at now. It first expires old frames as lp_frag_rx_expire does.
 * A fragment of an unknown frame_id takes a free slot, or evicts the oldest
 * incomplete frame when all LP_FRAG_SLOTS are taken; the new fragment is
 * still accepted. A fragment is dropped, and the incomplete frame of its
 * frame_id (if any) discarded, when:
 *   frag_overflow   its data would end beyond max_frame, or the frame it
 *                   announces (count, stride, last length) cannot fit in
 *                   max_frame
 *   frag_malformed  it contradicts what arrived for its frame_id: another
 *                   count, a non-last fragment whose length is not the
 *                   stride, a last fragment longer than the stride or of
 *                   another length, the same index with other bytes
 * The caller counts res->expired, res->evicted and res->reason
 * (lp_frag_result_count). Returns res->status.
 */
enum lp_frag_status lp_frag_rx_feed(struct lp_frag_rx *rx,
                                    const struct lp_frag *f, lp_tstamp now,
                                    struct lp_frag_result *res);

/* lp_frag_result_count adds res's timeouts, evictions and drop to c. */
void lp_frag_result_count(const struct lp_frag_result *res,
                          struct lp_counters *c);

#endif /* LP_FRAG_H */
