/*
 * The wolfSSL client's public-key pinning (quic/lp_tls_wolfssl.c, spec
 * section 9), under wine: lp_qconn with lp_tls_client_init_spki against a
 * real ngtcp2 + wolfSSL server in the same process, packets passed in
 * memory (the harness lp_tlspair.c, shared with tls_alpn_test.c). The right
 * pin, or the right one among backups, completes the handshake; a wrong pin
 * fails it with the same certificate alert as a wrong DER pin.
 *
 * The server's identity is a fixed test-only ECDSA P-256 certificate and
 * key (a lanparty-relay development certificate, valid 2026-11-30 to
 * 2027-11-30: pinning checks no dates, so it keeps working after that).
 * SPKI_SHA256 was computed outside this code (openssl pkey -pubin | sha256,
 * and tests/system/test_spki.py's ASN.1 walk). Needs no arguments, so
 * scripts/test-windows.sh runs it with the other *_wintest.exe.
 */
#include "lp_tlspair.h" /* first: winsock2.h before windows.h */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_tls.h"
#include "lp_wintest.h"

static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBbDCCARGgAwIBAgIQdWSXl8lVbipsJyBSs0uoEDAKBggqhkjOPQQDAjAZMRcw\n"
    "FQYDVQQDEw5sYW5wYXJ0eS1yZWxheTAeFw0yNjExMzAwNDQwMTJaFw0yNzExMzAw\n"
    "NTQwMTJaMBkxFzAVBgNVBAMTDmxhbnBhcnR5LXJlbGF5MFkwEwYHKoZIzj0CAQYI\n"
    "KoZIzj0DAQcDQgAEEuePZeSCX7qKABkjGFSMjG+2mejxdWtnRXv6WDxN2AOmPuJ9\n"
    "ufd0dEAPNZcYHzTSfaAcqn8YBJMKET8y5Shk6qM7MDkwGQYDVR0RBBIwEIIObGFu\n"
    "cGFydHktcmVsYXkwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwCgYIKoZI\n"
    "zj0EAwIDSQAwRgIhAP/7iAJBNVA968KQx+wb2kMyXJvoZihkphzYwcsoWGPpAiEA\n"
    "hglj6Npag9ZbWftwbszPDRF0shSD1SpMt6oTdRpOc7E=\n"
    "-----END CERTIFICATE-----\n";

/* Test-only key: it protects nothing. */
static const char key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHgCAQEEIQCKy3KBOeu4j0UgINafmcLR38bBJSucsYnZlPBmjWU6dKAKBggqhkjO\n"
    "PQMBB6FEA0IABBLnj2Xkgl+6igAZIxhUjIxvtpno8XVrZ0V7+lg8TdgDpj7ifbn3\n"
    "dHRADzWXGB800n2gHKp/GASTChE/MuUoZOo=\n"
    "-----END EC PRIVATE KEY-----\n";

/* sha256:s8uAhW5qhJKOh76pdyXhrQDjoDZ6PcYymlcU-qiHfLU */
static const uint8_t spki_sha256[32] = {
    0xb3, 0xcb, 0x80, 0x85, 0x6e, 0x6a, 0x84, 0x92, 0x8e, 0x87, 0xbe,
    0xa9, 0x77, 0x25, 0xe1, 0xad, 0x00, 0xe3, 0xa0, 0x36, 0x7a, 0x3d,
    0xc6, 0x32, 0x9a, 0x57, 0x14, 0xfa, 0xa8, 0x87, 0x7c, 0xb5};

/* run_handshake: the client pinned to npins public keys or (npins 0) to
 * the DER in der_file, against the test certificate selecting lanparty/1. */
static int run_handshake(struct lp_tlspair *o, const uint8_t (*pins)[32],
                         size_t npins, const char *der_file)
{
    const struct lp_tlspair_cfg cfg = {
        .cert_pem = cert_pem,
        .key_pem = key_pem,
        .server_alpn = LP_ALPN,
        .pins = pins,
        .npins = npins,
        .der_file = der_file,
    };

    return lp_tlspair_run(o, &cfg);
}

/* ------------------------------------------------------------- the tests */

static void check_joined(const struct lp_tlspair *o)
{
    CHECK_INT(o->accept_failed, 0);
    CHECK_INT(o->s.handshake_done, 1);
    CHECK_INT(o->c.handshake, 1);
    CHECK_INT(o->c.closed, 0);
}

static void test_right_pin(void)
{
    static struct lp_tlspair o;

    CHECK_INT(run_handshake(&o, &spki_sha256, 1, NULL), 0);
    check_joined(&o);
}

/* A backup key first, then the relay's: any listed key is accepted. */
static void test_right_pin_among_backups(void)
{
    static struct lp_tlspair o;
    uint8_t pins[LP_TLS_MAX_SPKI][32];

    memset(pins, 0x42, sizeof(pins));
    memcpy(pins[LP_TLS_MAX_SPKI - 1], spki_sha256, 32);
    CHECK_INT(
        run_handshake(&o, (const uint8_t(*)[32])pins, LP_TLS_MAX_SPKI, NULL),
        0);
    check_joined(&o);
}

/* write_wrong_der writes the certificate's DER with its last byte (part
 * of the signature) changed, for a wrong DER pin; 0 on success. */
static int write_wrong_der(char *path, size_t len)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t der[1024];
    size_t n = 0;
    unsigned acc = 0, bits = 0;
    const char *t = getenv("TEMP"), *p = strchr(cert_pem, '\n') + 1;
    FILE *f;

    /* A small PEM decoder: base64 lines up to the END line. */
    for (; *p != '\0' && *p != '-' && n < sizeof(der); p++) {
        const char *c = strchr(b64, *p);
        if (*p == '\n' || *p == '=' || c == NULL)
            continue;
        acc = acc << 6 | (unsigned)(c - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[n++] = (uint8_t)(acc >> bits);
        }
    }
    der[n - 1] ^= 1;
    snprintf(path, len, "%s\\lp_tls_spki_wrong.der", t != NULL ? t : ".");
    if ((f = fopen(path, "wb")) == NULL)
        return -1;
    if (fwrite(der, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

/* A wrong public key: the client refuses the certificate, closing with
 * CRYPTO_ERROR 0x100 + its alert, exactly as a wrong DER pin does. */
static void test_wrong_pin(void)
{
    static struct lp_tlspair spki, der;
    uint8_t pins[2][32];
    char path[MAX_PATH];

    memcpy(pins[0], spki_sha256, 32);
    pins[0][31] ^= 1;
    memset(pins[1], 0, 32);
    CHECK_INT(run_handshake(&spki, (const uint8_t(*)[32])pins, 2, NULL), 0);
    CHECK_INT(spki.accept_failed, 0);
    CHECK_INT(spki.c.handshake, 0);
    CHECK_INT(spki.c.closed, 1);
    CHECK_STR(lp_qclose_name(spki.c.why), "tls");
    CHECK(spki.c.code > 0x100 && spki.c.code < 0x200);
    CHECK_INT(spki.s.handshake_done, 0);

    CHECK_INT(write_wrong_der(path, sizeof(path)), 0);
    CHECK_INT(run_handshake(&der, NULL, 0, path), 0);
    remove(path);
    CHECK_INT(der.c.closed, 1);
    CHECK_STR(lp_qclose_name(der.c.why), "tls");
    CHECK_INT(spki.c.code, der.c.code);
    CHECK_INT(spki.s.ccerr.error_code, der.s.ccerr.error_code);
    printf("  wrong pin: CRYPTO_ERROR 0x%llx (DER pin: 0x%llx)\n",
           (unsigned long long)spki.c.code, (unsigned long long)der.c.code);
}

/* Bad arguments are refused before anything else. */
static void test_init_rejects(void)
{
    struct lp_tls_client tls;
    uint8_t pins[LP_TLS_MAX_SPKI + 1][32];
    char err[128];

    memset(pins, 0, sizeof(pins));
    CHECK_INT(lp_tls_client_init_spki(&tls, NULL, 1, "x", err, sizeof(err)),
              LP_ERR_INVAL);
    CHECK_INT(lp_tls_client_init_spki(&tls, (const uint8_t(*)[32])pins, 0, "x",
                                      err, sizeof(err)),
              LP_ERR_INVAL);
    CHECK_INT(lp_tls_client_init_spki(&tls, (const uint8_t(*)[32])pins,
                                      LP_TLS_MAX_SPKI + 1, "x", err,
                                      sizeof(err)),
              LP_ERR_INVAL);
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"right_pin", test_right_pin},
        {"right_pin_among_backups", test_right_pin_among_backups},
        {"wrong_pin", test_wrong_pin},
        {"init_rejects", test_init_rejects},
    };

    return lp_wintest_run("tls_spki", tests, sizeof(tests) / sizeof(tests[0]));
}
