/*
 * lp_routeplan: the pure route-protection logic of the Windows client.
 *
 * The relay must stay reachable over the player's own connection while the
 * TAP is up, whatever DHCP on the TAP installs. The client therefore:
 *   1. finds the best route to the relay before the TAP is connected
 *      (GetBestRoute2; where that is missing, lp_routeplan_best over
 *      GetIpForwardTable2, which applies Windows' rule: longest prefix,
 *      then the lowest route metric + interface metric);
 *   2. pins a host route (/32 or /128) to the relay on that interface via
 *      the same next hop (lp_routeplan_pin), unless an identical route
 *      already exists, which is reused and left in place on exit;
 *   3. verifies that Windows' choice for the relay is the pinned route's
 *      interface and next hop (lp_routeplan_verify), after connecting, after
 *      the TAP is up, and periodically.
 * Addresses are family + 16 bytes, in network order.
 */
#ifndef LP_ROUTEPLAN_H
#define LP_ROUTEPLAN_H

#include <stddef.h>
#include <stdint.h>

struct lp_ipaddr {
    uint8_t family; /* 4 or 6; 0 = unset */
    uint8_t a[16];  /* IPv4 in a[0..3] */
};

struct lp_route {
    struct lp_ipaddr dest;
    uint8_t prefixlen;
    struct lp_ipaddr nexthop; /* all zero = on-link */
    uint64_t luid;
    uint32_t ifindex;
    uint32_t metric;    /* route metric (an offset) */
    uint32_t if_metric; /* the interface's metric, for the table walk */
};

/* lp_ipaddr_parse parses an IPv4 or IPv6 literal. 0 or LP_ERR_INVAL. */
int lp_ipaddr_parse(struct lp_ipaddr *out, const char *s);

/* lp_ipaddr_format writes the literal ("?" for an unset address). */
void lp_ipaddr_format(char out[static 46], const struct lp_ipaddr *a);

/* lp_ipaddr_equal: same family and bytes. */
int lp_ipaddr_equal(const struct lp_ipaddr *x, const struct lp_ipaddr *y);

/* lp_route_matches: 1 if addr falls inside r's prefix (same family). */
int lp_route_matches(const struct lp_route *r, const struct lp_ipaddr *addr);

/*
 * lp_routeplan_best picks the route Windows would use for addr from a
 * table of n routes, ignoring routes on exclude_ifindex (the TAP; 0 =
 * none): the longest matching prefix, then the lowest metric + if_metric,
 * then the lowest interface index. Returns 0 with *idx set, or
 * LP_ERR_INVAL when no route matches.
 */
int lp_routeplan_best(const struct lp_route *table, size_t n,
                      const struct lp_ipaddr *addr, uint32_t exclude_ifindex,
                      size_t *idx);

/*
 * lp_routeplan_pin builds the host route for relay over best's interface
 * and next hop, with route metric 0 (an offset on the interface metric).
 */
void lp_routeplan_pin(struct lp_route *pin, const struct lp_route *best,
                      const struct lp_ipaddr *relay);

/* lp_routeplan_same: 1 if a and b have the same destination, prefix, next
 * hop and interface (what Windows compares on create and delete). */
int lp_routeplan_same(const struct lp_route *a, const struct lp_route *b);

/* lp_routeplan_find returns the index of a route identical to r in the
 * table, or -1. */
long lp_routeplan_find(const struct lp_route *table, size_t n,
                       const struct lp_route *r);

/*
 * lp_routeplan_verify checks Windows' current best route for the relay
 * (chosen) against the pin: same interface and next hop. Returns 0, or
 * LP_ERR_PROTO with a message naming both interfaces in err.
 */
int lp_routeplan_verify(const struct lp_route *chosen,
                        const struct lp_route *pin, char *err, size_t errlen);

#endif /* LP_ROUTEPLAN_H */
