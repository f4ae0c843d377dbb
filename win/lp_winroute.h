/*
 * lp_winroute: route protection on Windows (IP Helper side).
 *
 * Order of use:
 *   lp_winroute_init        the journal path (in the administrators-only
 *                           directory, lp_secdir); lp_winroute_recover
 *                           undoes what a crashed run left (journal file),
 *                           within the scope of this adapter and relay
 *   lp_winroute_pin         before the TAP is connected: best route to the
 *                           relay, host route on that interface (journaled
 *                           first; an identical existing route is reused
 *                           and left in place)
 *   lp_winroute_verify      after connecting, after the TAP is up, and
 *                           periodically
 *   lp_winroute_tap_setup   after the welcome: TAP metric (low, so games'
 *                           broadcasts leave through it), IP MTU = room MTU,
 *                           default routes over the TAP disabled; each old
 *                           value journaled first
 *   lp_winroute_restore     on exit: undo in reverse, delete the journal
 *
 * Every change is written to the journal file (lp_journal) before it is
 * made. Under wine, where CreateIpForwardEntry2 and friends do not exist,
 * the changes are skipped with a warning (api->is_wine).
 */
#ifndef LP_WINROUTE_H
#define LP_WINROUTE_H

#include "lp_journal.h"
#include "lp_routeplan.h"
#include "lp_winapi.h"

#define LP_WINROUTE_TAP_METRIC 5

struct lp_winroute {
    const struct lp_winapi *api;
    char journal_path[MAX_PATH];
    struct lp_journal j;
    struct lp_ipaddr relay;
    struct lp_route pin;
    int have_pin; /* pin is valid (created by us or reused) */
    int pin_ours; /* we created it: delete on exit */
};

/* lp_winroute_init prepares r; journal_path is where the journal lives,
 * in a directory lp_secdir_ensure accepted ("" = nowhere trustworthy:
 * every change is then refused, and there is nothing to recover). */
void lp_winroute_init(struct lp_winroute *r, const struct lp_winapi *api,
                      const char *journal_path);

/*
 * lp_winroute_recover reads a journal left by a previous run, undoes its
 * changes and deletes it. The file must pass lp_secdir_read's owner and
 * DACL check, and each undo step lp_journal_allowed with scope (the TAP
 * chosen now, the relay resolved now); refused steps are logged and not
 * performed. *undone and *refused count the steps. Returns 0 (also when
 * there is no journal), LP_ERR_INVAL (unreadable or malformed),
 * LP_ERR_PERM (an untrusted file, or refused entries) or LP_ERR_IO, with
 * err filled; the file is then renamed to *.bad so that startup does not
 * fail forever.
 */
int lp_winroute_recover(struct lp_winroute *r,
                        const struct lp_journal_scope *scope, size_t *undone,
                        size_t *refused, char *err, size_t errlen);

/*
 * lp_winroute_pin pins the relay's address (IPv4 or IPv6 sockaddr). tap
 * ifindex (0 = none yet) is excluded from the choice. *reused tells
 * whether an identical route existed. 0, LP_ERR_IO (no route to the relay,
 * creation failed) or LP_ERR_AGAIN (not possible here: under wine) with err.
 */
int lp_winroute_pin(struct lp_winroute *r, const struct sockaddr *relay,
                    uint32_t tap_ifindex, int *reused, char *err,
                    size_t errlen);

/* lp_winroute_verify checks that Windows still routes the relay over the
 * pin. 0, LP_ERR_PROTO (wrong route) or LP_ERR_IO (cannot ask), err filled. */
int lp_winroute_verify(struct lp_winroute *r, char *err, size_t errlen);

/*
 * lp_winroute_tap_setup applies, for IPv4 and IPv6, the TAP's metric, its
 * NlMtu = mtu, and DisableDefaultRoutes. *ddr_was_off is set when default
 * routes over the TAP had been enabled before (worth a warning). Families
 * the TAP is not bound to are skipped. 0 or LP_ERR_IO with err.
 */
int lp_winroute_tap_setup(struct lp_winroute *r, uint64_t tap_luid,
                          uint32_t tap_ifindex, uint32_t mtu, int *ddr_was_off,
                          char *err, size_t errlen);

/*
 * lp_winroute_bcast_if asks Windows which interface sends a limited
 * broadcast (255.255.255.255): the best route wins, and a limited
 * broadcast leaves through one interface only. Games that search with it
 * reach the party only when that is the TAP (its low metric, set by
 * lp_winroute_tap_setup, normally makes it so). Returns 1 (the TAP), 0
 * (another interface, *winner) or LP_ERR_IO (cannot ask).
 */
int lp_winroute_bcast_if(const struct lp_winapi *api, uint32_t tap_ifindex,
                         uint32_t *winner);

/* lp_winroute_restore undoes every journaled change and deletes the
 * journal. Returns the number of steps that failed (logged). */
int lp_winroute_restore(struct lp_winroute *r);

/* lp_winroute_tap_luid converts the adapter GUID string to LUID and index.
 * 0 or LP_ERR_IO. */
int lp_winroute_tap_luid(const struct lp_winapi *api, const char *guid,
                         uint64_t *luid, uint32_t *ifindex);

#endif /* LP_WINROUTE_H */
