/* lp_authfail: failures per source prefix; see lp_authfail.h. */
#include "lp_authfail.h"

#include <stdlib.h>
#include <string.h>

#define AF_SLOTS (2 * LP_AUTHFAIL_MAX) /* a power of two */

struct lp_authfail_ent {
    struct lp_prefix key; /* len 0: a free slot */
    uint32_t failures;
    uint32_t fifo_idx; /* where a->fifo names this slot */
    lp_tstamp window_start, last_log;
};

void lp_authfail_init(struct lp_authfail *a, uint64_t seed)
{
    memset(a, 0, sizeof(*a));
    a->seed = seed | 1;
}

void lp_authfail_free(struct lp_authfail *a)
{
    free(a->tab);
    free(a->fifo);
    memset(a, 0, sizeof(*a));
}

size_t lp_authfail_count(const struct lp_authfail *a)
{
    return a->count;
}

static size_t af_hash(const struct lp_authfail *a, const struct lp_prefix *p)
{
    uint64_t h = a->seed ^ p->len;

    for (size_t i = 0; i < p->len; i++)
        h = (h ^ p->b[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    return (size_t)(h & (AF_SLOTS - 1));
}

/* Removes the entry in slot i (backward-shift deletion keeps every
 * remaining key reachable from its home slot). */
static void af_remove(struct lp_authfail *a, size_t i)
{
    size_t j = i;

    for (;;) {
        size_t home;
        j = (j + 1) & (AF_SLOTS - 1);
        if (a->tab[j].key.len == 0)
            break;
        home = af_hash(a, &a->tab[j].key);
        /* can the entry at j move to the hole at i? */
        if (((j - home) & (AF_SLOTS - 1)) >= ((j - i) & (AF_SLOTS - 1))) {
            a->tab[i] = a->tab[j];
            a->fifo[a->tab[i].fifo_idx] = (uint32_t)i; /* it moved */
            i = j;
        }
    }
    memset(&a->tab[i], 0, sizeof(a->tab[i]));
}

int lp_authfail_note(struct lp_authfail *a, const struct lp_prefix *p,
                     lp_tstamp now, int *log, uint32_t *failures)
{
    struct lp_authfail_ent *e;
    size_t i;

    *log = 0;
    *failures = 0;
    if (a->tab == NULL) {
        a->tab = calloc(AF_SLOTS, sizeof(*a->tab));
        a->fifo = calloc(LP_AUTHFAIL_MAX, sizeof(*a->fifo));
        if (a->tab == NULL || a->fifo == NULL) {
            lp_authfail_free(a);
            return 0; /* no memory: answer at once, as without tracking */
        }
    }
    for (i = af_hash(a, p);
         a->tab[i].key.len != 0 && !lp_prefix_eq(&a->tab[i].key, p);
         i = (i + 1) & (AF_SLOTS - 1))
        ;
    if (a->tab[i].key.len == 0) {
        if (a->count == LP_AUTHFAIL_MAX) {
            /* forget the prefix tracked longest; our slot may move */
            af_remove(a, a->fifo[a->head]);
            a->head = (a->head + 1) % LP_AUTHFAIL_MAX;
            a->count--;
            for (i = af_hash(a, p); a->tab[i].key.len != 0;
                 i = (i + 1) & (AF_SLOTS - 1))
                ;
        }
        size_t f = (a->head + a->count) % LP_AUTHFAIL_MAX;
        a->tab[i].key = *p;
        a->tab[i].window_start = now;
        a->tab[i].fifo_idx = (uint32_t)f;
        a->fifo[f] = (uint32_t)i;
        a->count++;
    }
    e = &a->tab[i];
    if (now - e->window_start >= LP_AUTHFAIL_WINDOW) {
        e->window_start = now;
        e->failures = 0;
    }
    if (e->failures < UINT32_MAX)
        e->failures++;
    *failures = e->failures;
    if (e->failures < LP_AUTHFAIL_LIMIT)
        return 0;
    if (e->last_log == 0 || now - e->last_log >= LP_AUTHFAIL_WINDOW) {
        e->last_log = now;
        *log = 1;
    }
    return 1;
}
