/*
 * lanparty-relay: the public QUIC relay. This file parses flags
 * (relay_options), opens the TLS identity and the UDP socket
 * (relay_setup) and runs the event loop (relay_loop: epoll over the
 * socket, a timerfd and a signalfd); everything else lives in
 * relay/lp_relay.c and quic/. Exit statuses: lib/lp_exit.h.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "lp_clock.h"
#include "lp_confargs.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_b64.h"
#include "lp_evloop.h"
#include "lp_exit.h"
#include "lp_file.h"
#include "lp_log.h"
#include "lp_logsink.h"
#ifdef __linux__
#include "lp_priv.h"
#endif
#include "lp_num.h"
#include "lp_relay.h"
#include "lp_resolve.h"
#include "lp_service.h"
#include "lp_sockaddr.h"
#include "lp_udp.h"
#include "relay_admin.h"
#include "relay_http.h"
#include "relay_tls.h"

#define PROG            "lanparty-relay"
#define LP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lanparty-relay [options]\n"
            "  --config FILE            key = value lines, a key per flag "
            "(the flags win)\n"
            "  --version                print the version and exit\n"
            "  --listen ADDR            443/udp (default), PORT/udp, or a "
            "socket address\n"
            "                           (0.0.0.0:4433, [::1]:0)\n"
            "  --cert FILE --key FILE   PEM certificate chain and key "
            "(production)\n"
            "  --dev-cert-der-out FILE  write the generated development "
            "certificate (DER)\n"
            "  --dev-cert-pem-out FILE --dev-key-pem-out FILE\n"
            "                           also write it and its key as PEM, "
            "to restart with\n"
            "                           --cert/--key and keep players' pins "
            "valid\n"
            "  --max-peers N            relay-wide peer limit (1024)\n"
            "  --room-max-peers N       peers per room (64)\n"
            "  --max-mtu N              largest room MTU (1380)\n"
            "  --frag-mtu N             MTU of a room whose first peer "
            "fragments (1500)\n"
            "  --no-frag                never fragment: every room's MTU "
            "fits every path\n"
            "  --rate-broadcast N       client broadcast+multicast frames/s "
            "(1000; 0 = off)\n"
            "  --rate-unknown-unicast N client unknown-unicast frames/s "
            "(200; 0 = off)\n"
            "  --rate-bytes N           client bytes/s (125000000; 0 = off)\n"
            "  --malformed-threshold N  malformed datagrams per 10 s before "
            "a close (32)\n"
            "  --queue N                datagram queue per peer (256)\n"
            "  --max-conns N            QUIC connections in any state "
            "(4096)\n"
            "  --max-conns-per-ip N     QUIC connections from one source "
            "(an IPv4 address\n"
            "                           or an IPv6 /64; 64; 0 = off)\n"
            "  --room-max-per-ip N      peers from one source in one room "
            "(16; 0 = off)\n"
            "  --rate-handshakes N      new handshakes/s from one source "
            "before Retry (10)\n"
            "  --rate-packets N         packets/s read from one source "
            "(50000)\n"
            "  --rate-gateway-broadcast N  gateway broadcast+multicast "
            "frames/s (5000)\n"
            "  --fanout-room N          frame copies/s one room may send "
            "(200000; 0 = off)\n"
            "  --fanout N               frame copies/s for the whole relay "
            "(1000000; 0 = off)\n"
            "  --max-queue-age MS       queued frames older than this are "
            "dropped (100)\n"
            "  --retry                  validate every client address with "
            "Retry\n"
            "  --rate-dhcp N            client DHCP requests/s (4; 0 = off)\n"
            "  --allow-ethertype HEX    let players send this ethertype too "
            "(e.g. 8137 for IPX;\n"
            "                           up to 8 times)\n"
            "  --rooms FILE             a closed relay: only the rooms and "
            "invites in FILE\n"
            "                           (reloaded on SIGHUP; see `"
            "lanparty-relay room --help`)\n"
            "  --user NAME              after binding, run as this user "
            "(default when\n"
            "                           started as root: lanparty)\n"
            "  --admin-listen ADDR      the organiser's dashboard, status API "
            "and /metrics\n"
            "                           over HTTP (off; e.g. 127.0.0.1:8080)\n"
            "  --admin-token-file FILE  its bearer token: read, or made and "
            "written (owner\n"
            "                           only) at the first start; without "
            "it a new token\n"
            "                           each start. Printed when made.\n"
            "  --admin-timeout S        idle HTTP connections are closed "
            "after S seconds (10)\n"
            "  --admin-tls              serve it over HTTPS with the relay's "
            "certificate\n"
            "  --log-level LEVEL        error, warn, info (default), debug\n");
}

/* What an epoll event is about (epoll_event.data.u32). */
enum relay_ev {
    RELAY_EV_UDP = 1,
    RELAY_EV_TIMER,
    RELAY_EV_SIGNAL,
    RELAY_EV_HTTP, /* the admin listener's epoll descriptor */
};

/* Everything main owns. */
struct relay_main {
    const char *listen_s, *cert, *key, *der_out, *pem_out, *key_out;
    const char *rooms; /* --rooms: a closed relay's room list */
    const char *user;  /* --user, or NULL */
    struct lp_relay_cfg cfg;
    struct lp_tls_server tls;
    int have_tls;
    struct lp_udp udp;
    struct lp_udp_rxbatch rxb;
    struct lp_relay relay;
    int have_relay;
    struct lp_evloop loop;
    struct lp_logsink logsink; /* stderr, never blocking the loop */
    /* the admin listener (--admin-listen), in this loop */
    struct lp_http_opts admin;
    int admin_tls; /* --admin-tls: HTTPS with the relay's certificate */
    struct relay_http http;
    int have_http;
    lp_tstamp started;
    uint64_t wall_start_ms;
};

static int relay_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                      size_t len, size_t segsize)
{
    struct relay_main *m = arg;

    return lp_udp_send(&m->udp, (const struct sockaddr *)path->local.addr,
                       path->local.addrlen,
                       (const struct sockaddr *)path->remote.addr,
                       path->remote.addrlen, data, len, segsize);
}

/* A number flag in [min, max], or a clear message and status 2. */
static int num_opt(const char *flag, const char *v, uint64_t min, uint64_t max,
                   uint64_t *out)
{
    if (lp_num_parse_u64(v, min, max, out) == 0)
        return 0;
    fprintf(stderr,
            PROG ": %s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "\n",
            flag, v, min, max);
    return LP_EXIT_USAGE;
}

/* relay_options fills m from the command line. Returns -1 to go on, or
 * the exit status (0 after --help). */
static int relay_options(struct relay_main *m, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"dev-cert-der-out", required_argument, NULL, 'd'},
        {"dev-cert-pem-out", required_argument, NULL, 'p'},
        {"dev-key-pem-out", required_argument, NULL, 'q'},
        {"max-peers", required_argument, NULL, 'P'},
        {"room-max-peers", required_argument, NULL, 'R'},
        {"max-mtu", required_argument, NULL, 'M'},
        {"rate-broadcast", required_argument, NULL, 'B'},
        {"rate-unknown-unicast", required_argument, NULL, 'U'},
        {"rate-bytes", required_argument, NULL, 'Y'},
        {"malformed-threshold", required_argument, NULL, 'T'},
        {"queue", required_argument, NULL, 'Q'},
        {"max-conns", required_argument, NULL, 'C'},
        {"max-conns-per-ip", required_argument, NULL, 'I'},
        {"retry", no_argument, NULL, 'r'},
        {"room-max-per-ip", required_argument, NULL, 1001},
        {"rate-handshakes", required_argument, NULL, 1002},
        {"rate-packets", required_argument, NULL, 1003},
        {"rate-gateway-broadcast", required_argument, NULL, 1004},
        {"fanout-room", required_argument, NULL, 1005},
        {"fanout", required_argument, NULL, 1006},
        {"max-queue-age", required_argument, NULL, 1007},
        {"frag-mtu", required_argument, NULL, 1008},
        {"no-frag", no_argument, NULL, 1009},
        {"rooms", required_argument, NULL, 'F'},
        {"rate-dhcp", required_argument, NULL, 'D'},
        {"allow-ethertype", required_argument, NULL, 'E'},
        {"log-level", required_argument, NULL, 'L'},
        {"user", required_argument, NULL, 1010},
        {"admin-listen", required_argument, NULL, 1011},
        {"admin-token-file", required_argument, NULL, 1012},
        {"admin-timeout", required_argument, NULL, 1013},
        {"admin-tls", no_argument, NULL, 1014},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct lp_relay_cfg *cfg = &m->cfg;
    enum lp_log_level lvl;
    uint64_t v;
    int opt, rc = 0;

    m->listen_s = "443/udp";
    if ((opt = lp_confargs(PROG, opts, LP_CONFARGS_REPEATABLE, &argc, &argv)) >=
        0)
        return opt;
    while (rc == 0 && (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            m->listen_s = optarg;
            break;
        case 'c':
            m->cert = optarg;
            break;
        case 'k':
            m->key = optarg;
            break;
        case 'd':
            m->der_out = optarg;
            break;
        case 'p':
            m->pem_out = optarg;
            break;
        case 'q':
            m->key_out = optarg;
            break;
        case 'P':
            if ((rc = num_opt("--max-peers", optarg, 1, 1000000, &v)) == 0)
                cfg->max_peers = v;
            break;
        case 'R':
            if ((rc = num_opt("--room-max-peers", optarg, 1, 65535, &v)) == 0)
                cfg->room_max_peers = v;
            break;
        case 'M':
            if ((rc = num_opt("--max-mtu", optarg, 576, 9000, &v)) == 0)
                cfg->max_mtu = (uint16_t)v;
            break;
        case 'B':
            if ((rc = num_opt("--rate-broadcast", optarg, 0, 1u << 30, &v)) ==
                0)
                cfg->rate_bcast = v;
            break;
        case 'U':
            if ((rc = num_opt("--rate-unknown-unicast", optarg, 0, 1u << 30,
                              &v)) == 0)
                cfg->rate_unknown = v;
            break;
        case 'Y':
            if ((rc = num_opt("--rate-bytes", optarg, 0, 1ULL << 40, &v)) == 0)
                cfg->rate_bytes = v;
            break;
        case 'T':
            if ((rc = num_opt("--malformed-threshold", optarg, 1, 1000000,
                              &v)) == 0)
                cfg->malformed_threshold = (uint32_t)v;
            break;
        case 'Q':
            if ((rc = num_opt("--queue", optarg, 1, 65536, &v)) == 0)
                cfg->queue_slots = (uint32_t)v;
            break;
        case 'C':
            if ((rc = num_opt("--max-conns", optarg, 1, 1000000, &v)) == 0)
                cfg->max_conns = v;
            break;
        case 'I':
            if ((rc = num_opt("--max-conns-per-ip", optarg, 0, 1000000, &v)) ==
                0)
                cfg->max_per_ip = v;
            break;
        case 'r':
            cfg->retry_always = 1;
            break;
        case 1010:
            m->user = optarg;
            break;
        case 1011:
            m->admin.listen = optarg;
            break;
        case 1012:
            m->admin.token_file = optarg;
            break;
        case 1013:
            if ((rc = num_opt("--admin-timeout", optarg, 1, 3600, &v)) == 0)
                m->admin.timeout_s = (unsigned)v;
            break;
        case 1014:
            m->admin_tls = 1;
            break;
        case 1001:
            if ((rc = num_opt("--room-max-per-ip", optarg, 0, 65535, &v)) == 0)
                cfg->room_max_per_ip = v;
            break;
        case 1002:
            if ((rc = num_opt("--rate-handshakes", optarg, 1, 1000000, &v)) ==
                0)
                cfg->rate_handshakes = v;
            break;
        case 1003:
            if ((rc = num_opt("--rate-packets", optarg, 100, 100000000, &v)) ==
                0)
                cfg->rate_packets = v;
            break;
        case 1004:
            if ((rc = num_opt("--rate-gateway-broadcast", optarg, 0, 1u << 30,
                              &v)) == 0)
                cfg->rate_gw_bcast = v;
            break;
        case 1005:
            if ((rc = num_opt("--fanout-room", optarg, 0, 1u << 30, &v)) == 0)
                cfg->fanout_room = v;
            break;
        case 1006:
            if ((rc = num_opt("--fanout", optarg, 0, 1u << 30, &v)) == 0)
                cfg->fanout_relay = v;
            break;
        case 1007:
            if ((rc = num_opt("--max-queue-age", optarg, 1, 10000, &v)) == 0)
                cfg->max_queue_age = v * LP_MILLISECONDS;
            break;
        case 1008:
            /* larger frames are jumbo (spec section 6, step 1) */
            if ((rc = num_opt("--frag-mtu", optarg, 576, 1500, &v)) == 0)
                cfg->frag_mtu = (uint16_t)v;
            break;
        case 1009:
            cfg->frag = 0;
            break;
        case 'F':
            m->rooms = optarg;
            break;
        case 'D':
            if ((rc = num_opt("--rate-dhcp", optarg, 0, 1000, &v)) == 0)
                cfg->rate_dhcp = v;
            break;
        case 'E': {
            /* hexadecimal, as ethertypes are written: 0x8137 or 8137 */
            char *end;
            unsigned long et = strtoul(optarg, &end, 16);
            if (*optarg == '\0' || *end != '\0' || et < 0x0600 || et > 0xffff ||
                cfg->nextra_ethertypes == LP_ARRAY_LEN(cfg->extra_ethertypes)) {
                fprintf(stderr,
                        PROG ": --allow-ethertype '%s': a hexadecimal "
                             "ethertype 0600..ffff, at most %zu times\n",
                        optarg, LP_ARRAY_LEN(cfg->extra_ethertypes));
                return LP_EXIT_USAGE;
            }
            cfg->extra_ethertypes[cfg->nextra_ethertypes++] = (uint16_t)et;
            break;
        }
        case 'L':
            if (lp_log_parse_level(optarg, &lvl) != 0) {
                fprintf(stderr, PROG ": unknown log level '%s'\n", optarg);
                return LP_EXIT_USAGE;
            }
            lp_log_set_level(lvl);
            break;
        case 'h':
            usage(stdout);
            return LP_EXIT_OK;
        default:
            usage(stderr);
            return LP_EXIT_USAGE;
        }
    }
    if (rc != 0)
        return rc;
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return LP_EXIT_USAGE;
    }
    if ((m->cert == NULL) != (m->key == NULL)) {
        fprintf(stderr, PROG ": --cert and --key go together\n");
        return LP_EXIT_USAGE;
    }
    if ((m->pem_out != NULL) != (m->key_out != NULL) ||
        (m->pem_out != NULL && m->cert != NULL)) {
        fprintf(stderr, PROG ": --dev-cert-pem-out and --dev-key-pem-out go "
                             "together, without --cert\n");
        return LP_EXIT_USAGE;
    }
    return -1;
}

/* relay_load_rooms reads and checks the room list file into *rl. */
static int relay_load_rooms(const char *path, struct lp_roomlist *rl, char *err,
                            size_t errlen)
{
    char *text = NULL, e[300];
    size_t len = 0;
    int rv;

    memset(rl, 0, sizeof(*rl));
    if (lp_file_read(path, LP_ROOMLIST_SIZE_MAX, &text, &len, e, sizeof(e)) !=
        0) {
        snprintf(err, errlen, "%s", e);
        return LP_ERR_IO;
    }
    rv = lp_roomlist_parse(rl, text, len, e, sizeof(e));
    free(text);
    if (rv != 0)
        snprintf(err, errlen, "%s: %s", path, e);
    return rv;
}

/* SIGHUP: the new room list, or the old one kept with an error line. */
static void relay_reload(struct relay_main *m, lp_tstamp now)
{
    struct lp_roomlist rl;
    char err[400];
    size_t revoked;

    (void)relay_tls_reload(&m->tls, m->cert, m->key);
    if (m->rooms == NULL) {
        lp_logf(LP_LOG_INFO, "reload",
                "SIGHUP: an open relay has no room "
                "list to reload");
        return;
    }
    if (relay_load_rooms(m->rooms, &rl, err, sizeof(err)) != 0) {
        lp_logf(LP_LOG_ERROR, "reload",
                "SIGHUP: %s; the previous room list stays in force", err);
        return;
    }
    revoked = lp_relay_set_rooms(&m->relay, &rl, now);
    lp_logf(LP_LOG_INFO, "reload",
            "SIGHUP: room list %s reloaded: %zu rooms, %zu peers revoked",
            m->rooms, m->relay.rooms_def.nrooms, revoked);
}

/*
 * relay_priv gives up what setup needed (issue: least privilege): started
 * as root, the relay becomes --user (default lanparty) with no capability
 * left; then, whoever it runs as, a seccomp allow-list of the loop's
 * system calls makes anything else fatal. The room list must stay
 * readable for SIGHUP: it is given to that user. Returns -1 to go on, or
 * the exit status.
 */
static int relay_priv(struct relay_main *m)
{
#ifdef __linux__
    char err[768];

    if (lp_priv_enter(m->have_http ? LP_PRIV_RELAY_ADMIN : LP_PRIV_RELAY,
                      m->user, m->rooms, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return LP_EXIT_ERROR;
    }
#else
    (void)m;
#endif
    return -1;
}

/* What the status and metrics need from main: its clocks and log sink. */
static void relay_http_meta(void *arg, struct lp_status_meta *sm)
{
    struct relay_main *m = arg;

    sm->version = LP_VERSION;
    sm->started = m->started;
    sm->wall_now_ms = lp_http_wall_ms();
    sm->proc.start_ms = m->wall_start_ms;
    sm->log_dropped = m->logsink.dropped;
}

/*
 * The dashboard's revoke (relay_http_revoke_fn): the credential leaves the
 * room list file, written as `lanparty-relay invite revoke` writes it
 * (atomically, owner only; the relay runs as --user, so the list's
 * directory must be writable by it, as /var/lib/lanparty is), and the new
 * list is put in force as SIGHUP would: every peer admitted with it is
 * disconnected (`revoked`). The file is read afresh, so changes made to it
 * since the last SIGHUP take effect too.
 */
static int relay_revoke(void *arg, const char *room, const char *label,
                        size_t *npeers, char *err, size_t errlen)
{
    struct relay_main *m = arg;
    struct lp_roomlist rl;
    char e[300], *text = NULL;
    size_t len = 0;
    int rv;

    if (m->rooms == NULL) {
        snprintf(err, errlen, "an open relay has no invites to revoke");
        return LP_ERR_INVAL;
    }
    if (relay_load_rooms(m->rooms, &rl, err, errlen) != 0)
        return LP_ERR_IO;
    if (lp_roomlist_remove_cred(&rl, room, label, e, sizeof(e)) != 0) {
        snprintf(err, errlen, "%s (changed in %s since it was loaded?)", e,
                 m->rooms);
        lp_roomlist_free(&rl);
        return LP_ERR_INVAL;
    }
    rv = lp_roomlist_format(&rl, &text, &len);
    if (rv != 0)
        snprintf(err, errlen, "out of memory");
    else if ((rv = lp_file_write_atomic(m->rooms, text, len, 1, e,
                                        sizeof(e))) != 0)
        snprintf(err, errlen,
                 "%s (the relay runs as its --user: keep the room "
                 "list in a directory that user can write)",
                 e);
    free(text);
    if (rv != 0) {
        lp_roomlist_free(&rl);
        return LP_ERR_IO;
    }
    *npeers = lp_relay_set_rooms(&m->relay, &rl, lp_clock_now());
    return 0;
}

/* relay_admin_http binds the admin listener (--admin-listen) before the
 * privilege drop, adds it to the loop and says where it is. */
static int relay_admin_http(struct relay_main *m)
{
    char err[512];
    int made = 0;

    if (m->admin_tls && m->cert != NULL) {
        m->admin.tls_cert_file = m->cert;
        m->admin.tls_key_file = m->key;
    } else if (m->admin_tls) {
        /* the development identity, from memory */
        m->admin.tls_cert_pem = m->tls.dev_cert_pem;
        m->admin.tls_key_pem = m->tls.dev_key_pem;
    }
    if (relay_http_open(&m->http, &m->admin, &m->relay, relay_http_meta,
                        relay_revoke, m, &made, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    m->have_http = 1;
    if (lp_evloop_add(&m->loop, lp_http_fd(&m->http.http), RELAY_EV_HTTP) !=
        0) {
        fprintf(stderr, PROG ": admin listener: %s\n", strerror(errno));
        return -1;
    }
    lp_http_log_listening(&m->http.http, made);
    return 0;
}

/* relay_setup opens the identity, the socket and the relay core. Returns
 * -1 to go on, or the exit status. */
static int relay_setup(struct relay_main *m)
{
    struct lp_endpoint ep;
    struct sockaddr_storage addrs[4];
    socklen_t lens[4];
    size_t naddr = 0;
    char err[512], a[LP_SOCKADDR_STRLEN];
    struct lp_logbuf b;

    if (lp_endpoint_parse_listen(&ep, m->listen_s, err, sizeof(err)) != 0 ||
        lp_resolve_endpoint(&ep, addrs, lens, 4, &naddr, err, sizeof(err)) !=
            0 ||
        naddr == 0) {
        fprintf(stderr, PROG ": --listen: %s\n", err);
        return LP_EXIT_USAGE;
    }
    if ((m->cert != NULL
             ? lp_tls_server_init_pem(&m->tls, m->cert, m->key, err,
                                      sizeof(err))
             : lp_tls_server_init_dev(&m->tls, err, sizeof(err))) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return LP_EXIT_TLS;
    }
    m->have_tls = 1;
    /* Written as root before the drop: owner-only for the key, never
     * through a symlink, atomically (lp_file_write_atomic). */
    if (m->pem_out != NULL &&
        (m->tls.dev_cert_pem == NULL ||
         lp_file_write_atomic(m->pem_out, m->tls.dev_cert_pem,
                              strlen(m->tls.dev_cert_pem), 0, err,
                              sizeof(err)) != 0 ||
         lp_file_write_atomic(m->key_out, m->tls.dev_key_pem,
                              strlen(m->tls.dev_key_pem), 1, err,
                              sizeof(err)) != 0)) {
        fprintf(stderr, PROG ": --dev-cert-pem-out: %s\n",
                m->tls.dev_cert_pem == NULL ? "no development certificate "
                                              "(--cert is set)"
                                            : err);
        return LP_EXIT_ERROR;
    }
    if (m->der_out != NULL &&
        lp_file_write_atomic(m->der_out, m->tls.leaf_der, m->tls.leaf_der_len,
                             0, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": --dev-cert-der-out: %s\n", err);
        return LP_EXIT_ERROR;
    }
    if (lp_udp_bind(&m->udp, (struct sockaddr *)&addrs[0], lens[0], err,
                    sizeof(err)) != 0) {
        fprintf(stderr, PROG ": --listen %s: %s\n", m->listen_s, err);
        return LP_EXIT_ERROR;
    }
    if (lp_udp_rxbatch_init(&m->rxb) != 0 ||
        lp_relay_init(&m->relay, &m->cfg, &m->tls, relay_send, m,
                      lp_clock_now()) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return LP_EXIT_ERROR;
    }
    m->have_relay = 1;
    if (m->rooms != NULL) {
        struct lp_roomlist rl;
        if (relay_load_rooms(m->rooms, &rl, err, sizeof(err)) != 0) {
            fprintf(stderr, PROG ": --rooms %s\n", err);
            return LP_EXIT_USAGE;
        }
        lp_relay_set_rooms(&m->relay, &rl, lp_clock_now());
    }
    {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGHUP);
        if (lp_evloop_open(&m->loop, &mask, RELAY_EV_TIMER, RELAY_EV_SIGNAL,
                           err, sizeof(err)) != 0 ||
            lp_evloop_add(&m->loop, m->udp.fd, RELAY_EV_UDP) != 0) {
            fprintf(stderr, PROG ": %s\n",
                    m->loop.ep >= 0 ? strerror(errno) : err);
            return LP_EXIT_ERROR;
        }
    }
    if (m->admin.listen != NULL && relay_admin_http(m) != 0)
        return LP_EXIT_ERROR;
    lp_sockaddr_format((const struct sockaddr *)&m->udp.local, 1, a, sizeof(a));
    if (lp_log_begin(&b, LP_LOG_INFO, "listening")) {
        uint8_t spki[32];
        char pin[8 + LP_B64URL_LEN(32) + 1] = "sha256:";
        if (lp_tls_server_spki_sha256(&m->tls, spki) == 0)
            lp_b64url_encode(pin + 7, sizeof(pin) - 7, spki, sizeof(spki));
        lp_log_str(&b, "addr", a);
        lp_log_str(&b, "alpn", LP_ALPN);
        lp_log_str(&b, "cert", m->cert != NULL ? m->cert : "development");
        lp_log_str(&b, "pin", pin); /* for invite links (spec section 9) */
        lp_log_str(&b, "rooms", m->rooms != NULL ? m->rooms : "open");
        lp_log_u64(&b, "gso", (uint64_t)m->udp.gso);
        lp_log_u64(&b, "gro", (uint64_t)m->udp.gro);
        lp_log_end(&b);
    }
    if (m->rooms == NULL)
        lp_logf(LP_LOG_WARN, "open_relay",
                "OPEN RELAY: no --rooms list, so anyone who knows or guesses a "
                "room name can join it and reach that LAN; use --rooms and "
                "invite links for a real party (lanparty-relay room create)");
    return -1;
}

/*
 * relay_wait sleeps until an event or the next timer deadline
 * (lp_evloop_wait: a nanosecond timeout, no timer syscall per loop);
 * while stopping, at most 50 ms.
 */
static int relay_wait(struct relay_main *m, struct epoll_event *evs, int max,
                      lp_tstamp deadline, int stopping)
{
    lp_tstamp now = lp_clock_now();

    if (m->have_http) {
        lp_tstamp h = lp_http_deadline(&m->http.http, now);
        if (h < deadline)
            deadline = h;
    }
    if (stopping &&
        (deadline == UINT64_MAX || deadline > now + 50 * LP_MILLISECONDS))
        deadline = now + 50 * LP_MILLISECONDS;
    return lp_evloop_wait(&m->loop, evs, max, deadline, now);
}

/* Reads the socket: at most 16 batches before timers get a turn. */
static void relay_readable(struct relay_main *m)
{
    for (int round = 0; round < 16; round++) {
        int got = lp_udp_recv(&m->udp, &m->rxb);
        lp_tstamp now;
        if (got <= 0)
            break;
        now = lp_clock_now();
        for (int k = 0; k < got; k++) {
            struct lp_udp_rx *rx = &m->rxb.rx[k];
            ngtcp2_path path;
            const uint8_t *d;
            size_t off = 0, l;
            path.local.addr = (ngtcp2_sockaddr *)&rx->local;
            path.local.addrlen = rx->locallen;
            path.remote.addr = (ngtcp2_sockaddr *)&rx->remote;
            path.remote.addrlen = rx->remotelen;
            path.user_data = NULL;
            while ((l = lp_udp_rx_next(rx, &off, &d)) > 0)
                lp_relay_recv(&m->relay, &path, d, l, now);
        }
        lp_relay_flush(&m->relay, now);
        if (got < LP_UDP_BATCH)
            break;
    }
}

/* Runs until a stop signal and the graceful shutdown after it. */
static int relay_loop(struct relay_main *m)
{
    struct epoll_event evs[8];
    lp_tstamp stop_deadline = 0;

    for (;;) {
        int n = relay_wait(m, evs, 8,
                           lp_service_deadline(lp_relay_next_expiry(&m->relay)),
                           stop_deadline != 0);
        lp_tstamp now;

        if (n < 0 && errno != EINTR) {
            fprintf(stderr, PROG ": epoll: %s\n", strerror(errno));
            return LP_EXIT_ERROR;
        }
        now = lp_clock_now();
        for (int i = 0; i < n; i++) {
            struct signalfd_siginfo si;
            switch (evs[i].data.u32) {
            case RELAY_EV_UDP:
                relay_readable(m);
                break;
            case RELAY_EV_TIMER:
                lp_evloop_timer_fired(&m->loop);
                break;
            case RELAY_EV_HTTP:
                lp_http_run(&m->http.http);
                break;
            case RELAY_EV_SIGNAL:
                while (read(m->loop.sfd, &si, sizeof(si)) == sizeof(si)) {
                    if (si.ssi_signo == SIGUSR1) {
                        lp_relay_snapshot(&m->relay, now);
                    } else if (si.ssi_signo == SIGHUP) {
                        relay_reload(m, now);
                    } else if (stop_deadline == 0) {
                        lp_logf(LP_LOG_INFO, "shutdown",
                                "signal %u: disconnecting every peer",
                                si.ssi_signo);
                        lp_service_notify("STOPPING=1");
                        lp_relay_shutdown(&m->relay, now);
                        stop_deadline = now + 3 * LP_SECONDS;
                    }
                }
                break;
            }
        }
        now = lp_clock_now();
        lp_service_watchdog(now);
        if (lp_relay_next_expiry(&m->relay) <= now)
            lp_relay_timers(&m->relay, now);
        if (m->have_http && lp_http_deadline(&m->http.http, now) <= now)
            lp_http_run(&m->http.http); /* idle connections time out */
        if (m->logsink.len > 0 || m->logsink.dropped > 0)
            (void)lp_logsink_flush(&m->logsink);
        if (stop_deadline != 0 &&
            (lp_relay_done(&m->relay) || now >= stop_deadline))
            return LP_EXIT_OK;
    }
}

int main(int argc, char **argv)
{
    static struct relay_main m; /* large: not on the stack */
    int rc;

    m.loop.ep = m.loop.tfd = m.loop.sfd = -1;
    m.udp.fd = -1;
    lp_relay_cfg_default(&m.cfg);
    lp_log_set_component("relay");
    m.started = lp_clock_now();
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        m.wall_start_ms =
            (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    }
    lp_service_init(); /* before the privilege drop */
    if (argc >= 2 &&
        (strcmp(argv[1], "room") == 0 || strcmp(argv[1], "invite") == 0))
        return relay_admin(argc, argv);
    if ((rc = relay_options(&m, argc, argv)) < 0) {
        /* A reader that falls behind (a full pipe, a stalled journal)
         * loses log lines, counted, never the relay's time. */
        if (lp_logsink_init(&m.logsink, STDERR_FILENO, 1 << 20) == 0)
            lp_log_set_sink(lp_logsink_line, &m.logsink);
        if ((rc = relay_setup(&m)) < 0 && (rc = relay_priv(&m)) < 0) {
            lp_service_notify("READY=1");
            rc = relay_loop(&m);
        }
    }
    if (m.have_relay) {
        lp_logf(LP_LOG_INFO, "exit", "relay stopped");
        lp_relay_free(&m.relay);
    }
    lp_http_close(&m.http.http);
    if (m.have_tls)
        lp_tls_server_free(&m.tls);
    lp_udp_rxbatch_free(&m.rxb);
    lp_udp_close(&m.udp);
    lp_evloop_close(&m.loop);
    lp_log_set_sink(NULL, NULL);
    lp_logsink_close(&m.logsink, 1000);
    return rc;
}
