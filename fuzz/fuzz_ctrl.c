/*
 * fuzz_ctrl: the control stream decoder. The first 8 bytes of the input
 * are a cycle of chunk sizes (1..256); the rest is the stream. Every
 * decoded message must re-encode and decode to the same type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_ctrl.h"

#define CHUNKS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct lp_msg *m)
{
    static uint8_t buf[4 + LP_CTRL_MAX_LEN];
    struct lp_msg again;
    struct lp_ctrl_err err;
    ssize_t n;

    if (m->type == LP_MSG_UNKNOWN)
        return;
    n = lp_ctrl_encode(buf, sizeof(buf), m);
    if (n < 4)
        abort();
    if (lp_ctrl_decode_body(&again, buf + 4, (size_t)n - 4, &err) != 0)
        abort();
    if (again.type != m->type)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err err;
    struct lp_msg m;
    size_t chunk[CHUNKS], pos, i = 0;

    if (size < CHUNKS)
        return 0;
    for (size_t k = 0; k < CHUNKS; k++)
        chunk[k] = (size_t)data[k] + 1;
    pos = CHUNKS;

    /* The whole rest as one body, too. */
    if (lp_ctrl_decode_body(&m, data + pos, size - pos, &err) == 0)
        check_roundtrip(&m);

    lp_ctrl_decoder_init(&d);
    while (pos < size) {
        size_t n = chunk[i++ % CHUNKS], used;
        int rv;

        if (n > size - pos)
            n = size - pos;
        /* Copy each chunk so reads past it are caught. */
        uint8_t *c = malloc(n);
        if (c == NULL)
            break;
        memcpy(c, data + pos, n);
        const uint8_t *p = c;
        size_t left = n;
        do {
            rv = lp_ctrl_decoder_feed(&d, p, left, &used, &m, &err);
            if (used > left)
                abort();
            p += used;
            left -= used;
            if (rv == 1)
                check_roundtrip(&m);
        } while (rv == 1 && left > 0);
        free(c);
        if (rv < 0)
            break;
        pos += n;
    }
    lp_ctrl_decoder_free(&d);
    return 0;
}
