/*
 * The wolfSSL client's public-key pinning (quic/lp_tls_wolfssl.c, spec
 * section 9), under wine: lp_qconn with lp_tls_client_init_spki against a
 * real ngtcp2 + wolfSSL server in the same process, packets passed in
 * memory (the harness of tls_alpn_test.c). The right pin, or the right one
 * among backups, completes the handshake; a wrong pin fails it with the
 * same certificate alert as a wrong DER pin.
 *
 * The server's identity is a fixed test-only ECDSA P-256 certificate and
 * key (a lanparty-relay development certificate, valid 2026-11-30 to
 * 2027-11-30: pinning checks no dates, so it keeps working after that).
 * SPKI_SHA256 was computed outside this code (openssl pkey -pubin | sha256,
 * and tests/system/test_spki.py's ASN.1 walk). Needs no arguments, so
 * scripts/test-windows.sh runs it with the other *_wintest.exe.
 */
#include <stdint.h> /* wolfssl/quic.h 5.5.4 uses uint8_t unincluded */
#include <winsock2.h>
#include <windows.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include "lp_err.h"
#include "lp_pool.h"
#include "lp_qconn.h"
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

/* ------------------------------------------------------------ the server */

struct srv {
    ngtcp2_conn *conn;
    ngtcp2_crypto_conn_ref ref;
    WOLFSSL_CTX *ctx;
    WOLFSSL *ssl;
    ngtcp2_path path;
    int handshake_done;
    int read_err;    /* first error from ngtcp2_conn_read_pkt but DRAINING */
    int peer_closed; /* the client's CONNECTION_CLOSE arrived */
    ngtcp2_connection_close_error ccerr;
};

static ngtcp2_conn *srv_get_conn(ngtcp2_crypto_conn_ref *ref)
{
    return ((struct srv *)ref->user_data)->conn;
}

static void srv_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *rctx)
{
    (void)rctx;
    lp_tls_random(dest, len);
}

static int srv_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token,
                       size_t cidlen, void *user_data)
{
    (void)conn;
    (void)user_data;
    cid->datalen = cidlen;
    if (lp_tls_random(cid->data, cidlen) != 0 ||
        lp_tls_random(token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
        return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
}

static int srv_handshake_completed(ngtcp2_conn *conn, void *user_data)
{
    (void)conn;
    ((struct srv *)user_data)->handshake_done = 1;
    return 0;
}

/* srv_tls sets up the wolfSSL server half; alpn NULL selects nothing. */
static int srv_tls(struct srv *s, const char *alpn)
{
    s->ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
    if (s->ctx == NULL ||
        ngtcp2_crypto_wolfssl_configure_server_context(s->ctx) != 0 ||
        wolfSSL_CTX_use_certificate_buffer(
            s->ctx, (const unsigned char *)cert_pem, sizeof(cert_pem) - 1,
            WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_use_PrivateKey_buffer(
            s->ctx, (const unsigned char *)key_pem, sizeof(key_pem) - 1,
            WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
        return -1;
    s->ssl = wolfSSL_new(s->ctx);
    if (s->ssl == NULL)
        return -1;
    s->ref.get_conn = srv_get_conn;
    s->ref.user_data = s;
    wolfSSL_set_app_data(s->ssl, &s->ref);
    wolfSSL_set_accept_state(s->ssl);
    if (alpn != NULL &&
        wolfSSL_UseALPN(s->ssl, (char *)(uintptr_t)alpn,
                        (unsigned int)strlen(alpn),
                        WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
        return -1;
    return 0;
}

/* srv_accept creates the server connection from the client's first
 * Initial, as a QUIC server does. */
static int srv_accept(struct srv *s, const uint8_t *pkt, size_t len,
                      lp_tstamp now)
{
    ngtcp2_pkt_hd hd;
    ngtcp2_callbacks cb;
    ngtcp2_settings settings;
    ngtcp2_transport_params params;
    ngtcp2_cid scid;

    if (ngtcp2_accept(&hd, pkt, len) != 0)
        return -1;
    memset(&cb, 0, sizeof(cb));
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.handshake_completed = srv_handshake_completed;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.rand = srv_rand;
    cb.get_new_connection_id = srv_new_cid;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    ngtcp2_settings_default(&settings);
    settings.initial_ts = now;
    ngtcp2_transport_params_default(&params);
    params.original_dcid = hd.dcid;
    params.initial_max_streams_bidi = 1;
    params.initial_max_stream_data_bidi_remote = 65536;
    params.initial_max_data = 65536;
    params.max_datagram_frame_size = 65535;
    scid.datalen = LP_QUIC_CIDLEN;
    if (lp_tls_random(scid.data, scid.datalen) != 0 ||
        ngtcp2_conn_server_new(&s->conn, &hd.scid, &scid, &s->path, hd.version,
                               &cb, &settings, &params, NULL, s) != 0)
        return -1;
    ngtcp2_conn_set_tls_native_handle(s->conn, s->ssl);
    return 0;
}

static void srv_free(struct srv *s)
{
    if (s->conn != NULL)
        ngtcp2_conn_del(s->conn);
    if (s->ssl != NULL)
        wolfSSL_free(s->ssl);
    if (s->ctx != NULL)
        wolfSSL_CTX_free(s->ctx);
    s->conn = NULL;
    s->ssl = NULL;
    s->ctx = NULL;
}

/* ------------------------------------------------------------ the client */

struct cli {
    struct lp_qconn q; /* first: the callbacks get the lp_qconn */
    int handshake, closed;
    enum lp_qclose why;
    uint64_t code;
};

static void cli_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    (void)now;
    ((struct cli *)c)->handshake = 1;
}

static int cli_on_ctrl(struct lp_qconn *c, const uint8_t *data, size_t len,
                       lp_tstamp now)
{
    (void)c;
    (void)data;
    (void)len;
    (void)now;
    return 0;
}

static void cli_on_datagram(struct lp_qconn *c, const uint8_t *data, size_t len,
                            lp_tstamp now)
{
    (void)c;
    (void)data;
    (void)len;
    (void)now;
}

static void cli_on_closed(struct lp_qconn *c, enum lp_qclose why, uint64_t code,
                          lp_tstamp now)
{
    struct cli *k = (struct cli *)c;

    (void)now;
    k->closed = 1;
    k->why = why;
    k->code = code;
}

static const struct lp_qconn_ops cli_ops = {
    .on_handshake = cli_on_handshake,
    .on_ctrl = cli_on_ctrl,
    .on_datagram = cli_on_datagram,
    .on_closed = cli_on_closed,
};

/* -------------------------------------------------------------- the wire */

struct wire {
    struct srv *s;
    lp_tstamp now;
    int accept_failed;
};

/* to_server: lp_qconn_flush's send callback; each segment is a packet. */
static int to_server(void *arg, const ngtcp2_path *path, const uint8_t *data,
                     size_t len, size_t segsize)
{
    struct wire *w = arg;
    struct srv *s = w->s;

    (void)path;
    for (size_t off = 0; off < len; off += segsize) {
        size_t n = len - off < segsize ? len - off : segsize;
        ngtcp2_pkt_info pi = {0};
        int rv;

        if (s->conn == NULL && srv_accept(s, data + off, n, w->now) != 0) {
            w->accept_failed = 1;
            continue;
        }
        if (s->peer_closed)
            continue;
        rv =
            ngtcp2_conn_read_pkt(s->conn, &s->path, &pi, data + off, n, w->now);
        if (rv == NGTCP2_ERR_DRAINING) {
            s->peer_closed = 1;
            ngtcp2_conn_get_connection_close_error(s->conn, &s->ccerr);
        } else if (rv != 0 && s->read_err == 0) {
            s->read_err = rv;
        }
    }
    return 0;
}

struct outcome {
    struct cli c;
    struct srv s;
    int accept_failed;
};

/*
 * run_handshake connects the lp_qconn client, pinned to npins public keys
 * or (npins 0) to the DER in der_file, to a server that selects lanparty/1
 * and runs both until the client closed or two virtual seconds passed.
 */
static int run_handshake(struct outcome *o, const uint8_t (*pins)[32],
                         size_t npins, const char *der_file)
{
    const char *server_alpn = LP_ALPN;
    static uint8_t buf[65536];
    struct sockaddr_in caddr, saddr;
    struct lp_tls_client tls;
    struct lp_pool pool;
    struct wire w;
    char err[256];
    int rv = -1;

    memset(o, 0, sizeof(*o));
    memset(&caddr, 0, sizeof(caddr));
    caddr.sin_family = AF_INET;
    caddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    caddr.sin_port = htons(40001);
    saddr = caddr;
    saddr.sin_port = htons(40002);
    o->s.path.local.addr = (ngtcp2_sockaddr *)&saddr;
    o->s.path.local.addrlen = sizeof(saddr);
    o->s.path.remote.addr = (ngtcp2_sockaddr *)&caddr;
    o->s.path.remote.addrlen = sizeof(caddr);
    if ((npins > 0 ? lp_tls_client_init_spki(&tls, pins, npins,
                                             "lanparty-relay", err, sizeof(err))
                   : lp_tls_client_init(&tls, der_file, "lanparty-relay", err,
                                        sizeof(err))) != 0) {
        printf("  client TLS: %s\n", err);
        return -1;
    }
    if (lp_pool_init(&pool, 64, 2048) != 0) {
        lp_tls_client_free(&tls);
        return -1;
    }
    if (srv_tls(&o->s, server_alpn) != 0) {
        printf("  cannot set up the wolfSSL server\n");
        goto out;
    }
    w.s = &o->s;
    w.now = 1 * LP_SECONDS;
    w.accept_failed = 0;
    if (lp_qconn_client_new(&o->c.q, &tls, (struct sockaddr *)&caddr,
                            sizeof(caddr), (struct sockaddr *)&saddr,
                            sizeof(saddr), &cli_ops, &pool, 16, 0, w.now) != 0)
        goto out;
    for (int i = 0; i < 2000 && !(o->c.closed && o->s.peer_closed); i++) {
        w.now += LP_MILLISECONDS;
        if (lp_qconn_expiry(&o->c.q) <= w.now)
            lp_qconn_handle_expiry(&o->c.q, w.now);
        lp_qconn_flush(&o->c.q, w.now, buf, sizeof(buf), to_server, &w);
        if (o->s.conn == NULL || o->s.peer_closed)
            continue;
        if (ngtcp2_conn_get_expiry(o->s.conn) <= (ngtcp2_tstamp)w.now)
            ngtcp2_conn_handle_expiry(o->s.conn, w.now);
        for (;;) {
            ngtcp2_path_storage ps;
            ngtcp2_pkt_info pi;
            ngtcp2_ssize n;

            ngtcp2_path_storage_zero(&ps);
            n = ngtcp2_conn_write_pkt(o->s.conn, &ps.path, &pi, buf,
                                      sizeof(buf), w.now);
            if (n <= 0)
                break;
            lp_qconn_read(&o->c.q, &o->c.q.path, buf, (size_t)n, w.now);
        }
        /* A completed handshake with nothing left to do ends the run. */
        if (o->c.handshake && o->s.handshake_done && i > 200)
            break;
    }
    o->accept_failed = w.accept_failed;
    rv = 0;
out:
    lp_qconn_free(&o->c.q);
    srv_free(&o->s);
    lp_pool_free(&pool);
    lp_tls_client_free(&tls);
    return rv;
}

/* ------------------------------------------------------------- the tests */

static void check_joined(const struct outcome *o)
{
    CHECK_INT(o->accept_failed, 0);
    CHECK_INT(o->s.handshake_done, 1);
    CHECK_INT(o->c.handshake, 1);
    CHECK_INT(o->c.closed, 0);
}

static void test_right_pin(void)
{
    static struct outcome o;

    CHECK_INT(run_handshake(&o, &spki_sha256, 1, NULL), 0);
    check_joined(&o);
}

/* A backup key first, then the relay's: any listed key is accepted. */
static void test_right_pin_among_backups(void)
{
    static struct outcome o;
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
    static struct outcome spki, der;
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
