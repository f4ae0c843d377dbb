#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_eth.h"

static void test_parse_format(void **state)
{
    static const char *const bad[] = {
        "",
        "02:00:00:00:00:0",
        "02:00:00:00:00:001",
        "02-00-00-00-00-01",
        "0200.0000.0001",
        "02:00:00:00:00:0g",
        "2:00:00:00:00:01",
        " 02:00:00:00:00:01",
        "02:00:00:00:00:01 ",
        "02:00:00:00:00:01\n",
        "02::00:00:00:00:01",
        "02:00:00:00:00",
    };
    uint8_t mac[6], keep[6] = {9, 9, 9, 9, 9, 9};
    char s[LP_MAC_STRLEN];

    (void)state;
    assert_int_equal(lp_mac_parse(mac, "02:AA:bb:Cc:dD:ff"), 0);
    assert_memory_equal(mac, ((uint8_t[]){2, 0xaa, 0xbb, 0xcc, 0xdd, 0xff}), 6);
    lp_mac_format(s, mac);
    assert_string_equal(s, "02:aa:bb:cc:dd:ff");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(mac, keep, 6);
        if (lp_mac_parse(mac, bad[i]) != LP_ERR_INVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_memory_equal(mac, keep, 6);
    }
    assert_int_equal(lp_mac_parse(mac, NULL), LP_ERR_INVAL);
    assert_true(lp_mac_u64((uint8_t[]){0x02, 0, 0, 0, 0, 0x01}) ==
                0x020000000001ULL);
    assert_true(lp_mac_u64((uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) ==
                0xffffffffffffULL);
}

static void test_predicates(void **state)
{
    static const struct {
        uint8_t m[6];
        int zero, bcast, mcast, local, client, gateway, ll;
    } t[] = {
        {{0, 0, 0, 0, 0, 0}, 1, 0, 0, 0, 0, 0, 0},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, 1, 1, 1, 0, 0, 0},
        {{0x01, 0x00, 0x5e, 0, 0, 0xfb}, 0, 0, 1, 0, 0, 0, 0},
        {{0x33, 0x33, 0, 0, 0, 1}, 0, 0, 1, 1, 0, 0, 0},
        {{0x02, 0, 0, 0, 0, 1}, 0, 0, 0, 1, 1, 1, 0},
        {{0x02, 0, 0, 0, 0, 0}, 0, 0, 0, 1, 1, 1, 0},
        {{0x00, 0x1b, 0x21, 1, 2, 3}, 0, 0, 0, 0, 0, 1, 0},
        {{0x03, 0, 0, 0, 0, 1}, 0, 0, 1, 1, 0, 0, 0},
        {{0x01, 0x80, 0xc2, 0, 0, 0}, 0, 0, 1, 0, 0, 0, 1},
        {{0x01, 0x80, 0xc2, 0, 0, 0x0f}, 0, 0, 1, 0, 0, 0, 1},
        {{0x01, 0x80, 0xc2, 0, 0, 0x10}, 0, 0, 1, 0, 0, 0, 0},
        {{0x01, 0x80, 0xc2, 0, 1, 0x00}, 0, 0, 1, 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const uint8_t *m = t[i].m;
        assert_int_equal(lp_mac_is_zero(m), t[i].zero);
        assert_int_equal(lp_mac_is_broadcast(m), t[i].bcast);
        assert_int_equal(lp_mac_is_multicast(m), t[i].mcast);
        assert_int_equal(lp_mac_is_local(m), t[i].local);
        assert_int_equal(lp_mac_valid_client(m), t[i].client);
        assert_int_equal(lp_mac_valid_gateway(m), t[i].gateway);
        assert_int_equal(lp_mac_is_link_local_group(m), t[i].ll);
    }
}

static void test_random_client(void **state)
{
    uint8_t out[6];

    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        uint8_t r[6] = {(uint8_t)b, 0, 0, 0, 0, 0};
        lp_mac_random_client(out, r);
        assert_true(lp_mac_valid_client(out));
        assert_int_equal(out[0] & 0xfc, b & 0xfc);
    }
    lp_mac_random_client(out, (uint8_t[]){0xff, 1, 2, 3, 4, 5});
    assert_memory_equal(out, ((uint8_t[]){0xfe, 1, 2, 3, 4, 5}), 6);
}

static void test_eth_parse(void **state)
{
    uint8_t f[40] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1};
    struct lp_eth e;

    (void)state;
    f[12] = 0x08;
    f[13] = 0x06;
    assert_int_equal(lp_eth_parse(&e, f, 13), LP_ERR_SHORT);
    assert_int_equal(lp_eth_parse(&e, f, 14), 0);
    assert_ptr_equal(e.dst, f);
    assert_ptr_equal(e.src, f + 6);
    assert_int_equal(e.ethertype, 0x0806);
    assert_int_equal(e.inner_ethertype, 0x0806);
    assert_int_equal(e.tagged, 0);
    assert_int_equal(e.l3_off, 14);

    /* 802.1ad + 802.1Q + IPv4 */
    memcpy(f + 12, (uint8_t[]){0x88, 0xa8, 0, 1, 0x81, 0, 0, 2, 8, 0}, 10);
    assert_int_equal(lp_eth_parse(&e, f, 22), 0);
    assert_int_equal(e.ethertype, 0x88a8);
    assert_int_equal(e.inner_ethertype, 0x0800);
    assert_int_equal(e.tagged, 2);
    assert_int_equal(e.l3_off, 22);
    for (size_t n = 14; n < 22; n++)
        assert_int_equal(lp_eth_parse(&e, f, n), LP_ERR_SHORT);

    /* 0x9100 */
    memcpy(f + 12, (uint8_t[]){0x91, 0, 0, 1, 0x86, 0xdd}, 6);
    assert_int_equal(lp_eth_parse(&e, f, 18), 0);
    assert_int_equal(e.inner_ethertype, 0x86dd);
    assert_int_equal(e.tagged, 1);

    /* Too many stacked tags. */
    uint8_t deep[14 + 4 * 9 + 2];
    memset(deep, 0, sizeof(deep));
    deep[6] = 2;
    for (int i = 0; i < 10; i++) {
        deep[12 + 4 * i] = 0x81;
        deep[13 + 4 * i] = 0x00;
    }
    assert_int_equal(lp_eth_parse(&e, deep, sizeof(deep)), LP_ERR_RANGE);
    assert_int_equal(lp_eth_parse(&e, NULL, 100), LP_ERR_SHORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_predicates),
        cmocka_unit_test(test_random_client),
        cmocka_unit_test(test_eth_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
