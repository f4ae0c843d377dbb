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
    int frag_enabled;   /* the relay fragments (not --no-frag) */
    uint16_t frag_mtu;  /* --frag-mtu: a fragmenting room's MTU (1500) */
    int frag_offered;   /* the hello's features hold "frag" */
    int room_exists;    /* a room of that name has peers */
    uint16_t room_mtu;  /* its effective MTU */
    int room_frag;      /* it fragments */
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
    int room_frag;         /* the room fragments (fixed by its first peer) */
    int frag;              /* the newcomer's welcome lists "frag" */
    int by_prefix;         /* rejected for a per-prefix quota */
};

/* The smallest MTU a new room may get from its first peer's budget. */
#define LP_ADMIT_MIN_MTU 576u

/*
 * lp_admit_min_budget: the smallest datagram_budget a peer needs in a room
 * of MTU mtu (spec section 4): with "frag" used, every frame must fit in
 * 8 fragments (8 + ceil((mtu + 14) / 8)); without, a whole frame
 * (mtu + 18).
 */
size_t lp_admit_min_budget(uint16_t mtu, int frag);

/*
 * lp_admit_decide answers a hello. Room MTU (spec section 4): an existing
 * room keeps its MTU and whether it fragments. A new room fragments when
 * the hello offered "frag" and the relay fragments; its MTU is then
 * frag_mtu. Otherwise its MTU is min(max_mtu, budget - 18), at least 576.
 * A peer gets "frag" only in a fragmenting room and only when it offered
 * it; its budget must reach lp_admit_min_budget for the room's MTU.
 */
struct lp_admit lp_admit_decide(const struct lp_admit_in *in);

#endif
