/* lp_tls: what both TLS backends share; see lp_tls.h. */
#include "lp_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

int lp_tls_read_file(const char *path, uint8_t **out, size_t *outlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t cap = 1 << 20, n;

    if (f == NULL)
        return LP_ERR_IO;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return LP_ERR_NOMEM;
    }
    n = fread(buf, 1, cap + 1, f);
    if (ferror(f) || n > cap) {
        free(buf);
        fclose(f);
        return LP_ERR_IO;
    }
    fclose(f);
    *out = buf;
    *outlen = n;
    return 0;
}

/*
 * tls_der_next reads the DER element at *p (*n bytes left) and checks its
 * tag. On success *content and *clen give its contents, and *p, *n move past
 * it. Only definite, minimal lengths of up to 4 bytes (X.690 section 10.1).
 */
static int tls_der_next(const uint8_t **p, size_t *n, uint8_t tag,
                        const uint8_t **content, size_t *clen)
{
    const uint8_t *q = *p;
    size_t left = *n, len, hdr = 2;

    if (left < 2 || q[0] != tag)
        return -1;
    len = q[1];
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || left < 2 + k || q[2] == 0)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | q[2 + i];
        if (len < 0x80)
            return -1;
        hdr += k;
    }
    if (len > left - hdr)
        return -1;
    *content = q + hdr;
    *clen = len;
    *p = q + hdr + len;
    *n = left - hdr - len;
    return 0;
}

int lp_tls_cert_spki(const uint8_t *der, size_t len, const uint8_t **spki,
                     size_t *spkilen)
{
    const uint8_t *p = der, *cert, *tbs, *c, *start;
    size_t n = len, certlen, tbslen, clen;

    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
     * signatureValue }, filling the buffer. */
    if (der == NULL || tls_der_next(&p, &n, 0x30, &cert, &certlen) != 0 ||
        n != 0)
        return LP_ERR_INVAL;
    p = cert;
    n = certlen;
    if (tls_der_next(&p, &n, 0x30, &tbs, &tbslen) != 0)
        return LP_ERR_INVAL;
    /* TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
     * signature, issuer, validity, subject, subjectPublicKeyInfo, ... } */
    p = tbs;
    n = tbslen;
    if (n > 0 && p[0] == 0xa0 && tls_der_next(&p, &n, 0xa0, &c, &clen) != 0)
        return LP_ERR_INVAL;
    if (tls_der_next(&p, &n, 0x02, &c, &clen) != 0 ||
        tls_der_next(&p, &n, 0x30, &c, &clen) != 0 ||
        tls_der_next(&p, &n, 0x30, &c, &clen) != 0 ||
        tls_der_next(&p, &n, 0x30, &c, &clen) != 0 ||
        tls_der_next(&p, &n, 0x30, &c, &clen) != 0)
        return LP_ERR_INVAL;
    start = p;
    if (tls_der_next(&p, &n, 0x30, &c, &clen) != 0)
        return LP_ERR_INVAL;
    *spki = start;
    *spkilen = (size_t)(p - start);
    return 0;
}

int lp_tls_spki_pinned(const struct lp_tls_client *c, const uint8_t sha256[32])
{
    int hit = 0;

    for (size_t i = 0; i < c->nspki && i < LP_TLS_MAX_SPKI; i++)
        hit |= memcmp(c->spki_pins[i], sha256, 32) == 0;
    return hit;
}
