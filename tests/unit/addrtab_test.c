/*
 * relay/: the bounded, ageing map (lp_bmap) and the address-ownership table
 * built on it (lp_addrtab): precedence, limits, ageing, eviction, and a LAN
 * of 2,000 hosts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_addrtab.h"
#include "lp_bmap.h"

#define T0 (1000 * LP_SECONDS)

static const uint8_t A1[4] = {198, 18, 0, 101}, A2[4] = {198, 18, 0, 102},
                     ROUTER[4] = {198, 18, 0, 1};
static const uint64_t M1 = 0x020000000101ULL, M2 = 0x020000000102ULL;

static void ip4(uint8_t a[4], unsigned i)
{
    a[0] = 198;
    a[1] = 18;
    a[2] = (uint8_t)(i >> 8);
    a[3] = (uint8_t)i;
}

static void test_bmap_lan_of_2000_hosts(void **state)
{
    struct lp_bmap m;
    uint8_t mac[6] = {0x00, 0x16, 0x3e, 0, 0, 0};
    int created;

    (void)state;
    lp_bmap_init(&m, 4096, 42);
    for (unsigned i = 0; i < 2000; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        assert_non_null(lp_bmap_put(&m, mac, 6, T0 + i, &created));
        assert_int_equal(created, 1);
    }
    /* every one of them is still known: no host evicts another */
    for (unsigned i = 0; i < 2000; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        assert_non_null(lp_bmap_find(&m, mac, 6));
    }
    assert_int_equal(m.count, 2000);
    assert_int_equal(m.evictions, 0);
    lp_bmap_free(&m);
}

static void test_bmap_bounded_lru_eviction(void **state)
{
    struct lp_bmap m;
    uint8_t k[2];
    int created;

    (void)state;
    lp_bmap_init(&m, 100, 7);
    for (unsigned i = 0; i < 1000; i++) {
        k[0] = (uint8_t)(i >> 8);
        k[1] = (uint8_t)i;
        struct lp_bmap_ent *e = lp_bmap_put(&m, k, 2, T0 + i, &created);
        assert_non_null(e);
        if (i == 5)
            e->pinned = 1; /* never evicted */
    }
    assert_int_equal(m.count, 100);
    assert_int_equal(m.evictions, 900);
    k[0] = 0;
    k[1] = 5;
    assert_non_null(lp_bmap_find(&m, k, 2)); /* pinned */
    k[0] = 999 >> 8;
    k[1] = 999 & 0xff;
    assert_non_null(lp_bmap_find(&m, k, 2)); /* the newest */
    k[0] = 0;
    k[1] = 6;
    assert_null(lp_bmap_find(&m, k, 2)); /* an old one */
    lp_bmap_free(&m);
}

static void test_first_use_and_spoofing(void **state)
{
    struct lp_addrtab t;
    uint64_t owner;

    (void)state;
    lp_addrtab_init(&t, 1);
    assert_int_equal(lp_addrtab_claim(&t, 4, A1, M1, T0, &owner),
                     LP_REASON_NONE);
    assert_int_equal(lp_addrtab_claim(&t, 4, A1, M1, T0 + 1, &owner),
                     LP_REASON_NONE);
    assert_int_equal(lp_addrtab_claim(&t, 4, A1, M2, T0 + 2, &owner),
                     LP_REASON_ADDR_SPOOF);
    assert_true(owner == M1);
    /* DHCP discovers (0.0.0.0), broadcast, multicast: never learned */
    {
        static const uint8_t zero[4], bc[4] = {255, 255, 255, 255},
                                      mc[4] = {224, 0, 0, 251};
        assert_int_equal(lp_addrtab_claim(&t, 4, zero, M2, T0, &owner),
                         LP_REASON_NONE);
        assert_int_equal(lp_addrtab_claim(&t, 4, bc, M2, T0, &owner),
                         LP_REASON_NONE);
        assert_int_equal(lp_addrtab_claim(&t, 4, mc, M2, T0, &owner),
                         LP_REASON_NONE);
        assert_int_equal(lp_addrtab_claim(&t, 4, zero, M1, T0, &owner),
                         LP_REASON_NONE);
    }
    /* the LAN's router is the LAN's, whoever claims it first */
    lp_addrtab_lan_seen(&t, 4, ROUTER, T0);
    assert_int_equal(lp_addrtab_claim(&t, 4, ROUTER, M2, T0, &owner),
                     LP_REASON_ADDR_SPOOF);
    assert_true(owner == 0);
    /* and the LAN overrides a client's first-use claim */
    lp_addrtab_lan_seen(&t, 4, A1, T0 + 3);
    assert_int_equal(lp_addrtab_claim(&t, 4, A1, M1, T0 + 4, &owner),
                     LP_REASON_ADDR_SPOOF);
    lp_addrtab_free(&t);
}

static void test_dhcp_binding_never_locks_a_client_out(void **state)
{
    struct lp_addrtab t;
    uint64_t owner;

    (void)state;
    lp_addrtab_init(&t, 2);
    /* M2 squats A2 first ... */
    assert_int_equal(lp_addrtab_claim(&t, 4, A2, M2, T0, &owner),
                     LP_REASON_NONE);
    /* ... but the LAN's DHCP server gives A2 to M1: M1 owns it */
    lp_addrtab_dhcp_bind(&t, 4, A2, M1, 600, T0 + 1);
    assert_int_equal(lp_addrtab_claim(&t, 4, A2, M1, T0 + 2, &owner),
                     LP_REASON_NONE);
    assert_int_equal(lp_addrtab_claim(&t, 4, A2, M2, T0 + 3, &owner),
                     LP_REASON_ADDR_SPOOF);
    /* a lease is not overridden by LAN traffic from that address */
    lp_addrtab_lan_seen(&t, 4, A2, T0 + 4);
    assert_int_equal(lp_addrtab_claim(&t, 4, A2, M1, T0 + 5, &owner),
                     LP_REASON_NONE);
    /* pinned LAN servers are never a client's, even by DHCP */
    lp_addrtab_lan_pin(&t, 4, ROUTER, T0);
    lp_addrtab_dhcp_bind(&t, 4, ROUTER, M1, 600, T0 + 6);
    assert_int_equal(lp_addrtab_claim(&t, 4, ROUTER, M1, T0 + 7, &owner),
                     LP_REASON_ADDR_SPOOF);
    lp_addrtab_free(&t);
}

static void test_limits_leaving_and_ageing(void **state)
{
    struct lp_addrtab t;
    uint64_t owner;
    uint8_t a[4], a6[16];

    (void)state;
    lp_addrtab_init(&t, 3);
    for (unsigned i = 0; i < LP_ADDR_MAX4; i++) {
        ip4(a, 200 + i);
        assert_int_equal(lp_addrtab_claim(&t, 4, a, M1, T0, &owner),
                         LP_REASON_NONE);
    }
    ip4(a, 300);
    assert_int_equal(lp_addrtab_claim(&t, 4, a, M1, T0, &owner),
                     LP_REASON_ADDR_LIMIT);
    /* IPv6 has its own allowance */
    memset(a6, 0, sizeof(a6));
    a6[0] = 0xfe;
    a6[1] = 0x80;
    a6[15] = 1;
    assert_int_equal(lp_addrtab_claim(&t, 6, a6, M1, T0, &owner),
                     LP_REASON_NONE);
    /* M1 leaves: its addresses are free for others */
    lp_addrtab_client_left(&t, M1);
    ip4(a, 200);
    assert_int_equal(lp_addrtab_claim(&t, 4, a, M2, T0 + 1, &owner),
                     LP_REASON_NONE);
    assert_int_equal(lp_addrtab_claim(&t, 6, a6, M2, T0 + 1, &owner),
                     LP_REASON_NONE);
    /* unused for 10 minutes: aged out, free again, M2's allowance back */
    lp_addrtab_expire(&t, T0 + 1 + LP_ADDR_AGE);
    assert_int_equal(
        lp_addrtab_claim(&t, 4, a, M1, T0 + 2 + LP_ADDR_AGE, &owner),
        LP_REASON_NONE);
    for (unsigned i = 0; i < LP_ADDR_MAX4; i++) {
        ip4(a, 400 + i);
        assert_int_equal(
            lp_addrtab_claim(&t, 4, a, M2, T0 + 3 + LP_ADDR_AGE, &owner),
            LP_REASON_NONE);
    }
    lp_addrtab_free(&t);
}

static void test_table_is_bounded(void **state)
{
    struct lp_addrtab t;
    uint64_t owner;
    uint8_t a[4];

    (void)state;
    lp_addrtab_init(&t, 4);
    /* 10,000 LAN sources: the table keeps at most LP_ADDR_TABLE */
    for (unsigned i = 0; i < 10000; i++) {
        ip4(a, i);
        a[1] = (uint8_t)(18 + (i >> 16));
        lp_addrtab_lan_seen(&t, 4, a, T0 + i);
    }
    assert_true(t.map.count <= LP_ADDR_TABLE);
    assert_true(t.map.evictions >= 10000 - LP_ADDR_TABLE);
    /* clients' counts stay right through evictions */
    for (unsigned i = 0; i < LP_ADDR_TABLE; i++) {
        ip4(a, 60000 + i);
        a[1] = 19;
        (void)lp_addrtab_claim(&t, 4, a, M1 + i, T0 + 20000 + i, &owner);
    }
    assert_true(t.count.count <= LP_ADDR_TABLE);
    lp_addrtab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bmap_lan_of_2000_hosts),
        cmocka_unit_test(test_bmap_bounded_lru_eviction),
        cmocka_unit_test(test_first_use_and_spoofing),
        cmocka_unit_test(test_dhcp_binding_never_locks_a_client_out),
        cmocka_unit_test(test_limits_leaving_and_ageing),
        cmocka_unit_test(test_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
