/*
 * lp_session: the endpoint side of the protocol, shared by the gateway and
 * the clients (Linux and Windows), sans-IO on top of lp_qconn.
 *
 * Life of a session:
 *   CONNECTING  QUIC handshake with the relay (certificate pinned or
 *               verified against the system trust store);
 *   SETTLING    handshake done: path MTU discovery runs until it reaches
 *               its ceiling or pmtud_wait passes (spec section 5);
 *   HELLO_SENT  hello carries the measured datagram budget;
 *   READY       welcome received: frames flow both ways;
 *   CLOSED      rejected, disconnected, closed or timed out; the owner
 *               decides whether to reconnect (a new session).
 *
 * Frames out (lp_session_send_frame) pass the checks of spec section 6 as
 * they apply to this role before they are queued; frames in pass the
 * checks for injection before ops->on_frame sees them. Every refusal is
 * counted in s->ctr with its reason.
 *
 * Fragments (spec section 5): when the hello offered "frag" (cfg.features)
 * and the welcome granted it, a frame that does not fit whole in what the
 * connection can send now is split into fragments (lp_frag), numbered from
 * a 16-bit counter; without "frag" it is dropped (datagram_budget).
 * Fragments from the relay are reassembled per sending peer_id: each
 * announced peer gets a struct lp_frag_rx (8 frames of effective_mtu + 14
 * bytes) on its first fragment, freed when it leaves; a fragment from a
 * peer_id not announced is dropped (unknown_peer). A reassembled frame
 * then takes the same checks as a whole one.
 */
#ifndef LP_SESSION_H
#define LP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "lp_counters.h"
#include "lp_ctrl.h"
#include "lp_frag.h"
#include "lp_log.h"
#include "lp_policy.h"
#include "lp_qconn.h"

enum lp_session_state {
    LP_SS_CONNECTING = 0,
    LP_SS_SETTLING,
    LP_SS_HELLO_SENT,
    LP_SS_READY,
    LP_SS_CLOSED,
};

struct lp_session_peer {
    uint16_t peer_id;
    enum lp_role role;
    uint8_t mac[6];
    char label[LP_CTRL_LABEL_MAX + 1]; /* its invite's name, or "" */
    struct lp_frag_rx *rx; /* its fragments, or NULL (owned; internal) */
};

struct lp_session;

struct lp_session_ops {
    void (*on_welcome)(struct lp_session *s, const struct lp_msg_welcome *w,
                       lp_tstamp now);
    void (*on_reject)(struct lp_session *s, const struct lp_msg_reject *r,
                      lp_tstamp now);
    void (*on_peer_joined)(struct lp_session *s,
                           const struct lp_session_peer *p, lp_tstamp now);
    /* p is the remembered peer (role and MAC known if it was announced) */
    void (*on_peer_left)(struct lp_session *s, const struct lp_session_peer *p,
                         const char *reason, lp_tstamp now);
    /* A checked frame for the adapter / LAN; borrowed for the call. */
    void (*on_frame)(struct lp_session *s, uint16_t peer_id,
                     const uint8_t *frame, size_t len, lp_tstamp now);
    /* The relay sent `disconnect` (e.g. relay_shutdown). */
    void (*on_disconnect)(struct lp_session *s, const char *reason,
                          lp_tstamp now);
    /* The connection is gone; state is CLOSED. */
    void (*on_closed)(struct lp_session *s, enum lp_qclose why,
                      uint64_t app_code, lp_tstamp now);
};

struct lp_session_cfg {
    enum lp_role role;
    char room[LP_ROOM_MAX + 1];
    uint8_t mac[6];
    const char *software;
    const char *auth;      /* the credential, or NULL (a secret) */
    const uint8_t *resume; /* 32 bytes, or NULL (a secret) */
    unsigned features;     /* LP_FEAT_* offered */
    /* ethertypes clients may send besides IPv4, ARP and IPv6 (the same
     * --allow-ethertype as the relay's; e.g. IPX) */
    uint16_t extra_ethertypes[8];
    size_t nextra_ethertypes;
    lp_tstamp pmtud_wait;     /* default 1 s */
    lp_tstamp stats_interval; /* default 5 s; 0 = never */
};

#define LP_SESSION_MAX_PEERS 1024

struct lp_session {
    struct lp_qconn q; /* first */
    struct lp_session_cfg cfg;
    const struct lp_session_ops *ops;
    void *app;
    enum lp_session_state state;
    struct lp_ctrl_decoder dec;
    lp_tstamp handshake_at, next_stats;

    /* from the welcome */
    uint16_t peer_id, mtu, budget, gateway_peer_id;
    int hello_pmtud_done; /* PMTUD had finished when the hello left */
    int gateway_present;
    int frag;              /* "frag" offered and granted by the welcome */
    uint16_t frag_next_id; /* frame_id of our next fragmented frame */

    /* peers announced by welcome and events */
    struct lp_session_peer *peers;
    size_t npeers, peers_cap;

    struct lp_counters ctr;
    struct lp_ratelog droplog;
    struct lp_policy_cfg policy; /* points into cfg */
    uint64_t bcast_tx, bcast_rx; /* broadcast/multicast frames each way */
    lp_tstamp last_bcast_rx;
    int closed_by_us;
    char disconnect_reason[LP_REASON_STR_MAX + 1];
    /* scratch: one encoded control frame, a message each way */
    uint8_t ctrl_buf[LP_CTRL_MAX_LEN + 4];
    struct lp_msg msg_rx, msg_tx;
};

/*
 * lp_session_start creates the QUIC connection (the first packets are sent
 * by lp_session_flush). Returns 0 or an LP_ERR_* code.
 */
int lp_session_start(struct lp_session *s, const struct lp_session_cfg *cfg,
                     const struct lp_session_ops *ops, void *app,
                     struct lp_tls_client *tls, const struct sockaddr *local,
                     socklen_t locallen, const struct sockaddr *remote,
                     socklen_t remotelen, struct lp_pool *pool, lp_tstamp now);
void lp_session_free(struct lp_session *s);

void lp_session_read(struct lp_session *s, const uint8_t *pkt, size_t len,
                     lp_tstamp now);
int lp_session_flush(struct lp_session *s, lp_tstamp now, uint8_t *buf,
                     size_t cap, lp_qconn_send_fn send, void *arg);
lp_tstamp lp_session_expiry(const struct lp_session *s);
void lp_session_handle_expiry(struct lp_session *s, lp_tstamp now);

/*
 * lp_session_send_frame checks a frame from the local side (TAP or LAN)
 * and queues it. Returns LP_REASON_NONE when queued, or the reason it was
 * dropped (already counted).
 */
enum lp_reason lp_session_send_frame(struct lp_session *s, const uint8_t *frame,
                                     size_t len, lp_tstamp now);

/* lp_session_disconnect sends `disconnect` and closes with NO_ERROR once
 * it is acknowledged (or after 1 s). */
void lp_session_disconnect(struct lp_session *s, const char *reason,
                           lp_tstamp now);

/* The remembered peer with this id, or NULL. */
const struct lp_session_peer *lp_session_peer(const struct lp_session *s,
                                              uint16_t peer_id);
/* The remembered client with this MAC, or NULL. */
const struct lp_session_peer *
lp_session_client_by_mac(const struct lp_session *s, const uint8_t *mac);

const char *lp_session_state_name(enum lp_session_state st);

#endif
