/*
 * fuzz_b64: canonical base64url. What decodes must encode back to the
 * same text (one spelling per value), and any bytes round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t dec[8192];
    static char enc[12000];
    size_t n = 0;

    if (size > 4096)
        return 0;
    if (lp_b64url_decode(dec, sizeof(dec), &n, (const char *)data, size) == 0) {
        if (lp_b64url_encode(enc, sizeof(enc), dec, n) != size ||
            memcmp(enc, data, size) != 0)
            abort();
    } else if (n != 0) {
        abort();
    }
    n = lp_b64url_encode(enc, sizeof(enc), data, size);
    if (n != LP_B64URL_LEN(size) ||
        lp_b64url_decode(dec, size, &n, enc, n) != 0 || n != size ||
        memcmp(dec, data, size) != 0)
        abort();
    return 0;
}
