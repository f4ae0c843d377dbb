/*
 * lp_journal: the undo journal of the Windows client's system changes.
 *
 * Every change to the system (a pinned host route, the TAP's interface
 * metric, its IP MTU, its DisableDefaultRoutes flag) is appended to the
 * journal, and the journal is written to disk, BEFORE the change is made.
 * A clean exit undoes the changes and deletes the file. After a crash or
 * power loss, the next start finds the file and undoes what the crashed run
 * changed (lp_journal_plan), so a stale host route or metric never
 * survives. Undoing a change that was journaled but never made is harmless:
 * deleting a missing route is ignored, restoring an old value is
 * idempotent.
 *
 * File format (JSON, at most LP_JOURNAL_MAX_BYTES):
 *   {"version":1,"entries":[
 *     {"op":"route_add","dest":"203.0.113.7","prefix":32,
 *      "nexthop":"198.18.1.1","luid":"0x6008000","ifindex":12},
 *     {"op":"if_metric","family":4,"luid":"0x...","ifindex":31,
 *      "old":25,"old_auto":true},
 *     {"op":"if_mtu","family":4,"luid":"0x...","ifindex":31,"old":1500},
 *     {"op":"if_ddr","family":4,"luid":"0x...","ifindex":31,"old":0}]}
 */
#ifndef LP_JOURNAL_H
#define LP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lp_routeplan.h"

#define LP_JOURNAL_MAX       32
#define LP_JOURNAL_MAX_BYTES 16384
#define LP_JOURNAL_FILE      "lanparty-client-journal.json"

enum lp_jop {
    LP_JOP_ROUTE_ADD = 1, /* undo: delete route */
    LP_JOP_IF_METRIC,     /* undo: restore Metric / UseAutomaticMetric */
    LP_JOP_IF_MTU,        /* undo: restore NlMtu */
    LP_JOP_IF_DDR,        /* undo: restore DisableDefaultRoutes */
};

struct lp_jentry {
    enum lp_jop op;
    uint8_t family; /* 4 or 6 (for if_* entries; routes use dest) */
    uint64_t luid;
    uint32_t ifindex;
    struct lp_route route; /* LP_JOP_ROUTE_ADD */
    uint32_t old;          /* if_*: the value before the change */
    int old_auto;          /* if_metric: automatic metric was on */
};

struct lp_journal {
    size_t n;
    struct lp_jentry e[LP_JOURNAL_MAX];
};

/* lp_jop_name: "route_add", "if_metric", "if_mtu", "if_ddr" or "?". */
const char *lp_jop_name(enum lp_jop op);

/* lp_journal_add appends e. 0, or LP_ERR_RANGE when the journal is full. */
int lp_journal_add(struct lp_journal *j, const struct lp_jentry *e);

/*
 * lp_journal_encode writes j as JSON text with a NUL into out. Returns the
 * length (without the NUL), LP_ERR_RANGE (does not fit) or LP_ERR_NOMEM.
 */
long lp_journal_encode(const struct lp_journal *j, char *out, size_t outlen);

/*
 * lp_journal_decode parses a journal file's text (len bytes, need not be
 * NUL-terminated; at most LP_JOURNAL_MAX_BYTES). Every member is checked;
 * a bad file gives LP_ERR_INVAL with a message quoting the bad member in
 * err, and j left empty.
 */
int lp_journal_decode(struct lp_journal *j, const char *text, size_t len,
                      char *err, size_t errlen);

/*
 * lp_journal_plan turns a journal into the undo steps, in the order to
 * perform them: newest change first; for each interface setting (op,
 * family, interface) only the oldest recorded value is restored, since
 * that is the value from before the client touched it; duplicate routes
 * are deleted once. Returns the number of steps written to plan (at most
 * max).
 */
size_t lp_journal_plan(const struct lp_journal *j, struct lp_jentry *plan,
                       size_t max);

/*
 * What a journal read back at startup may undo. The elevated client acts on
 * the file's entries, so recovery accepts only what a lanparty run can have
 * journaled: interface settings of the lanparty TAP adapter (tap_luid) and
 * host routes (/32, /128) to the relay (one of relays). A planted or
 * corrupted entry (the default route, another interface's MTU, a /24) is
 * refused and logged, never performed.
 */
#define LP_JOURNAL_MAX_RELAYS 4
struct lp_journal_scope {
    uint64_t tap_luid; /* 0 = unknown: every interface entry is refused */
    size_t nrelays;    /* 0 = unknown: every route entry is refused */
    struct lp_ipaddr relays[LP_JOURNAL_MAX_RELAYS];
};

/*
 * lp_journal_allowed checks one entry against sc: a route entry must be a
 * host route whose destination is one of sc->relays; an interface entry
 * must name sc->tap_luid and restore a plausible value (IPv4 NlMtu 576 to
 * 65535, IPv6 1280 to 65535, metric at most 9999). Returns 0, or
 * LP_ERR_PERM with the reason in err.
 */
int lp_journal_allowed(const struct lp_jentry *e,
                       const struct lp_journal_scope *sc, char *err,
                       size_t errlen);

#endif /* LP_JOURNAL_H */
