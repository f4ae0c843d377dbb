/*
 * sim_test: the relay core (relay/lp_relay) and endpoint sessions
 * (client/lp_session) talking real QUIC and TLS through an in-memory
 * network with virtual time and optional loss. No sockets, no clocks: the
 * sans-IO layers are driven exactly as the shells drive them.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_log.h"
#include "lp_file.h"
#include "lp_relay.h"
#include "lp_session.h"
#include "lp_status.h"

#define SIM_NODES 12 /* 0 = relay, 1..11 = endpoints */
#define SIM_QUEUE 8192
#define SIM_DELAY (2 * LP_MILLISECONDS)
#define SIM_SMALL 98 /* a ping's frame: the express lane's size */

struct sim_pkt {
    int to, from;
    lp_tstamp at;
    size_t len;
    uint8_t data[1500];
};

struct sim_node {
    struct lp_session s; /* first */
    int idx, welcomed, rejected, closed, disconnected;
    enum lp_qclose closed_why;
    char disconnect_reason[80], left_reason[80];
    int joined_events, left_events;
    int frames_rx;
    int small_at; /* frames_rx when the last frame of SIM_SMALL bytes came */
    uint8_t last_frame[1600];
    size_t last_len;
};

struct sim {
    struct lp_relay relay;
    struct lp_tls_server tls_srv;
    struct lp_tls_client tls_cli;
    struct lp_pool pool;
    struct sim_node *node[SIM_NODES];
    struct sockaddr_in addr[SIM_NODES];
    struct sim_pkt *q;
    size_t nq;
    unsigned loss_pct; /* of every packet, both ways */
    int blackhole;     /* nothing from the relay reaches this node; 0: none */
    int mute;          /* nothing from this node reaches the relay; 0: none */
    uint32_t rng;
    lp_tstamp now;
    uint8_t txbuf[65536];
    char pin_path[64];
    uint64_t dropped;
    uint64_t sent[SIM_NODES]; /* UDP packets each endpoint sent */
};

static struct sim *g_sim;

static uint32_t sim_rand(struct sim *sm)
{
    sm->rng = sm->rng * 1103515245u + 12345u;
    return sm->rng >> 8;
}

static void sim_push(struct sim *sm, int from, int to, const uint8_t *d,
                     size_t len)
{
    struct sim_pkt *p;

    if ((sm->loss_pct > 0 && sim_rand(sm) % 100 < sm->loss_pct) ||
        (sm->blackhole != 0 && from == 0 && to == sm->blackhole) ||
        (sm->mute != 0 && to == 0 && from == sm->mute)) {
        sm->dropped++;
        return;
    }
    if (sm->nq == SIM_QUEUE || len > sizeof(p->data))
        return;
    p = &sm->q[sm->nq++];
    p->from = from;
    p->to = to;
    p->at = sm->now + SIM_DELAY;
    p->len = len;
    memcpy(p->data, d, len);
}

static int addr_node(const struct sim *sm, const ngtcp2_addr *a)
{
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)(void *)a->addr;

    /* By address only: a NAT keeps a node's old port mappings working. */
    for (int i = 0; i < SIM_NODES; i++)
        if (s4->sin_addr.s_addr == sm->addr[i].sin_addr.s_addr)
            return i;
    return -1;
}

static int relay_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                      size_t len, size_t seg)
{
    struct sim *sm = arg;
    int to = addr_node(sm, &path->remote);

    if (to <= 0)
        return 0;
    for (size_t off = 0; off < len; off += seg)
        sim_push(sm, 0, to, data + off, len - off < seg ? len - off : seg);
    return 0;
}

static int node_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                     size_t len, size_t seg)
{
    struct sim_node *n = arg;

    (void)path;
    for (size_t off = 0; off < len; off += seg) {
        g_sim->sent[n->idx]++;
        sim_push(g_sim, n->idx, 0, data + off,
                 len - off < seg ? len - off : seg);
    }
    return 0;
}

static void on_welcome(struct lp_session *s, const struct lp_msg_welcome *w,
                       lp_tstamp now)
{
    (void)w;
    (void)now;
    ((struct sim_node *)s)->welcomed = 1;
}

static void on_reject(struct lp_session *s, const struct lp_msg_reject *r,
                      lp_tstamp now)
{
    (void)r;
    (void)now;
    ((struct sim_node *)s)->rejected = 1;
}

static void on_joined(struct lp_session *s, const struct lp_session_peer *p,
                      lp_tstamp now)
{
    (void)p;
    (void)now;
    ((struct sim_node *)s)->joined_events++;
}

static void on_left(struct lp_session *s, const struct lp_session_peer *p,
                    const char *reason, lp_tstamp now)
{
    struct sim_node *n = (struct sim_node *)s;

    (void)p;
    (void)now;
    n->left_events++;
    snprintf(n->left_reason, sizeof(n->left_reason), "%s", reason);
}

static void on_frame(struct lp_session *s, uint16_t peer_id,
                     const uint8_t *frame, size_t len, lp_tstamp now)
{
    struct sim_node *n = (struct sim_node *)s;

    (void)peer_id;
    (void)now;
    n->frames_rx++;
    if (len == SIM_SMALL)
        n->small_at = n->frames_rx;
    if (len <= sizeof(n->last_frame)) {
        memcpy(n->last_frame, frame, len);
        n->last_len = len;
    }
}

static void on_disconnect(struct lp_session *s, const char *reason,
                          lp_tstamp now)
{
    struct sim_node *n = (struct sim_node *)s;

    (void)now;
    n->disconnected = 1;
    snprintf(n->disconnect_reason, sizeof(n->disconnect_reason), "%s", reason);
}

static void on_closed(struct lp_session *s, enum lp_qclose why, uint64_t code,
                      lp_tstamp now)
{
    (void)code;
    (void)now;
    ((struct sim_node *)s)->closed = 1;
    ((struct sim_node *)s)->closed_why = why;
}

static const struct lp_session_ops sim_ops = {
    .on_welcome = on_welcome,
    .on_reject = on_reject,
    .on_peer_joined = on_joined,
    .on_peer_left = on_left,
    .on_frame = on_frame,
    .on_disconnect = on_disconnect,
    .on_closed = on_closed,
};

/* A session still running (a dead one would be freed by its owner). */
static int sim_live(const struct sim_node *n)
{
    return n != NULL && n->s.q.conn != NULL && n->s.q.state != LP_QS_DEAD;
}

static void sim_flush(struct sim *sm)
{
    lp_relay_flush(&sm->relay, sm->now);
    for (int i = 1; i < SIM_NODES; i++) {
        struct sim_node *n = sm->node[i];
        if (sim_live(n))
            lp_session_flush(&n->s, sm->now, sm->txbuf, sizeof(sm->txbuf),
                             node_send, n);
    }
}

/* Runs the network for `dur` of virtual time. */
static void sim_run(struct sim *sm, lp_tstamp dur)
{
    lp_tstamp end = sm->now + dur;

    sim_flush(sm); /* what the test queued since the last run */
    while (sm->now < end) {
        lp_tstamp next = end;

        for (size_t i = 0; i < sm->nq; i++)
            if (sm->q[i].at < next)
                next = sm->q[i].at;
        if (lp_relay_next_expiry(&sm->relay) < next)
            next = lp_relay_next_expiry(&sm->relay);
        for (int i = 1; i < SIM_NODES; i++) {
            struct sim_node *n = sm->node[i];
            if (sim_live(n) && lp_session_expiry(&n->s) < next)
                next = lp_session_expiry(&n->s);
        }
        if (next > sm->now)
            sm->now = next;
        /* deliver what is due, in order */
        for (size_t i = 0; i < sm->nq;) {
            struct sim_pkt p;
            if (sm->q[i].at > sm->now) {
                i++;
                continue;
            }
            p = sm->q[i];
            memmove(&sm->q[i], &sm->q[i + 1],
                    (sm->nq - i - 1) * sizeof(sm->q[0]));
            sm->nq--;
            if (p.to == 0) {
                ngtcp2_path path;
                path.local.addr = (ngtcp2_sockaddr *)&sm->addr[0];
                path.local.addrlen = sizeof(sm->addr[0]);
                path.remote.addr = (ngtcp2_sockaddr *)&sm->addr[p.from];
                path.remote.addrlen = sizeof(sm->addr[0]);
                path.user_data = NULL;
                lp_relay_recv(&sm->relay, &path, p.data, p.len, sm->now);
            } else if (sim_live(sm->node[p.to])) {
                lp_session_read(&sm->node[p.to]->s, p.data, p.len, sm->now);
            }
        }
        if (lp_relay_next_expiry(&sm->relay) <= sm->now)
            lp_relay_timers(&sm->relay, sm->now);
        for (int i = 1; i < SIM_NODES; i++) {
            struct sim_node *n = sm->node[i];
            if (sim_live(n) && lp_session_expiry(&n->s) <= sm->now)
                lp_session_handle_expiry(&n->s, sm->now);
        }
        sim_flush(sm);
    }
}

static struct sim_node *sim_join_feat(struct sim *sm, int idx,
                                      enum lp_role role, const char *mac,
                                      unsigned features)
{
    struct sim_node *n = calloc(1, sizeof(*n));
    struct lp_session_cfg cfg;

    assert_non_null(n);
    memset(&cfg, 0, sizeof(cfg));
    cfg.role = role;
    cfg.features = features;
    snprintf(cfg.room, sizeof(cfg.room), "SIM");
    assert_int_equal(lp_mac_parse(cfg.mac, mac), 0);
    cfg.stats_interval = 5 * LP_SECONDS;
    n->idx = idx;
    assert_int_equal(lp_session_start(&n->s, &cfg, &sim_ops, n, &sm->tls_cli,
                                      (struct sockaddr *)&sm->addr[idx],
                                      sizeof(sm->addr[idx]),
                                      (struct sockaddr *)&sm->addr[0],
                                      sizeof(sm->addr[0]), &sm->pool, sm->now),
                     0);
    sm->node[idx] = n;
    return n;
}

static struct sim_node *sim_join(struct sim *sm, int idx, enum lp_role role,
                                 const char *mac)
{
    return sim_join_feat(sm, idx, role, mac, 0);
}

static int setup(void **state)
{
    struct sim *sm = calloc(1, sizeof(*sm));
    struct lp_relay_cfg cfg;
    char err[256];
    int fd;

    if (sm == NULL)
        return -1;
    lp_log_set_level(LP_LOG_ERROR);
    sm->q = calloc(SIM_QUEUE, sizeof(*sm->q));
    sm->now = 1000 * LP_SECONDS;
    sm->rng = 42;
    for (int i = 0; i < SIM_NODES; i++) {
        sm->addr[i].sin_family = AF_INET;
        sm->addr[i].sin_port = htons((uint16_t)(4000 + i));
        sm->addr[i].sin_addr.s_addr = htonl(0xc6120000u + 1 + (uint32_t)i);
    }
    if (lp_tls_server_init_dev(&sm->tls_srv, err, sizeof(err)) != 0)
        return -1;
    snprintf(sm->pin_path, sizeof(sm->pin_path), "/tmp/lp-sim-XXXXXX");
    fd = mkstemp(sm->pin_path);
    close(fd);
    if (lp_file_write_atomic(sm->pin_path, sm->tls_srv.leaf_der,
                             sm->tls_srv.leaf_der_len, 0, err,
                             sizeof(err)) != 0 ||
        lp_tls_client_init(&sm->tls_cli, sm->pin_path, "lanparty-relay", err,
                           sizeof(err)) != 0 ||
        lp_pool_init(&sm->pool, 1024, 2048) != 0)
        return -1;
    lp_relay_cfg_default(&cfg);
    if (lp_relay_init(&sm->relay, &cfg, &sm->tls_srv, relay_send, sm,
                      sm->now) != 0)
        return -1;
    g_sim = sm;
    *state = sm;
    return 0;
}

static int teardown(void **state)
{
    struct sim *sm = *state;

    for (int i = 1; i < SIM_NODES; i++) {
        if (sm->node[i] != NULL) {
            lp_session_free(&sm->node[i]->s);
            free(sm->node[i]);
        }
    }
    lp_relay_free(&sm->relay);
    lp_pool_free(&sm->pool);
    lp_tls_client_free(&sm->tls_cli);
    lp_tls_server_free(&sm->tls_srv);
    unlink(sm->pin_path);
    free(sm->q);
    free(sm);
    return 0;
}

/* A game's UDP broadcast from 198.18.0.11 (c1): only IPv4, ARP and IPv6
 * leave a client (spec section 6). */
static const uint8_t bcast_from_c1[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0x02, 0,    0,    0,    0,    0x11,
                                        0x08, 0x00, /* IPv4 */
                                        0x45, 0x00, 0x00, 0x25, 0x00, 0x00,
                                        0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
                                        198,  18,   0,    11,   255,  255,
                                        255,  255, /* UDP 27015 -> 27015 */
                                        0x69, 0x87, 0x69, 0x87, 0x00, 0x11,
                                        0x00, 0x00, 'h',  'e',  'l',  'l',
                                        'o',  ' ',  'L',  'A',  'N'};

static void check_room_of_three(struct sim *sm, struct sim_node **gw,
                                struct sim_node **c1, struct sim_node **c2)
{
    *gw = sim_join(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01");
    sim_run(sm, 2 * LP_SECONDS);
    assert_true((*gw)->welcomed);
    *c1 = sim_join(sm, 2, LP_ROLE_CLIENT, "02:00:00:00:00:11");
    *c2 = sim_join(sm, 3, LP_ROLE_CLIENT, "02:00:00:00:00:12");
    sim_run(sm, 3 * LP_SECONDS);
    assert_true((*c1)->welcomed && (*c2)->welcomed);
    assert_int_equal((*gw)->joined_events, 2);
    assert_true((*c1)->s.gateway_present);
    assert_int_equal((*c1)->s.mtu, 1380);
    assert_int_equal((*c1)->s.budget, 1404);
}

static void test_join_and_forward(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;

    check_room_of_three(sm, &gw, &c1, &c2);
    assert_int_equal(lp_session_send_frame(&c1->s, bcast_from_c1,
                                           sizeof(bcast_from_c1), sm->now),
                     LP_REASON_NONE);
    sim_run(sm, 100 * LP_MILLISECONDS);
    assert_int_equal(gw->frames_rx, 1);
    assert_int_equal(c2->frames_rx, 1);
    assert_int_equal(c1->frames_rx, 0);
    assert_memory_equal(gw->last_frame, bcast_from_c1, sizeof(bcast_from_c1));
    /* a forged source MAC never leaves the client */
    {
        uint8_t f[sizeof(bcast_from_c1)];
        memcpy(f, bcast_from_c1, sizeof(f));
        f[11] = 0x66;
        assert_int_equal(lp_session_send_frame(&c1->s, f, sizeof(f), sm->now),
                         LP_REASON_SOURCE_MAC);
        assert_int_equal(c1->s.ctr.drops[LP_REASON_SOURCE_MAC], 1);
    }
    /* a graceful leave reaches the others with its reason */
    lp_session_disconnect(&c2->s, "bye", sm->now);
    sim_run(sm, LP_SECONDS);
    assert_int_equal(gw->left_events, 1);
    assert_string_equal(gw->left_reason, "bye");
    assert_true(c2->closed);
}

static void test_lossy_network(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    int sent = 0;

    sm->loss_pct = 15; /* control messages must still all arrive */
    gw = sim_join(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01");
    c1 = sim_join(sm, 2, LP_ROLE_CLIENT, "02:00:00:00:00:11");
    c2 = sim_join(sm, 3, LP_ROLE_CLIENT, "02:00:00:00:00:12");
    sim_run(sm, 15 * LP_SECONDS);
    assert_true(gw->welcomed && c1->welcomed && c2->welcomed);
    assert_int_equal(gw->joined_events, 2);
    assert_true(sm->dropped > 0);
    for (int i = 0; i < 200; i++) {
        if (lp_session_send_frame(&c1->s, bcast_from_c1, sizeof(bcast_from_c1),
                                  sm->now) == LP_REASON_NONE)
            sent++;
        sim_run(sm, 5 * LP_MILLISECONDS);
    }
    sim_run(sm, LP_SECONDS);
    /* datagrams are not retransmitted: most, not all, arrive */
    assert_true(gw->frames_rx > sent / 2 && gw->frames_rx <= sent);
}

static void test_relay_shutdown(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;

    check_room_of_three(sm, &gw, &c1, &c2);
    lp_relay_shutdown(&sm->relay, sm->now);
    sim_run(sm, 3 * LP_SECONDS);
    for (int i = 1; i < 4; i++) {
        assert_true(sm->node[i]->disconnected);
        assert_string_equal(sm->node[i]->disconnect_reason, "relay_shutdown");
        assert_true(sm->node[i]->closed);
        assert_int_equal(sm->node[i]->left_events, 0);
    }
    assert_true(lp_relay_done(&sm->relay));
}

static void test_duplicate_gateway_rejected(void **state)
{
    struct sim *sm = *state;
    struct sim_node *a, *b;

    a = sim_join(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01");
    sim_run(sm, 2 * LP_SECONDS);
    b = sim_join(sm, 2, LP_ROLE_GATEWAY, "02:00:00:00:00:02");
    sim_run(sm, 3 * LP_SECONDS);
    assert_true(a->welcomed);
    assert_true(b->rejected);
    assert_true(b->closed);
    assert_int_equal(b->s.q.state >= LP_QS_CLOSING, 1);
}

/* Summed over the relay's connections: migrations (0) or packets read as
 * from the current path (1). */
static uint64_t relay_path_stats(const struct sim *sm, int folded)
{
    uint64_t n = 0;

    for (size_t i = 0; i < sm->relay.qs.nconns; i++)
        n += folded ? sm->relay.qs.heap[i]->path_folded
                    : sm->relay.qs.heap[i]->path_changes;
    return n;
}

/* A NAT rebinding and then a NAT that flaps between two ports, mid-traffic:
 * the relay follows the peer, never aborts, and the room stays whole. */
static void test_path_change(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    int before;

    check_room_of_three(sm, &gw, &c1, &c2);
    sm->addr[2].sin_port = htons(5002); /* c1's NAT picks a new port */
    for (int i = 0; i < 20; i++) {
        lp_session_send_frame(&c1->s, bcast_from_c1, sizeof(bcast_from_c1),
                              sm->now);
        sim_run(sm, 20 * LP_MILLISECONDS);
    }
    sim_run(sm, LP_SECONDS);
    assert_true(gw->frames_rx >= 15);
    assert_int_equal(relay_path_stats(sm, 0), 1); /* one migration */
    before = gw->frames_rx;
    /* flapping: the port changes on every round, both directions */
    for (int i = 0; i < 60; i++) {
        sm->addr[2].sin_port = htons(i % 2 ? 5002 : 5003);
        lp_session_send_frame(&c1->s, bcast_from_c1, sizeof(bcast_from_c1),
                              sm->now);
        sim_run(sm, 10 * LP_MILLISECONDS);
    }
    sim_run(sm, 2 * LP_SECONDS);
    assert_true(gw->frames_rx - before >= 40);
    /* one more migration (to 5003); the port it left (5002) is never a
     * new path again while quarantined: its packets are folded */
    assert_int_equal(relay_path_stats(sm, 0), 2);
    assert_true(relay_path_stats(sm, 1) > 0);
    assert_int_equal(gw->left_events, 0);
    assert_int_equal(c2->left_events, 0);
    assert_false(c1->closed);
}

/*
 * Every ACK for a full congestion window is lost: src floods dst with
 * 1000-byte frames while *cut (sim.blackhole or sim.mute) holds node, so
 * src's connection hears no ACK; then the cut ends and src sends 20 more.
 * With only DATAGRAM packets in flight ngtcp2 0.12 arms no probe timeout
 * (its issue 697, fixed in 0.13): without lp_qconn's probe frames the
 * sender would wait, window full, for ACKs that never come, until the idle
 * timeout closes the connection (a NAT rebinding sends the ACKs to a port
 * that is gone, as lp-testpeer's rebind does in test_paths.py).
 */
static void acks_lost_then_flow(struct sim *sm, struct sim_node *src,
                                struct sim_node *dst, const uint8_t *hdr,
                                size_t hdrlen, int *cut, int node)
{
    uint8_t big[1000];
    int before;

    memset(big, 'x', sizeof(big));
    memcpy(big, hdr, hdrlen);
    if (hdrlen > 40) { /* IPv4/UDP: fix the lengths */
        big[16] = (uint8_t)((sizeof(big) - 14) >> 8);
        big[17] = (uint8_t)(sizeof(big) - 14);
        big[38] = (uint8_t)((sizeof(big) - 34) >> 8);
        big[39] = (uint8_t)(sizeof(big) - 34);
    }
    *cut = node;
    for (int i = 0; i < 200; i++) {
        lp_session_send_frame(&src->s, big, sizeof(big), sm->now);
        sim_run(sm, LP_MILLISECONDS);
    }
    sim_run(sm, 200 * LP_MILLISECONDS);
    *cut = 0;
    before = dst->frames_rx;
    for (int i = 0; i < 20; i++) {
        lp_session_send_frame(&src->s, big, sizeof(big), sm->now);
        sim_run(sm, 10 * LP_MILLISECONDS);
    }
    sim_run(sm, 300 * LP_MILLISECONDS);
    /* well before the keep-alive (10 s) and idle timeout (30 s) */
    assert_true(dst->frames_rx - before >= 10);
    assert_false(src->closed || dst->closed);
    assert_int_equal(src->left_events + dst->left_events, 0);
}

/* c1's window to the relay: nothing from the relay reaches c1. */
static void test_acks_lost_window_full(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    int before;

    check_room_of_three(sm, &gw, &c1, &c2);
    acks_lost_then_flow(sm, c1, gw, bcast_from_c1, sizeof(bcast_from_c1),
                        &sm->blackhole, 2);
    /* the probe frames ride with datagrams only: none on an idle link */
    sim_run(sm, 2 * LP_SECONDS);
    before = (int)c1->s.q.probe_frames;
    sim_run(sm, 5 * LP_SECONDS);
    assert_int_equal((int)c1->s.q.probe_frames, before);
}

/* The relay's window to c1 (frames from the gateway): nothing from c1
 * reaches the relay. */
static void test_acks_lost_relay_window_full(void **state)
{
    static const uint8_t to_c1[14] = {2, 0, 0, 0, 0, 0x11, 2,
                                      0, 0, 0, 0, 1, 0x88, 0xb5};
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;

    check_room_of_three(sm, &gw, &c1, &c2);
    acks_lost_then_flow(sm, gw, c1, to_c1, sizeof(to_c1), &sm->mute, 2);
}

/* A burst of total loss (a Wi-Fi dropout) shorter than the idle timeout:
 * everyone stays, and traffic flows again afterwards. */
static void test_loss_burst(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    int before;

    check_room_of_three(sm, &gw, &c1, &c2);
    sm->loss_pct = 100;
    for (int i = 0; i < 40; i++) {
        lp_session_send_frame(&c1->s, bcast_from_c1, sizeof(bcast_from_c1),
                              sm->now);
        sim_run(sm, 100 * LP_MILLISECONDS);
    }
    before = gw->frames_rx;
    sm->loss_pct = 0;
    sim_run(sm, 5 * LP_SECONDS); /* probes get through, windows reopen */
    for (int i = 0; i < 20; i++) {
        lp_session_send_frame(&c1->s, bcast_from_c1, sizeof(bcast_from_c1),
                              sm->now);
        sim_run(sm, 20 * LP_MILLISECONDS);
    }
    sim_run(sm, LP_SECONDS);
    assert_true(gw->frames_rx - before >= 15);
    assert_int_equal(gw->left_events + c1->left_events + c2->left_events, 0);
    assert_false(gw->closed || c1->closed || c2->closed);
}

/* The relay process dies and a new one starts with the same key: every
 * endpoint's next packet gets a stateless reset it accepts, so it knows at
 * once (it would reconnect; the runner tests that end to end). */
static void test_relay_restart(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    struct lp_relay_cfg cfg;

    check_room_of_three(sm, &gw, &c1, &c2);
    lp_relay_free(&sm->relay); /* gone: no close, no goodbye */
    sm->nq = 0;
    lp_relay_cfg_default(&cfg);
    assert_int_equal(
        lp_relay_init(&sm->relay, &cfg, &sm->tls_srv, relay_send, sm, sm->now),
        0);
    for (int i = 1; i <= 3; i++)
        lp_session_send_frame(&sm->node[i]->s, bcast_from_c1,
                              sizeof(bcast_from_c1), sm->now);
    lp_session_send_frame(&gw->s, bcast_from_c1, sizeof(bcast_from_c1),
                          sm->now);
    sim_run(sm, LP_SECONDS);
    assert_true(c1->closed && c1->closed_why == LP_QC_RESET);
    /* the others learn as soon as they send anything (a PING at most
     * 10 s later) */
    sim_run(sm, 12 * LP_SECONDS);
    assert_true(gw->closed && gw->closed_why == LP_QC_RESET);
    assert_true(c2->closed && c2->closed_why == LP_QC_RESET);
}

/* A room of a gateway and ten players: every join is announced to every
 * member, in order, and a broadcast reaches all the others. */
static void test_many_peers(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw;
    char mac[32];

    gw = sim_join(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01");
    sim_run(sm, 2 * LP_SECONDS);
    for (int i = 2; i < SIM_NODES; i++) {
        snprintf(mac, sizeof(mac), "02:00:00:00:01:%02x", i);
        sim_join(sm, i, LP_ROLE_CLIENT, mac);
    }
    sim_run(sm, 5 * LP_SECONDS);
    assert_int_equal(gw->joined_events, SIM_NODES - 2);
    for (int i = 2; i < SIM_NODES; i++) {
        assert_true(sm->node[i]->welcomed);
        /* the gateway and the nine other players */
        assert_int_equal(sm->node[i]->joined_events, SIM_NODES - 2);
    }
    {
        uint8_t f[sizeof(bcast_from_c1)];
        memcpy(f, bcast_from_c1, sizeof(f));
        f[10] = 0x01;
        f[11] = 0x02; /* from node 2's MAC */
        assert_int_equal(
            lp_session_send_frame(&sm->node[2]->s, f, sizeof(f), sm->now),
            LP_REASON_NONE);
    }
    sim_run(sm, 200 * LP_MILLISECONDS);
    assert_int_equal(gw->frames_rx, 1);
    for (int i = 3; i < SIM_NODES; i++)
        assert_int_equal(sm->node[i]->frames_rx, 1);
    assert_int_equal(sm->node[2]->frames_rx, 0);
}

/* A full-size IPv4/UDP frame (len bytes) from src to dst. */
static void udp_frame(uint8_t *f, size_t len, const uint8_t *dst,
                      const uint8_t *src, uint8_t src_host, uint8_t dst_host)
{
    size_t ip = len - 14;

    memset(f, 0, len);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = (uint8_t)(ip >> 8);
    f[17] = (uint8_t)ip;
    f[22] = 64;
    f[23] = 17;
    f[26] = 198, f[27] = 18, f[28] = 0, f[29] = src_host;
    f[30] = 198, f[31] = 18, f[32] = 0, f[33] = dst_host;
    f[34] = 0x69, f[35] = 0x87, f[36] = 0x69, f[37] = 0x87;
    f[38] = (uint8_t)((ip - 20) >> 8);
    f[39] = (uint8_t)(ip - 20);
    for (size_t i = 42; i < len; i++)
        f[i] = (uint8_t)(i * 7);
}

/*
 * Spec sections 4 and 5: a room whose first peer offers "frag" has MTU
 * 1500; 1514-byte frames cross both ways in fragments (the path carries
 * 1404-byte datagrams) and arrive whole; small frames stay whole; a peer
 * without "frag" and a 1404-byte budget cannot join such a room.
 */
static void test_fragmenting_room(void **state)
{
    struct sim *sm = *state;
    static const uint8_t c1_mac[6] = {2, 0, 0, 0, 0, 0x11};
    static const uint8_t lan_mac[6] = {0, 0x16, 0x3e, 0, 0, 0x99};
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct sim_node *gw, *c1, *c2;
    uint8_t f[1514];
    uint64_t dtx;

    gw = sim_join_feat(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01",
                       LP_FEAT_FRAG);
    sim_run(sm, 2 * LP_SECONDS);
    assert_true(gw->welcomed);
    assert_int_equal(gw->s.mtu, 1500);
    assert_true(gw->s.frag);
    c1 =
        sim_join_feat(sm, 2, LP_ROLE_CLIENT, "02:00:00:00:00:11", LP_FEAT_FRAG);
    c2 = sim_join(sm, 3, LP_ROLE_CLIENT, "02:00:00:00:00:12");
    sim_run(sm, 3 * LP_SECONDS);
    assert_true(c1->welcomed && c1->s.frag);
    assert_int_equal(c1->s.mtu, 1500);
    assert_true(c1->s.budget < 1518);
    assert_true(c2->rejected); /* needs 1518 without "frag" */

    /* client -> gateway: a 1514-byte broadcast */
    udp_frame(f, sizeof(f), bcast, c1_mac, 11, 255);
    dtx = c1->s.ctr.datagrams_tx;
    assert_int_equal(lp_session_send_frame(&c1->s, f, sizeof(f), sm->now),
                     LP_REASON_NONE);
    assert_int_equal(c1->s.ctr.datagrams_tx - dtx, 2);
    sim_run(sm, 100 * LP_MILLISECONDS);
    assert_int_equal(gw->frames_rx, 1);
    assert_int_equal(gw->last_len, sizeof(f));
    assert_memory_equal(gw->last_frame, f, sizeof(f));

    /* LAN host -> client: 1514 bytes unicast, re-fragmented by the relay */
    udp_frame(f, sizeof(f), c1_mac, lan_mac, 99, 11);
    assert_int_equal(lp_session_send_frame(&gw->s, f, sizeof(f), sm->now),
                     LP_REASON_NONE);
    sim_run(sm, 100 * LP_MILLISECONDS);
    assert_int_equal(c1->frames_rx, 1);
    assert_int_equal(c1->last_len, sizeof(f));
    assert_memory_equal(c1->last_frame, f, sizeof(f));
    assert_true(sm->relay.ctr.datagrams_tx > sm->relay.ctr.frames_tx);

    /* a small frame goes whole: one datagram */
    dtx = c1->s.ctr.datagrams_tx;
    assert_int_equal(lp_session_send_frame(&c1->s, bcast_from_c1,
                                           sizeof(bcast_from_c1), sm->now),
                     LP_REASON_NONE);
    assert_int_equal(c1->s.ctr.datagrams_tx - dtx, 1);
    sim_run(sm, 100 * LP_MILLISECONDS);
    assert_int_equal(gw->frames_rx, 2);
    assert_int_equal(gw->s.ctr.drops[LP_REASON_FRAG_TIMEOUT], 0);
    assert_int_equal(c1->s.ctr.drops[LP_REASON_FRAG_TIMEOUT], 0);
}

/* Fragments under 5% packet loss: whatever arrives is whole and exact,
 * the rest is counted as frag_timeout, and nothing leaks. */
static void test_fragments_lossy(void **state)
{
    struct sim *sm = *state;
    static const uint8_t c1_mac[6] = {2, 0, 0, 0, 0, 0x11};
    static const uint8_t lan_mac[6] = {0, 0x16, 0x3e, 0, 0, 0x99};
    struct sim_node *gw, *c1;
    uint8_t f[1514];

    gw = sim_join_feat(sm, 1, LP_ROLE_GATEWAY, "02:00:00:00:00:01",
                       LP_FEAT_FRAG);
    sim_run(sm, 2 * LP_SECONDS);
    c1 =
        sim_join_feat(sm, 2, LP_ROLE_CLIENT, "02:00:00:00:00:11", LP_FEAT_FRAG);
    sim_run(sm, 3 * LP_SECONDS);
    assert_true(gw->welcomed && c1->welcomed);
    sm->loss_pct = 5;
    udp_frame(f, sizeof(f), c1_mac, lan_mac, 99, 11);
    for (int i = 0; i < 200; i++) {
        f[100] = (uint8_t)i;
        (void)lp_session_send_frame(&gw->s, f, sizeof(f), sm->now);
        sim_run(sm, 5 * LP_MILLISECONDS);
        if (c1->last_len > 0) {
            assert_int_equal(c1->last_len, sizeof(f));
            assert_memory_equal(c1->last_frame + 101, f + 101, sizeof(f) - 101);
        }
    }
    sm->loss_pct = 0;
    sim_run(sm, LP_SECONDS);
    assert_true(c1->frames_rx > 120);
    assert_int_equal(c1->s.ctr.drops[LP_REASON_FRAG_MALFORMED], 0);
    assert_int_equal(sm->relay.ctr.drops[LP_REASON_FRAG_MALFORMED], 0);
    /* at most about 1 - 0.95^4 of the frames lose a fragment */
    assert_true(c1->s.ctr.drops[LP_REASON_FRAG_TIMEOUT] +
                    sm->relay.ctr.drops[LP_REASON_FRAG_TIMEOUT] >
                0);
    /* the expiry timers forgot every incomplete frame */
    {
        const struct lp_session_peer *p =
            lp_session_peer(&c1->s, gw->s.peer_id);
        assert_non_null(p);
        assert_non_null(p->rx);
        assert_int_equal(lp_frag_rx_pending(p->rx), 0);
    }
}

/* The admin listener's views (relay/lp_status) of a room of three, and a
 * kick: the kicked peer gets `disconnect` kicked, the others peer_left. */
static void test_status_and_kick(void **state)
{
    struct sim *sm = *state;
    struct sim_node *gw, *c1, *c2;
    struct lp_status_meta meta;
    json_t *st, *room, *peers, *p;
    char *text = NULL;
    size_t len = 0, i;
    int seen_c1 = 0;

    check_room_of_three(sm, &gw, &c1, &c2);
    assert_int_equal(lp_session_send_frame(&c1->s, bcast_from_c1,
                                           sizeof(bcast_from_c1), sm->now),
                     LP_REASON_NONE);
    sim_run(sm, 6 * LP_SECONDS); /* the first stats (every 5 s) */
    memset(&meta, 0, sizeof(meta));
    meta.version = "test";
    meta.started = sm->now - 10 * LP_SECONDS;
    meta.wall_now_ms = 1700000000000ULL;
    meta.proc.start_ms = 1699999990000ULL;
    meta.proc.cpu_seconds = 1.5;
    meta.proc.resident_bytes = meta.proc.virtual_bytes = 1 << 20;
    meta.proc.open_fds = meta.proc.max_fds = -1;

    st = lp_status_json(&sm->relay, &meta, sm->now);
    assert_non_null(st);
    assert_string_equal(json_string_value(json_object_get(st, "schema")),
                        LP_STATUS_SCHEMA);
    assert_int_equal(json_integer_value(json_object_get(st, "uptime_s")), 10);
    room = json_array_get(json_object_get(st, "rooms"), 0);
    assert_string_equal(json_string_value(json_object_get(room, "name")),
                        "SIM");
    assert_int_equal(json_integer_value(json_object_get(room, "gateway_id")),
                     gw->s.peer_id);
    peers = json_object_get(room, "peers");
    assert_int_equal(json_array_size(peers), 3);
    json_array_foreach(peers, i, p)
    {
        json_t *tr = json_object_get(p, "traffic");
        assert_non_null(json_object_get(p, "rtt_ms"));
        assert_true(json_is_object(json_object_get(p, "rtt_ms")));
        assert_true(json_is_object(json_object_get(p, "stats")));
        if (strcmp(json_string_value(json_object_get(p, "mac")),
                   "02:00:00:00:00:11") != 0)
            continue;
        seen_c1 = 1;
        assert_string_equal(json_string_value(json_object_get(p, "role")),
                            "client");
        assert_int_equal(json_integer_value(json_object_get(tr, "frames_in")),
                         1);
        /* its broadcast's source 198.18.0.11 is now its address */
        assert_string_equal(
            json_string_value(json_object_get(
                json_array_get(
                    json_object_get(json_object_get(p, "addresses"), "ipv4"),
                    0),
                "addr")),
            "198.18.0.11");
    }
    assert_true(seen_c1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(room, "traffic"), "frames_out")),
                     2);
    json_decref(st);

    assert_int_equal(lp_status_metrics(&sm->relay, &meta, sm->now, &text, &len),
                     0);
    assert_int_equal(strlen(text), len);
    assert_non_null(
        strstr(text, "lanparty_peers{room=\"SIM\",role=\"client\"} 2\n"));
    assert_non_null(strstr(text, "lanparty_forwarded_frames_total{room=\"SIM\","
                                 "direction=\"in\"} 1\n"));
    assert_non_null(
        strstr(text, "lanparty_drops_total{reason=\"source_mac\"} 0\n"));
    assert_non_null(strstr(text, "lanparty_peer_rtt_seconds{room=\"SIM\","));
    assert_non_null(strstr(text, "process_cpu_seconds_total 1.500\n"));
    assert_null(strstr(text, "process_open_fds"));
    free(text);

    /* kick c1: it is told why, the others see it leave */
    assert_int_equal(lp_relay_kick(&sm->relay, "SIM", 999, sm->now),
                     LP_ERR_INVAL);
    assert_int_equal(lp_relay_kick(&sm->relay, "NOPE", c1->s.peer_id, sm->now),
                     LP_ERR_INVAL);
    assert_int_equal(lp_relay_kick(&sm->relay, "SIM", c1->s.peer_id, sm->now),
                     0);
    assert_int_equal(lp_relay_kick(&sm->relay, "SIM", c1->s.peer_id, sm->now),
                     LP_ERR_INVAL);
    sim_run(sm, LP_SECONDS);
    assert_true(c1->disconnected);
    assert_string_equal(c1->disconnect_reason, "kicked");
    assert_true(c1->closed);
    assert_int_equal(gw->left_events, 1);
    assert_string_equal(gw->left_reason, "kicked");
    assert_string_equal(c2->left_reason, "kicked");

    /* the room's counters keep the departed peer's traffic */
    assert_int_equal(lp_status_metrics(&sm->relay, &meta, sm->now, &text, &len),
                     0);
    assert_non_null(strstr(text, "lanparty_forwarded_frames_total{room=\"SIM\","
                                 "direction=\"in\"} 1\n"));
    assert_non_null(
        strstr(text, "lanparty_peers{room=\"SIM\",role=\"client\"} 1\n"));
    free(text);
}

/*
 * The express lane: a small frame (a game packet, a ping) queued behind a
 * download's worth of full-size frames on the gateway leaves the gateway
 * and the relay ahead of them, instead of waiting for the congestion window
 * to drain the queue; the bulk frames still arrive after it.
 */
static void test_express_lane(void **state)
{
    struct sim *sm = *state;
    static const uint8_t c1_mac[6] = {2, 0, 0, 0, 0, 0x11};
    static const uint8_t lan_mac[6] = {0, 0x16, 0x3e, 0, 0, 0x99};
    struct sim_node *gw, *c1, *c2;
    uint8_t f[1394], small[SIM_SMALL];
    int bulk = 200;

    check_room_of_three(sm, &gw, &c1, &c2);
    udp_frame(f, sizeof(f), c1_mac, lan_mac, 99, 11);
    udp_frame(small, sizeof(small), c1_mac, lan_mac, 99, 11);
    for (int i = 0; i < bulk; i++)
        assert_int_equal(lp_session_send_frame(&gw->s, f, sizeof(f), sm->now),
                         LP_REASON_NONE);
    assert_int_equal(
        lp_session_send_frame(&gw->s, small, sizeof(small), sm->now),
        LP_REASON_NONE);
    assert_true(lp_qconn_dgram_queued(&gw->s.q) == (uint32_t)bulk + 1);
    sim_run(sm, LP_SECONDS);
    assert_true(c1->small_at > 0);
    /* it overtook: most of the bulk frames arrived after it */
    assert_true(c1->small_at < 40);
    assert_true(c1->frames_rx - c1->small_at > bulk / 2);
}

/*
 * The ACK for a lone datagram waits for our reply and rides on it: a ping
 * through the relay costs the player one packet, not a reply and a
 * standalone ACK sent while the reply is being made (LP_QCONN_ACK_HOLD).
 */
static void test_ack_rides_on_reply(void **state)
{
    struct sim *sm = *state;
    static const uint8_t c1_mac[6] = {2, 0, 0, 0, 0, 0x11};
    static const uint8_t lan_mac[6] = {0, 0x16, 0x3e, 0, 0, 0x99};
    struct sim_node *gw, *c1, *c2;
    uint8_t req[SIM_SMALL], rep[SIM_SMALL];
    uint64_t sent;
    int rx;

    check_room_of_three(sm, &gw, &c1, &c2);
    sim_run(sm, LP_SECONDS); /* nothing left to acknowledge */
    udp_frame(req, sizeof(req), c1_mac, lan_mac, 99, 11);
    udp_frame(rep, sizeof(rep), lan_mac, c1_mac, 11, 99);
    sent = sm->sent[2];
    rx = c1->frames_rx;
    assert_int_equal(lp_session_send_frame(&gw->s, req, sizeof(req), sm->now),
                     LP_REASON_NONE);
    /* two hops of SIM_DELAY, then most of the hold */
    sim_run(sm, 2 * SIM_DELAY + LP_QCONN_ACK_HOLD * 9 / 10);
    assert_int_equal(c1->frames_rx, rx + 1);
    assert_int_equal(sm->sent[2], sent); /* no standalone ACK yet */
    assert_int_equal(lp_session_send_frame(&c1->s, rep, sizeof(rep), sm->now),
                     LP_REASON_NONE);
    sim_run(sm, LP_MILLISECONDS / 100);
    assert_int_equal(sm->sent[2], sent + 1); /* the reply, with the ACK */
    sim_run(sm, 2 * SIM_DELAY);
    assert_int_equal(gw->frames_rx, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_and_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_and_kick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmenting_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_lossy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_express_lane, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_rides_on_reply, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lossy_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loss_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acks_lost_window_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_acks_lost_relay_window_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_relay_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_gateway_rejected, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
