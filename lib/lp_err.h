/*
 * lp_err.h: the single error enum of lib/. Functions return 0 on success
 * or one of these negative codes.
 */
#ifndef LP_ERR_H
#define LP_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include "lp_types.h"

enum lp_err {
    LP_OK = 0,
    LP_ERR_INVAL = -1,   /* invalid argument or input text */
    LP_ERR_NOMEM = -2,   /* allocation failed */
    LP_ERR_SHORT = -3,   /* input shorter than its header */
    LP_ERR_RANGE = -4,   /* value or buffer size out of range */
    LP_ERR_PROTO = -5,   /* protocol rule broken */
    LP_ERR_VERSION = -6, /* unsupported version */
    LP_ERR_FLAGS = -7,   /* reserved flags set */
    LP_ERR_RESOLVE = -8, /* name resolution failed */
    LP_ERR_IO = -9,      /* operating system I/O error */
    LP_ERR_AGAIN = -10,  /* try again later */
    LP_ERR_PERM = -11    /* privileges missing, or kept when they must go */
};

/*
 * lp_strerror returns a static, human-readable description of err (one of
 * enum lp_err). Unknown codes give "unknown error". Never returns NULL.
 */
const char *lp_strerror(int err);

/*
 * lp_err_vfail writes prefix and then fmt's text into err (cut to errlen;
 * nothing when err is NULL or errlen is 0) and returns LP_ERR_INVAL: the
 * one shape of lib/'s messages about bad input text.
 */
int lp_err_vfail(char *err, size_t errlen, const char *prefix, const char *fmt,
                 va_list ap) LP_PRINTF_LIKE(4, 0);

#endif /* LP_ERR_H */
