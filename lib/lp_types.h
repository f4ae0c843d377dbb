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

/* LP_PRINTF_LIKE(f, a): argument f is a printf format checked against the
 * arguments from a on. */
#if defined(__GNUC__) || defined(__clang__)
#if defined(__MINGW32__)
/* mingw maps "printf" to ms_printf, which rejects %zu */
#define LP_PRINTF_LIKE(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define LP_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#endif
#else
#define LP_PRINTF_LIKE(f, a)
#endif

#endif /* LP_TYPES_H */
