/*
 * lp_relay: rooms, admission, lifecycle ordering and Ethernet forwarding
 * (spec sections 2-6), on top of lp_qserver. Sans-IO like the layers below:
 * the main loop feeds packets and timestamps and the relay answers through
 * the server's send callback.
 */
#ifndef LP_RELAY_H
#define LP_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "lp_authfail.h"
#include "lp_counters.h"
#include "lp_ctrl.h"
#include "lp_policy.h"
#include "lp_qserver.h"
#include "lp_roomlist.h"

struct lp_relay_cfg {
    size_t max_peers;      /* relay-wide admitted peers (relay_full) */
    size_t room_max_peers; /* per room (room_full) */
    uint16_t max_mtu;      /* configured maximum room MTU (1380) */
    int frag;              /* rooms may fragment (1; 0 with --no-frag) */
    uint16_t frag_mtu;     /* a fragmenting room's MTU (1500) */
    uint64_t rate_bcast;   /* client broadcast+multicast frames/s (0 = off) */
    uint64_t rate_unknown; /* client unknown-unicast frames/s */
    uint64_t rate_bytes;   /* client bytes/s */
    uint32_t malformed_threshold; /* malformed datagrams ... */
    lp_tstamp malformed_window;   /* ... within this window close a peer */
    lp_tstamp hello_timeout;
    uint32_t queue_slots; /* datagram queue per peer */
    size_t pool_slots;    /* frame buffers shared by all peers */
    size_t max_conns;     /* QUIC connections of any state */
    size_t max_per_ip;    /* QUIC connections from one IP address */
    int retry_always;
    uint64_t rate_dhcp;       /* client DHCP requests/s (0 = off) */
    uint64_t rate_gw_bcast;   /* gateway broadcast+multicast frames/s */
    uint64_t fanout_room;     /* frame copies/s one room may send (0 = off) */
    uint64_t fanout_relay;    /* frame copies/s for the whole relay (0 = off) */
    lp_tstamp max_queue_age;  /* queued datagrams older than this are dropped */
    size_t room_max_per_ip;   /* peers from one prefix in one room (0 = off) */
    uint64_t rate_handshakes; /* new handshakes/s per prefix before Retry */
    uint64_t rate_packets;    /* packets/s read from one prefix */
    /* ethertypes clients may send besides IPv4, ARP and IPv6 (e.g. IPX) */
    uint16_t extra_ethertypes[8];
    size_t nextra_ethertypes;
};

void lp_relay_cfg_default(struct lp_relay_cfg *cfg);

struct relay_room;

struct lp_relay {
    struct lp_relay_cfg cfg;
    struct lp_qserver qs;
    struct lp_pool pool;
    struct relay_room *rooms;
    size_t nrooms, npeers; /* admitted peers */
    struct lp_counters ctr;
    struct lp_ratelog droplog;
    struct lp_ratelog pathlog;  /* path_changed lines */
    struct lp_ratelog spooflog; /* addr_spoof lines */
    /* connection-level lines strangers can cause, each type limited on
     * its own so that logging is never a lever (RELAY_LOG_*) */
    struct lp_ratelog connlog[3];
    lp_tstamp next_sweep;        /* ageing of the rooms' tables */
    struct lp_tbucket fanout;    /* relay-wide copies/s (cfg.fanout_relay) */
    struct lp_policy_cfg policy; /* points into cfg */
    /* A closed relay (spec section 4) admits only credentials from its
     * room list; an open one (closed == 0) creates any room on demand. */
    int closed;
    struct lp_roomlist rooms_def;
    struct lp_authfail authfail;
    uint64_t unauthorized, revoked;
    int shutting_down;
    struct relay_peer **doomed; /* closed outside callbacks */
    size_t ndoomed;
    lp_tstamp next_tick;
    lp_tstamp next_trim;
    uint64_t trim_conns;
    /* scratch: one encoded control frame, one decoded message */
    uint8_t ctrl_buf[LP_CTRL_MAX_LEN + 4];
    struct lp_msg msg_in;
};

/*
 * lp_relay_set_rooms makes the relay closed with the room list *rl (taken
 * over: *rl is left empty), or open when rl is NULL. Peers admitted with a
 * credential the new list no longer has are revoked at once: `disconnect`
 * with `revoked`, the others `peer_left` with `revoked`. Returns how many.
 */
size_t lp_relay_set_rooms(struct lp_relay *r, struct lp_roomlist *rl,
                          lp_tstamp now);

/* lp_relay_init sets up the relay; tls and send come from the shell. */
int lp_relay_init(struct lp_relay *r, const struct lp_relay_cfg *cfg,
                  struct lp_tls_server *tls, lp_qconn_send_fn send,
                  void *send_arg, lp_tstamp now);
void lp_relay_free(struct lp_relay *r);

/* One UDP payload in (call lp_relay_flush after a batch). */
void lp_relay_recv(struct lp_relay *r, const ngtcp2_path *path,
                   const uint8_t *pkt, size_t len, lp_tstamp now);
void lp_relay_flush(struct lp_relay *r, lp_tstamp now);

/* Timers: QUIC expiries and the relay's own tick (hello timeouts, queue
 * ageing, reassembly timeouts). */
void lp_relay_timers(struct lp_relay *r, lp_tstamp now);
lp_tstamp lp_relay_next_expiry(const struct lp_relay *r);

/* lp_relay_snapshot logs every room and peer (SIGUSR1). */
void lp_relay_snapshot(struct lp_relay *r, lp_tstamp now);

/* lp_relay_shutdown sends every peer `disconnect` relay_shutdown and closes
 * with RELAY_SHUTDOWN; lp_relay_done tells when every connection is gone. */
void lp_relay_shutdown(struct lp_relay *r, lp_tstamp now);

/*
 * lp_relay_peer_info tells what the relay made of connection c: 1 if it
 * is an admitted peer (then *room and *peer_id are set), 0 if not (yet, or
 * any more). For tests and the whole-path fuzzer.
 */
int lp_relay_peer_info(const struct lp_qconn *c, const char **room,
                       uint16_t *peer_id);
int lp_relay_done(const struct lp_relay *r);

/*
 * Read-only views for the admin listener (relay/lp_status): what the relay
 * knows about its rooms and peers, copied out so that nothing outside
 * lp_relay.c reads its structs. Pointers in a view borrow the relay's
 * storage and stay valid until the relay next runs (recv, flush, timers,
 * kick).
 */
struct lp_relay_room_view {
    const char *name;
    uint16_t mtu;
    int frag;
    size_t npeers;
    uint16_t gateway_id; /* 0: no gateway */
    uint64_t lan_macs;   /* MACs learned from the gateway side */
    uint64_t addr_spoofs, addr_limits;
    /* the counters of the peers that left the room (a room's totals are
     * these plus its peers': they never decrease while the room exists) */
    const struct lp_counters *gone;
};

struct lp_relay_peer_view {
    uint16_t peer_id;
    enum lp_role role;
    const char *label;    /* the invite's label ("" on an open relay) */
    const char *software; /* the peer's hello `software` */
    const char *remote;   /* its UDP address, as text */
    uint8_t mac[6];
    uint16_t budget; /* datagram_budget */
    int frag;
    lp_tstamp joined_at, last_seen; /* the relay's clock */
    /* QUIC (ngtcp2_conn_stat): 0 before the first RTT sample */
    uint64_t rtt_smoothed, rtt_min, rtt_latest, rtt_var;
    uint64_t cwnd, bytes_in_flight;
    uint64_t pto_count;
    uint32_t queued; /* datagrams waiting in its queue */
    const struct lp_counters *ctr;
    /* the peer's own last `stats`, when has_stats */
    int has_stats;
    lp_tstamp stats_at;
    uint64_t st_frames_tx, st_frames_rx, st_dgrams_tx, st_dgrams_rx, st_drops;
    /* what the relay had counted when those stats came: datagrams it sent
     * to the peer and got from it (the loss estimates of lp_status) */
    uint64_t st_relay_dgrams_tx, st_relay_dgrams_rx;
};

/* lp_relay_room_next: the first room (prev NULL) or the one after prev;
 * NULL at the end. */
const struct relay_room *lp_relay_room_next(const struct lp_relay *r,
                                            const struct relay_room *prev);
void lp_relay_room_view(const struct relay_room *room,
                        struct lp_relay_room_view *v);
/* lp_relay_peer_view fills v for the i-th peer (i < npeers) of room. */
void lp_relay_peer_view(const struct relay_room *room, size_t i,
                        struct lp_relay_peer_view *v);

/* What lp_relay_room_addrs reports: an address of the room's table, who
 * owns it (a client's MAC as lp_mac_u64; 0 for the LAN) and how it was
 * learned. */
enum lp_relay_addr_kind {
    LP_RELAY_ADDR_LAN = 1,
    LP_RELAY_ADDR_DHCP = 2,
    LP_RELAY_ADDR_CLAIM = 3,
    LP_RELAY_ADDR_PIN = 4,
};
typedef void (*lp_relay_addr_fn)(void *arg, int family, const uint8_t *addr,
                                 uint64_t owner, enum lp_relay_addr_kind kind);
/* lp_relay_room_addrs calls fn for every entry of room's address table. */
void lp_relay_room_addrs(const struct relay_room *room, lp_relay_addr_fn fn,
                         void *arg);

/*
 * lp_relay_kick disconnects peer peer_id of room `room` at the organiser's
 * request: it gets `disconnect` with reason `kicked`, the others
 * `peer_left` with `kicked`, and its connection closes with
 * NO_ERROR. A kick is not a ban: an endpoint may reconnect (revoking its
 * invite is the ban). Returns 0, or LP_ERR_INVAL when the room or the peer
 * is not there (or is already leaving).
 */
int lp_relay_kick(struct lp_relay *r, const char *room, uint16_t peer_id,
                  lp_tstamp now);

#endif
