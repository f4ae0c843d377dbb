/*
 * lp-testpeer: a scriptable QUIC endpoint for the relay's system tests.
 *
 * Built from the same client side as the gateway and the clients
 * (quic/lp_qconn.c, io/lp_udp.c), it connects to a real relay and obeys
 * one command per line on stdin, printing one JSON event per line on
 * stdout. It deliberately lets a test send anything: raw control bytes,
 * broken JSON, raw datagrams.
 *
 * Options: --relay, --pin, --pin-spki sha256:B64[,sha256:B64...] (public-key
 * pins as in an invite link, instead of --pin), --server-name, --alpn,
 * --no-datagram, --no-wait,
 * --small-udp, --bind ADDR, --drop-above N (discard received UDP payloads
 * over N bytes: a smaller path MTU towards this peer, so the relay's PMTUD
 * probes fail and PMTUD keeps running for a while).
 *
 * Commands:
 *   hello ROLE ROOM MAC [BUDGET] [auth=T] [resume=B64] [frag]
 *                                  hello (BUDGET default: measured, or -)
 *   json TEXT                      one control frame holding TEXT
 *   raw HEX                        raw bytes on the control stream
 *   frame HEX                      an overlay datagram (peer_id 0) + frame
 *   dgram HEX                      a raw datagram (e.g. a crafted fragment)
 *   frag BUDGET HEX                the frame in the fewest fragments that
 *                                  fit BUDGET-byte datagrams (lp_frag), or
 *                                  whole if it fits, with the next frame_id
 *   flood N HEX                    N frames (queued as the path allows)
 *   stats                          a stats message
 *   disconnect REASON              disconnect, then close with NO_ERROR
 *   close CODE                     close now with an application code
 *   rebind                         move to a new UDP port, as a NAT
 *                                  rebinding does (QUIC is not told)
 *   flap N                         send the next N packet runs alternately
 *                                  from two UDP ports (an unstable NAT)
 *   quiet                          stop printing datagrams (count only)
 *   loud                           print datagrams again
 *   count                          print {"ev":"count","dgrams":N}
 *   quit
 * Events: ready, ctrl (the JSON body), dgram, frame, closed, count, error.
 *
 * Every received datagram is printed raw as a dgram event; a fragment's
 * event also has "frag":{"id":F,"index":I,"count":C}. Fragments are also
 * reassembled per peer_id (8 senders, frames of at most 1514 bytes, the
 * same lp_frag_rx as the endpoints): each completed frame is printed as
 * {"ev":"frame","peer_id":N,"len":L,"hex":H}; a failed fragment as
 * {"ev":"frag_drop","reason":R}. A test that wants whole frames whether
 * they came whole or in pieces reads frame events for fragments and dgram
 * events without "frag" for whole datagrams.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_b64.h"
#include "lp_clock.h"
#include "lp_ctrl.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_frag.h"
#include "lp_log.h"
#include "lp_overlay.h"
#include "lp_qconn.h"
#include "lp_resolve.h"
#include "lp_udp.h"

struct tp {
    struct lp_qconn q;
    struct lp_udp udp;
    struct lp_udp alt; /* flap: the second port (fd -1 when unused) */
    unsigned flap_left;
    const char *bind_addr;
    struct sockaddr_storage relay;
    socklen_t relaylen;
    struct lp_pool pool;
    uint8_t txbuf[65536];
    int ready_printed, quiet, closed_printed;
    uint64_t dgrams_rx;
    /* control stream reassembly (length-prefixed frames) */
    uint8_t *cbuf;
    size_t clen, ccap;
    /* flood */
    uint64_t flood_left;
    int flood_wait_sent;
    uint8_t flood_frame[2048];
    size_t flood_len;
    lp_tstamp start, handshake_at;
    /* reassembly of received fragments, one per sending peer_id */
    struct {
        uint16_t peer_id;
        int live;
        struct lp_frag_rx rx;
    } frx[8];
    uint16_t frag_next_id; /* for the frag command */
};

static void out(const char *fmt, ...) LP_PRINTF_LIKE(1, 2);
static void out(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static int tp_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                   size_t len, size_t segsize)
{
    struct tp *t = arg;
    struct lp_udp *u = &t->udp;

    (void)path;
    if (t->flap_left > 0 && t->alt.fd >= 0 && (t->flap_left-- & 1))
        u = &t->alt;
    return lp_udp_send(u, NULL, 0, NULL, 0, data, len, segsize);
}

/* A new connected UDP socket to the relay, from a new ephemeral port. */
static int tp_new_socket(struct tp *t, struct lp_udp *u)
{
    char err[256];

    if (lp_udp_connect_from(u, t->bind_addr, (struct sockaddr *)&t->relay,
                            t->relaylen, err, sizeof(err)) != 0) {
        out("{\"ev\":\"error\",\"msg\":\"%s\"}", err);
        u->fd = -1;
        return -1;
    }
    return 0;
}

static unsigned tp_port(const struct lp_udp *u)
{
    const struct sockaddr_in *s4 = (const void *)&u->local;
    const struct sockaddr_in6 *s6 = (const void *)&u->local;

    return ntohs(u->local.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
}

static void tp_hex(const uint8_t *d, size_t n, char *outb)
{
    static const char hx[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        outb[2 * i] = hx[d[i] >> 4];
        outb[2 * i + 1] = hx[d[i] & 15];
    }
    outb[2 * n] = '\0';
}

static ssize_t tp_unhex(const char *s, uint8_t *outb, size_t cap)
{
    size_t n = 0;

    while (*s == ' ')
        s++;
    while (s[0] != '\0' && s[0] != '\n' && s[1] != '\0') {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1 || n == cap)
            return -1;
        outb[n++] = (uint8_t)v;
        s += 2;
    }
    return (ssize_t)n;
}

static void tp_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    struct tp *t = (struct tp *)c;

    t->handshake_at = now;
    out("{\"ev\":\"handshake\"}");
}

static int tp_on_ctrl(struct lp_qconn *c, const uint8_t *d, size_t n,
                      lp_tstamp now)
{
    struct tp *t = (struct tp *)c;

    (void)now;
    if (t->clen + n > t->ccap) {
        size_t cap = (t->clen + n) * 2;
        uint8_t *nb = realloc(t->cbuf, cap);
        if (nb == NULL)
            return -1;
        t->cbuf = nb;
        t->ccap = cap;
    }
    memcpy(t->cbuf + t->clen, d, n);
    t->clen += n;
    while (t->clen >= 4) {
        size_t len = ((size_t)t->cbuf[0] << 24) | ((size_t)t->cbuf[1] << 16) |
                     ((size_t)t->cbuf[2] << 8) | t->cbuf[3];
        if (len == 0 || len > LP_CTRL_MAX_LEN) {
            out("{\"ev\":\"error\",\"msg\":\"bad control frame length\"}");
            return -1;
        }
        if (t->clen < 4 + len)
            break;
        fputs("{\"ev\":\"ctrl\",\"body\":", stdout);
        fwrite(t->cbuf + 4, 1, len, stdout);
        fputs("}\n", stdout);
        fflush(stdout);
        memmove(t->cbuf, t->cbuf + 4 + len, t->clen - 4 - len);
        t->clen -= 4 + len;
    }
    return 0;
}

/* tp_frag_rx: the reassembler of peer_id (the first free one, or the
 * first one reused when all 8 are taken). */
static struct lp_frag_rx *tp_frag_rx(struct tp *t, uint16_t peer_id)
{
    size_t n = sizeof(t->frx) / sizeof(t->frx[0]), k;

    for (k = 0; k < n; k++)
        if (t->frx[k].live && t->frx[k].peer_id == peer_id)
            return &t->frx[k].rx;
    for (k = 0; k < n && t->frx[k].live; k++)
        ;
    if (k == n) {
        k = 0;
        lp_frag_rx_free(&t->frx[0].rx);
        t->frx[0].live = 0;
    }
    if (lp_frag_rx_init(&t->frx[k].rx, 1514) != 0)
        return NULL;
    t->frx[k].live = 1;
    t->frx[k].peer_id = peer_id;
    return &t->frx[k].rx;
}

static void tp_on_datagram(struct lp_qconn *c, const uint8_t *d, size_t n,
                           lp_tstamp now)
{
    struct tp *t = (struct tp *)c;
    static char hex[2 * 65536 + 1];
    struct lp_frag f;
    int is_frag;

    t->dgrams_rx++;
    if (t->quiet)
        return;
    is_frag = lp_overlay_kind(d, n) == LP_OVERLAY_FRAG &&
              lp_frag_decode(&f, d, n) == 0;
    tp_hex(d, n, hex);
    if (is_frag)
        out("{\"ev\":\"dgram\",\"peer_id\":%u,\"len\":%zu,\"hex\":\"%s\","
            "\"frag\":{\"id\":%u,\"index\":%u,\"count\":%u}}",
            f.peer_id, n, hex, f.frame_id, f.index, f.count);
    else
        out("{\"ev\":\"dgram\",\"peer_id\":%u,\"len\":%zu,\"hex\":\"%s\"}",
            n >= 4 ? ((unsigned)d[2] << 8 | d[3]) : 0, n, hex);
    if (is_frag) {
        struct lp_frag_rx *rx = tp_frag_rx(t, f.peer_id);
        struct lp_frag_result res;
        if (rx == NULL)
            return;
        lp_frag_rx_feed(rx, &f, now, &res);
        if (res.status == LP_FRAG_COMPLETE) {
            tp_hex(res.frame, res.framelen, hex);
            out("{\"ev\":\"frame\",\"peer_id\":%u,\"len\":%zu,\"hex\":\"%s\"}",
                f.peer_id, res.framelen, hex);
        } else if (res.status == LP_FRAG_DROPPED) {
            out("{\"ev\":\"frag_drop\",\"reason\":\"%s\"}",
                lp_reason_name(res.reason));
        }
    }
}

static void tp_on_closed(struct lp_qconn *c, enum lp_qclose why, uint64_t code,
                         lp_tstamp now)
{
    struct tp *t = (struct tp *)c;

    (void)now;
    t->closed_printed = 1;
    out("{\"ev\":\"closed\",\"why\":\"%s\",\"code\":%llu,\"alert\":%u}",
        lp_qclose_name(why), (unsigned long long)code, lp_qconn_tls_alert(c));
}

static const struct lp_qconn_ops tp_ops = {
    .on_handshake = tp_on_handshake,
    .on_ctrl = tp_on_ctrl,
    .on_datagram = tp_on_datagram,
    .on_closed = tp_on_closed,
};

static void tp_ctrl_msg(struct tp *t, const struct lp_msg *m)
{
    static uint8_t buf[LP_CTRL_MAX_LEN + 4];
    ssize_t n = lp_ctrl_encode(buf, sizeof(buf), m);

    if (n < 0 || lp_qconn_send_ctrl(&t->q, buf, (size_t)n) != 0)
        out("{\"ev\":\"error\",\"msg\":\"cannot send control message\"}");
}

static void tp_queue_frame(struct tp *t, const uint8_t *frame, size_t len,
                           int raw)
{
    struct lp_pbuf *b = lp_pool_get(&t->pool);

    if (b == NULL) {
        out("{\"ev\":\"error\",\"msg\":\"pool empty\"}");
        return;
    }
    if (raw) {
        memcpy(b->data, frame, len);
        b->len = (uint32_t)len;
    } else {
        lp_overlay_write_hdr(b->data, 0);
        memcpy(b->data + 4, frame, len);
        b->len = (uint32_t)(len + 4);
    }
    if (lp_qconn_queue_dgram(&t->q, b) != 0)
        out("{\"ev\":\"error\",\"msg\":\"datagram queue full\"}");
    lp_pool_put(&t->pool, b);
}

static int tp_command(struct tp *t, char *line, lp_tstamp now)
{
    static uint8_t bin[65536 + 8];
    char *arg = strchr(line, ' ');
    ssize_t n;

    line[strcspn(line, "\n")] = '\0';
    if (arg != NULL)
        *arg++ = '\0';
    if (strcmp(line, "hello") == 0 && arg != NULL) {
        struct lp_msg m;
        char role[16], room[LP_ROOM_MAX + 1], mac[32];
        unsigned budget = (unsigned)lp_qconn_max_dgram(&t->q);
        char extra[4][200];
        int k = sscanf(arg, "%15s %32s %31s %199s %199s %199s %199s", role,
                       room, mac, extra[0], extra[1], extra[2], extra[3]);
        if (k < 3)
            return out("{\"ev\":\"error\",\"msg\":\"usage\"}"), 0;
        memset(&m, 0, sizeof(m));
        for (int e = 0; e + 3 < k; e++) {
            const char *x = extra[e];
            size_t dn = 0;
            if (strncmp(x, "auth=", 5) == 0) {
                m.u.hello.has_auth = 1;
                snprintf(m.u.hello.auth, sizeof(m.u.hello.auth), "%s", x + 5);
            } else if (strncmp(x, "resume=", 7) == 0) {
                m.u.hello.has_resume =
                    lp_b64url_decode(m.u.hello.resume, sizeof(m.u.hello.resume),
                                     &dn, x + 7, strlen(x + 7)) == 0 &&
                    dn == LP_RESUME_LEN;
            } else if (strcmp(x, "frag") == 0) {
                m.u.hello.features |= LP_FEAT_FRAG;
            } else if (x[0] >= '0' && x[0] <= '9') {
                budget = (unsigned)strtoul(x, NULL, 10);
            }
        }
        m.type = LP_MSG_HELLO;
        m.u.hello.version = 1;
        m.u.hello.role =
            strcmp(role, "gateway") == 0 ? LP_ROLE_GATEWAY : LP_ROLE_CLIENT;
        snprintf(m.u.hello.room, sizeof(m.u.hello.room), "%s", room);
        lp_mac_parse(m.u.hello.mac, mac);
        m.u.hello.datagram_budget = (uint16_t)budget;
        m.u.hello.has_software = 1;
        snprintf(m.u.hello.software, sizeof(m.u.hello.software), "lp-testpeer");
        tp_ctrl_msg(t, &m);
    } else if (strcmp(line, "json") == 0 && arg != NULL) {
        size_t len = strlen(arg);
        bin[0] = (uint8_t)(len >> 24);
        bin[1] = (uint8_t)(len >> 16);
        bin[2] = (uint8_t)(len >> 8);
        bin[3] = (uint8_t)len;
        memcpy(bin + 4, arg, len);
        lp_qconn_send_ctrl(&t->q, bin, len + 4);
    } else if (strcmp(line, "raw") == 0 && arg != NULL) {
        if ((n = tp_unhex(arg, bin, sizeof(bin))) < 0)
            return out("{\"ev\":\"error\",\"msg\":\"bad hex\"}"), 0;
        lp_qconn_send_ctrl(&t->q, bin, (size_t)n);
    } else if ((strcmp(line, "frame") == 0 || strcmp(line, "dgram") == 0) &&
               arg != NULL) {
        if ((n = tp_unhex(arg, bin, sizeof(bin))) < 0)
            return out("{\"ev\":\"error\",\"msg\":\"bad hex\"}"), 0;
        tp_queue_frame(t, bin, (size_t)n, line[0] == 'd');
    } else if (strcmp(line, "frag") == 0 && arg != NULL) {
        struct lp_frag_plan plan;
        char *h = NULL;
        unsigned long budget = strtoul(arg, &h, 10);
        uint16_t id = t->frag_next_id;
        if ((n = tp_unhex(h, bin, sizeof(bin))) < 0 ||
            lp_frag_plan(&plan, (size_t)n, budget) != 0)
            return out("{\"ev\":\"error\",\"msg\":\"cannot split\"}"), 0;
        if (plan.count > 1)
            t->frag_next_id++;
        for (unsigned i = 0; i < plan.count; i++) {
            static uint8_t piece[65536];
            ssize_t pl =
                lp_frag_write(piece, sizeof(piece), &plan, i, 0, id, bin);
            if (pl > 0)
                tp_queue_frame(t, piece, (size_t)pl, 1);
        }
        out("{\"ev\":\"fragged\",\"count\":%u,\"id\":%u}", plan.count, id);
    } else if (strcmp(line, "flood") == 0 && arg != NULL) {
        unsigned long long cnt;
        char *h = NULL;
        cnt = strtoull(arg, &h, 10);
        if ((n = tp_unhex(h, t->flood_frame, sizeof(t->flood_frame))) < 0)
            return out("{\"ev\":\"error\",\"msg\":\"bad hex\"}"), 0;
        t->flood_len = (size_t)n;
        t->flood_left = cnt;
    } else if (strcmp(line, "stats") == 0) {
        struct lp_msg m;
        memset(&m, 0, sizeof(m));
        m.type = LP_MSG_STATS;
        m.u.stats.frames_tx = 7;
        m.u.stats.frames_rx = t->dgrams_rx;
        m.u.stats.ndrops = 1;
        snprintf(m.u.stats.drops[0].name, sizeof(m.u.stats.drops[0].name),
                 "not_for_us");
        m.u.stats.drops[0].value = 3;
        tp_ctrl_msg(t, &m);
    } else if (strcmp(line, "disconnect") == 0) {
        struct lp_msg m;
        memset(&m, 0, sizeof(m));
        m.type = LP_MSG_DISCONNECT;
        snprintf(m.u.disconnect.reason, sizeof(m.u.disconnect.reason), "%s",
                 arg != NULL ? arg : "disconnect");
        tp_ctrl_msg(t, &m);
        lp_qconn_close(&t->q, LP_APP_NO_ERROR, now);
    } else if (strcmp(line, "close") == 0) {
        lp_qconn_close_now(&t->q, arg != NULL ? strtoull(arg, NULL, 0) : 0,
                           now);
    } else if (strcmp(line, "rebind") == 0) {
        struct lp_udp nu;
        if (tp_new_socket(t, &nu) == 0) {
            lp_udp_close(&t->udp);
            t->udp = nu;
            out("{\"ev\":\"rebound\",\"port\":%u}", tp_port(&t->udp));
        }
    } else if (strcmp(line, "flap") == 0 && arg != NULL) {
        if (t->alt.fd < 0 && tp_new_socket(t, &t->alt) != 0)
            return 0;
        t->flap_left = (unsigned)strtoul(arg, NULL, 10);
        out("{\"ev\":\"flapping\",\"ports\":[%u,%u]}", tp_port(&t->udp),
            tp_port(&t->alt));
    } else if (strcmp(line, "quiet") == 0) {
        t->quiet = 1;
    } else if (strcmp(line, "loud") == 0) {
        t->quiet = 0;
    } else if (strcmp(line, "qstate") == 0 && t->q.conn != NULL) {
        ngtcp2_conn_stat cs;
        lp_tstamp ex = ngtcp2_conn_get_expiry(t->q.conn);
        ngtcp2_conn_get_conn_stat(t->q.conn, &cs);
        out("{\"ev\":\"qstate\",\"state\":%d,\"dq\":%u,\"xq\":%u,"
            "\"exp_ms\":%lld,\"ngexp_ms\":%lld,\"hold_ms\":%lld,"
            "\"cwnd\":%llu,\"inflight\":%llu,\"pto\":%zu,"
            "\"ldt_ms\":%lld,\"maxdg\":%zu,\"srtt_us\":%llu}",
            (int)t->q.state, t->q.dq_len, t->q.xq_len,
            (long long)((int64_t)(lp_qconn_expiry(&t->q) - now) / 1000000),
            (long long)((int64_t)(ex - now) / 1000000),
            (long long)((int64_t)(t->q.ack_hold_until - now) / 1000000),
            (unsigned long long)cs.cwnd, (unsigned long long)cs.bytes_in_flight,
            cs.pto_count,
            (long long)((int64_t)(cs.loss_detection_timer - now) / 1000000),
            lp_qconn_max_dgram(&t->q),
            (unsigned long long)(cs.smoothed_rtt / 1000));
    } else if (strcmp(line, "count") == 0) {
        out("{\"ev\":\"count\",\"dgrams\":%llu}",
            (unsigned long long)t->dgrams_rx);
    } else if (strcmp(line, "quit") == 0) {
        return 1;
    } else if (line[0] != '\0') {
        out("{\"ev\":\"error\",\"msg\":\"unknown command\"}");
    }
    return 0;
}

/* tp_spki parses --pin-spki: comma-separated "sha256:" + base64url. */
static int tp_spki(const char *s, uint8_t (*pins)[32], size_t *n)
{
    *n = 0;
    while (*s != '\0') {
        const char *end = strchr(s, ',');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s), got = 0;

        if (*n == LP_TLS_MAX_SPKI || len < 7 || memcmp(s, "sha256:", 7) != 0 ||
            lp_b64url_decode(pins[*n], 32, &got, s + 7, len - 7) != 0 ||
            got != 32)
            return -1;
        (*n)++;
        s += len + (end != NULL);
    }
    return *n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"relay", required_argument, NULL, 'r'},
        {"pin", required_argument, NULL, 'p'},
        {"pin-spki", required_argument, NULL, 'k'},
        {"server-name", required_argument, NULL, 's'},
        {"alpn", required_argument, NULL, 'a'},
        {"no-datagram", no_argument, NULL, 'n'},
        {"no-wait", no_argument, NULL, 'w'},
        {"small-udp", no_argument, NULL, 'u'},
        {"bind", required_argument, NULL, 'b'},
        {"drop-above", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    static struct tp t;
    const char *relay = NULL, *pin = NULL, *sni = "lanparty-relay",
               *alpn = LP_ALPN;
    struct lp_tls_client tls;
    uint8_t spki[LP_TLS_MAX_SPKI][32];
    size_t nspki = 0;
    struct lp_endpoint ep;
    struct sockaddr_storage addr;
    socklen_t alen;
    size_t naddr = 0;
    char err[512];
    static char line[300000];
    size_t linelen = 0;
    unsigned flags = 0;
    int opt, nowait = 0, done = 0;
    const char *bind_addr = NULL;
    size_t drop_above = 0; /* emulate a smaller path MTU towards us */
    struct lp_udp_rxbatch rxb;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            relay = optarg;
            break;
        case 'p':
            pin = optarg;
            break;
        case 'k':
            if (tp_spki(optarg, spki, &nspki) != 0) {
                fprintf(stderr, "lp-testpeer: bad --pin-spki (want "
                                "sha256:BASE64URL[,...])\n");
                return 2;
            }
            break;
        case 's':
            sni = optarg;
            break;
        case 'a':
            alpn = optarg;
            break;
        case 'n':
            flags |= LP_QCONN_F_NO_DATAGRAM;
            break;
        case 'w':
            nowait = 1;
            break;
        case 'u':
            flags |= LP_QCONN_F_SMALL_UDP;
            break;
        case 'b':
            bind_addr = optarg;
            break;
        case 'd':
            drop_above = strtoul(optarg, NULL, 10);
            break;
        default:
            return 2;
        }
    }
    lp_log_set_level(LP_LOG_WARN);
    if (relay == NULL || lp_endpoint_parse(&ep, relay, err, sizeof(err)) != 0 ||
        lp_resolve_endpoint(&ep, &addr, &alen, 1, &naddr, err, sizeof(err)) !=
            0) {
        fprintf(stderr, "lp-testpeer: bad --relay: %s\n", err);
        return 2;
    }
    if ((nspki > 0
             ? lp_tls_client_init_spki(&tls, (const uint8_t(*)[32])spki, nspki,
                                       sni, err, sizeof(err))
             : lp_tls_client_init(&tls, pin, sni, err, sizeof(err))) != 0) {
        fprintf(stderr, "lp-testpeer: %s\n", err);
        return 2;
    }
    tls.alpn = alpn;
    t.alt.fd = -1;
    t.bind_addr = bind_addr;
    memcpy(&t.relay, &addr, alen);
    t.relaylen = alen;
    if (lp_udp_connect_from(&t.udp, bind_addr, (struct sockaddr *)&addr, alen,
                            err, sizeof(err)) != 0 ||
        lp_pool_init(&t.pool, 4096, 2048) != 0 ||
        lp_udp_rxbatch_init(&rxb) != 0) {
        fprintf(stderr, "lp-testpeer: %s\n", err);
        return 2;
    }
    t.start = lp_clock_now();
    if (lp_qconn_client_new(&t.q, &tls, (struct sockaddr *)&t.udp.local,
                            t.udp.locallen, (struct sockaddr *)&addr, alen,
                            &tp_ops, &t.pool, 4096, flags, t.start) != 0) {
        fprintf(stderr, "lp-testpeer: cannot create the connection\n");
        return 2;
    }
    lp_qconn_flush(&t.q, t.start, t.txbuf, sizeof(t.txbuf), tp_send, &t);

    while (!done) {
        struct pollfd pf[3] = {
            {t.udp.fd, POLLIN, 0}, {0, POLLIN, 0}, {t.alt.fd, POLLIN, 0}};
        lp_tstamp now = lp_clock_now(), exp = lp_qconn_expiry(&t.q);
        int timeout = 20, cmds_ok;

        if (exp > now && (exp - now) / LP_MILLISECONDS < 20)
            timeout = (int)((exp - now) / LP_MILLISECONDS);
        else if (exp <= now)
            timeout = 0;
        /* Commands wait until the budget is known (PMTUD settled or 1 s). */
        cmds_ok = t.ready_printed || nowait;
        if (!cmds_ok)
            pf[1].fd = -1; /* poll ignores it */
        if (poll(pf, 3, timeout) < 0 && errno != EINTR)
            break;
        now = lp_clock_now();
        for (int s = 0; s < 3; s += 2) {
            int got;
            struct lp_udp *u = s == 0 ? &t.udp : &t.alt;
            if (!(pf[s].revents & POLLIN))
                continue;
            while ((got = lp_udp_recv(u, &rxb)) > 0) {
                for (int k = 0; k < got; k++) {
                    const uint8_t *d;
                    size_t off = 0, l;
                    while ((l = lp_udp_rx_next(&rxb.rx[k], &off, &d)) > 0)
                        if (drop_above == 0 || l <= drop_above)
                            lp_qconn_read(&t.q, &t.q.path, d, l, now);
                }
            }
        }
        if (cmds_ok && (pf[1].revents & (POLLIN | POLLHUP))) {
            /* read(2), not stdio: poll cannot see lines stdio buffered. */
            ssize_t rd = read(0, line + linelen, sizeof(line) - 1 - linelen);
            if (rd <= 0) {
                done = 1;
            } else {
                char *nl;
                linelen += (size_t)rd;
                line[linelen] = '\0';
                while (!done && (nl = memchr(line, '\n', linelen)) != NULL) {
                    size_t used = (size_t)(nl - line) + 1;
                    *nl = '\0';
                    if (tp_command(&t, line, now))
                        done = 1;
                    memmove(line, line + used, linelen - used);
                    linelen -= used;
                    line[linelen] = '\0';
                    lp_qconn_flush(&t.q, now, t.txbuf, sizeof(t.txbuf), tp_send,
                                   &t);
                }
                if (linelen == sizeof(line) - 1)
                    linelen = 0; /* an overlong line is discarded */
            }
        }
        if (lp_qconn_expiry(&t.q) <= now)
            lp_qconn_handle_expiry(&t.q, now);
        if (!t.ready_printed && t.handshake_at != 0 &&
            (lp_qconn_pmtud_done(&t.q) || now - t.handshake_at > LP_SECONDS)) {
            t.ready_printed = 1;
            out("{\"ev\":\"ready\",\"budget\":%zu}", lp_qconn_max_dgram(&t.q));
        }
        while (t.flood_left > 0 &&
               lp_qconn_dgram_queued(&t.q) < lp_qconn_dgram_cap(&t.q) / 2) {
            tp_queue_frame(&t, t.flood_frame, t.flood_len, 0);
            if (--t.flood_left == 0)
                t.flood_wait_sent = 1;
        }
        if (t.flood_wait_sent && lp_qconn_dgram_queued(&t.q) == 0) {
            t.flood_wait_sent = 0;
            out("{\"ev\":\"flood_done\"}");
        }
        lp_qconn_flush(&t.q, now, t.txbuf, sizeof(t.txbuf), tp_send, &t);
        if (lp_qconn_is_finished(&t.q)) {
            if (!t.closed_printed)
                out("{\"ev\":\"closed\",\"why\":\"local\",\"code\":0}");
            /* Give the relay a moment to read our close. */
            usleep(20000);
            break;
        }
    }
    out("{\"ev\":\"exit\"}");
    lp_qconn_free(&t.q);
    for (size_t k = 0; k < sizeof(t.frx) / sizeof(t.frx[0]); k++)
        lp_frag_rx_free(&t.frx[k].rx);
    lp_pool_free(&t.pool);
    lp_tls_client_free(&tls);
    lp_udp_close(&t.udp);
    if (t.alt.fd >= 0)
        lp_udp_close(&t.alt);
    lp_udp_rxbatch_free(&rxb);
    free(t.cbuf);
    return 0;
}
