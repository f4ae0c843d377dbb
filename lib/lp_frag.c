/*
 * lp_frag.c: splitting frames into fragments and reassembling them (spec
 * section 5).
 *
 * Reassembly state of one slot (one frame_id of one sender):
 *
 *   free            count == 0
 *   stride unknown  only the last fragment arrived: its last_len bytes are
 *                   parked at the end of the buffer (buf + max_frame -
 *                   last_len), because their offset (count-1) * stride is
 *                   not known yet
 *   stride known    a non-last fragment arrived; every fragment i sits at
 *                   buf + i * stride (the parked last fragment is moved
 *                   there when the stride becomes known)
 *   complete        every bit of have is set: the frame is buf, (count-1) *
 *                   stride + last_len bytes; the slot is freed at once and
 *                   its buffer stays untouched until the next call
 *
 * Every check that a fragment can fail is made before the fragment's bytes
 * are copied, so a dropped fragment never changes a slot it does not
 * discard.
 */
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_frag.h"

/* The largest datagram payload and the largest stride the format allows. */
#define FRAG_MAX_STRIDE (LP_OVERLAY_MAX_DATAGRAM - LP_FRAG_OVERHEAD)

int lp_frag_plan(struct lp_frag_plan *p, size_t framelen, size_t budget)
{
    size_t stride, count;

    if (p == NULL || framelen < LP_ETH_HDR_LEN)
        return LP_ERR_INVAL;
    if (budget > LP_OVERLAY_MAX_DATAGRAM)
        budget = LP_OVERLAY_MAX_DATAGRAM;
    if (lp_frame_fits_budget(framelen, budget)) {
        p->framelen = framelen;
        p->stride = framelen;
        p->count = 1;
        return 0;
    }
    if (budget < LP_FRAG_MIN_BUDGET)
        return LP_ERR_RANGE;
    /* The largest stride gives the fewest fragments and the largest
     * fragment 0 (the headers the safety policy reads). Since framelen >
     * stride, count >= 2, and (count-1) * stride < framelen leaves the last
     * fragment 1 to stride bytes. */
    stride = budget - LP_FRAG_OVERHEAD;
    count = framelen / stride + (framelen % stride != 0);
    if (count > LP_FRAG_MAX_COUNT)
        return LP_ERR_RANGE;
    p->framelen = framelen;
    p->stride = stride;
    p->count = (unsigned)count;
    return 0;
}

/* plan_valid: p could have come from lp_frag_plan. */
static int plan_valid(const struct lp_frag_plan *p)
{
    if (p == NULL || p->framelen < LP_ETH_HDR_LEN)
        return 0;
    if (p->count == 1)
        return p->stride == p->framelen &&
               p->framelen <= LP_OVERLAY_MAX_DATAGRAM - LP_OVERLAY_HDR_LEN;
    return p->count >= 2 && p->count <= LP_FRAG_MAX_COUNT &&
           p->stride >= LP_FRAG_MIN_STRIDE && p->stride <= FRAG_MAX_STRIDE &&
           (p->count - 1) * p->stride < p->framelen &&
           p->framelen <= p->count * p->stride;
}

size_t lp_frag_piece_len(const struct lp_frag_plan *p, unsigned index)
{
    if (!plan_valid(p) || index >= p->count)
        return 0;
    if (p->count == 1)
        return LP_OVERLAY_HDR_LEN + p->framelen;
    if (index + 1 < p->count)
        return LP_FRAG_OVERHEAD + p->stride;
    return LP_FRAG_OVERHEAD + p->framelen - (p->count - 1) * p->stride;
}

ssize_t lp_frag_write(uint8_t *dest, size_t destlen,
                      const struct lp_frag_plan *p, unsigned index,
                      uint16_t peer_id, uint16_t frame_id, const uint8_t *frame)
{
    size_t n;

    if (frame == NULL || !plan_valid(p))
        return LP_ERR_INVAL;
    if (index >= p->count)
        return LP_ERR_RANGE;
    n = lp_frag_piece_len(p, index);
    if (dest == NULL || destlen < n)
        return LP_ERR_RANGE;
    if (p->count == 1)
        return lp_overlay_encode(dest, destlen, peer_id, frame, p->framelen);
    lp_overlay_write_hdr(dest, peer_id);
    dest[1] = LP_OVERLAY_FLAG_FRAG;
    dest[4] = (uint8_t)(frame_id >> 8);
    dest[5] = (uint8_t)(frame_id & 0xff);
    dest[6] = (uint8_t)index;
    dest[7] = (uint8_t)p->count;
    memcpy(dest + LP_FRAG_OVERHEAD, frame + (size_t)index * p->stride,
           n - LP_FRAG_OVERHEAD);
    return (ssize_t)n;
}

int lp_frag_decode(struct lp_frag *out, const uint8_t *dgram, size_t len)
{
    uint8_t index, count;
    size_t dlen;

    if (dgram == NULL || len < LP_FRAG_OVERHEAD + 1)
        return LP_ERR_SHORT;
    if (dgram[0] != LP_OVERLAY_VERSION)
        return LP_ERR_VERSION;
    if (dgram[1] != LP_OVERLAY_FLAG_FRAG)
        return LP_ERR_FLAGS;
    if (len > LP_OVERLAY_MAX_DATAGRAM)
        return LP_ERR_RANGE;
    index = dgram[6];
    count = dgram[7];
    dlen = len - LP_FRAG_OVERHEAD;
    if (count < 2 || count > LP_FRAG_MAX_COUNT || index >= count)
        return LP_ERR_PROTO;
    if (index + 1 < count && dlen < LP_FRAG_MIN_STRIDE)
        return LP_ERR_PROTO;
    out->peer_id = (uint16_t)((dgram[2] << 8) | dgram[3]);
    out->frame_id = (uint16_t)((dgram[4] << 8) | dgram[5]);
    out->index = index;
    out->count = count;
    out->data = dgram + LP_FRAG_OVERHEAD;
    out->len = dlen;
    return 0;
}

int lp_frag_rx_init(struct lp_frag_rx *rx, size_t max_frame)
{
    memset(rx, 0, sizeof(*rx));
    if (max_frame < LP_ETH_HDR_LEN ||
        max_frame > LP_OVERLAY_MAX_DATAGRAM - LP_OVERLAY_HDR_LEN)
        return LP_ERR_INVAL;
    rx->mem = malloc(LP_FRAG_SLOTS * max_frame);
    if (rx->mem == NULL)
        return LP_ERR_NOMEM;
    rx->max_frame = max_frame;
    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++)
        rx->slot[i].buf = rx->mem + (size_t)i * max_frame;
    return 0;
}

void lp_frag_rx_free(struct lp_frag_rx *rx)
{
    if (rx == NULL)
        return;
    free(rx->mem);
    memset(rx, 0, sizeof(*rx));
}

void lp_frag_rx_reset(struct lp_frag_rx *rx)
{
    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++)
        rx->slot[i].count = 0;
}

unsigned lp_frag_rx_pending(const struct lp_frag_rx *rx)
{
    unsigned n = 0;

    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++)
        n += rx->slot[i].count != 0;
    return n;
}

/* slot_expired: s is held and its first fragment is at least
 * LP_FRAG_TIMEOUT old (a clock that went back counts as age 0). */
static int slot_expired(const struct lp_frag_slot *s, lp_tstamp now)
{
    return s->count != 0 && now >= s->first &&
           now - s->first >= LP_FRAG_TIMEOUT;
}

unsigned lp_frag_rx_expire(struct lp_frag_rx *rx, lp_tstamp now)
{
    unsigned n = 0;

    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++) {
        if (slot_expired(&rx->slot[i], now)) {
            rx->slot[i].count = 0;
            n++;
        }
    }
    return n;
}

lp_tstamp lp_frag_rx_next_expiry(const struct lp_frag_rx *rx)
{
    lp_tstamp t = UINT64_MAX;

    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++) {
        const struct lp_frag_slot *s = &rx->slot[i];
        if (s->count != 0 && s->first + LP_FRAG_TIMEOUT < t)
            t = s->first + LP_FRAG_TIMEOUT;
    }
    return t;
}

/* frag_min_end: the smallest end offset of the frame that f belongs to,
 * given f alone. A non-last fragment fixes the stride; a last one only
 * says the stride is at least max(64, its length). */
static size_t frag_min_end(const struct lp_frag *f)
{
    size_t stride;

    if (f->index + 1 < f->count)
        return (size_t)(f->count - 1) * f->len + 1;
    stride = f->len > LP_FRAG_MIN_STRIDE ? f->len : LP_FRAG_MIN_STRIDE;
    return (size_t)(f->count - 1) * stride + f->len;
}

/* slot_find: the held slot of frame_id, or NULL. */
static struct lp_frag_slot *slot_find(struct lp_frag_rx *rx, uint16_t frame_id)
{
    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++) {
        if (rx->slot[i].count != 0 && rx->slot[i].frame_id == frame_id)
            return &rx->slot[i];
    }
    return NULL;
}

/* slot_take: a free slot, or the oldest held one (*evicted set to 1). */
static struct lp_frag_slot *slot_take(struct lp_frag_rx *rx, unsigned *evicted)
{
    struct lp_frag_slot *oldest = NULL;

    for (unsigned i = 0; i < LP_FRAG_SLOTS; i++) {
        struct lp_frag_slot *s = &rx->slot[i];
        if (s->count == 0)
            return s;
        if (oldest == NULL || s->seq < oldest->seq)
            oldest = s;
    }
    *evicted = 1;
    return oldest;
}

/*
 * slot_check decides whether f fits slot s (held, same frame_id): 0 (new
 * data), LP_FRAG_DUPLICATE (same index, same bytes), or the drop reason.
 */
static int slot_check(const struct lp_frag_rx *rx, const struct lp_frag_slot *s,
                      const struct lp_frag *f, enum lp_reason *reason)
{
    int last = f->index + 1 == f->count;
    size_t stride = s->stride;
    const uint8_t *held;

    *reason = LP_REASON_FRAG_MALFORMED;
    if (f->count != s->count)
        return -1;
    if (last) {
        if (s->last_len != 0 && f->len != s->last_len)
            return -1;
        if (stride != 0 && f->len > stride)
            return -1;
        if (stride != 0 &&
            (size_t)(s->count - 1) * stride + f->len > rx->max_frame) {
            *reason = LP_REASON_FRAG_OVERFLOW;
            return -1;
        }
    } else if (stride != 0) {
        if (f->len != stride)
            return -1;
    } else {
        /* The first non-last fragment fixes the stride: the last fragment
         * already held must fit it, and so must the whole frame. */
        if (f->len < s->last_len)
            return -1;
        if ((size_t)(s->count - 1) * f->len + s->last_len > rx->max_frame) {
            *reason = LP_REASON_FRAG_OVERFLOW;
            return -1;
        }
    }
    if (!(s->have & (1u << f->index)))
        return 0;
    /* The same index again: the lengths agree (checked above), so compare
     * the bytes with what is held. */
    if (last && stride == 0)
        held = s->buf + rx->max_frame - s->last_len;
    else
        held = s->buf + (size_t)f->index * stride;
    if (memcmp(held, f->data, f->len) != 0)
        return -1;
    *reason = LP_REASON_NONE;
    return LP_FRAG_DUPLICATE;
}

/* slot_store copies f (already checked) into s. */
static void slot_store(const struct lp_frag_rx *rx, struct lp_frag_slot *s,
                       const struct lp_frag *f)
{
    if (f->index + 1 == f->count) {
        s->last_len = f->len;
        if (s->stride == 0)
            memcpy(s->buf + rx->max_frame - f->len, f->data, f->len);
        else
            memcpy(s->buf + (size_t)f->index * s->stride, f->data, f->len);
    } else {
        if (s->stride == 0) {
            s->stride = f->len;
            /* Move the parked last fragment to its place first: the new
             * fragment's range may overlap where it was parked, never
             * where it goes. */
            if (s->last_len != 0)
                memmove(s->buf + (size_t)(s->count - 1) * s->stride,
                        s->buf + rx->max_frame - s->last_len, s->last_len);
        }
        memcpy(s->buf + (size_t)f->index * s->stride, f->data, f->len);
    }
    s->have |= (uint8_t)(1u << f->index);
}

enum lp_frag_status lp_frag_rx_feed(struct lp_frag_rx *rx,
                                    const struct lp_frag *f, lp_tstamp now,
                                    struct lp_frag_result *res)
{
    struct lp_frag_slot *s;
    enum lp_reason reason;
    int rv;

    memset(res, 0, sizeof(*res));
    res->expired = lp_frag_rx_expire(rx, now);
    res->status = LP_FRAG_DROPPED;
    /* lp_frag_decode's rules, again, for fragments built by hand. */
    if (f->count < 2 || f->count > LP_FRAG_MAX_COUNT || f->index >= f->count ||
        f->len == 0 || f->data == NULL ||
        (f->index + 1 < f->count && f->len < LP_FRAG_MIN_STRIDE)) {
        res->reason = LP_REASON_FRAG_MALFORMED;
        return res->status;
    }
    s = slot_find(rx, f->frame_id);
    if (s == NULL) {
        if (frag_min_end(f) > rx->max_frame) {
            res->reason = LP_REASON_FRAG_OVERFLOW;
            return res->status;
        }
        s = slot_take(rx, &res->evicted);
        memset(s, 0, sizeof(*s));
        s->buf = rx->mem + (size_t)(s - rx->slot) * rx->max_frame;
        s->frame_id = f->frame_id;
        s->count = f->count;
        s->first = now;
        s->seq = rx->seq++;
    } else {
        rv = slot_check(rx, s, f, &reason);
        if (rv == LP_FRAG_DUPLICATE) {
            res->status = LP_FRAG_DUPLICATE;
            return res->status;
        }
        if (rv != 0) {
            /* A contradiction leaves no way to tell which version is
             * true: forget the frame. */
            s->count = 0;
            res->reason = reason;
            return res->status;
        }
    }
    slot_store(rx, s, f);
    if (s->have != (uint8_t)((1u << s->count) - 1)) {
        res->status = LP_FRAG_INCOMPLETE;
        return res->status;
    }
    res->frame = s->buf;
    res->framelen = (size_t)(s->count - 1) * s->stride + s->last_len;
    s->count = 0;
    res->status = LP_FRAG_COMPLETE;
    return res->status;
}

void lp_frag_result_count(const struct lp_frag_result *res,
                          struct lp_counters *c)
{
    for (unsigned i = 0; i < res->expired; i++)
        lp_counters_drop(c, LP_REASON_FRAG_TIMEOUT);
    for (unsigned i = 0; i < res->evicted; i++)
        lp_counters_drop(c, LP_REASON_FRAG_EVICTED);
    if (res->status == LP_FRAG_DROPPED)
        lp_counters_drop(c, res->reason);
}
