/*
 * Tests of win/lp_winroute through a fake IP Helper (struct lp_winapi):
 * pinning, reuse of an existing route, verification, the TAP interface
 * settings, restore on exit, and recovery after a crash from the journal.
 * The fakes also check that every change was journaled on disk before it
 * was made. Runs under wine (only the file system is real).
 */
#include "lp_winroute.h"

#include <sddl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_secdir.h"
#include "lp_wintest.h"

#define FAKE_MAX  16
#define TAP_LUID  0x0035000001000000ULL
#define TAP_INDEX 31
#define WIFI_LUID 0x0047000002000000ULL

static MIB_IPFORWARD_ROW2 routes[FAKE_MAX];
static size_t nroutes;
struct fake_if {
    uint64_t luid;
    ADDRESS_FAMILY family;
    ULONG metric;
    BOOLEAN automatic;
    ULONG mtu;
    BOOLEAN ddr;
};
static struct fake_if ifs[4];
static char jpath[MAX_PATH];
static int unjournaled;  /* changes made without a journal entry on disk */
static int bad_site_len; /* IPv4 SetIpInterfaceEntry with SitePrefixLength */
static int best_route2_ok = 1;

static void set_addr(SOCKADDR_INET *s, const char *a)
{
    struct lp_ipaddr ip;

    lp_ipaddr_parse(&ip, a);
    memset(s, 0, sizeof(*s));
    if (ip.family == 4) {
        s->Ipv4.sin_family = AF_INET;
        memcpy(&s->Ipv4.sin_addr, ip.a, 4);
    } else {
        s->Ipv6.sin6_family = AF_INET6;
        memcpy(&s->Ipv6.sin6_addr, ip.a, 16);
    }
}

static void add_route(const char *dest, int plen, const char *nh,
                      uint32_t ifindex, uint64_t luid, ULONG metric)
{
    MIB_IPFORWARD_ROW2 *r = &routes[nroutes++];

    memset(r, 0, sizeof(*r));
    set_addr(&r->DestinationPrefix.Prefix, dest);
    r->DestinationPrefix.PrefixLength = (UINT8)plen;
    set_addr(&r->NextHop, nh);
    r->InterfaceIndex = ifindex;
    r->InterfaceLuid.Value = luid;
    r->Metric = metric;
}

static void reset_fakes(void)
{
    nroutes = 0;
    add_route("0.0.0.0", 0, "198.18.1.1", 5, WIFI_LUID, 0);
    add_route("198.18.1.0", 24, "0.0.0.0", 5, WIFI_LUID, 256);
    memset(ifs, 0, sizeof(ifs));
    ifs[0] = (struct fake_if){TAP_LUID, AF_INET, 35, TRUE, 1500, FALSE};
    ifs[1] = (struct fake_if){TAP_LUID, AF_INET6, 35, TRUE, 1500, TRUE};
    ifs[2] = (struct fake_if){WIFI_LUID, AF_INET, 25, TRUE, 1500, FALSE};
    unjournaled = 0;
    bad_site_len = 0;
    best_route2_ok = 1;
    remove(jpath);
}

/* journal_has: the journal on disk mentions op (it was written first). */
static int journal_has(const char *op)
{
    static char text[LP_JOURNAL_MAX_BYTES + 1];
    FILE *f = fopen(jpath, "rb");
    size_t n;

    if (f == NULL)
        return 0;
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return strstr(text, op) != NULL;
}

static struct lp_route to_route(const MIB_IPFORWARD_ROW2 *w)
{
    struct lp_route r;

    memset(&r, 0, sizeof(r));
    if (w->DestinationPrefix.Prefix.si_family == AF_INET) {
        r.dest.family = 4;
        memcpy(r.dest.a, &w->DestinationPrefix.Prefix.Ipv4.sin_addr, 4);
        r.nexthop.family = 4;
        memcpy(r.nexthop.a, &w->NextHop.Ipv4.sin_addr, 4);
    } else {
        r.dest.family = 6;
        memcpy(r.dest.a, &w->DestinationPrefix.Prefix.Ipv6.sin6_addr, 16);
        r.nexthop.family = 6;
        memcpy(r.nexthop.a, &w->NextHop.Ipv6.sin6_addr, 16);
    }
    r.prefixlen = w->DestinationPrefix.PrefixLength;
    r.luid = w->InterfaceLuid.Value;
    r.ifindex = w->InterfaceIndex;
    r.metric = w->Metric;
    return r;
}

static long find_route(const MIB_IPFORWARD_ROW2 *row)
{
    struct lp_route want = to_route(row);

    for (size_t i = 0; i < nroutes; i++) {
        struct lp_route have = to_route(&routes[i]);
        if (lp_routeplan_same(&have, &want))
            return (long)i;
    }
    return -1;
}

static DWORD WINAPI f_best_route2(NET_LUID *luid, NET_IFINDEX idx,
                                  const SOCKADDR_INET *src,
                                  const SOCKADDR_INET *dst, ULONG opts,
                                  PMIB_IPFORWARD_ROW2 best, SOCKADDR_INET *bsrc)
{
    struct lp_route tab[FAKE_MAX];
    struct lp_ipaddr a;
    size_t i;

    (void)luid;
    (void)idx;
    (void)src;
    (void)opts;
    (void)bsrc;
    if (!best_route2_ok)
        return ERROR_NOT_SUPPORTED;
    for (i = 0; i < nroutes; i++)
        tab[i] = to_route(&routes[i]);
    memset(&a, 0, sizeof(a));
    a.family = dst->si_family == AF_INET ? 4 : 6;
    if (a.family == 4)
        memcpy(a.a, &dst->Ipv4.sin_addr, 4);
    else
        memcpy(a.a, &dst->Ipv6.sin6_addr, 16);
    if (lp_routeplan_best(tab, nroutes, &a, 0, &i) != 0)
        return ERROR_NOT_FOUND;
    *best = routes[i];
    return NO_ERROR;
}

static DWORD best_if = 5; /* GetBestInterfaceEx's answer; 0: it fails */
static struct sockaddr_in best_if_asked;

static DWORD WINAPI f_best_if(struct sockaddr *dst, PDWORD idx)
{
    if (dst->sa_family == AF_INET)
        memcpy(&best_if_asked, dst, sizeof(best_if_asked));
    if (best_if == 0)
        return ERROR_NOT_FOUND;
    *idx = best_if;
    return NO_ERROR;
}

static DWORD WINAPI f_table(ADDRESS_FAMILY fam, PMIB_IPFORWARD_TABLE2 *out)
{
    PMIB_IPFORWARD_TABLE2 t =
        calloc(1, sizeof(*t) + FAKE_MAX * sizeof(MIB_IPFORWARD_ROW2));
    ULONG n = 0;

    for (size_t i = 0; i < nroutes; i++)
        if (routes[i].DestinationPrefix.Prefix.si_family == fam)
            t->Table[n++] = routes[i];
    t->NumEntries = n;
    *out = t;
    return NO_ERROR;
}

static VOID WINAPI f_free(PVOID p)
{
    free(p);
}

static DWORD WINAPI f_create(const MIB_IPFORWARD_ROW2 *row)
{
    if (!journal_has("\"route_add\""))
        unjournaled++;
    if (find_route(row) >= 0)
        return ERROR_OBJECT_ALREADY_EXISTS;
    if (nroutes == FAKE_MAX)
        return ERROR_NOT_ENOUGH_MEMORY;
    routes[nroutes++] = *row;
    return NO_ERROR;
}

static DWORD WINAPI f_delete(const MIB_IPFORWARD_ROW2 *row)
{
    long i = find_route(row);

    if (i < 0)
        return ERROR_NOT_FOUND;
    routes[i] = routes[--nroutes];
    return NO_ERROR;
}

static struct fake_if *find_if(const MIB_IPINTERFACE_ROW *row)
{
    for (size_t i = 0; i < 4; i++)
        if (ifs[i].luid == row->InterfaceLuid.Value &&
            ifs[i].family == row->Family)
            return &ifs[i];
    return NULL;
}

static DWORD WINAPI f_get_if(PMIB_IPINTERFACE_ROW row)
{
    struct fake_if *f = find_if(row);

    if (f == NULL)
        return ERROR_NOT_FOUND;
    row->Metric = f->metric;
    row->UseAutomaticMetric = f->automatic;
    row->NlMtu = f->mtu;
    row->DisableDefaultRoutes = f->ddr;
    row->SitePrefixLength = 64; /* as Windows reports it */
    return NO_ERROR;
}

static DWORD WINAPI f_set_if(PMIB_IPINTERFACE_ROW row)
{
    struct fake_if *f = find_if(row);

    if (f == NULL)
        return ERROR_NOT_FOUND;
    if (row->Family == AF_INET && row->SitePrefixLength != 0) {
        bad_site_len++;
        return ERROR_INVALID_PARAMETER;
    }
    if ((row->Metric != f->metric || row->UseAutomaticMetric != f->automatic) &&
        !journal_has("\"if_metric\""))
        unjournaled++;
    if (row->NlMtu != f->mtu && !journal_has("\"if_mtu\""))
        unjournaled++;
    if (row->DisableDefaultRoutes != f->ddr && !journal_has("\"if_ddr\""))
        unjournaled++;
    f->metric = row->Metric;
    f->automatic = row->UseAutomaticMetric;
    f->mtu = row->NlMtu;
    f->ddr = row->DisableDefaultRoutes;
    return NO_ERROR;
}

static struct lp_winapi fake_api(void)
{
    struct lp_winapi a;

    memset(&a, 0, sizeof(a));
    a.GetBestRoute2 = f_best_route2;
    a.GetBestInterfaceEx = f_best_if;
    a.GetIpForwardTable2 = f_table;
    a.CreateIpForwardEntry2 = f_create;
    a.DeleteIpForwardEntry2 = f_delete;
    a.GetIpInterfaceEntry = f_get_if;
    a.SetIpInterfaceEntry = f_set_if;
    a.FreeMibTable = f_free;
    return a;
}

static struct sockaddr_in relay_sa(const char *ip)
{
    struct sockaddr_in sa;
    struct lp_ipaddr a;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    lp_ipaddr_parse(&a, ip);
    memcpy(&sa.sin_addr, a.a, 4);
    return sa;
}

/* scope: what recovery may undo in these tests (the TAP, the relay). */
static struct lp_journal_scope scope(void)
{
    struct lp_journal_scope sc;

    memset(&sc, 0, sizeof(sc));
    sc.tap_luid = TAP_LUID;
    lp_ipaddr_parse(&sc.relays[0], "203.0.113.7");
    sc.nrelays = 1;
    return sc;
}

/* plant writes text as the journal with the administrators-only descriptor
 * (as a run would), so that only the entry checks can refuse it. */
static void plant(const char *text)
{
    CHECK_INT(lp_secdir_write(jpath, text, strlen(text)), 0);
}

static int file_exists(const char *p)
{
    FILE *f = fopen(p, "rb");

    if (f != NULL)
        fclose(f);
    return f != NULL;
}

static void test_pin_restore(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    struct sockaddr_in sa = relay_sa("203.0.113.7");
    char err[512] = "";
    int reused = -1;

    reset_fakes();
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_pin(&r, (struct sockaddr *)&sa, TAP_INDEX, &reused,
                              err, sizeof(err)),
              0);
    CHECK_STR(err, "");
    CHECK_INT(reused, 0);
    CHECK_INT(nroutes, 3);
    CHECK_INT(routes[2].DestinationPrefix.PrefixLength, 32);
    CHECK_INT(routes[2].InterfaceIndex, 5);
    CHECK_INT(routes[2].Protocol, MIB_IPPROTO_NETMGMT);
    CHECK_INT(r.pin_ours, 1);
    CHECK_INT(unjournaled, 0);
    CHECK(file_exists(jpath));
    CHECK_INT(lp_winroute_verify(&r, err, sizeof(err)), 0);
    /* Something deleted the pin and DHCP on the TAP installed a route
     * that captures the relay: verify notices. */
    routes[2] = routes[--nroutes];
    add_route("203.0.113.0", 24, "198.18.0.1", TAP_INDEX, TAP_LUID, 0);
    CHECK_INT(lp_winroute_verify(&r, err, sizeof(err)), LP_ERR_PROTO);
    CHECK(strstr(err, "interface 31") != NULL);
    CHECK(strstr(err, "203.0.113.7") != NULL);
    /* restoring a route that is already gone is not an error */
    CHECK_INT(lp_winroute_restore(&r), 0);
    CHECK_INT(nroutes, 3);
    CHECK(!file_exists(jpath));
}

static void test_pin_reuse(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    struct sockaddr_in sa = relay_sa("203.0.113.7");
    char err[512] = "";
    int reused = 0;

    reset_fakes();
    add_route("203.0.113.7", 32, "198.18.1.1", 5, WIFI_LUID, 0);
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_pin(&r, (struct sockaddr *)&sa, 0, &reused, err,
                              sizeof(err)),
              0);
    CHECK_INT(reused, 1);
    CHECK_INT(r.pin_ours, 0);
    CHECK_INT(r.j.n, 0);
    CHECK_INT(lp_winroute_restore(&r), 0);
    CHECK_INT(nroutes, 3); /* left in place */
}

static void test_pin_fallback(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    struct sockaddr_in sa = relay_sa("198.18.1.40");
    char err[512] = "";
    int reused = 0;

    reset_fakes();
    best_route2_ok = 0; /* wine: GetBestRoute2 returns ERROR_NOT_SUPPORTED */
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_pin(&r, (struct sockaddr *)&sa, 0, &reused, err,
                              sizeof(err)),
              0);
    CHECK_INT(nroutes, 3);
    CHECK_INT(routes[2].InterfaceIndex, 5); /* on-link, via the table walk */
    CHECK_INT(lp_winroute_verify(&r, err, sizeof(err)), 0);
    lp_winroute_restore(&r);
    CHECK_INT(nroutes, 2);
    /* no route at all */
    nroutes = 0;
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_pin(&r, (struct sockaddr *)&sa, 0, &reused, err,
                              sizeof(err)),
              LP_ERR_IO);
    CHECK(strstr(err, "198.18.1.40") != NULL);
}

static void test_tap_setup(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    char err[512] = "";
    int ddr_was_off = 0;

    reset_fakes();
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_tap_setup(&r, TAP_LUID, TAP_INDEX, 1380, &ddr_was_off,
                                    err, sizeof(err)),
              0);
    CHECK_STR(err, "");
    CHECK_INT(ddr_was_off, 1); /* IPv4 default routes were enabled */
    CHECK_INT(ifs[0].metric, LP_WINROUTE_TAP_METRIC);
    CHECK_INT(ifs[0].automatic, FALSE);
    CHECK_INT(ifs[0].mtu, 1380);
    CHECK_INT(ifs[0].ddr, TRUE);
    CHECK_INT(ifs[1].mtu, 1380);
    CHECK_INT(ifs[2].metric, 25); /* other interfaces untouched */
    CHECK_INT(unjournaled, 0);
    CHECK_INT(bad_site_len, 0);
    CHECK_INT(r.j.n, 6);
    /* after a reconnect: applied again, journaled once */
    CHECK_INT(lp_winroute_tap_setup(&r, TAP_LUID, TAP_INDEX, 1380, &ddr_was_off,
                                    err, sizeof(err)),
              0);
    CHECK_INT(r.j.n, 6);
    CHECK_INT(ddr_was_off, 0); /* warned once */
    ifs[0].metric = 35;        /* Windows reset the metric */
    ifs[0].automatic = TRUE;
    CHECK_INT(lp_winroute_tap_setup(&r, TAP_LUID, TAP_INDEX, 1380, &ddr_was_off,
                                    err, sizeof(err)),
              0);
    CHECK_INT(ifs[0].metric, LP_WINROUTE_TAP_METRIC);
    CHECK_INT(ifs[0].automatic, FALSE);
    CHECK_INT(r.j.n, 6);
    CHECK_INT(unjournaled, 0);
    CHECK_INT(lp_winroute_restore(&r), 0);
    CHECK_INT(ifs[0].metric, 35);
    CHECK_INT(ifs[0].automatic, TRUE);
    CHECK_INT(ifs[0].mtu, 1500);
    CHECK_INT(ifs[0].ddr, FALSE);
    CHECK_INT(ifs[1].ddr, TRUE);
    CHECK(!file_exists(jpath));
    /* IPv6 MTU below 1280 is left alone */
    lp_winroute_init(&r, &api, jpath);
    lp_winroute_tap_setup(&r, TAP_LUID, TAP_INDEX, 1200, &ddr_was_off, err,
                          sizeof(err));
    CHECK_INT(ifs[0].mtu, 1200);
    CHECK_INT(ifs[1].mtu, 1500);
    lp_winroute_restore(&r);
    /* a wine-like table without SetIpInterfaceEntry: skipped, not fatal */
    api.SetIpInterfaceEntry = NULL;
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_tap_setup(&r, TAP_LUID, TAP_INDEX, 1380, &ddr_was_off,
                                    err, sizeof(err)),
              LP_ERR_AGAIN);
}

static void test_crash_recovery(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute *crashed = calloc(1, sizeof(*crashed)), next;
    struct sockaddr_in sa = relay_sa("203.0.113.7");
    char err[512] = "";
    struct lp_journal_scope sc = scope();
    int reused, ddr;
    size_t undone = 99, refused = 99;

    reset_fakes();
    lp_winroute_init(crashed, &api, jpath);
    CHECK_INT(lp_winroute_pin(crashed, (struct sockaddr *)&sa, TAP_INDEX,
                              &reused, err, sizeof(err)),
              0);
    CHECK_INT(lp_winroute_tap_setup(crashed, TAP_LUID, TAP_INDEX, 1380, &ddr,
                                    err, sizeof(err)),
              0);
    /* the same run changes the metric again (e.g. after a reconnect) */
    lp_winroute_tap_setup(crashed, TAP_LUID, TAP_INDEX, 1280, &ddr, err,
                          sizeof(err));
    free(crashed); /* the process dies: nothing restored */
    CHECK_INT(nroutes, 3);
    CHECK_INT(ifs[0].mtu, 1280);
    CHECK(file_exists(jpath));
    lp_winroute_init(&next, &api, jpath);
    CHECK_INT(
        lp_winroute_recover(&next, &sc, &undone, &refused, err, sizeof(err)),
        0);
    CHECK_INT(refused, 0);
    CHECK_INT(undone, 7); /* the route and 6 original interface values */
    CHECK_INT(nroutes, 2);
    CHECK_INT(ifs[0].metric, 35);
    CHECK_INT(ifs[0].automatic, TRUE);
    CHECK_INT(ifs[0].mtu, 1500);
    CHECK_INT(ifs[0].ddr, FALSE);
    CHECK_INT(ifs[1].mtu, 1500);
    CHECK_INT(ifs[1].ddr, TRUE);
    CHECK(!file_exists(jpath));
    /* nothing to recover the second time */
    CHECK_INT(
        lp_winroute_recover(&next, &sc, &undone, &refused, err, sizeof(err)),
        0);
    CHECK_INT(undone, 0);
    /* a journaled route that was never created: harmless */
    reset_fakes();
    plant("{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
          "\"203.0.113.7\",\"prefix\":32,\"nexthop\":\"198.18.1.1\","
          "\"luid\":\"0x47000002000000\",\"ifindex\":5}]}");
    CHECK_INT(
        lp_winroute_recover(&next, &sc, &undone, &refused, err, sizeof(err)),
        0);
    CHECK_INT(undone, 1);
    CHECK_INT(nroutes, 2);
}

static void test_bad_journal(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    char err[512] = "", bad[MAX_PATH + 8];
    struct lp_journal_scope sc = scope();
    size_t undone, refused;

    reset_fakes();
    snprintf(bad, sizeof(bad), "%s.bad", jpath);
    remove(bad);
    plant("{\"version\":1,\"entries\":[{\"op\":\"format_c\"}]}");
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
              LP_ERR_INVAL);
    CHECK(strstr(err, "'format_c'") != NULL);
    CHECK(strstr(err, ".bad") != NULL);
    CHECK(!file_exists(jpath));
    CHECK(file_exists(bad));
    remove(bad);
}

/*
 * The journal an unprivileged process could plant before this fix: delete
 * the default route, MTU 68 on the Wi-Fi interface, delete a /24, delete a
 * host route to something that is not the relay. Every entry is refused
 * and logged, nothing is changed, and the file is set aside.
 */
static void test_planted_journal(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    struct lp_journal_scope sc = scope();
    char err[512] = "", bad[MAX_PATH + 8];
    size_t undone = 99, refused = 0;

    reset_fakes();
    add_route("198.51.100.0", 24, "198.18.1.1", 5, WIFI_LUID, 0);
    add_route("192.0.2.1", 32, "198.18.1.1", 5, WIFI_LUID, 0);
    snprintf(bad, sizeof(bad), "%s.bad", jpath);
    remove(bad);
    plant("{\"version\":1,\"entries\":["
          "{\"op\":\"route_add\",\"dest\":\"0.0.0.0\",\"prefix\":0,"
          "\"nexthop\":\"198.18.1.1\",\"luid\":\"0x47000002000000\","
          "\"ifindex\":5},"
          "{\"op\":\"if_mtu\",\"family\":4,\"luid\":\"0x47000002000000\","
          "\"ifindex\":5,\"old\":68},"
          "{\"op\":\"route_add\",\"dest\":\"198.51.100.0\",\"prefix\":24,"
          "\"nexthop\":\"198.18.1.1\",\"luid\":\"0x47000002000000\","
          "\"ifindex\":5},"
          "{\"op\":\"route_add\",\"dest\":\"192.0.2.1\",\"prefix\":32,"
          "\"nexthop\":\"198.18.1.1\",\"luid\":\"0x47000002000000\","
          "\"ifindex\":5},"
          "{\"op\":\"if_mtu\",\"family\":4,\"luid\":\"0x35000001000000\","
          "\"ifindex\":31,\"old\":68}]}");
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
              LP_ERR_PERM);
    CHECK_INT(undone, 0);
    CHECK_INT(refused, 5);
    CHECK_INT(nroutes, 4); /* default route, /24 and the /32 still there */
    CHECK_INT(ifs[2].mtu, 1500);
    CHECK_INT(ifs[0].mtu, 1500); /* the TAP's, to 68: out of range */
    CHECK(strstr(err, "refused 5") != NULL);
    CHECK(!file_exists(jpath));
    CHECK(file_exists(bad));
    remove(bad);
    /* Mixed: the relay's host route and the TAP's MTU are undone, the
     * default route is refused, and the journal is still set aside. */
    reset_fakes();
    add_route("203.0.113.7", 32, "198.18.1.1", 5, WIFI_LUID, 0);
    ifs[0].mtu = 1380;
    plant("{\"version\":1,\"entries\":["
          "{\"op\":\"route_add\",\"dest\":\"203.0.113.7\",\"prefix\":32,"
          "\"nexthop\":\"198.18.1.1\",\"luid\":\"0x47000002000000\","
          "\"ifindex\":5},"
          "{\"op\":\"if_mtu\",\"family\":4,\"luid\":\"0x35000001000000\","
          "\"ifindex\":31,\"old\":1500},"
          "{\"op\":\"route_add\",\"dest\":\"0.0.0.0\",\"prefix\":0,"
          "\"nexthop\":\"198.18.1.1\",\"luid\":\"0x47000002000000\","
          "\"ifindex\":5}]}");
    CHECK_INT(lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
              LP_ERR_PERM);
    CHECK_INT(undone, 2);
    CHECK_INT(refused, 1);
    CHECK_INT(nroutes, 2); /* the pin is gone, the default route stays */
    CHECK_INT(ifs[0].mtu, 1500);
    remove(bad);
    /* Without a known TAP (tap_luid 0), no interface entry is accepted. */
    reset_fakes();
    ifs[0].mtu = 1380;
    plant("{\"version\":1,\"entries\":["
          "{\"op\":\"if_mtu\",\"family\":4,\"luid\":\"0x35000001000000\","
          "\"ifindex\":31,\"old\":1500}]}");
    sc.tap_luid = 0;
    CHECK_INT(lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
              LP_ERR_PERM);
    CHECK_INT(refused, 1);
    CHECK_INT(ifs[0].mtu, 1380);
    remove(bad);
}

/* A journal file everyone may write (what a user's process can leave) is
 * refused before it is parsed. */
/* Which interface sends 255.255.255.255: the TAP (its metric won), another
 * one (the player is told), or Windows cannot say. */
static void test_bcast_if(void)
{
    struct lp_winapi a = fake_api();
    uint32_t winner = 0;

    best_if = 7;
    CHECK_INT(lp_winroute_bcast_if(&a, 7, &winner), 1);
    CHECK_INT(winner, 7);
    CHECK_INT(best_if_asked.sin_addr.s_addr, INADDR_BROADCAST);
    best_if = 3;
    CHECK_INT(lp_winroute_bcast_if(&a, 7, &winner), 0);
    CHECK_INT(winner, 3);
    best_if = 0;
    CHECK_INT(lp_winroute_bcast_if(&a, 7, &winner), LP_ERR_IO);
    a.GetBestInterfaceEx = NULL;
    CHECK_INT(lp_winroute_bcast_if(&a, 7, &winner), LP_ERR_IO);
    best_if = 5;
}

static void test_untrusted_file(void)
{
    struct lp_winapi api = fake_api();
    struct lp_winroute r;
    struct lp_journal_scope sc = scope();
    char err[512] = "", bad[MAX_PATH + 8];
    size_t undone = 99, refused = 99;
    static const char text[] =
        "{\"version\":1,\"entries\":[{\"op\":\"route_add\",\"dest\":"
        "\"203.0.113.7\",\"prefix\":32,\"nexthop\":\"198.18.1.1\","
        "\"luid\":\"0x47000002000000\",\"ifindex\":5}]}";
    PSECURITY_DESCRIPTOR sd = NULL;
    FILE *f;

    reset_fakes();
    add_route("203.0.113.7", 32, "198.18.1.1", 5, WIFI_LUID, 0);
    snprintf(bad, sizeof(bad), "%s.bad", jpath);
    remove(bad);
    f = fopen(jpath, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    /* set afterwards: wine ignores a descriptor given at creation */
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(
        "D:(A;;FA;;;WD)", SDDL_REVISION_1, &sd, NULL));
    CHECK(SetFileSecurityA(jpath, DACL_SECURITY_INFORMATION, sd));
    LocalFree(sd);
    lp_winroute_init(&r, &api, jpath);
    CHECK_INT(lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
              LP_ERR_PERM);
    CHECK(strstr(err, "refusing the journal") != NULL);
    CHECK_INT(undone, 0);
    CHECK_INT(nroutes, 3);
    CHECK(!file_exists(jpath));
    CHECK(file_exists(bad));
    remove(bad);
    /* no trustworthy directory: nothing is journaled, so nothing changes */
    lp_winroute_init(&r, &api, "");
    {
        struct sockaddr_in rs = relay_sa("198.18.1.40");
        int reused = 0;
        CHECK_INT(lp_winroute_pin(&r, (struct sockaddr *)&rs, 0, &reused, err,
                                  sizeof(err)),
                  LP_ERR_IO);
        CHECK_INT(nroutes, 3);
        CHECK_INT(
            lp_winroute_recover(&r, &sc, &undone, &refused, err, sizeof(err)),
            0);
    }
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"pin_restore", test_pin_restore},
        {"pin_reuse", test_pin_reuse},
        {"pin_fallback", test_pin_fallback},
        {"tap_setup", test_tap_setup},
        {"crash_recovery", test_crash_recovery},
        {"bad_journal", test_bad_journal},
        {"planted_journal", test_planted_journal},
        {"untrusted_file", test_untrusted_file},
        {"bcast_if", test_bcast_if},
    };
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(sizeof(dir), dir);

    if (n == 0 || n >= sizeof(dir))
        snprintf(dir, sizeof(dir), ".\\");
    snprintf(jpath, sizeof(jpath), "%slp-winroute-test-%lu.json", dir,
             (unsigned long)GetCurrentProcessId());
    return lp_wintest_run("winroute", tests, sizeof(tests) / sizeof(tests[0]));
}
