#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_overlay.h"

static void test_decode_errors(void **state)
{
    static const struct {
        const char *name;
        uint8_t d[20];
        size_t len;
        int rv;
    } t[] = {
        {"empty", {0}, 0, LP_ERR_SHORT},
        {"3 bytes", {1, 0, 0}, 3, LP_ERR_SHORT},
        {"version 0", {0, 0, 0, 0}, 18, LP_ERR_VERSION},
        {"version 2", {2, 0, 0, 0}, 18, LP_ERR_VERSION},
        {"flags 1", {1, 1, 0, 0}, 18, LP_ERR_FLAGS},
        {"flags 0x80", {1, 0x80, 0, 0}, 18, LP_ERR_FLAGS},
        {"header only", {1, 0, 0, 0}, 4, LP_ERR_RANGE},
        {"13-byte frame", {1, 0, 0, 0}, 17, LP_ERR_RANGE},
        {"14-byte frame", {1, 0, 0, 7}, 18, 0},
    };
    struct lp_overlay o;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv = lp_overlay_decode(&o, t[i].d, t[i].len);
        if (rv != t[i].rv)
            fail_msg("%s: %d, want %d", t[i].name, rv, t[i].rv);
    }
    assert_int_equal(lp_overlay_decode(&o, NULL, 18), LP_ERR_SHORT);
}

static void test_roundtrip(void **state)
{
    uint8_t frame[64], dg[80];
    struct lp_overlay o;

    (void)state;
    for (size_t i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)i;
    assert_int_equal(lp_overlay_encode(dg, sizeof(dg), 0xabcd, frame, 64), 68);
    assert_memory_equal(dg, ((uint8_t[]){1, 0, 0xab, 0xcd}), 4);
    assert_int_equal(lp_overlay_decode(&o, dg, 68), 0);
    assert_int_equal(o.version, 1);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.peer_id, 0xabcd);
    assert_ptr_equal(o.frame, dg + 4);
    assert_int_equal(o.framelen, 64);
    assert_memory_equal(o.frame, frame, 64);

    assert_int_equal(lp_overlay_encode(dg, 67, 1, frame, 64), LP_ERR_RANGE);
    assert_int_equal(lp_overlay_encode(dg, sizeof(dg), 1, frame, 13),
                     LP_ERR_INVAL);
    assert_int_equal(lp_overlay_encode(dg, sizeof(dg), 1, NULL, 20),
                     LP_ERR_INVAL);
    assert_int_equal(lp_overlay_encode(NULL, SIZE_MAX, 1, frame, 65532),
                     LP_ERR_RANGE);

    lp_overlay_write_hdr(dg, 0x0102);
    assert_memory_equal(dg, ((uint8_t[]){1, 0, 1, 2}), 4);
}

static void test_budget(void **state)
{
    (void)state;
    assert_int_equal(lp_budget_max_frame(1398), 1394);
    assert_int_equal(lp_budget_max_frame(3), 0);
    assert_int_equal(lp_budget_max_frame(4), 0);
    assert_int_equal(lp_budget_to_mtu(1398), 1380);
    assert_int_equal(lp_budget_to_mtu(17), 0);
    assert_int_equal(lp_budget_to_mtu(18), 0);
    assert_int_equal(lp_mtu_to_budget(1380), 1398);
    assert_true(lp_frame_fits_budget(1394, 1398));
    assert_false(lp_frame_fits_budget(1395, 1398));
    assert_false(lp_frame_fits_budget(0, 3));
    assert_true(lp_frame_fits_budget(0, 4));
    assert_false(lp_frame_fits_budget(SIZE_MAX, SIZE_MAX));
    assert_false(lp_frame_fits_budget(SIZE_MAX - 2, SIZE_MAX));
}

static void test_kind(void **state)
{
    static const struct {
        const char *name;
        uint8_t d[8];
        size_t len;
        int rv;
    } t[] = {
        {"empty", {0}, 0, LP_ERR_SHORT},
        {"3 bytes", {1, 1, 0}, 3, LP_ERR_SHORT},
        {"version 0", {0, 1, 0, 0}, 4, LP_ERR_VERSION},
        {"version 2", {2, 0, 0, 0}, 4, LP_ERR_VERSION},
        {"whole", {1, 0, 0, 0}, 4, LP_OVERLAY_WHOLE},
        {"frag", {1, 1, 0, 9}, 8, LP_OVERLAY_FRAG},
        {"flags 2", {1, 2, 0, 0}, 4, LP_ERR_FLAGS},
        {"flags 3", {1, 3, 0, 0}, 4, LP_ERR_FLAGS},
        {"flags 0x80", {1, 0x80, 0, 0}, 4, LP_ERR_FLAGS},
        {"flags 0x81", {1, 0x81, 0, 0}, 4, LP_ERR_FLAGS},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv = lp_overlay_kind(t[i].d, t[i].len);
        if (rv != t[i].rv)
            fail_msg("%s: %d, want %d", t[i].name, rv, t[i].rv);
    }
    assert_int_equal(lp_overlay_kind(NULL, 8), LP_ERR_SHORT);
    /* lp_overlay_decode keeps rejecting FRAG datagrams. */
    assert_int_equal(
        lp_overlay_decode(&(struct lp_overlay){0},
                          (const uint8_t[18]){1, LP_OVERLAY_FLAG_FRAG}, 18),
        LP_ERR_FLAGS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
