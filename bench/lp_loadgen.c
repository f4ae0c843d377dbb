/*
 * lp-loadgen: load for the relay benchmark, built from the same QUIC client
 * side as the endpoints. One process, many connections, one epoll loop.
 *
 *   lp-loadgen --relay 127.0.0.1:PORT --pin cert.der --mode unicast
 *   lp-loadgen ... --mode broadcast --receivers 8
 *   lp-loadgen ... --mode idle --peers 1000
 *   lp-loadgen ... --mode attack --pairs 67 --bind 127.0.0.2,127.0.0.3
 *
 * unicast: one client sends 1400-byte frames to a LAN MAC (the relay sends
 * them to the gateway), the gateway counts them. broadcast: one client
 * sends broadcast frames, every other peer counts. idle: N peers join and
 * stay until stdin closes. attack: N rooms of two, a receiver that stops
 * reading (and so acknowledging) once welcomed and a sender that floods it
 * with unicast, until stdin closes: what one attacker does to the relay's
 * shared buffers. --bind spreads the connections over local addresses.
 * Prints one JSON line of results per phase.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "lp_clock.h"
#include "lp_ctrl.h"
#include "lp_endpoint.h"
#include "lp_eth.h"
#include "lp_log.h"
#include "lp_overlay.h"
#include "lp_qconn.h"
#include "lp_resolve.h"
#include "lp_udp.h"

#define LG_INFLIGHT 4096 /* frame copies in flight end to end */

struct lg_conn {
    struct lp_qconn q;
    struct lp_udp udp;
    int idx, welcomed, hello_sent, sender, deaf;
    struct lp_pbuf *frame; /* attack: the sender's frame */
    lp_tstamp hs_at;
    uint64_t rx;
    uint8_t cbuf[8192];
    size_t clen;
};

static struct lg_conn **conns;
static int nconns;
static struct lp_pool pool;
static uint8_t txbuf[65536];
static int nwelcomed;

static int lg_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                   size_t len, size_t segsize)
{
    struct lg_conn *c = arg;

    (void)path;
    return lp_udp_send(&c->udp, NULL, 0, NULL, 0, data, len, segsize);
}

static void lg_on_hs(struct lp_qconn *q, lp_tstamp now)
{
    ((struct lg_conn *)q)->hs_at = now;
}

static int lg_on_ctrl(struct lp_qconn *q, const uint8_t *d, size_t n,
                      lp_tstamp now)
{
    struct lg_conn *c = (struct lg_conn *)q;

    (void)now;
    if (c->welcomed)
        return 0;
    if (c->clen + n > sizeof(c->cbuf))
        n = sizeof(c->cbuf) - c->clen;
    memcpy(c->cbuf + c->clen, d, n);
    c->clen += n;
    if (memmem(c->cbuf, c->clen, "\"welcome\"", 9) != NULL) {
        c->welcomed = 1;
        nwelcomed++;
    } else if (memmem(c->cbuf, c->clen, "\"reject\"", 8) != NULL) {
        fprintf(stderr, "lp-loadgen: peer %d rejected: %.*s\n", c->idx,
                (int)(c->clen > 4 ? c->clen - 4 : 0), c->cbuf + 4);
        exit(1);
    }
    return 0;
}

static void lg_on_dgram(struct lp_qconn *q, const uint8_t *d, size_t n,
                        lp_tstamp now)
{
    (void)d;
    (void)n;
    (void)now;
    ((struct lg_conn *)q)->rx++;
}

static const struct lp_qconn_ops lg_ops = {
    .on_handshake = lg_on_hs,
    .on_ctrl = lg_on_ctrl,
    .on_datagram = lg_on_dgram,
};

static void lg_hello(struct lg_conn *c, const char *room, int gateway)
{
    struct lp_msg m;
    uint8_t buf[1024];
    ssize_t n;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_HELLO;
    m.u.hello.version = 1;
    m.u.hello.role = gateway ? LP_ROLE_GATEWAY : LP_ROLE_CLIENT;
    snprintf(m.u.hello.room, sizeof(m.u.hello.room), "%s", room);
    m.u.hello.mac[0] = 0x02;
    m.u.hello.mac[3] = (uint8_t)(c->idx >> 16);
    m.u.hello.mac[4] = (uint8_t)(c->idx >> 8);
    m.u.hello.mac[5] = (uint8_t)c->idx;
    m.u.hello.datagram_budget = (uint16_t)lp_qconn_max_dgram(&c->q);
    n = lp_ctrl_encode(buf, sizeof(buf), &m);
    if (n > 0)
        lp_qconn_send_ctrl(&c->q, buf, (size_t)n);
    c->hello_sent = 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"relay", required_argument, NULL, 'r'},
        {"pin", required_argument, NULL, 'p'},
        {"mode", required_argument, NULL, 'm'},
        {"receivers", required_argument, NULL, 'n'},
        {"peers", required_argument, NULL, 'P'},
        {"seconds", required_argument, NULL, 's'},
        {"size", required_argument, NULL, 'z'},
        {"pairs", required_argument, NULL, 'k'},
        {"bind", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    const char *relay = NULL, *pin = NULL, *mode = "unicast";
    int receivers = 8, peers = 1000, opt, ep;
    double seconds = 5;
    size_t fsize = 1400;
    struct lp_tls_client tls;
    struct lp_endpoint e;
    struct sockaddr_storage addr;
    socklen_t alen;
    size_t naddr;
    char err[256];
    struct lp_udp_rxbatch rxb;
    struct lp_pbuf *frame;
    lp_tstamp start, t_measure = 0, t_end = 0;
    uint64_t rx_at_measure = 0;
    int is_idle, is_bcast, is_attack, pairs = 67;
    char *binds[16];
    int nbinds = 0;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            relay = optarg;
            break;
        case 'p':
            pin = optarg;
            break;
        case 'm':
            mode = optarg;
            break;
        case 'n':
            receivers = atoi(optarg);
            break;
        case 'P':
            peers = atoi(optarg);
            break;
        case 's':
            seconds = atof(optarg);
            break;
        case 'k':
            pairs = atoi(optarg);
            if (pairs < 1 || pairs > 4096) {
                fprintf(stderr, "lp-loadgen: --pairs: 1 to 4096\n");
                return 2;
            }
            break;
        case 'b':
            for (char *t = strtok(optarg, ","); t != NULL && nbinds < 16;
                 t = strtok(NULL, ","))
                binds[nbinds++] = t;
            break;
        case 'z':
            fsize = (size_t)atol(optarg);
            if (fsize < 64 || fsize > 9000) {
                fprintf(stderr, "lp-loadgen: --frame-size: 64 to 9000\n");
                return 2;
            }
            break;
        default:
            return 2;
        }
    }
    lp_log_set_level(LP_LOG_ERROR);
    is_idle = strcmp(mode, "idle") == 0;
    is_bcast = strcmp(mode, "broadcast") == 0;
    is_attack = strcmp(mode, "attack") == 0;
    nconns = is_idle     ? peers
             : is_attack ? 2 * pairs
             : is_bcast  ? receivers + 1
                         : 2;
    if (relay == NULL || lp_endpoint_parse(&e, relay, err, sizeof(err)) != 0 ||
        lp_resolve_endpoint(&e, &addr, &alen, 1, &naddr, err, sizeof(err)) !=
            0 ||
        lp_tls_client_init(&tls, pin, "lanparty-relay", err, sizeof(err)) !=
            0) {
        fprintf(stderr, "lp-loadgen: %s\n", err);
        return 2;
    }
    {
        struct rlimit rl = {(rlim_t)nconns + 64, (rlim_t)nconns + 64};
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (lp_pool_init(&pool, (size_t)nconns + 64, 2048) != 0 ||
        lp_udp_rxbatch_init(&rxb) != 0)
        return 1;
    ep = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)nconns, sizeof(*conns));
    if (ep < 0 || conns == NULL) {
        fprintf(stderr, "lp-loadgen: %s\n",
                ep < 0 ? strerror(errno) : "out of memory");
        return 1;
    }
    start = lp_clock_now();
    for (int i = 0; i < nconns; i++) {
        struct lg_conn *c = calloc(1, sizeof(*c));
        struct epoll_event ev;
        if (c == NULL ||
            lp_udp_connect_from(&c->udp, nbinds > 0 ? binds[i % nbinds] : NULL,
                                (struct sockaddr *)&addr, alen, err,
                                sizeof(err)) != 0 ||
            lp_qconn_client_new(&c->q, &tls, (struct sockaddr *)&c->udp.local,
                                c->udp.locallen, (struct sockaddr *)&addr, alen,
                                &lg_ops, &pool, is_idle ? 4 : 1024, 0,
                                start) != 0) {
            fprintf(stderr, "lp-loadgen: connection %d: %s\n", i, err);
            return 1;
        }
        c->idx = i + 1;
        c->sender = is_attack ? i % 2 == 1 : !is_idle && i == 1;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->udp.fd, &ev) != 0) {
            fprintf(stderr, "lp-loadgen: connection %d: epoll_ctl: %s\n", i,
                    strerror(errno));
            return 1;
        }
        conns[i] = c;
        lp_qconn_flush(&c->q, start, txbuf, sizeof(txbuf), lg_send, c);
    }
    /* the frame every sender queues (one buffer, many references) */
    frame = lp_pool_get(&pool);
    lp_overlay_write_hdr(frame->data, 0);
    memset(frame->data + 4, 0x5a, fsize);
    if (is_bcast)
        memset(frame->data + 4, 0xff, 6);
    else
        memcpy(frame->data + 4, "\x00\x16\x3e\x00\x00\x99", 6);
    memcpy(frame->data + 10, "\x02\x00\x00\x00\x00\x02", 6); /* conn idx 2 */
    /* a game's UDP datagram: clients may send only IPv4, ARP and IPv6 */
    {
        uint8_t *ip = frame->data + 4 + 14, *udp = ip + 20;
        size_t iplen = fsize - 14;
        static const uint8_t src[4] = {198, 18, 0, 2},
                             uni[4] = {198, 18, 0, 99},
                             bc[4] = {255, 255, 255, 255};
        frame->data[16] = 0x08;
        frame->data[17] = 0x00;
        memset(ip, 0, 20);
        ip[0] = 0x45;
        ip[2] = (uint8_t)(iplen >> 8);
        ip[3] = (uint8_t)iplen;
        ip[6] = 0x40; /* DF */
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, is_bcast ? bc : uni, 4);
        udp[0] = udp[2] = 0x69;
        udp[1] = udp[3] = 0x87; /* 27015 */
        udp[4] = (uint8_t)((iplen - 20) >> 8);
        udp[5] = (uint8_t)(iplen - 20);
        udp[6] = udp[7] = 0;
    }
    frame->len = (uint32_t)(4 + fsize);
    /* attack: each sender floods the receiver of its own room (conn 2k
     * has MAC ...:2k+1, its sender 2k+1 has ...:2k+2) */
    for (int i = 1; is_attack && i < nconns; i += 2) {
        struct lp_pbuf *f = lp_pool_get(&pool);
        if (f == NULL)
            return 1;
        memcpy(f->data, frame->data, frame->len);
        f->len = frame->len;
        memcpy(f->data + 4, "\x02\x00\x00", 3);
        f->data[4 + 3] = (uint8_t)(i >> 16);
        f->data[4 + 4] = (uint8_t)(i >> 8);
        f->data[4 + 5] = (uint8_t)i;
        f->data[10 + 3] = (uint8_t)((i + 1) >> 16);
        f->data[10 + 4] = (uint8_t)((i + 1) >> 8);
        f->data[10 + 5] = (uint8_t)(i + 1);
        conns[i]->frame = f;
    }

    for (;;) {
        struct epoll_event evs[64];
        lp_tstamp now = lp_clock_now(), next = now + 50 * LP_MILLISECONDS;
        int n, timeout;

        for (int i = 0; i < nconns; i++) {
            lp_tstamp x = lp_qconn_expiry(&conns[i]->q);
            if (x < next)
                next = x;
        }
        timeout = next <= now ? 0 : (int)((next - now) / LP_MILLISECONDS);
        n = epoll_wait(ep, evs, 64, t_measure != 0 && !is_idle ? 0 : timeout);
        now = lp_clock_now();
        for (int k = 0; k < n; k++) {
            struct lg_conn *c = evs[k].data.ptr;
            int got;
            if (c->deaf) {
                /* read and forget: no acknowledgement ever leaves */
                for (int round = 0; round < 8 && lp_udp_recv(&c->udp, &rxb) > 0;
                     round++)
                    ;
                continue;
            }
            for (int round = 0;
                 round < 8 && (got = lp_udp_recv(&c->udp, &rxb)) > 0; round++)
                for (int j = 0; j < got; j++)
                    for (size_t off = 0; off < rxb.rx[j].len;
                         off += rxb.rx[j].segsize) {
                        size_t l = rxb.rx[j].len - off < rxb.rx[j].segsize
                                       ? rxb.rx[j].len - off
                                       : rxb.rx[j].segsize;
                        lp_qconn_read(&c->q, &c->q.path, rxb.rx[j].data + off,
                                      l, now);
                    }
        }
        for (int i = 0; i < nconns; i++) {
            struct lg_conn *c = conns[i];
            if (c->deaf)
                continue;
            if (is_attack && c->welcomed && !c->sender) {
                c->deaf = 1;
                continue;
            }
            if (is_attack && c->sender && c->welcomed &&
                conns[i - 1]->welcomed) {
                while (lp_qconn_dgram_queued(&c->q) < 256 &&
                       lp_qconn_queue_dgram(&c->q, c->frame) == 0)
                    ;
            }
            if (lp_qconn_expiry(&c->q) <= now)
                lp_qconn_handle_expiry(&c->q, now);
            if (!c->hello_sent && c->hs_at != 0 &&
                (lp_qconn_pmtud_done(&c->q) || now - c->hs_at > LP_SECONDS) &&
                (is_idle || is_attack || i == 0 || nwelcomed >= 1)) {
                /* idle peers: realistic rooms of 32 (the relay's default
                 * room limit is 64) */
                char room[16];
                if (is_attack)
                    snprintf(room, sizeof(room), "ATK%d", i / 2);
                else
                    snprintf(room, sizeof(room), "IDLE%d", i / 32);
                lg_hello(c, is_idle || is_attack ? room : "BENCH",
                         !is_idle && !is_attack && i == 0);
            }
            if (c->sender && t_measure != 0) {
                /* End-to-end window: at most LG_INFLIGHT copies sent but
                 * not yet received. Without it the sender outruns the
                 * receivers in this same process, their socket buffers
                 * overflow, and the relay's congestion-controlled egress
                 * collapses: the bench would measure that, not the relay. */
                uint64_t rx_total = 0, copies;
                for (int k = 0; k < nconns; k++)
                    rx_total += conns[k]->rx;
                for (;;) {
                    copies = (c->q.dgrams_sent + lp_qconn_dgram_queued(&c->q)) *
                             (uint64_t)(nconns - 1);
                    if (copies >= rx_total + LG_INFLIGHT ||
                        lp_qconn_dgram_queued(&c->q) >= 512 ||
                        lp_qconn_queue_dgram(&c->q, frame) != 0)
                        break;
                }
            }
            lp_qconn_flush(&c->q, now, txbuf, sizeof(txbuf), lg_send, c);
            if (lp_qconn_is_closing(&c->q)) {
                fprintf(stderr, "lp-loadgen: connection %d closed\n", c->idx);
                return 1;
            }
        }
        if (t_measure == 0 && nwelcomed == nconns) {
            if (is_idle || is_attack) {
                printf("{\"mode\":\"%s\",\"peers\":%d,\"join_seconds\":%."
                       "2f}\n",
                       mode, nconns, (double)(now - start) / 1e9);
                fflush(stdout);
                t_measure = now;
                t_end = UINT64_MAX;
            } else {
                /* warm up for 1 s, then measure */
                t_measure = now + LP_SECONDS;
                t_end = t_measure + (lp_tstamp)(seconds * 1e9);
                printf("{\"phase\":\"joined\",\"peers\":%d}\n", nconns);
                fflush(stdout);
            }
        }
        if ((is_idle || is_attack) && t_measure != 0) {
            char b[16];
            /* hold the peers until the bench closes our stdin */
            struct timeval tv = {0, 0};
            fd_set fs;
            FD_ZERO(&fs);
            FD_SET(0, &fs);
            if (select(1, &fs, NULL, NULL, &tv) > 0 &&
                read(0, b, sizeof(b)) <= 0)
                break;
        }
        if (!is_idle && !is_attack && t_measure != 0 && rx_at_measure == 0 &&
            now >= t_measure) {
            for (int i = 0; i < nconns; i++)
                rx_at_measure += conns[i]->rx;
            rx_at_measure += 1; /* mark taken */
            printf("{\"phase\":\"measuring\"}\n");
            fflush(stdout);
        }
        if (!is_idle && !is_attack && t_end != 0 && now >= t_end) {
            uint64_t total = 0;
            double secs = (double)(now - t_measure) / 1e9;
            for (int i = 0; i < nconns; i++)
                total += conns[i]->rx;
            total -= rx_at_measure - 1;
            printf("{\"mode\":\"%s\",\"frame\":%zu,\"seconds\":%.3f,"
                   "\"datagrams\":%llu,\"per_second\":%.0f,\"gbit\":%.3f}\n",
                   mode, fsize, secs, (unsigned long long)total,
                   (double)total / secs,
                   (double)total * (double)(fsize + 4) * 8 / secs / 1e9);
            fflush(stdout);
            break;
        }
    }
    if (is_attack) {
        uint64_t sent = 0;
        for (int i = 1; i < nconns; i += 2)
            sent += conns[i]->q.dgrams_sent;
        printf("{\"mode\":\"attack\",\"sent\":%llu}\n",
               (unsigned long long)sent);
    }
    return 0;
}
