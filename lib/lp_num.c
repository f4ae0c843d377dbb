/* lp_num: strict decimal parsing; see lp_num.h. */
#include "lp_num.h"

#include <stddef.h>

#include "lp_err.h"

int lp_num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int over = 0;

    if (s == NULL || *s == '\0')
        return LP_ERR_INVAL;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return LP_ERR_INVAL;
        d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = 1; /* keep checking the rest is digits */
        else
            v = v * 10 + d;
    }
    if (over || v < min || v > max)
        return LP_ERR_RANGE;
    *out = v;
    return 0;
}
