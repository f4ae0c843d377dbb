/*
 * lp_bmap: a bounded hash map for the relay's per-room tables (learned LAN
 * MACs, address ownership). Keys are up to 17 bytes; each entry carries a
 * small fixed value and the time it was last used. The table is allocated
 * on the first insert; when it holds `max` entries, inserting evicts the
 * least recently used entry that is not pinned (counted), so memory stays
 * bounded whatever arrives. Open addressing with backward-shift deletion;
 * the hash is keyed with a per-table seed so peers cannot aim collisions.
 */
#ifndef LP_BMAP_H
#define LP_BMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lp_types.h"

#define LP_BMAP_KEY_MAX 17

struct lp_bmap_ent {
    uint8_t key[LP_BMAP_KEY_MAX];
    uint8_t keylen;  /* 0: a free slot */
    uint8_t pinned;  /* never evicted or aged out */
    uint8_t kind;    /* the owner's use */
    lp_tstamp used;  /* last use */
    lp_tstamp until; /* a hard expiry (0: none) */
    uint64_t owner;  /* the owner's use (a MAC, ...) */
};

struct lp_bmap {
    struct lp_bmap_ent *tab;
    size_t slots, count, max;
    uint64_t seed, evictions;
    /* told about an entry just before it is evicted (may be NULL) */
    void (*on_evict)(void *arg, const struct lp_bmap_ent *e);
    void *evict_arg;
};

/* max entries (slots are the next power of two >= 2 * max). */
void lp_bmap_init(struct lp_bmap *m, size_t max, uint64_t seed);
void lp_bmap_free(struct lp_bmap *m);

/* The entry for key, or NULL. */
struct lp_bmap_ent *lp_bmap_find(const struct lp_bmap *m, const uint8_t *key,
                                 size_t keylen);

/* The entry for key, created (zeroed but for the key, used = now) if
 * absent; evicts the least recently used unpinned entry when full. NULL
 * only when out of memory or when every entry is pinned. *created tells. */
struct lp_bmap_ent *lp_bmap_put(struct lp_bmap *m, const uint8_t *key,
                                size_t keylen, lp_tstamp now, int *created);

/* Removes an entry returned by find/put. */
void lp_bmap_del(struct lp_bmap *m, struct lp_bmap_ent *e);

/* Calls fn for every entry; an entry fn returns 1 for is deleted. */
void lp_bmap_sweep(struct lp_bmap *m,
                   int (*fn)(void *arg, struct lp_bmap_ent *e), void *arg);

#endif
