/*
 * lp_route: the relay's decision for one frame from one peer (spec section 6,
 * steps 2, 3 and 5), as a pure function. The caller looks up the facts in
 * its room (who owns a MAC, which LAN MACs the gateway has sent from) and
 * applies the decision: token buckets, copies to targets, counters.
 *
 * Order: the source MAC, then the safety policy, then the destination.
 */
#ifndef LP_ROUTE_H
#define LP_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "lp_ctrl.h"
#include "lp_policy.h"
#include "lp_reason.h"

enum lp_route_kind {
    LP_ROUTE_DROP,    /* drop with .reason */
    LP_ROUTE_FLOOD,   /* every other peer in the room */
    LP_ROUTE_CLIENT,  /* the client that owns the destination MAC */
    LP_ROUTE_GATEWAY, /* the room's gateway */
};

/* Which of the sender's token buckets the frame must pass first. */
enum lp_route_limit {
    LP_LIMIT_NONE,
    LP_LIMIT_BCAST,   /* broadcast/multicast: the sender's rate_broadcast
                         (the gateway's is larger) */
    LP_LIMIT_UNKNOWN, /* client unicast to a MAC nobody announced and the
                         gateway never sent from: rate_unknown_unicast */
};

/* Who owns the frame's destination MAC among the room's clients. */
enum lp_dst_owner {
    LP_DST_NONE,  /* no client */
    LP_DST_SELF,  /* the sender itself */
    LP_DST_OTHER, /* another client */
};

struct lp_route_in {
    enum lp_role role;    /* the sender's */
    const uint8_t *frame; /* a whole Ethernet frame, >= 14 bytes */
    size_t len;
    const uint8_t *own_mac; /* the sender's announced MAC */
    int src_is_client;      /* the source MAC is a client's in the room */
    enum lp_dst_owner dst;  /* the destination MAC's owner */
    int dst_lan_known;      /* the gateway sent from the destination MAC */
    int gateway_present;
    const struct lp_policy_cfg *policy; /* the operator's extras, or NULL */
};

struct lp_route {
    enum lp_route_kind kind;
    enum lp_reason reason; /* LP_ROUTE_DROP only */
    enum lp_route_limit limit;
    /* The sender is a client: its byte rate limit applies. */
    int limit_bytes;
};

struct lp_route lp_route_decide(const struct lp_route_in *in);

#endif
