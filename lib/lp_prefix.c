/* lp_prefix: source prefixes and a table of their state; see lp_prefix.h. */
#include "lp_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

void lp_prefix_of(struct lp_prefix *p, int v6, const uint8_t *addr)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};

    memset(p, 0, sizeof(*p));
    if (v6 && memcmp(addr, mapped, sizeof(mapped)) != 0) {
        memcpy(p->b, addr, 8); /* the /64 */
        p->len = 8;
    } else {
        memcpy(p->b, v6 ? addr + 12 : addr, 4);
        p->len = 4;
    }
}

int lp_prefix_eq(const struct lp_prefix *x, const struct lp_prefix *y)
{
    return x->len == y->len && memcmp(x->b, y->b, x->len) == 0;
}

void lp_prefix_format(const struct lp_prefix *p, char *out, size_t outlen)
{
    const uint8_t *b = p->b;

    if (p->len == 4)
        snprintf(out, outlen, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    else
        snprintf(out, outlen, "%x:%x:%x:%x::/64", b[0] << 8 | b[1],
                 b[2] << 8 | b[3], b[4] << 8 | b[5], b[6] << 8 | b[7]);
}

static size_t pfx_hash(const struct lp_pfxtab *t, const struct lp_prefix *p)
{
    uint64_t h = t->seed ^ p->len;

    for (size_t i = 0; i < p->len; i++) {
        h ^= p->b[i];
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return (size_t)h & (t->cap - 1);
}

int lp_pfxtab_init(struct lp_pfxtab *t, size_t min_live, uint64_t seed)
{
    size_t cap = 64;

    memset(t, 0, sizeof(*t));
    while (cap < 4 * min_live && cap < ((size_t)1 << 24))
        cap *= 2;
    t->tab = calloc(cap, sizeof(*t->tab));
    if (t->tab == NULL)
        return LP_ERR_NOMEM;
    t->cap = cap;
    t->seed = seed | 1;
    return 0;
}

void lp_pfxtab_free(struct lp_pfxtab *t)
{
    free(t->tab);
    memset(t, 0, sizeof(*t));
}

struct lp_pfx_ent *lp_pfxtab_find(struct lp_pfxtab *t,
                                  const struct lp_prefix *p)
{
    size_t i = pfx_hash(t, p);

    for (size_t n = 0; n < LP_PFXTAB_PROBE; n++, i = (i + 1) & (t->cap - 1)) {
        struct lp_pfx_ent *e = &t->tab[i];
        if (e->key.len != 0 && lp_prefix_eq(&e->key, p))
            return e;
    }
    return NULL;
}

struct lp_pfx_ent *lp_pfxtab_get(struct lp_pfxtab *t, const struct lp_prefix *p,
                                 lp_tstamp now, int *fresh)
{
    size_t i = pfx_hash(t, p);
    struct lp_pfx_ent *victim = NULL;

    *fresh = 0;
    for (size_t n = 0; n < LP_PFXTAB_PROBE; n++, i = (i + 1) & (t->cap - 1)) {
        struct lp_pfx_ent *e = &t->tab[i];
        if (e->key.len != 0 && lp_prefix_eq(&e->key, p)) {
            e->last = now;
            return e;
        }
        /* an unreferenced entry may be taken over: a never used slot
         * first, else the one looked up longest ago */
        if (e->refs != 0)
            continue;
        if (e->key.len == 0) {
            if (victim == NULL || victim->key.len != 0)
                victim = e;
        } else if (victim == NULL ||
                   (victim->key.len != 0 && e->last < victim->last)) {
            victim = e;
        }
    }
    if (victim == NULL)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    victim->key = *p;
    victim->last = now;
    *fresh = 1;
    return victim;
}
