/*
 * lp_b64.h: base64url without padding (RFC 4648 section 5), the encoding of
 * the `resume` secret (spec section 3) and of invite-link pins (section 9).
 *
 * The decoder accepts only the canonical form, so that one value has one
 * spelling: no '=' padding, no whitespace, no characters outside
 * A-Z a-z 0-9 - _, no length of 1 modulo 4, and the unused low bits of the
 * last character must be zero (a 32-byte value is 43 characters whose last
 * one encodes 2 zero bits).
 */
#ifndef LP_B64_H
#define LP_B64_H

#include "lp_types.h"

/* LP_B64URL_LEN(n): characters needed for n bytes, without the NUL. */
#define LP_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : (n) % 3 + 1))

/*
 * lp_b64url_encode writes the unpadded base64url form of in[0..len) and a
 * terminating NUL into out. Returns the number of characters written
 * (without the NUL), or 0 if outcap is smaller than LP_B64URL_LEN(len) + 1
 * (then out is left empty when outcap > 0). Encoding 0 bytes returns 0 and
 * writes "".
 */
size_t lp_b64url_encode(char *out, size_t outcap, const uint8_t *in,
                        size_t len);

/*
 * lp_b64url_decode decodes inlen characters of canonical unpadded base64url
 * into out and sets *outlen. in need not be NUL-terminated. Returns 0,
 * LP_ERR_INVAL for non-canonical or invalid input (see the file comment),
 * or LP_ERR_RANGE if the decoded value does not fit in outcap bytes. On
 * error *outlen is 0 and out's contents are unspecified.
 */
int lp_b64url_decode(uint8_t *out, size_t outcap, size_t *outlen,
                     const char *in, size_t inlen);

#endif /* LP_B64_H */
