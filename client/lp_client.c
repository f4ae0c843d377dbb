/* lp_client: see lp_client.h. */
#include "lp_client.h"

lp_tstamp lp_client_backoff(unsigned attempt, uint32_t rnd)
{
    lp_tstamp base = 500 * LP_MILLISECONDS;
    lp_tstamp max = 30 * LP_SECONDS;
    lp_tstamp d, jitter;

    if (attempt == 0)
        return 0;
    d = base;
    for (unsigned i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    /* +-25%: d * (0.75 + 0.5 * rnd / 2^32) */
    jitter = (d / 2) * (lp_tstamp)rnd / 4294967296ULL;
    return d - d / 4 + jitter;
}
