/* Tests of win/lp_routeplan (route choice) and win/lp_journal (the undo
 * journal: round trip, bounded decoding, replay plan). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_journal.h"
#include "lp_routeplan.h"
#include "lp_wintest.h"

static struct lp_route rt(const char *dest, int plen, const char *nh,
                          uint32_t ifindex, uint32_t metric, uint32_t ifm)
{
    struct lp_route r;

    memset(&r, 0, sizeof(r));
    lp_ipaddr_parse(&r.dest, dest);
    r.prefixlen = (uint8_t)plen;
    lp_ipaddr_parse(&r.nexthop, nh);
    r.ifindex = ifindex;
    r.luid = 0x6000000ULL + ifindex;
    r.metric = metric;
    r.if_metric = ifm;
    return r;
}

static void test_ipaddr(void)
{
    struct lp_ipaddr a, b;
    char s[46];

    CHECK_INT(lp_ipaddr_parse(&a, "203.0.113.7"), 0);
    CHECK_INT(a.family, 4);
    lp_ipaddr_format(s, &a);
    CHECK_STR(s, "203.0.113.7");
    CHECK_INT(lp_ipaddr_parse(&b, "2001:db8::7"), 0);
    CHECK_INT(b.family, 6);
    lp_ipaddr_format(s, &b);
    CHECK_STR(s, "2001:db8::7");
    CHECK(!lp_ipaddr_equal(&a, &b));
    CHECK_INT(lp_ipaddr_parse(&a, "203.0.113"), LP_ERR_INVAL);
    CHECK_INT(lp_ipaddr_parse(&a, "relay.example"), LP_ERR_INVAL);
    CHECK_INT(lp_ipaddr_parse(&a, ""), LP_ERR_INVAL);
}

static void test_best(void)
{
    /* ifindex 5: Wi-Fi, 9: Ethernet, 31: the TAP */
    const struct lp_route table[] = {
        rt("0.0.0.0", 0, "198.18.1.1", 5, 0, 35),      /* 0 Wi-Fi default */
        rt("0.0.0.0", 0, "198.19.0.1", 9, 0, 25),      /* 1 Ethernet default */
        rt("198.18.1.0", 24, "0.0.0.0", 5, 256, 35),   /* 2 */
        rt("0.0.0.0", 0, "198.18.0.1", 31, 0, 5),      /* 3 TAP default */
        rt("198.18.0.0", 15, "0.0.0.0", 31, 256, 5),   /* 4 TAP subnet */
        rt("203.0.113.0", 24, "198.18.1.1", 5, 0, 35), /* 5 */
        rt("::", 0, "fe80::1", 9, 0, 25),              /* 6 v6 default */
        rt("2001:db8::", 32, "::", 5, 256, 35),        /* 7 */
    };
    static const struct {
        const char *addr;
        uint32_t exclude;
        int rv;
        size_t idx;
    } cases[] = {
        {"8.8.8.8", 0, 0, 3},      /* the TAP's low metric wins... */
        {"8.8.8.8", 31, 0, 1},     /* ...so the TAP is excluded */
        {"198.18.1.20", 31, 0, 2}, /* longest prefix beats metric */
        {"203.0.113.7", 31, 0, 5}, {"198.18.0.9", 31, 0, 1},
        {"2001:db8::7", 31, 0, 7}, {"2001:db9::7", 31, 0, 6},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lp_ipaddr a;
        size_t idx = 99;
        lp_ipaddr_parse(&a, cases[i].addr);
        CHECK_INT(lp_routeplan_best(table, sizeof(table) / sizeof(table[0]), &a,
                                    cases[i].exclude, &idx),
                  cases[i].rv);
        CHECK_INT(idx, cases[i].idx);
    }
    {
        struct lp_ipaddr a;
        size_t idx;
        lp_ipaddr_parse(&a, "8.8.8.8");
        CHECK_INT(lp_routeplan_best(table, 2, &a, 5, &idx), 0);
        CHECK_INT(idx, 1);
        CHECK_INT(lp_routeplan_best(table + 2, 1, &a, 0, &idx), LP_ERR_INVAL);
    }
    {
        /* equal prefix and total metric: the lower ifindex wins */
        const struct lp_route tie[] = {
            rt("0.0.0.0", 0, "198.19.0.1", 9, 5, 20),
            rt("0.0.0.0", 0, "198.19.1.1", 7, 0, 25)};
        struct lp_ipaddr a;
        size_t idx;
        lp_ipaddr_parse(&a, "1.1.1.1");
        CHECK_INT(lp_routeplan_best(tie, 2, &a, 0, &idx), 0);
        CHECK_INT(idx, 1);
    }
}

static void test_pin_and_verify(void)
{
    struct lp_route best = rt("0.0.0.0", 0, "198.18.1.1", 5, 0, 35);
    struct lp_route onlink = rt("198.18.1.0", 24, "0.0.0.0", 5, 256, 35);
    struct lp_route pin, pin2, chosen;
    struct lp_ipaddr relay;
    char err[256] = "";
    const struct lp_route table[] = {
        rt("0.0.0.0", 0, "198.18.1.1", 5, 0, 35),
        rt("203.0.113.7", 32, "198.18.1.1", 5, 0, 35),
    };

    lp_ipaddr_parse(&relay, "203.0.113.7");
    lp_routeplan_pin(&pin, &best, &relay);
    CHECK_INT(pin.prefixlen, 32);
    CHECK(lp_ipaddr_equal(&pin.dest, &relay));
    CHECK(lp_ipaddr_equal(&pin.nexthop, &best.nexthop));
    CHECK_INT(pin.ifindex, 5);
    CHECK_INT(pin.luid, best.luid);
    CHECK_INT(pin.metric, 0);
    /* an identical route already exists: reuse it */
    CHECK_INT(lp_routeplan_find(table, 2, &pin), 1);
    CHECK_INT(lp_routeplan_find(table, 1, &pin), -1);
    /* on-link relay: zero next hop, still a host route */
    lp_ipaddr_parse(&relay, "198.18.1.50");
    lp_routeplan_pin(&pin2, &onlink, &relay);
    CHECK_INT(pin2.nexthop.family, 4);
    CHECK(!lp_routeplan_same(&pin, &pin2));
    /* verification */
    chosen = pin;
    CHECK_INT(lp_routeplan_verify(&chosen, &pin, err, sizeof(err)), 0);
    chosen = rt("0.0.0.0", 0, "198.18.0.1", 31, 0, 5);
    CHECK_INT(lp_routeplan_verify(&chosen, &pin, err, sizeof(err)),
              LP_ERR_PROTO);
    CHECK(strstr(err, "interface 31") != NULL);
    CHECK(strstr(err, "203.0.113.7") != NULL);
}

static struct lp_journal sample(void)
{
    struct lp_journal j;
    struct lp_jentry e;

    memset(&j, 0, sizeof(j));
    memset(&e, 0, sizeof(e));
    e.op = LP_JOP_ROUTE_ADD;
    e.route = rt("203.0.113.7", 32, "198.18.1.1", 5, 0, 0);
    e.luid = e.route.luid;
    e.ifindex = 5;
    e.family = 4;
    lp_journal_add(&j, &e);
    memset(&e, 0, sizeof(e));
    e.op = LP_JOP_IF_METRIC;
    e.family = 4;
    e.luid = 0x3500000001f00000ULL;
    e.ifindex = 31;
    e.old = 25;
    e.old_auto = 1;
    lp_journal_add(&j, &e);
    e.op = LP_JOP_IF_MTU;
    e.old = 1500;
    e.old_auto = 0;
    lp_journal_add(&j, &e);
    e.op = LP_JOP_IF_DDR;
    e.old = 0;
    lp_journal_add(&j, &e);
    e.op = LP_JOP_IF_DDR;
    e.family = 6;
    e.old = 1;
    lp_journal_add(&j, &e);
    return j;
}

static void test_journal_roundtrip(void)
{
    struct lp_journal j = sample(), k;
    char text[LP_JOURNAL_MAX_BYTES], err[256] = "";
    long n = lp_journal_encode(&j, text, sizeof(text));

    CHECK(n > 0);
    CHECK(strstr(text, "\"op\":\"route_add\"") != NULL);
    CHECK(strstr(text, "\"luid\":\"0x3500000001f00000\"") != NULL);
    CHECK_INT(lp_journal_decode(&k, text, (size_t)n, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_INT(k.n, j.n);
    for (size_t i = 0; i < j.n && i < k.n; i++) {
        CHECK_INT(k.e[i].op, j.e[i].op);
        CHECK_INT(k.e[i].family, j.e[i].family);
        CHECK_INT(k.e[i].luid, j.e[i].luid);
        CHECK_INT(k.e[i].ifindex, j.e[i].ifindex);
        if (j.e[i].op == LP_JOP_ROUTE_ADD) {
            CHECK(lp_routeplan_same(&k.e[i].route, &j.e[i].route));
        } else {
            CHECK_INT(k.e[i].old, j.e[i].old);
            CHECK_INT(k.e[i].old_auto, j.e[i].old_auto);
        }
    }
    CHECK_INT(lp_journal_encode(&j, text, 20), LP_ERR_RANGE);
    {
        struct lp_journal empty;
        memset(&empty, 0, sizeof(empty));
        n = lp_journal_encode(&empty, text, sizeof(text));
        CHECK_STR(text, "{\"version\":1,\"entries\":[]}");
        CHECK_INT(lp_journal_decode(&k, text, (size_t)n, err, sizeof(err)), 0);
        CHECK_INT(k.n, 0);
    }
    {
        struct lp_journal full;
        struct lp_jentry e = j.e[1];
        memset(&full, 0, sizeof(full));
        for (int i = 0; i < LP_JOURNAL_MAX; i++)
            CHECK_INT(lp_journal_add(&full, &e), 0);
        CHECK_INT(lp_journal_add(&full, &e), LP_ERR_RANGE);
    }
}

static void test_journal_bad(void)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"", "not JSON"},
        {"{\"version\":1,\"entries\":[", "not JSON"},
        {"[]", "version"},
        {"{\"version\":2,\"entries\":[]}", "version"},
        {"{\"version\":1}", "entries"},
        {"{\"version\":1,\"version\":1,\"entries\":[]}", "not JSON"},
        {"{\"version\":1,\"entries\":[7]}", "not an object"},
        {"{\"version\":1,\"entries\":[{\"op\":\"reboot\"}]}", "'reboot'"},
        {"{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
         "\"203.0.113.999\",\"prefix\":32,\"nexthop\":\"1.2.3.4\",\"luid\":"
         "\"0x1\",\"ifindex\":5}]}",
         "'203.0.113.999'"},
        {"{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
         "\"203.0.113.9\",\"prefix\":33,\"nexthop\":\"1.2.3.4\",\"luid\":"
         "\"0x1\",\"ifindex\":5}]}",
         "'prefix' = 33"},
        {"{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
         "\"203.0.113.9\",\"prefix\":32,\"nexthop\":\"::\",\"luid\":"
         "\"0x1\",\"ifindex\":5}]}",
         "family"},
        {"{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
         "\"203.0.113.9\",\"prefix\":32,\"nexthop\":\"1.2.3.4\",\"luid\":"
         "\"12\",\"ifindex\":5}]}",
         "'12'"},
        {"{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
         "\"203.0.113.9\",\"prefix\":32,\"nexthop\":\"1.2.3.4\",\"luid\":"
         "\"0x11111111111111111\",\"ifindex\":5}]}",
         "luid"},
        {"{\"version\":1,\"entries\":[{\"op\":\"if_mtu\",\"family\":5,"
         "\"luid\":\"0x1\",\"ifindex\":5,\"old\":1500}]}",
         "'family' = 5"},
        {"{\"version\":1,\"entries\":[{\"op\":\"if_mtu\",\"family\":4,"
         "\"luid\":\"0x1\",\"ifindex\":5,\"old\":-1}]}",
         "'old' = -1"},
        {"{\"version\":1,\"entries\":[{\"op\":\"if_mtu\",\"family\":4,"
         "\"luid\":\"0x1\",\"ifindex\":5,\"old\":1500.0}]}",
         "'old' missing or not an integer"},
        {"{\"version\":1,\"entries\":[{\"op\":\"if_ddr\",\"family\":4,"
         "\"luid\":\"0x1\",\"ifindex\":5,\"old\":2}]}",
         "'old' = 2"},
        {"{\"version\":1,\"entries\":[{\"op\":\"if_metric\",\"family\":4,"
         "\"luid\":\"0x1\",\"ifindex\":5,\"old\":2}]}",
         "old_auto"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lp_journal j;
        char err[256] = "";
        CHECK_INT(lp_journal_decode(&j, cases[i].text, strlen(cases[i].text),
                                    err, sizeof(err)),
                  LP_ERR_INVAL);
        CHECK_INT(j.n, 0);
        if (strstr(err, cases[i].msg) == NULL) {
            printf("  case %zu: err \"%s\" lacks \"%s\"\n", i, err,
                   cases[i].msg);
            lp_wintest_failed_checks++;
        }
    }
    {
        /* more entries than LP_JOURNAL_MAX, and a file too large */
        static char big[LP_JOURNAL_MAX_BYTES + 2];
        struct lp_journal j;
        char err[256];
        size_t o =
            (size_t)snprintf(big, sizeof(big), "{\"version\":1,\"entries\":[");
        for (int i = 0; i <= LP_JOURNAL_MAX; i++)
            o += (size_t)snprintf(big + o, sizeof(big) - o, "%s{}",
                                  i ? "," : "");
        snprintf(big + o, sizeof(big) - o, "]}");
        CHECK_INT(lp_journal_decode(&j, big, strlen(big), err, sizeof(err)),
                  LP_ERR_INVAL);
        CHECK(strstr(err, "longer than") != NULL);
        memset(big, ' ', sizeof(big));
        CHECK_INT(lp_journal_decode(&j, big, sizeof(big), err, sizeof(err)),
                  LP_ERR_INVAL);
        CHECK(strstr(err, "bytes") != NULL);
    }
}

static void test_journal_plan(void)
{
    struct lp_journal j = sample();
    struct lp_jentry plan[LP_JOURNAL_MAX], e;
    size_t n;

    /* the same settings changed again later (a reconnect): the later
     * entries hold the client's own values and must not be restored */
    e = j.e[1];
    e.old = 9000;
    e.old_auto = 0;
    lp_journal_add(&j, &e);
    e = j.e[2];
    e.old = 1380;
    lp_journal_add(&j, &e);
    /* the route journaled twice */
    lp_journal_add(&j, &j.e[0]);
    n = lp_journal_plan(&j, plan, LP_JOURNAL_MAX);
    CHECK_INT(n, 5);
    /* newest first: v6 ddr, v4 ddr, mtu, metric, route */
    CHECK_INT(plan[0].op, LP_JOP_IF_DDR);
    CHECK_INT(plan[0].family, 6);
    CHECK_INT(plan[0].old, 1);
    CHECK_INT(plan[1].op, LP_JOP_IF_DDR);
    CHECK_INT(plan[1].family, 4);
    CHECK_INT(plan[2].op, LP_JOP_IF_MTU);
    CHECK_INT(plan[2].old, 1500);
    CHECK_INT(plan[3].op, LP_JOP_IF_METRIC);
    CHECK_INT(plan[3].old, 25);
    CHECK_INT(plan[3].old_auto, 1);
    CHECK_INT(plan[4].op, LP_JOP_ROUTE_ADD);
    /* bounded output */
    CHECK_INT(lp_journal_plan(&j, plan, 2), 2);
    /* empty */
    memset(&j, 0, sizeof(j));
    CHECK_INT(lp_journal_plan(&j, plan, LP_JOURNAL_MAX), 0);
}

/* lp_journal_allowed: what recovery may undo (the planted journal of
 * issue 17 is refused entry by entry). */
static void test_journal_allowed(void)
{
    struct lp_journal_scope sc;
    struct lp_jentry e;
    char err[256];

    memset(&sc, 0, sizeof(sc));
    sc.tap_luid = 0x3500000001f00000ULL;
    lp_ipaddr_parse(&sc.relays[0], "203.0.113.7");
    lp_ipaddr_parse(&sc.relays[1], "2001:db8::7");
    sc.nrelays = 2;
    memset(&e, 0, sizeof(e));
    e.op = LP_JOP_ROUTE_ADD;
    e.route = rt("203.0.113.7", 32, "198.18.1.1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.route = rt("2001:db8::7", 128, "fe80::1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    /* the default route */
    e.route = rt("0.0.0.0", 0, "198.18.1.1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "0.0.0.0/0 is not a host route") != NULL);
    e.route = rt("::", 0, "fe80::1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    /* the relay's address, but a /24 */
    e.route = rt("203.0.113.7", 24, "198.18.1.1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    /* a host route to something else */
    e.route = rt("192.0.2.1", 32, "198.18.1.1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "192.0.2.1 is not to the relay") != NULL);
    /* no relay known: no route entry */
    sc.nrelays = 0;
    e.route = rt("203.0.113.7", 32, "198.18.1.1", 5, 0, 0);
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    /* interface entries: the TAP only, plausible values only */
    memset(&e, 0, sizeof(e));
    e.op = LP_JOP_IF_MTU;
    e.family = 4;
    e.luid = sc.tap_luid;
    e.old = 1500;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.old = 68;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "MTU 68") != NULL);
    e.old = 576;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.family = 6;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    e.old = 1280;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.old = 65536;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    /* MTU 1500 for another interface (the Wi-Fi's LUID) */
    e.family = 4;
    e.old = 1500;
    e.luid = 0x0047000002000000ULL;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "not the lanparty adapter") != NULL);
    e.op = LP_JOP_IF_DDR;
    e.old = 0;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    e.luid = sc.tap_luid;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.op = LP_JOP_IF_METRIC;
    e.old = 10000;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
    e.old_auto = 1; /* automatic: the number is not used */
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    e.old_auto = 0;
    e.old = 25;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), 0);
    /* no TAP known: no interface entry */
    sc.tap_luid = 0;
    e.luid = 0;
    CHECK_INT(lp_journal_allowed(&e, &sc, err, sizeof(err)), LP_ERR_PERM);
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"ipaddr", test_ipaddr},
        {"best", test_best},
        {"pin_and_verify", test_pin_and_verify},
        {"journal_roundtrip", test_journal_roundtrip},
        {"journal_bad", test_journal_bad},
        {"journal_plan", test_journal_plan},
        {"journal_allowed", test_journal_allowed},
    };
    return lp_wintest_run("routeplan", tests, sizeof(tests) / sizeof(tests[0]));
}
