/*
 * lp_admit: the relay's answer to a well-formed hello (spec section 4,
 * "Admission order" and "Replacement"), as a pure function of the hello
 * and what the relay knows of the room. The caller gathers the facts,
 * then joins, replaces or rejects.
 */
#ifndef LP_ADMIT_H
#define LP_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "lp_ctrl.h"

enum lp_admit_action {
    LP_ADMIT_NEW,     /* join as a new peer */
    LP_ADMIT_REPLACE, /* join, replacing the present peer it matches */
    LP_ADMIT_REJECT,  /* reject with .reason */
};

struct lp_admit_in {
    enum lp_role role;
    uint16_t budget;    /* the hello's datagram_budget */
    int authorized;     /* open relay, or a credential of this room+role */
    size_t relay_peers; /* admitted peers in the relay */
    size_t max_peers;   /* --max-peers */
    size_t room_max;    /* --room-max-peers */
    uint16_t max_mtu;   /* --max-mtu */
    int room_exists;    /* a room of that name has peers */
    uint16_t room_mtu;  /* its effective MTU */
    size_t room_peers;  /* its peers */
    int gateway_taken;  /* a gateway hello, and the room has a gateway */
    int mac_taken;      /* a present peer has the hello's MAC */
    int replaces;       /* that peer has the hello's role and MAC and may
                           be replaced by it (matching resume secrets) */
    /* quotas per source prefix (0: none), so that one address can fill
     * neither the relay nor a room */
    size_t prefix_peers;      /* connections from the hello's prefix,
                                 besides its own */
    size_t prefix_max;        /* at most this many */
    size_t prefix_room_peers; /* the room's peers from that prefix */
    size_t prefix_room_max;   /* --room-max-per-ip */
};

struct lp_admit {
    enum lp_admit_action action;
    enum lp_reject reason; /* LP_ADMIT_REJECT only */
    uint16_t mtu;          /* the room's effective MTU for the newcomer */
    int by_prefix;         /* rejected for a per-prefix quota */
};

/* The smallest MTU a new room may get from its first peer's budget. */
#define LP_ADMIT_MIN_MTU 576u

struct lp_admit lp_admit_decide(const struct lp_admit_in *in);

#endif
