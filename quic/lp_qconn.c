/* lp_qconn: one QUIC connection over ngtcp2 0.12 + GnuTLS; see lp_qconn.h. */
#include "lp_qconn.h"

#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

#define QCONN_MAX_GSO_SEGS 64
#define QCONN_MAX_BURST    64
#define QCONN_CHUNK        4096

const char *lp_app_error_name(uint64_t code)
{
    switch (code) {
    case LP_APP_NO_ERROR:
        return "NO_ERROR";
    case LP_APP_PROTOCOL_VIOLATION:
        return "PROTOCOL_VIOLATION";
    case LP_APP_REJECTED:
        return "REJECTED";
    case LP_APP_MALFORMED_DATAGRAMS:
        return "MALFORMED_DATAGRAMS";
    case LP_APP_HELLO_TIMEOUT:
        return "HELLO_TIMEOUT";
    case LP_APP_RELAY_SHUTDOWN:
        return "RELAY_SHUTDOWN";
    default:
        return "UNKNOWN";
    }
}

const char *lp_qclose_name(enum lp_qclose why)
{
    switch (why) {
    case LP_QC_LOCAL:
        return "local";
    case LP_QC_PEER:
        return "peer_closed";
    case LP_QC_IDLE:
        return "timeout";
    case LP_QC_HANDSHAKE_TIMEOUT:
        return "handshake_timeout";
    case LP_QC_RESET:
        return "stateless_reset";
    case LP_QC_TLS:
        return "tls";
    case LP_QC_ERROR:
        return "error";
    }
    return "unknown";
}

static void qconn_report_closed(struct lp_qconn *c, enum lp_qclose why,
                                uint64_t code)
{
    if (c->closed_reported)
        return;
    c->closed_reported = 1;
    if (c->ops->on_closed != NULL)
        c->ops->on_closed(c, why, code, c->now);
}

static ngtcp2_conn *qconn_get_conn(ngtcp2_crypto_conn_ref *ref)
{
    return ((struct lp_qconn *)ref->user_data)->conn;
}

static void qconn_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
    (void)ctx;
    (void)lp_tls_random(dest, len);
}

static int qconn_get_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token,
                             size_t cidlen, void *ud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    if (lp_tls_random(cid->data, cidlen) != 0)
        return NGTCP2_ERR_CALLBACK_FAILURE;
    cid->datalen = cidlen;
    if (c->reset_secret != NULL) {
        if (ngtcp2_crypto_generate_stateless_reset_token(
                token, c->reset_secret, c->reset_secretlen, cid) != 0)
            return NGTCP2_ERR_CALLBACK_FAILURE;
    } else if (lp_tls_random(token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0) {
        return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    if (c->ops->cid_add != NULL && c->ops->cid_add(c, cid) != 0)
        return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
}

static int qconn_remove_cid(ngtcp2_conn *conn, const ngtcp2_cid *cid, void *ud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    if (c->ops->cid_remove != NULL)
        c->ops->cid_remove(c, cid);
    return 0;
}

static int qconn_handshake_completed(ngtcp2_conn *conn, void *ud)
{
    struct lp_qconn *c = ud;

    if (c->state == LP_QS_HANDSHAKE)
        c->state = LP_QS_OPEN;
    c->handshake_ts = c->now;
    if (!c->is_server) {
        /* The control stream is the first client-initiated bidi stream. */
        if (ngtcp2_conn_open_bidi_stream(conn, &c->ctrl_stream, NULL) != 0)
            return NGTCP2_ERR_CALLBACK_FAILURE;
    } else if (!lp_qconn_peer_has_dgram(c)) {
        /* Spec section 1: DATAGRAM support is mandatory. */
        c->pending_violation = 1;
    }
    if (c->ops->on_handshake != NULL)
        c->ops->on_handshake(c, c->now);
    return 0;
}

static int qconn_recv_stream_data(ngtcp2_conn *conn, uint32_t flags,
                                  int64_t stream_id, uint64_t offset,
                                  const uint8_t *data, size_t len, void *ud,
                                  void *sud)
{
    struct lp_qconn *c = ud;

    (void)offset;
    (void)sud;
    if (c->is_server && c->ctrl_stream < 0 && stream_id == 0)
        c->ctrl_stream = 0;
    if (stream_id == c->ctrl_stream && len > 0 &&
        c->state <= LP_QS_CLOSE_PENDING && c->ops->on_ctrl != NULL) {
        if (c->ops->on_ctrl(c, data, len, c->now) < 0)
            c->pending_violation = 1;
    }
    if ((flags & NGTCP2_STREAM_DATA_FLAG_FIN) && stream_id == c->ctrl_stream &&
        c->state == LP_QS_OPEN)
        c->pending_violation = 1; /* the control stream lives as long */
    ngtcp2_conn_extend_max_stream_offset(conn, stream_id, len);
    ngtcp2_conn_extend_max_offset(conn, len);
    return 0;
}

static void qconn_free_acked_chunks(struct lp_qconn *c)
{
    while (c->tx_head != NULL &&
           c->tx_head->base + c->tx_head->len <= c->tx_acked &&
           (c->tx_head->next != NULL || c->tx_head->len == c->tx_head->cap ||
            c->tx_acked == c->tx_total)) {
        struct lp_ctrl_chunk *k = c->tx_head;
        c->tx_head = k->next;
        if (c->tx_head == NULL)
            c->tx_tail = NULL;
        free(k);
    }
}

static int qconn_acked_stream_data(ngtcp2_conn *conn, int64_t stream_id,
                                   uint64_t offset, uint64_t datalen, void *ud,
                                   void *sud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    (void)sud;
    if (stream_id != c->ctrl_stream)
        return 0;
    if (offset + datalen > c->tx_acked)
        c->tx_acked = offset + datalen;
    qconn_free_acked_chunks(c);
    return 0;
}

static int qconn_stream_reset(ngtcp2_conn *conn, int64_t stream_id,
                              uint64_t final_size, uint64_t app_error_code,
                              void *ud, void *sud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    (void)final_size;
    (void)app_error_code;
    (void)sud;
    /* After reject/disconnect the peer may drop its end: not a violation
     * that should cut the graceful close short. */
    if (stream_id == c->ctrl_stream && c->state == LP_QS_OPEN)
        c->pending_violation = 1;
    return 0;
}

static int qconn_recv_datagram(ngtcp2_conn *conn, uint32_t flags,
                               const uint8_t *data, size_t len, void *ud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    (void)flags;
    if (c->ack_hold_until == 0)
        c->ack_hold_until = c->now + LP_QCONN_ACK_HOLD;
    c->ack_held++;
    if (c->state == LP_QS_OPEN && c->ops->on_datagram != NULL)
        c->ops->on_datagram(c, data, len, c->now);
    return 0;
}

static int qconn_recv_stateless_reset(ngtcp2_conn *conn,
                                      const ngtcp2_pkt_stateless_reset *sr,
                                      void *ud)
{
    struct lp_qconn *c = ud;

    (void)conn;
    (void)sr;
    c->got_reset = 1;
    return 0;
}

static void qconn_callbacks(ngtcp2_callbacks *cb, int is_server)
{
    memset(cb, 0, sizeof(*cb));
    if (is_server) {
        cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    } else {
        cb->client_initial = ngtcp2_crypto_client_initial_cb;
        cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
    }
    cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb->encrypt = ngtcp2_crypto_encrypt_cb;
    cb->decrypt = ngtcp2_crypto_decrypt_cb;
    cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb->update_key = ngtcp2_crypto_update_key_cb;
    cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb->rand = qconn_rand;
    cb->get_new_connection_id = qconn_get_new_cid;
    cb->remove_connection_id = qconn_remove_cid;
    cb->handshake_completed = qconn_handshake_completed;
    cb->recv_stream_data = qconn_recv_stream_data;
    cb->acked_stream_data_offset = qconn_acked_stream_data;
    cb->stream_reset = qconn_stream_reset;
    cb->recv_datagram = qconn_recv_datagram;
    cb->recv_stateless_reset = qconn_recv_stateless_reset;
}

void lp_qconn_defaults(ngtcp2_settings *settings,
                       ngtcp2_transport_params *params, int is_server,
                       lp_tstamp now)
{
    ngtcp2_settings_default(settings);
    settings->initial_ts = now;
    settings->max_tx_udp_payload_size = LP_QUIC_MAX_UDP_PAYLOAD;
    settings->handshake_timeout = 10 * NGTCP2_SECONDS;
    /* DATAGRAM floods need few ACKs: acknowledging every 8th packet (or
     * after max_ack_delay) saves an encrypted packet per two received on
     * the relay without starving congestion control. */
    settings->ack_thresh = 8;
    ngtcp2_transport_params_default(params);
    params->max_datagram_frame_size = 65535;
    params->max_idle_timeout = LP_QUIC_IDLE_TIMEOUT;
    params->initial_max_streams_bidi = is_server ? 1 : 0;
    params->initial_max_streams_uni = 0;
    if (is_server) {
        /* What an untrusted endpoint may make the relay buffer before it is
         * consumed: the control stream needs one 64 KiB frame at most, and
         * the window is extended as bytes are consumed. */
        params->initial_max_stream_data_bidi_remote = 72 * 1024;
        params->initial_max_data = 96 * 1024;
    } else {
        params->initial_max_stream_data_bidi_local = 256 * 1024;
        params->initial_max_data = 1024 * 1024;
    }
}

static int qconn_common_init(struct lp_qconn *c, const struct lp_qconn_ops *ops,
                             struct lp_pool *pool, uint32_t dq_cap)
{
    memset(c, 0, sizeof(*c));
    c->ops = ops;
    c->pool = pool;
    c->ctrl_stream = -1;
    c->ref.get_conn = qconn_get_conn;
    c->ref.user_data = c;
    c->path.local.addr = (ngtcp2_sockaddr *)&c->local_addr;
    c->path.remote.addr = (ngtcp2_sockaddr *)&c->remote_addr;
    c->heap_idx = SIZE_MAX;
    if (dq_cap > 0) {
        c->dq = calloc(dq_cap, sizeof(*c->dq));
        if (c->dq == NULL)
            return LP_ERR_NOMEM;
        c->dq_cap = dq_cap;
    }
    return 0;
}

int lp_qconn_client_new(struct lp_qconn *c, struct lp_tls_client *tls,
                        const struct sockaddr *local, socklen_t locallen,
                        const struct sockaddr *remote, socklen_t remotelen,
                        const struct lp_qconn_ops *ops, struct lp_pool *pool,
                        uint32_t dq_cap, unsigned flags, lp_tstamp now)
{
    ngtcp2_callbacks cb;
    ngtcp2_settings settings;
    ngtcp2_transport_params params;
    ngtcp2_cid dcid, scid;
    int rv;

    if ((rv = qconn_common_init(c, ops, pool, dq_cap)) != 0)
        return rv;
    memcpy(&c->local_addr, local, locallen);
    memcpy(&c->remote_addr, remote, remotelen);
    c->path.local.addrlen = locallen;
    c->path.remote.addrlen = remotelen;
    c->now = now;
    dcid.datalen = LP_QUIC_CIDLEN;
    scid.datalen = LP_QUIC_CIDLEN;
    if (lp_tls_random(dcid.data, dcid.datalen) != 0 ||
        lp_tls_random(scid.data, scid.datalen) != 0) {
        lp_qconn_free(c);
        return LP_ERR_IO;
    }
    qconn_callbacks(&cb, 0);
    lp_qconn_defaults(&settings, &params, 0, now);
    if (flags & LP_QCONN_F_NO_DATAGRAM)
        params.max_datagram_frame_size = 0;
    if (flags & LP_QCONN_F_SMALL_UDP)
        params.max_udp_payload_size = 1200;
    rv = ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &c->path,
                                NGTCP2_PROTO_VER_V1, &cb, &settings, &params,
                                NULL, c);
    if (rv != 0) {
        lp_qconn_free(c);
        return LP_ERR_NOMEM;
    }
    if (lp_tls_session_client(&c->tls, tls, &c->ref) != 0) {
        lp_qconn_free(c);
        return LP_ERR_IO;
    }
    ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
    ngtcp2_conn_set_keep_alive_timeout(c->conn, LP_QUIC_KEEPALIVE);
    return 0;
}

int lp_qconn_server_new(struct lp_qconn *c, struct lp_tls_server *tls,
                        const ngtcp2_pkt_hd *hd, const ngtcp2_cid *scid,
                        const ngtcp2_path *path,
                        const ngtcp2_transport_params *params_in,
                        const ngtcp2_vec *token, const uint8_t *reset_secret,
                        size_t secretlen, const struct lp_qconn_ops *ops,
                        struct lp_pool *pool, uint32_t dq_cap, lp_tstamp now)
{
    ngtcp2_callbacks cb;
    ngtcp2_settings settings;
    ngtcp2_transport_params params;
    int rv;

    if ((rv = qconn_common_init(c, ops, pool, dq_cap)) != 0)
        return rv;
    c->is_server = 1;
    c->now = now;
    c->reset_secret = reset_secret;
    c->reset_secretlen = secretlen;
    memcpy(&c->local_addr, path->local.addr, path->local.addrlen);
    memcpy(&c->remote_addr, path->remote.addr, path->remote.addrlen);
    c->path.local.addrlen = path->local.addrlen;
    c->path.remote.addrlen = path->remote.addrlen;
    qconn_callbacks(&cb, 1);
    lp_qconn_defaults(&settings, &params, 1, now);
    params = *params_in;
    if (token != NULL && token->len > 0)
        settings.token = *token;
    rv = ngtcp2_conn_server_new(&c->conn, &hd->scid, scid, &c->path,
                                hd->version, &cb, &settings, &params, NULL, c);
    if (rv != 0) {
        lp_qconn_free(c);
        return LP_ERR_NOMEM;
    }
    if (lp_tls_session_server(&c->tls, tls, &c->ref) != 0) {
        lp_qconn_free(c);
        return LP_ERR_IO;
    }
    ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
    return 0;
}

int lp_qconn_detached_new(struct lp_qconn *c, const struct sockaddr *remote,
                          socklen_t remotelen, const struct lp_qconn_ops *ops,
                          struct lp_pool *pool, uint32_t dq_cap,
                          size_t max_dgram, lp_tstamp now)
{
    int rv;

    if ((size_t)remotelen > sizeof(c->remote_addr))
        return LP_ERR_INVAL;
    if ((rv = qconn_common_init(c, ops, pool, dq_cap)) != 0)
        return rv;
    memcpy(&c->remote_addr, remote, remotelen);
    c->path.remote.addr = (ngtcp2_sockaddr *)&c->remote_addr;
    c->path.remote.addrlen = remotelen;
    c->path.local.addr = (ngtcp2_sockaddr *)&c->local_addr;
    c->path.local.addrlen = remotelen;
    c->local_addr.ss_family = remote->sa_family;
    c->is_server = 1;
    c->detached_max = max_dgram;
    c->ctrl_stream = 0;
    c->state = LP_QS_OPEN;
    c->handshake_ts = now != 0 ? now : 1;
    c->now = now;
    return 0;
}

/* qconn_detached_flush: what a flush does without QUIC. */
static void qconn_detached_flush(struct lp_qconn *c)
{
    c->dgrams_sent += lp_qconn_dgram_clear(c);
    while (c->tx_head != NULL) {
        struct lp_ctrl_chunk *k = c->tx_head;
        c->tx_head = k->next;
        free(k);
    }
    c->tx_tail = NULL;
    c->tx_sent = c->tx_acked = c->tx_total;
}

void lp_qconn_free(struct lp_qconn *c)
{
    if (c == NULL)
        return;
    if (c->conn != NULL)
        ngtcp2_conn_del(c->conn);
    if (c->tls != NULL)
        lp_tls_session_free(c->tls);
    while (c->tx_head != NULL) {
        struct lp_ctrl_chunk *k = c->tx_head;
        c->tx_head = k->next;
        free(k);
    }
    if (c->dq != NULL) {
        (void)lp_qconn_dgram_clear(c);
        free(c->dq);
    }
    free(c->close_pkt);
    c->conn = NULL;
    c->tls = NULL;
    c->dq = NULL;
    c->close_pkt = NULL;
    c->tx_tail = NULL;
    c->state = LP_QS_DEAD;
}

static lp_tstamp qconn_three_pto(const struct lp_qconn *c)
{
    return 3 * ngtcp2_conn_get_pto(c->conn);
}

static void qconn_kill(struct lp_qconn *c, enum lp_qclose why, uint64_t code)
{
    c->state = LP_QS_DEAD;
    qconn_report_closed(c, why, code);
}

/* qconn_write_close builds CONNECTION_CLOSE and enters the closing period. */
static void qconn_write_close(struct lp_qconn *c, lp_tstamp now,
                              const ngtcp2_connection_close_error *ccerr,
                              enum lp_qclose why)
{
    uint8_t buf[LP_QUIC_MAX_UDP_PAYLOAD];
    ngtcp2_path_storage ps;
    ngtcp2_pkt_info pi;
    ngtcp2_ssize n;

    if (c->state >= LP_QS_CLOSING)
        return;
    ngtcp2_path_storage_zero(&ps);
    n = ngtcp2_conn_write_connection_close(c->conn, &ps.path, &pi, buf,
                                           sizeof(buf), ccerr, now);
    if (n <= 0) {
        qconn_kill(c, why, ccerr->error_code);
        return;
    }
    free(c->close_pkt);
    c->close_pkt = malloc((size_t)n);
    if (c->close_pkt == NULL) {
        qconn_kill(c, why, ccerr->error_code);
        return;
    }
    memcpy(c->close_pkt, buf, (size_t)n);
    c->close_pktlen = (size_t)n;
    if (ps.path.remote.addrlen > 0 &&
        (size_t)ps.path.remote.addrlen <= sizeof(c->remote_addr) &&
        (size_t)ps.path.local.addrlen <= sizeof(c->local_addr)) {
        memcpy(&c->remote_addr, ps.path.remote.addr, ps.path.remote.addrlen);
        memcpy(&c->local_addr, ps.path.local.addr, ps.path.local.addrlen);
        c->path.remote.addrlen = ps.path.remote.addrlen;
        c->path.local.addrlen = ps.path.local.addrlen;
    }
    c->close_send_pending = 1;
    c->close_rx = 0;
    c->close_next_tx = 1;
    c->state = LP_QS_CLOSING;
    c->close_deadline = now + qconn_three_pto(c);
    qconn_report_closed(c, why, ccerr->error_code);
}

static void qconn_close_app(struct lp_qconn *c, uint64_t code, lp_tstamp now)
{
    ngtcp2_connection_close_error ccerr;

    ngtcp2_connection_close_error_default(&ccerr);
    ngtcp2_connection_close_error_set_application_error(&ccerr, code, NULL, 0);
    qconn_write_close(c, now, &ccerr, LP_QC_LOCAL);
}

void lp_qconn_close(struct lp_qconn *c, uint64_t app_code, lp_tstamp now)
{
    if (c->state >= LP_QS_CLOSE_PENDING)
        return;
    if (c->state == LP_QS_HANDSHAKE) {
        lp_qconn_close_now(c, app_code, now);
        return;
    }
    c->state = LP_QS_CLOSE_PENDING;
    c->close_code = app_code;
    c->close_deadline = now + LP_QUIC_CLOSE_WAIT;
}

void lp_qconn_close_now(struct lp_qconn *c, uint64_t app_code, lp_tstamp now)
{
    if (c->state >= LP_QS_CLOSING)
        return;
    if (c->conn == NULL) { /* detached */
        c->close_code = app_code;
        c->state = LP_QS_DEAD;
        return;
    }
    qconn_close_app(c, app_code, now);
}

/* qconn_on_error handles a fatal error from read_pkt/handle_expiry/write. */
static void qconn_on_error(struct lp_qconn *c, int rv, lp_tstamp now)
{
    ngtcp2_connection_close_error ccerr;

    switch (rv) {
    case NGTCP2_ERR_DRAINING: {
        const ngtcp2_connection_close_error *pe = NULL;
        ngtcp2_connection_close_error got;

        ngtcp2_conn_get_connection_close_error(c->conn, &got);
        pe = &got;
        c->state = LP_QS_DRAINING;
        c->close_deadline = now + qconn_three_pto(c);
        if (c->got_reset)
            qconn_report_closed(c, LP_QC_RESET, 0);
        else
            qconn_report_closed(c, LP_QC_PEER, pe->error_code);
        return;
    }
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_RETRY:
        qconn_kill(c, LP_QC_ERROR, 0);
        return;
    case NGTCP2_ERR_IDLE_CLOSE:
        qconn_kill(c, LP_QC_IDLE, 0);
        return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
        qconn_kill(c, LP_QC_HANDSHAKE_TIMEOUT, 0);
        return;
    case NGTCP2_ERR_CRYPTO:
        ngtcp2_connection_close_error_default(&ccerr);
        ngtcp2_connection_close_error_set_transport_error_tls_alert(
            &ccerr, ngtcp2_conn_get_tls_alert(c->conn), NULL, 0);
        qconn_write_close(c, now, &ccerr, LP_QC_TLS);
        return;
    default:
        ngtcp2_connection_close_error_default(&ccerr);
        ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv,
                                                                 NULL, 0);
        qconn_write_close(c, now, &ccerr, LP_QC_ERROR);
        return;
    }
}

/*
 * Path changes on the server side (docs/protocol.md, "Path changes").
 *
 * ngtcp2 0.12.1 aborts the process (conn_recv_non_probing_pkt_on_new_path:
 * assert(!conn->pmtud)) when a packet from the *fallback* path of a path
 * validation arrives while PMTUD runs, and PMTUD restarts as soon as the new
 * path is validated. The fallback is always a path that was current before
 * a migration. So a server connection remembers the paths it left (up to
 * LP_QPATH_OLD, each for a quarantine longer than any path validation) and
 * never hands ngtcp2 a packet with one of them: such a packet is read as if
 * it came from the current path ("folded"). QUIC still authenticates it
 * (a forged or replayed one is discarded as before), its data is not lost,
 * and the replies go to the current path, which a peer that flaps between
 * two NAT bindings still reaches. A packet from a path never seen before
 * is a migration, which ngtcp2 handles itself (it stops PMTUD first); when
 * every slot holds a live quarantine, a further new path is folded too
 * until one expires. Folded packets are counted.
 */
static void qconn_key_addr(uint16_t *fam, uint16_t *port, uint8_t addr[16],
                           const ngtcp2_addr *a)
{
    memset(addr, 0, 16);
    *fam = (uint16_t)a->addr->sa_family;
    *port = 0;
    if (a->addr->sa_family == NGTCP2_AF_INET) {
        const ngtcp2_sockaddr_in *x = (const void *)a->addr;
        *port = x->sin_port;
        memcpy(addr, &x->sin_addr, 4);
    } else if (a->addr->sa_family == NGTCP2_AF_INET6) {
        const ngtcp2_sockaddr_in6 *x = (const void *)a->addr;
        *port = x->sin6_port;
        memcpy(addr, &x->sin6_addr, 16);
    }
}

static void qconn_key_of(struct lp_qpath_key *k, const ngtcp2_path *p)
{
    qconn_key_addr(&k->lfam, &k->lport, k->laddr, &p->local);
    qconn_key_addr(&k->rfam, &k->rport, k->raddr, &p->remote);
}

static int qconn_key_eq(const struct lp_qpath_key *a,
                        const struct lp_qpath_key *b)
{
    return a->lfam == b->lfam && a->rfam == b->rfam && a->lport == b->lport &&
           a->rport == b->rport && memcmp(a->laddr, b->laddr, 16) == 0 &&
           memcmp(a->raddr, b->raddr, 16) == 0;
}

/* Whether path is the connection's current path, as ngtcp2_path_eq
 * decides it (family, port and address; never flow info or scope). */
static int qconn_path_is_current(const struct lp_qconn *c,
                                 const ngtcp2_path *path)
{
    struct lp_qpath_key a, b;

    qconn_key_of(&a, path);
    qconn_key_of(&b, ngtcp2_conn_get_path(c->conn));
    return qconn_key_eq(&a, &b);
}

/* Whether a packet from path (not the current one) must be folded. */
static int qconn_path_quarantined(const struct lp_qconn *c,
                                  const ngtcp2_path *path, lp_tstamp now)
{
    struct lp_qpath_key k;
    int live = 0;

    qconn_key_of(&k, path);
    for (int i = 0; i < LP_QPATH_OLD; i++) {
        if (c->old_paths[i].until <= now)
            continue;
        live++;
        if (qconn_key_eq(&c->old_paths[i].key, &k))
            return 1;
    }
    /* No free slot to remember the path we would leave. */
    return live == LP_QPATH_OLD;
}

/* After a packet from another path was read: if ngtcp2 moved the
 * connection, quarantine the path it left. */
static void qconn_after_new_path(struct lp_qconn *c,
                                 const struct lp_qpath_key *before,
                                 lp_tstamp now)
{
    struct lp_qpath_key cur;
    lp_tstamp hold, pto;
    int slot = 0;

    if (c->conn == NULL)
        return;
    qconn_key_of(&cur, ngtcp2_conn_get_path(c->conn));
    if (qconn_key_eq(&cur, before))
        return;
    c->path_changes++;
    /* Longer than any path validation ngtcp2 0.12 runs (3 PTO, twice when
     * the first challenge was undersized), and at least 10 s. */
    pto = ngtcp2_conn_get_pto(c->conn);
    hold = 8 * pto > 10 * LP_SECONDS ? 8 * pto : 10 * LP_SECONDS;
    for (int i = 1; i < LP_QPATH_OLD; i++)
        if (c->old_paths[i].until < c->old_paths[slot].until)
            slot = i;
    for (int i = 0; i < LP_QPATH_OLD; i++)
        if (qconn_key_eq(&c->old_paths[i].key, before))
            slot = i; /* left again: one slot, a fresh quarantine */
    c->old_paths[slot].key = *before;
    c->old_paths[slot].until = now + hold;
    {
        const ngtcp2_path *np = ngtcp2_conn_get_path(c->conn);
        if ((size_t)np->remote.addrlen <= sizeof(c->remote_addr) &&
            (size_t)np->local.addrlen <= sizeof(c->local_addr)) {
            memcpy(&c->remote_addr, np->remote.addr, np->remote.addrlen);
            memcpy(&c->local_addr, np->local.addr, np->local.addrlen);
            c->path.remote.addrlen = np->remote.addrlen;
            c->path.local.addrlen = np->local.addrlen;
        }
    }
    if (c->ops->on_path_changed != NULL)
        c->ops->on_path_changed(c, now);
}

void lp_qconn_read(struct lp_qconn *c, const ngtcp2_path *path,
                   const uint8_t *data, size_t len, lp_tstamp now)
{
    ngtcp2_pkt_info pi;
    struct lp_qpath_key before;
    ngtcp2_path_storage cur;
    int rv, moved = 0;

    switch (c->state) {
    case LP_QS_DEAD:
    case LP_QS_DRAINING:
        return;
    case LP_QS_CLOSING:
        /* RFC 9000 section 10.2.1: answer late packets with the close, at an
         * exponentially decreasing rate. */
        if (++c->close_rx >= c->close_next_tx) {
            c->close_send_pending = 1;
            c->close_next_tx *= 2;
        }
        return;
    default:
        break;
    }
    c->now = now;
    memset(&pi, 0, sizeof(pi));
    if (c->is_server && !qconn_path_is_current(c, path)) {
        if (qconn_path_quarantined(c, path, now)) {
            /* Read as if from the current path: QUIC still authenticates
             * it, the data is not lost, and ngtcp2 never sees the old
             * path again. Replies go to the current path. */
            c->path_folded++;
            ngtcp2_path_storage_zero(&cur);
            ngtcp2_path_copy(&cur.path, ngtcp2_conn_get_path(c->conn));
            path = &cur.path;
        } else {
            qconn_key_of(&before, ngtcp2_conn_get_path(c->conn));
            moved = 1;
        }
    }
    rv = ngtcp2_conn_read_pkt(c->conn, path, &pi, data, len, now);
    if (rv != 0) {
        qconn_on_error(c, rv, now);
        return;
    }
    if (moved)
        qconn_after_new_path(c, &before, now);
    if (c->pending_violation && c->state <= LP_QS_CLOSE_PENDING)
        lp_qconn_close_now(c, LP_APP_PROTOCOL_VIOLATION, now);
}

size_t lp_qconn_max_dgram(const struct lp_qconn *c)
{
    const ngtcp2_transport_params *rp;
    size_t path, ov, n;

    if (c->conn == NULL)
        return c->detached_max;
    rp = ngtcp2_conn_get_remote_transport_params(c->conn);
    if (rp == NULL || rp->max_datagram_frame_size == 0)
        return 0;
    path = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->conn);
    ov = LP_QUIC_DGRAM_OVERHEAD + ngtcp2_conn_get_dcid(c->conn)->datalen;
    if (path <= ov)
        return 0;
    n = path - ov;
    /* max_datagram_frame_size counts the frame type and length too. */
    if (rp->max_datagram_frame_size < 3)
        return 0;
    if (n > rp->max_datagram_frame_size - 3)
        n = (size_t)rp->max_datagram_frame_size - 3;
    return n;
}

lp_tstamp lp_qconn_pto(const struct lp_qconn *c)
{
    return c->conn != NULL ? ngtcp2_conn_get_pto(c->conn) : 0;
}

uint64_t lp_qconn_bytes_in_flight(const struct lp_qconn *c)
{
    ngtcp2_conn_stat st;

    if (c->conn == NULL)
        return 0;
    ngtcp2_conn_get_conn_stat(c->conn, &st);
    return st.bytes_in_flight;
}

int lp_qconn_pmtud_done(const struct lp_qconn *c)
{
    const ngtcp2_transport_params *rp;
    size_t path, ceiling = 1444; /* ngtcp2 0.12's last PMTUD probe */

    if (c->conn == NULL)
        return 0;
    rp = ngtcp2_conn_get_remote_transport_params(c->conn);
    if (rp != NULL && rp->max_udp_payload_size < ceiling)
        ceiling = (size_t)rp->max_udp_payload_size;
    path = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->conn);
    return path >= ceiling;
}

int lp_qconn_peer_has_dgram(const struct lp_qconn *c)
{
    const ngtcp2_transport_params *rp;

    if (c->conn == NULL)
        return 0;
    rp = ngtcp2_conn_get_remote_transport_params(c->conn);
    return rp != NULL && rp->max_datagram_frame_size > 0;
}

uint64_t lp_qconn_rtt(const struct lp_qconn *c)
{
    ngtcp2_conn_stat st;

    if (c->conn == NULL)
        return 0;
    ngtcp2_conn_get_conn_stat(c->conn, &st);
    return st.first_rtt_sample_ts == UINT64_MAX ? 0 : st.smoothed_rtt;
}

uint8_t lp_qconn_tls_alert(const struct lp_qconn *c)
{
    return c->conn != NULL ? ngtcp2_conn_get_tls_alert(c->conn) : 0;
}

int lp_qconn_send_ctrl(struct lp_qconn *c, const uint8_t *data, size_t len)
{
    struct lp_ctrl_chunk *k = c->tx_tail;

    if (c->state >= LP_QS_CLOSING)
        return LP_ERR_INVAL;
    if (c->tx_total - c->tx_acked + len > LP_QUIC_CTRL_MAX_BUFFERED)
        return LP_ERR_AGAIN;
    while (len > 0) {
        size_t n;

        if (k == NULL || k->len == k->cap) {
            size_t cap = len > QCONN_CHUNK ? len : QCONN_CHUNK;
            struct lp_ctrl_chunk *nk = malloc(sizeof(*nk) + cap);

            if (nk == NULL)
                return LP_ERR_NOMEM;
            nk->next = NULL;
            nk->base = c->tx_total;
            nk->len = 0;
            nk->cap = cap;
            if (c->tx_tail != NULL)
                c->tx_tail->next = nk;
            else
                c->tx_head = nk;
            c->tx_tail = nk;
            k = nk;
        }
        n = k->cap - k->len;
        if (n > len)
            n = len;
        /* Bytes already handed to ngtcp2 are never moved: only the free
         * tail of the last chunk is written. */
        memcpy(k->data + k->len, data, n);
        k->len += n;
        c->tx_total += n;
        data += n;
        len -= n;
    }
    return 0;
}

/* qconn_dq_express: whether the next datagram to send is the express
 * lane's head (see lp_qconn_queue_dgram_express). */
static int qconn_dq_express(const struct lp_qconn *c)
{
    if (c->xq_len == 0)
        return 0;
    return c->dq_len == 0 || c->xq_run < LP_QCONN_XQ_RUN;
}

/* qconn_dq_head: the head of the express lane (x) or of the bulk ring. */
static struct lp_pbuf *qconn_dq_head(const struct lp_qconn *c, int x)
{
    return x ? c->xq[c->xq_head] : c->dq[c->dq_head];
}

/* qconn_dq_pop drops the head of the express lane (x) or the bulk ring. */
static void qconn_dq_pop(struct lp_qconn *c, int x)
{
    if (x) {
        lp_pool_put(c->pool, c->xq[c->xq_head]);
        c->xq_head = (c->xq_head + 1) % LP_QCONN_XQ;
        c->xq_len--;
        c->xq_run++;
    } else {
        lp_pool_put(c->pool, c->dq[c->dq_head]);
        c->dq_head = (c->dq_head + 1) % c->dq_cap;
        c->dq_len--;
        c->xq_run = 0;
    }
    if (c->dq_acct != NULL)
        (*c->dq_acct)--;
}

/* qconn_dq_stale: the head of lane x waited longer than the age limit. */
static int qconn_dq_stale(const struct lp_qconn *c, int x, lp_tstamp now)
{
    const struct lp_pbuf *h = qconn_dq_head(c, x);

    return c->dq_max_age != 0 && now > h->born && now - h->born > c->dq_max_age;
}

uint32_t lp_qconn_dgram_expire(struct lp_qconn *c, lp_tstamp now)
{
    uint32_t n = 0;

    for (int x = 0; x < 2; x++) {
        while ((x ? c->xq_len : c->dq_len) > 0 && qconn_dq_stale(c, x, now)) {
            qconn_dq_pop(c, x);
            c->dq_dropped_stale++;
            n++;
        }
    }
    return n;
}

uint32_t lp_qconn_dgram_clear(struct lp_qconn *c)
{
    uint32_t n = c->dq_len + c->xq_len;

    while (c->xq_len > 0)
        qconn_dq_pop(c, 1);
    while (c->dq_len > 0)
        qconn_dq_pop(c, 0);
    return n;
}

void lp_qconn_dgram_limit(struct lp_qconn *c, lp_tstamp max_age, uint32_t *acct)
{
    c->dq_max_age = max_age;
    if (c->dq_acct != NULL)
        *c->dq_acct -= c->dq_len + c->xq_len;
    c->dq_acct = acct;
    if (acct != NULL)
        *acct += c->dq_len + c->xq_len;
}

static int qconn_queue(struct lp_qconn *c, struct lp_pbuf *b, int express)
{
    if (c->state != LP_QS_OPEN)
        return LP_ERR_AGAIN;
    if (c->dq_len + c->xq_len > 0)
        (void)lp_qconn_dgram_expire(c, b->born);
    if (c->dq_len + c->xq_len >= c->dq_cap)
        return LP_ERR_AGAIN;
    lp_pbuf_ref(b);
    if (express && c->xq_len < LP_QCONN_XQ) {
        c->xq[(c->xq_head + c->xq_len) % LP_QCONN_XQ] = b;
        c->xq_len++;
    } else {
        c->dq[(c->dq_head + c->dq_len) % c->dq_cap] = b;
        c->dq_len++;
    }
    if (c->dq_acct != NULL)
        (*c->dq_acct)++;
    return 0;
}

int lp_qconn_queue_dgram(struct lp_qconn *c, struct lp_pbuf *b)
{
    return qconn_queue(c, b, 0);
}

int lp_qconn_queue_dgram_express(struct lp_qconn *c, struct lp_pbuf *b)
{
    return qconn_queue(c, b, 1);
}

uint32_t lp_qconn_dgram_queued(const struct lp_qconn *c)
{
    return c->dq_len + c->xq_len;
}

const struct lp_pbuf *lp_qconn_dgram_peek(const struct lp_qconn *c, uint32_t k)
{
    if (k < c->xq_len)
        return c->xq[(c->xq_head + k) % LP_QCONN_XQ];
    k -= c->xq_len;
    if (k < c->dq_len)
        return c->dq[(c->dq_head + k) % c->dq_cap];
    return NULL;
}

/* qconn_ctrl_vec points v at unsent control bytes (one chunk's worth). */
static int qconn_ctrl_vec(struct lp_qconn *c, ngtcp2_vec *v)
{
    for (struct lp_ctrl_chunk *k = c->tx_head; k != NULL; k = k->next) {
        if (c->tx_sent < k->base + k->len) {
            size_t off = (size_t)(c->tx_sent - k->base);
            v->base = k->data + off;
            v->len = k->len - off;
            return 1;
        }
    }
    return 0;
}

struct qconn_batch {
    uint8_t *buf;
    size_t cap, len, segsize, nseg;
    int closed; /* a short packet ended the run */
    ngtcp2_path_storage ps;
    lp_qconn_send_fn send;
    void *arg;
};

static int batch_send(struct qconn_batch *b)
{
    int rv = 0;

    if (b->len > 0)
        rv = b->send(b->arg, &b->ps.path, b->buf, b->len, b->segsize);
    b->len = 0;
    b->nseg = 0;
    b->segsize = 0;
    b->closed = 0;
    return rv;
}

static int path_same(const ngtcp2_path *a, const ngtcp2_path *b)
{
    return a->remote.addrlen == b->remote.addrlen &&
           memcmp(a->remote.addr, b->remote.addr, a->remote.addrlen) == 0 &&
           a->local.addrlen == b->local.addrlen &&
           memcmp(a->local.addr, b->local.addr, a->local.addrlen) == 0;
}

/*
 * batch_add accounts for a packet of len bytes just written at
 * b->buf + b->len. GSO rules: segments of one size; a larger packet starts
 * a new run; a shorter one ends the run; 64 segments at most; one path.
 * A packet that cannot join the run is moved to the start of the buffer
 * after the run is sent.
 */
static int batch_add(struct qconn_batch *b, size_t len, const ngtcp2_path *path)
{
    int rv = 0;

    if (b->nseg > 0 &&
        (len > b->segsize || b->closed || b->nseg == QCONN_MAX_GSO_SEGS ||
         !path_same(path, &b->ps.path))) {
        size_t at = b->len;

        if ((rv = batch_send(b)) != 0)
            return rv;
        memmove(b->buf, b->buf + at, len);
    }
    if (b->nseg == 0) {
        b->segsize = len;
        ngtcp2_path_copy(&b->ps.path, path);
    } else if (len < b->segsize) {
        b->closed = 1;
    }
    b->len += len;
    b->nseg++;
    return 0;
}

/*
 * Probe frames for datagram flights. ngtcp2 0.12 (Debian 12's) marks a
 * packet that carries only DATAGRAM frames ack-eliciting but not
 * PTO-eliciting (its issue 697, fixed in 0.13). So when every packet in
 * flight is such a packet and their ACKs are lost (a NAT rebinding sent
 * them to a port that is gone, a burst of loss on the way back), no
 * loss-detection timer runs, the congestion window stays full and the
 * connection sends nothing again until its idle timeout: frames stop for
 * 30 s, then the peer is gone.
 *
 * So a datagram packet also carries a MAX_DATA frame, which ngtcp2 does
 * count as PTO-eliciting, and the probe timeout covers the flight again
 * (probes ignore the congestion window). The frame is made by raising the
 * peer's connection-level credit by QCONN_PROBE_CREDIT (more than half the
 * window, so ngtcp2 sends MAX_DATA at once). That credit is harmless: the
 * peer may use one stream, whose own window still bounds what it sends.
 * - A datagram that leaves QCONN_PROBE_ROOM bytes in its packet takes the
 *   frame along (games, TCP ACKs, most frames).
 * - Before a datagram that does not (a full-size frame) while no timer
 *   runs, the frame goes first in a small packet of its own: one per round
 *   trip at most during a bulk transfer.
 * - Datagrams never take the last packet's worth of the congestion window,
 *   so that small packet always fits.
 */
#define QCONN_PROBE_CREDIT (2u * 1024 * 1024 + 1)
#define QCONN_PROBE_ROOM   9 /* MAX_DATA: type and an 8-byte varint */
/* Window a datagram of len bytes takes (packet overhead included), plus
 * one byte that stays free. */
#define QCONN_DGRAM_ROOM(c, len)                                               \
    ((uint64_t)(len) + LP_QUIC_DGRAM_OVERHEAD +                                \
     ngtcp2_conn_get_dcid((c)->conn)->datalen + 1)

int lp_qconn_flush(struct lp_qconn *c, lp_tstamp now, uint8_t *buf, size_t cap,
                   lp_qconn_send_fn send, void *arg)
{
    struct qconn_batch b;
    ngtcp2_path_storage ps;
    ngtcp2_pkt_info pi;
    size_t npkts = 0, max_pkts, guard = 0, guard_max;
    int stream_blocked = 0, dgram_blocked = 0, rv = 0, more = 0;
    size_t quantum;
    ngtcp2_conn_stat cs;
    uint64_t room; /* congestion window left for datagrams */
    int timer;     /* a PTO covers what is in flight */

    if (c->conn == NULL) { /* detached: nothing goes anywhere */
        qconn_detached_flush(c);
        if (c->state == LP_QS_CLOSE_PENDING || c->pending_violation)
            c->state = LP_QS_DEAD;
        return 0;
    }
    if (c->pending_violation && c->state <= LP_QS_CLOSE_PENDING)
        lp_qconn_close_now(c, LP_APP_PROTOCOL_VIOLATION, now);
    if (c->state == LP_QS_CLOSE_PENDING &&
        (c->tx_acked >= c->tx_total || now >= c->close_deadline))
        qconn_close_app(c, c->close_code, now);
    switch (c->state) {
    case LP_QS_DEAD:
    case LP_QS_DRAINING:
        return 0;
    case LP_QS_CLOSING:
        if (c->close_send_pending) {
            c->close_send_pending = 0;
            return send(arg, &c->path, c->close_pkt, c->close_pktlen,
                        c->close_pktlen);
        }
        return 0;
    default:
        break;
    }

    if (c->ack_hold_until != 0 &&
        (now >= c->ack_hold_until || c->ack_held >= LP_QCONN_ACK_HOLD_PKTS)) {
        c->ack_hold_until = 0;
        c->ack_held = 0;
    }
    memset(&b, 0, sizeof(b));
    b.buf = buf;
    b.cap = cap;
    b.send = send;
    b.arg = arg;
    ngtcp2_path_storage_zero(&b.ps);
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_conn_get_conn_stat(c->conn, &cs);
    room = cs.cwnd > cs.bytes_in_flight ? cs.cwnd - cs.bytes_in_flight : 0;
    timer = cs.loss_detection_timer != UINT64_MAX;
    quantum = ngtcp2_conn_get_send_quantum(c->conn);
    max_pkts = quantum / LP_QUIC_MAX_UDP_PAYLOAD;
    if (max_pkts < 2)
        max_pkts = 2;
    if (max_pkts > QCONN_MAX_BURST)
        max_pkts = QCONN_MAX_BURST;

    /* Each turn finishes a packet, adds to the open one (WRITE_MORE), or
     * drops a queued datagram: bounded by the burst and the queue. */
    guard_max = 4 * QCONN_MAX_BURST + c->dq_len + c->xq_len;
    while (npkts < max_pkts && ++guard < guard_max) {
        uint8_t *dest;
        ngtcp2_ssize nw;
        ngtcp2_vec v;
        int accepted = 0;

        if (b.cap - b.len < LP_QUIC_MAX_UDP_PAYLOAD &&
            (rv = batch_send(&b)) != 0)
            break;
        dest = b.buf + b.len;
        if (!stream_blocked && c->ctrl_stream >= 0 &&
            c->tx_sent < c->tx_total && qconn_ctrl_vec(c, &v)) {
            ngtcp2_ssize ndatalen = -1;

            nw = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, dest,
                                           LP_QUIC_MAX_UDP_PAYLOAD, &ndatalen,
                                           NGTCP2_WRITE_STREAM_FLAG_MORE,
                                           c->ctrl_stream, &v, 1, now);
            if (ndatalen > 0)
                c->tx_sent += (uint64_t)ndatalen;
            if (nw == NGTCP2_ERR_WRITE_MORE) {
                more = 1;
                continue;
            }
            if (nw == NGTCP2_ERR_STREAM_DATA_BLOCKED ||
                nw == NGTCP2_ERR_STREAM_SHUT_WR ||
                nw == NGTCP2_ERR_STREAM_NOT_FOUND) {
                stream_blocked = 1;
                continue;
            }
            if (nw == 0)
                break; /* congestion window or pacing: nothing else fits */
        } else if (!dgram_blocked && c->dq_len + c->xq_len > 0) {
            int x = qconn_dq_express(c);
            struct lp_pbuf *pb = qconn_dq_head(c, x);

            if (qconn_dq_stale(c, x, now)) {
                /* a game frame that waited this long is worthless */
                qconn_dq_pop(c, x);
                c->dq_dropped_stale++;
                continue;
            }
            if (pb->len > lp_qconn_max_dgram(c)) {
                /* The path shrank under a queued datagram: drop it rather
                 * than stall the queue (ngtcp2 0.12 would refuse it
                 * silently). */
                qconn_dq_pop(c, x);
                c->dq_dropped_budget++;
                continue;
            }
            if (room < QCONN_DGRAM_ROOM(c, pb->len)) {
                /* the rest of the window is for a probe frame's packet */
                dgram_blocked = 1;
                continue;
            }
            if (!more) { /* a new packet: give it a probe frame */
                int fits = pb->len + QCONN_PROBE_ROOM <= lp_qconn_max_dgram(c);

                if (fits || !timer) {
                    ngtcp2_conn_extend_max_offset(c->conn, QCONN_PROBE_CREDIT);
                    c->probe_frames++;
                }
                if (!fits && !timer) {
                    /* no room beside the datagram: alone, first */
                    timer = 1;
                    nw = ngtcp2_conn_write_pkt(c->conn, &ps.path, &pi, dest,
                                               LP_QUIC_MAX_UDP_PAYLOAD, now);
                    if (nw < 0) {
                        qconn_on_error(c, (int)nw, now);
                        break;
                    }
                    if (nw > 0) {
                        npkts++;
                        room -= room < (uint64_t)nw ? room : (uint64_t)nw;
                        if ((rv = batch_add(&b, (size_t)nw, &ps.path)) != 0)
                            break;
                        continue;
                    }
                }
                timer = 1;
            }
            v.base = pb->data;
            v.len = pb->len;
            nw = ngtcp2_conn_writev_datagram(
                c->conn, &ps.path, &pi, dest, LP_QUIC_MAX_UDP_PAYLOAD,
                &accepted, NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &v, 1, now);
            if (accepted) {
                room -= QCONN_DGRAM_ROOM(c, pb->len) - 1;
                qconn_dq_pop(c, x);
                c->dgrams_sent++;
            }
            if (nw == NGTCP2_ERR_WRITE_MORE) {
                more = 1;
                continue;
            }
            if (nw == NGTCP2_ERR_INVALID_STATE ||
                nw == NGTCP2_ERR_INVALID_ARGUMENT) {
                if (!accepted) {
                    qconn_dq_pop(c, x);
                    c->dq_dropped_budget++;
                }
                continue;
            }
            if (nw == 0 && !accepted)
                dgram_blocked = 1; /* congestion window or pacing */
        } else {
            /* Nothing of ours to send: an ACK for a lone datagram waits
             * (LP_QCONN_ACK_HOLD) to ride on the reply instead of costing
             * both ends a packet and a wake-up while the reply is on its
             * way. Timers (PTO, PMTUD, keep-alive) wait at most as long. */
            if (c->ack_hold_until != 0)
                break;
            nw = ngtcp2_conn_write_pkt(c->conn, &ps.path, &pi, dest,
                                       LP_QUIC_MAX_UDP_PAYLOAD, now);
        }
        if (nw < 0) {
            qconn_on_error(c, (int)nw, now);
            break;
        }
        more = 0;
        if (nw == 0) {
            if (dgram_blocked && (stream_blocked || c->tx_sent >= c->tx_total))
                break;
            if (!dgram_blocked && c->dq_len + c->xq_len == 0)
                break;
            continue;
        }
        npkts++;
        if ((rv = batch_add(&b, (size_t)nw, &ps.path)) != 0)
            break;
    }
    if (more && rv == 0 && c->state < LP_QS_CLOSING) {
        /* The loop ended with a packet still open (WRITE_MORE): close it
         * with the same buffer, as ngtcp2 requires, and send it. */
        ngtcp2_ssize nw =
            ngtcp2_conn_write_pkt(c->conn, &ps.path, &pi, b.buf + b.len,
                                  LP_QUIC_MAX_UDP_PAYLOAD, now);
        if (nw > 0)
            rv = batch_add(&b, (size_t)nw, &ps.path);
        else if (nw < 0)
            qconn_on_error(c, (int)nw, now);
    }
    if (npkts > 0) {
        /* the ACK rode along (or goes when ngtcp2's own timer says) */
        c->ack_hold_until = 0;
        c->ack_held = 0;
    }
    if (rv == 0)
        rv = batch_send(&b);
    if (c->conn != NULL && c->state < LP_QS_CLOSING)
        ngtcp2_conn_update_pkt_tx_time(c->conn, now);
    if (c->state == LP_QS_CLOSING && c->close_send_pending) {
        c->close_send_pending = 0;
        rv =
            send(arg, &c->path, c->close_pkt, c->close_pktlen, c->close_pktlen);
    }
    return rv;
}

lp_tstamp lp_qconn_expiry(const struct lp_qconn *c)
{
    lp_tstamp t;

    if (c->conn == NULL) /* detached: no timers */
        return c->state == LP_QS_DEAD ? 0 : UINT64_MAX;
    switch (c->state) {
    case LP_QS_DEAD:
        return 0; /* due now: the owner frees it */
    case LP_QS_CLOSING:
    case LP_QS_DRAINING:
        return c->close_deadline;
    case LP_QS_CLOSE_PENDING:
        t = ngtcp2_conn_get_expiry(c->conn);
        return t < c->close_deadline ? t : c->close_deadline;
    default:
        t = ngtcp2_conn_get_expiry(c->conn);
        /* while an ACK is held, ngtcp2's timers wait for the hold */
        if (c->ack_hold_until != 0 && t < c->ack_hold_until)
            t = c->ack_hold_until;
        return t;
    }
}

void lp_qconn_handle_expiry(struct lp_qconn *c, lp_tstamp now)
{
    int rv;

    c->now = now;
    if (c->conn == NULL) { /* detached: a pending close ends now */
        if (c->state == LP_QS_CLOSE_PENDING)
            c->state = LP_QS_DEAD;
        return;
    }
    switch (c->state) {
    case LP_QS_DEAD:
        return;
    case LP_QS_CLOSING:
    case LP_QS_DRAINING:
        if (now >= c->close_deadline)
            c->state = LP_QS_DEAD;
        return;
    default:
        break;
    }
    if (ngtcp2_conn_get_expiry(c->conn) <= now) {
        rv = ngtcp2_conn_handle_expiry(c->conn, now);
        if (rv != 0)
            qconn_on_error(c, rv, now);
    }
}
