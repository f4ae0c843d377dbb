/*
 * lp_prefix: source prefixes, the unit in which the relay counts what one
 * host may take (connections, handshakes, resets, packets): an IPv4
 * address (/32; an IPv4-mapped IPv6 address counts as IPv4) or an IPv6
 * /64, the smallest block a home or a server usually gets.
 *
 * lp_pfxtab is a fixed-size table of per-prefix state. Lookups probe at
 * most LP_PFXTAB_PROBE slots, so spoofed sources cannot build long chains;
 * an entry that no connection references (refs == 0) may be taken over by
 * another prefix, the one used longest ago first. Memory is allocated once.
 */
#ifndef LP_PREFIX_H
#define LP_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#include "lp_ratelimit.h"
#include "lp_types.h"

/* A source prefix: family-independent bytes and their length (4 or 8). */
struct lp_prefix {
    uint8_t b[8];
    uint8_t len;
};

/* lp_prefix_of fills p from an address: family 4 (4 bytes) or 6 (16
 * bytes; a v4-mapped one counts as IPv4). */
void lp_prefix_of(struct lp_prefix *p, int v6, const uint8_t *addr);

int lp_prefix_eq(const struct lp_prefix *x, const struct lp_prefix *y);

/* lp_prefix_format writes "198.18.0.1" or "2001:db8:1:2::/64". */
void lp_prefix_format(const struct lp_prefix *p, char *out, size_t outlen);

#define LP_PFXTAB_PROBE 8

struct lp_pfx_ent {
    struct lp_prefix key; /* len 0: never used */
    uint32_t refs;        /* connections that hold this entry */
    lp_tstamp last;       /* last lookup */
    /* owner's per-prefix state, set up when lp_pfxtab_get says fresh */
    struct lp_tbucket hs, hs_valid, resets, pkts;
};

struct lp_pfxtab {
    struct lp_pfx_ent *tab;
    size_t cap; /* a power of two */
    uint64_t seed;
};

/* lp_pfxtab_init allocates a table of at least 4 * min_live slots. 0 or
 * LP_ERR_NOMEM. */
int lp_pfxtab_init(struct lp_pfxtab *t, size_t min_live, uint64_t seed);
void lp_pfxtab_free(struct lp_pfxtab *t);

/* lp_pfxtab_find returns p's entry, or NULL. */
struct lp_pfx_ent *lp_pfxtab_find(struct lp_pfxtab *t,
                                  const struct lp_prefix *p);

/*
 * lp_pfxtab_get returns p's entry, creating it if needed (*fresh = 1: the
 * caller sets up its state; refs is 0). NULL when every probed slot holds
 * an entry that connections reference (the table is full near p).
 */
struct lp_pfx_ent *lp_pfxtab_get(struct lp_pfxtab *t, const struct lp_prefix *p,
                                 lp_tstamp now, int *fresh);

#endif
