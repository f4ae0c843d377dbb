/*
 * lp_pool: a fixed pool of reference-counted frame buffers.
 *
 * The datapath never allocates per frame: a datagram is copied once into a
 * pool buffer, which every egress queue that carries it references. When the
 * pool is empty the frame is dropped (and counted) by the caller, so memory is
 * bounded whatever arrives.
 */
#ifndef LP_POOL_H
#define LP_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "lp_types.h"

struct lp_pbuf {
    uint32_t refs;
    uint32_t len;
    uint64_t born; /* when the frame arrived (lp_tstamp); queue ageing */
    struct lp_pbuf *next_free;
    uint8_t data[];
};

struct lp_pool {
    uint8_t *mem;
    size_t slot_size; /* bytes per slot, header included */
    size_t data_size; /* usable bytes per buffer */
    size_t nslots;
    size_t nfree;
    struct lp_pbuf *free;
};

/* lp_pool_init allocates nslots buffers of data_size bytes. 0 or NOMEM. */
int lp_pool_init(struct lp_pool *p, size_t nslots, size_t data_size);
void lp_pool_free(struct lp_pool *p);

/* lp_pool_get returns a buffer with one reference, or NULL when empty. */
struct lp_pbuf *lp_pool_get(struct lp_pool *p);

static inline void lp_pbuf_ref(struct lp_pbuf *b)
{
    b->refs++;
}

/* lp_pool_put drops one reference; the last one returns b to the pool. */
void lp_pool_put(struct lp_pool *p, struct lp_pbuf *b);

#endif
