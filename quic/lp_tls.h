/*
 * lp_tls: TLS 1.3 credentials and sessions for QUIC (GnuTLS on Linux,
 * wolfSSL for the Windows client).
 *
 * The relay either generates a self-signed ECDSA P-256 development
 * certificate at start or loads a PEM chain and key. Endpoints either pin the
 * relay's leaf certificate (byte-for-byte DER comparison, no chain or name
 * check), pin its public key (the SHA-256 of the leaf's DER
 * SubjectPublicKeyInfo, as in an invite link, spec section 9: no chain,
 * name or validity-date check), or verify it against the system trust store
 * and a server name (spec section 1). In both pinned modes the TLS
 * CertificateVerify signature is still checked with the leaf's key, and a
 * mismatch fails the handshake with a certificate alert.
 */
#ifndef LP_TLS_H
#define LP_TLS_H

#include <stddef.h>
#include <stdint.h>

#define LP_ALPN "lanparty/1"

/* LP_TLS_MAX_SPKI: public-key pins an endpoint accepts (LP_LINK_MAX_PINS). */
#define LP_TLS_MAX_SPKI 4

/*
 * Backends: lp_tls_gnutls.c (Linux: relay and endpoints) and
 * lp_tls_wolfssl.c (the Windows client). A session is the backend's native
 * handle (gnutls_session_t or WOLFSSL *), handed to ngtcp2 as is.
 */
typedef void *lp_tls_session;

struct lp_tls_server {
    void *cred;        /* backend credentials */
    uint8_t *leaf_der; /* the leaf certificate we present (owned) */
    size_t leaf_der_len;
    char *dev_cert_pem, *dev_key_pem; /* development mode only (owned) */
    /* SHA-256 over a label and the private key: a secret that lives as
     * long as the relay's identity, so stateless resets (and Retry tokens)
     * stay valid across restarts. See docs/protocol.md, "Restarts". */
    uint8_t key_secret[32];
    int has_key_secret;
};

struct lp_tls_client {
    void *cred;       /* backend credentials / context */
    uint8_t *pin_der; /* pinned leaf DER, or NULL for system trust (owned) */
    size_t pin_der_len;
    /* SHA-256 values of accepted leaf SubjectPublicKeyInfos (nspki > 0:
     * SPKI-pinned mode, lp_tls_client_init_spki) */
    uint8_t spki_pins[LP_TLS_MAX_SPKI][32];
    size_t nspki;
    char server_name[256]; /* SNI and, in system-trust mode, the name checked */
    const char *alpn;      /* ALPN offered; LP_ALPN unless a test overrides */
};

/*
 * lp_tls_server_init_dev generates a fresh self-signed ECDSA P-256
 * certificate valid for one year. Returns 0, or LP_ERR_IO with err filled.
 */
int lp_tls_server_init_dev(struct lp_tls_server *s, char *err, size_t errlen);

/*
 * lp_tls_server_init_pem loads a PEM certificate chain and its private key.
 * Returns 0, or LP_ERR_IO with err naming the file and the reason (unreadable,
 * not PEM, key does not match the certificate).
 */
int lp_tls_server_init_pem(struct lp_tls_server *s, const char *cert_file,
                           const char *key_file, char *err, size_t errlen);

/* The leaf certificate (DER) is s->leaf_der; a development identity's
 * certificate and key (PEM) are s->dev_cert_pem and s->dev_key_pem: the
 * shells write them with io/lp_file (owner-only for the key, atomically,
 * never through a symlink). */

void lp_tls_server_free(struct lp_tls_server *s);

/*
 * lp_tls_server_spki_sha256 writes the SHA-256 of the leaf certificate's
 * DER SubjectPublicKeyInfo: the value an invite link's pin carries (spec
 * section 9). Returns 0, or LP_ERR_INVAL if the leaf cannot be parsed
 * (LP_ERR_IO on a backend without the relay side).
 */
int lp_tls_server_spki_sha256(const struct lp_tls_server *s, uint8_t out[32]);

/*
 * lp_tls_client_init prepares endpoint credentials. With pin_file set, the
 * relay must present exactly that DER leaf; otherwise the system trust store
 * and server_name are used. Returns 0 or LP_ERR_IO (unreadable pin file, no
 * system trust store) with err filled.
 */
int lp_tls_client_init(struct lp_tls_client *c, const char *pin_file,
                       const char *server_name, char *err, size_t errlen);

/*
 * lp_tls_client_init_spki prepares endpoint credentials pinned to public
 * keys: the relay's leaf is accepted exactly when the SHA-256 of its DER
 * SubjectPublicKeyInfo equals one of the npins (1..LP_TLS_MAX_SPKI) values
 * in pins; no chain, name or validity-date check (spec section 9).
 * server_name is sent as SNI only. Returns 0, LP_ERR_INVAL (npins out of
 * range) or LP_ERR_NOMEM / LP_ERR_IO, with err filled.
 */
int lp_tls_client_init_spki(struct lp_tls_client *c, const uint8_t (*pins)[32],
                            size_t npins, const char *server_name, char *err,
                            size_t errlen);
void lp_tls_client_free(struct lp_tls_client *c);

/*
 * lp_tls_session_server / lp_tls_session_client create the backend's TLS
 * session set up for QUIC (ngtcp2 hooks, TLS 1.3 only, ALPN). conn_ref must
 * outlive the session. Return 0 or LP_ERR_NOMEM / LP_ERR_IO.
 */
int lp_tls_session_server(lp_tls_session *out, struct lp_tls_server *s,
                          void *conn_ref);
int lp_tls_session_client(lp_tls_session *out, struct lp_tls_client *c,
                          void *conn_ref);
void lp_tls_session_free(lp_tls_session s);

/* lp_tls_random fills buf from the backend's CSPRNG; 0 or LP_ERR_IO. */
int lp_tls_random(void *buf, size_t len);

/* lp_tls_read_file reads a whole small file (at most 1 MiB) into *out. */
int lp_tls_read_file(const char *path, uint8_t **out, size_t *outlen);

/*
 * lp_tls_cert_spki finds the subjectPublicKeyInfo inside a DER X.509
 * certificate (RFC 5280 section 4.1): *spki points into der at the whole
 * element (tag and length included), *spkilen bytes. Strict DER, and the
 * certificate must fill der exactly. Returns 0 or LP_ERR_INVAL. Shared by
 * both backends, so they hash the same bytes.
 */
int lp_tls_cert_spki(const uint8_t *der, size_t len, const uint8_t **spki,
                     size_t *spkilen);

/*
 * lp_tls_spki_pinned returns 1 if sha256 (of a leaf's SubjectPublicKeyInfo)
 * is one of c's SPKI pins, else 0.
 */
int lp_tls_spki_pinned(const struct lp_tls_client *c, const uint8_t sha256[32]);

#endif
