/* The relay's admission decision (relay/lp_admit.c), table-driven: the
 * order of the reject reasons (spec section 4) and replacement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_admit.h"

/* A client hello that joins an existing room of 3 with room to spare. */
static struct lp_admit_in base(void)
{
    struct lp_admit_in in;

    memset(&in, 0, sizeof(in));
    in.role = LP_ROLE_CLIENT;
    in.budget = 1404;
    in.authorized = 1;
    in.relay_peers = 10;
    in.max_peers = 100;
    in.room_max = 8;
    in.max_mtu = 1380;
    in.room_exists = 1;
    in.room_mtu = 1380;
    in.room_peers = 3;
    in.prefix_peers = 1;
    in.prefix_max = 50;
    in.prefix_room_peers = 1;
    in.prefix_room_max = 4;
    return in;
}

enum change {
    NOTHING,
    UNAUTHORIZED,
    RELAY_FULL,
    GATEWAY_TAKEN,
    MAC_TAKEN,
    REPLACES,
    ROOM_FULL,
    BUDGET_SMALL,
    NEW_ROOM,
    NEW_ROOM_SMALL_BUDGET,
    NEW_ROOM_TINY_BUDGET,
    PREFIX_FULL,
    PREFIX_ROOM_FULL,
    PREFIX_ROOM_ROOM,
};

static void apply(struct lp_admit_in *in, enum change c)
{
    switch (c) {
    case NOTHING:
        break;
    case PREFIX_FULL:
        in->prefix_peers = in->prefix_max;
        break;
    case PREFIX_ROOM_FULL:
        in->prefix_room_peers = in->prefix_room_max;
        break;
    case PREFIX_ROOM_ROOM:
        /* one below the quota: admitted */
        in->prefix_room_peers = in->prefix_room_max - 1;
        break;
    case UNAUTHORIZED:
        in->authorized = 0;
        break;
    case RELAY_FULL:
        in->relay_peers = in->max_peers;
        break;
    case GATEWAY_TAKEN:
        in->role = LP_ROLE_GATEWAY;
        in->gateway_taken = 1;
        break;
    case MAC_TAKEN:
        in->mac_taken = 1;
        break;
    case REPLACES:
        in->mac_taken = 1;
        in->replaces = 1;
        break;
    case ROOM_FULL:
        in->room_peers = in->room_max;
        break;
    case BUDGET_SMALL:
        in->budget = 1397; /* the room needs 1380 + 18 */
        break;
    case NEW_ROOM:
        in->room_exists = 0;
        in->room_peers = 0;
        in->budget = 1500; /* capped by max_mtu */
        break;
    case NEW_ROOM_SMALL_BUDGET:
        in->room_exists = 0;
        in->room_peers = 0;
        in->budget = 1218; /* MTU 1200 */
        break;
    case NEW_ROOM_TINY_BUDGET:
        in->room_exists = 0;
        in->room_peers = 0;
        in->budget = 593; /* MTU 575 */
        break;
    }
}

static void test_single_conditions(void **state)
{
    static const struct {
        enum change c;
        enum lp_admit_action action;
        enum lp_reject reason;
        uint16_t mtu;
    } t[] = {
        {NOTHING, LP_ADMIT_NEW, 0, 1380},
        {UNAUTHORIZED, LP_ADMIT_REJECT, LP_REJECT_UNAUTHORIZED, 0},
        {RELAY_FULL, LP_ADMIT_REJECT, LP_REJECT_RELAY_FULL, 0},
        {GATEWAY_TAKEN, LP_ADMIT_REJECT, LP_REJECT_GATEWAY_EXISTS, 0},
        {MAC_TAKEN, LP_ADMIT_REJECT, LP_REJECT_DUPLICATE_MAC, 0},
        {REPLACES, LP_ADMIT_REPLACE, 0, 1380},
        {ROOM_FULL, LP_ADMIT_REJECT, LP_REJECT_ROOM_FULL, 0},
        {BUDGET_SMALL, LP_ADMIT_REJECT, LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL, 0},
        {NEW_ROOM, LP_ADMIT_NEW, 0, 1380},
        {NEW_ROOM_SMALL_BUDGET, LP_ADMIT_NEW, 0, 1200},
        {NEW_ROOM_TINY_BUDGET, LP_ADMIT_REJECT,
         LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL, 0},
        {PREFIX_FULL, LP_ADMIT_REJECT, LP_REJECT_RELAY_FULL, 0},
        {PREFIX_ROOM_FULL, LP_ADMIT_REJECT, LP_REJECT_ROOM_FULL, 0},
        {PREFIX_ROOM_ROOM, LP_ADMIT_NEW, 0, 1380},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lp_admit_in in = base();
        struct lp_admit a;
        apply(&in, t[i].c);
        a = lp_admit_decide(&in);
        assert_int_equal(a.action, t[i].action);
        if (a.action == LP_ADMIT_REJECT)
            assert_int_equal(a.reason, t[i].reason);
        else
            assert_int_equal(a.mtu, t[i].mtu);
        assert_int_equal(a.by_prefix,
                         t[i].c == PREFIX_FULL || t[i].c == PREFIX_ROOM_FULL);
    }
}

/* Two conditions at once: the earlier reason in the spec's order wins. */
static void test_order(void **state)
{
    static const enum change order[] = {
        UNAUTHORIZED, RELAY_FULL, GATEWAY_TAKEN, ROOM_FULL, BUDGET_SMALL,
    };
    static const enum lp_reject reason[] = {
        LP_REJECT_UNAUTHORIZED,
        LP_REJECT_RELAY_FULL,
        LP_REJECT_GATEWAY_EXISTS,
        LP_REJECT_ROOM_FULL,
        LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL,
    };
    size_t n = sizeof(order) / sizeof(order[0]);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            struct lp_admit_in in = base();
            struct lp_admit a;
            apply(&in, order[j]);
            apply(&in, order[i]);
            a = lp_admit_decide(&in);
            assert_int_equal(a.action, LP_ADMIT_REJECT);
            assert_int_equal(a.reason, reason[i]);
        }
    }
    /* duplicate_mac comes before room_full and the budget too */
    {
        struct lp_admit_in in = base();
        apply(&in, ROOM_FULL);
        apply(&in, BUDGET_SMALL);
        apply(&in, MAC_TAKEN);
        assert_int_equal(lp_admit_decide(&in).reason, LP_REJECT_DUPLICATE_MAC);
    }
}

/* A replacing hello is exempt from relay_full and room_full (it frees the
 * place it takes), but not from authorization or the budget. */
static void test_replacement(void **state)
{
    struct lp_admit_in in;

    (void)state;
    in = base();
    apply(&in, REPLACES);
    apply(&in, RELAY_FULL);
    apply(&in, ROOM_FULL);
    assert_int_equal(lp_admit_decide(&in).action, LP_ADMIT_REPLACE);

    in = base();
    apply(&in, GATEWAY_TAKEN);
    in.mac_taken = in.replaces = 1;
    assert_int_equal(lp_admit_decide(&in).action, LP_ADMIT_REPLACE);

    /* a restarted endpoint replaces itself whatever its prefix's quota */
    in = base();
    apply(&in, REPLACES);
    apply(&in, PREFIX_FULL);
    apply(&in, PREFIX_ROOM_FULL);
    assert_int_equal(lp_admit_decide(&in).action, LP_ADMIT_REPLACE);

    in = base();
    apply(&in, REPLACES);
    apply(&in, UNAUTHORIZED);
    assert_int_equal(lp_admit_decide(&in).reason, LP_REJECT_UNAUTHORIZED);

    in = base();
    apply(&in, REPLACES);
    apply(&in, BUDGET_SMALL);
    assert_int_equal(lp_admit_decide(&in).reason,
                     LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL);
}

/* Fragmenting rooms (spec section 4): the first peer's "frag" and the
 * relay's setting fix the room; each peer's budget rule follows its own
 * "frag". */
static void test_fragmenting_rooms(void **state)
{
    static const struct {
        int frag_enabled, frag_offered, room_exists, room_frag;
        uint16_t room_mtu, budget;
        enum lp_admit_action action;
        uint16_t mtu;
        int out_room_frag, out_frag;
    } t[] = {
        /* a new room fragments at frag_mtu, whatever the budget */
        {1, 1, 0, 0, 0, 1200, LP_ADMIT_NEW, 1500, 1, 1},
        {1, 1, 0, 0, 0, 198, LP_ADMIT_NEW, 1500, 1, 1},
        {1, 1, 0, 0, 0, 197, LP_ADMIT_REJECT, 0, 0, 0},
        /* the relay does not fragment, or the first peer did not offer */
        {0, 1, 0, 0, 0, 1500, LP_ADMIT_NEW, 1380, 0, 0},
        {1, 0, 0, 0, 0, 1218, LP_ADMIT_NEW, 1200, 0, 0},
        /* joining a fragmenting room */
        {1, 1, 1, 1, 1500, 1200, LP_ADMIT_NEW, 1500, 1, 1},
        {1, 1, 1, 1, 1500, 198, LP_ADMIT_NEW, 1500, 1, 1},
        {1, 1, 1, 1, 1500, 197, LP_ADMIT_REJECT, 0, 0, 0},
        {1, 0, 1, 1, 1500, 1518, LP_ADMIT_NEW, 1500, 1, 0},
        {1, 0, 1, 1, 1500, 1517, LP_ADMIT_REJECT, 0, 0, 0},
        /* a room made before --no-frag keeps fragmenting */
        {0, 1, 1, 1, 1500, 1200, LP_ADMIT_NEW, 1500, 1, 1},
        /* a non-fragmenting room: nobody gets "frag" */
        {1, 1, 1, 0, 1380, 1398, LP_ADMIT_NEW, 1380, 0, 0},
        {1, 1, 1, 0, 1380, 1397, LP_ADMIT_REJECT, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lp_admit_in in = base();
        struct lp_admit a;
        in.frag_enabled = t[i].frag_enabled;
        in.frag_mtu = 1500;
        in.frag_offered = t[i].frag_offered;
        in.room_exists = t[i].room_exists;
        in.room_peers = t[i].room_exists ? 3 : 0;
        in.room_frag = t[i].room_frag;
        in.room_mtu = t[i].room_mtu;
        in.budget = t[i].budget;
        a = lp_admit_decide(&in);
        assert_int_equal(a.action, t[i].action);
        if (a.action == LP_ADMIT_REJECT) {
            assert_int_equal(a.reason, LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL);
            continue;
        }
        assert_int_equal(a.mtu, t[i].mtu);
        assert_int_equal(a.room_frag, t[i].out_room_frag);
        assert_int_equal(a.frag, t[i].out_frag);
    }
    assert_int_equal(lp_admit_min_budget(1500, 1), 198);
    assert_int_equal(lp_admit_min_budget(1500, 0), 1518);
    assert_int_equal(lp_admit_min_budget(1380, 1), 8 + 175);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_conditions),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_fragmenting_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
