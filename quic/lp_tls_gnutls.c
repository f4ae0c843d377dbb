/* lp_tls: GnuTLS credentials and QUIC sessions; see lp_tls.h. */
#include "lp_tls.h"

#include <gnutls/gnutls.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "lp_err.h"

/*
 * QUIC forbids TLS_AES_128_CCM_8_SHA256 (RFC 9001 section 5.3) and needs
 * TLS 1.3 without the middlebox compatibility mode.
 */
static const char tls_priority[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"
    "+CHACHA20-POLY1305:+AES-128-CCM:%DISABLE_TLS13_COMPAT_MODE";

/* tls_key_secret fills s->key_secret from the private key (see lp_tls.h). */
static int tls_key_secret(struct lp_tls_server *s, gnutls_x509_privkey_t key)
{
    static const char label[] = "lanparty relay secret v1";
    gnutls_datum_t der = {NULL, 0};
    gnutls_hash_hd_t h;
    int rv;

    if ((rv = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_DER, &der)) < 0)
        return rv;
    if ((rv = gnutls_hash_init(&h, GNUTLS_DIG_SHA256)) == 0) {
        (void)gnutls_hash(h, label, sizeof(label));
        (void)gnutls_hash(h, der.data, der.size);
        gnutls_hash_deinit(h, s->key_secret);
        s->has_key_secret = 1;
    }
    gnutls_memset(der.data, 0, der.size);
    gnutls_free(der.data);
    return rv;
}

int lp_tls_server_init_dev(struct lp_tls_server *s, char *err, size_t errlen)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t der = {NULL, 0};
    uint8_t serial[16];
    time_t now = time(NULL);
    int rv;
    static const char cn[] = "lanparty-relay";

    memset(s, 0, sizeof(*s));
    if ((rv = gnutls_certificate_allocate_credentials(
             (gnutls_certificate_credentials_t *)&s->cred)) < 0)
        goto fail;
    if ((rv = gnutls_x509_privkey_init(&key)) < 0)
        goto fail;
    rv = gnutls_x509_privkey_generate(
        key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
        0);
    if (rv < 0 || (rv = tls_key_secret(s, key)) < 0)
        goto fail;
    if ((rv = gnutls_x509_crt_init(&crt)) < 0)
        goto fail;
    if ((rv = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
        goto fail;
    serial[0] &= 0x7f; /* a positive serial number */
    if ((rv = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (rv = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
        (rv = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
        (rv = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400)) <
            0 ||
        (rv = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                            cn, sizeof(cn) - 1)) < 0 ||
        (rv = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, cn,
                                                   sizeof(cn) - 1,
                                                   GNUTLS_FSAN_SET)) < 0 ||
        (rv = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (rv = gnutls_x509_crt_set_key_usage(
             crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rv = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (rv = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
        goto fail;
    if ((rv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der)) < 0)
        goto fail;
    s->leaf_der = malloc(der.size);
    if (s->leaf_der == NULL) {
        rv = GNUTLS_E_MEMORY_ERROR;
        goto fail;
    }
    memcpy(s->leaf_der, der.data, der.size);
    s->leaf_der_len = der.size;
    gnutls_free(der.data);
    der.data = NULL;
    if ((rv = gnutls_certificate_set_x509_key(s->cred, &crt, 1, key)) < 0)
        goto fail;
    {
        gnutls_datum_t cp = {NULL, 0}, kp = {NULL, 0};
        if ((rv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cp)) < 0 ||
            (rv = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kp)) <
                0) {
            gnutls_free(cp.data);
            goto fail;
        }
        s->dev_cert_pem = strndup((const char *)cp.data, cp.size);
        s->dev_key_pem = strndup((const char *)kp.data, kp.size);
        gnutls_memset(kp.data, 0, kp.size);
        gnutls_free(cp.data);
        gnutls_free(kp.data);
        if (s->dev_cert_pem == NULL || s->dev_key_pem == NULL) {
            rv = GNUTLS_E_MEMORY_ERROR;
            goto fail;
        }
    }
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return 0;
fail:
    snprintf(err, errlen, "cannot create the development certificate: %s",
             gnutls_strerror(rv));
    gnutls_free(der.data);
    if (crt != NULL)
        gnutls_x509_crt_deinit(crt);
    if (key != NULL)
        gnutls_x509_privkey_deinit(key);
    lp_tls_server_free(s);
    return LP_ERR_IO;
}

int lp_tls_server_init_pem(struct lp_tls_server *s, const char *cert_file,
                           const char *key_file, char *err, size_t errlen)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned int n = 0;
    gnutls_datum_t der = {NULL, 0};
    FILE *f;
    int rv;

    memset(s, 0, sizeof(*s));
    /* Check readability first, so the message names the right file. */
    if ((f = fopen(cert_file, "rb")) == NULL) {
        snprintf(err, errlen, "cannot read certificate file '%s': %s",
                 cert_file, strerror(errno));
        return LP_ERR_IO;
    }
    fclose(f);
    if ((f = fopen(key_file, "rb")) == NULL) {
        snprintf(err, errlen, "cannot read key file '%s': %s", key_file,
                 strerror(errno));
        return LP_ERR_IO;
    }
    fclose(f);
    if ((rv = gnutls_certificate_allocate_credentials(
             (gnutls_certificate_credentials_t *)&s->cred)) < 0)
        goto fail;
    rv = gnutls_certificate_set_x509_key_file2(s->cred, cert_file, key_file,
                                               GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rv < 0) {
        snprintf(err, errlen,
                 "cannot load certificate '%s' with key '%s': %s%s", cert_file,
                 key_file, gnutls_strerror(rv),
                 rv == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
                     ? " (the key does not belong to the certificate)"
                     : "");
        lp_tls_server_free(s);
        return LP_ERR_IO;
    }
    {
        gnutls_x509_privkey_t key = NULL;
        rv = gnutls_certificate_get_x509_key(s->cred, 0, &key);
        if (rv < 0)
            goto fail;
        rv = tls_key_secret(s, key);
        gnutls_x509_privkey_deinit(key);
        if (rv < 0)
            goto fail;
    }
    /* Keep the leaf's DER so it can be written out for pinning. */
    rv = gnutls_certificate_get_x509_crt(s->cred, 0, &list, &n);
    if (rv < 0 || n == 0)
        goto fail;
    rv = gnutls_x509_crt_export2(list[0], GNUTLS_X509_FMT_DER, &der);
    for (unsigned int i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    if (rv < 0)
        goto fail;
    s->leaf_der = malloc(der.size);
    if (s->leaf_der == NULL) {
        gnutls_free(der.data);
        rv = GNUTLS_E_MEMORY_ERROR;
        goto fail;
    }
    memcpy(s->leaf_der, der.data, der.size);
    s->leaf_der_len = der.size;
    gnutls_free(der.data);
    return 0;
fail:
    snprintf(err, errlen, "cannot load certificate '%s': %s", cert_file,
             gnutls_strerror(rv));
    lp_tls_server_free(s);
    return LP_ERR_IO;
}

void lp_tls_server_free(struct lp_tls_server *s)
{
    if (s == NULL)
        return;
    if (s->dev_key_pem != NULL)
        gnutls_memset(s->dev_key_pem, 0, strlen(s->dev_key_pem));
    free(s->dev_cert_pem);
    free(s->dev_key_pem);
    if (s->cred != NULL)
        gnutls_certificate_free_credentials(s->cred);
    free(s->leaf_der);
    memset(s, 0, sizeof(*s));
}

/* tls_client_start: what every client context has (ALPN, the name to
 * verify, empty credentials); c is zeroed. */
static int tls_client_start(struct lp_tls_client *c, const char *server_name,
                            char *err, size_t errlen)
{
    c->alpn = LP_ALPN;
    snprintf(c->server_name, sizeof(c->server_name), "%s",
             server_name != NULL ? server_name : "");
    if (gnutls_certificate_allocate_credentials(
            (gnutls_certificate_credentials_t *)&c->cred) < 0) {
        snprintf(err, errlen, "out of memory");
        return LP_ERR_NOMEM;
    }
    return 0;
}

int lp_tls_client_init(struct lp_tls_client *c, const char *pin_file,
                       const char *server_name, char *err, size_t errlen)
{
    int rv;

    memset(c, 0, sizeof(*c));
    if ((rv = tls_client_start(c, server_name, err, errlen)) != 0)
        return rv;
    if (pin_file != NULL) {
        rv = lp_tls_read_file(pin_file, &c->pin_der, &c->pin_der_len);
        if (rv != 0 || c->pin_der_len == 0) {
            snprintf(err, errlen, "cannot read the relay certificate '%s'%s%s",
                     pin_file, rv != 0 ? ": " : ": file is empty",
                     rv != 0 ? strerror(errno) : "");
            lp_tls_client_free(c);
            return LP_ERR_IO;
        }
        return 0;
    }
    rv = gnutls_certificate_set_x509_system_trust(c->cred);
    if (rv <= 0) {
        snprintf(err, errlen,
                 "no system trust store (%s); pass --relay-ca-cert to pin the "
                 "relay certificate",
                 rv < 0 ? gnutls_strerror(rv) : "no certificates");
        lp_tls_client_free(c);
        return LP_ERR_IO;
    }
    return 0;
}

int lp_tls_client_init_spki(struct lp_tls_client *c, const uint8_t (*pins)[32],
                            size_t npins, const char *server_name, char *err,
                            size_t errlen)
{
    int rv;

    memset(c, 0, sizeof(*c));
    if (pins == NULL || npins == 0 || npins > LP_TLS_MAX_SPKI) {
        snprintf(err, errlen, "want 1 to %d public-key pins, got %zu",
                 LP_TLS_MAX_SPKI, pins == NULL ? (size_t)0 : npins);
        return LP_ERR_INVAL;
    }
    /* No trust store: tls_verify_pin decides alone. */
    if ((rv = tls_client_start(c, server_name, err, errlen)) != 0)
        return rv;
    memcpy(c->spki_pins, pins, npins * sizeof(pins[0]));
    c->nspki = npins;
    return 0;
}

/* tls_spki_sha256 hashes the SubjectPublicKeyInfo of a DER certificate. */
static int tls_spki_sha256(const uint8_t *der, size_t len, uint8_t out[32])
{
    const uint8_t *spki;
    size_t spkilen;

    if (lp_tls_cert_spki(der, len, &spki, &spkilen) != 0 ||
        gnutls_hash_fast(GNUTLS_DIG_SHA256, spki, spkilen, out) < 0)
        return LP_ERR_INVAL;
    return 0;
}

int lp_tls_server_spki_sha256(const struct lp_tls_server *s, uint8_t out[32])
{
    if (s == NULL || s->leaf_der == NULL)
        return LP_ERR_INVAL;
    return tls_spki_sha256(s->leaf_der, s->leaf_der_len, out);
}

void lp_tls_client_free(struct lp_tls_client *c)
{
    if (c == NULL)
        return;
    if (c->cred != NULL)
        gnutls_certificate_free_credentials(c->cred);
    free(c->pin_der);
    memset(c, 0, sizeof(*c));
}

/*
 * tls_verify_pin accepts the peer only if its leaf is the pinned DER or,
 * in SPKI-pinned mode, if the SHA-256 of the leaf's SubjectPublicKeyInfo
 * is one of the pins; the rest of the chain is ignored. GnuTLS checks the
 * CertificateVerify signature with this leaf's key afterwards, so a
 * pinned key without its private half gets nowhere. The client
 * credentials ride in the session's db pointer, which this project does
 * not otherwise use (no session resumption database).
 */
static int tls_verify_pin(gnutls_session_t session)
{
    const struct lp_tls_client *tc = gnutls_db_get_ptr(session);
    const gnutls_datum_t *peers;
    unsigned int n = 0;
    uint8_t sha[32];

    peers = gnutls_certificate_get_peers(session, &n);
    if (tc == NULL || peers == NULL || n == 0)
        return -1;
    if (tc->pin_der != NULL) {
        if (peers[0].size != tc->pin_der_len ||
            memcmp(peers[0].data, tc->pin_der, tc->pin_der_len) != 0)
            return -1;
        return 0;
    }
    if (tc->nspki == 0 ||
        tls_spki_sha256(peers[0].data, peers[0].size, sha) != 0)
        return -1;
    return lp_tls_spki_pinned(tc, sha) ? 0 : -1;
}

/*
 * tls_alpn_is reports whether the handshake selected exactly want (RFC 9001
 * section 8.1: no negotiated application protocol means no connection).
 */
static int tls_alpn_is(gnutls_session_t session, const char *want)
{
    gnutls_datum_t got;

    return want != NULL &&
           gnutls_alpn_get_selected_protocol(session, &got) == 0 &&
           got.size == strlen(want) && memcmp(got.data, want, got.size) == 0;
}

/*
 * tls_server_alpn_hook runs once the ClientHello is parsed. With
 * GNUTLS_ALPN_MANDATORY GnuTLS refuses a list without lanparty/1, but lets a
 * ClientHello with no ALPN extension at all through; both must fail with
 * no_application_protocol (spec section 1). The error makes
 * gnutls_handshake fail, ngtcp2's glue sends the matching alert (120) and
 * the connection closes with CRYPTO_ERROR 0x178.
 */
static int tls_server_alpn_hook(gnutls_session_t session, unsigned int htype,
                                unsigned when, unsigned int incoming,
                                const gnutls_datum_t *msg)
{
    (void)msg;
    if (htype != GNUTLS_HANDSHAKE_CLIENT_HELLO || when != GNUTLS_HOOK_POST ||
        !incoming)
        return 0;
    return tls_alpn_is(session, LP_ALPN) ? 0 : GNUTLS_E_NO_APPLICATION_PROTOCOL;
}

/*
 * tls_client_alpn_hook runs when the server's Finished arrives, after its
 * EncryptedExtensions were parsed (the hook for EncryptedExtensions itself
 * runs before its extensions are). GnuTLS accepts a server that selects no
 * ALPN even with GNUTLS_ALPN_MANDATORY; the client must close then too. A
 * session that offered nothing (a test override) does not check.
 */
static int tls_client_alpn_hook(gnutls_session_t session, unsigned int htype,
                                unsigned when, unsigned int incoming,
                                const gnutls_datum_t *msg)
{
    const struct lp_tls_client *tc = gnutls_db_get_ptr(session);

    (void)msg;
    if (htype != GNUTLS_HANDSHAKE_FINISHED || when != GNUTLS_HOOK_PRE ||
        !incoming || tc == NULL || tc->alpn == NULL || tc->alpn[0] == '\0')
        return 0;
    return tls_alpn_is(session, tc->alpn) ? 0
                                          : GNUTLS_E_NO_APPLICATION_PROTOCOL;
}

static int tls_session_common(gnutls_session_t s, const char *alpn,
                              gnutls_certificate_credentials_t cred,
                              void *conn_ref)
{
    gnutls_datum_t proto;

    /* One parsed priority list for the process: parsing it per session
     * costs about 8 KiB of memory for every connection. */
    static gnutls_priority_t prio;
    if (prio == NULL && gnutls_priority_init(&prio, tls_priority, NULL) < 0)
        return LP_ERR_IO;
    if (gnutls_priority_set(s, prio) < 0)
        return LP_ERR_IO;
    if (alpn != NULL && alpn[0] != '\0') {
        proto.data = (unsigned char *)(uintptr_t)alpn;
        proto.size = (unsigned int)strlen(alpn);
        if (gnutls_alpn_set_protocols(s, &proto, 1, GNUTLS_ALPN_MANDATORY) < 0)
            return LP_ERR_IO;
    }
    if (gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
        return LP_ERR_IO;
    gnutls_session_set_ptr(s, conn_ref);
    return 0;
}

int lp_tls_session_server(lp_tls_session *out, struct lp_tls_server *srv,
                          void *conn_ref)
{
    gnutls_session_t s;

    if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_END_OF_EARLY_DATA) < 0)
        return LP_ERR_NOMEM;
    if (ngtcp2_crypto_gnutls_configure_server_session(s) != 0 ||
        tls_session_common(s, LP_ALPN, srv->cred, conn_ref) != 0) {
        gnutls_deinit(s);
        return LP_ERR_IO;
    }
    /* ngtcp2's glue sets no handshake hook, so this replaces nothing. */
    gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_CLIENT_HELLO,
                                       GNUTLS_HOOK_POST, tls_server_alpn_hook);
    *out = s;
    return 0;
}

int lp_tls_session_client(lp_tls_session *out, struct lp_tls_client *c,
                          void *conn_ref)
{
    gnutls_session_t s;
    const char *name = c->server_name;

    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA) < 0)
        return LP_ERR_NOMEM;
    if (ngtcp2_crypto_gnutls_configure_client_session(s) != 0 ||
        tls_session_common(s, c->alpn, c->cred, conn_ref) != 0)
        goto fail;
    if (name[0] != '\0' &&
        strspn(name, "0123456789.:[]abcdefABCDEF") != strlen(name)) {
        /* SNI carries DNS names only (RFC 6066 section 3). */
        if (gnutls_server_name_set(s, GNUTLS_NAME_DNS, name, strlen(name)) < 0)
            goto fail;
    }
    /* The ALPN hook, and tls_verify_pin when pinned (DER or SPKI), read
     * the client credentials from the db pointer. */
    gnutls_db_set_ptr(s, c);
    gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_FINISHED,
                                       GNUTLS_HOOK_PRE, tls_client_alpn_hook);
    if (c->pin_der != NULL || c->nspki > 0) {
        gnutls_session_set_verify_function(s, tls_verify_pin);
    } else {
        gnutls_session_set_verify_cert(s, name[0] != '\0' ? name : NULL, 0);
    }
    *out = s;
    return 0;
fail:
    gnutls_deinit(s);
    return LP_ERR_IO;
}

void lp_tls_session_free(lp_tls_session s)
{
    if (s != NULL)
        gnutls_deinit((gnutls_session_t)s);
}

int lp_tls_random(void *buf, size_t len)
{
    return gnutls_rnd(GNUTLS_RND_RANDOM, buf, len) == 0 ? 0 : LP_ERR_IO;
}
