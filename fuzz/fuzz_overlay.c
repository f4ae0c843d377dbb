/* fuzz_overlay: lp_overlay_decode, and re-encoding what it accepts;
 * lp_overlay_kind agrees with it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_overlay o;
    uint8_t *copy;
    int kind = lp_overlay_kind(data, size);

    if (lp_overlay_decode(&o, data, size) != 0)
        return 0;
    if (kind != LP_OVERLAY_WHOLE)
        abort();
    if (o.framelen + LP_OVERLAY_HDR_LEN != size || o.frame != data + 4)
        abort();
    copy = malloc(size);
    if (copy == NULL)
        return 0;
    if (lp_overlay_encode(copy, size, o.peer_id, o.frame, o.framelen) !=
            (ssize_t)size ||
        memcmp(copy, data, size) != 0)
        abort();
    free(copy);
    (void)lp_frame_fits_budget(o.framelen, size);
    return 0;
}
