/* fuzz_policy: lp_policy_check and lp_eth_parse on arbitrary frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_eth.h"
#include "lp_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_eth eth;
    uint8_t *frame;
    enum lp_reason c, l;

    /* An exact-size copy, so any read past the end is caught. */
    frame = malloc(size > 0 ? size : 1);
    if (frame == NULL)
        return 0;
    memcpy(frame, data, size);
    c = lp_policy_check(frame, size, LP_ORIGIN_CLIENT);
    l = lp_policy_check(frame, size, LP_ORIGIN_LAN);
    if ((unsigned)c >= LP_REASON_MAX || (unsigned)l >= LP_REASON_MAX)
        abort();
    /* The client policy is at least as strict as the LAN one. */
    if (c == LP_REASON_NONE && l != LP_REASON_NONE)
        abort();
    if (lp_eth_parse(&eth, frame, size) == 0 && eth.l3_off > size)
        abort();
    free(frame);
    return 0;
}
