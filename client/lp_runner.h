/*
 * lp_runner: the Linux event loop shared by lanparty-gateway and the Linux
 * lanparty-client. It resolves the relay (before any tunnel interface is
 * active), runs one lp_session at a time over a connected UDP socket, moves
 * frames between the session and a local device (AF_PACKET or TAP) through
 * callbacks, and reconnects with exponential backoff and jitter when the
 * relay goes away, keeping the device open so games see a pause, not a lost
 * interface. SIGINT/SIGTERM send a graceful `disconnect`.
 */
#ifndef LP_RUNNER_H
#define LP_RUNNER_H

#include <sys/socket.h>

#include "lp_client.h"
#include "lp_session.h"

struct lp_runner;

struct lp_runner_dev {
    void *arg;
    int fd; /* polled for input; -1 for none */
    /* Drain the device: read frames and hand each to
     * lp_runner_send_frame. Return <0 on a fatal device error. */
    int (*readable)(void *arg, struct lp_runner *r, lp_tstamp now);
    /* A checked frame from the relay for the device. <0 is fatal. */
    int (*write_frame)(void *arg, const uint8_t *frame, size_t len);
    /* Called before each connection attempt with the relay's address. */
    int (*before_connect)(void *arg, const struct sockaddr *relay,
                          socklen_t len, char *err, size_t errlen);
    void (*on_welcome)(void *arg, struct lp_runner *r, lp_tstamp now);
    void (*on_peer_joined)(void *arg, struct lp_runner *r,
                           const struct lp_session_peer *p, lp_tstamp now);
    void (*on_peer_left)(void *arg, struct lp_runner *r,
                         const struct lp_session_peer *p, const char *reason,
                         lp_tstamp now);
    /* Once, after setup (relay resolved, TLS ready, loop open) and before
     * the loop: privileges are dropped here. Nonzero stops the runner with
     * LP_EXIT_ERROR (err says why). */
    int (*after_setup)(void *arg, char *err, size_t errlen);
    /* Once a second while running (connected or not). */
    void (*on_tick)(void *arg, struct lp_runner *r, lp_tstamp now);
    /* The session ended; the runner will reconnect unless stopping. */
    void (*on_disconnected)(void *arg, struct lp_runner *r, lp_tstamp now);
    /* Another input of the loop (the gateway's admin listener), when
     * aux_run is set: aux_fd is polled for reading, and aux_run is called
     * when it is readable or when aux_deadline (if set; UINT64_MAX for
     * none) has passed. */
    int aux_fd;
    void (*aux_run)(void *arg);
    lp_tstamp (*aux_deadline)(void *arg, lp_tstamp now);
};

struct lp_runner_cfg {
    const char *prog;          /* for messages: "lanparty-gateway", ... */
    const char *relay;         /* host, host:port, [v6]:port */
    const char *server_name;   /* SNI / name to verify; default: relay host */
    const char *pin_file;      /* --relay-ca-cert; NULL = system trust */
    const uint8_t (*spki)[32]; /* an invite link's pins (nspki > 0) */
    size_t nspki;
    struct lp_session_cfg session;
    int reconnect;  /* reconnect after losses (not after rejects) */
    int check_only; /* connect, print the welcome, disconnect */
};

struct lp_runner {
    const struct lp_runner_cfg *cfg;
    const struct lp_runner_dev *dev;
    struct lp_session s;
    int have_session;
    struct lp_client_run run; /* stop or try again, exit status */
    lp_tstamp connected_at;
    /* the counters of the sessions that ended, and how many began */
    struct lp_counters gone;
    uint64_t sessions;
    struct sockaddr_storage relay_addr;
    socklen_t relay_addrlen;
    char relay_str[80];
    char sni[256]; /* the relay's host name, when --server-name is not set */
    /* shell state (fds, buffers) */
    void *io;
};

/* lp_runner_cfg_init fills cfg from the parsed options and the identity
 * (the session's part through lp_client_session_cfg): --check-relay
 * connects once, every other run reconnects. cfg borrows o's and id's
 * storage. */
void lp_runner_cfg_init(struct lp_runner_cfg *cfg,
                        const struct lp_client_opts *o,
                        const struct lp_identity *id, enum lp_role role,
                        const char *software);

/* Runs until stopped by a signal, a reject, or a fatal error. Returns an
 * enum lp_exit value. */
int lp_runner_run(const struct lp_runner_cfg *cfg,
                  const struct lp_runner_dev *dev);

/* Hands a frame from the device to the session (when ready). */
enum lp_reason lp_runner_send_frame(struct lp_runner *r, const uint8_t *frame,
                                    size_t len, lp_tstamp now);

/* Replaces the polled device fd (the old one is no longer polled; the
 * caller closes it). -1 polls no device, e.g. while a link is gone. */
int lp_runner_set_dev_fd(struct lp_runner *r, int fd);

/* The session if it is ready, else NULL. */
struct lp_session *lp_runner_session(struct lp_runner *r);

#endif
