/* lp_status: status JSON and Prometheus metrics; see lp_status.h. */
#include "lp_status.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_prom.h"

#define MS (1000 * 1000) /* ns per ms */

/* ------------------------------------------------------------------ JSON */

/* status_set adds v to o under key; a NULL v (out of memory) or a failed
 * set marks the document as failed in *bad. */
static void status_set(json_t *o, const char *key, json_t *v, int *bad)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        *bad = 1;
}

static json_t *status_counters(const struct lp_counters *c, int *bad)
{
    json_t *o = json_object(), *drops = json_object();

    if (o == NULL || drops == NULL) {
        json_decref(o);
        json_decref(drops);
        *bad = 1;
        return NULL;
    }
    status_set(o, "frames_in", json_integer((json_int_t)c->frames_rx), bad);
    status_set(o, "frames_out", json_integer((json_int_t)c->frames_tx), bad);
    status_set(o, "bytes_in", json_integer((json_int_t)c->bytes_rx), bad);
    status_set(o, "bytes_out", json_integer((json_int_t)c->bytes_tx), bad);
    status_set(o, "datagrams_in", json_integer((json_int_t)c->datagrams_rx),
               bad);
    status_set(o, "datagrams_out", json_integer((json_int_t)c->datagrams_tx),
               bad);
    status_set(o, "drops_total",
               json_integer((json_int_t)lp_counters_total_drops(c)), bad);
    /* only the reasons that happened: the full list is in /metrics */
    for (unsigned i = 1; i < LP_REASON_MAX; i++)
        if (c->drops[i] != 0)
            status_set(drops, lp_reason_name((enum lp_reason)i),
                       json_integer((json_int_t)c->drops[i]), bad);
    status_set(o, "drops", drops, bad);
    return o;
}

/* A loss ratio from two cumulative counts: 1 - got / sent, or null before
 * anything was sent. */
static json_t *status_loss(uint64_t sent, uint64_t got)
{
    if (sent == 0)
        return json_null();
    if (got >= sent)
        return json_real(0.0);
    return json_real(1.0 - (double)got / (double)sent);
}

static json_t *status_peer(const struct lp_relay_peer_view *v,
                           const struct lp_status_meta *m, lp_tstamp now,
                           int *bad)
{
    json_t *o = json_object(), *rtt, *loss, *st;
    char mac[LP_MAC_STRLEN];
    lp_tstamp since = now > v->joined_at ? now - v->joined_at : 0;

    if (o == NULL) {
        *bad = 1;
        return NULL;
    }
    lp_mac_format(mac, v->mac);
    status_set(o, "id", json_integer(v->peer_id), bad);
    status_set(o, "role", json_string(lp_role_name(v->role)), bad);
    status_set(o, "label", json_string(v->label), bad);
    status_set(o, "software", json_string(v->software), bad);
    status_set(o, "mac", json_string(mac), bad);
    status_set(o, "remote", json_string(v->remote), bad);
    status_set(o, "joined_at_ms",
               json_integer((json_int_t)(m->wall_now_ms - since / MS)), bad);
    status_set(o, "connected_s", json_integer((json_int_t)(since / LP_SECONDS)),
               bad);
    status_set(
        o, "last_seen_ms_ago",
        json_integer(
            (json_int_t)(now > v->last_seen ? (now - v->last_seen) / MS : 0)),
        bad);
    if (v->rtt_smoothed != 0) {
        rtt = json_object();
        if (rtt != NULL) {
            status_set(rtt, "smoothed", json_real(v->rtt_smoothed / 1e6), bad);
            status_set(rtt, "min", json_real(v->rtt_min / 1e6), bad);
            status_set(rtt, "latest", json_real(v->rtt_latest / 1e6), bad);
            status_set(rtt, "var", json_real(v->rtt_var / 1e6), bad);
        }
        status_set(o, "rtt_ms", rtt, bad);
    } else {
        status_set(o, "rtt_ms", json_null(), bad);
    }
    status_set(o, "pto_count", json_integer((json_int_t)v->pto_count), bad);
    status_set(o, "cwnd", json_integer((json_int_t)v->cwnd), bad);
    status_set(o, "bytes_in_flight",
               json_integer((json_int_t)v->bytes_in_flight), bad);
    status_set(o, "queued", json_integer(v->queued), bad);
    status_set(o, "datagram_budget", json_integer(v->budget), bad);
    status_set(o, "frag", json_boolean(v->frag), bad);
    status_set(o, "traffic", status_counters(v->ctr, bad), bad);
    /* Loss of datagrams each way, from the peer's own stats against what
     * the relay had counted when they came (cumulative): datagrams still
     * in flight then count as lost until the next stats. */
    loss = json_object();
    if (loss != NULL) {
        status_set(loss, "to_peer",
                   v->has_stats
                       ? status_loss(v->st_relay_dgrams_tx, v->st_dgrams_rx)
                       : json_null(),
                   bad);
        status_set(loss, "from_peer",
                   v->has_stats
                       ? status_loss(v->st_dgrams_tx, v->st_relay_dgrams_rx)
                       : json_null(),
                   bad);
    }
    status_set(o, "loss", loss, bad);
    if (v->has_stats) {
        st = json_object();
        if (st != NULL) {
            status_set(st, "age_ms",
                       json_integer((json_int_t)(now > v->stats_at
                                                     ? (now - v->stats_at) / MS
                                                     : 0)),
                       bad);
            status_set(st, "frames_tx",
                       json_integer((json_int_t)v->st_frames_tx), bad);
            status_set(st, "frames_rx",
                       json_integer((json_int_t)v->st_frames_rx), bad);
            status_set(st, "datagrams_tx",
                       json_integer((json_int_t)v->st_dgrams_tx), bad);
            status_set(st, "datagrams_rx",
                       json_integer((json_int_t)v->st_dgrams_rx), bad);
            status_set(st, "drops", json_integer((json_int_t)v->st_drops), bad);
        }
        status_set(o, "stats", st, bad);
    } else {
        status_set(o, "stats", json_null(), bad);
    }
    return o;
}

/* Collects a room's addresses into its peers' `addresses` (by MAC) and the
 * LAN's own list. */
struct status_addrs {
    json_t *peers; /* the room's peer array (objects with "mac") */
    uint64_t *macs;
    size_t n;
    json_t *lan;
    int *bad;
};

static void status_addr(void *arg, int family, const uint8_t *a, uint64_t owner,
                        enum lp_relay_addr_kind kind)
{
    static const char *const via[] = {"", "lan", "dhcp", "claim", "pinned"};
    struct status_addrs *sa = arg;
    char text[INET6_ADDRSTRLEN];
    json_t *list = NULL, *e;

    if (inet_ntop(family == 4 ? AF_INET : AF_INET6, a, text, sizeof(text)) ==
        NULL)
        return;
    if (owner == 0) {
        list = sa->lan;
    } else {
        for (size_t i = 0; i < sa->n; i++) {
            if (sa->macs[i] == owner) {
                json_t *p = json_array_get(sa->peers, i);
                list = json_object_get(json_object_get(p, "addresses"),
                                       family == 4 ? "ipv4" : "ipv6");
                break;
            }
        }
    }
    if (list == NULL)
        return; /* a client that left: its entries are going */
    e = json_pack("{s:s, s:s}", "addr", text, "via",
                  (unsigned)kind < 5 ? via[kind] : "");
    if (e == NULL || json_array_append_new(list, e) != 0)
        *sa->bad = 1;
}

static json_t *status_room(const struct relay_room *room,
                           const struct lp_status_meta *m, lp_tstamp now,
                           int *bad)
{
    struct lp_relay_room_view rv;
    struct lp_counters tot;
    struct status_addrs sa;
    json_t *o = json_object(), *peers = json_array(), *lan = json_array();
    uint64_t *macs;

    lp_relay_room_view(room, &rv);
    macs = calloc(rv.npeers + 1, sizeof(*macs));
    if (o == NULL || peers == NULL || lan == NULL || macs == NULL) {
        json_decref(o);
        json_decref(peers);
        json_decref(lan);
        free(macs);
        *bad = 1;
        return NULL;
    }
    tot = *rv.gone;
    for (size_t i = 0; i < rv.npeers; i++) {
        struct lp_relay_peer_view pv;
        json_t *p, *addrs;
        lp_relay_peer_view(room, i, &pv);
        lp_counters_add(&tot, pv.ctr);
        p = status_peer(&pv, m, now, bad);
        addrs = json_pack("{s:[], s:[]}", "ipv4", "ipv6");
        if (p != NULL)
            status_set(p, "addresses", addrs, bad);
        else
            json_decref(addrs);
        if (p == NULL || json_array_append_new(peers, p) != 0)
            *bad = 1;
        macs[i] = pv.role == LP_ROLE_CLIENT ? lp_mac_u64(pv.mac) : UINT64_MAX;
    }
    sa.peers = peers;
    sa.macs = macs;
    sa.n = rv.npeers;
    sa.lan = lan;
    sa.bad = bad;
    if (!*bad)
        lp_relay_room_addrs(room, status_addr, &sa);
    free(macs);
    status_set(o, "name", json_string(rv.name), bad);
    status_set(o, "mtu", json_integer(rv.mtu), bad);
    status_set(o, "frag", json_boolean(rv.frag), bad);
    status_set(o, "gateway_id",
               rv.gateway_id != 0 ? json_integer(rv.gateway_id) : json_null(),
               bad);
    status_set(o, "lan_macs", json_integer((json_int_t)rv.lan_macs), bad);
    status_set(o, "addr_spoofs", json_integer((json_int_t)rv.addr_spoofs), bad);
    status_set(o, "addr_limits", json_integer((json_int_t)rv.addr_limits), bad);
    status_set(o, "traffic", status_counters(&tot, bad), bad);
    status_set(o, "lan_addresses", lan, bad);
    status_set(o, "peers", peers, bad);
    return o;
}

json_t *lp_status_json(const struct lp_relay *r, const struct lp_status_meta *m,
                       lp_tstamp now)
{
    json_t *o = json_object(), *relay = json_object(), *rooms = json_array();
    int bad = 0;

    if (o == NULL || relay == NULL || rooms == NULL) {
        json_decref(o);
        json_decref(relay);
        json_decref(rooms);
        return NULL;
    }
    status_set(o, "schema", json_string(LP_STATUS_SCHEMA), &bad);
    status_set(o, "version", json_string(m->version), &bad);
    status_set(o, "now_ms", json_integer((json_int_t)m->wall_now_ms), &bad);
    status_set(o, "uptime_s",
               json_integer((json_int_t)(now > m->started
                                             ? (now - m->started) / LP_SECONDS
                                             : 0)),
               &bad);
    status_set(relay, "closed", json_boolean(r->closed), &bad);
    status_set(relay, "rooms", json_integer((json_int_t)r->nrooms), &bad);
    status_set(relay, "peers", json_integer((json_int_t)r->npeers), &bad);
    status_set(relay, "max_peers", json_integer((json_int_t)r->cfg.max_peers),
               &bad);
    status_set(relay, "connections", json_integer((json_int_t)r->qs.nconns),
               &bad);
    status_set(relay, "pool_free", json_integer((json_int_t)r->pool.nfree),
               &bad);
    status_set(relay, "retries", json_integer((json_int_t)r->qs.st.retries),
               &bad);
    status_set(relay, "stateless_resets",
               json_integer((json_int_t)r->qs.st.resets), &bad);
    status_set(relay, "unauthorized", json_integer((json_int_t)r->unauthorized),
               &bad);
    status_set(relay, "revoked", json_integer((json_int_t)r->revoked), &bad);
    status_set(relay, "traffic", status_counters(&r->ctr, &bad), &bad);
    status_set(o, "relay", relay, &bad);
    for (const struct relay_room *room = lp_relay_room_next(r, NULL);
         room != NULL && !bad; room = lp_relay_room_next(r, room)) {
        json_t *ro = status_room(room, m, now, &bad);
        if (ro == NULL || json_array_append_new(rooms, ro) != 0)
            bad = 1;
    }
    status_set(o, "rooms", rooms, &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------ Prometheus */

int lp_status_metrics(const struct lp_relay *r, const struct lp_status_meta *m,
                      lp_tstamp now, char **out, size_t *outlen)
{
    struct lp_prom b;
    const struct relay_room *room;
    char esc[2 * LP_ROOM_MAX + 4];
    size_t nroom, npeer;
    int truncated = 0;

    (void)now;
    if (lp_prom_init(&b) != 0)
        return LP_ERR_NOMEM;

    lp_prom_head(&b, "lanparty_build_info", "gauge",
                 "The relay's version (always 1).");
    lp_prom_printf(&b, "lanparty_build_info{version=\"%s\"} 1\n", m->version);
    lp_prom_u64(&b, "lanparty_rooms", "gauge", "Rooms with at least one peer.",
                r->nrooms);
    lp_prom_u64(&b, "lanparty_connections", "gauge",
                "QUIC connections in any state.", r->qs.nconns);
    lp_prom_u64(&b, "lanparty_pool_free_buffers", "gauge",
                "Free frame buffers in the relay's pool.", r->pool.nfree);
    lp_prom_u64(&b, "lanparty_retries_total", "counter",
                "QUIC Retry packets sent.", r->qs.st.retries);
    lp_prom_u64(&b, "lanparty_stateless_resets_total", "counter",
                "QUIC stateless resets sent.", r->qs.st.resets);
    lp_prom_u64(&b, "lanparty_unauthorized_total", "counter",
                "Hellos refused for a missing, wrong or revoked credential.",
                r->unauthorized);
    lp_prom_u64(&b, "lanparty_revoked_total", "counter",
                "Peers disconnected because their invite was revoked.",
                r->revoked);

    lp_prom_head(&b, "lanparty_drops_total", "counter",
                 "Frames or datagrams the relay dropped, by reason.");
    for (unsigned i = 1; i < LP_REASON_MAX; i++)
        lp_prom_printf(&b, "lanparty_drops_total{reason=\"%s\"} %llu\n",
                       lp_reason_name((enum lp_reason)i),
                       (unsigned long long)r->ctr.drops[i]);

    /* per room: peers by role, and the room's traffic (departed peers'
     * counters included, so a room's counters only go backwards when the
     * room itself ends) */
    lp_prom_head(&b, "lanparty_peers", "gauge",
                 "Admitted peers, by room and role.");
    nroom = 0;
    for (room = lp_relay_room_next(r, NULL); room != NULL;
         room = lp_relay_room_next(r, room)) {
        struct lp_relay_room_view rv;
        size_t gw = 0;
        if (nroom++ == LP_STATUS_MAX_ROOMS) {
            truncated = 1;
            break;
        }
        lp_relay_room_view(room, &rv);
        gw = rv.gateway_id != 0;
        lp_prom_escape(esc, sizeof(esc), rv.name);
        lp_prom_printf(&b, "lanparty_peers{room=\"%s\",role=\"gateway\"} %zu\n",
                       esc, gw);
        lp_prom_printf(&b, "lanparty_peers{room=\"%s\",role=\"client\"} %zu\n",
                       esc, rv.npeers - gw);
    }
    {
        static const struct {
            const char *name, *help;
        } fam[] = {
            {"lanparty_forwarded_frames_total",
             "Ethernet frames by room: in from its peers, out to them."},
            {"lanparty_forwarded_bytes_total",
             "Ethernet frame bytes by room: in from its peers, out to "
             "them."},
        };
        for (int f = 0; f < 2; f++) {
            lp_prom_head(&b, fam[f].name, "counter", fam[f].help);
            nroom = 0;
            for (room = lp_relay_room_next(r, NULL);
                 room != NULL && nroom < LP_STATUS_MAX_ROOMS;
                 room = lp_relay_room_next(r, room), nroom++) {
                struct lp_relay_room_view rv;
                struct lp_counters tot;
                lp_relay_room_view(room, &rv);
                tot = *rv.gone;
                for (size_t i = 0; i < rv.npeers; i++) {
                    struct lp_relay_peer_view pv;
                    lp_relay_peer_view(room, i, &pv);
                    lp_counters_add(&tot, pv.ctr);
                }
                lp_prom_escape(esc, sizeof(esc), rv.name);
                lp_prom_printf(&b, "%s{room=\"%s\",direction=\"in\"} %llu\n",
                               fam[f].name, esc,
                               (unsigned long long)(f == 0 ? tot.frames_rx
                                                           : tot.bytes_rx));
                lp_prom_printf(&b, "%s{room=\"%s\",direction=\"out\"} %llu\n",
                               fam[f].name, esc,
                               (unsigned long long)(f == 0 ? tot.frames_tx
                                                           : tot.bytes_tx));
            }
        }
    }

    lp_prom_head(&b, "lanparty_peer_rtt_seconds", "gauge",
                 "Smoothed QUIC round-trip time of each peer (by peer id).");
    npeer = 0;
    nroom = 0;
    for (room = lp_relay_room_next(r, NULL);
         room != NULL && nroom < LP_STATUS_MAX_ROOMS;
         room = lp_relay_room_next(r, room), nroom++) {
        struct lp_relay_room_view rv;
        lp_relay_room_view(room, &rv);
        lp_prom_escape(esc, sizeof(esc), rv.name);
        for (size_t i = 0; i < rv.npeers; i++) {
            struct lp_relay_peer_view pv;
            if (npeer++ == LP_STATUS_MAX_PEERS) {
                truncated = 1;
                break;
            }
            lp_relay_peer_view(room, i, &pv);
            if (pv.rtt_smoothed == 0)
                continue;
            lp_prom_printf(&b,
                           "lanparty_peer_rtt_seconds{room=\"%s\",peer=\"%u\"} "
                           "%.6f\n",
                           esc, pv.peer_id, pv.rtt_smoothed / 1e9);
        }
    }
    lp_prom_u64(&b, "lanparty_metrics_truncated", "gauge",
                "1 when rooms or peers beyond the series limits were left out.",
                (uint64_t)truncated);
    lp_prom_u64(&b, "lanparty_log_dropped_lines_total", "counter",
                "Log lines dropped because stderr's reader fell behind.",
                m->log_dropped);

    lp_prom_process(&b, &m->proc);
    return lp_prom_finish(&b, out, outlen);
}
