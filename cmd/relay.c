/*
 * lanparty-relay: the public QUIC relay. This file parses flags, opens the
 * UDP socket and runs the event loop (epoll: socket, timerfd, signalfd);
 * everything else lives in relay/lp_relay.c and quic/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lp_clock.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_log.h"
#include "lp_relay.h"
#include "lp_resolve.h"
#include "lp_udp.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lanparty-relay [options]\n"
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
            "  --rate-broadcast N       client broadcast+multicast frames/s "
            "(1000; 0 = off)\n"
            "  --rate-unknown-unicast N client unknown-unicast frames/s "
            "(200; 0 = off)\n"
            "  --rate-bytes N           client bytes/s (25000000; 0 = off)\n"
            "  --malformed-threshold N  malformed datagrams per 10 s before "
            "a close (32)\n"
            "  --queue N                datagram queue per peer (256)\n"
            "  --max-conns N            QUIC connections in any state "
            "(4096)\n"
            "  --max-conns-per-ip N     QUIC connections from one IP "
            "address (64; 0 = off)\n"
            "  --retry                  validate every client address with "
            "Retry\n"
            "  --log-level LEVEL        error, warn, info (default), debug\n");
}

struct relay_io {
    struct lp_udp udp;
};

static int relay_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                      size_t len, size_t segsize)
{
    struct relay_io *io = arg;

    return lp_udp_send(&io->udp, (const struct sockaddr *)path->local.addr,
                       path->local.addrlen,
                       (const struct sockaddr *)path->remote.addr,
                       path->remote.addrlen, data, len, segsize);
}

static uint64_t parse_u64(const char *flag, const char *v, uint64_t max)
{
    char *end;
    unsigned long long n;

    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n > max) {
        fprintf(stderr,
                "lanparty-relay: %s: '%s' is not a number up to %" PRIu64 "\n",
                flag, v, max);
        exit(2);
    }
    return n;
}

static void arm_timer(int tfd, lp_tstamp when, lp_tstamp *armed)
{
    struct itimerspec its;

    if (when == *armed)
        return;
    *armed = when;
    memset(&its, 0, sizeof(its));
    if (when == UINT64_MAX) {
        timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        return;
    }
    if (when == 0)
        when = 1;
    its.it_value.tv_sec = (time_t)(when / LP_SECONDS);
    its.it_value.tv_nsec = (long)(when % LP_SECONDS);
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/*
 * relay_wait sleeps until an event or the next timer deadline. With
 * epoll_pwait2 (Linux 5.11) the deadline is a nanosecond timeout and no
 * timer syscall is made per loop; older kernels re-arm a timerfd.
 */
static int relay_wait(int ep, struct epoll_event *evs, int max, int tfd,
                      lp_tstamp deadline, int stopping, lp_tstamp *armed)
{
    static int no_pwait2;
    lp_tstamp now;

    if (stopping && (deadline == UINT64_MAX ||
                     deadline > lp_clock_now() + 50 * LP_MILLISECONDS))
        deadline = lp_clock_now() + 50 * LP_MILLISECONDS;
    if (!no_pwait2) {
        struct timespec ts, *tsp = NULL;
        int n;
        if (deadline != UINT64_MAX) {
            now = lp_clock_now();
            lp_tstamp d = deadline > now ? deadline - now : 0;
            ts.tv_sec = (time_t)(d / LP_SECONDS);
            ts.tv_nsec = (long)(d % LP_SECONDS);
            tsp = &ts;
        }
        n = epoll_pwait2(ep, evs, max, tsp, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        no_pwait2 = 1;
    }
    arm_timer(tfd, deadline, armed);
    return epoll_wait(ep, evs, max, -1);
}

int main(int argc, char **argv)
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
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *listen_s = "443/udp", *cert = NULL, *key = NULL,
               *der_out = NULL, *pem_out = NULL, *key_out = NULL;
    struct lp_relay_cfg cfg;
    struct lp_endpoint ep;
    struct sockaddr_storage addrs[4];
    socklen_t lens[4];
    size_t naddr = 0;
    char err[512];
    static struct lp_relay relay;
    struct lp_tls_server tls;
    struct relay_io io;
    struct lp_udp_rxbatch rxb;
    int ep_fd, tfd, sfd, opt, rc = 0;
    sigset_t mask;
    struct epoll_event ev, evs[8];
    lp_tstamp armed = 0, stop_deadline = 0;
    enum lp_log_level lvl;

    lp_relay_cfg_default(&cfg);
    lp_log_set_component("relay");
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            listen_s = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'd':
            der_out = optarg;
            break;
        case 'p':
            pem_out = optarg;
            break;
        case 'q':
            key_out = optarg;
            break;
        case 'P':
            cfg.max_peers = parse_u64("--max-peers", optarg, 1000000);
            break;
        case 'R':
            cfg.room_max_peers = parse_u64("--room-max-peers", optarg, 65535);
            break;
        case 'M':
            cfg.max_mtu = (uint16_t)parse_u64("--max-mtu", optarg, 9000);
            if (cfg.max_mtu < 576) {
                fprintf(stderr, "lanparty-relay: --max-mtu must be >= 576\n");
                return 2;
            }
            break;
        case 'B':
            cfg.rate_bcast = parse_u64("--rate-broadcast", optarg, 1u << 30);
            break;
        case 'U':
            cfg.rate_unknown =
                parse_u64("--rate-unknown-unicast", optarg, 1u << 30);
            break;
        case 'Y':
            cfg.rate_bytes = parse_u64("--rate-bytes", optarg, 1ULL << 40);
            break;
        case 'T':
            cfg.malformed_threshold =
                (uint32_t)parse_u64("--malformed-threshold", optarg, 1000000);
            if (cfg.malformed_threshold == 0)
                cfg.malformed_threshold = 1;
            break;
        case 'Q':
            cfg.queue_slots = (uint32_t)parse_u64("--queue", optarg, 65536);
            if (cfg.queue_slots == 0)
                cfg.queue_slots = 1;
            break;
        case 'C':
            cfg.max_conns = parse_u64("--max-conns", optarg, 1000000);
            if (cfg.max_conns == 0)
                cfg.max_conns = 1;
            break;
        case 'I':
            cfg.max_per_ip = parse_u64("--max-conns-per-ip", optarg, 1000000);
            break;
        case 'r':
            cfg.retry_always = 1;
            break;
        case 'L':
            if (lp_log_parse_level(optarg, &lvl) != 0) {
                fprintf(stderr, "lanparty-relay: unknown log level '%s'\n",
                        optarg);
                return 2;
            }
            lp_log_set_level(lvl);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lanparty-relay: unexpected argument '%s'\n",
                argv[optind]);
        return 2;
    }
    if ((cert == NULL) != (key == NULL)) {
        fprintf(stderr, "lanparty-relay: --cert and --key go together\n");
        return 2;
    }
    if (lp_endpoint_parse_listen(&ep, listen_s, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-relay: --listen: %s\n", err);
        return 2;
    }
    if (lp_resolve_endpoint(&ep, addrs, lens, 4, &naddr, err, sizeof(err)) !=
            0 ||
        naddr == 0) {
        fprintf(stderr, "lanparty-relay: --listen: %s\n", err);
        return 2;
    }
    if (cert != NULL) {
        if (lp_tls_server_init_pem(&tls, cert, key, err, sizeof(err)) != 0) {
            fprintf(stderr, "lanparty-relay: %s\n", err);
            return 1;
        }
    } else if (lp_tls_server_init_dev(&tls, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-relay: %s\n", err);
        return 1;
    }
    if ((pem_out != NULL) != (key_out != NULL) ||
        (pem_out != NULL && cert != NULL)) {
        fprintf(stderr, "lanparty-relay: --dev-cert-pem-out and "
                        "--dev-key-pem-out go together, without --cert\n");
        return 2;
    }
    if (pem_out != NULL && lp_tls_server_write_dev_pem(&tls, pem_out, key_out,
                                                       err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-relay: %s\n", err);
        return 1;
    }
    if (der_out != NULL &&
        lp_tls_server_write_der(&tls, der_out, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-relay: --dev-cert-der-out: %s\n", err);
        return 1;
    }
    if (lp_udp_bind(&io.udp, (struct sockaddr *)&addrs[0], lens[0], err,
                    sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-relay: --listen %s: %s\n", listen_s, err);
        return 1;
    }
    if (lp_udp_rxbatch_init(&rxb) != 0 ||
        lp_relay_init(&relay, &cfg, &tls, relay_send, &io, lp_clock_now()) !=
            0) {
        fprintf(stderr, "lanparty-relay: out of memory\n");
        return 1;
    }
    {
        char a[80] = "?";
        struct lp_logbuf b;
        const struct sockaddr *sa = (const struct sockaddr *)&io.udp.local;
        char ip[64];
        if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      ip, sizeof(ip));
            snprintf(a, sizeof(a), "[%s]:%u", ip,
                     ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
        } else {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip,
                      sizeof(ip));
            snprintf(a, sizeof(a), "%s:%u", ip,
                     ntohs(((const struct sockaddr_in *)sa)->sin_port));
        }
        if (lp_log_begin(&b, LP_LOG_INFO, "listening")) {
            lp_log_str(&b, "addr", a);
            lp_log_str(&b, "alpn", LP_ALPN);
            lp_log_str(&b, "cert", cert != NULL ? cert : "development");
            lp_log_u64(&b, "gso", (uint64_t)io.udp.gso);
            lp_log_u64(&b, "gro", (uint64_t)io.udp.gro);
            lp_log_end(&b);
        }
    }

    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    ep_fd = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || tfd < 0 || ep_fd < 0) {
        fprintf(stderr, "lanparty-relay: %s\n", strerror(errno));
        return 1;
    }
    ev.events = EPOLLIN;
    ev.data.fd = io.udp.fd;
    epoll_ctl(ep_fd, EPOLL_CTL_ADD, io.udp.fd, &ev);
    ev.data.fd = tfd;
    epoll_ctl(ep_fd, EPOLL_CTL_ADD, tfd, &ev);
    ev.data.fd = sfd;
    epoll_ctl(ep_fd, EPOLL_CTL_ADD, sfd, &ev);

    for (;;) {
        int n;
        lp_tstamp now;

        n = relay_wait(ep_fd, evs, 8, tfd, lp_relay_next_expiry(&relay),
                       stop_deadline != 0, &armed);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "lanparty-relay: epoll: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        now = lp_clock_now();
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == io.udp.fd) {
                /* Bounded: at most 16 batches before timers get a turn. */
                for (int round = 0; round < 16; round++) {
                    int got = lp_udp_recv(&io.udp, &rxb);
                    if (got <= 0)
                        break;
                    now = lp_clock_now();
                    for (int k = 0; k < got; k++) {
                        struct lp_udp_rx *rx = &rxb.rx[k];
                        ngtcp2_path path;
                        path.local.addr = (ngtcp2_sockaddr *)&rx->local;
                        path.local.addrlen = rx->locallen;
                        path.remote.addr = (ngtcp2_sockaddr *)&rx->remote;
                        path.remote.addrlen = rx->remotelen;
                        path.user_data = NULL;
                        for (size_t off = 0; off < rx->len;
                             off += rx->segsize) {
                            size_t l = rx->len - off < rx->segsize
                                           ? rx->len - off
                                           : rx->segsize;
                            lp_relay_recv(&relay, &path, rx->data + off, l,
                                          now);
                        }
                    }
                    lp_relay_flush(&relay, now);
                    if (got < LP_UDP_BATCH)
                        break;
                }
            } else if (evs[i].data.fd == tfd) {
                uint64_t x;
                ssize_t rd = read(tfd, &x, sizeof(x));
                (void)rd;
                armed = 0;
            } else if (evs[i].data.fd == sfd) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                    if (si.ssi_signo == SIGUSR1) {
                        lp_relay_snapshot(&relay, now);
                    } else if (stop_deadline == 0) {
                        lp_logf(LP_LOG_INFO, "shutdown",
                                "signal %u: disconnecting every peer",
                                si.ssi_signo);
                        lp_relay_shutdown(&relay, now);
                        stop_deadline = now + 3 * LP_SECONDS;
                    }
                }
            }
        }
        now = lp_clock_now();
        if (lp_relay_next_expiry(&relay) <= now)
            lp_relay_timers(&relay, now);
        if (stop_deadline != 0 &&
            (lp_relay_done(&relay) || now >= stop_deadline))
            break;
    }
    lp_logf(LP_LOG_INFO, "exit", "relay stopped");
    lp_relay_free(&relay);
    lp_tls_server_free(&tls);
    lp_udp_rxbatch_free(&rxb);
    lp_udp_close(&io.udp);
    close(ep_fd);
    close(tfd);
    close(sfd);
    return rc;
}
