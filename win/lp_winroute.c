/* lp_winroute: route protection with IP Helper; see lp_winroute.h. */
#include "lp_winroute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_log.h"
#include "lp_secdir.h"

void lp_winroute_init(struct lp_winroute *r, const struct lp_winapi *api,
                      const char *journal_path)
{
    memset(r, 0, sizeof(*r));
    r->api = api;
    snprintf(r->journal_path, sizeof(r->journal_path), "%s", journal_path);
}

/* winroute_save writes the journal atomically with the administrators-only
 * descriptor (lp_secdir_write). */
static int winroute_save(struct lp_winroute *r)
{
    static char text[LP_JOURNAL_MAX_BYTES];
    long n;

    if (r->journal_path[0] == '\0')
        return LP_ERR_IO; /* no trustworthy place for it */
    n = lp_journal_encode(&r->j, text, sizeof(text));
    if (n < 0)
        return (int)n;
    return lp_secdir_write(r->journal_path, text, (size_t)n);
}

/* winroute_journal appends e and saves before the caller changes anything. */
static int winroute_journal(struct lp_winroute *r, const struct lp_jentry *e,
                            char *err, size_t errlen)
{
    int rv = lp_journal_add(&r->j, e);

    if (rv == 0)
        rv = winroute_save(r);
    if (rv != 0) {
        snprintf(err, errlen,
                 "cannot write the undo journal '%s' (%s); not changing the "
                 "system",
                 r->journal_path, lp_strerror(rv));
        if (r->j.n > 0 && rv != LP_ERR_RANGE)
            r->j.n--;
        return LP_ERR_IO;
    }
    return 0;
}

static void winroute_to_sockaddr(SOCKADDR_INET *s, const struct lp_ipaddr *a)
{
    memset(s, 0, sizeof(*s));
    if (a->family == 4) {
        s->Ipv4.sin_family = AF_INET;
        memcpy(&s->Ipv4.sin_addr, a->a, 4);
    } else {
        s->Ipv6.sin6_family = AF_INET6;
        memcpy(&s->Ipv6.sin6_addr, a->a, 16);
    }
}

static void winroute_from_sockaddr(struct lp_ipaddr *a, const SOCKADDR_INET *s)
{
    memset(a, 0, sizeof(*a));
    if (s->si_family == AF_INET) {
        a->family = 4;
        memcpy(a->a, &s->Ipv4.sin_addr, 4);
    } else if (s->si_family == AF_INET6) {
        a->family = 6;
        memcpy(a->a, &s->Ipv6.sin6_addr, 16);
    }
}

static void winroute_from_row(struct lp_route *r, const MIB_IPFORWARD_ROW2 *w)
{
    memset(r, 0, sizeof(*r));
    winroute_from_sockaddr(&r->dest, &w->DestinationPrefix.Prefix);
    r->prefixlen = w->DestinationPrefix.PrefixLength;
    winroute_from_sockaddr(&r->nexthop, &w->NextHop);
    r->luid = w->InterfaceLuid.Value;
    r->ifindex = w->InterfaceIndex;
    r->metric = w->Metric;
}

static void winroute_to_row(MIB_IPFORWARD_ROW2 *w, const struct lp_route *r)
{
    /* As OpenVPN's service does: zero, infinite lifetimes, NETMGMT
     * (InitializeIpForwardEntry is missing in wine and sets illegal
     * values we would overwrite anyway). */
    memset(w, 0, sizeof(*w));
    winroute_to_sockaddr(&w->DestinationPrefix.Prefix, &r->dest);
    w->DestinationPrefix.PrefixLength = r->prefixlen;
    winroute_to_sockaddr(&w->NextHop, &r->nexthop);
    w->InterfaceLuid.Value = r->luid;
    w->InterfaceIndex = r->ifindex;
    w->ValidLifetime = 0xffffffff;
    w->PreferredLifetime = 0xffffffff;
    w->Protocol = MIB_IPPROTO_NETMGMT;
    w->Metric = r->metric;
    w->SitePrefixLength = 0;
}

/* winroute_table reads the routing table of one family (4 or 6) into a
 * malloc'd array. Returns the count, or -1. */
static long winroute_table(const struct lp_winapi *api, int family,
                           struct lp_route **out)
{
    PMIB_IPFORWARD_TABLE2 t = NULL;
    struct lp_route *v;
    long n;

    *out = NULL;
    if (api->GetIpForwardTable2 == NULL || api->FreeMibTable == NULL ||
        api->GetIpForwardTable2(family == 4 ? AF_INET : AF_INET6, &t) !=
            NO_ERROR)
        return -1;
    n = (long)t->NumEntries;
    v = calloc((size_t)n + 1, sizeof(*v));
    if (v == NULL) {
        api->FreeMibTable(t);
        return -1;
    }
    for (long i = 0; i < n; i++) {
        winroute_from_row(&v[i], &t->Table[i]);
        /* Windows adds the interface metric; without GetIpInterfaceEntry
         * (wine) route metrics alone decide. */
        if (api->GetIpInterfaceEntry != NULL && !api->is_wine) {
            MIB_IPINTERFACE_ROW row;
            memset(&row, 0, sizeof(row));
            row.Family = family == 4 ? AF_INET : AF_INET6;
            row.InterfaceLuid = t->Table[i].InterfaceLuid;
            if (api->GetIpInterfaceEntry(&row) == NO_ERROR)
                v[i].if_metric = row.Metric;
        }
    }
    api->FreeMibTable(t);
    *out = v;
    return n;
}

/*
 * winroute_best asks Windows for its route to addr: GetBestInterfaceEx then
 * GetBestRoute2 on that interface (OpenVPN's route.c order); where
 * GetBestRoute2 is missing or a stub (wine), the table walk of
 * lp_routeplan_best. exclude is the TAP's ifindex (0 = none).
 */
static int winroute_best(const struct lp_winapi *api,
                         const struct lp_ipaddr *addr, uint32_t exclude,
                         struct lp_route *best)
{
    SOCKADDR_INET dst, src;
    MIB_IPFORWARD_ROW2 row;
    DWORD ifidx = 0;
    struct lp_route *tab;
    long n;
    size_t idx;
    int rv;

    winroute_to_sockaddr(&dst, addr);
    if (api->GetBestRoute2 != NULL && api->GetBestInterfaceEx != NULL &&
        exclude == 0 &&
        api->GetBestInterfaceEx((struct sockaddr *)&dst, &ifidx) == NO_ERROR) {
        NET_LUID zero;
        zero.Value = 0;
        memset(&row, 0, sizeof(row));
        if (api->GetBestRoute2(&zero, ifidx, NULL, &dst, 0, &row, &src) ==
            NO_ERROR) {
            winroute_from_row(best, &row);
            return 0;
        }
    }
    n = winroute_table(api, addr->family, &tab);
    if (n < 0)
        return LP_ERR_IO;
    rv = lp_routeplan_best(tab, (size_t)n, addr, exclude, &idx);
    if (rv == 0)
        *best = tab[idx];
    free(tab);
    return rv == 0 ? 0 : LP_ERR_IO;
}

int lp_winroute_pin(struct lp_winroute *r, const struct sockaddr *relay,
                    uint32_t tap_ifindex, int *reused, char *err, size_t errlen)
{
    struct lp_route best, *tab = NULL;
    struct lp_jentry e;
    MIB_IPFORWARD_ROW2 row;
    char a[46], m[160];
    long n;
    DWORD rc;

    *reused = 0;
    memset(&r->relay, 0, sizeof(r->relay));
    if (relay->sa_family == AF_INET) {
        r->relay.family = 4;
        memcpy(r->relay.a, &((const struct sockaddr_in *)relay)->sin_addr, 4);
    } else {
        r->relay.family = 6;
        memcpy(r->relay.a, &((const struct sockaddr_in6 *)relay)->sin6_addr,
               16);
    }
    lp_ipaddr_format(a, &r->relay);
    if (winroute_best(r->api, &r->relay, tap_ifindex, &best) != 0) {
        snprintf(err, errlen, "no route to the relay %s", a);
        return LP_ERR_IO;
    }
    lp_routeplan_pin(&r->pin, &best, &r->relay);
    r->have_pin = 1;
    n = winroute_table(r->api, r->relay.family, &tab);
    if (n >= 0 && lp_routeplan_find(tab, (size_t)n, &r->pin) >= 0) {
        free(tab);
        *reused = 1;
        return 0;
    }
    free(tab);
    if (r->api->is_wine || r->api->CreateIpForwardEntry2 == NULL) {
        snprintf(err, errlen,
                 "cannot pin the route to the relay %s here (no "
                 "CreateIpForwardEntry2: wine?)",
                 a);
        return LP_ERR_AGAIN;
    }
    memset(&e, 0, sizeof(e));
    e.op = LP_JOP_ROUTE_ADD;
    e.route = r->pin;
    e.family = r->relay.family;
    e.luid = r->pin.luid;
    e.ifindex = r->pin.ifindex;
    if (winroute_journal(r, &e, err, errlen) != 0)
        return LP_ERR_IO;
    winroute_to_row(&row, &r->pin);
    rc = r->api->CreateIpForwardEntry2(&row);
    if (rc == ERROR_OBJECT_ALREADY_EXISTS) {
        /* Not ours: leave it in place on exit (OpenVPN's RTA_EEXIST). */
        r->j.n--;
        winroute_save(r);
        *reused = 1;
        return 0;
    }
    if (rc != NO_ERROR) {
        snprintf(err, errlen, "cannot add the host route to the relay %s: %s%s",
                 a, lp_winapi_strerror(rc, m, sizeof(m)),
                 rc == ERROR_ACCESS_DENIED
                     ? " (run lanparty-client as administrator)"
                     : "");
        return LP_ERR_IO;
    }
    r->pin_ours = 1;
    return 0;
}

int lp_winroute_verify(struct lp_winroute *r, char *err, size_t errlen)
{
    struct lp_route chosen;
    SOCKADDR_INET dst, src;
    MIB_IPFORWARD_ROW2 row;
    NET_LUID zero;
    char a[46];

    if (!r->have_pin)
        return 0;
    lp_ipaddr_format(a, &r->relay);
    winroute_to_sockaddr(&dst, &r->relay);
    zero.Value = 0;
    memset(&row, 0, sizeof(row));
    /* Ask without naming an interface: the route Windows really uses. */
    if (r->api->GetBestRoute2 != NULL &&
        r->api->GetBestRoute2(&zero, 0, NULL, &dst, 0, &row, &src) ==
            NO_ERROR) {
        winroute_from_row(&chosen, &row);
    } else if (winroute_best(r->api, &r->relay, 0, &chosen) != 0) {
        snprintf(err, errlen, "cannot look up the route to the relay %s", a);
        return LP_ERR_IO;
    }
    return lp_routeplan_verify(&chosen, &r->pin, err, errlen);
}

/* winroute_if_set changes one interface setting of one family, journaling
 * the old value first. Returns 0, 1 (family not bound: skipped) or
 * LP_ERR_IO. */
/* winroute_journaled: this run already journaled op on the interface, so
 * restoring brings back the value found first. */
static int winroute_journaled(const struct lp_winroute *r, enum lp_jop op,
                              int family, uint64_t luid)
{
    for (size_t i = 0; i < r->j.n; i++)
        if (r->j.e[i].op == op && r->j.e[i].family == family &&
            r->j.e[i].luid == luid)
            return 1;
    return 0;
}

static int winroute_if_set(struct lp_winroute *r, int family, uint64_t luid,
                           uint32_t ifindex, enum lp_jop op, uint32_t value,
                           uint32_t *old, char *err, size_t errlen)
{
    MIB_IPINTERFACE_ROW row;
    struct lp_jentry e;
    DWORD rc;
    char m[160];
    int same;

    memset(&row, 0, sizeof(row));
    row.Family = family == 4 ? AF_INET : AF_INET6;
    row.InterfaceLuid.Value = luid;
    rc = r->api->GetIpInterfaceEntry(&row);
    if (rc == ERROR_NOT_FOUND)
        return 1;
    if (rc != NO_ERROR) {
        snprintf(err, errlen, "cannot read the TAP's IPv%d settings: %s",
                 family, lp_winapi_strerror(rc, m, sizeof(m)));
        return LP_ERR_IO;
    }
    memset(&e, 0, sizeof(e));
    e.op = op;
    e.family = (uint8_t)family;
    e.luid = luid;
    e.ifindex = ifindex;
    switch (op) {
    case LP_JOP_IF_METRIC:
        e.old = row.Metric;
        e.old_auto = row.UseAutomaticMetric ? 1 : 0;
        same = row.Metric == value && !row.UseAutomaticMetric;
        row.Metric = value;
        row.UseAutomaticMetric = FALSE;
        break;
    case LP_JOP_IF_MTU:
        e.old = row.NlMtu;
        same = row.NlMtu == value;
        row.NlMtu = value;
        break;
    default:
        e.old = row.DisableDefaultRoutes ? 1 : 0;
        same = e.old == (value ? 1u : 0u);
        row.DisableDefaultRoutes = value ? TRUE : FALSE;
        break;
    }
    if (old != NULL)
        *old = e.old;
    if (winroute_journaled(r, op, family, luid)) {
        /* applied again after a reconnect (Windows may reset it): the
         * journal keeps the first old value */
        if (old != NULL)
            *old = value;
        if (same)
            return 0;
    } else if (winroute_journal(r, &e, err, errlen) != 0) {
        return LP_ERR_IO;
    }
    /* IPv4 rows are refused unless SitePrefixLength is 0 (MS docs). */
    if (family == 4)
        row.SitePrefixLength = 0;
    rc = r->api->SetIpInterfaceEntry(&row);
    if (rc != NO_ERROR) {
        snprintf(err, errlen, "cannot set the TAP's IPv%d %s: %s", family,
                 op == LP_JOP_IF_METRIC ? "metric"
                 : op == LP_JOP_IF_MTU  ? "MTU"
                                        : "default-route setting",
                 lp_winapi_strerror(rc, m, sizeof(m)));
        return LP_ERR_IO;
    }
    return 0;
}

int lp_winroute_tap_setup(struct lp_winroute *r, uint64_t tap_luid,
                          uint32_t tap_ifindex, uint32_t mtu, int *ddr_was_off,
                          char *err, size_t errlen)
{
    static const int fams[2] = {4, 6};

    *ddr_was_off = 0;
    if (r->api->is_wine || r->api->GetIpInterfaceEntry == NULL ||
        r->api->SetIpInterfaceEntry == NULL) {
        snprintf(err, errlen,
                 "cannot change the TAP's interface settings here (no "
                 "SetIpInterfaceEntry: wine?)");
        return LP_ERR_AGAIN;
    }
    for (int i = 0; i < 2; i++) {
        int f = fams[i], rv;
        uint32_t old = 0;

        rv = winroute_if_set(r, f, tap_luid, tap_ifindex, LP_JOP_IF_METRIC,
                             LP_WINROUTE_TAP_METRIC, NULL, err, errlen);
        if (rv == 1)
            continue;
        if (rv != 0)
            return rv;
        /* IPv6 needs at least 1280 (RFC 8200); leave it alone below. */
        if (f == 4 || mtu >= 1280) {
            rv = winroute_if_set(r, f, tap_luid, tap_ifindex, LP_JOP_IF_MTU,
                                 mtu, NULL, err, errlen);
            if (rv < 0)
                return rv;
        }
        rv = winroute_if_set(r, f, tap_luid, tap_ifindex, LP_JOP_IF_DDR, 1,
                             &old, err, errlen);
        if (rv < 0)
            return rv;
        if (rv == 0 && old == 0)
            *ddr_was_off = 1;
    }
    return 0;
}

/* winroute_undo performs one undo step. 0 or a Win32 error code. */
static DWORD winroute_undo(const struct lp_winapi *api,
                           const struct lp_jentry *e)
{
    MIB_IPINTERFACE_ROW row;
    MIB_IPFORWARD_ROW2 fw;
    DWORD rc;

    /* wine exports these as stubs that abort the process when called. */
    if (api->is_wine)
        return ERROR_NOT_SUPPORTED;
    if (e->op == LP_JOP_ROUTE_ADD) {
        if (api->DeleteIpForwardEntry2 == NULL)
            return ERROR_NOT_SUPPORTED;
        winroute_to_row(&fw, &e->route);
        rc = api->DeleteIpForwardEntry2(&fw);
        /* Journaled but never made, or gone with its interface. */
        return rc == ERROR_NOT_FOUND || rc == ERROR_FILE_NOT_FOUND ? 0 : rc;
    }
    if (api->GetIpInterfaceEntry == NULL || api->SetIpInterfaceEntry == NULL)
        return ERROR_NOT_SUPPORTED;
    memset(&row, 0, sizeof(row));
    row.Family = e->family == 4 ? AF_INET : AF_INET6;
    row.InterfaceLuid.Value = e->luid;
    rc = api->GetIpInterfaceEntry(&row);
    if (rc == ERROR_NOT_FOUND || rc == ERROR_FILE_NOT_FOUND)
        return 0; /* the adapter is gone; nothing to restore */
    if (rc != NO_ERROR)
        return rc;
    if (e->op == LP_JOP_IF_METRIC) {
        row.Metric = e->old;
        row.UseAutomaticMetric = e->old_auto ? TRUE : FALSE;
    } else if (e->op == LP_JOP_IF_MTU) {
        row.NlMtu = e->old;
    } else {
        row.DisableDefaultRoutes = e->old ? TRUE : FALSE;
    }
    if (e->family == 4)
        row.SitePrefixLength = 0;
    return api->SetIpInterfaceEntry(&row);
}

/* winroute_undo_all performs the undo plan of j. With a scope (recovery
 * from a file), each step is first checked against it; refused steps are
 * logged and counted in *refused. Returns the number of failed steps. */
static int winroute_undo_all(const struct lp_winapi *api,
                             const struct lp_journal *j,
                             const struct lp_journal_scope *scope, size_t *done,
                             size_t *refused)
{
    struct lp_jentry plan[LP_JOURNAL_MAX];
    size_t n = lp_journal_plan(j, plan, LP_JOURNAL_MAX);
    int failed = 0;

    *done = 0;
    *refused = 0;
    for (size_t i = 0; i < n; i++) {
        DWORD rc;
        char m[256];
        if (scope != NULL &&
            lp_journal_allowed(&plan[i], scope, m, sizeof(m)) != 0) {
            (*refused)++;
            lp_logf(LP_LOG_ERROR, "journal_refused",
                    "journal entry %s not undone: %s", lp_jop_name(plan[i].op),
                    m);
            continue;
        }
        rc = winroute_undo(api, &plan[i]);
        if (rc != NO_ERROR) {
            failed++;
            lp_logf(LP_LOG_WARN, "undo_failed", "cannot undo %s: %s",
                    lp_jop_name(plan[i].op),
                    lp_winapi_strerror(rc, m, sizeof(m)));
        } else {
            (*done)++;
        }
    }
    return failed;
}

/* winroute_set_aside renames the journal to *.bad (kept for inspection,
 * never read again) and appends that to err. */
static void winroute_set_aside(struct lp_winroute *r, char *err, size_t errlen)
{
    char bad[MAX_PATH + 8];
    size_t used = strnlen(err, errlen);

    snprintf(bad, sizeof(bad), "%s.bad", r->journal_path);
    MoveFileExA(r->journal_path, bad, MOVEFILE_REPLACE_EXISTING);
    if (used < errlen)
        snprintf(err + used, errlen - used, " (in '%s', moved to '%s')",
                 r->journal_path, bad);
}

int lp_winroute_recover(struct lp_winroute *r,
                        const struct lp_journal_scope *scope, size_t *undone,
                        size_t *refused, char *err, size_t errlen)
{
    static char text[LP_JOURNAL_MAX_BYTES + 1];
    struct lp_journal old;
    size_t n;
    int rv;

    *undone = 0;
    *refused = 0;
    if (r->journal_path[0] == '\0')
        return 0;
    rv = lp_secdir_read(r->journal_path, text, sizeof(text), &n, err, errlen);
    if (rv == 1)
        return 0;
    if (rv == LP_ERR_PERM) {
        winroute_set_aside(r, err, errlen);
        return LP_ERR_PERM;
    }
    if (rv != 0)
        return rv;
    if (lp_journal_decode(&old, text, n, err, errlen) != 0) {
        winroute_set_aside(r, err, errlen);
        return LP_ERR_INVAL;
    }
    winroute_undo_all(r->api, &old, scope, undone, refused);
    if (*refused > 0) {
        snprintf(err, errlen, "refused %u journal entries (logged)",
                 (unsigned)*refused);
        winroute_set_aside(r, err, errlen);
        return LP_ERR_PERM;
    }
    DeleteFileA(r->journal_path);
    return 0;
}

int lp_winroute_restore(struct lp_winroute *r)
{
    size_t done, refused;
    int failed = winroute_undo_all(r->api, &r->j, NULL, &done, &refused);

    if (r->j.n > 0)
        lp_logf(LP_LOG_INFO, "restored", "undid %u system changes",
                (unsigned)done);
    memset(&r->j, 0, sizeof(r->j));
    if (failed == 0 && r->journal_path[0] != '\0')
        DeleteFileA(r->journal_path);
    r->have_pin = 0;
    r->pin_ours = 0;
    return failed;
}

int lp_winroute_tap_luid(const struct lp_winapi *api, const char *guid,
                         uint64_t *luid, uint32_t *ifindex)
{
    GUID g;
    NET_LUID l;
    NET_IFINDEX idx = 0;
    unsigned long d1;
    unsigned int d2, d3, b[8];

    if (api->ConvertInterfaceGuidToLuid == NULL ||
        sscanf(guid, "{%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &d1, &d2, &d3,
               &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7]) != 11)
        return LP_ERR_IO;
    g.Data1 = (unsigned long)d1;
    g.Data2 = (unsigned short)d2;
    g.Data3 = (unsigned short)d3;
    for (int i = 0; i < 8; i++)
        g.Data4[i] = (unsigned char)b[i];
    if (api->ConvertInterfaceGuidToLuid(&g, &l) != NO_ERROR)
        return LP_ERR_IO;
    *luid = l.Value;
    if (api->ConvertInterfaceLuidToIndex != NULL)
        api->ConvertInterfaceLuidToIndex(&l, &idx);
    *ifindex = idx;
    return 0;
}

int lp_winroute_bcast_if(const struct lp_winapi *api, uint32_t tap_ifindex,
                         uint32_t *winner)
{
    struct sockaddr_in dst;
    DWORD idx = 0;

    if (api->GetBestInterfaceEx == NULL)
        return LP_ERR_IO;
    memset(&dst, 0, sizeof(dst));
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = INADDR_BROADCAST;
    if (api->GetBestInterfaceEx((struct sockaddr *)&dst, &idx) != NO_ERROR)
        return LP_ERR_IO;
    *winner = (uint32_t)idx;
    return idx == tap_ifindex ? 1 : 0;
}
