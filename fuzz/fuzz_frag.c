/*
 * fuzz_frag: lp_frag with an oracle. The first input byte picks a mode:
 *
 * even: split and reassemble. Bytes 1-2 give the frame length (14 to
 *   1514), bytes 3-4 the budget, then come the frame's bytes (repeated if
 *   short) and a schedule: each schedule byte feeds fragment (byte % count)
 *   again, so the input chooses the order and the duplicates. Fragments
 *   never fed are fed in order at the end. The frame must come back exactly
 *   once, equal to the original, and nothing may be dropped.
 * odd: garbage. The rest is a sequence of datagrams (one length byte, then
 *   that many bytes), each decoded and fed with a growing clock; nothing
 *   may crash, a completed frame is at most max_frame bytes, and at most 8
 *   frames are ever held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_frag.h"

#define MAX_FRAME 1514

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split_and_reassemble(struct lp_frag_rx *rx, const uint8_t *data,
                                 size_t size)
{
    static uint8_t frame[MAX_FRAME], dg[LP_FRAG_MAX_COUNT][MAX_FRAME + 8];
    size_t framelen, budget, len[LP_FRAG_MAX_COUNT];
    struct lp_frag_plan plan;
    struct lp_frag_result res;
    struct lp_frag f;
    unsigned fed = 0, done = 0;

    if (size < 5)
        return;
    framelen = 14 + ((size_t)data[1] << 8 | data[2]) % (MAX_FRAME - 13);
    budget = (size_t)data[3] << 8 | data[4];
    data += 5;
    size -= 5;
    for (size_t i = 0; i < framelen; i++)
        frame[i] = size ? data[i % size] : (uint8_t)i;
    if (lp_frag_plan(&plan, framelen, budget) != 0) {
        /* Only budgets that cannot carry the frame in 8 fragments fail. */
        if (budget >= LP_FRAG_MIN_BUDGET &&
            framelen <= LP_FRAG_MAX_COUNT * (budget - LP_FRAG_OVERHEAD))
            abort();
        return;
    }
    for (unsigned i = 0; i < plan.count; i++) {
        ssize_t n = lp_frag_write(dg[i], sizeof(dg[i]), &plan, i, 3,
                                  (uint16_t)framelen, frame);
        if (n <= 0 || (size_t)n > budget)
            abort();
        len[i] = (size_t)n;
    }
    if (plan.count == 1) {
        struct lp_overlay o;
        if (lp_overlay_decode(&o, dg[0], len[0]) != 0 ||
            o.framelen != framelen || memcmp(o.frame, frame, framelen) != 0)
            abort();
        return;
    }
    if (size > framelen)
        data += framelen, size -= framelen;
    else
        size = 0;
    /* The input's schedule, then whatever it left out. */
    for (size_t k = 0; k < size + plan.count; k++) {
        unsigned i = k < size ? data[k] % plan.count : (unsigned)(k - size);
        if (k >= size && (fed & (1u << i)))
            continue;
        if (lp_overlay_kind(dg[i], len[i]) != LP_OVERLAY_FRAG ||
            lp_frag_decode(&f, dg[i], len[i]) != 0)
            abort();
        unsigned bit = 1u << i, all = (1u << plan.count) - 1;
        switch (lp_frag_rx_feed(rx, &f, 0, &res)) {
        case LP_FRAG_INCOMPLETE:
            if ((fed & bit) || (fed | bit) == all)
                abort();
            break;
        case LP_FRAG_DUPLICATE:
            if (!(fed & bit))
                abort();
            break;
        case LP_FRAG_COMPLETE:
            if ((fed & bit) || (fed | bit) != all || res.framelen != framelen ||
                memcmp(res.frame, frame, framelen) != 0)
                abort();
            done++;
            break;
        case LP_FRAG_DROPPED:
            abort();
        }
        if (res.expired != 0 || res.evicted != 0)
            abort();
        fed |= 1u << i;
        /* Completion forgets the frame: start counting again. */
        if (res.status == LP_FRAG_COMPLETE)
            fed = 0;
    }
    if (done == 0)
        abort();
}

static void garbage(struct lp_frag_rx *rx, const uint8_t *data, size_t size)
{
    struct lp_frag_result res;
    struct lp_frag f;
    lp_tstamp now = 0;

    while (size > 0) {
        size_t n = data[0];
        data++, size--;
        if (n > size)
            n = size;
        now += (lp_tstamp)n * LP_MILLISECONDS;
        if (lp_overlay_kind(data, n) == LP_OVERLAY_FRAG &&
            lp_frag_decode(&f, data, n) == 0) {
            if (lp_frag_rx_feed(rx, &f, now, &res) == LP_FRAG_COMPLETE &&
                (res.framelen > MAX_FRAME || res.framelen < 65))
                abort();
            if (lp_frag_rx_pending(rx) > LP_FRAG_SLOTS)
                abort();
        }
        data += n, size -= n;
    }
    (void)lp_frag_rx_next_expiry(rx);
    (void)lp_frag_rx_expire(rx, now + LP_FRAG_TIMEOUT);
    if (lp_frag_rx_pending(rx) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_frag_rx rx;

    if (size < 1 || lp_frag_rx_init(&rx, MAX_FRAME) != 0)
        return 0;
    if (data[0] & 1)
        garbage(&rx, data + 1, size - 1);
    else
        split_and_reassemble(&rx, data, size);
    lp_frag_rx_free(&rx);
    return 0;
}
