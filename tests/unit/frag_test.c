#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_frag.h"

#define MAX_FRAME 1514 /* effective_mtu 1500 + 14 */
#define MS        LP_MILLISECONDS

/* A frame whose bytes depend on its length and a seed. */
static void fill_frame(uint8_t *f, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(i * 31 + len * 7 + seed);
}

/* Pieces of one planned frame, as datagrams. */
struct pieces {
    struct lp_frag_plan plan;
    uint8_t dg[LP_FRAG_MAX_COUNT][2048];
    size_t len[LP_FRAG_MAX_COUNT];
};

/* split: plans and writes frame; returns lp_frag_plan's result. */
static int split(struct pieces *p, const uint8_t *frame, size_t framelen,
                 size_t budget, uint16_t frame_id)
{
    int rv = lp_frag_plan(&p->plan, framelen, budget);
    if (rv != 0)
        return rv;
    for (unsigned i = 0; i < p->plan.count; i++) {
        ssize_t n = lp_frag_write(p->dg[i], sizeof(p->dg[i]), &p->plan, i, 7,
                                  frame_id, frame);
        if (n <= 0 || (size_t)n != lp_frag_piece_len(&p->plan, i))
            fail_msg("write %zu/%zu piece %u: %zd", framelen, budget, i, n);
        p->len[i] = (size_t)n;
    }
    return 0;
}

/* feed_dg decodes datagram i of p and feeds it. */
static enum lp_frag_status feed_dg(struct lp_frag_rx *rx,
                                   const struct pieces *p, unsigned i,
                                   lp_tstamp now, struct lp_frag_result *res)
{
    struct lp_frag f;

    assert_int_equal(lp_overlay_kind(p->dg[i], p->len[i]), LP_OVERLAY_FRAG);
    assert_int_equal(lp_frag_decode(&f, p->dg[i], p->len[i]), 0);
    assert_int_equal(f.peer_id, 7);
    assert_int_equal(f.index, i);
    assert_int_equal(f.count, p->plan.count);
    return lp_frag_rx_feed(rx, &f, now, res);
}

/* roundtrip: split at budget, check the plan's rules, reassemble in order
 * and compare. */
static void roundtrip(struct lp_frag_rx *rx, struct pieces *p, size_t framelen,
                      size_t budget)
{
    static uint8_t frame[MAX_FRAME];
    struct lp_frag_result res;
    size_t whole_max = budget - LP_OVERLAY_HDR_LEN;
    size_t stride = budget - LP_FRAG_OVERHEAD;
    size_t need;
    int rv;

    fill_frame(frame, framelen, (unsigned)budget);
    rv = split(p, frame, framelen, budget, (uint16_t)budget);
    need = (framelen + stride - 1) / stride;
    if (framelen <= whole_max) {
        assert_int_equal(rv, 0);
        assert_int_equal(p->plan.count, 1);
        struct lp_overlay o;
        assert_int_equal(lp_overlay_kind(p->dg[0], p->len[0]),
                         LP_OVERLAY_WHOLE);
        assert_int_equal(lp_overlay_decode(&o, p->dg[0], p->len[0]), 0);
        assert_int_equal(o.framelen, framelen);
        assert_memory_equal(o.frame, frame, framelen);
        return;
    }
    if (stride < LP_FRAG_MIN_STRIDE || need > LP_FRAG_MAX_COUNT) {
        if (rv != LP_ERR_RANGE)
            fail_msg("%zu/%zu: %d, want LP_ERR_RANGE", framelen, budget, rv);
        return;
    }
    if (rv != 0)
        fail_msg("%zu/%zu: %d", framelen, budget, rv);
    /* The fewest fragments: count - 1 of them could not hold the frame. */
    assert_int_equal(p->plan.count, need);
    assert_true(p->plan.count >= 2);
    assert_true((p->plan.count - 1) * stride < framelen);
    for (unsigned i = 0; i < p->plan.count; i++) {
        assert_true(p->len[i] <= budget);
        assert_true(p->len[i] > LP_FRAG_OVERHEAD);
        if (i + 1 < p->plan.count)
            assert_int_equal(p->len[i], p->len[0]);
    }
    assert_true(p->len[0] - LP_FRAG_OVERHEAD >= LP_FRAG_MIN_STRIDE);
    for (unsigned i = 0; i < p->plan.count; i++) {
        enum lp_frag_status st = feed_dg(rx, p, i, 0, &res);
        if (i + 1 < p->plan.count) {
            if (st != LP_FRAG_INCOMPLETE)
                fail_msg("%zu/%zu piece %u: %d", framelen, budget, i, st);
        } else {
            if (st != LP_FRAG_COMPLETE)
                fail_msg("%zu/%zu last: %d", framelen, budget, st);
        }
        assert_int_equal(res.expired + res.evicted, 0);
    }
    assert_int_equal(res.framelen, framelen);
    assert_memory_equal(res.frame, frame, framelen);
    assert_int_equal(lp_frag_rx_pending(rx), 0);
}

static struct pieces P; /* large: not on the stack */

/* Every frame size from 14 to 1514 at every budget from 1200 to 1600. */
static void test_roundtrip_sizes(void **state)
{
    struct lp_frag_rx rx;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (size_t budget = 1200; budget <= 1600; budget++)
        for (size_t len = 14; len <= MAX_FRAME; len++)
            roundtrip(&rx, &P, len, budget);
    lp_frag_rx_free(&rx);
}

/* Small budgets: every budget below 1200 for a few sizes, and every size
 * for a spread of budgets; the frame goes or LP_ERR_RANGE says why not. */
static void test_roundtrip_small_budgets(void **state)
{
    static const size_t sizes[] = {14,  15,  63,   64,   65,   71,   72,
                                   100, 576, 1000, 1280, 1394, 1500, 1514};
    struct lp_frag_rx rx;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (size_t budget = 18; budget < 1200; budget++)
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            roundtrip(&rx, &P, sizes[i], budget);
    for (size_t budget = 18; budget < 1200; budget += 37)
        for (size_t len = 14; len <= MAX_FRAME; len++)
            roundtrip(&rx, &P, len, budget);
    lp_frag_rx_free(&rx);
}

static void test_plan(void **state)
{
    static const struct {
        size_t framelen, budget;
        int rv;
        unsigned count;
        size_t stride;
    } t[] = {
        {14, 18, 0, 1, 14},
        {13, 1200, LP_ERR_INVAL, 0, 0},
        {0, 1200, LP_ERR_INVAL, 0, 0},
        {1196, 1200, 0, 1, 1196},
        {1197, 1200, 0, 2, 1192},
        {1514, 1518, 0, 1, 1514},
        {1514, 1517, 0, 2, 1509},
        {1514, 1200, 0, 2, 1192},
        {1514, 765, 0, 2, 757},
        {1514, 764, 0, 3, 756},
        /* Spec section 4: 8 + ceil(1514 / 8) = 198 is the smallest budget
         * for effective_mtu 1500. */
        {1514, 198, 0, 8, 190},
        {1514, 197, LP_ERR_RANGE, 0, 0},
        {512, 72, 0, 8, 64},
        {513, 72, LP_ERR_RANGE, 0, 0},
        {68, 71, LP_ERR_RANGE, 0, 0},
        {67, 71, 0, 1, 67},
        {68, 72, 0, 1, 68},
        {69, 72, 0, 2, 64},
        {14, 17, LP_ERR_RANGE, 0, 0},
        {65531, 100000, 0, 1, 65531},
        {65532, 100000, 0, 2, 65527},
        {SIZE_MAX, SIZE_MAX, LP_ERR_RANGE, 0, 0},
    };
    struct lp_frag_plan p;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memset(&p, 0, sizeof(p));
        int rv = lp_frag_plan(&p, t[i].framelen, t[i].budget);
        if (rv != t[i].rv ||
            (rv == 0 && (p.count != t[i].count || p.stride != t[i].stride ||
                         p.framelen != t[i].framelen)))
            fail_msg("%zu/%zu: rv %d count %u stride %zu", t[i].framelen,
                     t[i].budget, rv, p.count, p.stride);
    }
    assert_int_equal(lp_frag_plan(NULL, 100, 1200), LP_ERR_INVAL);
}

static void test_write_errors(void **state)
{
    uint8_t frame[300], dg[400];
    struct lp_frag_plan p, bad;

    (void)state;
    fill_frame(frame, sizeof(frame), 1);
    assert_int_equal(lp_frag_plan(&p, 300, 200), 0);
    assert_int_equal(p.count, 2);
    assert_int_equal(lp_frag_piece_len(&p, 0), 200);
    assert_int_equal(lp_frag_piece_len(&p, 1), 8 + 300 - 192);
    assert_int_equal(lp_frag_piece_len(&p, 2), 0);
    assert_int_equal(lp_frag_write(dg, 199, &p, 0, 0, 1, frame), LP_ERR_RANGE);
    assert_int_equal(lp_frag_write(NULL, 400, &p, 0, 0, 1, frame),
                     LP_ERR_RANGE);
    assert_int_equal(lp_frag_write(dg, 400, &p, 2, 0, 1, frame), LP_ERR_RANGE);
    assert_int_equal(lp_frag_write(dg, 400, &p, 0, 0, 1, NULL), LP_ERR_INVAL);
    assert_int_equal(lp_frag_write(dg, 400, NULL, 0, 0, 1, frame),
                     LP_ERR_INVAL);
    assert_int_equal(lp_frag_write(dg, 200, &p, 0, 0x0102, 0x0304, frame), 200);
    assert_memory_equal(dg, ((uint8_t[]){1, 1, 1, 2, 3, 4, 0, 2}), 8);
    assert_memory_equal(dg + 8, frame, 192);
    assert_int_equal(lp_frag_write(dg, 400, &p, 1, 0x0102, 0x0304, frame), 116);
    assert_memory_equal(dg, ((uint8_t[]){1, 1, 1, 2, 3, 4, 1, 2}), 8);
    assert_memory_equal(dg + 8, frame + 192, 108);

    /* Plans that lp_frag_plan never makes. */
    static const struct lp_frag_plan bads[] = {
        {13, 13, 1},  {100, 99, 1}, {100, 63, 2},  {100, 40, 3},
        {100, 50, 2}, {100, 30, 0}, {900, 100, 9}, {100, 100, 2},
    };
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        bad = bads[i];
        assert_int_equal(lp_frag_write(dg, sizeof(dg), &bad, 0, 0, 1, frame),
                         LP_ERR_INVAL);
        assert_int_equal(lp_frag_piece_len(&bad, 0), 0);
    }
}

static void test_decode(void **state)
{
    static const struct {
        const char *name;
        uint8_t h[8];
        size_t datalen;
        int rv;
    } t[] = {
        {"ok first", {1, 1, 0, 0, 0, 1, 0, 2}, 64, 0},
        {"ok last 1 byte", {1, 1, 0, 0, 0, 1, 1, 2}, 1, 0},
        {"ok 8 of 8", {1, 1, 0, 0, 0, 1, 7, 8}, 300, 0},
        {"no data", {1, 1, 0, 0, 0, 1, 1, 2}, 0, LP_ERR_SHORT},
        {"version 2", {2, 1, 0, 0, 0, 1, 0, 2}, 64, LP_ERR_VERSION},
        {"flags 0", {1, 0, 0, 0, 0, 1, 0, 2}, 64, LP_ERR_FLAGS},
        {"flags 3", {1, 3, 0, 0, 0, 1, 0, 2}, 64, LP_ERR_FLAGS},
        {"flags 0x81", {1, 0x81, 0, 0, 0, 1, 0, 2}, 64, LP_ERR_FLAGS},
        {"count 0", {1, 1, 0, 0, 0, 1, 0, 0}, 64, LP_ERR_PROTO},
        {"count 1", {1, 1, 0, 0, 0, 1, 0, 1}, 64, LP_ERR_PROTO},
        {"count 9", {1, 1, 0, 0, 0, 1, 0, 9}, 64, LP_ERR_PROTO},
        {"count 255", {1, 1, 0, 0, 0, 1, 0, 255}, 64, LP_ERR_PROTO},
        {"index = count", {1, 1, 0, 0, 0, 1, 2, 2}, 64, LP_ERR_PROTO},
        {"index 255", {1, 1, 0, 0, 0, 1, 255, 8}, 64, LP_ERR_PROTO},
        {"first 63", {1, 1, 0, 0, 0, 1, 0, 2}, 63, LP_ERR_PROTO},
        {"middle 63", {1, 1, 0, 0, 0, 1, 1, 3}, 63, LP_ERR_PROTO},
        {"middle 64", {1, 1, 0, 0, 0, 1, 1, 3}, 64, 0},
        {"huge", {1, 1, 0, 0, 0, 1, 0, 2}, 65527, 0},
        {"too huge", {1, 1, 0, 0, 0, 1, 0, 2}, 65528, LP_ERR_RANGE},
    };
    static uint8_t dg[70000];
    struct lp_frag f;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memcpy(dg, t[i].h, 8);
        int rv = lp_frag_decode(&f, dg, 8 + t[i].datalen);
        if (rv != t[i].rv)
            fail_msg("%s: %d, want %d", t[i].name, rv, t[i].rv);
        if (rv == 0) {
            assert_ptr_equal(f.data, dg + 8);
            assert_int_equal(f.len, t[i].datalen);
            assert_int_equal(f.index, t[i].h[6]);
            assert_int_equal(f.count, t[i].h[7]);
        }
    }
    for (size_t len = 0; len < 9; len++)
        assert_int_equal(lp_frag_decode(&f, dg, len), LP_ERR_SHORT);
    assert_int_equal(lp_frag_decode(&f, NULL, 100), LP_ERR_SHORT);
    memcpy(dg, ((uint8_t[]){1, 1, 0xab, 0xcd, 0x12, 0x34, 0, 2}), 8);
    assert_int_equal(lp_frag_decode(&f, dg, 100), 0);
    assert_int_equal(f.peer_id, 0xabcd);
    assert_int_equal(f.frame_id, 0x1234);
}

/* A fragment built by hand: data is len bytes of fill. */
struct hf {
    uint16_t id;
    uint8_t index, count;
    size_t len;
    uint8_t fill;
};

static enum lp_frag_status feed_hf(struct lp_frag_rx *rx, struct hf h,
                                   lp_tstamp now, struct lp_frag_result *res)
{
    static uint8_t data[2048];
    struct lp_frag f = {.frame_id = h.id,
                        .index = h.index,
                        .count = h.count,
                        .data = data,
                        .len = h.len};

    memset(data, h.fill, h.len);
    return lp_frag_rx_feed(rx, &f, now, res);
}

/* Overlap and inconsistency: each case feeds fragments in order and
 * expects a status (and reason) for each; then the number pending. */
static void test_inconsistent(void **state)
{
    enum {
        I = LP_FRAG_INCOMPLETE,
        C = LP_FRAG_COMPLETE,
        D = LP_FRAG_DUPLICATE,
        M = 10,
        O = 11
    };
    static const struct {
        const char *name;
        struct hf f[4];
        int want[4];
        unsigned pending;
    } t[] = {
        {"other count", {{1, 0, 3, 100, 0}, {1, 1, 2, 100, 0}}, {I, M}, 0},
        {"other count, last first",
         {{1, 2, 3, 10, 0}, {1, 0, 4, 100, 0}},
         {I, M},
         0},
        {"other stride", {{1, 0, 3, 100, 0}, {1, 1, 3, 101, 0}}, {I, M}, 0},
        {"other stride, shorter",
         {{1, 1, 3, 100, 0}, {1, 0, 3, 99, 0}},
         {I, M},
         0},
        {"last longer than stride",
         {{1, 0, 3, 100, 0}, {1, 2, 3, 101, 0}},
         {I, M},
         0},
        {"stride shorter than last",
         {{1, 2, 3, 101, 0}, {1, 0, 3, 100, 0}},
         {I, M},
         0},
        {"stride equal to last",
         {{1, 2, 3, 100, 0}, {1, 0, 3, 100, 0}},
         {I, I},
         1},
        {"last again, other length",
         {{1, 2, 3, 50, 0}, {1, 2, 3, 51, 0}},
         {I, M},
         0},
        {"last again, other length, stride known",
         {{1, 0, 3, 100, 0}, {1, 2, 3, 50, 0}, {1, 2, 3, 49, 0}},
         {I, I, M},
         0},
        {"other bytes", {{1, 0, 3, 100, 1}, {1, 0, 3, 100, 2}}, {I, M}, 0},
        {"other bytes, last parked",
         {{1, 2, 3, 9, 1}, {1, 2, 3, 9, 2}},
         {I, M},
         0},
        {"other bytes, last placed",
         {{1, 2, 3, 9, 1}, {1, 0, 3, 100, 0}, {1, 2, 3, 9, 2}},
         {I, I, M},
         0},
        {"exact duplicate", {{1, 0, 3, 100, 5}, {1, 0, 3, 100, 5}}, {I, D}, 1},
        {"exact duplicate, last parked",
         {{1, 2, 3, 9, 5}, {1, 2, 3, 9, 5}},
         {I, D},
         1},
        {"exact duplicate, last placed",
         {{1, 2, 3, 9, 5}, {1, 1, 3, 70, 0}, {1, 2, 3, 9, 5}, {1, 0, 3, 70, 0}},
         {I, I, D, C},
         0},
        {"contradiction spares other frames",
         {{1, 0, 3, 100, 0}, {2, 0, 3, 100, 0}, {1, 0, 2, 100, 0}},
         {I, I, M},
         1},
        /* max_frame 1514. */
        {"overflow: stride too large for count", {{1, 0, 8, 217, 0}}, {O}, 0},
        {"largest stride for count 8", {{1, 0, 8, 216, 0}}, {I}, 1},
        {"overflow: last beyond the end",
         {{1, 0, 8, 216, 0}, {1, 7, 8, 3, 0}},
         {I, O},
         0},
        {"last exactly at the end",
         {{1, 0, 2, 1000, 0}, {1, 1, 2, 514, 0}},
         {I, C},
         0},
        {"overflow: last first", {{1, 1, 2, 758, 0}}, {O}, 0},
        {"last first at the end",
         {{1, 1, 2, 757, 0}, {1, 0, 2, 757, 0}},
         {I, C},
         0},
        {"overflow: last first, stride >= last", {{1, 7, 8, 190, 0}}, {O}, 0},
        {"last first, largest", {{1, 7, 8, 189, 0}}, {I}, 1},
        {"overflow: stride after last",
         {{1, 1, 2, 500, 0}, {1, 0, 2, 1015, 0}},
         {I, O},
         0},
        {"stride after last, at the end",
         {{1, 1, 2, 500, 0}, {1, 0, 2, 1014, 0}},
         {I, C},
         0},
        {"overflow spares the frame's other slot",
         {{1, 0, 3, 100, 0}, {2, 0, 8, 300, 0}},
         {I, O},
         1},
        {"count 1", {{1, 0, 1, 100, 0}}, {M}, 0},
        {"count 9", {{1, 0, 9, 100, 0}}, {M}, 0},
        {"index = count", {{1, 3, 3, 100, 0}}, {M}, 0},
        {"empty last", {{1, 2, 3, 0, 0}}, {M}, 0},
        {"short non-last", {{1, 1, 3, 63, 0}}, {M}, 0},
    };
    struct lp_frag_rx rx;
    struct lp_frag_result res;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        lp_frag_rx_reset(&rx);
        for (size_t j = 0; j < 4 && t[i].f[j].count != 0; j++) {
            int st = (int)feed_hf(&rx, t[i].f[j], 0, &res);
            if (st == LP_FRAG_DROPPED)
                st = res.reason == LP_REASON_FRAG_MALFORMED  ? M
                     : res.reason == LP_REASON_FRAG_OVERFLOW ? O
                                                             : -1;
            else if (res.reason != LP_REASON_NONE)
                fail_msg("%s #%zu: reason %d", t[i].name, j, res.reason);
            if (st != t[i].want[j])
                fail_msg("%s #%zu: %d, want %d", t[i].name, j, st,
                         t[i].want[j]);
        }
        if (lp_frag_rx_pending(&rx) != t[i].pending)
            fail_msg("%s: %u pending, want %u", t[i].name,
                     lp_frag_rx_pending(&rx), t[i].pending);
    }
    lp_frag_rx_free(&rx);
}

/* next_perm: the next permutation of a[0..n) in lexicographic order;
 * 0 after the last. */
static int next_perm(unsigned *a, unsigned n)
{
    unsigned i = n - 1, j = n - 1, t;

    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    while (a[j] <= a[i - 1])
        j--;
    t = a[i - 1], a[i - 1] = a[j], a[j] = t;
    for (j = n - 1; i < j; i++, j--)
        t = a[i], a[i] = a[j], a[j] = t;
    return 1;
}

/* Every order of the fragments of a frame completes it exactly at the
 * last new fragment: 3 fragments (all 6 orders) and 8 (all 40320). */
static void test_reorder(void **state)
{
    static const struct {
        size_t framelen, budget;
        unsigned count;
    } t[] = {
        {1514, 600, 3}, /* stride 592, last 330 */
        {1200, 408, 3}, /* stride 400, the last as long as the others */
        {1514, 512, 4}, {129, 72, 3}, /* stride 64, last 1 */
        {1514, 198, 8},               /* stride 190, last 184 */
        {449, 72, 8},                 /* stride 64, last 1 */
    };
    uint8_t frame[MAX_FRAME];
    unsigned order[LP_FRAG_MAX_COUNT];
    struct lp_frag_rx rx;
    struct lp_frag_result res;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fill_frame(frame, t[i].framelen, (unsigned)i);
        assert_int_equal(split(&P, frame, t[i].framelen, t[i].budget, 9), 0);
        assert_int_equal(P.plan.count, t[i].count);
        for (unsigned k = 0; k < t[i].count; k++)
            order[k] = k;
        unsigned n = 0;
        do {
            for (unsigned k = 0; k < t[i].count; k++) {
                enum lp_frag_status st = feed_dg(&rx, &P, order[k], 0, &res);
                assert_int_equal(st, k + 1 < t[i].count ? LP_FRAG_INCOMPLETE
                                                        : LP_FRAG_COMPLETE);
            }
            assert_int_equal(res.framelen, t[i].framelen);
            assert_memory_equal(res.frame, frame, t[i].framelen);
            n++;
        } while (next_perm(order, t[i].count));
        assert_int_equal(n, t[i].count == 3 ? 6 : t[i].count == 4 ? 24 : 40320);
    }
    lp_frag_rx_free(&rx);
}

/* Duplicates of each fragment are ignored; a late duplicate after
 * completion opens a new frame that times out. */
static void test_duplicates(void **state)
{
    uint8_t frame[1514];
    struct lp_frag_rx rx;
    struct lp_frag_result res;

    (void)state;
    fill_frame(frame, sizeof(frame), 3);
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    assert_int_equal(split(&P, frame, 1514, 600, 42), 0);
    assert_int_equal(feed_dg(&rx, &P, 1, 0, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_dg(&rx, &P, 1, 0, &res), LP_FRAG_DUPLICATE);
    assert_int_equal(res.reason, LP_REASON_NONE);
    assert_null(res.frame);
    assert_int_equal(feed_dg(&rx, &P, 2, 0, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_dg(&rx, &P, 2, 0, &res), LP_FRAG_DUPLICATE);
    assert_int_equal(feed_dg(&rx, &P, 1, 0, &res), LP_FRAG_DUPLICATE);
    assert_int_equal(feed_dg(&rx, &P, 0, 0, &res), LP_FRAG_COMPLETE);
    assert_memory_equal(res.frame, frame, 1514);
    assert_int_equal(lp_frag_rx_pending(&rx), 0);
    /* Too late: the frame is gone; its duplicate starts a new one. */
    assert_int_equal(feed_dg(&rx, &P, 0, 1 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(lp_frag_rx_pending(&rx), 1);
    assert_int_equal(lp_frag_rx_expire(&rx, 101 * MS), 1);
    lp_frag_rx_free(&rx);
}

/* A lost fragment: the frame never completes and is forgotten 100 ms after
 * its first fragment, by lp_frag_rx_expire or lazily by the next feed. */
static void test_loss_timeout(void **state)
{
    uint8_t frame[1514];
    struct lp_frag_rx rx;
    struct lp_frag_result res;
    const lp_tstamp t0 = 5 * LP_SECONDS;

    (void)state;
    fill_frame(frame, sizeof(frame), 4);
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    assert_int_equal(lp_frag_rx_next_expiry(&rx), UINT64_MAX);
    assert_int_equal(split(&P, frame, 1514, 600, 1), 0);
    assert_int_equal(feed_dg(&rx, &P, 0, t0, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_dg(&rx, &P, 2, t0 + 50 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(lp_frag_rx_next_expiry(&rx), t0 + 100 * MS);
    assert_int_equal(lp_frag_rx_expire(&rx, t0 + 100 * MS - 1), 0);
    assert_int_equal(lp_frag_rx_pending(&rx), 1);
    /* A clock that goes back expires nothing. */
    assert_int_equal(lp_frag_rx_expire(&rx, 0), 0);
    assert_int_equal(lp_frag_rx_expire(&rx, t0 + 100 * MS), 1);
    assert_int_equal(lp_frag_rx_pending(&rx), 0);
    assert_int_equal(lp_frag_rx_next_expiry(&rx), UINT64_MAX);
    /* The missing fragment comes too late: a new, incomplete frame. */
    assert_int_equal(feed_dg(&rx, &P, 1, t0 + 100 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(res.expired, 0);

    /* Lazily: a feed at 100 ms forgets the old frame before it looks. */
    lp_frag_rx_reset(&rx);
    assert_int_equal(feed_dg(&rx, &P, 0, t0, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_dg(&rx, &P, 1, t0 + 99 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(res.expired, 0);
    assert_int_equal(feed_dg(&rx, &P, 2, t0 + 100 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(res.expired, 1);
    assert_int_equal(lp_frag_rx_pending(&rx), 1);
    /* In time, from the new frame's first fragment. */
    assert_int_equal(feed_dg(&rx, &P, 0, t0 + 150 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_dg(&rx, &P, 1, t0 + 199 * MS, &res),
                     LP_FRAG_COMPLETE);
    assert_memory_equal(res.frame, frame, 1514);

    /* Counting: two frames time out at once, as seen by one feed. */
    struct lp_counters c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(feed_hf(&rx, (struct hf){1, 0, 2, 100, 0}, 0, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_hf(&rx, (struct hf){2, 0, 2, 100, 0}, 0, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_hf(&rx, (struct hf){3, 0, 2, 99, 0}, 100 * MS, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(res.expired, 2);
    lp_frag_result_count(&res, &c);
    assert_int_equal(c.drops[LP_REASON_FRAG_TIMEOUT], 2);
    assert_int_equal(lp_counters_total_drops(&c), 2);
    lp_frag_rx_free(&rx);
}

/* At most 8 incomplete frames: a ninth evicts the oldest and is kept. */
static void test_eviction(void **state)
{
    uint8_t frames[10][700];
    static struct pieces q[10];
    struct lp_frag_rx rx;
    struct lp_frag_result res;
    struct lp_counters c;

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (unsigned i = 0; i < 10; i++) {
        fill_frame(frames[i], 700, i);
        assert_int_equal(split(&q[i], frames[i], 700, 400, (uint16_t)i), 0);
        assert_int_equal(q[i].plan.count, 2);
    }
    /* Frames 0..7 take the 8 slots, at 0..7 ms. */
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(feed_dg(&rx, &q[i], 0, i * MS, &res),
                         LP_FRAG_INCOMPLETE);
        assert_int_equal(res.evicted, 0);
    }
    assert_int_equal(lp_frag_rx_pending(&rx), 8);
    /* Frame 8 evicts frame 0, the oldest. */
    assert_int_equal(feed_dg(&rx, &q[8], 0, 8 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 1);
    lp_frag_result_count(&res, &c);
    assert_int_equal(lp_frag_rx_pending(&rx), 8);
    /* Frames 1..8 still complete. */
    for (unsigned i = 1; i < 9; i++) {
        assert_int_equal(feed_dg(&rx, &q[i], 1, 9 * MS, &res),
                         LP_FRAG_COMPLETE);
        assert_int_equal(res.evicted, 0);
        assert_memory_equal(res.frame, frames[i], 700);
    }
    assert_int_equal(lp_frag_rx_pending(&rx), 0);
    /* Frame 0's second fragment now opens a new frame. */
    assert_int_equal(feed_dg(&rx, &q[0], 1, 10 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 0);

    /* Eviction picks the oldest by arrival, whatever the slot: refill,
     * complete one in the middle, add two more. */
    lp_frag_rx_reset(&rx);
    for (unsigned i = 0; i < 8; i++)
        feed_dg(&rx, &q[i], 0, 20 * MS, &res);
    assert_int_equal(feed_dg(&rx, &q[3], 1, 21 * MS, &res), LP_FRAG_COMPLETE);
    assert_int_equal(feed_dg(&rx, &q[8], 0, 22 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 0);
    assert_int_equal(feed_dg(&rx, &q[9], 0, 23 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 1);
    lp_frag_result_count(&res, &c);
    /* Frame 0 went; frame 1 is still there and completes, freeing a slot
     * that frame 0's second fragment takes, as a new frame. */
    assert_int_equal(feed_dg(&rx, &q[1], 1, 24 * MS, &res), LP_FRAG_COMPLETE);
    assert_int_equal(feed_dg(&rx, &q[0], 1, 25 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 0);
    /* Full again: frame 2 is the oldest now. */
    assert_int_equal(
        feed_hf(&rx, (struct hf){600, 0, 2, 100, 0}, 26 * MS, &res),
        LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 1);
    lp_frag_result_count(&res, &c);
    assert_int_equal(feed_dg(&rx, &q[2], 1, 27 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 1); /* frame 4 */
    lp_frag_result_count(&res, &c);
    assert_int_equal(feed_dg(&rx, &q[4], 1, 27 * MS, &res), LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 1); /* frame 5 */
    lp_frag_result_count(&res, &c);
    assert_int_equal(feed_dg(&rx, &q[6], 1, 27 * MS, &res), LP_FRAG_COMPLETE);
    assert_memory_equal(res.frame, frames[6], 700);
    assert_int_equal(c.drops[LP_REASON_FRAG_EVICTED], 5);
    assert_int_equal(
        feed_hf(&rx, (struct hf){601, 0, 2, 100, 0}, 28 * MS, &res),
        LP_FRAG_INCOMPLETE);
    assert_int_equal(res.evicted, 0);

    /* A dropped fragment never evicts anything. */
    assert_int_equal(lp_frag_rx_pending(&rx), 8);
    assert_int_equal(
        feed_hf(&rx, (struct hf){500, 0, 8, 300, 0}, 26 * MS, &res),
        LP_FRAG_DROPPED);
    assert_int_equal(res.evicted, 0);
    lp_frag_result_count(&res, &c);
    assert_int_equal(c.drops[LP_REASON_FRAG_OVERFLOW], 1);
    assert_int_equal(lp_counters_total_drops(&c), 6);
    assert_int_equal(lp_frag_rx_pending(&rx), 8);
    lp_frag_rx_free(&rx);
}

/* A frame_id used again after its frame completed is a new frame. */
static void test_reuse(void **state)
{
    uint8_t a[1000], b[1400];
    static struct pieces pa, pb;
    struct lp_frag_rx rx;
    struct lp_frag_result res;

    (void)state;
    fill_frame(a, sizeof(a), 1);
    fill_frame(b, sizeof(b), 2);
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    assert_int_equal(split(&pa, a, sizeof(a), 400, 77), 0);
    assert_int_equal(split(&pb, b, sizeof(b), 600, 77), 0);
    assert_int_equal(pa.plan.count, 3);
    assert_int_equal(pb.plan.count, 3);
    for (unsigned i = 0; i < 3; i++)
        feed_dg(&rx, &pa, 2 - i, 0, &res);
    assert_int_equal(res.status, LP_FRAG_COMPLETE);
    assert_memory_equal(res.frame, a, sizeof(a));
    /* Another stride, another last length: no contradiction. */
    for (unsigned i = 0; i < 3; i++)
        feed_dg(&rx, &pb, i, 1 * MS, &res);
    assert_int_equal(res.status, LP_FRAG_COMPLETE);
    assert_int_equal(res.framelen, sizeof(b));
    assert_memory_equal(res.frame, b, sizeof(b));
    /* Wrapped frame_ids are just numbers. */
    assert_int_equal(feed_hf(&rx, (struct hf){0xffff, 0, 2, 64, 0}, 0, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_hf(&rx, (struct hf){0, 0, 2, 64, 0}, 0, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(lp_frag_rx_pending(&rx), 2);
    lp_frag_rx_free(&rx);
}

/* Random bytes, decoded and fed: no crash, and the rx stays bounded. */
static void test_garbage(void **state)
{
    uint8_t dg[1600];
    uint32_t x = 12345;
    struct lp_frag_rx rx;
    struct lp_frag_result res;
    struct lp_frag f;
    unsigned ok = 0, complete = 0;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, MAX_FRAME), 0);
    for (unsigned n = 0; n < 200000; n++) {
        size_t len = 0;
        x = x * 1103515245u + 12345u;
        len = (x >> 8) % sizeof(dg);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            dg[i] = (uint8_t)(x >> 16);
        }
        /* Make half of them plausible fragments of few frame_ids. */
        if (len >= 8 && (n & 1)) {
            dg[0] = 1;
            dg[1] = LP_OVERLAY_FLAG_FRAG;
            dg[4] = 0;
            dg[5] &= 15;
            dg[7] = (uint8_t)(2 + dg[7] % 7);
            dg[6] %= dg[7];
        }
        if (lp_frag_decode(&f, dg, len) != 0)
            continue;
        ok++;
        if (lp_frag_rx_feed(&rx, &f, n * 10000ULL, &res) == LP_FRAG_COMPLETE)
            complete++;
        assert_true(lp_frag_rx_pending(&rx) <= LP_FRAG_SLOTS);
        if (res.status == LP_FRAG_COMPLETE)
            assert_true(res.framelen <= MAX_FRAME);
    }
    assert_true(ok > 1000);
    lp_frag_rx_free(&rx);
    (void)complete;
}

static void test_init(void **state)
{
    struct lp_frag_rx rx;
    struct lp_frag_result res;

    (void)state;
    assert_int_equal(lp_frag_rx_init(&rx, 13), LP_ERR_INVAL);
    assert_int_equal(lp_frag_rx_init(&rx, 65532), LP_ERR_INVAL);
    /* A failed rx drops everything and frees cleanly. */
    assert_int_equal(feed_hf(&rx, (struct hf){1, 0, 2, 64, 0}, 0, &res),
                     LP_FRAG_DROPPED);
    assert_int_equal(res.reason, LP_REASON_FRAG_OVERFLOW);
    lp_frag_rx_free(&rx);
    lp_frag_rx_free(NULL);
    assert_int_equal(lp_frag_rx_init(&rx, 65531), 0);
    lp_frag_rx_free(&rx);
    lp_frag_rx_free(&rx);
    /* A small max_frame: 14 bytes can never be fragmented (stride >= 64). */
    assert_int_equal(lp_frag_rx_init(&rx, 14), 0);
    assert_int_equal(feed_hf(&rx, (struct hf){1, 1, 2, 1, 0}, 0, &res),
                     LP_FRAG_DROPPED);
    assert_int_equal(res.reason, LP_REASON_FRAG_OVERFLOW);
    lp_frag_rx_free(&rx);
    assert_int_equal(lp_frag_rx_init(&rx, 65), 0);
    assert_int_equal(feed_hf(&rx, (struct hf){1, 1, 2, 1, 0}, 0, &res),
                     LP_FRAG_INCOMPLETE);
    assert_int_equal(feed_hf(&rx, (struct hf){1, 0, 2, 64, 9}, 0, &res),
                     LP_FRAG_COMPLETE);
    assert_int_equal(res.framelen, 65);
    lp_frag_rx_free(&rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_roundtrip_sizes),
        cmocka_unit_test(test_roundtrip_small_budgets),
        cmocka_unit_test(test_inconsistent),
        cmocka_unit_test(test_reorder),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_loss_timeout),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
