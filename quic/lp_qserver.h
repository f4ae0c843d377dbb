/*
 * lp_qserver: the server side of QUIC, sans-IO.
 *
 * It routes packets to connections by connection ID (every CID the server
 * issues, and each client's original DCID), creates connections for valid
 * first Initials, answers unknown versions with Version Negotiation, sends
 * Retry with address-validation tokens when many handshakes are in flight
 * (or always), and answers short packets for unknown CIDs with stateless
 * resets derived from a secret that lives as long as the relay's key. It keeps
 * every connection in a timer heap and a flush list.
 *
 * Each connection lives in an owner-defined struct of conn_size bytes whose
 * first member is a struct lp_qconn.
 */
#ifndef LP_QSERVER_H
#define LP_QSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "lp_qconn.h"
#include "lp_prefix.h"
#include "lp_ratelimit.h"

struct lp_cid_slot;

struct lp_qserver_cfg {
    struct lp_tls_server *tls;
    const struct lp_qconn_ops *ops; /* the owner's callbacks */
    struct lp_pool *pool;
    uint32_t dq_cap;   /* datagram queue slots per connection */
    size_t conn_size;  /* >= sizeof(struct lp_qconn) */
    size_t max_conns;  /* connections of any state; 0 = unlimited */
    size_t max_per_ip; /* connections from one source prefix (IPv4
                          address, IPv6 /64); 0 = unlimited */
    /* per source prefix, each per second (0: the default; see lp_qserver.c):
     * new handshakes before Retry, validated handshakes before refusal,
     * stateless resets, and packets read (beyond: dropped before
     * decryption, so the sender's congestion control backs off) */
    uint64_t prefix_handshakes, prefix_validated, prefix_resets, prefix_packets;
    int retry_always;       /* validate every client address with Retry */
    size_t retry_threshold; /* handshakes in flight above which Retry */
    lp_qconn_send_fn send;  /* transmits packets */
    void *send_arg;
};

struct lp_qserver_stats {
    uint64_t pkts_in, pkts_dropped, version_negotiation, retries, bad_tokens,
        resets, refused, refused_per_ip, conns_created, retries_rate,
        refused_rate, resets_limited, pkts_limited;
};

struct lp_qserver {
    struct lp_qserver_cfg cfg;
    uint8_t secret[32];
    struct lp_qconn_ops wrap; /* our hooks around cfg.ops */
    uint64_t hash_seed;
    struct lp_cid_slot *tab;
    size_t tab_cap, tab_used, tab_tomb;
    struct lp_qconn **heap;
    size_t nconns, heap_cap;
    size_t nhandshaking;
    struct lp_qconn **dirty;
    size_t ndirty;
    struct lp_tbucket reset_bucket;
    struct lp_pfxtab pfx; /* per source prefix state */
    uint8_t *txbuf;
    size_t txcap;
    struct lp_qserver_stats st;
};

/* lp_qserver_init sets up the server. Returns 0 or LP_ERR_NOMEM/IO. */
int lp_qserver_init(struct lp_qserver *s, const struct lp_qserver_cfg *cfg,
                    lp_tstamp now);

/* lp_qserver_free closes nothing; it frees every connection and the tables. */
void lp_qserver_free(struct lp_qserver *s);

/* lp_qserver_recv handles one UDP payload that arrived on path. */
void lp_qserver_recv(struct lp_qserver *s, const ngtcp2_path *path,
                     const uint8_t *pkt, size_t len, lp_tstamp now);

/* lp_qserver_mark puts c on the flush list (it has something to send). */
void lp_qserver_mark(struct lp_qserver *s, struct lp_qconn *c);

/* lp_qserver_flush sends for every marked connection, frees dead ones. */
void lp_qserver_flush(struct lp_qserver *s, lp_tstamp now);

/* lp_qserver_timers handles every due timer, then flushes. */
void lp_qserver_timers(struct lp_qserver *s, lp_tstamp now);

/*
 * lp_qserver_attach adds an open connection without QUIC underneath
 * (lp_qconn_detached_new) from path's remote address, as if its handshake
 * had just completed (on_new, then on_handshake): the owner's core can then
 * be driven with decrypted input through c->ops (fuzzing, tests). Returns
 * the connection or NULL (out of memory, or over a per-prefix limit).
 */
struct lp_qconn *lp_qserver_attach(struct lp_qserver *s,
                                   const ngtcp2_path *path, size_t max_dgram,
                                   lp_tstamp now);

/* The earliest timer deadline (UINT64_MAX if none). */
lp_tstamp lp_qserver_next_expiry(const struct lp_qserver *s);

#endif
