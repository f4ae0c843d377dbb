/*
 * lanparty-client (Linux): a TAP device from /dev/net/tun bridged to the
 * relay. The TAP gets the identity MAC at once but comes up (with the room's
 * MTU) only after the welcome; the relay's route is pinned before that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lp_client.h"
#include "lp_confargs.h"
#include "lp_diag.h"
#include "lp_err.h"
#include "lp_priv.h"
#include "lp_eth.h"
#include "lp_gso.h"
#include "lp_identity.h"
#include "lp_log.h"
#include "lp_route_linux.h"
#include "lp_runner.h"

struct cl {
    char tap[IFNAMSIZ];
    const char *user; /* --user: who to run as after setup */
    int fd, ctl;
    uint8_t mac[6];
    int up, routes_added, protect;
    unsigned mtu;
    struct lp_route_pin pin;
    struct lp_diag_state diag;
    lp_tstamp next_diag, next_route_check;
    int route_ok;
    /* The TAP has IFF_VNET_HDR and TSO/checksum offloads (vnet): one read
     * returns a whole TSO super-frame, split here like the gateway does. */
    int vnet;
    uint64_t rx_super, split_errors;
    struct lp_runner *r;
    lp_tstamp now;
    uint8_t buf[LP_VNET_HDR_LEN + 65536];
    uint8_t scratch[65536];
    uint8_t txbuf[LP_VNET_HDR_LEN + 65536];
};

static int tap_open(struct cl *c, char *err, size_t errlen)
{
    struct ifreq ifr;

    c->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (c->fd < 0) {
        snprintf(err, errlen,
                 "cannot open /dev/net/tun: %s (load the tun module; run as "
                 "root or with CAP_NET_ADMIN)",
                 strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", c->tap);
    if (ioctl(c->fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errlen, "cannot create TAP device '%s': %s", c->tap,
                 strerror(errno));
        return -1;
    }
    {
        /* Fewer system calls per byte: the player's TCP hands the TAP
         * 64 KiB segments (TSO) with checksums left to us, one read each;
         * lp_gso_split cuts them to the MTU. Without the offloads every
         * frame still carries a (zero) header. */
        int hsz = LP_VNET_HDR_LEN;
        unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (ioctl(c->fd, TUNSETVNETHDRSZ, &hsz) != 0) {
            snprintf(err, errlen, "TUNSETVNETHDRSZ on '%s': %s", c->tap,
                     strerror(errno));
            return -1;
        }
        if (ioctl(c->fd, TUNSETOFFLOAD, off) != 0)
            lp_logf(LP_LOG_WARN, "tap_offload",
                    "no TSO/checksum offload on %s: %s", c->tap,
                    strerror(errno));
        c->vnet = 1;
    }
    snprintf(c->tap, sizeof(c->tap), "%s", ifr.ifr_name);
    c->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", c->tap);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, c->mac, 6);
    if (ioctl(c->ctl, SIOCSIFHWADDR, &ifr) != 0) {
        snprintf(err, errlen, "cannot set the MAC of '%s': %s", c->tap,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int tap_up(struct cl *c, unsigned mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", c->tap);
    ifr.ifr_mtu = (int)mtu;
    if (ioctl(c->ctl, SIOCSIFMTU, &ifr) != 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", c->tap);
    if (ioctl(c->ctl, SIOCGIFFLAGS, &ifr) != 0)
        return -1;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(c->ctl, SIOCSIFFLAGS, &ifr) != 0)
        return -1;
    c->up = 1;
    c->mtu = mtu;
    return 0;
}

static void tap_ipv4(const struct cl *c, char *out, size_t outlen)
{
    struct ifaddrs *ifa, *i;

    out[0] = '\0';
    if (getifaddrs(&ifa) != 0)
        return;
    for (i = ifa; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
            strcmp(i->ifa_name, c->tap) != 0)
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
                  (socklen_t)outlen);
        if (strncmp(out, "169.254.", 8) != 0)
            break; /* prefer a non-link-local address */
    }
    freeifaddrs(ifa);
}

static void cl_emit(void *arg, const uint8_t *frame, size_t len)
{
    struct cl *c = arg;

    (void)lp_runner_send_frame(c->r, frame, len, c->now);
}

static int cl_readable(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct cl *c = arg;

    c->r = r;
    c->now = now;
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(c->fd, c->buf, sizeof(c->buf));
        struct lp_vnet_hdr vh;

        if (n < 0)
            return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        if (n == 0)
            return 0;
        if (!c->vnet) {
            cl_emit(c, c->buf, (size_t)n);
            continue;
        }
        if ((size_t)n < LP_VNET_HDR_LEN)
            continue;
        lp_vnet_hdr_decode(&vh, c->buf);
        if (vh.gso_type != LP_VNET_GSO_NONE && c->rx_super++ == 0)
            lp_logf(LP_LOG_INFO, "tap_gso",
                    "%s hands over TSO super-frames (%u-byte segments): "
                    "split here",
                    c->tap, vh.gso_size);
        if (lp_gso_split(&vh, c->buf + LP_VNET_HDR_LEN,
                         (size_t)n - LP_VNET_HDR_LEN, c->scratch, cl_emit,
                         c) < 0) {
            struct lp_session *s = lp_runner_session(r);
            c->split_errors++;
            if (s != NULL)
                lp_counters_drop(&s->ctr, LP_REASON_JUMBO);
        }
    }
    return 0;
}

static int cl_write(void *arg, const uint8_t *frame, size_t len)
{
    struct cl *c = arg;

    if (c->vnet) {
        /* a complete frame: an all-zero header (no GSO, checksums done) */
        if (len > sizeof(c->txbuf) - LP_VNET_HDR_LEN)
            return 0;
        memset(c->txbuf, 0, LP_VNET_HDR_LEN);
        memcpy(c->txbuf + LP_VNET_HDR_LEN, frame, len);
        frame = c->txbuf;
        len += LP_VNET_HDR_LEN;
    }
    if (write(c->fd, frame, len) < 0) {
        if (errno == EAGAIN || errno == EIO || errno == ENOBUFS)
            return 0; /* TAP down or full: the frame is lost, not fatal */
        return -1;
    }
    return 0;
}

static int cl_before_connect(void *arg, const struct sockaddr *relay,
                             socklen_t len, char *err, size_t errlen)
{
    struct cl *c = arg;

    (void)len;
    if (!c->protect || c->pin.pinned)
        return 0;
    return lp_route_pin(&c->pin, relay, err, errlen);
}

static void cl_on_welcome(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct cl *c = arg;
    struct lp_session *s = lp_runner_session(r);
    char err[256];

    if (s == NULL)
        return;
    if (c->up && c->mtu != s->mtu) {
        /* a room recreated with another MTU while we reconnected */
        if (tap_up(c, s->mtu) != 0)
            lp_logf(LP_LOG_ERROR, "tap", "cannot set the MTU of %s to %u: %s",
                    c->tap, s->mtu, strerror(errno));
        else
            lp_logf(LP_LOG_INFO, "tap_mtu", "%s MTU is now %u", c->tap, s->mtu);
    }
    if (!c->up) {
        if (tap_up(c, s->mtu) != 0) {
            lp_logf(LP_LOG_ERROR, "tap", "cannot bring %s up: %s", c->tap,
                    strerror(errno));
            return;
        }
        lp_logf(LP_LOG_INFO, "tap_up",
                "%s is up with MTU %u and MAC %02x:%02x:%02x:%02x:%02x:%02x",
                c->tap, s->mtu, c->mac[0], c->mac[1], c->mac[2], c->mac[3],
                c->mac[4], c->mac[5]);
    }
    if (c->protect && !c->routes_added) {
        if (lp_route_tap_add(c->tap, err, sizeof(err)) == 0)
            c->routes_added = 1;
        else
            lp_logf(LP_LOG_WARN, "route", "%s", err);
    }
    if (c->protect) {
        c->route_ok = lp_route_verify(&c->pin);
        if (!c->route_ok)
            lp_logf(LP_LOG_WARN, "route",
                    "traffic to the relay no longer goes through %s",
                    c->pin.dev);
    }
    c->next_diag = now + LP_SECONDS;
}

static void cl_on_tick(void *arg, struct lp_runner *r, lp_tstamp now)
{
    struct cl *c = arg;
    struct lp_session *s = lp_runner_session(r);
    struct lp_diag d;

    if (c->protect && c->pin.pinned && now >= c->next_route_check) {
        c->next_route_check = now + 10 * LP_SECONDS;
        c->route_ok = lp_route_verify(&c->pin);
        if (!c->route_ok) {
            lp_logf(LP_LOG_WARN, "route",
                    "the relay route moved away from %s: pinning again",
                    c->pin.dev);
            if (c->pin.created)
                lp_route_unpin(&c->pin);
            c->pin.pinned = 0;
        }
    }
    if (now < c->next_diag)
        return;
    c->next_diag = now + 5 * LP_SECONDS;
    memset(&d, 0, sizeof(d));
    d.adapter = c->tap;
    d.adapter_up = c->up;
    d.route_ok = c->protect && c->pin.pinned ? c->route_ok : -1;
    tap_ipv4(c, d.ipv4, sizeof(d.ipv4));
    lp_diag_session(&d, s, s != NULL ? now - r->run.welcome_at : 0);
    lp_diag_log(&d, &c->diag);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lanparty-client --relay HOST[:PORT] --room ROOM "
            "[options]\n" LP_CLIENT_USAGE
            "  --config FILE             key = value lines, a key per flag "
            "(the flags win)\n"
            "  --version                 print the version and exit\n"
            "  --identity FILE           identity file (default ./%s)\n"
            "  --tap-name NAME           TAP device name (default lp0)\n"
            "  --user NAME               run as NAME after setup, keeping "
            "only CAP_NET_ADMIN\n"
            "                            (default when root: lanparty)\n",
            LP_IDENTITY_FILE);
}

static int cl_opt(void *arg, struct lp_client_opts *o, int opt, const char *val)
{
    struct cl *c = arg;

    (void)o;
    if (opt == 'u') {
        c->user = val;
        return 0;
    }
    if (opt != 't')
        return LP_EXIT_USAGE;
    if (strlen(val) >= IFNAMSIZ || val[0] == '\0') {
        fprintf(stderr,
                "lanparty-client: --tap-name '%s' must be 1 to 15 "
                "characters\n",
                val);
        return LP_EXIT_USAGE;
    }
    snprintf(c->tap, sizeof(c->tap), "%s", val);
    return 0;
}

/* After setup (TAP open, identity written, relay resolved): become --user
 * keeping only CAP_NET_ADMIN (routes, the TAP's MTU and flags), under the
 * client's seccomp list. */
static int cl_after_setup(void *arg, char *err, size_t errlen)
{
    const struct cl *c = arg;

    return lp_priv_enter(LP_PRIV_CLIENT, c->user, NULL, err, errlen);
}

int main(int argc, char **argv)
{
    static struct lp_identity id;
    static const struct option opts[] = {
        LP_CLIENT_LONG_OPTS,
        {"tap-name", required_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    static struct cl c;
    struct lp_client_opts o = {.prog = "lanparty-client", .protect = 1};
    struct lp_runner_cfg cfg;
    struct lp_runner_dev dev;
    char err[512];
    int rc;

    memset(&dev, 0, sizeof(dev));
    snprintf(c.tap, sizeof(c.tap), "lp0");
    c.fd = -1;
    lp_log_set_component("client");
    if ((rc = lp_confargs("lanparty-client", opts, LP_CONFARGS_REPEATABLE,
                          &argc, &argv)) >= 0)
        return rc;
    if ((rc = lp_client_getopt(&o, argc, argv, opts, usage, cl_opt, &c)) !=
            LP_CLIENT_RUN ||
        (rc = lp_client_identity(
             &o, o.identity != NULL ? o.identity : LP_IDENTITY_FILE, NULL,
             &id)) != 0)
        return rc;
    memcpy(c.mac, id.mac, 6);
    lp_runner_cfg_init(&cfg, &o, &id, LP_ROLE_CLIENT,
                       "lanparty-client-linux/0.1");
    c.protect = o.protect && !o.check_only;
    if (!cfg.check_only && tap_open(&c, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    dev.arg = &c;
    dev.fd = c.fd;
    dev.readable = cl_readable;
    dev.write_frame = cl_write;
    dev.before_connect = cl_before_connect;
    dev.on_welcome = cl_on_welcome;
    dev.on_tick = cl_on_tick;
    if (!cfg.check_only)
        dev.after_setup = cl_after_setup;
    rc = lp_runner_run(&cfg, &dev);
    if (c.routes_added)
        lp_route_tap_del(c.tap);
    lp_route_unpin(&c.pin);
    if (c.fd >= 0)
        close(c.fd);
    return rc;
}
