/*
 * fuzz_policy: lp_policy_check, lp_policy_check_cfg and lp_eth_parse on
 * arbitrary frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_eth.h"
#include "lp_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* IPX, a lab ethertype, a length field and a tag: the last two must
     * never change an answer. */
    static const uint16_t extra[] = {0x8137, 0x88b5, 0x0026, 0x8100};
    const struct lp_policy_cfg cfg = {extra, 4};
    struct lp_eth eth;
    uint8_t *frame;
    enum lp_reason c, l, x, xl;

    /* An exact-size copy, so any read past the end is caught. */
    frame = malloc(size > 0 ? size : 1);
    if (frame == NULL)
        return 0;
    memcpy(frame, data, size);
    c = lp_policy_check(frame, size, LP_ORIGIN_CLIENT);
    l = lp_policy_check(frame, size, LP_ORIGIN_LAN);
    x = lp_policy_check_cfg(frame, size, LP_ORIGIN_CLIENT, &cfg);
    xl = lp_policy_check_cfg(frame, size, LP_ORIGIN_LAN, &cfg);
    if ((unsigned)c >= LP_REASON_MAX || (unsigned)l >= LP_REASON_MAX ||
        (unsigned)x >= LP_REASON_MAX)
        abort();
    /* The client policy is at least as strict as the LAN one, with or
     * without extras; the LAN policy ignores them. */
    if ((c == LP_REASON_NONE || x == LP_REASON_NONE) && l != LP_REASON_NONE)
        abort();
    if (xl != l)
        abort();
    /* Extras only turn an ethertype drop into a pass. */
    if (x != c && !(c == LP_REASON_ETHERTYPE && x == LP_REASON_NONE))
        abort();
    if (x != c && size >= 14 &&
        !((frame[12] == 0x81 && frame[13] == 0x37) ||
          (frame[12] == 0x88 && frame[13] == 0xb5)))
        abort();
    if (lp_eth_parse(&eth, frame, size) == 0 && eth.l3_off > size)
        abort();
    free(frame);
    return 0;
}
