/* lp_bmap: a bounded, ageing hash map; see lp_bmap.h. */
#include "lp_bmap.h"

#include <stdlib.h>
#include <string.h>

void lp_bmap_init(struct lp_bmap *m, size_t max, uint64_t seed)
{
    size_t slots = 16;

    memset(m, 0, sizeof(*m));
    while (slots < 2 * max)
        slots *= 2;
    m->slots = slots;
    m->max = max;
    m->seed = seed | 1;
}

void lp_bmap_free(struct lp_bmap *m)
{
    free(m->tab);
    m->tab = NULL;
    m->count = 0;
}

static size_t bmap_hash(const struct lp_bmap *m, const uint8_t *key, size_t len)
{
    uint64_t h = m->seed ^ (uint64_t)len;

    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 0x100000001b3ULL;
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return (size_t)(h & (m->slots - 1));
}

static int bmap_eq(const struct lp_bmap_ent *e, const uint8_t *key, size_t len)
{
    return e->keylen == len && memcmp(e->key, key, len) == 0;
}

struct lp_bmap_ent *lp_bmap_find(const struct lp_bmap *m, const uint8_t *key,
                                 size_t keylen)
{
    if (m->tab == NULL || keylen == 0 || keylen > LP_BMAP_KEY_MAX)
        return NULL;
    for (size_t i = bmap_hash(m, key, keylen); m->tab[i].keylen != 0;
         i = (i + 1) & (m->slots - 1))
        if (bmap_eq(&m->tab[i], key, keylen))
            return &m->tab[i];
    return NULL;
}

void lp_bmap_del(struct lp_bmap *m, struct lp_bmap_ent *e)
{
    size_t i = (size_t)(e - m->tab), j = i;

    for (;;) {
        size_t home;
        j = (j + 1) & (m->slots - 1);
        if (m->tab[j].keylen == 0)
            break;
        home = bmap_hash(m, m->tab[j].key, m->tab[j].keylen);
        if (((j - home) & (m->slots - 1)) >= ((j - i) & (m->slots - 1))) {
            m->tab[i] = m->tab[j];
            i = j;
        }
    }
    memset(&m->tab[i], 0, sizeof(m->tab[i]));
    m->count--;
}

struct lp_bmap_ent *lp_bmap_put(struct lp_bmap *m, const uint8_t *key,
                                size_t keylen, lp_tstamp now, int *created)
{
    struct lp_bmap_ent *e;
    size_t i;

    *created = 0;
    if (keylen == 0 || keylen > LP_BMAP_KEY_MAX || m->max == 0)
        return NULL;
    if ((e = lp_bmap_find(m, key, keylen)) != NULL)
        return e;
    if (m->tab == NULL && (m->tab = calloc(m->slots, sizeof(*m->tab))) == NULL)
        return NULL;
    if (m->count >= m->max) {
        /* Full: the least recently used entry that is not pinned goes.
         * O(slots), and only when full: a bounded cost per insert. */
        struct lp_bmap_ent *old = NULL;
        for (i = 0; i < m->slots; i++)
            if (m->tab[i].keylen != 0 && !m->tab[i].pinned &&
                (old == NULL || m->tab[i].used < old->used))
                old = &m->tab[i];
        if (old == NULL)
            return NULL;
        if (m->on_evict != NULL)
            m->on_evict(m->evict_arg, old);
        lp_bmap_del(m, old);
        m->evictions++;
    }
    for (i = bmap_hash(m, key, keylen); m->tab[i].keylen != 0;
         i = (i + 1) & (m->slots - 1))
        ;
    e = &m->tab[i];
    memset(e, 0, sizeof(*e));
    memcpy(e->key, key, keylen);
    e->keylen = (uint8_t)keylen;
    e->used = now;
    m->count++;
    *created = 1;
    return e;
}

void lp_bmap_sweep(struct lp_bmap *m,
                   int (*fn)(void *arg, struct lp_bmap_ent *e), void *arg)
{
    size_t i = 0;

    if (m->tab == NULL)
        return;
    /* Deletion shifts later entries back into slot i: look at i again. A
     * shifted entry may also move from the start of the table to its end
     * (wrap-around) and be visited twice; fn must be idempotent. */
    while (i < m->slots) {
        if (m->tab[i].keylen != 0 && fn(arg, &m->tab[i])) {
            lp_bmap_del(m, &m->tab[i]);
            continue;
        }
        i++;
    }
}
