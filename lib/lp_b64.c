/* lp_b64: canonical unpadded base64url; see lp_b64.h. */
#include "lp_b64.h"

#include "lp_err.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* b64_value maps one character to its 6-bit value, or -1. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

size_t lp_b64url_encode(char *out, size_t outcap, const uint8_t *in, size_t len)
{
    size_t need, o = 0, i = 0;

    if (out == NULL || outcap == 0)
        return 0;
    out[0] = '\0';
    if (len > (SIZE_MAX - 4) / 4 * 3)
        return 0;
    need = LP_B64URL_LEN(len);
    if (outcap < need + 1)
        return 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
                     (uint32_t)in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        out[o++] = b64_alphabet[in[i] >> 2];
        out[o++] = b64_alphabet[(in[i] & 3) << 4];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | (uint32_t)in[i + 1];
        out[o++] = b64_alphabet[v >> 10];
        out[o++] = b64_alphabet[(v >> 4) & 63];
        out[o++] = b64_alphabet[(v & 15) << 2];
    }
    out[o] = '\0';
    return o;
}

int lp_b64url_decode(uint8_t *out, size_t outcap, size_t *outlen,
                     const char *in, size_t inlen)
{
    size_t rem = inlen % 4, need = inlen / 4 * 3, o = 0, i = 0;
    uint32_t acc = 0;
    int v;

    *outlen = 0;
    if (in == NULL && inlen > 0)
        return LP_ERR_INVAL;
    /* One leftover character carries only 6 bits: never a whole byte. */
    if (rem == 1)
        return LP_ERR_INVAL;
    need += rem == 0 ? 0 : rem - 1;
    if (need > outcap)
        return LP_ERR_RANGE;
    for (i = 0; i < inlen; i++) {
        if ((v = b64_value(in[i])) < 0)
            return LP_ERR_INVAL;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    /* RFC 4648 section 3.5: the pad bits of the last character must be
     * zero, or several strings would decode to the same bytes. */
    if (rem == 2) {
        if ((acc & 15) != 0)
            return LP_ERR_INVAL;
        out[o++] = (uint8_t)(acc >> 4);
    } else if (rem == 3) {
        if ((acc & 3) != 0)
            return LP_ERR_INVAL;
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    *outlen = o;
    return 0;
}
