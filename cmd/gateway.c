/*
 * lanparty-gateway: bridges a wired LAN to the relay.
 *
 * The wired NIC is opened as an AF_PACKET socket (promiscuous, with
 * PACKET_VNET_HDR so that merged GRO/TSO super-frames and unfinished
 * checksums can be split and completed here) before the relay is contacted.
 * Frames are read in batches with recvmmsg; the session (client/lp_session)
 * applies the gateway's rules; lp_runner keeps the relay connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway_http.h"
#include "lp_client.h"
#include "lp_clock.h"
#include "lp_confargs.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_gso.h"
#include "lp_log.h"
#include "lp_num.h"
#include "lp_priv.h"
#include "lp_runner.h"
#include "lp_service.h"

#ifndef PACKET_VNET_HDR
#define PACKET_VNET_HDR 15
#endif

#define GW_BATCH   32
#define GW_BUFSZ   (LP_VNET_HDR_LEN + 65536)
#define GW_CAM_MAX 1024

/* The gateway's own long options (beyond the endpoints'). */
enum {
    GW_OPT_ADMIN_LISTEN = 0x1200,
    GW_OPT_ADMIN_TOKEN_FILE,
    GW_OPT_ADMIN_TIMEOUT,
    GW_OPT_ADMIN_TLS_CERT,
    GW_OPT_ADMIN_TLS_KEY,
};

struct gw {
    char ifname[IFNAMSIZ];
    const char *user; /* --user: who to run as after setup */
    int ifindex;
    int fd;
    uint8_t mac[6];
    uint8_t *bufs;
    uint8_t scratch[65536];
    struct lp_runner *r;
    lp_tstamp now;
    lp_tstamp cam_interval, next_cam, next_counters;
    uint64_t rx_frames, rx_super, rx_echo, tx_frames, tx_errors, split_errors,
        cam_sent, link_downs, link_drops;
    uint64_t emitted;   /* frames handed to the session (split or not) */
    uint64_t split_out; /* of those, made by splitting super-frames */
    uint64_t csum_done; /* frames read with an unfinished checksum (completed
                           here; a super-frame counts once) */
    /* the admin listener (--admin-listen), in the runner's loop */
    struct lp_http_opts admin;
    struct gateway_http http;
    int have_http;
    lp_tstamp started;
    /* The LAN link went down (ENETDOWN: the socket resumes by itself when
     * it comes back) or its device went away (the socket is closed, fd -1,
     * and reopened when an interface of that name is back). */
    int link_down;
    lp_tstamp link_down_at;
};

static int read_sysfs(const char *ifname, const char *attr, char *out,
                      size_t outlen)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(out, (int)outlen, f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

static int sysfs_exists(const char *ifname, const char *attr)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
    return stat(path, &st) == 0;
}

/* gw_open checks the interface and opens it; err gets a clear message. */
static int gw_open(struct gw *g, char *err, size_t errlen)
{
    char v[64];
    int one = 1, sz = 8 * 1024 * 1024, fd;
    struct sockaddr_ll sll;
    struct packet_mreq mr;

    if (!sysfs_exists(g->ifname, "")) {
        snprintf(err, errlen, "no interface named '%s'", g->ifname);
        return -1;
    }
    if (sysfs_exists(g->ifname, "wireless") ||
        sysfs_exists(g->ifname, "phy80211")) {
        snprintf(err, errlen,
                 "'%s' is a wireless interface; the gateway needs a wired "
                 "port on the LAN's switch",
                 g->ifname);
        return -1;
    }
    if (read_sysfs(g->ifname, "carrier", v, sizeof(v)) != 0 ||
        strcmp(v, "1") != 0) {
        snprintf(err, errlen,
                 "'%s' has no carrier: is the cable plugged into the LAN's "
                 "switch, and the interface up?",
                 g->ifname);
        return -1;
    }
    if (read_sysfs(g->ifname, "address", v, sizeof(v)) != 0 ||
        lp_mac_parse(g->mac, v) != 0 || !lp_mac_valid_gateway(g->mac)) {
        snprintf(err, errlen, "'%s' has no usable MAC ('%s')", g->ifname, v);
        return -1;
    }
    g->ifindex = (int)if_nametoindex(g->ifname);
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                htons(ETH_P_ALL));
    if (fd < 0) {
        snprintf(err, errlen,
                 "cannot open a packet socket: %s (run as root or with "
                 "CAP_NET_RAW)",
                 strerror(errno));
        return -1;
    }
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = g->ifindex;
    memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = g->ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0) {
        snprintf(err, errlen, "PACKET_VNET_HDR: %s", strerror(errno));
    } else if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
        snprintf(err, errlen, "cannot bind to '%s': %s", g->ifname,
                 strerror(errno));
    } else if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
                          sizeof(mr)) != 0) {
        snprintf(err, errlen, "promiscuous mode on '%s': %s", g->ifname,
                 strerror(errno));
    } else {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        if (g->bufs == NULL)
            g->bufs = malloc((size_t)GW_BATCH * GW_BUFSZ);
        if (g->bufs != NULL) {
            g->fd = fd;
            return 0;
        }
        snprintf(err, errlen, "out of memory");
    }
    close(fd);
    return -1;
}

/* Transient errors of a LAN link that went down or away (a cable pulled, a
 * USB NIC re-plugged, `ip link set down`): the gateway waits for it. */
static int gw_link_errno(int e)
{
    return e == ENETDOWN || e == ENXIO || e == ENODEV;
}

static void gw_link_lost(struct gw *g, int e, lp_tstamp now)
{
    if (g->link_down)
        return;
    g->link_down = 1;
    g->link_down_at = now;
    g->link_downs++;
    lp_logf(LP_LOG_WARN, "lan_link_down",
            "the LAN link %s is down (%s): waiting for it, the room keeps "
            "its gateway",
            g->ifname, strerror(e));
}

static int gw_inject(struct gw *g, const uint8_t *frame, size_t len)
{
    uint8_t vh[LP_VNET_HDR_LEN] = {0};
    struct iovec iov[2] = {{vh, sizeof(vh)}, {(void *)(uintptr_t)frame, len}};
    struct msghdr m;

    memset(&m, 0, sizeof(m));
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    if (g->link_down || g->fd < 0) {
        g->link_drops++;
        if (g->r != NULL && lp_runner_session(g->r) != NULL)
            lp_counters_drop(&lp_runner_session(g->r)->ctr,
                             LP_REASON_LINK_DOWN);
        return 0;
    }
    if (sendmsg(g->fd, &m, MSG_DONTWAIT) < 0) {
        g->tx_errors++;
        if (errno == EAGAIN || errno == ENOBUFS || errno == EMSGSIZE)
            return 0; /* counted; the LAN drops frames too */
        if (gw_link_errno(errno)) {
            gw_link_lost(g, errno, g->now);
            return 0;
        }
        return -1;
    }
    g->tx_frames++;
    return 0;
}

static void gw_emit(void *arg, const uint8_t *frame, size_t len)
{
    struct gw *g = arg;

    g->emitted++;
    (void)lp_runner_send_frame(g->r, frame, len, g->now);
}

static int gw_readable(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct gw *g = arg;
    struct mmsghdr msgs[GW_BATCH];
    struct iovec iov[GW_BATCH];
    struct sockaddr_ll from[GW_BATCH];
    int n;

    g->r = r;
    g->now = now;
    for (int round = 0; round < 8; round++) {
        memset(msgs, 0, sizeof(msgs));
        for (int i = 0; i < GW_BATCH; i++) {
            iov[i].iov_base = g->bufs + (size_t)i * GW_BUFSZ;
            iov[i].iov_len = GW_BUFSZ;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        n = recvmmsg(g->fd, msgs, GW_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && gw_link_errno(errno)) {
            gw_link_lost(g, errno, now);
            return 0;
        }
        if (n < 0)
            return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        for (int i = 0; i < n; i++) {
            const uint8_t *p = iov[i].iov_base;
            size_t len = msgs[i].msg_len;
            struct lp_vnet_hdr vh;
            struct lp_session *s = lp_runner_session(r);

            if (len < LP_VNET_HDR_LEN)
                continue;
            lp_vnet_hdr_decode(&vh, p);
            p += LP_VNET_HDR_LEN;
            len -= LP_VNET_HDR_LEN;
            /* Our own injections come back as outgoing frames: skip them
             * quietly (they carry a client's MAC as source). */
            if (from[i].sll_pkttype == PACKET_OUTGOING && len >= 12 &&
                s != NULL && lp_session_client_by_mac(s, p + 6) != NULL) {
                g->rx_echo++;
                continue;
            }
            g->rx_frames++;
            if (s == NULL)
                continue; /* not connected: nothing to bridge to */
            uint64_t before = g->emitted;
            if (vh.gso_type != LP_VNET_GSO_NONE)
                g->rx_super++;
            if (lp_gso_split(&vh, p, len, g->scratch, gw_emit, g) < 0) {
                g->split_errors++;
                lp_counters_drop(&s->ctr, LP_REASON_JUMBO);
            } else {
                if (vh.gso_type != LP_VNET_GSO_NONE)
                    g->split_out += g->emitted - before;
                if (vh.flags & LP_VNET_F_NEEDS_CSUM)
                    g->csum_done++; /* a super-frame counts once */
            }
        }
        if (n < GW_BATCH)
            break;
    }
    return 0;
}

static int gw_write(void *arg, const uint8_t *frame, size_t len)
{
    return gw_inject(arg, frame, len);
}

/* A tiny frame from a client's MAC to itself: the switch learns that the
 * MAC lives behind the gateway's port and, once learned, drops the frame. */
static void gw_cam_refresh(struct gw *g, const uint8_t *mac, const char *reason)
{
    uint8_t f[60];
    struct lp_logbuf b;

    memset(f, 0, sizeof(f));
    memcpy(f, mac, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5; /* IEEE 802 local experimental EtherType */
    memcpy(f + 14, "lanparty cam refresh", 20);
    if (gw_inject(g, f, sizeof(f)) == 0)
        g->cam_sent++;
    if (lp_log_begin(&b,
                     reason[0] == 'p' && reason[1] == 'e' ? LP_LOG_INFO
                                                          : LP_LOG_DEBUG,
                     "cam_refresh")) {
        lp_log_mac(&b, "mac", mac);
        lp_log_str(&b, "interface", g->ifname);
        lp_log_str(&b, "reason", reason);
        lp_log_end(&b);
    }
}

static void gw_on_welcome(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct gw *g = arg;

    g->r = r;
    g->next_cam = now + g->cam_interval;
    lp_logf(LP_LOG_INFO, "bridging", "bridging %s to the relay", g->ifname);
}

static void gw_on_peer_joined(void *arg, struct lp_runner *r,
                              const struct lp_session_peer *p, lp_tstamp now)
{
    struct gw *g = arg;

    (void)r;
    (void)now;
    if (p->role == LP_ROLE_CLIENT)
        gw_cam_refresh(g, p->mac, "peer_joined");
}

/*
 * Once a second: notice a link that went down without a socket error (no
 * traffic at that moment), and bring a lost link back. After `ip link set
 * down/up` the packet socket resumes by itself; a device that went away
 * and came back under the same name (a re-plugged USB NIC) has a new
 * index, and the socket is opened again on it. Either way the switch may
 * have forgotten the players' MACs: refresh them.
 */
static void gw_link_check(struct gw *g, struct lp_runner *r, lp_tstamp now)
{
    char v[16], err[256];
    int idx, up;
    struct lp_session *s;

    up = read_sysfs(g->ifname, "carrier", v, sizeof(v)) == 0 &&
         strcmp(v, "1") == 0;
    if (!g->link_down) {
        if (!up)
            gw_link_lost(g, ENETDOWN, now);
        return;
    }
    if (!up)
        return;
    idx = (int)if_nametoindex(g->ifname);
    if (idx != g->ifindex || g->fd < 0) {
        int old = g->fd, oldidx = g->ifindex;
        g->fd = -1;
        if (gw_open(g, err, sizeof(err)) != 0) {
            g->fd = old;
            g->ifindex = oldidx;
            lp_logf(LP_LOG_WARN, "lan_link_wait", "%s", err);
            return;
        }
        if (lp_runner_set_dev_fd(r, g->fd) != 0) {
            lp_logf(LP_LOG_ERROR, "lan_link_wait",
                    "cannot poll the reopened %s: %s", g->ifname,
                    strerror(errno));
            close(g->fd);
            g->fd = old;
            g->ifindex = oldidx;
            return;
        }
        if (old >= 0)
            close(old);
        lp_logf(LP_LOG_INFO, "lan_rebound",
                "%s is back as a new device (index %d, was %d): reopened",
                g->ifname, g->ifindex, oldidx);
    }
    g->link_down = 0;
    {
        struct lp_logbuf b;
        if (lp_log_begin(&b, LP_LOG_INFO, "lan_link_up")) {
            lp_log_str(&b, "interface", g->ifname);
            lp_log_u64(&b, "down_ms",
                       (now - g->link_down_at) / LP_MILLISECONDS);
            lp_log_u64(&b, "dropped_while_down", g->link_drops);
            lp_log_end(&b);
        }
    }
    s = lp_runner_session(r);
    for (size_t i = 0; s != NULL && i < s->npeers; i++)
        if (s->peers[i].role == LP_ROLE_CLIENT)
            gw_cam_refresh(g, s->peers[i].mac, "link_up");
}

static void gw_on_tick(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct gw *g = arg;
    struct lp_session *s = lp_runner_session(r);

    g->r = r;
    g->now = now;
    lp_service_watchdog(now);
    gw_link_check(g, r, now);
    if (s != NULL && now >= g->next_cam) {
        g->next_cam = now + g->cam_interval;
        for (size_t i = 0; i < s->npeers; i++)
            if (s->peers[i].role == LP_ROLE_CLIENT)
                gw_cam_refresh(g, s->peers[i].mac, "periodic");
    }
    if (now >= g->next_counters) {
        struct lp_logbuf b;
        g->next_counters = now + 30 * LP_SECONDS;
        if (lp_log_begin(&b, LP_LOG_INFO, "gateway_stats")) {
            lp_log_str(&b, "interface", g->ifname);
            lp_log_u64(&b, "lan_rx", g->rx_frames);
            lp_log_u64(&b, "lan_rx_super", g->rx_super);
            lp_log_u64(&b, "lan_tx", g->tx_frames);
            lp_log_u64(&b, "lan_tx_errors", g->tx_errors);
            lp_log_u64(&b, "split_errors", g->split_errors);
            lp_log_u64(&b, "cam_refresh", g->cam_sent);
            lp_log_u64(&b, "link_downs", g->link_downs);
            lp_log_u64(&b, "link_drops", g->link_drops);
            lp_log_str(&b, "relay", s != NULL ? "connected" : "disconnected");
            lp_log_end(&b);
        }
        if (s != NULL)
            lp_counters_log(LP_LOG_INFO, "gateway_counters", &s->ctr);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lanparty-gateway --relay HOST[:PORT] --room ROOM "
               "--interface IFNAME [options]\n" LP_ENDPOINT_USAGE
               "  --config FILE             key = value lines, a key per "
               "flag (the flags win)\n"
               "  --version                 print the version and exit\n"
               "  --cam-refresh-interval S  seconds between CAM refreshes "
               "(30)\n"
               "  --identity FILE           the resume secret's file "
               "(" LP_GATEWAY_IDENTITY_FILE ")\n"
               "  --user NAME               run as NAME after setup, keeping "
               "only CAP_NET_RAW\n"
               "                            (default when root: lanparty)\n"
               "  --admin-listen ADDR       status page, status API and "
               "/metrics over HTTP\n"
               "                            (off; e.g. 127.0.0.1:8081)\n"
               "  --admin-token-file FILE   its bearer token: read, or made "
               "and written (owner\n"
               "                            only) at the first start\n"
               "  --admin-timeout S         idle HTTP connections are closed "
               "after S seconds (10)\n"
               "  --admin-tls-cert FILE, --admin-tls-key FILE\n"
               "                            serve it over HTTPS with this "
               "certificate and key (PEM)\n");
}

/* The gateway's own options; ifname is checked once all are read. */
struct gw_opts {
    struct gw *g;
    const char *ifname;
};

static int gw_opt(void *arg, struct lp_client_opts *o, int opt, const char *val)
{
    struct gw_opts *go = arg;
    uint64_t v;

    (void)o;
    switch (opt) {
    case 'i':
        go->ifname = val;
        return 0;
    case 'u':
        go->g->user = val;
        return 0;
    case 'C':
        if (lp_num_parse_u64(val, 1, 3600, &v) != 0) {
            fprintf(stderr,
                    "lanparty-gateway: --cam-refresh-interval '%s': 1 to "
                    "3600 seconds\n",
                    val);
            return LP_EXIT_USAGE;
        }
        go->g->cam_interval = (lp_tstamp)v * LP_SECONDS;
        return 0;
    case GW_OPT_ADMIN_LISTEN:
        go->g->admin.listen = val;
        return 0;
    case GW_OPT_ADMIN_TOKEN_FILE:
        go->g->admin.token_file = val;
        return 0;
    case GW_OPT_ADMIN_TIMEOUT:
        if (lp_num_parse_u64(val, 1, 3600, &v) != 0) {
            fprintf(stderr,
                    "lanparty-gateway: --admin-timeout '%s': 1 to 3600 "
                    "seconds\n",
                    val);
            return LP_EXIT_USAGE;
        }
        go->g->admin.timeout_s = (unsigned)v;
        return 0;
    case GW_OPT_ADMIN_TLS_CERT:
        go->g->admin.tls_cert_file = val;
        return 0;
    case GW_OPT_ADMIN_TLS_KEY:
        go->g->admin.tls_key_file = val;
        return 0;
    default:
        return LP_EXIT_USAGE;
    }
}

/* After setup (packet socket open, identity written, relay resolved):
 * become --user keeping only CAP_NET_RAW (to reopen the packet socket when
 * the NIC comes back as a new device), under the gateway's seccomp list. */
static int gw_after_setup(void *arg, char *err, size_t errlen)
{
    const struct gw *g = arg;
    int rv =
        lp_priv_enter(g->have_http ? LP_PRIV_GATEWAY_ADMIN : LP_PRIV_GATEWAY,
                      g->user, NULL, err, errlen);

    if (rv == 0)
        lp_service_notify("READY=1");
    return rv;
}

/* gw_fill: what the admin listener shows (client/lp_gwstatus). */
static void gw_fill(void *arg, struct lp_gwstatus *st)
{
    struct gw *g = arg;
    struct lp_runner *r = g->r;
    struct lp_session *s = r != NULL ? lp_runner_session(r) : NULL;
    lp_tstamp now = lp_clock_now();

    st->version = LP_VERSION;
    st->uptime_s = (now - g->started) / LP_SECONDS;
    st->wall_now_ms = lp_http_wall_ms();
    st->ifname = g->ifname;
    st->ifindex = g->ifindex;
    memcpy(st->mac, g->mac, 6);
    st->link_up = !g->link_down;
    st->link_downs = g->link_downs;
    st->link_drops = g->link_drops;
    st->lan_rx = g->rx_frames;
    st->lan_tx = g->tx_frames;
    st->lan_tx_errors = g->tx_errors;
    st->lan_echoes = g->rx_echo;
    st->super_frames = g->rx_super;
    st->split_frames = g->split_out;
    st->split_errors = g->split_errors;
    st->csum_completed = g->csum_done;
    st->cam_refreshes = g->cam_sent;
    if (r == NULL)
        return;
    st->relay = r->relay_str;
    st->room = r->cfg->session.room;
    st->sessions = r->sessions;
    st->traffic = r->gone;
    if (!r->have_session)
        return;
    lp_counters_add(&st->traffic, &r->s.ctr);
    st->state = s != NULL ? LP_GWSTATUS_CONNECTED : LP_GWSTATUS_CONNECTING;
    if (r->s.q.conn != NULL) {
        ngtcp2_conn_stat cs;
        ngtcp2_conn_get_conn_stat(r->s.q.conn, &cs);
        if (cs.min_rtt != UINT64_MAX && cs.latest_rtt != 0) {
            st->rtt_smoothed = cs.smoothed_rtt;
            st->rtt_min = cs.min_rtt;
            st->rtt_latest = cs.latest_rtt;
        }
    }
    if (s == NULL)
        return;
    st->peer_id = s->peer_id;
    st->mtu = s->mtu;
    st->connected_s = (now - r->connected_at) / LP_SECONDS;
    for (size_t i = 0; i < s->npeers; i++)
        st->players += s->peers[i].role == LP_ROLE_CLIENT;
}

static void gw_http_run(void *arg)
{
    struct gw *g = arg;

    lp_http_run(&g->http.http);
}

static lp_tstamp gw_http_deadline(void *arg, lp_tstamp now)
{
    struct gw *g = arg;

    return lp_http_deadline(&g->http.http, now);
}

/* gw_admin_http opens the admin listener (--admin-listen) before the
 * privilege drop; the runner polls it. Returns 0 or an exit status. */
static int gw_admin_http(struct gw *g, struct lp_runner_dev *dev)
{
    char err[512];
    int made = 0;

    if (gateway_http_open(&g->http, &g->admin, gw_fill, g, &made, err,
                          sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-gateway: %s\n", err);
        return LP_EXIT_ERROR;
    }
    g->have_http = 1;
    dev->aux_fd = lp_http_fd(&g->http.http);
    dev->aux_run = gw_http_run;
    dev->aux_deadline = gw_http_deadline;
    lp_http_log_listening(&g->http.http, made);
    return 0;
}

/* gw_log_open: the LAN side is open (one line with its MAC). */
static void gw_log_open(const struct gw *g)
{
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, "lan_open")) {
        lp_log_str(&b, "interface", g->ifname);
        lp_log_mac(&b, "mac", g->mac);
        lp_log_end(&b);
    }
}

int main(int argc, char **argv)
{
    static struct lp_identity id;
    static const struct option opts[] = {
        LP_ENDPOINT_LONG_OPTS,
        {"identity", required_argument, NULL, 'I'},
        {"interface", required_argument, NULL, 'i'},
        {"cam-refresh-interval", required_argument, NULL, 'C'},
        {"user", required_argument, NULL, 'u'},
        {"admin-listen", required_argument, NULL, GW_OPT_ADMIN_LISTEN},
        {"admin-token-file", required_argument, NULL, GW_OPT_ADMIN_TOKEN_FILE},
        {"admin-timeout", required_argument, NULL, GW_OPT_ADMIN_TIMEOUT},
        {"admin-tls-cert", required_argument, NULL, GW_OPT_ADMIN_TLS_CERT},
        {"admin-tls-key", required_argument, NULL, GW_OPT_ADMIN_TLS_KEY},
        {NULL, 0, NULL, 0},
    };
    static struct gw g;
    struct gw_opts go = {.g = &g};
    struct lp_client_opts o = {.prog = "lanparty-gateway"};
    struct lp_runner_cfg cfg;
    struct lp_runner_dev dev;
    char err[256];
    int rc;

    memset(&dev, 0, sizeof(dev));
    g.cam_interval = 30 * LP_SECONDS;
    g.fd = -1;
    g.started = lp_clock_now();
    lp_log_set_component("gateway");
    lp_service_init(); /* before the privilege drop */
    if ((rc = lp_confargs("lanparty-gateway", opts, LP_CONFARGS_REPEATABLE,
                          &argc, &argv)) >= 0)
        return rc;
    if ((rc = lp_client_getopt(&o, argc, argv, opts, usage, gw_opt, &go)) !=
        LP_CLIENT_RUN)
        return rc;
    if (go.ifname == NULL) {
        fprintf(stderr, "lanparty-gateway: --interface is required\n");
        return LP_EXIT_USAGE;
    }
    if (strlen(go.ifname) >= IFNAMSIZ) {
        fprintf(stderr, "lanparty-gateway: --interface '%s' is too long\n",
                go.ifname);
        return LP_EXIT_USAGE;
    }
    snprintf(g.ifname, sizeof(g.ifname), "%s", go.ifname);
    /* Open the LAN before contacting the relay: an unusable interface must
     * never advertise a gateway that cannot bridge. */
    if (gw_open(&g, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-gateway: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    gw_log_open(&g);
    /* The gateway's identity: its NIC's MAC and a resume secret, so a
     * restarted gateway takes its room back at once (spec section 8). */
    if ((rc = lp_client_identity(
             &o, o.identity != NULL ? o.identity : LP_GATEWAY_IDENTITY_FILE,
             g.mac, &id)) != 0)
        return rc;
    lp_runner_cfg_init(&cfg, &o, &id, LP_ROLE_GATEWAY, "lanparty-gateway/0.1");
    dev.arg = &g;
    dev.fd = g.fd;
    dev.readable = gw_readable;
    dev.write_frame = gw_write;
    dev.on_welcome = gw_on_welcome;
    dev.on_peer_joined = gw_on_peer_joined;
    dev.on_tick = gw_on_tick;
    dev.after_setup = gw_after_setup;
    dev.aux_fd = -1;
    if (g.admin.listen != NULL && (rc = gw_admin_http(&g, &dev)) != 0)
        return rc;
    rc = lp_runner_run(&cfg, &dev);
    lp_http_close(&g.http.http);
    return rc;
}
