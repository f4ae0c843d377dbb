/* lp_clock: see lp_clock.h. */
#include "lp_clock.h"

#include <time.h>

lp_tstamp lp_clock_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (lp_tstamp)ts.tv_sec * LP_SECONDS + (lp_tstamp)ts.tv_nsec;
}
