/*
 * fuzz_relay: the relay's whole packet path, sans IO, with invariants.
 *
 * The relay core (relay/lp_relay.c) is driven through connections without
 * QUIC underneath (lp_qserver_attach): the input is a script of steps from
 * up to 12 fake peers on a few source addresses. Each step is one byte of
 * opcode, then its operands:
 *
 *   0 P        a new peer from address P % 4
 *   1 K R M F  peer K says hello: role (R & 1: gateway), room R/2 % 3, MAC
 *              index M % 6, F & 1: offer "frag", F & 2: a resume secret
 *   2 K L ...  peer K sends L raw control bytes
 *   3 K T M D  peer K sends a datagram: T picks the frame (broadcast, to
 *              another peer's MAC, IPv4/UDP, ARP, DHCP server reply; T & 0x80
 *              as fragments, T & 0x40 from MAC index M instead of its own,
 *              T >= 0xf0 raw bytes) and D its bytes
 *   4 K        peer K closes
 *   5 S        time goes on by S * 2 ms; the relay's timers run
 *
 * After every step the relay's output is checked, then flushed (the
 * detached connections discard it):
 *   - a datagram queued towards peer T carries the id of the peer that
 *     sent this step's datagram, which is admitted in T's room, and T is
 *     not that sender (no frame to another room, none back to its sender);
 *   - after the flush every pool buffer is free again (no reference leaks),
 *     and nothing queued is older than the queue age limit allows;
 *   - the relay's peer count never exceeds the connections.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_ctrl.h"
#include "lp_eth.h"
#include "lp_frag.h"
#include "lp_log.h"
#include "lp_overlay.h"
#include "lp_relay.h"

#define NPEERS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_send(void *arg, const ngtcp2_path *path, const uint8_t *d,
                   size_t len, size_t segsize)
{
    (void)arg;
    (void)path;
    (void)d;
    (void)len;
    (void)segsize;
    return 0;
}

struct fz {
    struct lp_relay r;
    struct lp_qconn *peer[NPEERS];
    unsigned mac_idx[NPEERS]; /* the MAC each peer's hello announced */
    size_t npeers;
    lp_tstamp now;
    const uint8_t *in;
    size_t left;
    unsigned long checked, admitted_max; /* FUZZ_RELAY_VERBOSE: reach */
};

static unsigned take(struct fz *f)
{
    if (f->left == 0)
        return 0;
    f->left--;
    return *f->in++;
}

static void mac_of(unsigned idx, uint8_t mac[6])
{
    static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0x10};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(0x10 + idx % 6);
}

/* the peer that is still there at index k (NULL if none) */
static struct lp_qconn *peer_at(struct fz *f, unsigned k)
{
    if (f->npeers == 0)
        return NULL;
    return f->peer[k % f->npeers];
}

static void step_new(struct fz *f)
{
    struct sockaddr_in6 local, remote;
    ngtcp2_path path;
    unsigned a = take(f) % 4;
    struct lp_qconn *c;

    if (f->npeers == NPEERS)
        return;
    memset(&local, 0, sizeof(local));
    memset(&remote, 0, sizeof(remote));
    local.sin6_family = remote.sin6_family = AF_INET6;
    local.sin6_port = htons(443);
    remote.sin6_port = htons((uint16_t)(40000 + f->npeers));
    remote.sin6_addr.s6_addr[0] = 0x20;
    remote.sin6_addr.s6_addr[1] = 0x01;
    remote.sin6_addr.s6_addr[2] = 0x0d;
    remote.sin6_addr.s6_addr[3] = 0xb8;
    remote.sin6_addr.s6_addr[7] = (uint8_t)a;
    remote.sin6_addr.s6_addr[15] = (uint8_t)f->npeers;
    path.local.addr = (ngtcp2_sockaddr *)&local;
    path.local.addrlen = sizeof(local);
    path.remote.addr = (ngtcp2_sockaddr *)&remote;
    path.remote.addrlen = sizeof(remote);
    c = lp_qserver_attach(&f->r.qs, &path, 1200 + take(f) * 2, f->now);
    if (c != NULL)
        f->peer[f->npeers++] = c;
}

static void feed_ctrl(struct fz *f, struct lp_qconn *c, const uint8_t *d,
                      size_t n)
{
    if (!lp_qconn_is_closing(c) && c->ops->on_ctrl != NULL)
        (void)c->ops->on_ctrl(c, d, n, f->now);
}

static void step_hello(struct fz *f)
{
    unsigned k = take(f);
    struct lp_qconn *c = peer_at(f, k);
    unsigned role = take(f), m = take(f), fl = take(f);
    struct lp_msg msg;
    uint8_t buf[LP_CTRL_MAX_LEN + 4];
    ssize_t n;

    if (c == NULL)
        return;
    memset(&msg, 0, sizeof(msg));
    msg.type = LP_MSG_HELLO;
    msg.u.hello.version = 1;
    msg.u.hello.role = role & 1 ? LP_ROLE_GATEWAY : LP_ROLE_CLIENT;
    snprintf(msg.u.hello.room, sizeof(msg.u.hello.room), "ROOM%u",
             role / 2 % 3);
    mac_of(m, msg.u.hello.mac);
    f->mac_idx[k % f->npeers] = m;
    msg.u.hello.datagram_budget = (uint16_t)lp_qconn_max_dgram(c);
    if (fl & 1)
        msg.u.hello.features = LP_FEAT_FRAG;
    if (fl & 2) {
        msg.u.hello.has_resume = 1;
        memset(msg.u.hello.resume, (int)(m % 3), sizeof(msg.u.hello.resume));
    }
    n = lp_ctrl_encode(buf, sizeof(buf), &msg);
    if (n > 0)
        feed_ctrl(f, c, buf, (size_t)n);
}

static void step_ctrl(struct fz *f)
{
    struct lp_qconn *c = peer_at(f, take(f));
    size_t n = take(f);

    if (n > f->left)
        n = f->left;
    if (c != NULL)
        feed_ctrl(f, c, f->in, n);
    f->in += n;
    f->left -= n;
}

/* build_frame writes a frame of kind t from peer c into out. */
static size_t build_frame(struct fz *f, unsigned t, const uint8_t *src_mac,
                          uint8_t *out, size_t cap)
{
    size_t len = 14 + take(f) * 6;
    uint8_t dst[6];

    if (len > cap)
        len = cap;
    memset(out, 0, len);
    switch (t % 5) {
    case 0:
        memset(dst, 0xff, 6);
        break;
    case 1:
        mac_of(take(f), dst);
        break;
    default:
        memcpy(dst, "\x00\x16\x3e\x00\x00\x99", 6); /* a LAN host */
        break;
    }
    memcpy(out, dst, 6);
    memcpy(out + 6, src_mac, 6);
    if (t % 5 == 3) { /* ARP */
        out[12] = 0x08;
        out[13] = 0x06;
    } else if (len >= 14 + 28) { /* IPv4/UDP, maybe a DHCP server's */
        uint8_t *ip = out + 14;
        out[12] = 0x08;
        ip[0] = 0x45;
        ip[2] = (uint8_t)((len - 14) >> 8);
        ip[3] = (uint8_t)(len - 14);
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 198;
        ip[13] = 18;
        ip[15] = (uint8_t)take(f);
        memset(ip + 16, 0xff, 4);
        ip[20] = 0;
        ip[21] = t % 5 == 4 ? 67 : 0x69;
        ip[23] = t % 5 == 4 ? 68 : 0x87;
    }
    for (size_t i = 14 + 28; i < len && f->left > 0; i++)
        out[i] = (uint8_t)take(f);
    return len;
}

/* check_egress: what this step queued came from sender, within its room */
static void check_egress(struct fz *f, struct lp_qconn *sender)
{
    const char *sroom = NULL, *troom;
    uint16_t sid = 0, tid;
    int admitted = lp_relay_peer_info(sender, &sroom, &sid);

    for (size_t i = 0; i < f->npeers; i++) {
        struct lp_qconn *t = f->peer[i];
        uint32_t n = lp_qconn_dgram_queued(t);
        for (uint32_t k = 0; k < n; k++) {
            const struct lp_pbuf *b = lp_qconn_dgram_peek(t, k);
            uint16_t from;
            if (b == NULL)
                abort(); /* the count and the queues disagree */
            from = (uint16_t)(b->data[2] << 8 | b->data[3]);
            if (!admitted || t == sender)
                abort(); /* from nobody, or back to its sender */
            if (!lp_relay_peer_info(t, &troom, &tid) ||
                strcmp(troom, sroom) != 0 || from != sid || tid == sid)
                abort(); /* to another room, or mislabelled */
            f->checked++;
        }
    }
}

static void step_dgram(struct fz *f)
{
    unsigned k = take(f);
    struct lp_qconn *c = peer_at(f, k);
    unsigned t = take(f), m = take(f);
    uint8_t frame[1600], dg[1700];
    uint8_t mac[6];
    size_t len, n;

    if (c == NULL)
        return;
    /* from its own MAC, unless the input spoofs one (t & 0x40) */
    mac_of(t & 0x40 ? m : f->mac_idx[k % f->npeers], mac);
    if (t >= 0xf0) { /* a raw datagram */
        n = take(f) * 2;
        if (n > f->left)
            n = f->left;
        if (c->ops->on_datagram != NULL && !lp_qconn_is_closing(c))
            c->ops->on_datagram(c, f->in, n, f->now);
        f->in += n;
        f->left -= n;
        check_egress(f, c);
        return;
    }
    len = build_frame(f, t, mac, frame, sizeof(frame));
    if (t & 0x80) {
        /* as fragments, in an order the input picks */
        struct lp_frag_plan plan;
        size_t budget = 200 + take(f) * 5;
        uint16_t fid = (uint16_t)take(f);
        if (lp_frag_plan(&plan, len, budget) != 0 || plan.count < 2)
            return;
        for (unsigned i = 0; i < plan.count; i++) {
            unsigned idx = (i + take(f)) % plan.count;
            ssize_t w =
                lp_frag_write(dg, sizeof(dg), &plan, idx, 0, fid, frame);
            if (w > 0 && c->ops->on_datagram != NULL && !lp_qconn_is_closing(c))
                c->ops->on_datagram(c, dg, (size_t)w, f->now);
        }
    } else {
        lp_overlay_write_hdr(dg, 0);
        memcpy(dg + LP_OVERLAY_HDR_LEN, frame, len);
        if (c->ops->on_datagram != NULL && !lp_qconn_is_closing(c))
            c->ops->on_datagram(c, dg, LP_OVERLAY_HDR_LEN + len, f->now);
    }
    check_egress(f, c);
}

static void step_close(struct fz *f)
{
    struct lp_qconn *c = peer_at(f, take(f));

    if (c != NULL)
        lp_qconn_close_now(c, 0, f->now);
}

/* after each step: flush, forget dead peers, check the pool */
static void settle(struct fz *f)
{
    size_t j = 0;

    lp_relay_flush(&f->r, f->now);
    /* a flushed connection that died is freed by the server: forget the
     * ones that are gone from its heap */
    for (size_t i = 0; i < f->npeers; i++) {
        int live = 0;
        for (size_t h = 0; h < f->r.qs.nconns; h++)
            live |= f->r.qs.heap[h] == f->peer[i];
        if (live)
            f->peer[j++] = f->peer[i];
    }
    f->npeers = j;
    for (size_t i = 0; i < f->npeers; i++)
        if (lp_qconn_dgram_queued(f->peer[i]) != 0)
            abort(); /* a flush empties every queue */
    if (f->r.pool.nfree != f->r.pool.nslots)
        abort(); /* a buffer reference leaked */
    if (f->r.npeers > f->r.qs.nconns)
        abort();
    if (f->r.npeers > f->admitted_max)
        f->admitted_max = f->r.npeers;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz f;
    struct lp_relay_cfg cfg;

    lp_log_set_level(LP_LOG_ERROR);
    memset(&f, 0, sizeof(f));
    f.in = data;
    f.left = size;
    f.now = 1000 * LP_SECONDS;
    lp_relay_cfg_default(&cfg);
    cfg.pool_slots = 512;
    cfg.max_conns = 64;
    cfg.queue_slots = 64;
    cfg.room_max_per_ip = 3;
    if (lp_relay_init(&f.r, &cfg, NULL, fz_send, NULL, f.now) != 0)
        return 0;
    while (f.left > 0) {
        switch (take(&f) % 6) {
        case 0:
            step_new(&f);
            break;
        case 1:
            step_hello(&f);
            break;
        case 2:
            step_ctrl(&f);
            break;
        case 3:
            step_dgram(&f);
            break;
        case 4:
            step_close(&f);
            break;
        default:
            f.now += (lp_tstamp)take(&f) * 2 * LP_MILLISECONDS;
            lp_relay_timers(&f.r, f.now);
            break;
        }
        settle(&f);
    }
    if (getenv("FUZZ_RELAY_VERBOSE") != NULL)
        fprintf(stderr,
                "fuzz_relay: %lu datagrams checked, %lu peers admitted at "
                "most, %llu frames in\n",
                f.checked, f.admitted_max,
                (unsigned long long)f.r.ctr.frames_rx);
    lp_relay_free(&f.r);
    return 0;
}
