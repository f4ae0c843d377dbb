/* lp_route: the relay's forwarding decision; see lp_route.h. */
#include "lp_route.h"

#include <string.h>

#include "lp_eth.h"
#include "lp_overlay.h"
#include "lp_policy.h"

static struct lp_route route_drop(enum lp_reason why)
{
    struct lp_route r = {LP_ROUTE_DROP, why, LP_LIMIT_NONE, 0};
    return r;
}

struct lp_route lp_route_decide(const struct lp_route_in *in)
{
    const uint8_t *dst = in->frame, *src = in->frame + 6;
    int client = in->role == LP_ROLE_CLIENT;
    struct lp_route r = {LP_ROUTE_DROP, LP_REASON_NONE, LP_LIMIT_NONE, client};
    enum lp_reason why;

    if (in->len < LP_ETH_HDR_LEN)
        return route_drop(LP_REASON_RUNT);
    /* Source MAC: a client sends only from its announced MAC; the gateway
     * from any valid unicast MAC that is not a remote player's. */
    if (client ? memcmp(src, in->own_mac, LP_MAC_LEN) != 0
               : !lp_mac_valid_gateway(src) || in->src_is_client)
        return route_drop(LP_REASON_SOURCE_MAC);
    why = lp_policy_check_cfg(in->frame, in->len,
                              client ? LP_ORIGIN_CLIENT : LP_ORIGIN_LAN,
                              in->policy);
    if (why != LP_REASON_NONE)
        return route_drop(why);
    if (lp_mac_is_multicast(dst)) {
        /* both sides: the gateway's bucket is larger (a busy LAN) */
        r.kind = LP_ROUTE_FLOOD;
        r.limit = LP_LIMIT_BCAST;
    } else if (in->dst == LP_DST_SELF) {
        return route_drop(LP_REASON_NO_PEER);
    } else if (in->dst == LP_DST_OTHER) {
        r.kind = LP_ROUTE_CLIENT;
    } else if (!client) {
        /* The LAN's own unicast never leaves the LAN. */
        return route_drop(LP_REASON_UNKNOWN_UNICAST);
    } else if (!in->gateway_present) {
        return route_drop(LP_REASON_NO_PEER);
    } else {
        r.kind = LP_ROUTE_GATEWAY;
        r.limit = in->dst_lan_known ? LP_LIMIT_NONE : LP_LIMIT_UNKNOWN;
    }
    return r;
}
