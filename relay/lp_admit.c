/* lp_admit: the relay's admission decision; see lp_admit.h. */
#include "lp_admit.h"

#include "lp_frag.h"
#include "lp_overlay.h"

static struct lp_admit admit_reject(enum lp_reject why)
{
    struct lp_admit a = {LP_ADMIT_REJECT, why, 0, 0, 0, 0};
    return a;
}

/* A budget rejection keeps room_frag and frag: they explain the rule. */
static struct lp_admit admit_budget_reject(const struct lp_admit *a)
{
    struct lp_admit r = admit_reject(LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL);

    r.room_frag = a->room_frag;
    r.frag = a->frag;
    return r;
}

size_t lp_admit_min_budget(uint16_t mtu, int frag)
{
    size_t frame = (size_t)mtu + LP_ETH_HDR_LEN;

    if (!frag)
        return lp_mtu_to_budget(mtu);
    return LP_FRAG_OVERHEAD +
           (frame + LP_FRAG_MAX_COUNT - 1) / LP_FRAG_MAX_COUNT;
}

struct lp_admit lp_admit_decide(const struct lp_admit_in *in)
{
    struct lp_admit a = {in->replaces ? LP_ADMIT_REPLACE : LP_ADMIT_NEW,
                         (enum lp_reject)0,
                         0,
                         0,
                         0,
                         0};

    if (!in->authorized)
        return admit_reject(LP_REJECT_UNAUTHORIZED);
    /* A replacing hello frees the place it takes. */
    if (!in->replaces && in->relay_peers >= in->max_peers)
        return admit_reject(LP_REJECT_RELAY_FULL);
    if (in->gateway_taken && !in->replaces)
        return admit_reject(LP_REJECT_GATEWAY_EXISTS);
    if (in->mac_taken && !in->replaces)
        return admit_reject(LP_REJECT_DUPLICATE_MAC);
    if (in->room_exists && !in->replaces && in->room_peers >= in->room_max)
        return admit_reject(LP_REJECT_ROOM_FULL);
    if (!in->replaces && in->prefix_max > 0 &&
        in->prefix_peers >= in->prefix_max) {
        a = admit_reject(LP_REJECT_RELAY_FULL);
        a.by_prefix = 1;
        return a;
    }
    if (!in->replaces && in->prefix_room_max > 0 &&
        in->prefix_room_peers >= in->prefix_room_max) {
        a = admit_reject(LP_REJECT_ROOM_FULL);
        a.by_prefix = 1;
        return a;
    }
    if (in->room_exists) {
        a.room_frag = in->room_frag;
        a.frag = in->room_frag && in->frag_offered;
        if ((size_t)in->budget < lp_admit_min_budget(in->room_mtu, a.frag))
            return admit_budget_reject(&a);
        a.mtu = in->room_mtu;
    } else if (in->frag_offered && in->frag_enabled) {
        /* A fragmenting room: its MTU does not depend on the budget. */
        a.room_frag = a.frag = 1;
        if ((size_t)in->budget < lp_admit_min_budget(in->frag_mtu, 1))
            return admit_budget_reject(&a);
        a.mtu = in->frag_mtu;
    } else {
        size_t mtu = lp_budget_to_mtu(in->budget);
        if (mtu > in->max_mtu)
            mtu = in->max_mtu;
        if (mtu < LP_ADMIT_MIN_MTU)
            return admit_reject(LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL);
        a.mtu = (uint16_t)mtu;
    }
    return a;
}
