#include "lp_ratelimit.h"

/* ratelimit_cap: the bucket size in nano-units, saturating. */
static uint64_t ratelimit_cap(const struct lp_tbucket *b)
{
    if (b->burst > UINT64_MAX / LP_SECONDS)
        return UINT64_MAX;
    return b->burst * LP_SECONDS;
}

void lp_tbucket_init(struct lp_tbucket *b, uint64_t rate, uint64_t burst,
                     lp_tstamp now)
{
    b->rate = rate;
    b->burst = burst != 0 ? burst : rate;
    b->last = now;
    b->tokens = ratelimit_cap(b);
}

int lp_tbucket_take(struct lp_tbucket *b, uint64_t n, lp_tstamp now)
{
    uint64_t cap, cost;

    if (b->rate == 0 || n == 0)
        return 1;
    cap = ratelimit_cap(b);
    if (now > b->last) {
        uint64_t elapsed = now - b->last;
        uint64_t need = cap > b->tokens ? cap - b->tokens : 0;
        /* elapsed * rate <= need exactly when elapsed <= need / rate, so
         * the product below never overflows. */
        if (elapsed > need / b->rate)
            b->tokens = cap;
        else
            b->tokens += elapsed * b->rate;
        b->last = now;
    }
    if (n > UINT64_MAX / LP_SECONDS)
        return 0;
    cost = n * LP_SECONDS;
    if (cost > b->tokens)
        return 0;
    b->tokens -= cost;
    return 1;
}
