/*
 * lp_firewall: would Windows Firewall still block the inbound broadcasts
 * LAN games use on the lanparty network, and the one line that tells the
 * player what to click.
 *
 * With the network Private (lp_netprofile), Windows Firewall lets a game
 * receive discovery traffic once the game is allowed on private networks
 * (Windows asks the first time the game listens). Two settings still block
 * everything, whatever the game's rule: "Block all incoming connections,
 * including those in the list of allowed apps" on the network's profile,
 * and a network that stayed Public (the category could not be changed)
 * with the firewall on. lp_firewall_hint says which, in plain words, or
 * nothing.
 *
 * The firewall's policy (INetFwPolicy2, COM) sits behind struct
 * lp_firewall_ops, so the decision is tested against a fake
 * (tests/win/firewall_test.c); lp_firewall_com_ops is the real one.
 */
#ifndef LP_FIREWALL_H
#define LP_FIREWALL_H

#include <stddef.h>

#include "lp_netprofile.h"

struct lp_fwstate {
    int enabled;   /* Windows Firewall is on for the profile */
    int block_all; /* "Block all incoming connections" */
};

struct lp_firewall_ops {
    /* get: the firewall's settings for the profile of category cat.
     * 0 or LP_ERR_IO (unknown: no hint is given). */
    int (*get)(void *arg, enum lp_netcat cat, struct lp_fwstate *st);
};

/*
 * lp_firewall_hint writes into out the line for the player when the
 * firewall blocks inbound broadcasts on a network of category cat (the
 * lanparty network's, as read after lp_netprofile_apply) and returns 1;
 * returns 0 (out empty) when it does not, or when it cannot tell.
 */
int lp_firewall_hint(const struct lp_firewall_ops *ops, void *arg,
                     enum lp_netcat cat, char *out, size_t outlen);

/* Windows Firewall's policy. arg is unused (NULL); the calling thread
 * must have initialised COM (CoInitializeEx). */
extern const struct lp_firewall_ops lp_firewall_com_ops;

#endif /* LP_FIREWALL_H */
