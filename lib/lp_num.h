/*
 * lp_num: the one strict parser for numbers from command lines and config
 * files. Accepts only plain decimal digits (no sign, no spaces, no suffix:
 * "30abc", " 5", "+5", "0x10" and "" are refused) within [min, max].
 */
#ifndef LP_NUM_H
#define LP_NUM_H

#include <stdint.h>

/* Returns 0 with *out set, LP_ERR_INVAL for text that is not a number, or
 * LP_ERR_RANGE for one outside [min, max]. *out is untouched on error. */
int lp_num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
