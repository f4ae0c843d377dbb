#include "lp_err.h"

#include <stdio.h>

const char *lp_strerror(int err)
{
    switch (err) {
    case LP_OK:
        return "success";
    case LP_ERR_INVAL:
        return "invalid argument";
    case LP_ERR_NOMEM:
        return "out of memory";
    case LP_ERR_SHORT:
        return "input too short";
    case LP_ERR_RANGE:
        return "value out of range";
    case LP_ERR_PROTO:
        return "protocol error";
    case LP_ERR_VERSION:
        return "unsupported version";
    case LP_ERR_FLAGS:
        return "reserved flags set";
    case LP_ERR_RESOLVE:
        return "name resolution failed";
    case LP_ERR_IO:
        return "I/O error";
    case LP_ERR_AGAIN:
        return "try again";
    case LP_ERR_PERM:
        return "privilege error";
    default:
        return "unknown error";
    }
}

int lp_err_vfail(char *err, size_t errlen, const char *prefix, const char *fmt,
                 va_list ap)
{
    int n;

    if (err == NULL || errlen == 0)
        return LP_ERR_INVAL;
    n = snprintf(err, errlen, "%s", prefix);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    return LP_ERR_INVAL;
}
