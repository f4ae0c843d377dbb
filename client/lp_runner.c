/* lp_runner: Linux endpoint event loop; see lp_runner.h. */
#include "lp_runner.h"

#include <errno.h>
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
#include "lp_evloop.h"
#include "lp_log.h"
#include "lp_sockaddr.h"
#include "lp_resolve.h"
#include "lp_udp.h"

/* What an epoll event is about (epoll_event.data.u32). */
enum runner_ev {
    RUNNER_EV_UDP = 1, /* the relay connection's socket */
    RUNNER_EV_TIMER,   /* the timerfd: QUIC timers, ticks, reconnects */
    RUNNER_EV_SIGNAL,  /* the signalfd: SIGINT, SIGTERM */
    RUNNER_EV_DEV,     /* the device: AF_PACKET socket or TAP */
    RUNNER_EV_AUX,     /* dev->aux_fd (the gateway's admin listener) */
};

#define RUNNER_TICK LP_SECONDS

struct runner_io {
    struct lp_udp udp;
    int have_udp;
    struct lp_pool pool;
    struct lp_udp_rxbatch rxb;
    struct lp_tls_client tls;
    uint8_t txbuf[65536];
    struct lp_evloop loop;
    int devfd;
    lp_tstamp next_tick;
    lp_tstamp last_rx;     /* last packet from the relay */
    uint64_t refused_seen; /* io->udp.refused already looked at */
};

static int runner_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                       size_t len, size_t segsize)
{
    struct runner_io *io = arg;

    (void)path;
    return lp_udp_send(&io->udp, NULL, 0, NULL, 0, data, len, segsize);
}

int lp_runner_set_dev_fd(struct lp_runner *r, int fd)
{
    struct runner_io *io = r->io;

    if (io->devfd >= 0)
        lp_evloop_del(&io->loop, io->devfd);
    io->devfd = -1;
    if (fd < 0)
        return 0;
    if (lp_evloop_add(&io->loop, fd, RUNNER_EV_DEV) != 0)
        return LP_ERR_IO;
    io->devfd = fd;
    return 0;
}

struct lp_session *lp_runner_session(struct lp_runner *r)
{
    return r->have_session && r->s.state == LP_SS_READY ? &r->s : NULL;
}

enum lp_reason lp_runner_send_frame(struct lp_runner *r, const uint8_t *frame,
                                    size_t len, lp_tstamp now)
{
    if (!r->have_session || r->s.state != LP_SS_READY)
        return LP_REASON_NOT_READY;
    return lp_session_send_frame(&r->s, frame, len, now);
}

static void runner_on_welcome(struct lp_session *s,
                              const struct lp_msg_welcome *w, lp_tstamp now)
{
    struct lp_runner *r = s->app;

    if (lp_client_on_welcome(&r->run, s, w, now) && r->dev->on_welcome != NULL)
        r->dev->on_welcome(r->dev->arg, r, now);
}

static void runner_on_reject(struct lp_session *s,
                             const struct lp_msg_reject *rj, lp_tstamp now)
{
    struct lp_runner *r = s->app;

    (void)now;
    lp_client_on_reject(&r->run, s, rj);
}

static void runner_on_peer_joined(struct lp_session *s,
                                  const struct lp_session_peer *p,
                                  lp_tstamp now)
{
    struct lp_runner *r = s->app;

    if (r->dev->on_peer_joined != NULL)
        r->dev->on_peer_joined(r->dev->arg, r, p, now);
}

static void runner_on_peer_left(struct lp_session *s,
                                const struct lp_session_peer *p,
                                const char *reason, lp_tstamp now)
{
    struct lp_runner *r = s->app;

    if (r->dev->on_peer_left != NULL)
        r->dev->on_peer_left(r->dev->arg, r, p, reason, now);
}

static void runner_on_frame(struct lp_session *s, uint16_t peer_id,
                            const uint8_t *frame, size_t len, lp_tstamp now)
{
    struct lp_runner *r = s->app;

    (void)peer_id;
    if (r->dev->write_frame != NULL && !r->run.stopping &&
        r->dev->write_frame(r->dev->arg, frame, len) < 0) {
        lp_logf(LP_LOG_ERROR, "device_error",
                "cannot write to the local device: %s", strerror(errno));
        lp_client_device_failed(&r->run, s, now);
    }
}

static void runner_on_closed(struct lp_session *s, enum lp_qclose why,
                             uint64_t code, lp_tstamp now)
{
    struct lp_runner *r = s->app;

    (void)now;
    (void)code;
    lp_client_on_closed(&r->run, s, why);
}

static const struct lp_session_ops runner_sops = {
    .on_welcome = runner_on_welcome,
    .on_reject = runner_on_reject,
    .on_peer_joined = runner_on_peer_joined,
    .on_peer_left = runner_on_peer_left,
    .on_frame = runner_on_frame,
    .on_closed = runner_on_closed,
};

static void runner_end_session(struct lp_runner *r, lp_tstamp now)
{
    struct runner_io *io = r->io;

    if (!r->have_session)
        return;
    lp_counters_add(&r->gone, &r->s.ctr);
    lp_session_free(&r->s);
    r->have_session = 0;
    if (io->have_udp) {
        lp_evloop_del(&io->loop, io->udp.fd);
        lp_udp_close(&io->udp);
        io->have_udp = 0;
    }
    if (r->dev->on_disconnected != NULL)
        r->dev->on_disconnected(r->dev->arg, r, now);
    {
        uint32_t rnd = 0;
        (void)lp_tls_random(&rnd, sizeof(rnd));
        lp_client_session_ended(&r->run, now, rnd);
    }
}

static int runner_connect(struct lp_runner *r, lp_tstamp now)
{
    struct runner_io *io = r->io;
    char err[512];

    if (r->dev->before_connect != NULL &&
        r->dev->before_connect(r->dev->arg, (struct sockaddr *)&r->relay_addr,
                               r->relay_addrlen, err, sizeof(err)) != 0) {
        lp_logf(LP_LOG_ERROR, "route", "%s", err);
        return -1;
    }
    if (lp_udp_connect(&io->udp, (struct sockaddr *)&r->relay_addr,
                       r->relay_addrlen, err, sizeof(err)) != 0) {
        lp_logf(LP_LOG_WARN, "connect", "%s", err);
        return -1;
    }
    io->have_udp = 1;
    io->refused_seen = 0;
    if (lp_session_start(&r->s, &r->cfg->session, &runner_sops, r, &io->tls,
                         (struct sockaddr *)&io->udp.local, io->udp.locallen,
                         (struct sockaddr *)&r->relay_addr, r->relay_addrlen,
                         &io->pool, now) != 0) {
        lp_udp_close(&io->udp);
        io->have_udp = 0;
        return -1;
    }
    r->have_session = 1;
    r->connected_at = now;
    r->sessions++;
    r->run.welcome_at = 0;
    if (lp_evloop_add(&io->loop, io->udp.fd, RUNNER_EV_UDP) != 0) {
        lp_logf(LP_LOG_ERROR, "connect", "cannot poll the UDP socket: %s",
                strerror(errno));
        runner_end_session(r, now);
        return -1;
    }
    lp_logf(LP_LOG_INFO, "connecting", "connecting to the relay at %s",
            r->relay_str);
    return 0;
}

/*
 * Whether the relay process is gone: its host answers our packets with ICMP
 * port unreachable (the relay crashed or is restarting), and nothing came
 * from the relay while our data waited for an acknowledgement (for 250 ms,
 * or one probe timeout if that is longer). A restarted relay answers the
 * old connection with a stateless reset anyway; this ends the wait for it
 * while the relay is down, so the endpoint is back within a second of the
 * restart instead of after the QUIC idle timeout or a PTO backoff. A
 * forged ICMP error alone cannot end a live session: a live relay keeps
 * acknowledging what is in flight.
 */
static int runner_relay_gone(struct lp_runner *r, lp_tstamp now)
{
    struct runner_io *io = r->io;
    lp_tstamp since, quiet;

    if (!io->have_udp || io->udp.refused == io->refused_seen)
        return 0;
    io->refused_seen = io->udp.refused;
    since = io->last_rx > r->connected_at ? io->last_rx : r->connected_at;
    quiet = 250 * LP_MILLISECONDS;
    if (r->s.q.handshake_ts != 0 && lp_qconn_pto(&r->s.q) > quiet)
        quiet = lp_qconn_pto(&r->s.q);
    if (now - since < quiet || lp_qconn_bytes_in_flight(&r->s.q) == 0)
        return 0;
    lp_logf(LP_LOG_WARN, "relay_unreachable",
            "the relay at %s refuses our packets (ICMP port unreachable) "
            "and has been silent for %llu ms: it is down or restarting",
            r->relay_str,
            (unsigned long long)((now - since) / LP_MILLISECONDS));
    return 1;
}

static int runner_resolve(struct lp_runner *r)
{
    struct lp_endpoint ep;
    struct sockaddr_storage addrs[8];
    socklen_t lens[8];
    size_t n = 0;
    char err[512];

    if (lp_endpoint_parse(&ep, r->cfg->relay, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: --relay: %s\n", r->cfg->prog, err);
        return LP_EXIT_USAGE;
    }
    if (lp_resolve_endpoint(&ep, addrs, lens, 8, &n, err, sizeof(err)) != 0 ||
        n == 0) {
        fprintf(stderr, "%s: %s\n", r->cfg->prog, err);
        return LP_EXIT_RESOLVE;
    }
    memcpy(&r->relay_addr, &addrs[0], lens[0]);
    r->relay_addrlen = lens[0];
    lp_sockaddr_format((struct sockaddr *)&addrs[0], 1, r->relay_str,
                       sizeof(r->relay_str));
    return 0;
}

static int runner_main(struct lp_runner *r, struct runner_io *io,
                       const struct lp_runner_cfg *cfg,
                       const struct lp_runner_dev *dev)
{
    struct epoll_event evs[8];
    sigset_t mask;
    char err[512];
    const char *sni;
    int rc;

    r->cfg = cfg;
    r->dev = dev;
    r->io = io;
    /* Resolve before any tunnel interface is active. */
    if ((rc = runner_resolve(r)) != 0)
        return rc;
    sni = cfg->server_name;
    if (sni == NULL) {
        struct lp_endpoint ep;
        if (lp_endpoint_parse(&ep, cfg->relay, err, sizeof(err)) == 0 &&
            !ep.is_ip_literal) {
            snprintf(r->sni, sizeof(r->sni), "%s", ep.host);
            sni = r->sni;
        } else {
            sni = "";
        }
    }
    if ((cfg->nspki > 0
             ? lp_tls_client_init_spki(&io->tls, cfg->spki, cfg->nspki, sni,
                                       err, sizeof(err))
             : lp_tls_client_init(&io->tls, cfg->pin_file, sni, err,
                                  sizeof(err))) != 0) {
        fprintf(stderr, "%s: %s\n", r->cfg->prog, err);
        return LP_EXIT_TLS;
    }
    if (lp_pool_init(&io->pool, 2048, 2048) != 0 ||
        lp_udp_rxbatch_init(&io->rxb) != 0) {
        fprintf(stderr, "%s: out of memory\n", cfg->prog);
        return LP_EXIT_ERROR;
    }
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    io->devfd = -1;
    if (lp_evloop_open(&io->loop, &mask, RUNNER_EV_TIMER, RUNNER_EV_SIGNAL, err,
                       sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", r->cfg->prog, err);
        return LP_EXIT_ERROR;
    }
    if (dev->fd >= 0 && lp_runner_set_dev_fd(r, dev->fd) != 0) {
        fprintf(stderr, "%s: cannot poll the device: %s\n", cfg->prog,
                strerror(errno));
        return LP_EXIT_ERROR;
    }
    if (dev->aux_run != NULL &&
        lp_evloop_add(&io->loop, dev->aux_fd, RUNNER_EV_AUX) != 0) {
        fprintf(stderr, "%s: cannot poll the admin listener: %s\n", cfg->prog,
                strerror(errno));
        return LP_EXIT_ERROR;
    }
    if (dev->after_setup != NULL &&
        dev->after_setup(dev->arg, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", cfg->prog, err);
        return LP_EXIT_ERROR;
    }
    lp_client_run_init(&r->run, cfg->prog, r->relay_str, cfg->pin_file,
                       cfg->reconnect, cfg->check_only, lp_clock_now());
    io->next_tick = r->run.next_attempt + RUNNER_TICK;

    for (;;) {
        lp_tstamp now = lp_clock_now(), next;
        int n;

        next = lp_client_next_wakeup(&r->run, r->have_session,
                                     r->have_session ? lp_session_expiry(&r->s)
                                                     : UINT64_MAX,
                                     io->next_tick);
        if (dev->aux_run != NULL && dev->aux_deadline != NULL) {
            lp_tstamp a = dev->aux_deadline(dev->arg, now);
            if (a < next)
                next = a;
        }
        n = lp_evloop_wait(&io->loop, evs, 8, next, now);
        if (n < 0 && errno != EINTR)
            break;
        now = lp_clock_now();
        for (int i = 0; i < n; i++) {
            switch (evs[i].data.u32) {
            case RUNNER_EV_UDP: {
                int got;
                int rounds = 0;
                while (r->have_session && rounds++ < 16 &&
                       (got = lp_udp_recv(&io->udp, &io->rxb)) > 0) {
                    io->last_rx = now;
                    for (int k = 0; k < got; k++) {
                        const uint8_t *d;
                        size_t off = 0, l;
                        while ((l = lp_udp_rx_next(&io->rxb.rx[k], &off, &d)) >
                               0)
                            lp_session_read(&r->s, d, l, now);
                    }
                }
                break;
            }
            case RUNNER_EV_TIMER:
                lp_evloop_timer_fired(&io->loop);
                break;
            case RUNNER_EV_SIGNAL: {
                struct signalfd_siginfo si;
                while (read(io->loop.sfd, &si, sizeof(si)) == sizeof(si)) {
                    char what[32];
                    snprintf(what, sizeof(what), "signal %u", si.ssi_signo);
                    (void)lp_client_user_stop(
                        &r->run, r->have_session ? &r->s : NULL, now, what);
                }
                break;
            }
            case RUNNER_EV_DEV:
                if (dev->readable != NULL &&
                    dev->readable(dev->arg, r, now) < 0) {
                    lp_logf(LP_LOG_ERROR, "device_error",
                            "the local device failed: %s", strerror(errno));
                    lp_client_device_failed(
                        &r->run, r->have_session ? &r->s : NULL, now);
                }
                break;
            case RUNNER_EV_AUX:
                dev->aux_run(dev->arg);
                break;
            }
        }
        now = lp_clock_now();
        if (dev->aux_run != NULL && dev->aux_deadline != NULL &&
            dev->aux_deadline(dev->arg, now) <= now)
            dev->aux_run(dev->arg); /* e.g. idle HTTP connections */
        if (r->have_session && lp_session_expiry(&r->s) <= now)
            lp_session_handle_expiry(&r->s, now);
        if (now >= io->next_tick) {
            io->next_tick = now + RUNNER_TICK;
            if (dev->on_tick != NULL)
                dev->on_tick(dev->arg, r, now);
        }
        if (r->have_session)
            lp_session_flush(&r->s, now, io->txbuf, sizeof(io->txbuf),
                             runner_send, io);
        if (r->have_session && runner_relay_gone(r, now)) {
            /* A restarting relay: try again soon, not after a long
             * backoff (its port refuses until it listens again). */
            r->run.attempt = 0;
            runner_end_session(r, now);
        }
        if (r->have_session && lp_client_session_over(&r->s))
            runner_end_session(r, now);
        if (lp_client_done(&r->run, r->have_session, now))
            break;
        if (lp_client_connect_due(&r->run, r->have_session, now) &&
            runner_connect(r, now) != 0) {
            uint32_t rnd = 0;
            (void)lp_tls_random(&rnd, sizeof(rnd));
            lp_client_connect_failed(&r->run, now, rnd);
        }
    }
    if (r->have_session) {
        r->run.stopping = 1;
        runner_end_session(r, lp_clock_now());
    }
    lp_tls_client_free(&io->tls);
    lp_pool_free(&io->pool);
    lp_udp_rxbatch_free(&io->rxb);
    lp_evloop_close(&io->loop);
    lp_logf(LP_LOG_INFO, "exit", "stopped (status %d)", r->run.exit_code);
    return r->run.exit_code;
}

void lp_runner_cfg_init(struct lp_runner_cfg *cfg,
                        const struct lp_client_opts *o,
                        const struct lp_identity *id, enum lp_role role,
                        const char *software)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->prog = o->prog;
    cfg->relay = o->relay;
    cfg->server_name = o->server_name;
    cfg->pin_file = o->pin_file;
    cfg->spki = (const uint8_t(*)[32])o->link.pins;
    cfg->nspki = o->link.npins;
    cfg->check_only = o->check_only;
    cfg->reconnect = !o->check_only;
    lp_client_session_cfg(&cfg->session, o, id, role, software);
}

int lp_runner_run(const struct lp_runner_cfg *cfg,
                  const struct lp_runner_dev *dev)
{
    struct lp_runner *r = calloc(1, sizeof(*r));
    struct runner_io *io = calloc(1, sizeof(*io));
    int rc = LP_EXIT_ERROR;

    if (r == NULL || io == NULL)
        fprintf(stderr, "%s: out of memory\n", cfg->prog);
    else
        rc = runner_main(r, io, cfg, dev);
    free(io);
    free(r);
    return rc;
}
