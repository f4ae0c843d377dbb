/*
 * lp_relay: rooms, admission and forwarding; see lp_relay.h.
 *
 * Reentrancy rule: ngtcp2 callbacks (on_ctrl, on_datagram) never close a
 * connection at once. A peer that must go is "doomed" and closed in
 * lp_relay_flush, outside every callback and every walk over a room.
 */
#include "lp_relay.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "lp_addrtab.h"
#include "lp_admit.h"
#include "lp_err.h"
#include "lp_l3.h"
#include "lp_eth.h"
#include "lp_frag.h"
#include "lp_overlay.h"
#include "lp_policy.h"
#include "lp_route.h"
#include "lp_sockaddr.h"

#define RELAY_TICK (100 * LP_MILLISECONDS)

/* The same answer for an unknown room, a missing token and a wrong one, so
 * that room names cannot be probed (spec section 4). */
#define LP_UNAUTHORIZED_MESSAGE                                                \
    "this room needs an invite: ask the organiser for a link (room unknown "   \
    "or credential missing, wrong or revoked)"
#define RELAY_HELLO_MAX   4096 /* bytes of JSON a hello may take */
#define RELAY_LAN_MACS    4096 /* learned LAN MACs per room (LRU out) */
#define RELAY_LAN_MAC_AGE (300 * LP_SECONDS)
#define RELAY_SWEEP       (10 * LP_SECONDS) /* ageing of the room tables */

/* r->connlog slots */
enum { RELAY_LOG_REJECT, RELAY_LOG_HELLO_TIMEOUT, RELAY_LOG_NO_DATAGRAM };

struct relay_room {
    struct relay_room *next;
    char name[LP_ROOM_MAX + 1];
    uint16_t mtu;
    int frag; /* the room fragments (spec section 4) */
    uint16_t next_id;
    struct relay_peer *gateway;
    struct relay_peer **peers;
    size_t npeers, cap;
    struct lp_bmap lan;      /* MACs the gateway sent from */
    struct lp_addrtab addrs; /* who owns which IP address */
    /* pool buffers queued towards this room's peers (one per reference) */
    uint32_t dq_held;
    /* fan-out: copies/s, and this second's and the last second's copies
     * (the fair share test when the relay-wide budget runs low) */
    struct lp_tbucket fanout;
    lp_tstamp win_start;
    uint64_t win_copies, last_copies;
    /* the counters of peers that left, so that the room's totals
     * (lp_relay_room_view) never go backwards while it exists */
    struct lp_counters gone;
};

struct relay_peer {
    struct lp_qconn q; /* first: lp_qserver allocates this struct */
    struct lp_relay *r;
    struct relay_room *room;
    uint16_t peer_id;
    enum lp_role role;
    uint8_t mac[LP_MAC_LEN];
    uint16_t budget;
    /* "frag" negotiated: its fragments are reassembled in rx (allocated at
     * admission, sized for the room's MTU); frames it gets in fragments
     * are numbered from frag_next_id (spec section 5) */
    int frag, rx_live;
    struct lp_frag_rx rx;
    uint16_t frag_next_id;
    int admitted, rejected, left, doomed;
    uint64_t doom_code;
    const char *doom_reason;
    char software[LP_SOFTWARE_MAX + 1];
    char remote[64];
    /* admission: only hashes of the secrets are kept (spec section 4) */
    int has_resume, has_cred;
    uint8_t resume_hash[32], cred_hash[32];
    char label[LP_LABEL_MAX + 1];
    /* an unauthorized answer held back (a prefix with many failures) */
    lp_tstamp reject_at;
    struct lp_ctrl_decoder dec;
    int dec_live;
    lp_tstamp last_seen, joined_at;
    uint32_t malformed;
    lp_tstamp malformed_start;
    uint64_t stale_seen; /* q.dq_dropped_stale already counted */
    struct lp_tbucket rl_bcast, rl_unknown, rl_bytes, rl_dhcp;
    struct lp_counters ctr;
    int has_stats;
    lp_tstamp stats_at;
    uint64_t st_frames_tx, st_frames_rx, st_dgrams_tx, st_dgrams_rx, st_drops;
    uint64_t st_relay_dgrams_tx, st_relay_dgrams_rx; /* ours at stats time */
};

void lp_relay_cfg_default(struct lp_relay_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_peers = 1024;
    cfg->room_max_peers = 64;
    cfg->max_mtu = 1380;
    cfg->frag = 1;
    cfg->frag_mtu = 1500;
    cfg->rate_bcast = 1000;
    cfg->rate_unknown = 200;
    /* 1 Gbit/s: above what one player's tunnel carries on a 2-core host
     * (200-550 Mbit/s, bench/lanparty_bench.py), so it never caps a
     * transfer on a healthy relay, and below half of what one relay core
     * forwards (about 2-3.6 Gbit/s of 1400-byte frames, relay_bench.py):
     * one flooding player cannot take the relay. See docs/design.md. */
    cfg->rate_bytes = 125 * 1000 * 1000;
    cfg->malformed_threshold = 32;
    cfg->malformed_window = 10 * LP_SECONDS;
    cfg->hello_timeout = 5 * LP_SECONDS;
    cfg->queue_slots = 256;
    cfg->pool_slots = 16384;
    cfg->max_conns = 4096;
    cfg->max_per_ip = 64;
    cfg->rate_dhcp = 4;
    cfg->rate_gw_bcast = 5000;
    cfg->fanout_room = 200000;
    cfg->fanout_relay = 1000000;
    cfg->max_queue_age = 100 * LP_MILLISECONDS;
    cfg->room_max_per_ip = 16;
    cfg->rate_handshakes = 10;
    cfg->rate_packets = 50000;
}

/* peer_doom: close p at the next flush (never inside a callback). The list
 * holds one entry per connection at most, so it never overflows. */
static void peer_doom(struct relay_peer *p, uint64_t code, const char *reason)
{
    struct lp_relay *r = p->r;

    if (p->doomed || lp_qconn_is_closing(&p->q) ||
        r->ndoomed >= r->cfg.max_conns)
        return;
    p->doomed = 1;
    p->doom_code = code;
    p->doom_reason = reason;
    r->doomed[r->ndoomed++] = p;
}

/* A closed connection leaves the doomed list before it can be freed. */
static void peer_undoom(struct lp_relay *r, struct relay_peer *p)
{
    for (size_t i = 0; i < r->ndoomed; i++) {
        if (r->doomed[i] == p) {
            r->doomed[i] = r->doomed[--r->ndoomed];
            break;
        }
    }
}

/* peer_send queues one control message; a peer that stopped acknowledging
 * its control stream is doomed rather than buffered without bound. */
static void peer_send(struct relay_peer *p, const struct lp_msg *m)
{
    uint8_t *buf = p->r->ctrl_buf;
    ssize_t n = lp_ctrl_encode(buf, sizeof(p->r->ctrl_buf), m);

    if (n < 0)
        return;
    if (lp_log_get_level() >= LP_LOG_DEBUG) {
        struct lp_logbuf b;
        if (lp_log_begin(&b, LP_LOG_DEBUG, "ctrl_tx")) {
            lp_log_u64(&b, "peer_id", p->peer_id);
            lp_log_str(&b, "remote", p->remote);
            lp_log_str(&b, "type", lp_msg_type_name(m->type));
            if (m->type == LP_MSG_PEER_JOINED || m->type == LP_MSG_PEER_LEFT)
                lp_log_u64(&b, "about", m->u.peer.peer_id);
            lp_log_end(&b);
        }
    }
    if (lp_qconn_send_ctrl(&p->q, buf, (size_t)n) == LP_ERR_AGAIN) {
        lp_logf(LP_LOG_WARN, "ctrl_stuck",
                "peer %u stopped reading its control stream", p->peer_id);
        peer_doom(p, LP_APP_PROTOCOL_VIOLATION, "disconnect");
    }
    lp_qserver_mark(&p->r->qs, &p->q);
}

static void msg_peer(struct lp_msg *m, enum lp_msg_type t,
                     const struct relay_peer *p, const char *reason)
{
    memset(m, 0, sizeof(*m));
    m->type = t;
    m->u.peer.peer_id = p->peer_id;
    m->u.peer.role = p->role;
    memcpy(m->u.peer.mac, p->mac, LP_MAC_LEN);
    if (reason != NULL)
        snprintf(m->u.peer.reason, sizeof(m->u.peer.reason), "%s", reason);
    else
        memcpy(m->u.peer.label, p->label, sizeof(m->u.peer.label));
}

static void sha256(const void *data, size_t len, uint8_t out[32])
{
    /* Cannot fail for SHA-256 with GnuTLS initialised. */
    (void)gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out);
}

/* Compares n bytes in time independent of where they differ. */
static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;

    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

/*
 * relay_authorize: an open relay admits everyone; a closed one a hello
 * whose auth matches a credential of that room and role. The token is
 * hashed before the room is looked up, and every credential of the room is
 * compared in constant time, so that neither a room's existence nor a
 * token's prefix shows in the answer or its timing (spec section 4).
 */
static const struct lp_cred *relay_authorize(const struct lp_relay *r,
                                             const struct lp_msg_hello *h,
                                             int *authorized)
{
    const struct lp_room_def *room;
    const struct lp_cred *match = NULL;
    uint8_t hash[32];

    *authorized = !r->closed;
    if (!r->closed)
        return NULL;
    sha256(h->auth, strlen(h->auth), hash);
    room = lp_roomlist_find(&r->rooms_def, h->room);
    for (size_t i = 0; room != NULL && i < room->ncreds; i++) {
        const struct lp_cred *c = &room->creds[i];
        if (ct_equal(hash, c->hash, sizeof(hash)) & (c->role == h->role))
            match = c;
    }
    *authorized = match != NULL && h->has_auth;
    return *authorized ? match : NULL;
}

/* The source prefix of a peer's address (for failure counting). */
static void peer_prefix(const struct relay_peer *p, struct lp_prefix *pre)
{
    const struct sockaddr *sa = (const struct sockaddr *)&p->q.remote_addr;

    if (sa->sa_family == AF_INET6)
        lp_prefix_of(pre, 1,
                     ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    else
        lp_prefix_of(
            pre, 0,
            (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
}

static void log_peer(enum lp_log_level lvl, const char *event,
                     const struct relay_peer *p, const char *reason)
{
    struct lp_logbuf b;

    if (!lp_log_begin(&b, lvl, event))
        return;
    lp_log_str(&b, "room", p->room != NULL ? p->room->name : "");
    lp_log_u64(&b, "peer_id", p->peer_id);
    lp_log_str(&b, "role", lp_role_name(p->role));
    lp_log_mac(&b, "mac", p->mac);
    lp_log_str(&b, "remote", p->remote);
    if (reason != NULL)
        lp_log_str(&b, "reason", reason);
    lp_log_end(&b);
}

static void room_free(struct lp_relay *r, struct relay_room *room)
{
    struct relay_room **pp = &r->rooms;

    while (*pp != NULL && *pp != room)
        pp = &(*pp)->next;
    if (*pp == room)
        *pp = room->next;
    lp_logf(LP_LOG_INFO, "room_closed", "room %s is empty", room->name);
    free(room->peers);
    lp_bmap_free(&room->lan);
    lp_addrtab_free(&room->addrs);
    free(room);
    r->nrooms--;
}

static struct relay_room *room_find(struct lp_relay *r, const char *name)
{
    for (struct relay_room *room = r->rooms; room != NULL; room = room->next)
        if (strcmp(room->name, name) == 0)
            return room;
    return NULL;
}

static struct relay_peer *room_client_by_mac(const struct relay_room *room,
                                             const uint8_t *mac)
{
    for (size_t i = 0; i < room->npeers; i++) {
        struct relay_peer *t = room->peers[i];
        if (t->role == LP_ROLE_CLIENT && memcmp(t->mac, mac, LP_MAC_LEN) == 0)
            return t;
    }
    return NULL;
}

static int room_id_used(const struct relay_room *room, uint16_t id)
{
    for (size_t i = 0; i < room->npeers; i++)
        if (room->peers[i]->peer_id == id)
            return 1;
    return 0;
}

/* relay_count_stale counts the datagrams p's queue dropped for age since
 * the last call (the queue drops them where it sees them). */
static void relay_count_stale(struct lp_relay *r, struct relay_peer *p)
{
    uint64_t n = p->q.dq_dropped_stale - p->stale_seen;

    p->stale_seen = p->q.dq_dropped_stale;
    for (; n > 0; n--) {
        lp_counters_drop(&r->ctr, LP_REASON_STALE);
        lp_counters_drop(&p->ctr, LP_REASON_STALE);
    }
}

/* relay_leave removes p from its room, then tells the others (spec 4). */
static void relay_leave(struct lp_relay *r, struct relay_peer *p,
                        const char *reason)
{
    struct relay_room *room = p->room;
    struct lp_msg m;

    if (!p->admitted || p->left || room == NULL)
        return;
    p->left = 1;
    for (size_t i = 0; i < room->npeers; i++) {
        if (room->peers[i] == p) {
            room->peers[i] = room->peers[--room->npeers];
            break;
        }
    }
    if (room->gateway == p)
        room->gateway = NULL;
    relay_count_stale(r, p);
    for (uint32_t n = lp_qconn_dgram_clear(&p->q); n > 0; n--) {
        lp_counters_drop(&r->ctr, LP_REASON_NO_PEER);
        lp_counters_drop(&p->ctr, LP_REASON_NO_PEER);
    }
    lp_qconn_dgram_limit(&p->q, 0, NULL);
    lp_frag_rx_free(&p->rx);
    p->rx_live = 0;
    r->npeers--;
    lp_counters_add(&room->gone, &p->ctr);
    if (p->role == LP_ROLE_CLIENT && strcmp(reason, "replaced") != 0)
        lp_addrtab_client_left(&room->addrs, lp_mac_u64(p->mac));
    log_peer(LP_LOG_INFO, "peer_left", p, reason);
    if (!r->shutting_down) {
        msg_peer(&m, LP_MSG_PEER_LEFT, p, reason);
        for (size_t i = 0; i < room->npeers; i++)
            peer_send(room->peers[i], &m);
    }
    p->room = NULL;
    if (room->npeers == 0)
        room_free(r, room);
}

static void relay_reject(struct relay_peer *p, enum lp_reject reason,
                         const char *text, lp_tstamp now)
{
    struct lp_msg m;
    struct lp_logbuf b;
    uint64_t suppressed = 0;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_REJECT;
    m.u.reject.reason = reason;
    snprintf(m.u.reject.message, sizeof(m.u.reject.message), "%s", text);
    peer_send(p, &m);
    p->rejected = 1;
    lp_qconn_close(&p->q, LP_APP_REJECTED, now);
    if (lp_ratelog_allow(&p->r->connlog[RELAY_LOG_REJECT], now, &suppressed) &&
        lp_log_begin(&b, LP_LOG_INFO, "rejected")) {
        lp_log_str(&b, "remote", p->remote);
        lp_log_str(&b, "reason", lp_reject_name(reason));
        lp_log_str(&b, "msg", text);
        if (suppressed > 0)
            lp_log_u64(&b, "suppressed", suppressed);
        lp_log_end(&b);
    }
}

/* The present peer a hello collides with: the room's gateway for a
 * gateway hello, else the peer holding the hello's MAC (or NULL). */
static struct relay_peer *room_collision(struct relay_room *room,
                                         const struct lp_msg_hello *h)
{
    struct relay_peer *dup;

    if (room == NULL)
        return NULL;
    if (h->role == LP_ROLE_GATEWAY && room->gateway != NULL)
        return room->gateway;
    dup = room_client_by_mac(room, h->mac);
    if (dup == NULL && room->gateway != NULL &&
        memcmp(room->gateway->mac, h->mac, LP_MAC_LEN) == 0)
        dup = room->gateway;
    return dup;
}

/*
 * relay_unauthorized answers a hello without a valid credential: at once,
 * or, when its source prefix failed 10 times within 60 s, after 1 s
 * (relay_tick sends it), with one log line a minute for that prefix.
 */
static void relay_unauthorized(struct lp_relay *r, struct relay_peer *p,
                               lp_tstamp now)
{
    struct lp_prefix pre;
    uint32_t failures;
    int log;

    r->unauthorized++;
    peer_prefix(p, &pre);
    if (!lp_authfail_note(&r->authfail, &pre, now, &log, &failures)) {
        relay_reject(p, LP_REJECT_UNAUTHORIZED, LP_UNAUTHORIZED_MESSAGE, now);
        return;
    }
    if (log)
        lp_logf(LP_LOG_WARN, "unauthorized_throttled",
                "%u failed credentials from %s's network within 60 s: "
                "answers are delayed by 1 s, this line is written once a "
                "minute",
                failures, p->remote);
    p->rejected = 1; /* no more control messages are read */
    p->reject_at = now + LP_AUTHFAIL_DELAY;
}

/* relay_reject_for explains a rejection in words. */
static void relay_reject_for(struct relay_peer *p, const struct lp_admit *a,
                             const struct lp_msg_hello *h,
                             const struct relay_room *room, lp_tstamp now)
{
    char text[200], macs[LP_MAC_STRLEN];

    lp_mac_format(macs, h->mac);
    switch (a->reason) {
    case LP_REJECT_RELAY_FULL:
        snprintf(text, sizeof(text),
                 a->by_prefix ? "too many connections from your address"
                              : "the relay is full");
        break;
    case LP_REJECT_GATEWAY_EXISTS:
        snprintf(text, sizeof(text), "room '%s' already has a LAN gateway",
                 h->room);
        break;
    case LP_REJECT_DUPLICATE_MAC:
        snprintf(text, sizeof(text), "MAC %s is already in room '%s'", macs,
                 h->room);
        break;
    case LP_REJECT_ROOM_FULL:
        if (a->by_prefix)
            snprintf(text, sizeof(text),
                     "room '%s' has its most players from your address (%zu)",
                     h->room, p->r->cfg.room_max_per_ip);
        else
            snprintf(text, sizeof(text), "room '%s' is full (%zu peers)",
                     h->room, room != NULL ? room->npeers : 0);
        break;
    case LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL:
        if (room != NULL || a->room_frag)
            snprintf(text, sizeof(text),
                     "datagram budget %u is below the room's %zu (MTU %u%s)",
                     (unsigned)h->datagram_budget,
                     lp_admit_min_budget(room != NULL ? room->mtu
                                                      : p->r->cfg.frag_mtu,
                                         a->frag),
                     (unsigned)(room != NULL ? room->mtu : p->r->cfg.frag_mtu),
                     a->frag ? ", fragments" : "");
        else
            snprintf(text, sizeof(text),
                     "datagram budget %u gives an MTU below %u",
                     h->datagram_budget, LP_ADMIT_MIN_MTU);
        break;
    default:
        snprintf(text, sizeof(text), "%s", lp_reject_name(a->reason));
        break;
    }
    relay_reject(p, a->reason, text, now);
}

static void relay_hello(struct lp_relay *r, struct relay_peer *p,
                        const struct lp_msg_hello *h, lp_tstamp now)
{
    struct relay_room *room = room_find(r, h->room);
    struct relay_peer *old = room_collision(room, h);
    const struct lp_cred *cred;
    struct lp_admit_in in;
    struct lp_admit a;
    uint8_t resume_hash[32] = {0};
    uint16_t mtu;
    struct lp_msg m;

    memset(&in, 0, sizeof(in));
    in.role = h->role;
    in.budget = h->datagram_budget;
    cred = relay_authorize(r, h, &in.authorized);
    in.relay_peers = r->npeers;
    in.max_peers = r->cfg.max_peers;
    in.room_max = r->cfg.room_max_peers;
    in.max_mtu = (uint16_t)r->cfg.max_mtu;
    in.frag_enabled = r->cfg.frag;
    in.frag_mtu = r->cfg.frag_mtu;
    in.frag_offered = (h->features & LP_FEAT_FRAG) != 0;
    in.room_exists = room != NULL;
    in.room_mtu = room != NULL ? room->mtu : 0;
    in.room_frag = room != NULL && room->frag;
    in.room_peers = room != NULL ? room->npeers : 0;
    in.gateway_taken =
        h->role == LP_ROLE_GATEWAY && room != NULL && room->gateway != NULL;
    in.mac_taken = old != NULL && memcmp(old->mac, h->mac, LP_MAC_LEN) == 0;
    /* Quotas per source prefix: connections share their prefix's entry. */
    if (p->q.pfx != NULL) {
        in.prefix_peers = p->q.pfx->refs - 1;
        in.prefix_max = r->cfg.max_peers / 2 > 0 ? r->cfg.max_peers / 2 : 1;
        for (size_t i = 0; room != NULL && i < room->npeers; i++)
            in.prefix_room_peers += room->peers[i]->q.pfx == p->q.pfx;
        in.prefix_room_max = r->cfg.room_max_per_ip;
    }
    /* Replacement (spec section 4): the same role and MAC, and both
     * hellos carried the same resume secret (and, on a closed relay, the
     * same credential): the endpoint restarted after a crash or moved to
     * another network. Never by source address. */
    if (h->has_resume)
        sha256(h->resume, sizeof(h->resume), resume_hash);
    in.replaces =
        old != NULL && old->role == h->role && in.mac_taken && h->has_resume &&
        old->has_resume &&
        ct_equal(old->resume_hash, resume_hash, sizeof(resume_hash)) &&
        (cred == NULL ||
         (old->has_cred && memcmp(old->cred_hash, cred->hash, 32) == 0));
    a = lp_admit_decide(&in);
    if (a.action == LP_ADMIT_REJECT && a.reason == LP_REJECT_UNAUTHORIZED) {
        relay_unauthorized(r, p, now);
        return;
    }
    if (a.action == LP_ADMIT_REJECT) {
        relay_reject_for(p, &a, h, room, now);
        return;
    }
    p->has_resume = h->has_resume;
    if (h->has_resume)
        memcpy(p->resume_hash, resume_hash, sizeof(resume_hash));
    if (cred != NULL) {
        p->has_cred = 1;
        memcpy(p->cred_hash, cred->hash, sizeof(p->cred_hash));
        snprintf(p->label, sizeof(p->label), "%s", cred->label);
    }
    if (a.action != LP_ADMIT_REPLACE)
        old = NULL;
    mtu = a.mtu;

    if (old != NULL) {
        struct lp_msg d;
        memset(&d, 0, sizeof(d));
        d.type = LP_MSG_DISCONNECT;
        snprintf(d.u.disconnect.reason, sizeof(d.u.disconnect.reason),
                 "replaced");
        peer_send(old, &d);
        relay_leave(r, old, "replaced");
        peer_doom(old, LP_APP_NO_ERROR, "replaced");
        room = room_find(r, h->room); /* may have been freed */
    }
    if (room == NULL) {
        room = calloc(1, sizeof(*room));
        if (room == NULL) {
            relay_reject(p, LP_REJECT_RELAY_FULL, "out of memory", now);
            return;
        }
        snprintf(room->name, sizeof(room->name), "%s", h->room);
        room->mtu = mtu;
        room->frag = a.room_frag;
        room->next_id = 1;
        lp_tbucket_init(&room->fanout, r->cfg.fanout_room,
                        r->cfg.fanout_room / 10 + 64, now);
        room->win_start = now;
        {
            uint64_t seed = 0;
            (void)lp_tls_random(&seed, sizeof(seed));
            lp_bmap_init(&room->lan, RELAY_LAN_MACS, seed);
            lp_addrtab_init(&room->addrs, seed ^ 0x9e3779b97f4a7c15ULL);
        }
        room->next = r->rooms;
        r->rooms = room;
        r->nrooms++;
        if (mtu < 1280)
            lp_logf(LP_LOG_WARN, "room_mtu",
                    "room %s has MTU %u: below 1280, players' adapters "
                    "lose IPv6",
                    room->name, mtu);
    }
    if (room->npeers == room->cap) {
        size_t cap = room->cap ? room->cap * 2 : 8;
        struct relay_peer **np = realloc(room->peers, cap * sizeof(*np));
        if (np == NULL) {
            relay_reject(p, LP_REJECT_RELAY_FULL, "out of memory", now);
            if (room->npeers == 0)
                room_free(r, room);
            return;
        }
        room->peers = np;
        room->cap = cap;
    }
    /* the reassembler is allocated once, before the peer can send */
    if (a.frag &&
        lp_frag_rx_init(&p->rx, (size_t)room->mtu + LP_ETH_HDR_LEN) != 0) {
        relay_reject(p, LP_REJECT_RELAY_FULL, "out of memory", now);
        if (room->npeers == 0)
            room_free(r, room);
        return;
    }
    p->frag = a.frag;
    p->rx_live = a.frag;
    while (room->next_id == 0 || room_id_used(room, room->next_id))
        room->next_id++;
    p->peer_id = room->next_id++;
    p->role = h->role;
    memcpy(p->mac, h->mac, LP_MAC_LEN);
    p->budget = h->datagram_budget;
    snprintf(p->software, sizeof(p->software), "%s",
             h->has_software ? h->software : "");
    p->joined_at = now;
    {
        uint64_t bc = p->role == LP_ROLE_GATEWAY ? r->cfg.rate_gw_bcast
                                                 : r->cfg.rate_bcast;
        lp_tbucket_init(&p->rl_bcast, bc, bc * 2, now);
    }
    lp_tbucket_init(&p->rl_unknown, r->cfg.rate_unknown,
                    r->cfg.rate_unknown * 2, now);
    lp_tbucket_init(&p->rl_bytes, r->cfg.rate_bytes, r->cfg.rate_bytes / 4,
                    now);
    /* a client renewing or starting up sends a handful; a pool-exhaustion
     * attack thousands */
    lp_tbucket_init(&p->rl_dhcp, r->cfg.rate_dhcp, r->cfg.rate_dhcp * 2 + 4,
                    now);

    /* Ordering (spec section 4). */
    if (p->role == LP_ROLE_CLIENT) {
        msg_peer(&m, LP_MSG_PEER_JOINED, p, NULL);
        for (size_t i = 0; i < room->npeers; i++)
            peer_send(room->peers[i], &m);
    }
    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_WELCOME;
    m.u.welcome.peer_id = p->peer_id;
    m.u.welcome.effective_mtu = room->mtu;
    m.u.welcome.features = p->frag ? LP_FEAT_FRAG : 0;
    if (p->role == LP_ROLE_GATEWAY) {
        m.u.welcome.gateway_present = 1;
        m.u.welcome.gateway_peer_id = p->peer_id;
    } else if (room->gateway != NULL) {
        m.u.welcome.gateway_present = 1;
        m.u.welcome.gateway_peer_id = room->gateway->peer_id;
    }
    peer_send(p, &m);
    for (size_t i = 0; i < room->npeers; i++) {
        msg_peer(&m, LP_MSG_PEER_JOINED, room->peers[i], NULL);
        peer_send(p, &m);
    }
    p->room = room;
    room->peers[room->npeers++] = p;
    /* its queue counts against the room's share of the pool, and ages */
    lp_qconn_dgram_limit(&p->q, r->cfg.max_queue_age, &room->dq_held);
    p->admitted = 1;
    lp_ctrl_decoder_limit(&p->dec, 0); /* welcomed: the protocol maximum */
    r->npeers++;
    if (p->role == LP_ROLE_GATEWAY) {
        room->gateway = p;
        msg_peer(&m, LP_MSG_PEER_JOINED, p, NULL);
        for (size_t i = 0; i < room->npeers; i++)
            if (room->peers[i] != p)
                peer_send(room->peers[i], &m);
    }
    {
        struct lp_logbuf b;
        if (lp_log_begin(&b, LP_LOG_INFO, "peer_joined")) {
            lp_log_str(&b, "room", room->name);
            lp_log_u64(&b, "peer_id", p->peer_id);
            lp_log_str(&b, "role", lp_role_name(p->role));
            lp_log_mac(&b, "mac", p->mac);
            lp_log_u64(&b, "datagram_budget", p->budget);
            lp_log_u64(&b, "effective_mtu", room->mtu);
            lp_log_str(&b, "frag", p->frag ? "true" : "false");
            lp_log_str(&b, "remote", p->remote);
            lp_log_str(&b, "software", p->software);
            lp_log_u64(&b, "room_peers", room->npeers);
            lp_log_end(&b);
        }
    }
}

static void relay_stats(struct relay_peer *p, const struct lp_msg_stats *s,
                        lp_tstamp now)
{
    uint64_t drops = 0;

    for (size_t i = 0; i < s->ndrops; i++)
        drops += s->drops[i].value;
    p->has_stats = 1;
    p->stats_at = now;
    p->st_frames_tx = s->frames_tx;
    p->st_frames_rx = s->frames_rx;
    p->st_dgrams_tx = s->datagrams_tx;
    p->st_dgrams_rx = s->datagrams_rx;
    p->st_drops = drops;
    p->st_relay_dgrams_tx = p->ctr.datagrams_tx;
    p->st_relay_dgrams_rx = p->ctr.datagrams_rx;
}

static int relay_on_ctrl(struct lp_qconn *c, const uint8_t *data, size_t len,
                         lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;
    struct lp_relay *r = p->r;
    struct lp_msg *m = &r->msg_in;
    struct lp_ctrl_err err;

    if (p->rejected || p->left || p->doomed || r->shutting_down)
        return 0;
    p->last_seen = now;
    while (len > 0) {
        int rv = lp_ctrl_decoder_next(&p->dec, &data, &len, m, &err);

        if (rv < 0) {
            if (!p->admitted) {
                relay_reject(p, lp_ctrl_error_reject(err.code), err.message,
                             now);
                return 0;
            }
            lp_logf(LP_LOG_WARN, "protocol_violation", "peer %u: %s",
                    p->peer_id, err.message);
            relay_leave(r, p, "disconnect");
            return -1;
        }
        if (rv == 0)
            break;
        if (!p->admitted) {
            if (m->type != LP_MSG_HELLO) {
                char text[120];
                snprintf(text, sizeof(text),
                         "the first message must be hello, not '%s'",
                         m->type == LP_MSG_UNKNOWN ? m->type_name
                                                   : lp_msg_type_name(m->type));
                relay_reject(p, LP_REJECT_BAD_HELLO, text, now);
                return 0;
            }
            relay_hello(r, p, &m->u.hello, now);
            if (p->rejected)
                return 0;
            continue;
        }
        switch (m->type) {
        case LP_MSG_STATS:
            relay_stats(p, &m->u.stats, now);
            break;
        case LP_MSG_DISCONNECT: {
            char why[33];
            lp_ctrl_peer_reason(why, m->u.disconnect.reason);
            relay_leave(r, p, why);
            lp_qconn_close(&p->q, LP_APP_NO_ERROR, now);
            return 0;
        }
        case LP_MSG_UNKNOWN:
            p->ctr.ctrl_unknown++;
            r->ctr.ctrl_unknown++;
            break;
        default:
            /* hello again, or a relay-to-endpoint message */
            lp_logf(LP_LOG_WARN, "protocol_violation",
                    "peer %u sent '%s' after its welcome", p->peer_id,
                    lp_msg_type_name(m->type));
            relay_leave(r, p, "disconnect");
            return -1;
        }
    }
    return 0;
}

/* Drops: always counted; logged at debug, or rate-limited at info. */
static void relay_drop(struct lp_relay *r, struct relay_peer *p,
                       const uint8_t *frame, size_t len, enum lp_reason why,
                       lp_tstamp now)
{
    struct lp_framelog f;
    enum lp_log_level lvl = LP_LOG_DEBUG;

    lp_counters_drop(&r->ctr, why);
    lp_counters_drop(&p->ctr, why);
    if (!lp_droplog_level(&r->droplog, now, &lvl))
        return;
    memset(&f, 0, sizeof(f));
    f.dir = "relay_in";
    f.room = p->room != NULL ? p->room->name : "";
    f.peer_id = p->peer_id;
    f.frame = frame;
    f.len = len;
    f.reason = why;
    f.action = lp_reason_action(why);
    lp_framelog_emit(lvl, &f);
}

/* relay_malformed counts a malformed datagram (why: malformed, or a
 * fragment's frag_malformed / frag_overflow) towards p's threshold. */
static void relay_malformed(struct lp_relay *r, struct relay_peer *p,
                            enum lp_reason why, lp_tstamp now)
{
    if (now - p->malformed_start > r->cfg.malformed_window ||
        p->malformed == 0) {
        p->malformed_start = now;
        p->malformed = 0;
    }
    p->malformed++;
    relay_drop(r, p, NULL, 0, why, now);
    if (p->malformed == 1 || p->malformed % 8 == 0)
        lp_logf(LP_LOG_INFO, "malformed_datagram",
                "peer %u sent %u malformed datagrams in the window", p->peer_id,
                p->malformed);
    if (p->malformed >= r->cfg.malformed_threshold)
        peer_doom(p, LP_APP_MALFORMED_DATAGRAMS, "malformed");
}

static void lan_learn(struct relay_room *room, const uint8_t *src,
                      lp_tstamp now)
{
    struct lp_bmap_ent *e;
    int created;

    e = lp_bmap_put(&room->lan, src, LP_MAC_LEN, now, &created);
    if (e != NULL)
        e->used = now;
}

static int lan_known(struct relay_room *room, const uint8_t *dst, lp_tstamp now)
{
    const struct lp_bmap_ent *e = lp_bmap_find(&room->lan, dst, LP_MAC_LEN);

    return e != NULL && now - e->used < RELAY_LAN_MAC_AGE;
}

/*
 * What the LAN says about addresses (spec section 6, step 3): sources seen
 * from the gateway side are the LAN's; its DHCP acknowledgements and
 * DHCPv6 replies bind addresses to clients; its DHCP servers, routers, DNS
 * servers and router advertisers are pinned.
 */
static void lan_addresses(struct relay_room *room, const uint8_t *frame,
                          size_t len, lp_tstamp now)
{
    struct lp_l3 l3;

    (void)lp_l3_parse(&l3, frame, len);
    if (l3.flags & LP_L3_IP4)
        lp_addrtab_lan_seen(&room->addrs, 4, l3.ip4_src, now);
    if (l3.flags & LP_L3_IP6)
        lp_addrtab_lan_seen(&room->addrs, 6, l3.ip6_src, now);
    if (l3.flags & LP_L3_ARP)
        lp_addrtab_lan_seen(&room->addrs, 4, l3.arp_spa, now);
    if (l3.flags & LP_L3_DHCP_ACK) {
        lp_addrtab_dhcp_bind(&room->addrs, 4, l3.ack_yiaddr,
                             lp_mac_u64(l3.ack_chaddr), l3.ack_lease, now);
        for (size_t i = 0; i < l3.nservers4; i++)
            lp_addrtab_lan_pin(&room->addrs, 4, l3.servers4[i], now);
        if (l3.flags & LP_L3_IP4)
            lp_addrtab_lan_pin(&room->addrs, 4, l3.ip4_src, now);
    }
    if (l3.flags & LP_L3_DHCP6_REPLY)
        for (size_t i = 0; i < l3.nreply6; i++)
            lp_addrtab_dhcp_bind(&room->addrs, 6, l3.reply6[i],
                                 lp_mac_u64(frame), l3.reply6_valid, now);
    if ((l3.flags & LP_L3_RA) && (l3.flags & LP_L3_IP6))
        lp_addrtab_lan_pin(&room->addrs, 6, l3.ip6_src, now);
}

/* The addresses a client's frame claims: its IP source, its ARP sender,
 * its Neighbor Advertisement's target. LP_REASON_NONE or why not. */
static enum lp_reason client_addresses(struct lp_relay *r, struct relay_peer *p,
                                       const uint8_t *frame, size_t len,
                                       lp_tstamp now)
{
    struct relay_room *room = p->room;
    struct lp_l3 l3;
    uint64_t mac = lp_mac_u64(p->mac), owner = 0;
    enum lp_reason why = LP_REASON_NONE;

    (void)lp_l3_parse(&l3, frame, len);
    {
        const struct {
            unsigned flag;
            int family;
            const uint8_t *a;
        } claims[] = {{LP_L3_IP4, 4, l3.ip4_src},
                      {LP_L3_IP6, 6, l3.ip6_src},
                      {LP_L3_ARP, 4, l3.arp_spa},
                      {LP_L3_NA, 6, l3.na_target}};
        for (size_t i = 0; i < 4 && why == LP_REASON_NONE; i++)
            if (l3.flags & claims[i].flag)
                why = lp_addrtab_claim(&room->addrs, claims[i].family,
                                       claims[i].a, mac, now, &owner);
    }
    if (why == LP_REASON_ADDR_SPOOF) {
        uint64_t suppressed = 0;
        if (lp_ratelog_allow(&r->spooflog, now, &suppressed)) {
            struct lp_logbuf b;
            uint8_t om[LP_MAC_LEN];
            for (int k = 0; k < 6; k++)
                om[k] = (uint8_t)(owner >> (40 - 8 * k));
            if (lp_log_begin(&b, LP_LOG_WARN, "addr_spoof")) {
                lp_log_str(&b, "room", room->name);
                lp_log_u64(&b, "peer_id", p->peer_id);
                lp_log_mac(&b, "mac", p->mac);
                if (owner != 0)
                    lp_log_mac(&b, "owner_mac", om);
                else
                    lp_log_str(&b, "owner", "lan");
                if (suppressed > 0)
                    lp_log_u64(&b, "suppressed", suppressed);
                lp_log_end(&b);
            }
        }
    }
    return why;
}

/* A DHCP request from a client (UDP to port 67, or to 547 over IPv6):
 * they have a rate limit of their own (a pool-exhaustion attack). */
static int is_dhcp_request(const uint8_t *f, size_t len)
{
    struct lp_eth eth;
    const uint8_t *p;
    size_t ihl;

    if (lp_eth_parse(&eth, f, len) != 0)
        return 0;
    p = f + eth.l3_off;
    len -= eth.l3_off;
    if (eth.inner_ethertype == LP_ETHERTYPE_IPV4 && len >= 28 && p[9] == 17) {
        ihl = (size_t)(p[0] & 0x0f) * 4;
        return ihl >= 20 && len >= ihl + 4 && p[ihl + 2] == 0 &&
               p[ihl + 3] == 67;
    }
    if (eth.inner_ethertype == LP_ETHERTYPE_IPV6 && len >= 48 && p[6] == 17)
        return p[42] == 0x02 && p[43] == 0x23; /* 547 */
    return 0;
}

static void relay_egress_skip(struct relay_peer *p, struct relay_peer *t,
                              size_t enc, size_t cap, lp_tstamp now)
{
    struct lp_relay *r = p->r;
    struct lp_logbuf b;
    enum lp_log_level lvl;

    lp_counters_drop(&r->ctr, LP_REASON_EGRESS_BUDGET);
    lp_counters_drop(&t->ctr, LP_REASON_EGRESS_BUDGET);
    if (!lp_droplog_level(&r->droplog, now, &lvl))
        return;
    if (lp_log_begin(&b, lvl, "egress_skip")) {
        lp_log_str(&b, "room", p->room->name);
        lp_log_u64(&b, "peer_id", p->peer_id);
        lp_log_u64(&b, "target_peer_id", t->peer_id);
        lp_log_u64(&b, "len", enc);
        lp_log_u64(&b, "target_budget", cap);
        lp_log_str(&b, "reason", "egress_budget");
        lp_log_end(&b);
    }
}

/*
 * relay_pool_share: may one more pool buffer be queued towards t? The
 * shared pool is split by dynamic thresholds (as switches share their
 * packet memory): a peer may hold at most as many buffers as are free, a
 * room twice that. Queues that never drain (receivers that stopped
 * acknowledging) then hold a bounded share however many there are, and
 * some buffers always stay free for every other room.
 */
static int relay_pool_share(const struct lp_relay *r,
                            const struct relay_room *room,
                            const struct relay_peer *t)
{
    size_t nfree = r->pool.nfree;

    return lp_qconn_dgram_queued(&t->q) < (nfree > 2 ? nfree : 2) &&
           room->dq_held < (nfree > 32 ? 2 * nfree : 64);
}

/*
 * relay_fanout_take takes one frame copy from the room's budget and the
 * relay's. While the relay-wide budget is more than half used, a room that
 * sent more than its fair share (the relay budget over the rooms) in the
 * last second gets nothing from it, so the others keep theirs.
 */
static int relay_fanout_take(struct lp_relay *r, struct relay_room *room,
                             lp_tstamp now)
{
    if (now - room->win_start >= LP_SECONDS) {
        room->last_copies =
            now - room->win_start < 2 * LP_SECONDS ? room->win_copies : 0;
        room->win_copies = 0;
        room->win_start = now;
    }
    if (!lp_tbucket_take(&room->fanout, 1, now))
        return 0;
    if (r->cfg.fanout_relay != 0) {
        if (r->nrooms > 1 &&
            r->fanout.tokens < r->fanout.burst * 1000000000ULL / 2 &&
            room->last_copies > r->cfg.fanout_relay / r->nrooms)
            return 0;
        if (!lp_tbucket_take(&r->fanout, 1, now))
            return 0;
    }
    room->win_copies++;
    return 1;
}

/* relay_pool_buf takes a pool buffer stamped with the frame's arrival, so
 * that every copy and fragment of one frame ages together. */
static struct lp_pbuf *relay_pool_buf(struct lp_relay *r, lp_tstamp now)
{
    struct lp_pbuf *pb = lp_pool_get(&r->pool);

    if (pb != NULL)
        pb->born = now;
    return pb;
}

/*
 * relay_egress_frag queues frame to t in the fewest fragments that fit
 * cap, with the next frame_id of t's counter (spec section 5: the relay
 * numbers what it sends to each target itself). Every fragment must find a
 * queue slot and a pool buffer, or none is queued. Returns the datagrams
 * queued (0: dropped and counted).
 */
static size_t relay_egress_frag(struct relay_peer *p, struct relay_peer *t,
                                const uint8_t *frame, size_t len, size_t cap,
                                lp_tstamp now)
{
    struct lp_relay *r = p->r;
    struct lp_frag_plan plan;
    uint16_t id;

    if (lp_frag_plan(&plan, len, cap) != 0) {
        relay_egress_skip(p, t, LP_OVERLAY_HDR_LEN + len, cap, now);
        return 0;
    }
    if (lp_qconn_dgram_queued(&t->q) + plan.count > lp_qconn_dgram_cap(&t->q) ||
        r->pool.nfree < plan.count) {
        lp_counters_drop(&r->ctr, LP_REASON_QUEUE_FULL);
        lp_counters_drop(&t->ctr, LP_REASON_QUEUE_FULL);
        return 0;
    }
    id = t->frag_next_id++;
    for (unsigned i = 0; i < plan.count; i++) {
        struct lp_pbuf *pb = relay_pool_buf(r, now);
        ssize_t n;
        int rv;

        if (pb == NULL)
            return i; /* cannot happen: nfree was checked */
        n = lp_frag_write(pb->data, r->pool.data_size, &plan, i, p->peer_id, id,
                          frame);
        if (n > 0) {
            pb->len = (uint32_t)n;
            rv = lp_qconn_queue_dgram(&t->q, pb);
        } else {
            rv = -1;
        }
        lp_pool_put(&r->pool, pb);
        if (rv != 0) {
            /* the fragments already queued time out at the receiver */
            lp_counters_drop(&r->ctr, LP_REASON_QUEUE_FULL);
            lp_counters_drop(&t->ctr, LP_REASON_QUEUE_FULL);
            return i;
        }
    }
    return plan.count;
}

/*
 * relay_egress: step 6 for one whole frame from p: to each target whole
 * if it fits what the target's connection can send now (and its budget),
 * else in fragments if the target uses "frag", else skipped
 * (egress_budget). Pool sharing and fan-out limits apply per target copy.
 */
static void relay_egress(struct relay_peer *p, const uint8_t *frame, size_t len,
                         int multi, struct relay_peer *one, lp_tstamp now)
{
    struct lp_relay *r = p->r;
    struct relay_room *room = p->room;
    struct lp_pbuf *pb = NULL; /* the whole datagram, shared by targets */
    size_t sent = 0, dgrams = 0, enc = LP_OVERLAY_HDR_LEN + len;

    for (size_t i = 0; i < room->npeers; i++) {
        struct relay_peer *t = multi ? room->peers[i] : one;
        size_t cap, n = 0;

        if (t == NULL)
            break;
        if (t == p || t->doomed) {
            if (!multi)
                break;
            continue;
        }
        cap = lp_qconn_max_dgram(&t->q);
        if (t->budget < cap)
            cap = t->budget;
        if (enc > cap && !t->frag) {
            relay_egress_skip(p, t, enc, cap, now);
        } else if (lp_qconn_dgram_full(&t->q) ||
                   !relay_pool_share(r, room, t)) {
            /* checked before the copy: a sender outrunning this target's
             * congestion window costs no more than the decryption */
            lp_counters_drop(&r->ctr, LP_REASON_QUEUE_FULL);
            lp_counters_drop(&t->ctr, LP_REASON_QUEUE_FULL);
        } else if (!relay_fanout_take(r, room, now)) {
            lp_counters_drop(&r->ctr, LP_REASON_RATE_FANOUT);
            lp_counters_drop(&t->ctr, LP_REASON_RATE_FANOUT);
        } else if (enc > cap) {
            n = relay_egress_frag(p, t, frame, len, cap, now);
        } else {
            if (pb == NULL) {
                pb = relay_pool_buf(r, now);
                if (pb == NULL) {
                    relay_drop(r, p, frame, len, LP_REASON_QUEUE_FULL, now);
                    break;
                }
                lp_overlay_write_hdr(pb->data, p->peer_id);
                memcpy(pb->data + LP_OVERLAY_HDR_LEN, frame, len);
                pb->len = (uint32_t)enc;
            }
            /* a small frame goes ahead of bulk (lp_eth.h) */
            if ((lp_frame_is_express(len)
                     ? lp_qconn_queue_dgram_express(&t->q, pb)
                     : lp_qconn_queue_dgram(&t->q, pb)) != 0) {
                lp_counters_drop(&r->ctr, LP_REASON_QUEUE_FULL);
                lp_counters_drop(&t->ctr, LP_REASON_QUEUE_FULL);
            } else {
                n = 1;
            }
        }
        if (n > 0) {
            sent++;
            dgrams += n;
            t->ctr.frames_tx++;
            t->ctr.datagrams_tx += n;
            t->ctr.bytes_tx += len;
            lp_qserver_mark(&r->qs, &t->q);
        }
        if (!multi)
            break;
    }
    if (pb != NULL)
        lp_pool_put(&r->pool, pb);
    r->ctr.frames_tx += sent;
    r->ctr.datagrams_tx += dgrams;
    if (lp_log_get_level() >= LP_LOG_DEBUG) {
        struct lp_framelog f;
        memset(&f, 0, sizeof(f));
        f.dir = "relay_in";
        f.room = room->name;
        f.peer_id = p->peer_id;
        f.frame = frame;
        f.len = len;
        f.action = LP_ACTION_FORWARDED;
        f.reason = LP_REASON_NONE;
        f.targets = (unsigned)sent;
        lp_framelog_emit(LP_LOG_DEBUG, &f);
    }
}

/*
 * relay_frame: steps 1 to 6 of spec section 6 for one whole frame from p,
 * whether it came whole or was reassembled (frame is borrowed for the
 * call). Nothing of a frame that a check drops is sent, so no fragment of
 * it either.
 */
static void relay_frame(struct relay_peer *p, const uint8_t *frame, size_t len,
                        lp_tstamp now)
{
    struct lp_relay *r = p->r;
    struct relay_room *room = p->room;
    struct relay_peer *one = NULL;
    const uint8_t *dst = frame, *src = frame + 6;
    int multi = 0;

    p->ctr.frames_rx++;
    p->ctr.bytes_rx += len;
    r->ctr.frames_rx++;
    r->ctr.bytes_rx += len;
    if (len - LP_ETH_HDR_LEN > room->mtu) {
        relay_drop(r, p, frame, len, LP_REASON_OVER_MTU, now);
        return;
    }
    /* 2, 3 and 5: source MAC, safety policy, destination */
    {
        struct lp_route_in in;
        struct lp_route rt;
        struct relay_peer *owner = room_client_by_mac(room, dst);

        memset(&in, 0, sizeof(in));
        in.role = p->role;
        in.frame = frame;
        in.len = len;
        in.own_mac = p->mac;
        in.src_is_client =
            p->role == LP_ROLE_GATEWAY && room_client_by_mac(room, src) != NULL;
        in.dst = owner == NULL ? LP_DST_NONE
                 : owner == p  ? LP_DST_SELF
                               : LP_DST_OTHER;
        in.dst_lan_known = owner == NULL && p->role == LP_ROLE_CLIENT &&
                           !lp_mac_is_multicast(dst) &&
                           lan_known(room, dst, now);
        in.gateway_present = room->gateway != NULL;
        in.policy = &r->policy;
        rt = lp_route_decide(&in);
        /* address ownership (spec section 6 step 3), clients only */
        if (rt.kind != LP_ROUTE_DROP && p->role == LP_ROLE_CLIENT) {
            enum lp_reason a = client_addresses(r, p, frame, len, now);
            if (a != LP_REASON_NONE)
                rt.kind = LP_ROUTE_DROP, rt.reason = a;
        }
        if (rt.kind != LP_ROUTE_DROP && p->role == LP_ROLE_CLIENT &&
            is_dhcp_request(frame, len) &&
            !lp_tbucket_take(&p->rl_dhcp, 1, now))
            rt.kind = LP_ROUTE_DROP, rt.reason = LP_REASON_RATE_DHCP;
        /* 4. rate limits */
        if (rt.kind != LP_ROUTE_DROP && rt.limit == LP_LIMIT_BCAST &&
            !lp_tbucket_take(&p->rl_bcast, 1, now))
            rt.kind = LP_ROUTE_DROP, rt.reason = LP_REASON_RATE_BCAST;
        if (rt.kind != LP_ROUTE_DROP && rt.limit == LP_LIMIT_UNKNOWN &&
            !lp_tbucket_take(&p->rl_unknown, 1, now))
            rt.kind = LP_ROUTE_DROP, rt.reason = LP_REASON_RATE_UNKNOWN;
        if (rt.kind != LP_ROUTE_DROP && rt.limit_bytes &&
            !lp_tbucket_take(&p->rl_bytes, len, now))
            rt.kind = LP_ROUTE_DROP, rt.reason = LP_REASON_RATE_BYTES;
        if (rt.kind == LP_ROUTE_DROP) {
            relay_drop(r, p, frame, len, rt.reason, now);
            return;
        }
        multi = rt.kind == LP_ROUTE_FLOOD;
        one = rt.kind == LP_ROUTE_CLIENT    ? owner
              : rt.kind == LP_ROUTE_GATEWAY ? room->gateway
                                            : NULL;
    }
    if (p->role == LP_ROLE_GATEWAY) {
        lan_learn(room, src, now);
        lan_addresses(room, frame, len, now);
    }
    /* 6. egress */
    relay_egress(p, frame, len, multi, one, now);
}

/*
 * relay_fragment feeds a FRAG datagram from p to its reassembler and hands
 * a completed frame to relay_frame. A fragment p may not send (no "frag"),
 * that does not decode, or that contradicts or overflows its frame is a
 * malformed datagram (spec section 5) and counts towards p's threshold.
 */
static void relay_fragment(struct relay_peer *p, const uint8_t *d, size_t len,
                           lp_tstamp now)
{
    struct lp_relay *r = p->r;
    struct lp_frag f;
    struct lp_frag_result res;

    if (!p->frag || !p->rx_live || lp_frag_decode(&f, d, len) != 0 ||
        f.peer_id != 0) {
        relay_malformed(r, p, LP_REASON_MALFORMED, now);
        return;
    }
    (void)lp_frag_rx_feed(&p->rx, &f, now, &res);
    for (unsigned i = 0; i < res.expired; i++)
        relay_drop(r, p, NULL, 0, LP_REASON_FRAG_TIMEOUT, now);
    for (unsigned i = 0; i < res.evicted; i++)
        relay_drop(r, p, NULL, 0, LP_REASON_FRAG_EVICTED, now);
    if (res.status == LP_FRAG_DROPPED)
        relay_malformed(r, p, res.reason, now);
    else if (res.status == LP_FRAG_COMPLETE)
        relay_frame(p, res.frame, res.framelen, now);
}

static void relay_on_datagram(struct lp_qconn *c, const uint8_t *d, size_t len,
                              lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;
    struct lp_relay *r = p->r;
    struct lp_overlay ov;
    int kind;

    p->last_seen = now;
    p->ctr.datagrams_rx++;
    r->ctr.datagrams_rx++;
    if (!p->admitted || p->left || p->doomed || p->room == NULL) {
        lp_counters_drop(&r->ctr, LP_REASON_NOT_READY);
        return;
    }
    /* 1. budget (per datagram, before reassembly), then decode */
    if (len > p->budget) {
        relay_drop(r, p, NULL, 0, LP_REASON_DATAGRAM_BUDGET, now);
        return;
    }
    kind = lp_overlay_kind(d, len);
    if (kind == LP_OVERLAY_FRAG) {
        relay_fragment(p, d, len, now);
        return;
    }
    if (kind != LP_OVERLAY_WHOLE || lp_overlay_decode(&ov, d, len) != 0 ||
        ov.peer_id != 0) {
        relay_malformed(r, p, LP_REASON_MALFORMED, now);
        return;
    }
    relay_frame(p, ov.frame, ov.framelen, now);
}

static void relay_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;

    p->last_seen = now;
    if (!lp_qconn_peer_has_dgram(c) &&
        lp_ratelog_allow(&p->r->connlog[RELAY_LOG_NO_DATAGRAM], now, NULL))
        lp_logf(LP_LOG_INFO, "no_datagram",
                "%s did not advertise QUIC DATAGRAM support", p->remote);
}

static void relay_on_closed(struct lp_qconn *c, enum lp_qclose why,
                            uint64_t code, lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;
    struct lp_relay *r = p->r;
    const char *reason = "disconnect";
    struct lp_logbuf b;

    (void)now;
    if (why == LP_QC_IDLE || why == LP_QC_HANDSHAKE_TIMEOUT)
        reason = "timeout";
    else if (why == LP_QC_LOCAL && p->doom_reason != NULL)
        reason = p->doom_reason;
    if (lp_log_begin(&b, p->admitted ? LP_LOG_INFO : LP_LOG_DEBUG,
                     "conn_closed")) {
        lp_log_str(&b, "remote", p->remote);
        lp_log_u64(&b, "peer_id", p->peer_id);
        lp_log_str(&b, "why", lp_qclose_name(why));
        lp_log_u64(&b, "code", code);
        if (why == LP_QC_TLS)
            lp_log_u64(&b, "tls_alert", lp_qconn_tls_alert(c));
        lp_log_end(&b);
    }
    relay_leave(r, p, reason);
    if (p->doomed)
        peer_undoom(r, p);
    p->doomed = 1; /* never again */
    if (p->dec_live) {
        lp_ctrl_decoder_free(&p->dec);
        p->dec_live = 0;
    }
    lp_frag_rx_free(&p->rx);
    p->rx_live = 0;
}

/* A new connection gets its relay fields before its first packet. */
static void relay_on_new(struct lp_qconn *c, lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;
    struct lp_qserver *qs = c->owner;

    p->r =
        (struct lp_relay *)(void *)((char *)qs - offsetof(struct lp_relay, qs));
    p->last_seen = now;
    lp_ctrl_decoder_init(&p->dec);
    /* A hello is a few hundred bytes: a stranger may not make the relay
     * allocate for a 64 KiB frame (spec section 2). */
    lp_ctrl_decoder_limit(&p->dec, RELAY_HELLO_MAX);
    p->dec_live = 1;
    lp_sockaddr_format((const struct sockaddr *)&p->q.remote_addr, 1, p->remote,
                       sizeof(p->remote));
}

static void relay_on_path_changed(struct lp_qconn *c, lp_tstamp now)
{
    struct relay_peer *p = (struct relay_peer *)c;
    char old[sizeof(p->remote)];
    struct lp_logbuf b;
    uint64_t suppressed = 0;

    memcpy(old, p->remote, sizeof(old));
    lp_sockaddr_format((const struct sockaddr *)&p->q.remote_addr, 1, p->remote,
                       sizeof(p->remote));
    if (lp_ratelog_allow(&p->r->pathlog, now, &suppressed) &&
        lp_log_begin(&b, LP_LOG_INFO, "path_changed")) {
        if (p->room != NULL)
            lp_log_str(&b, "room", p->room->name);
        if (p->admitted)
            lp_log_u64(&b, "peer_id", p->peer_id);
        lp_log_str(&b, "from", old);
        lp_log_str(&b, "remote", p->remote);
        lp_log_u64(&b, "changes", p->q.path_changes);
        if (suppressed > 0)
            lp_log_u64(&b, "suppressed", suppressed);
        lp_log_end(&b);
    }
}

static const struct lp_qconn_ops relay_ops = {
    .on_path_changed = relay_on_path_changed,
    .on_new = relay_on_new,
    .on_handshake = relay_on_handshake,
    .on_ctrl = relay_on_ctrl,
    .on_datagram = relay_on_datagram,
    .on_closed = relay_on_closed,
};

static void relay_process_doomed(struct lp_relay *r, lp_tstamp now);

/* Whether the list still holds the credential p was admitted with. */
static int peer_cred_valid(const struct lp_roomlist *rl,
                           const struct relay_peer *p)
{
    const struct lp_room_def *room = lp_roomlist_find(rl, p->room->name);

    for (size_t i = 0; room != NULL && i < room->ncreds; i++)
        if (room->creds[i].role == p->role &&
            memcmp(room->creds[i].hash, p->cred_hash, 32) == 0)
            return 1;
    return 0;
}

size_t lp_relay_set_rooms(struct lp_relay *r, struct lp_roomlist *rl,
                          lp_tstamp now)
{
    size_t revoked = 0;

    lp_roomlist_free(&r->rooms_def);
    r->closed = rl != NULL;
    if (rl != NULL) {
        r->rooms_def = *rl;
        memset(rl, 0, sizeof(*rl));
    }
    if (!r->closed)
        return 0;
    for (size_t i = 0; i < r->qs.nconns; i++) {
        struct relay_peer *p = (struct relay_peer *)r->qs.heap[i];
        struct lp_msg d;
        if (p->r == NULL || !p->admitted || p->left || p->doomed ||
            (p->has_cred && peer_cred_valid(&r->rooms_def, p)))
            continue;
        memset(&d, 0, sizeof(d));
        d.type = LP_MSG_DISCONNECT;
        snprintf(d.u.disconnect.reason, sizeof(d.u.disconnect.reason),
                 "revoked");
        peer_send(p, &d);
        log_peer(LP_LOG_INFO, "revoked", p, "revoked");
        peer_doom(p, LP_APP_NO_ERROR, "revoked");
        revoked++;
    }
    r->revoked += revoked;
    relay_process_doomed(r, now);
    return revoked;
}

int lp_relay_init(struct lp_relay *r, const struct lp_relay_cfg *cfg,
                  struct lp_tls_server *tls, lp_qconn_send_fn send,
                  void *send_arg, lp_tstamp now)
{
    struct lp_qserver_cfg qc;
    int rv;

    memset(r, 0, sizeof(*r));
    r->cfg = *cfg;
    r->policy.extra_ethertypes = r->cfg.extra_ethertypes;
    r->policy.nextra = r->cfg.nextra_ethertypes;
    /* a buffer holds the largest whole datagram the relay queues: a frame
     * of the largest room MTU (fragments are always smaller) */
    rv = lp_pool_init(&r->pool, cfg->pool_slots,
                      LP_OVERLAY_HDR_LEN + LP_ETH_HDR_LEN +
                          (cfg->frag && cfg->frag_mtu > cfg->max_mtu
                               ? cfg->frag_mtu
                               : cfg->max_mtu));
    if (rv != 0)
        return rv;
    memset(&qc, 0, sizeof(qc));
    qc.tls = tls;
    qc.ops = &relay_ops;
    qc.pool = &r->pool;
    qc.dq_cap = cfg->queue_slots;
    qc.conn_size = sizeof(struct relay_peer);
    qc.max_conns = cfg->max_conns;
    qc.max_per_ip = cfg->max_per_ip;
    qc.retry_always = cfg->retry_always;
    qc.prefix_handshakes = cfg->rate_handshakes;
    qc.prefix_validated = 2 * cfg->rate_handshakes;
    qc.prefix_packets = cfg->rate_packets;
    qc.send = send;
    qc.send_arg = send_arg;
    rv = lp_qserver_init(&r->qs, &qc, now);
    if (rv != 0) {
        lp_pool_free(&r->pool);
        return rv;
    }
    lp_ratelog_init(&r->droplog, LP_SECONDS, 20);
    lp_ratelog_init(&r->pathlog, LP_SECONDS, 20);
    lp_ratelog_init(&r->spooflog, LP_SECONDS, 10);
    for (size_t i = 0; i < sizeof(r->connlog) / sizeof(r->connlog[0]); i++)
        lp_ratelog_init(&r->connlog[i], LP_SECONDS, 20);
    {
        uint64_t seed = 0;
        (void)lp_tls_random(&seed, sizeof(seed));
        lp_authfail_init(&r->authfail, seed);
    }
    r->next_tick = now + RELAY_TICK;
    lp_tbucket_init(&r->fanout, cfg->fanout_relay, cfg->fanout_relay / 10 + 64,
                    now);
    r->doomed =
        calloc(cfg->max_conns > 0 ? cfg->max_conns : 1, sizeof(*r->doomed));
    if (r->doomed == NULL) {
        lp_qserver_free(&r->qs);
        lp_pool_free(&r->pool);
        return LP_ERR_NOMEM;
    }
    return 0;
}

void lp_relay_free(struct lp_relay *r)
{
    r->shutting_down = 1;
    lp_qserver_free(&r->qs);
    while (r->rooms != NULL)
        room_free(r, r->rooms);
    lp_pool_free(&r->pool);
    lp_roomlist_free(&r->rooms_def);
    lp_authfail_free(&r->authfail);
    free(r->doomed);
    r->doomed = NULL;
    r->ndoomed = 0;
}

void lp_relay_recv(struct lp_relay *r, const ngtcp2_path *path,
                   const uint8_t *pkt, size_t len, lp_tstamp now)
{
    lp_qserver_recv(&r->qs, path, pkt, len, now);
}

static void relay_process_doomed(struct lp_relay *r, lp_tstamp now)
{
    /* Closing may report other closes that edit the list: pop one at a
     * time. */
    while (r->ndoomed > 0) {
        struct relay_peer *p = r->doomed[--r->ndoomed];
        relay_leave(r, p, p->doom_reason);
        if (p->doom_code == LP_APP_NO_ERROR)
            lp_qconn_close(&p->q, p->doom_code, now);
        else
            lp_qconn_close_now(&p->q, p->doom_code, now);
        lp_qserver_mark(&r->qs, &p->q);
    }
}

void lp_relay_flush(struct lp_relay *r, lp_tstamp now)
{
    relay_process_doomed(r, now);
    lp_qserver_flush(&r->qs, now);
}

static void relay_tick(struct lp_relay *r, lp_tstamp now)
{
    if (now >= r->next_sweep) {
        r->next_sweep = now + RELAY_SWEEP;
        for (struct relay_room *room = r->rooms; room != NULL;
             room = room->next)
            lp_addrtab_expire(&room->addrs, now);
    }
    /* Handshakes leave freed memory scattered between long-lived
     * connections; give it back to the system after churn. */
    if (r->qs.st.conns_created != r->trim_conns && now >= r->next_trim) {
        r->trim_conns = r->qs.st.conns_created;
        r->next_trim = now + 5 * LP_SECONDS;
        malloc_trim(0);
    }
    for (size_t i = 0; i < r->qs.nconns; i++) {
        struct relay_peer *p = (struct relay_peer *)r->qs.heap[i];
        if (p->r != NULL && p->room != NULL) {
            /* queues of receivers that stopped reading age out here */
            (void)lp_qconn_dgram_expire(&p->q, now);
            relay_count_stale(r, p);
            /* incomplete frames are forgotten after 100 ms (spec 5) */
            if (p->rx_live)
                for (unsigned n = lp_frag_rx_expire(&p->rx, now); n > 0; n--)
                    relay_drop(r, p, NULL, 0, LP_REASON_FRAG_TIMEOUT, now);
        }
        if (p->reject_at != 0 && now >= p->reject_at) {
            p->reject_at = 0;
            relay_reject(p, LP_REJECT_UNAUTHORIZED, LP_UNAUTHORIZED_MESSAGE,
                         now);
            lp_qserver_mark(&r->qs, &p->q);
            continue;
        }
        if (p->r == NULL || p->admitted || p->rejected ||
            !lp_qconn_is_open(&p->q))
            continue;
        if (now - p->q.handshake_ts >= r->cfg.hello_timeout) {
            if (lp_ratelog_allow(&r->connlog[RELAY_LOG_HELLO_TIMEOUT], now,
                                 NULL))
                lp_logf(LP_LOG_INFO, "hello_timeout",
                        "%s sent no hello within the timeout", p->remote);
            p->rejected = 1;
            lp_qconn_close_now(&p->q, LP_APP_HELLO_TIMEOUT, now);
            lp_qserver_mark(&r->qs, &p->q);
        }
    }
}

void lp_relay_timers(struct lp_relay *r, lp_tstamp now)
{
    if (now >= r->next_tick) {
        r->next_tick = now + RELAY_TICK;
        relay_tick(r, now);
    }
    relay_process_doomed(r, now);
    lp_qserver_timers(&r->qs, now);
    relay_process_doomed(r, now);
    lp_qserver_flush(&r->qs, now);
}

lp_tstamp lp_relay_next_expiry(const struct lp_relay *r)
{
    lp_tstamp t = lp_qserver_next_expiry(&r->qs);
    return t < r->next_tick ? t : r->next_tick;
}

void lp_relay_snapshot(struct lp_relay *r, lp_tstamp now)
{
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, "snapshot")) {
        lp_log_u64(&b, "rooms", r->nrooms);
        lp_log_u64(&b, "peers", r->npeers);
        lp_log_u64(&b, "connections", r->qs.nconns);
        lp_log_u64(&b, "pool_free", r->pool.nfree);
        lp_log_u64(&b, "retries", r->qs.st.retries);
        lp_log_u64(&b, "resets", r->qs.st.resets);
        lp_log_end(&b);
    }
    lp_counters_log(LP_LOG_INFO, "relay_counters", &r->ctr);
    for (struct relay_room *room = r->rooms; room != NULL; room = room->next) {
        if (lp_log_begin(&b, LP_LOG_INFO, "snapshot_room")) {
            lp_log_str(&b, "room", room->name);
            lp_log_u64(&b, "effective_mtu", room->mtu);
            lp_log_u64(&b, "peers", room->npeers);
            lp_log_u64(&b, "gateway_peer_id",
                       room->gateway ? room->gateway->peer_id : 0);
            lp_log_end(&b);
        }
        for (size_t i = 0; i < room->npeers; i++) {
            struct relay_peer *p = room->peers[i];
            if (!lp_log_begin(&b, LP_LOG_INFO, "snapshot_peer"))
                continue;
            lp_log_str(&b, "room", room->name);
            lp_log_u64(&b, "peer_id", p->peer_id);
            lp_log_str(&b, "role", lp_role_name(p->role));
            lp_log_mac(&b, "mac", p->mac);
            lp_log_str(&b, "remote", p->remote);
            lp_log_u64(&b, "datagram_budget", p->budget);
            lp_log_u64(&b, "last_seen_ms", (now - p->last_seen) / 1000000);
            lp_log_u64(&b, "rtt_us", lp_qconn_rtt(&p->q) / 1000);
            lp_log_u64(&b, "frames_rx", p->ctr.frames_rx);
            lp_log_u64(&b, "frames_tx", p->ctr.frames_tx);
            lp_log_u64(&b, "drops", lp_counters_total_drops(&p->ctr));
            lp_log_u64(&b, "queued", lp_qconn_dgram_queued(&p->q));
            if (p->has_stats) {
                lp_log_u64(&b, "peer_frames_tx", p->st_frames_tx);
                lp_log_u64(&b, "peer_frames_rx", p->st_frames_rx);
                lp_log_u64(&b, "peer_datagrams_tx", p->st_dgrams_tx);
                lp_log_u64(&b, "peer_datagrams_rx", p->st_dgrams_rx);
                lp_log_u64(&b, "peer_drops", p->st_drops);
                lp_log_u64(&b, "stats_age_ms", (now - p->stats_at) / 1000000);
            }
            lp_log_end(&b);
        }
    }
}

void lp_relay_shutdown(struct lp_relay *r, lp_tstamp now)
{
    struct lp_msg m;

    r->shutting_down = 1;
    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_DISCONNECT;
    snprintf(m.u.disconnect.reason, sizeof(m.u.disconnect.reason),
             "relay_shutdown");
    for (size_t i = 0; i < r->qs.nconns; i++) {
        struct relay_peer *p = (struct relay_peer *)r->qs.heap[i];
        if (lp_qconn_is_closing(&p->q) || p->q.state == LP_QS_CLOSE_PENDING)
            continue;
        if (lp_qconn_ctrl_ready(&p->q))
            peer_send(p, &m);
        lp_qconn_close(&p->q, LP_APP_RELAY_SHUTDOWN, now);
        lp_qserver_mark(&r->qs, &p->q);
    }
    lp_qserver_flush(&r->qs, now);
}

int lp_relay_done(const struct lp_relay *r)
{
    return r->qs.nconns == 0;
}

int lp_relay_peer_info(const struct lp_qconn *c, const char **room,
                       uint16_t *peer_id)
{
    const struct relay_peer *p = (const struct relay_peer *)c;

    if (p->r == NULL || !p->admitted || p->left || p->room == NULL)
        return 0;
    *room = p->room->name;
    *peer_id = p->peer_id;
    return 1;
}

const struct relay_room *lp_relay_room_next(const struct lp_relay *r,
                                            const struct relay_room *prev)
{
    return prev == NULL ? r->rooms : prev->next;
}

void lp_relay_room_view(const struct relay_room *room,
                        struct lp_relay_room_view *v)
{
    memset(v, 0, sizeof(*v));
    v->name = room->name;
    v->mtu = room->mtu;
    v->frag = room->frag;
    v->npeers = room->npeers;
    v->gateway_id = room->gateway != NULL ? room->gateway->peer_id : 0;
    v->lan_macs = room->lan.count;
    v->addr_spoofs = room->addrs.spoofs;
    v->addr_limits = room->addrs.limits;
    v->gone = &room->gone;
}

void lp_relay_peer_view(const struct relay_room *room, size_t i,
                        struct lp_relay_peer_view *v)
{
    const struct relay_peer *p = room->peers[i];
    ngtcp2_conn_stat st;

    memset(v, 0, sizeof(*v));
    v->peer_id = p->peer_id;
    v->role = p->role;
    v->label = p->label;
    v->software = p->software;
    v->remote = p->remote;
    memcpy(v->mac, p->mac, sizeof(v->mac));
    v->budget = p->budget;
    v->frag = p->frag;
    v->joined_at = p->joined_at;
    v->last_seen = p->last_seen;
    if (p->q.conn != NULL) {
        ngtcp2_conn_get_conn_stat(p->q.conn, &st);
        if (st.first_rtt_sample_ts != UINT64_MAX) {
            v->rtt_smoothed = st.smoothed_rtt;
            v->rtt_min = st.min_rtt;
            v->rtt_latest = st.latest_rtt;
            v->rtt_var = st.rttvar;
        }
        v->cwnd = st.cwnd;
        v->bytes_in_flight = st.bytes_in_flight;
        v->pto_count = st.pto_count;
    }
    v->queued = lp_qconn_dgram_queued(&p->q);
    v->ctr = &p->ctr;
    v->has_stats = p->has_stats;
    v->stats_at = p->stats_at;
    v->st_frames_tx = p->st_frames_tx;
    v->st_frames_rx = p->st_frames_rx;
    v->st_dgrams_tx = p->st_dgrams_tx;
    v->st_dgrams_rx = p->st_dgrams_rx;
    v->st_drops = p->st_drops;
    v->st_relay_dgrams_tx = p->st_relay_dgrams_tx;
    v->st_relay_dgrams_rx = p->st_relay_dgrams_rx;
}

struct room_addrs_arg {
    lp_relay_addr_fn fn;
    void *arg;
};

static void room_addrs_one(void *arg, int family, const uint8_t *a,
                           uint64_t owner, int kind)
{
    struct room_addrs_arg *ra = arg;

    ra->fn(ra->arg, family, a, owner, (enum lp_relay_addr_kind)kind);
}

void lp_relay_room_addrs(const struct relay_room *room, lp_relay_addr_fn fn,
                         void *arg)
{
    struct room_addrs_arg ra = {fn, arg};

    lp_addrtab_each(&room->addrs, room_addrs_one, &ra);
}

int lp_relay_kick(struct lp_relay *r, const char *room, uint16_t peer_id,
                  lp_tstamp now)
{
    /* static: the doomed list keeps the pointer */
    static const char reason[] = "kicked";
    struct relay_room *rm = room_find(r, room);
    struct relay_peer *p = NULL;
    struct lp_msg d;

    for (size_t i = 0; rm != NULL && i < rm->npeers; i++)
        if (rm->peers[i]->peer_id == peer_id)
            p = rm->peers[i];
    if (p == NULL || p->left || p->doomed || lp_qconn_is_closing(&p->q))
        return LP_ERR_INVAL;
    memset(&d, 0, sizeof(d));
    d.type = LP_MSG_DISCONNECT;
    snprintf(d.u.disconnect.reason, sizeof(d.u.disconnect.reason), "%s",
             reason);
    peer_send(p, &d);
    log_peer(LP_LOG_INFO, "kicked", p, reason);
    /* relay_leave (through the doomed list) tells the others peer_left
     * with the same reason; NO_ERROR lets the disconnect go out first */
    peer_doom(p, LP_APP_NO_ERROR, reason);
    relay_process_doomed(r, now);
    lp_qserver_flush(&r->qs, now);
    return 0;
}
