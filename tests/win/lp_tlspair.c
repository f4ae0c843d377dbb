/* lp_tlspair: see lp_tlspair.h. */
#include "lp_tlspair.h"

#include <stdio.h>
#include <string.h>

#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include "lp_pool.h"
#include "lp_tls.h"

/* ------------------------------------------------------------ the server */

static ngtcp2_conn *srv_get_conn(ngtcp2_crypto_conn_ref *ref)
{
    return ((struct lp_tlspair_srv *)ref->user_data)->conn;
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
    ((struct lp_tlspair_srv *)user_data)->handshake_done = 1;
    return 0;
}

/* srv_tls sets up the wolfSSL server half with cfg's identity and ALPN
 * (NULL selects nothing). */
static int srv_tls(struct lp_tlspair_srv *s, const struct lp_tlspair_cfg *cfg)
{
    const char *alpn = cfg->server_alpn;
    int ok;

    s->ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
    if (s->ctx == NULL ||
        ngtcp2_crypto_wolfssl_configure_server_context(s->ctx) != 0)
        return -1;
    if (cfg->pem_files)
        ok = wolfSSL_CTX_use_certificate_chain_file(s->ctx, cfg->cert_pem) ==
                 WOLFSSL_SUCCESS &&
             wolfSSL_CTX_use_PrivateKey_file(
                 s->ctx, cfg->key_pem, WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS;
    else
        ok = wolfSSL_CTX_use_certificate_buffer(
                 s->ctx, (const unsigned char *)cfg->cert_pem,
                 (long)strlen(cfg->cert_pem),
                 WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS &&
             wolfSSL_CTX_use_PrivateKey_buffer(
                 s->ctx, (const unsigned char *)cfg->key_pem,
                 (long)strlen(cfg->key_pem),
                 WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS;
    if (!ok)
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
static int srv_accept(struct lp_tlspair_srv *s, const uint8_t *pkt, size_t len,
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

static void srv_free(struct lp_tlspair_srv *s)
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

static void cli_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    (void)now;
    ((struct lp_tlspair_cli *)c)->handshake = 1;
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
    struct lp_tlspair_cli *k = (struct lp_tlspair_cli *)c;

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
    struct lp_tlspair_srv *s;
    lp_tstamp now;
    int accept_failed;
};

/* to_server: lp_qconn_flush's send callback; each segment is a packet. */
static int to_server(void *arg, const ngtcp2_path *path, const uint8_t *data,
                     size_t len, size_t segsize)
{
    struct wire *w = arg;
    struct lp_tlspair_srv *s = w->s;

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

int lp_tlspair_run(struct lp_tlspair *o, const struct lp_tlspair_cfg *cfg)
{
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
    if ((cfg->npins > 0
             ? lp_tls_client_init_spki(&tls, cfg->pins, cfg->npins,
                                       "lanparty-relay", err, sizeof(err))
             : lp_tls_client_init(&tls, cfg->der_file, "lanparty-relay", err,
                                  sizeof(err))) != 0) {
        printf("  client TLS: %s\n", err);
        return -1;
    }
    if (lp_pool_init(&pool, 64, 2048) != 0) {
        lp_tls_client_free(&tls);
        return -1;
    }
    if (srv_tls(&o->s, cfg) != 0) {
        printf("  cannot set up the wolfSSL server%s%s\n",
               cfg->pem_files ? " with " : "",
               cfg->pem_files ? cfg->cert_pem : "");
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
