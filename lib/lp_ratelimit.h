/*
 * lp_ratelimit.h: token buckets driven by injected monotonic time.
 *
 * A bucket holds at most `burst` units and refills at `rate` units per
 * second. Tokens are kept in nano-units (units * 10^9), so a refill of
 * `elapsed_ns * rate` nano-units is exact and needs no division.
 */
#ifndef LP_RATELIMIT_H
#define LP_RATELIMIT_H

#include "lp_types.h"

struct lp_tbucket {
    uint64_t rate;   /* units per second; 0 = unlimited */
    uint64_t burst;  /* bucket size in units */
    uint64_t tokens; /* nano-units, at most the bucket size (saturating) */
    lp_tstamp last;  /* time of the last refill */
};

/*
 * lp_tbucket_init sets up a full bucket. rate 0 disables limiting. burst 0
 * means one second's worth of tokens (burst = rate).
 */
void lp_tbucket_init(struct lp_tbucket *b, uint64_t rate, uint64_t burst,
                     lp_tstamp now);

/*
 * lp_tbucket_take refills for the time since the last call and takes n
 * units. Returns 1 if allowed (tokens consumed), 0 if limited (nothing
 * consumed). n larger than the burst is always limited; n == 0 is always
 * allowed. Time that goes backwards adds no tokens. Overflow-safe for any
 * time gap, rate and n.
 */
int lp_tbucket_take(struct lp_tbucket *b, uint64_t n, lp_tstamp now);

#endif /* LP_RATELIMIT_H */
