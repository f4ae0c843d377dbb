/*
 * lp_tls: wolfSSL credentials and QUIC sessions for the Windows client; see
 * lp_tls.h. Only the endpoint (client) half exists: the relay runs on Linux
 * with the GnuTLS backend, so the server functions fail with LP_ERR_IO.
 *
 * Pinned mode loads no CA at all, so wolfSSL's chain check fails for at
 * least the top certificate of whatever the relay sends and calls the
 * verify callback; the callback accepts only if the chain's leaf (the
 * first certificate received, store->certs[0]) is byte-for-byte the pinned
 * DER, whatever depth the call is for. A chain "leaf + fake CA" therefore
 * cannot get a foreign leaf through. SPKI-pinned mode is the same, except
 * that the callback compares the SHA-256 of the leaf's SubjectPublicKeyInfo
 * with the pins; wolfSSL then checks CertificateVerify with that leaf's
 * key. System-trust mode loads the Windows
 * root store (wolfSSL_CTX_load_system_CA_certs) and checks the server name.
 */
#include <stdint.h> /* wolfssl/quic.h 5.5.4 uses uint8_t unincluded */
#include <winsock2.h>
#include <windows.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include "lp_err.h"
#include "lp_tls.h"

static int tls_server_unsupported(char *err, size_t errlen)
{
    snprintf(err, errlen,
             "the relay side of TLS is not supported on this platform");
    return LP_ERR_IO;
}

int lp_tls_server_init_dev(struct lp_tls_server *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    return tls_server_unsupported(err, errlen);
}

int lp_tls_server_init_pem(struct lp_tls_server *s, const char *cert_file,
                           const char *key_file, char *err, size_t errlen)
{
    (void)cert_file;
    (void)key_file;
    memset(s, 0, sizeof(*s));
    return tls_server_unsupported(err, errlen);
}

int lp_tls_server_spki_sha256(const struct lp_tls_server *s, uint8_t out[32])
{
    (void)s;
    (void)out;
    return LP_ERR_IO;
}

void lp_tls_server_free(struct lp_tls_server *s)
{
    if (s != NULL)
        memset(s, 0, sizeof(*s));
}

int lp_tls_session_server(lp_tls_session *out, struct lp_tls_server *s,
                          void *conn_ref)
{
    (void)out;
    (void)s;
    (void)conn_ref;
    return LP_ERR_IO;
}

/* tls_global_init runs wolfSSL_Init once (the client is single-threaded). */
static int tls_global_init(void)
{
    static int done;

    if (!done) {
        if (wolfSSL_Init() != WOLFSSL_SUCCESS)
            return LP_ERR_IO;
        done = 1;
    }
    return 0;
}

/*
 * tls_verify_pin: wolfSSL calls it for each certificate that failed its
 * check. userCtx is the struct lp_tls_client (wolfSSL_SetCertCbCtx).
 */
static int tls_verify_pin(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    const struct lp_tls_client *tc;
    const WOLFSSL_BUFFER_INFO *leaf;

    (void)preverify;
    if (store == NULL || store->userCtx == NULL || store->certs == NULL ||
        store->totalCerts < 1)
        return 0;
    tc = store->userCtx;
    leaf = &store->certs[0];
    if (leaf->buffer == NULL)
        return 0;
    if (tc->pin_der != NULL) {
        if (leaf->length != tc->pin_der_len ||
            memcmp(leaf->buffer, tc->pin_der, tc->pin_der_len) != 0)
            return 0;
    } else {
        const uint8_t *spki;
        size_t spkilen;
        uint8_t sha[WC_SHA256_DIGEST_SIZE];

        if (tc->nspki == 0 ||
            lp_tls_cert_spki(leaf->buffer, leaf->length, &spki, &spkilen) !=
                0 ||
            wc_Sha256Hash(spki, (word32)spkilen, sha) != 0 ||
            !lp_tls_spki_pinned(tc, sha))
            return 0;
    }
    store->error = 0;
    return 1;
}

/* The client context both pinning modes and system trust start from:
 * TLS 1.3, QUIC hooks, our ALPN and the name to send. */
static int tls_client_ctx(struct lp_tls_client *c, const char *server_name,
                          char *err, size_t errlen)
{
    WOLFSSL_CTX *ctx;

    memset(c, 0, sizeof(*c));
    c->alpn = LP_ALPN;
    snprintf(c->server_name, sizeof(c->server_name), "%s",
             server_name != NULL ? server_name : "");
    if (tls_global_init() != 0 ||
        (ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method())) == NULL) {
        snprintf(err, errlen, "cannot initialise wolfSSL");
        return LP_ERR_NOMEM;
    }
    c->cred = ctx;
    if (ngtcp2_crypto_wolfssl_configure_client_context(ctx) != 0) {
        snprintf(err, errlen, "cannot set up wolfSSL for QUIC");
        lp_tls_client_free(c);
        return LP_ERR_IO;
    }
    return 0;
}

int lp_tls_client_init(struct lp_tls_client *c, const char *pin_file,
                       const char *server_name, char *err, size_t errlen)
{
    WOLFSSL_CTX *ctx;
    int rv;

    if ((rv = tls_client_ctx(c, server_name, err, errlen)) != 0)
        return rv;
    ctx = c->cred;
    if (pin_file != NULL) {
        rv = lp_tls_read_file(pin_file, &c->pin_der, &c->pin_der_len);
        if (rv != 0 || c->pin_der_len == 0) {
            snprintf(err, errlen, "cannot read the relay certificate '%s'%s%s",
                     pin_file, rv != 0 ? ": " : ": file is empty",
                     rv != 0 ? strerror(errno) : "");
            lp_tls_client_free(c);
            return LP_ERR_IO;
        }
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, tls_verify_pin);
        return 0;
    }
    if (wolfSSL_CTX_load_system_CA_certs(ctx) != WOLFSSL_SUCCESS) {
        snprintf(err, errlen,
                 "cannot load the Windows trust store; pass --relay-ca-cert "
                 "to pin the relay certificate");
        lp_tls_client_free(c);
        return LP_ERR_IO;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    return 0;
}

int lp_tls_client_init_spki(struct lp_tls_client *c, const uint8_t (*pins)[32],
                            size_t npins, const char *server_name, char *err,
                            size_t errlen)
{
    int rv;

    if (pins == NULL || npins == 0 || npins > LP_TLS_MAX_SPKI) {
        memset(c, 0, sizeof(*c));
        snprintf(err, errlen, "want 1 to %d public-key pins", LP_TLS_MAX_SPKI);
        return LP_ERR_INVAL;
    }
    if ((rv = tls_client_ctx(c, server_name, err, errlen)) != 0)
        return rv;
    memcpy(c->spki_pins, pins, npins * sizeof(pins[0]));
    c->nspki = npins;
    /* No CA loaded: every chain fails wolfSSL's own check and
     * tls_verify_pin decides. */
    wolfSSL_CTX_set_verify(c->cred, WOLFSSL_VERIFY_PEER, tls_verify_pin);
    return 0;
}

void lp_tls_client_free(struct lp_tls_client *c)
{
    if (c == NULL)
        return;
    if (c->cred != NULL)
        wolfSSL_CTX_free(c->cred);
    free(c->pin_der);
    memset(c, 0, sizeof(*c));
}

/*
 * tls_check_alpn: wolfSSL's secret callback (ctx is the struct
 * lp_tls_client). wolfSSL accepts a server that answers with no ALPN even
 * with WOLFSSL_ALPN_FAILED_ON_MISMATCH, but RFC 9001 section 8.1 says the
 * client must close then. The client application traffic secret is derived
 * once the server's Finished is verified, so its EncryptedExtensions have
 * been parsed. Failing here fails the handshake (TLS13_SECRET_CB_E, before
 * any application key is installed); wolfSSL sends no alert for that, so
 * the alert for ngtcp2's CONNECTION_CLOSE (CRYPTO_ERROR 0x178) is set here.
 */
static int tls_check_alpn(WOLFSSL *ssl, int id, const unsigned char *secret,
                          int secret_len, void *ctx)
{
    const struct lp_tls_client *tc = ctx;
    ngtcp2_crypto_conn_ref *ref;
    char *got = NULL;
    unsigned short got_len = 0;

    (void)secret;
    (void)secret_len;
    if (id != CLIENT_TRAFFIC_SECRET || tc == NULL || tc->alpn == NULL)
        return 0;
    if (wolfSSL_ALPN_GetProtocol(ssl, &got, &got_len) == WOLFSSL_SUCCESS &&
        got != NULL && got_len == strlen(tc->alpn) &&
        memcmp(got, tc->alpn, got_len) == 0)
        return 0;
    ref = wolfSSL_get_app_data(ssl);
    if (ref != NULL)
        ngtcp2_conn_set_tls_alert(ref->get_conn(ref), no_application_protocol);
    return -1;
}

int lp_tls_session_client(lp_tls_session *out, struct lp_tls_client *c,
                          void *conn_ref)
{
    WOLFSSL *ssl;
    const char *name = c->server_name;
    int is_dns = name[0] != '\0' &&
                 strspn(name, "0123456789.:[]abcdefABCDEF") != strlen(name);

    ssl = wolfSSL_new(c->cred);
    if (ssl == NULL)
        return LP_ERR_NOMEM;
    wolfSSL_set_app_data(ssl, conn_ref);
    wolfSSL_set_connect_state(ssl);
    if (c->alpn != NULL && c->alpn[0] != '\0' &&
        wolfSSL_UseALPN(ssl, (char *)(uintptr_t)c->alpn,
                        (unsigned int)strlen(c->alpn),
                        WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
        goto fail;
    /* Offering nothing is a test override: then nothing is checked. */
    if (c->alpn != NULL && c->alpn[0] != '\0' &&
        wolfSSL_set_tls13_secret_cb(ssl, tls_check_alpn, c) != WOLFSSL_SUCCESS)
        goto fail;
    /* SNI carries DNS names only (RFC 6066 section 3). */
    if (is_dns &&
        wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, name,
                       (unsigned short)strlen(name)) != WOLFSSL_SUCCESS)
        goto fail;
    if (c->pin_der != NULL || c->nspki > 0) {
        wolfSSL_SetCertCbCtx(ssl, c);
    } else if (name[0] != '\0' &&
               wolfSSL_check_domain_name(ssl, name) != WOLFSSL_SUCCESS) {
        goto fail;
    }
    *out = ssl;
    return 0;
fail:
    wolfSSL_free(ssl);
    return LP_ERR_IO;
}

void lp_tls_session_free(lp_tls_session s)
{
    if (s != NULL)
        wolfSSL_free((WOLFSSL *)s);
}

int lp_tls_random(void *buf, size_t len)
{
    if (len > INT32_MAX || tls_global_init() != 0)
        return LP_ERR_IO;
    return wolfSSL_RAND_bytes(buf, (int)len) == WOLFSSL_SUCCESS ? 0 : LP_ERR_IO;
}
