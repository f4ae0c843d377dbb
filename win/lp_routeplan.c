/* lp_routeplan: pure route-choice logic; see lp_routeplan.h. */
#include "lp_routeplan.h"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <sys/socket.h>
#endif

#include <stdio.h>
#include <string.h>

#include "lp_err.h"

int lp_ipaddr_parse(struct lp_ipaddr *out, const char *s)
{
    memset(out, 0, sizeof(*out));
    if (s == NULL || strnlen(s, 64) >= 64)
        return LP_ERR_INVAL;
    if (inet_pton(AF_INET, s, out->a) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->a) == 1) {
        out->family = 6;
        return 0;
    }
    return LP_ERR_INVAL;
}

void lp_ipaddr_format(char out[static 46], const struct lp_ipaddr *a)
{
    if (a->family == 4) {
        snprintf(out, 46, "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
        return;
    }
    if (a->family != 6 || inet_ntop(AF_INET6, a->a, out, 46) == NULL)
        snprintf(out, 46, "?");
}

int lp_ipaddr_equal(const struct lp_ipaddr *x, const struct lp_ipaddr *y)
{
    size_t n = x->family == 4 ? 4 : 16;

    return x->family == y->family && memcmp(x->a, y->a, n) == 0;
}

int lp_route_matches(const struct lp_route *r, const struct lp_ipaddr *addr)
{
    unsigned bits = r->prefixlen, full, rest;

    if (r->dest.family != addr->family ||
        bits > (addr->family == 4 ? 32u : 128u))
        return 0;
    full = bits / 8;
    rest = bits % 8;
    if (memcmp(r->dest.a, addr->a, full) != 0)
        return 0;
    if (rest != 0) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((r->dest.a[full] & mask) != (addr->a[full] & mask))
            return 0;
    }
    return 1;
}

int lp_routeplan_best(const struct lp_route *table, size_t n,
                      const struct lp_ipaddr *addr, uint32_t exclude_ifindex,
                      size_t *idx)
{
    long best = -1;

    for (size_t i = 0; i < n; i++) {
        const struct lp_route *r = &table[i], *b;
        uint64_t m, bm;

        if (exclude_ifindex != 0 && r->ifindex == exclude_ifindex)
            continue;
        if (!lp_route_matches(r, addr))
            continue;
        if (best < 0) {
            best = (long)i;
            continue;
        }
        b = &table[best];
        m = (uint64_t)r->metric + r->if_metric;
        bm = (uint64_t)b->metric + b->if_metric;
        if (r->prefixlen > b->prefixlen ||
            (r->prefixlen == b->prefixlen &&
             (m < bm || (m == bm && r->ifindex < b->ifindex))))
            best = (long)i;
    }
    if (best < 0)
        return LP_ERR_INVAL;
    *idx = (size_t)best;
    return 0;
}

void lp_routeplan_pin(struct lp_route *pin, const struct lp_route *best,
                      const struct lp_ipaddr *relay)
{
    memset(pin, 0, sizeof(*pin));
    pin->dest = *relay;
    pin->prefixlen = relay->family == 4 ? 32 : 128;
    pin->nexthop = best->nexthop;
    if (pin->nexthop.family == 0)
        pin->nexthop.family = relay->family; /* on-link: zero next hop */
    pin->luid = best->luid;
    pin->ifindex = best->ifindex;
    pin->metric = 0;
    pin->if_metric = best->if_metric;
}

static int routeplan_nexthop_equal(const struct lp_ipaddr *x,
                                   const struct lp_ipaddr *y)
{
    static const uint8_t zero[16];
    int xz = x->family == 0 || memcmp(x->a, zero, 16) == 0;
    int yz = y->family == 0 || memcmp(y->a, zero, 16) == 0;

    if (xz || yz)
        return xz && yz;
    return lp_ipaddr_equal(x, y);
}

static int routeplan_same_if(const struct lp_route *a, const struct lp_route *b)
{
    if (a->luid != 0 && b->luid != 0)
        return a->luid == b->luid;
    return a->ifindex == b->ifindex;
}

int lp_routeplan_same(const struct lp_route *a, const struct lp_route *b)
{
    return lp_ipaddr_equal(&a->dest, &b->dest) &&
           a->prefixlen == b->prefixlen &&
           routeplan_nexthop_equal(&a->nexthop, &b->nexthop) &&
           routeplan_same_if(a, b);
}

long lp_routeplan_find(const struct lp_route *table, size_t n,
                       const struct lp_route *r)
{
    for (size_t i = 0; i < n; i++)
        if (lp_routeplan_same(&table[i], r))
            return (long)i;
    return -1;
}

int lp_routeplan_verify(const struct lp_route *chosen,
                        const struct lp_route *pin, char *err, size_t errlen)
{
    char a[46], b[46], d[46];

    if (routeplan_same_if(chosen, pin) &&
        routeplan_nexthop_equal(&chosen->nexthop, &pin->nexthop))
        return 0;
    lp_ipaddr_format(d, &pin->dest);
    lp_ipaddr_format(a, &chosen->nexthop);
    lp_ipaddr_format(b, &pin->nexthop);
    snprintf(err, errlen,
             "Windows routes the relay %s via interface %u next hop %s, not "
             "the pinned interface %u next hop %s",
             d, chosen->ifindex, a, pin->ifindex, b);
    return LP_ERR_PROTO;
}
