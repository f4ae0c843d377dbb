/*
 * lp_types.h: scalar domain types shared by every lib/ module.
 */
#ifndef LP_TYPES_H
#define LP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * lp_tstamp is a monotonic timestamp in nanoseconds. The core never reads
 * a clock: callers pass the current time in.
 */
typedef uint64_t lp_tstamp;

#define LP_SECONDS      ((lp_tstamp)1000000000ULL)
#define LP_MILLISECONDS ((lp_tstamp)1000000ULL)

#endif /* LP_TYPES_H */
