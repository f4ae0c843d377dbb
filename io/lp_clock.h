/* lp_clock: the monotonic clock, in nanoseconds (the only clock read). */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include "lp_types.h"

lp_tstamp lp_clock_now(void);

#endif
