/*
 * lp_authfail: failed credential checks per source prefix (spec section 4):
 * an IPv4 address (/32, IPv4-mapped IPv6 counted as IPv4) or an IPv6 /64.
 * A prefix with LP_AUTHFAIL_LIMIT or more failures within
 * LP_AUTHFAIL_WINDOW is "slowed": its unauthorized answers are delayed and
 * logged at most once a minute. Failures never lock anyone out: a valid
 * credential is admitted whatever its prefix's count. At most
 * LP_AUTHFAIL_MAX prefixes are tracked; the one tracked longest is
 * forgotten first. Memory is allocated on the first failure only.
 */
#ifndef LP_AUTHFAIL_H
#define LP_AUTHFAIL_H

#include <stddef.h>
#include <stdint.h>

#include "lp_prefix.h"
#include "lp_types.h"

#define LP_AUTHFAIL_LIMIT  10
#define LP_AUTHFAIL_WINDOW (60 * LP_SECONDS)
#define LP_AUTHFAIL_MAX    65536
#define LP_AUTHFAIL_DELAY  LP_SECONDS

struct lp_authfail_ent;

struct lp_authfail {
    struct lp_authfail_ent *tab; /* open addressing, 2 * MAX slots */
    uint32_t *fifo;              /* slots in the order they were added */
    size_t head, count;
    uint64_t seed;
};

void lp_authfail_init(struct lp_authfail *a, uint64_t seed);
void lp_authfail_free(struct lp_authfail *a);

/*
 * lp_authfail_note counts one failure of prefix at now. Returns 1 if the
 * prefix is slowed (the answer should be delayed), 0 if not. *log is set
 * to 1 when a throttling line may be written (at most once a minute per
 * prefix), with *failures the count in the current window.
 */
int lp_authfail_note(struct lp_authfail *a, const struct lp_prefix *p,
                     lp_tstamp now, int *log, uint32_t *failures);

/* Prefixes tracked now. */
size_t lp_authfail_count(const struct lp_authfail *a);

#endif
