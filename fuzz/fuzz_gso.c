/* fuzz_gso: lp_gso_split on arbitrary virtio_net_hdr + frame input, as a
 * packet socket with PACKET_VNET_HDR hands it to the gateway. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t emitted_bytes;

static void sink(void *arg, const uint8_t *frame, size_t len)
{
    (void)arg;
    /* touch every byte: a bad length would read out of bounds */
    for (size_t i = 0; i < len; i++)
        emitted_bytes += frame[i];
    if (len > 65536)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[65536];
    struct lp_vnet_hdr h;
    uint8_t *frame;
    size_t len;

    if (size < LP_VNET_HDR_LEN)
        return 0;
    lp_vnet_hdr_decode(&h, data);
    len = size - LP_VNET_HDR_LEN;
    frame = malloc(len > 0 ? len : 1); /* exact size: overreads are caught */
    if (frame == NULL)
        return 0;
    memcpy(frame, data + LP_VNET_HDR_LEN, len);
    (void)lp_gso_split(&h, frame, len, scratch, sink, NULL);
    free(frame);
    return 0;
}
