/*
 * lp_qconn: one QUIC connection (ngtcp2 + GnuTLS), sans-IO.
 *
 * Packets come in with lp_qconn_read (bytes, path, timestamp); packets go out
 * through lp_qconn_flush, which fills a caller buffer with GSO-ready runs of
 * equal-sized packets and hands each run to a send callback. Timers are
 * driven by lp_qconn_expiry / lp_qconn_handle_expiry.
 *
 * What rides on the connection (spec sections 2, 5, 7):
 *   - one control stream (client bidi stream 0): outgoing bytes are queued in
 *     stable chunks until acknowledged (ngtcp2 does not copy stream data);
 *     incoming bytes are handed to ops->on_ctrl in order;
 *   - DATAGRAM frames: a bounded queue of pool buffers (lp_pool); a datagram
 *     that no longer fits the path is dropped and counted, never fragmented;
 *   - closing: lp_qconn_close waits until queued control data is acknowledged
 *     or 1 s passes, then sends CONNECTION_CLOSE with an application code and
 *     stays in the closing period (RFC 9000 section 10.2), repeating the close
 *     when the peer keeps sending, for three PTOs.
 *
 * State machine:
 *   HANDSHAKE -> OPEN           handshake completed
 *   any -> CLOSE_PENDING        lp_qconn_close(); waits for control acks
 *   CLOSE_PENDING -> CLOSING    CONNECTION_CLOSE written
 *   any -> DRAINING             the peer closed (or reset) the connection
 *   CLOSING/DRAINING -> DEAD    after 3 PTOs; the owner frees it
 *   any -> DEAD                 idle timeout, handshake timeout, fatal error
 */
#ifndef LP_QCONN_H
#define LP_QCONN_H

#include <stddef.h>
#include <stdint.h>
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "lp_pool.h"
#include "lp_tls.h"
#include "lp_types.h"

/* Application error codes for CONNECTION_CLOSE (spec section 7). */
enum lp_app_error {
    LP_APP_NO_ERROR = 0x0,
    LP_APP_PROTOCOL_VIOLATION = 0x1,
    LP_APP_REJECTED = 0x2,
    LP_APP_MALFORMED_DATAGRAMS = 0x3,
    LP_APP_HELLO_TIMEOUT = 0x4,
    LP_APP_RELAY_SHUTDOWN = 0x5,
};
const char *lp_app_error_name(uint64_t code);

enum lp_qstate {
    LP_QS_HANDSHAKE = 0,
    LP_QS_OPEN,
    LP_QS_CLOSE_PENDING,
    LP_QS_CLOSING,
    LP_QS_DRAINING,
    LP_QS_DEAD,
};

/* Why a connection stopped being usable (reported once to on_closed). */
enum lp_qclose {
    LP_QC_LOCAL = 1, /* we closed it (lp_qconn_close) */
    LP_QC_PEER,      /* the peer sent CONNECTION_CLOSE */
    LP_QC_IDLE,      /* idle timeout */
    LP_QC_HANDSHAKE_TIMEOUT,
    LP_QC_RESET, /* stateless reset received */
    LP_QC_TLS,   /* TLS failure (certificate, ALPN) */
    LP_QC_ERROR, /* any other transport or local error */
};
const char *lp_qclose_name(enum lp_qclose why);

#define LP_QUIC_IDLE_TIMEOUT    (30 * LP_SECONDS)
#define LP_QUIC_KEEPALIVE       (10 * LP_SECONDS)
#define LP_QUIC_CIDLEN          16
#define LP_QUIC_MAX_UDP_PAYLOAD 1452

/* Slots of the express lane (see lp_qconn_queue_dgram_express), and how
 * many express datagrams go in a row before one waiting bulk datagram:
 * small-frame floods cannot starve bulk traffic. */
#define LP_QCONN_XQ     64
#define LP_QCONN_XQ_RUN 8

/* A standalone ACK for a lone received DATAGRAM waits up to this long for
 * a datagram of ours to ride on (the reply of a ping or a game); two or
 * more unacknowledged datagrams are acknowledged as ngtcp2 decides. Well
 * below the 25 ms max_ack_delay we advertise (RFC 9000 section 13.2.1). */
#define LP_QCONN_ACK_HOLD      (1000 * 1000ULL) /* 1 ms, in ns */
#define LP_QCONN_ACK_HOLD_PKTS 2
/* Bytes around a DATAGRAM payload in a short-header packet, without the
 * DCID: first byte, packet number (4 at most), AEAD tag, frame type, and a
 * 2-byte length varint. */
#define LP_QUIC_DGRAM_OVERHEAD    (1 + 4 + 16 + 1 + 2)
#define LP_QUIC_CTRL_MAX_BUFFERED (256 * 1024)
#define LP_QUIC_CLOSE_WAIT        (1 * LP_SECONDS)

struct lp_qconn;
struct lp_pfx_ent;

struct lp_qconn_ops {
    /* Server: a connection was created, before its first packet is read. */
    void (*on_new)(struct lp_qconn *c, lp_tstamp now);
    /* The TLS handshake completed (server) or was confirmed (client). */
    void (*on_handshake)(struct lp_qconn *c, lp_tstamp now);
    /* In-order control stream bytes; return <0 to close with
     * PROTOCOL_VIOLATION (the callback may also call lp_qconn_close). */
    int (*on_ctrl)(struct lp_qconn *c, const uint8_t *data, size_t len,
                   lp_tstamp now);
    /* One DATAGRAM payload, borrowed for the call. */
    void (*on_datagram)(struct lp_qconn *c, const uint8_t *data, size_t len,
                        lp_tstamp now);
    /* The connection stopped being usable; called once. */
    void (*on_closed)(struct lp_qconn *c, enum lp_qclose why, uint64_t app_code,
                      lp_tstamp now);
    /* Server: the peer's packets now come from another address (NAT
     * rebinding or migration); remote_addr/local_addr hold the new path. */
    void (*on_path_changed)(struct lp_qconn *c, lp_tstamp now);
    /* Server routing: a CID was issued or retired. */
    int (*cid_add)(struct lp_qconn *c, const ngtcp2_cid *cid);
    void (*cid_remove)(struct lp_qconn *c, const ngtcp2_cid *cid);
};

/* A path as ngtcp2 compares it: family, port and address of both ends. */
struct lp_qpath_key {
    uint16_t lfam, rfam, lport, rport;
    uint8_t laddr[16], raddr[16];
};
#define LP_QPATH_OLD 8

struct lp_ctrl_chunk {
    struct lp_ctrl_chunk *next;
    uint64_t base; /* stream offset of data[0] */
    size_t len, cap;
    uint8_t data[];
};

/* Send one run of packets: len bytes, segments of segsize (the last may be
 * shorter), all to path->remote from path->local. Return 0 or <0. */
typedef int (*lp_qconn_send_fn)(void *arg, const ngtcp2_path *path,
                                const uint8_t *data, size_t len,
                                size_t segsize);

struct lp_qconn {
    ngtcp2_conn *conn;
    lp_tls_session tls;
    ngtcp2_crypto_conn_ref ref;
    const struct lp_qconn_ops *ops;
    void *app; /* owner's pointer */
    int is_server;
    /* Server: paths this connection left, never fed to ngtcp2 again while
     * quarantined (see lp_qconn.c, "Path changes"). */
    struct {
        struct lp_qpath_key key;
        lp_tstamp until;
    } old_paths[LP_QPATH_OLD];
    size_t detached_max;   /* detached (no QUIC): the datagram payload limit */
    uint64_t path_changes; /* migrations ngtcp2 accepted */
    uint64_t path_folded;  /* read as from the current path (see .c) */
    enum lp_qstate state;
    int closed_reported;

    struct sockaddr_storage local_addr, remote_addr;
    ngtcp2_path path; /* points at the two addresses above */

    /* control stream */
    int64_t ctrl_stream;
    struct lp_ctrl_chunk *tx_head, *tx_tail;
    uint64_t tx_total, tx_sent, tx_acked;

    /* Datagram queue: a ring of pool buffers (bulk) and a short express
     * lane for small frames (games, pings, TCP ACKs) that is sent first,
     * so that a lone game packet never waits behind a download. Both share
     * dq_cap slots; dq_len counts the bulk ring, xq_len the lane. */
    struct lp_pool *pool;
    struct lp_pbuf **dq;
    uint32_t dq_cap, dq_head, dq_len;
    struct lp_pbuf *xq[LP_QCONN_XQ];
    uint32_t xq_head, xq_len;
    uint32_t xq_run; /* express datagrams sent in a row while bulk waited */
    lp_tstamp ack_hold_until;   /* see LP_QCONN_ACK_HOLD; 0: not holding */
    uint32_t ack_held;          /* datagrams received while holding */
    uint32_t *dq_acct;          /* owner's counter of queued buffers, or NULL */
    lp_tstamp dq_max_age;       /* older queued datagrams are dropped; 0 off */
    uint64_t dq_dropped_budget; /* dropped at send: no longer fit the path */
    uint64_t dq_dropped_stale;  /* dropped: waited longer than dq_max_age */
    uint64_t dgrams_sent;
    uint64_t probe_frames; /* MAX_DATA probes (see lp_qconn.c) */

    /* closing */
    uint64_t close_code;
    lp_tstamp close_deadline;
    uint8_t *close_pkt;
    size_t close_pktlen;
    uint32_t close_rx, close_next_tx;
    int close_is_tls, pending_violation;

    lp_tstamp handshake_ts;
    lp_tstamp now;               /* timestamp of the packet being processed */
    const uint8_t *reset_secret; /* server: stateless reset secret */
    size_t reset_secretlen;
    int got_reset, close_send_pending;
    size_t heap_idx; /* owner's timer heap slot */
    lp_tstamp heap_key;
    void *owner; /* the lp_qserver (server side) */
    /* server side: the source prefix's entry, and the CIDs in the server's
     * table that name this connection (so freeing it scans nothing) */
    struct lp_pfx_ent *pfx;
    uint8_t cids[8][LP_QUIC_CIDLEN];
    uint8_t ncids, cids_overflow;
    uint8_t odcid[NGTCP2_MAX_CIDLEN];
    uint8_t odcidlen;
    int dirty; /* queued on the owner's flush list */
};

/* Settings and parameters shared by both sides. */
void lp_qconn_defaults(ngtcp2_settings *settings,
                       ngtcp2_transport_params *params, int is_server,
                       lp_tstamp now);

/*
 * lp_qconn_client_new creates a client connection to remote from local with
 * fresh random CIDs. dq_cap bounds the datagram queue. Returns 0 or an
 * LP_ERR_* code.
 */
#define LP_QCONN_F_NO_DATAGRAM 0x1 /* tests: advertise no DATAGRAM */
#define LP_QCONN_F_SMALL_UDP   0x2 /* tests: max_udp_payload_size 1200 */
int lp_qconn_client_new(struct lp_qconn *c, struct lp_tls_client *tls,
                        const struct sockaddr *local, socklen_t locallen,
                        const struct sockaddr *remote, socklen_t remotelen,
                        const struct lp_qconn_ops *ops, struct lp_pool *pool,
                        uint32_t dq_cap, unsigned flags, lp_tstamp now);

/*
 * lp_qconn_server_new creates a server connection for a first Initial whose
 * header is hd. scid is the first CID the server issues; params must already
 * carry original_dcid, retry_scid and the stateless reset token; token is the
 * validated address token, if any.
 */
int lp_qconn_server_new(struct lp_qconn *c, struct lp_tls_server *tls,
                        const ngtcp2_pkt_hd *hd, const ngtcp2_cid *scid,
                        const ngtcp2_path *path,
                        const ngtcp2_transport_params *params,
                        const ngtcp2_vec *token, const uint8_t *reset_secret,
                        size_t secretlen, const struct lp_qconn_ops *ops,
                        struct lp_pool *pool, uint32_t dq_cap, lp_tstamp now);

/*
 * lp_qconn_detached_new makes an open connection without QUIC underneath,
 * for driving an owner's sans-IO core with already-decrypted input (the
 * relay's whole-path fuzzer and tests): control bytes and datagrams queue
 * as usual, lp_qconn_max_dgram is max_dgram, a flush discards what is
 * queued (a close makes it dead at once), and there are no timers. The
 * caller feeds input through c->ops.
 */
int lp_qconn_detached_new(struct lp_qconn *c, const struct sockaddr *remote,
                          socklen_t remotelen, const struct lp_qconn_ops *ops,
                          struct lp_pool *pool, uint32_t dq_cap,
                          size_t max_dgram, lp_tstamp now);

/* lp_qconn_free releases everything (safe on a zeroed struct). */
void lp_qconn_free(struct lp_qconn *c);

/* lp_qconn_read feeds one received UDP payload. Errors close or kill the
 * connection internally; the state tells the outcome. */
void lp_qconn_read(struct lp_qconn *c, const ngtcp2_path *path,
                   const uint8_t *data, size_t len, lp_tstamp now);

/* lp_qconn_flush writes every packet that can be sent now. buf must hold at
 * least 64 KiB. Returns 0 or <0 (send failure). */
int lp_qconn_flush(struct lp_qconn *c, lp_tstamp now, uint8_t *buf, size_t cap,
                   lp_qconn_send_fn send, void *arg);

lp_tstamp lp_qconn_expiry(const struct lp_qconn *c);
void lp_qconn_handle_expiry(struct lp_qconn *c, lp_tstamp now);

/* lp_qconn_send_ctrl queues bytes on the control stream. Returns 0,
 * LP_ERR_AGAIN when more than LP_QUIC_CTRL_MAX_BUFFERED bytes are waiting for
 * acknowledgement (the peer is stuck), LP_ERR_INVAL when closing, or
 * LP_ERR_NOMEM. */
int lp_qconn_send_ctrl(struct lp_qconn *c, const uint8_t *data, size_t len);

/* lp_qconn_queue_dgram takes one reference on b and queues it. Returns 0, or
 * LP_ERR_AGAIN when the queue is full (nothing taken). With an age limit,
 * queued datagrams older than b (b->born) by more than the limit are dropped
 * first (counted in dq_dropped_stale). */
int lp_qconn_queue_dgram(struct lp_qconn *c, struct lp_pbuf *b);

/* lp_qconn_queue_dgram_express is lp_qconn_queue_dgram for a small frame
 * that must not wait behind bulk datagrams: it joins the express lane,
 * which flushes before the bulk ring (in order among themselves; after
 * LP_QCONN_XQ_RUN in a row one bulk datagram goes), or the bulk ring's
 * tail when the lane's LP_QCONN_XQ slots are taken. Same returns. */
int lp_qconn_queue_dgram_express(struct lp_qconn *c, struct lp_pbuf *b);

/* Datagrams queued, both lanes. */
uint32_t lp_qconn_dgram_queued(const struct lp_qconn *c);

/* lp_qconn_dgram_peek: the k-th queued datagram (the express lane first,
 * then the bulk ring), or NULL past the end. For tests and fuzzers. */
const struct lp_pbuf *lp_qconn_dgram_peek(const struct lp_qconn *c, uint32_t k);

/*
 * lp_qconn_dgram_limit sets the queue's age limit (0: none) and an owner
 * counter that follows the number of queued datagrams (it is moved: what is
 * queued now leaves the old counter and joins the new one; NULL: none).
 */
void lp_qconn_dgram_limit(struct lp_qconn *c, lp_tstamp max_age,
                          uint32_t *acct);

/* lp_qconn_dgram_expire drops queued datagrams older than the age limit at
 * now; lp_qconn_dgram_clear drops them all. Both return how many. */
uint32_t lp_qconn_dgram_expire(struct lp_qconn *c, lp_tstamp now);
uint32_t lp_qconn_dgram_clear(struct lp_qconn *c);

/* The largest DATAGRAM payload this connection can carry right now, from
 * the path's current packet size (PMTUD) and the peer's limit. */
size_t lp_qconn_max_dgram(const struct lp_qconn *c);

/* Small queries, so that owners never read the struct's fields. */

/* The handshake completed and no close has started. */
static inline int lp_qconn_is_open(const struct lp_qconn *c)
{
    return c->state == LP_QS_OPEN;
}

/* A close has started (ours or the peer's), or the connection is gone. */
static inline int lp_qconn_is_closing(const struct lp_qconn *c)
{
    return c->state >= LP_QS_CLOSING;
}

/* Nothing is left to send or to wait for: the owner may free it. */
static inline int lp_qconn_is_finished(const struct lp_qconn *c)
{
    return c->state == LP_QS_DEAD || c->state == LP_QS_DRAINING ||
           (c->state == LP_QS_CLOSING && !c->close_send_pending);
}

/* Control messages can be sent (open, and the control stream exists). */
static inline int lp_qconn_ctrl_ready(const struct lp_qconn *c)
{
    return c->state == LP_QS_OPEN && c->ctrl_stream >= 0;
}

/* The datagram queue has no free slot. */
static inline int lp_qconn_dgram_full(const struct lp_qconn *c)
{
    return c->dq_len + c->xq_len >= c->dq_cap;
}

/* The datagram queue's slots. */
static inline uint32_t lp_qconn_dgram_cap(const struct lp_qconn *c)
{
    return c->dq_cap;
}

/* The pool the connection's datagram buffers come from. */
static inline struct lp_pool *lp_qconn_pool(const struct lp_qconn *c)
{
    return c->pool;
}

/* The probe timeout (RFC 9002 6.2.1) as it stands now. */
lp_tstamp lp_qconn_pto(const struct lp_qconn *c);

/* Bytes sent and neither acknowledged nor declared lost. */
uint64_t lp_qconn_bytes_in_flight(const struct lp_qconn *c);

/* Path MTU discovery has reached its ceiling (nothing more to wait for). */
int lp_qconn_pmtud_done(const struct lp_qconn *c);

/* lp_qconn_close starts a graceful close with an application code, after
 * queued control data is acknowledged or LP_QUIC_CLOSE_WAIT passes. */
void lp_qconn_close(struct lp_qconn *c, uint64_t app_code, lp_tstamp now);

/* lp_qconn_close_now closes at once (no wait for control acks). */
void lp_qconn_close_now(struct lp_qconn *c, uint64_t app_code, lp_tstamp now);

/* Smoothed RTT in nanoseconds (0 before the first sample). */
uint64_t lp_qconn_rtt(const struct lp_qconn *c);

/* The TLS alert the peer or we raised (0 if none). */
uint8_t lp_qconn_tls_alert(const struct lp_qconn *c);

/* Whether the peer advertised DATAGRAM support. */
int lp_qconn_peer_has_dgram(const struct lp_qconn *c);

#endif
