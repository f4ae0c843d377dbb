/*
 * fuzz_l3: lp_l3_parse on arbitrary frames, checked against the policy:
 * whatever the extractor reads as a server's or router's message, the
 * client policy drops.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_l3.h"
#include "lp_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned server =
        LP_L3_DHCP_ACK | LP_L3_DHCP4_SERVER | LP_L3_DHCP6_REPLY | LP_L3_RA;
    struct lp_l3 l3;
    uint8_t *frame;
    int rv;

    /* An exact-size copy, so any read past the end is caught. */
    frame = malloc(size > 0 ? size : 1);
    if (frame == NULL)
        return 0;
    memcpy(frame, data, size);
    rv = lp_l3_parse(&l3, frame, size);
    if (rv > 0 || (l3.flags & ~0xffu) != 0)
        abort();
    if (l3.nservers4 > LP_L3_MAX_ADDRS || l3.nreply6 > LP_L3_MAX_ADDRS)
        abort();
    /* The DHCP results are all or nothing. */
    if ((l3.flags & (LP_L3_DHCP_ACK | LP_L3_DHCP6_REPLY)) != 0 && rv != 0)
        abort();
    if ((l3.flags & LP_L3_DHCP_ACK) && !(l3.flags & LP_L3_DHCP4_SERVER))
        abort();
    if (!(l3.flags & LP_L3_DHCP4_SERVER) && l3.nservers4 != 0)
        abort();
    if (!(l3.flags & LP_L3_DHCP6_REPLY) && l3.nreply6 != 0)
        abort();
    for (size_t i = 0; i < l3.nreply6; i++)
        if (l3.reply6_valids[i] == 0 || l3.reply6_valids[i] > l3.reply6_valid)
            abort();
    if ((l3.flags & server) != 0 &&
        lp_policy_check(frame, size, LP_ORIGIN_CLIENT) == LP_REASON_NONE)
        abort();
    (void)lp_ip4_is_special(l3.ip4_src);
    (void)lp_ip6_is_special(l3.ip6_src);
    free(frame);
    return 0;
}
