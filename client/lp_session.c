/* lp_session: the endpoint protocol session; see lp_session.h. */
#include "lp_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_log.h"
#include "lp_overlay.h"
#include "lp_policy.h"

#define SESSION_DQ 1024

const char *lp_session_state_name(enum lp_session_state st)
{
    switch (st) {
    case LP_SS_CONNECTING:
        return "connecting";
    case LP_SS_SETTLING:
        return "settling";
    case LP_SS_HELLO_SENT:
        return "hello_sent";
    case LP_SS_READY:
        return "ready";
    case LP_SS_CLOSED:
        return "closed";
    }
    return "unknown";
}

static void session_send_msg(struct lp_session *s, const struct lp_msg *m)
{
    ssize_t n = lp_ctrl_encode(s->ctrl_buf, sizeof(s->ctrl_buf), m);

    if (n > 0)
        (void)lp_qconn_send_ctrl(&s->q, s->ctrl_buf, (size_t)n);
}

const struct lp_session_peer *lp_session_peer(const struct lp_session *s,
                                              uint16_t peer_id)
{
    for (size_t i = 0; i < s->npeers; i++)
        if (s->peers[i].peer_id == peer_id)
            return &s->peers[i];
    return NULL;
}

const struct lp_session_peer *
lp_session_client_by_mac(const struct lp_session *s, const uint8_t *mac)
{
    for (size_t i = 0; i < s->npeers; i++)
        if (s->peers[i].role == LP_ROLE_CLIENT &&
            memcmp(s->peers[i].mac, mac, LP_MAC_LEN) == 0)
            return &s->peers[i];
    return NULL;
}

static void session_peer_add(struct lp_session *s, const struct lp_msg_peer *m)
{
    struct lp_session_peer *p =
        (struct lp_session_peer *)lp_session_peer(s, m->peer_id);

    if (p == NULL) {
        if (s->npeers == s->peers_cap) {
            size_t cap = s->peers_cap ? s->peers_cap * 2 : 16;
            struct lp_session_peer *np;
            if (cap > LP_SESSION_MAX_PEERS)
                return;
            np = realloc(s->peers, cap * sizeof(*np));
            if (np == NULL)
                return;
            s->peers = np;
            s->peers_cap = cap;
        }
        p = &s->peers[s->npeers++];
        p->rx = NULL;
    }
    p->peer_id = m->peer_id;
    p->role = m->role;
    memcpy(p->mac, m->mac, LP_MAC_LEN);
    /* the decoder checked it: printable ASCII, bounded */
    snprintf(p->label, sizeof(p->label), "%s", m->label);
}

/* session_peer_rx_free releases p's reassembler, if any. */
static void session_peer_rx_free(struct lp_session_peer *p)
{
    if (p->rx != NULL) {
        lp_frag_rx_free(p->rx);
        free(p->rx);
        p->rx = NULL;
    }
}

static void session_peer_remove(struct lp_session *s, uint16_t peer_id)
{
    for (size_t i = 0; i < s->npeers; i++) {
        if (s->peers[i].peer_id == peer_id) {
            session_peer_rx_free(&s->peers[i]);
            s->peers[i] = s->peers[--s->npeers];
            return;
        }
    }
}

static void session_hello(struct lp_session *s)
{
    struct lp_msg m;
    size_t budget = lp_qconn_max_dgram(&s->q);

    if (budget > 65535)
        budget = 65535;
    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_HELLO;
    m.u.hello.version = 1;
    m.u.hello.role = s->cfg.role;
    snprintf(m.u.hello.room, sizeof(m.u.hello.room), "%s", s->cfg.room);
    memcpy(m.u.hello.mac, s->cfg.mac, LP_MAC_LEN);
    m.u.hello.datagram_budget = (uint16_t)budget;
    if (s->cfg.software != NULL) {
        m.u.hello.has_software = 1;
        snprintf(m.u.hello.software, sizeof(m.u.hello.software), "%s",
                 s->cfg.software);
    }
    if (s->cfg.auth != NULL) {
        m.u.hello.has_auth = 1;
        snprintf(m.u.hello.auth, sizeof(m.u.hello.auth), "%s", s->cfg.auth);
    }
    if (s->cfg.resume != NULL) {
        m.u.hello.has_resume = 1;
        memcpy(m.u.hello.resume, s->cfg.resume, sizeof(m.u.hello.resume));
    }
    m.u.hello.features = s->cfg.features;
    s->budget = (uint16_t)budget;
    s->hello_pmtud_done = lp_qconn_pmtud_done(&s->q);
    session_send_msg(s, &m);
    s->state = LP_SS_HELLO_SENT;
    {
        struct lp_logbuf b;
        if (lp_log_begin(&b, LP_LOG_INFO, "hello_sent")) {
            lp_log_str(&b, "room", s->cfg.room);
            lp_log_str(&b, "role", lp_role_name(s->cfg.role));
            lp_log_mac(&b, "mac", s->cfg.mac);
            lp_log_u64(&b, "datagram_budget", budget);
            lp_log_u64(&b, "pmtud_done", (uint64_t)lp_qconn_pmtud_done(&s->q));
            lp_log_end(&b);
        }
    }
}

static void session_stats(struct lp_session *s)
{
    struct lp_msg *m = &s->msg_tx;

    memset(m, 0, sizeof(*m));
    m->type = LP_MSG_STATS;
    lp_counters_to_stats(&s->ctr, &m->u.stats);
    session_send_msg(s, m);
}

/*
 * How long the hello waits for PMTUD: cfg.pmtud_wait (1 s by default), or
 * 8 probe timeouts on a slow or lossy path where probes take longer (a
 * probe is tried up to 3 times, each lost one costing about a PTO), at most
 * 5 s. Sending early with a half-measured budget gets a final
 * datagram_budget_too_small from a room whose MTU needs more.
 */
static lp_tstamp session_pmtud_wait(const struct lp_session *s)
{
    lp_tstamp w = 8 * lp_qconn_pto(&s->q);

    if (w < s->cfg.pmtud_wait)
        w = s->cfg.pmtud_wait;
    if (w > 5 * LP_SECONDS)
        w = 5 * LP_SECONDS > s->cfg.pmtud_wait ? 5 * LP_SECONDS
                                               : s->cfg.pmtud_wait;
    return w;
}

/* session_frag_expire forgets incomplete frames 100 ms old (spec 5). */
static void session_frag_expire(struct lp_session *s, lp_tstamp now)
{
    for (size_t i = 0; i < s->npeers; i++)
        if (s->peers[i].rx != NULL)
            for (unsigned n = lp_frag_rx_expire(s->peers[i].rx, now); n > 0;
                 n--)
                lp_counters_drop(&s->ctr, LP_REASON_FRAG_TIMEOUT);
}

static void session_tick(struct lp_session *s, lp_tstamp now)
{
    session_frag_expire(s, now);
    if (s->state == LP_SS_SETTLING &&
        (lp_qconn_pmtud_done(&s->q) ||
         now - s->handshake_at >= session_pmtud_wait(s)))
        session_hello(s);
    if (s->state == LP_SS_READY && s->cfg.stats_interval > 0 &&
        now >= s->next_stats) {
        s->next_stats = now + s->cfg.stats_interval;
        session_stats(s);
    }
}

static void session_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    struct lp_session *s = (struct lp_session *)c;

    s->state = LP_SS_SETTLING;
    s->handshake_at = now;
}

static void session_log_welcome(const struct lp_session *s,
                                const struct lp_msg_welcome *w)
{
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, "welcome")) {
        lp_log_str(&b, "room", s->cfg.room);
        lp_log_u64(&b, "peer_id", w->peer_id);
        lp_log_u64(&b, "effective_mtu", w->effective_mtu);
        lp_log_u64(&b, "datagram_budget", s->budget);
        lp_log_str(&b, "frag", s->frag ? "true" : "false");
        lp_log_str(&b, "gateway_present",
                   w->gateway_present ? "true" : "false");
        if (w->gateway_present)
            lp_log_u64(&b, "gateway_peer_id", w->gateway_peer_id);
        lp_log_end(&b);
    }
    if (w->effective_mtu < 1280)
        lp_logf(LP_LOG_WARN, "small_mtu",
                "the room's MTU %u is below 1280: IPv6 will not work on the "
                "adapter",
                w->effective_mtu);
}

static void session_log_peer(const char *event, const struct lp_session_peer *p,
                             const char *reason)
{
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, event)) {
        lp_log_u64(&b, "peer_id", p->peer_id);
        lp_log_str(&b, "role", lp_role_name(p->role));
        lp_log_mac(&b, "mac", p->mac);
        if (p->label[0] != '\0')
            lp_log_str(&b, "label", p->label); /* escaped by lp_log */
        if (reason != NULL)
            lp_log_str(&b, "reason", reason);
        lp_log_end(&b);
    }
}

static int session_handle(struct lp_session *s, const struct lp_msg *m,
                          lp_tstamp now)
{
    const struct lp_session_peer *p;
    struct lp_session_peer tmp;

    switch (m->type) {
    case LP_MSG_WELCOME:
        if (s->state != LP_SS_HELLO_SENT)
            return -1;
        s->peer_id = m->u.welcome.peer_id;
        s->mtu = m->u.welcome.effective_mtu;
        s->frag = (s->cfg.features & LP_FEAT_FRAG) &&
                  (m->u.welcome.features & LP_FEAT_FRAG);
        s->gateway_present = m->u.welcome.gateway_present;
        s->gateway_peer_id = m->u.welcome.gateway_peer_id;
        s->state = LP_SS_READY;
        s->next_stats = now + s->cfg.stats_interval;
        session_log_welcome(s, &m->u.welcome);
        if (s->ops->on_welcome != NULL)
            s->ops->on_welcome(s, &m->u.welcome, now);
        return 0;
    case LP_MSG_REJECT:
        if (s->state != LP_SS_HELLO_SENT)
            return -1;
        lp_logf(LP_LOG_ERROR, "rejected",
                "the relay refused to join room %s: %s (%s)", s->cfg.room,
                m->u.reject.message, lp_reject_name(m->u.reject.reason));
        if (s->ops->on_reject != NULL)
            s->ops->on_reject(s, &m->u.reject, now);
        return 0;
    case LP_MSG_PEER_JOINED:
        if (s->state != LP_SS_READY)
            return -1;
        session_peer_add(s, &m->u.peer);
        if (m->u.peer.role == LP_ROLE_GATEWAY) {
            s->gateway_present = 1;
            s->gateway_peer_id = m->u.peer.peer_id;
        }
        p = lp_session_peer(s, m->u.peer.peer_id);
        if (p != NULL) {
            session_log_peer("peer_joined", p, NULL);
            if (p->label[0] != '\0')
                lp_logf(LP_LOG_INFO, "status", "%s joined (%s)", p->label,
                        lp_role_name(p->role));
        }
        if (p != NULL && s->ops->on_peer_joined != NULL)
            s->ops->on_peer_joined(s, p, now);
        return 0;
    case LP_MSG_PEER_LEFT:
        if (s->state != LP_SS_READY)
            return -1;
        p = lp_session_peer(s, m->u.peer.peer_id);
        if (p != NULL) {
            tmp = *p;
            tmp.rx = NULL; /* freed below */
        } else {
            tmp.peer_id = m->u.peer.peer_id;
            tmp.role = m->u.peer.role;
            memcpy(tmp.mac, m->u.peer.mac, LP_MAC_LEN);
            tmp.label[0] = '\0';
            tmp.rx = NULL;
        }
        session_peer_remove(s, tmp.peer_id);
        if (tmp.peer_id == s->gateway_peer_id) {
            s->gateway_present = 0;
            s->gateway_peer_id = 0;
        }
        session_log_peer("peer_left", &tmp, m->u.peer.reason);
        if (tmp.role == LP_ROLE_GATEWAY)
            lp_logf(LP_LOG_WARN, "gateway_left",
                    "the LAN gateway left the room (%s)", m->u.peer.reason);
        if (s->ops->on_peer_left != NULL)
            s->ops->on_peer_left(s, &tmp, m->u.peer.reason, now);
        return 0;
    case LP_MSG_DISCONNECT:
        snprintf(s->disconnect_reason, sizeof(s->disconnect_reason), "%s",
                 m->u.disconnect.reason);
        lp_logf(LP_LOG_WARN, "relay_disconnect", "the relay said goodbye: %s",
                m->u.disconnect.reason);
        if (s->ops->on_disconnect != NULL)
            s->ops->on_disconnect(s, m->u.disconnect.reason, now);
        return 0;
    case LP_MSG_UNKNOWN:
        s->ctr.ctrl_unknown++;
        return 0;
    default:
        return -1; /* hello or stats from the relay */
    }
}

static int session_on_ctrl(struct lp_qconn *c, const uint8_t *data, size_t len,
                           lp_tstamp now)
{
    struct lp_session *s = (struct lp_session *)c;
    struct lp_msg *m = &s->msg_rx;
    struct lp_ctrl_err err;

    while (len > 0) {
        int rv = lp_ctrl_decoder_next(&s->dec, &data, &len, m, &err);

        if (rv < 0) {
            lp_logf(LP_LOG_WARN, "protocol_violation",
                    "bad control message from the relay: %s", err.message);
            return -1;
        }
        if (rv == 0)
            break;
        if (session_handle(s, m, now) != 0) {
            lp_logf(LP_LOG_WARN, "protocol_violation",
                    "unexpected '%s' from the relay in state %s",
                    lp_msg_type_name(m->type), lp_session_state_name(s->state));
            return -1;
        }
    }
    return 0;
}

static void session_drop(struct lp_session *s, const char *dir,
                         uint16_t peer_id, const uint8_t *frame, size_t len,
                         enum lp_reason why)
{
    struct lp_framelog f;
    enum lp_log_level lvl = LP_LOG_DEBUG;

    lp_counters_drop(&s->ctr, why);
    /* LAN unicast for other LAN hosts (gateway) and unicast for other
     * players (client) are normal traffic, not worth a line below debug;
     * every other drop is logged, at most 20 lines a second. */
    if (lp_log_get_level() < LP_LOG_DEBUG &&
        (why == LP_REASON_UNKNOWN_UNICAST || why == LP_REASON_NOT_FOR_US))
        return;
    if (!lp_droplog_level(&s->droplog, s->q.now, &lvl))
        return;
    memset(&f, 0, sizeof(f));
    f.dir = dir;
    f.room = s->cfg.room;
    f.peer_id = peer_id;
    f.frame = frame;
    f.len = len;
    f.action = lp_reason_action(why);
    f.reason = why;
    lp_framelog_emit(lvl, &f);
}

/*
 * session_frame handles one whole frame from peer_id, whether it came
 * whole or was reassembled (borrowed for the call): size, sender, policy,
 * then ops->on_frame.
 */
static void session_frame(struct lp_session *s, uint16_t peer_id,
                          const uint8_t *frame, size_t framelen, lp_tstamp now)
{
    const char *dir =
        s->cfg.role == LP_ROLE_GATEWAY ? "relay_to_lan" : "relay_to_tap";
    const struct lp_session_peer *p;
    enum lp_reason why;
    enum lp_origin origin;

    s->ctr.frames_rx++;
    s->ctr.bytes_rx += framelen;
    if (framelen - LP_ETH_HDR_LEN > s->mtu) {
        session_drop(s, dir, peer_id, frame, framelen, LP_REASON_OVER_MTU);
        return;
    }
    p = lp_session_peer(s, peer_id);
    if (s->cfg.role == LP_ROLE_GATEWAY) {
        /* Only announced clients, each with its own MAC, reach the LAN. */
        if (p == NULL || p->role != LP_ROLE_CLIENT) {
            session_drop(s, dir, peer_id, frame, framelen,
                         LP_REASON_UNKNOWN_PEER);
            return;
        }
        if (memcmp(frame + 6, p->mac, LP_MAC_LEN) != 0) {
            session_drop(s, dir, peer_id, frame, framelen,
                         LP_REASON_SOURCE_MAC);
            return;
        }
        origin = LP_ORIGIN_CLIENT;
    } else {
        origin = (s->gateway_present && peer_id == s->gateway_peer_id)
                     ? LP_ORIGIN_LAN
                     : LP_ORIGIN_CLIENT;
        if (!lp_mac_is_multicast(frame) &&
            memcmp(frame, s->cfg.mac, LP_MAC_LEN) != 0) {
            session_drop(s, dir, peer_id, frame, framelen,
                         LP_REASON_NOT_FOR_US);
            return;
        }
    }
    why = lp_policy_check_cfg(frame, framelen, origin, &s->policy);
    if (why != LP_REASON_NONE) {
        session_drop(s, dir, peer_id, frame, framelen, why);
        return;
    }
    if (lp_mac_is_multicast(frame)) {
        s->bcast_rx++;
        s->last_bcast_rx = now;
    }
    if (lp_log_get_level() >= LP_LOG_DEBUG) {
        struct lp_framelog f;
        memset(&f, 0, sizeof(f));
        f.dir = dir;
        f.room = s->cfg.room;
        f.peer_id = peer_id;
        f.frame = frame;
        f.len = framelen;
        f.action = LP_ACTION_FORWARDED;
        f.targets = 1;
        lp_framelog_emit(LP_LOG_DEBUG, &f);
    }
    if (s->ops->on_frame != NULL)
        s->ops->on_frame(s, peer_id, frame, framelen, now);
}

/*
 * session_fragment reassembles a FRAG datagram with its sender's
 * reassembler (allocated on the sender's first fragment: at most one per
 * announced peer) and hands a completed frame to session_frame.
 */
static void session_fragment(struct lp_session *s, const uint8_t *d, size_t len,
                             lp_tstamp now)
{
    const char *dir =
        s->cfg.role == LP_ROLE_GATEWAY ? "relay_to_lan" : "relay_to_tap";
    struct lp_session_peer *p;
    struct lp_frag f;
    struct lp_frag_result res;

    if (!s->frag || lp_frag_decode(&f, d, len) != 0 || f.peer_id == 0) {
        session_drop(s, dir, 0, NULL, 0, LP_REASON_MALFORMED);
        return;
    }
    p = (struct lp_session_peer *)lp_session_peer(s, f.peer_id);
    if (p == NULL) {
        session_drop(s, dir, f.peer_id, NULL, 0, LP_REASON_UNKNOWN_PEER);
        return;
    }
    if (p->rx == NULL) {
        p->rx = calloc(1, sizeof(*p->rx));
        if (p->rx == NULL ||
            lp_frag_rx_init(p->rx, (size_t)s->mtu + LP_ETH_HDR_LEN) != 0) {
            free(p->rx);
            p->rx = NULL;
            session_drop(s, dir, f.peer_id, NULL, 0, LP_REASON_QUEUE_FULL);
            return;
        }
    }
    (void)lp_frag_rx_feed(p->rx, &f, now, &res);
    for (unsigned i = 0; i < res.expired; i++)
        session_drop(s, dir, f.peer_id, NULL, 0, LP_REASON_FRAG_TIMEOUT);
    for (unsigned i = 0; i < res.evicted; i++)
        session_drop(s, dir, f.peer_id, NULL, 0, LP_REASON_FRAG_EVICTED);
    if (res.status == LP_FRAG_DROPPED) {
        session_drop(s, dir, f.peer_id, NULL, 0, res.reason);
    } else if (res.status == LP_FRAG_COMPLETE) {
        session_frame(s, f.peer_id, res.frame, res.framelen, now);
    }
}

static void session_on_datagram(struct lp_qconn *c, const uint8_t *d,
                                size_t len, lp_tstamp now)
{
    struct lp_session *s = (struct lp_session *)c;
    const char *dir =
        s->cfg.role == LP_ROLE_GATEWAY ? "relay_to_lan" : "relay_to_tap";
    struct lp_overlay ov;
    int kind;

    s->ctr.datagrams_rx++;
    if (s->state != LP_SS_READY) {
        lp_counters_drop(&s->ctr, LP_REASON_NOT_READY);
        return;
    }
    kind = lp_overlay_kind(d, len);
    if (kind == LP_OVERLAY_FRAG) {
        session_fragment(s, d, len, now);
        return;
    }
    if (kind != LP_OVERLAY_WHOLE || lp_overlay_decode(&ov, d, len) != 0 ||
        ov.peer_id == 0) {
        session_drop(s, dir, 0, NULL, 0, LP_REASON_MALFORMED);
        return;
    }
    session_frame(s, ov.peer_id, ov.frame, ov.framelen, now);
}

static void session_on_closed(struct lp_qconn *c, enum lp_qclose why,
                              uint64_t code, lp_tstamp now)
{
    struct lp_session *s = (struct lp_session *)c;
    struct lp_logbuf b;

    s->state = LP_SS_CLOSED;
    if (lp_log_begin(&b,
                     why == LP_QC_LOCAL || s->closed_by_us ? LP_LOG_INFO
                                                           : LP_LOG_WARN,
                     "relay_connection_closed")) {
        lp_log_str(&b, "why", lp_qclose_name(why));
        lp_log_str(&b, "code", lp_app_error_name(code));
        if (why == LP_QC_TLS)
            lp_log_u64(&b, "tls_alert", lp_qconn_tls_alert(c));
        lp_log_end(&b);
    }
    if (s->ops->on_closed != NULL)
        s->ops->on_closed(s, why, code, now);
}

static const struct lp_qconn_ops session_qops = {
    .on_handshake = session_on_handshake,
    .on_ctrl = session_on_ctrl,
    .on_datagram = session_on_datagram,
    .on_closed = session_on_closed,
};

int lp_session_start(struct lp_session *s, const struct lp_session_cfg *cfg,
                     const struct lp_session_ops *ops, void *app,
                     struct lp_tls_client *tls, const struct sockaddr *local,
                     socklen_t locallen, const struct sockaddr *remote,
                     socklen_t remotelen, struct lp_pool *pool, lp_tstamp now)
{
    int rv;

    rv = lp_qconn_client_new(&s->q, tls, local, locallen, remote, remotelen,
                             &session_qops, pool, SESSION_DQ, 0, now);
    if (rv != 0)
        return rv;
    /* lp_qconn_client_new zeroed only the lp_qconn part. */
    memset((char *)s + sizeof(s->q), 0, sizeof(*s) - sizeof(s->q));
    s->cfg = *cfg;
    s->policy.extra_ethertypes = s->cfg.extra_ethertypes;
    s->policy.nextra = s->cfg.nextra_ethertypes;
    if (s->cfg.pmtud_wait == 0)
        s->cfg.pmtud_wait = LP_SECONDS;
    s->ops = ops;
    s->app = app;
    s->state = LP_SS_CONNECTING;
    lp_ctrl_decoder_init(&s->dec);
    lp_ratelog_init(&s->droplog, LP_SECONDS, 20);
    return 0;
}

void lp_session_free(struct lp_session *s)
{
    if (s == NULL)
        return;
    lp_qconn_free(&s->q);
    lp_ctrl_decoder_free(&s->dec);
    for (size_t i = 0; i < s->npeers; i++)
        session_peer_rx_free(&s->peers[i]);
    free(s->peers);
    s->peers = NULL;
    s->npeers = s->peers_cap = 0;
}

void lp_session_read(struct lp_session *s, const uint8_t *pkt, size_t len,
                     lp_tstamp now)
{
    lp_qconn_read(&s->q, &s->q.path, pkt, len, now);
}

int lp_session_flush(struct lp_session *s, lp_tstamp now, uint8_t *buf,
                     size_t cap, lp_qconn_send_fn send, void *arg)
{
    session_tick(s, now);
    return lp_qconn_flush(&s->q, now, buf, cap, send, arg);
}

lp_tstamp lp_session_expiry(const struct lp_session *s)
{
    lp_tstamp t = lp_qconn_expiry(&s->q);

    if (s->state == LP_SS_SETTLING) {
        /* Poll PMTUD every 10 ms until the wait ends. */
        lp_tstamp w = s->handshake_at + session_pmtud_wait(s);
        lp_tstamp poll = s->q.now + 10 * LP_MILLISECONDS;
        if (poll < w)
            w = poll;
        if (w < t)
            t = w;
    }
    if (s->state == LP_SS_READY && s->cfg.stats_interval > 0 &&
        s->next_stats < t)
        t = s->next_stats;
    for (size_t i = 0; i < s->npeers; i++) {
        if (s->peers[i].rx != NULL) {
            lp_tstamp e = lp_frag_rx_next_expiry(s->peers[i].rx);
            if (e < t)
                t = e;
        }
    }
    return t;
}

void lp_session_handle_expiry(struct lp_session *s, lp_tstamp now)
{
    lp_qconn_handle_expiry(&s->q, now);
    session_tick(s, now);
    s->q.now = now;
}

/*
 * session_queue_frame queues frame whole, or in fragments when it does not
 * fit cap (what the connection can send now, and our budget): all of its
 * datagrams, or none. Returns LP_REASON_NONE or why it was not queued.
 */
static enum lp_reason session_queue_frame(struct lp_session *s,
                                          const uint8_t *frame, size_t len,
                                          size_t cap, unsigned *ndgrams)
{
    struct lp_pool *pool = lp_qconn_pool(&s->q);
    struct lp_frag_plan plan;
    uint16_t id = 0;

    if (lp_frag_plan(&plan, len, cap) != 0 || (plan.count > 1 && !s->frag))
        return LP_REASON_DATAGRAM_BUDGET;
    if (lp_qconn_dgram_queued(&s->q) + plan.count > lp_qconn_dgram_cap(&s->q) ||
        pool->nfree < plan.count)
        return LP_REASON_QUEUE_FULL;
    if (plan.count > 1)
        id = s->frag_next_id++;
    for (unsigned i = 0; i < plan.count; i++) {
        struct lp_pbuf *b = lp_pool_get(pool);
        ssize_t n;
        int rv = -1;

        if (b == NULL)
            return LP_REASON_QUEUE_FULL; /* cannot happen: nfree checked */
        n = lp_frag_write(b->data, pool->data_size, &plan, i, 0, id, frame);
        if (n > 0) {
            b->len = (uint32_t)n;
            /* a small whole frame goes ahead of bulk (lp_eth.h) */
            rv = plan.count == 1 && lp_frame_is_express(len)
                     ? lp_qconn_queue_dgram_express(&s->q, b)
                     : lp_qconn_queue_dgram(&s->q, b);
        }
        lp_pool_put(pool, b);
        if (rv != 0)
            return LP_REASON_QUEUE_FULL; /* the receiver times out the rest */
    }
    *ndgrams = plan.count;
    return LP_REASON_NONE;
}

enum lp_reason lp_session_send_frame(struct lp_session *s, const uint8_t *frame,
                                     size_t len, lp_tstamp now)
{
    const char *dir =
        s->cfg.role == LP_ROLE_GATEWAY ? "lan_to_relay" : "tap_to_relay";
    enum lp_reason why = LP_REASON_NONE;
    size_t cap = lp_qconn_max_dgram(&s->q);
    unsigned ndgrams = 0;

    (void)now;
    if (s->state != LP_SS_READY) {
        lp_counters_drop(&s->ctr, LP_REASON_NOT_READY);
        return LP_REASON_NOT_READY;
    }
    /* what the relay accepts (our budget) and what the path carries now */
    if (cap > s->budget)
        cap = s->budget;
    if (len < LP_ETH_HDR_LEN) {
        why = LP_REASON_RUNT;
    } else if (len - LP_ETH_HDR_LEN > s->mtu) {
        why =
            len - LP_ETH_HDR_LEN > 1500 ? LP_REASON_JUMBO : LP_REASON_OVER_MTU;
    } else if (!s->frag && !lp_frame_fits_budget(len, cap)) {
        why = LP_REASON_DATAGRAM_BUDGET;
    } else if (s->cfg.role == LP_ROLE_CLIENT) {
        if (memcmp(frame + 6, s->cfg.mac, LP_MAC_LEN) != 0)
            why = LP_REASON_SOURCE_MAC;
    } else {
        if (!lp_mac_valid_gateway(frame + 6) ||
            lp_session_client_by_mac(s, frame + 6) != NULL)
            why = LP_REASON_SOURCE_MAC;
        else if (!lp_mac_is_multicast(frame) &&
                 lp_session_client_by_mac(s, frame) == NULL)
            why = LP_REASON_UNKNOWN_UNICAST;
    }
    if (why == LP_REASON_NONE)
        why = lp_policy_check_cfg(
            frame, len,
            s->cfg.role == LP_ROLE_CLIENT ? LP_ORIGIN_CLIENT : LP_ORIGIN_LAN,
            &s->policy);
    if (why == LP_REASON_NONE)
        why = session_queue_frame(s, frame, len, cap, &ndgrams);
    if (why != LP_REASON_NONE) {
        /* LAN unicast for other LAN hosts is the normal case on a gateway:
         * counted, logged only at debug like every other drop. */
        session_drop(s, dir, s->peer_id, frame, len, why);
        return why;
    }
    s->ctr.frames_tx++;
    s->ctr.datagrams_tx += ndgrams;
    s->ctr.bytes_tx += len;
    if (lp_mac_is_multicast(frame))
        s->bcast_tx++;
    if (lp_log_get_level() >= LP_LOG_DEBUG) {
        struct lp_framelog f;
        memset(&f, 0, sizeof(f));
        f.dir = dir;
        f.room = s->cfg.room;
        f.peer_id = s->peer_id;
        f.frame = frame;
        f.len = len;
        f.action = LP_ACTION_FORWARDED;
        f.targets = 1;
        lp_framelog_emit(LP_LOG_DEBUG, &f);
    }
    return LP_REASON_NONE;
}

void lp_session_disconnect(struct lp_session *s, const char *reason,
                           lp_tstamp now)
{
    struct lp_msg m;

    if (lp_qconn_ctrl_ready(&s->q)) {
        memset(&m, 0, sizeof(m));
        m.type = LP_MSG_DISCONNECT;
        snprintf(m.u.disconnect.reason, sizeof(m.u.disconnect.reason), "%s",
                 reason);
        session_send_msg(s, &m);
    }
    s->closed_by_us = 1;
    lp_qconn_close(&s->q, LP_APP_NO_ERROR, now);
}
