/* lp_pool: fixed pool of reference-counted buffers; see lp_pool.h. */
#include "lp_pool.h"

#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

int lp_pool_init(struct lp_pool *p, size_t nslots, size_t data_size)
{
    size_t slot = sizeof(struct lp_pbuf) + data_size;

    memset(p, 0, sizeof(*p));
    slot = (slot + 63) & ~(size_t)63; /* cache-line aligned slots */
    if (nslots == 0 || nslots > SIZE_MAX / slot)
        return LP_ERR_INVAL;
    p->mem = calloc(nslots, slot);
    if (p->mem == NULL)
        return LP_ERR_NOMEM;
    p->slot_size = slot;
    p->data_size = data_size;
    p->nslots = nslots;
    for (size_t i = nslots; i-- > 0;) {
        struct lp_pbuf *b = (struct lp_pbuf *)(void *)(p->mem + i * slot);
        b->next_free = p->free;
        p->free = b;
    }
    p->nfree = nslots;
    return 0;
}

void lp_pool_free(struct lp_pool *p)
{
    if (p == NULL)
        return;
    free(p->mem);
    memset(p, 0, sizeof(*p));
}

struct lp_pbuf *lp_pool_get(struct lp_pool *p)
{
    struct lp_pbuf *b = p->free;

    if (b == NULL)
        return NULL;
    p->free = b->next_free;
    p->nfree--;
    b->next_free = NULL;
    b->refs = 1;
    b->len = 0;
    b->born = 0;
    return b;
}

void lp_pool_put(struct lp_pool *p, struct lp_pbuf *b)
{
    if (b == NULL || --b->refs > 0)
        return;
    b->next_free = p->free;
    p->free = b;
    p->nfree++;
}
