/*
 * lp_client: what the gateway and the Linux and Windows clients share
 * beyond the session: the command line, the session's configuration from
 * it, the decisions between sessions (exit statuses, retries, backoff) and
 * the lines a user reads about them. Portable; no sockets, no clock.
 */
#ifndef LP_CLIENT_H
#define LP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_exit.h"
#include "lp_identity.h"
#include "lp_link.h"
#include "lp_session.h"
#include "lp_types.h"

/* Backoff before reconnect attempt n (1-based): 0.5 s doubling to 30 s,
 * with +-25% jitter from rnd (any 32-bit value). Pure. */
lp_tstamp lp_client_backoff(unsigned attempt, uint32_t rnd);

/* The disconnect reason a user's stop sends (a signal on Linux; Ctrl-C,
 * closing the console or the window on Windows), the same everywhere. */
#define LP_REASON_SHUTDOWN "shutdown"

/* How long a stopping endpoint waits for the relay to acknowledge its
 * disconnect before it exits anyway. */
#define LP_CLIENT_STOP_WAIT (2 * LP_SECONDS)

/* The relay's disconnect reason when the same role and MAC joined again
 * from this address: a second instance with our identity. Reconnecting
 * would only replace it back, forever; the program stops instead. */
#define LP_REASON_REPLACED "replaced"
#define LP_REPLACED_MESSAGE                                                    \
    "another copy of this endpoint (the same identity file: MAC and resume "   \
    "secret) joined the room and replaced this one; run one instance per "     \
    "identity file, or give each its own --identity"

/*
 * Command-line options the gateway and both clients share. Each main keeps
 * its own getopt_long loop; these table entries, their parser and the
 * checks that follow are common.
 */
struct lp_client_opts {
    const char *prog;  /* for messages: "lanparty-client" */
    const char *relay; /* --relay */
    const char *server_name;
    const char *pin_file; /* --relay-ca-cert */
    const char *room;
    const char *vmac;     /* --virtual-mac */
    const char *identity; /* --identity */
    int check_only;       /* --check-relay */
    int protect;          /* 0 with --no-route-protection */
    int no_relay;         /* a main's own option needs no relay or room */
    int no_frag;          /* --no-frag: do not offer "frag" */
    /* an invite link (spec section 9): --invite, --invite-file, or the
     * first argument; it sets relay and room, and brings pins and auth */
    uint16_t extra_ethertypes[8]; /* --allow-ethertype */
    size_t nextra_ethertypes;
    const char *invite, *invite_file;
    int has_link;
    struct lp_link link; /* holds a secret: never print it */
    char relay_buf[300]; /* relay taken from the link */
};

/* getopt_long entries (short codes 'r','s','c','R','L','h'; long-only
 * codes from LP_OPT_NO_FRAG). */
#define LP_OPT_NO_FRAG 0x1100
#define LP_ENDPOINT_LONG_OPTS                                                  \
    {"relay", required_argument, NULL, 'r'},                                   \
        {"server-name", required_argument, NULL, 's'},                         \
        {"relay-ca-cert", required_argument, NULL, 'c'},                       \
        {"room", required_argument, NULL, 'R'},                                \
        {"log-level", required_argument, NULL, 'L'},                           \
        {"invite", required_argument, NULL, 'V'},                              \
        {"invite-file", required_argument, NULL, 'W'},                         \
        {"allow-ethertype", required_argument, NULL, 'E'},                     \
        {"no-frag", no_argument, NULL, LP_OPT_NO_FRAG},                        \
    {                                                                          \
        "help", no_argument, NULL, 'h'                                         \
    }
/* and the clients' ('m','I','n','k') */
#define LP_CLIENT_LONG_OPTS                                                    \
    LP_ENDPOINT_LONG_OPTS, {"virtual-mac", required_argument, NULL, 'm'},      \
        {"identity", required_argument, NULL, 'I'},                            \
        {"no-route-protection", no_argument, NULL, 'n'},                       \
    {                                                                          \
        "check-relay", no_argument, NULL, 'k'                                  \
    }

#define LP_ENDPOINT_USAGE                                                      \
    "  LINK, --invite LINK       an invite link: lanparty://HOST/ROOM?...\n"   \
    "  --invite-file FILE        the link from FILE (- for stdin), so it\n"    \
    "                            stays out of the shell history\n"             \
    "  --relay-ca-cert FILE.der  pin the relay's certificate\n"                \
    "  --allow-ethertype HEX     also carry this ethertype (e.g. 8137, IPX)\n" \
    "  --server-name NAME        name to verify (system trust)\n"              \
    "  --log-level LEVEL         error, warn, info, debug\n"
#define LP_CLIENT_USAGE                                                        \
    LP_ENDPOINT_USAGE                                                          \
    "  --virtual-mac MAC         override the stored identity\n"               \
    "  --check-relay             connect, print the welcome, disconnect\n"     \
    "  --no-route-protection     leave the routes alone\n"

/* lp_client_getopt's "parsed, go on" answer; every other answer is the
 * status main returns. */
#define LP_CLIENT_RUN (-1)

struct option;

/* A main's own options: called for each getopt_long result that is not a
 * shared option ('h' included only when opts has no "help"). Returns 0, or
 * an lp_exit status (usage error, message printed). */
typedef int (*lp_client_own_opt_fn)(void *arg, struct lp_client_opts *o,
                                    int opt, const char *val);

/*
 * lp_client_getopt is the command line of the gateway and both clients:
 * the getopt_long loop over opts (LP_ENDPOINT_LONG_OPTS or
 * LP_CLIENT_LONG_OPTS, then the main's own entries), shared options through
 * lp_client_opt, the main's through own(arg, ...), --help and unknown
 * options through usage; then the positional invite link and
 * lp_client_opts_check, unless an own option set o->no_relay (it needs no
 * relay, as --list-tap-adapters). Returns LP_CLIENT_RUN, or the status main
 * returns (0 after --help, LP_EXIT_USAGE with the message printed).
 */
int lp_client_getopt(struct lp_client_opts *o, int argc, char **argv,
                     const struct option *opts, void (*usage)(FILE *f),
                     lp_client_own_opt_fn own, void *arg);

/* lp_client_session_cfg fills the hello's side of cfg from the options and
 * the identity: role, room, the identity's MAC, software, the link's auth,
 * the resume secret, --allow-ethertype, statistics every 5 s. cfg borrows
 * o's and id's storage: both must outlive the session. */
void lp_client_session_cfg(struct lp_session_cfg *cfg,
                           const struct lp_client_opts *o,
                           const struct lp_identity *id, enum lp_role role,
                           const char *software);

/*
 * lp_client_opt handles one getopt_long result. Returns 1 when it was a
 * shared option, 0 when the caller must handle it, or an lp_exit status
 * (usage error, already printed) as a negative number.
 */
int lp_client_opt(struct lp_client_opts *o, int opt, const char *arg);

/* lp_client_features: the LP_FEAT_* to offer in the hello ("frag" unless
 * --no-frag). */
unsigned lp_client_features(const struct lp_client_opts *o);

/* lp_client_opts_check: --relay and --room present, the room valid.
 * Returns 0 or LP_EXIT_USAGE (message printed). */
int lp_client_opts_check(struct lp_client_opts *o);

/* --check-relay's one line when everything is fine: relay, pin, room and
 * invite (both clients print it). */
void lp_client_check_ok(const char *relay, const char *room,
                        const struct lp_msg_welcome *w);

/* One human line: what a player or organiser does about a final reject. */
const char *lp_client_reject_advice(enum lp_reject r);

/* lp_client_positional takes what getopt left: at most one invite link.
 * Returns 0 or LP_EXIT_USAGE (message printed). */
int lp_client_positional(struct lp_client_opts *o, int argc, char **argv,
                         int optind_);

/* lp_client_identity: the identity file (created on the first run, spec
 * section 8) and its resume secret; the MAC is --virtual-mac's if given,
 * gateway_mac for a gateway (NULL for a client). Returns 0 or an lp_exit
 * status (message printed). */
int lp_client_identity(const struct lp_client_opts *o, const char *path,
                       const uint8_t *gateway_mac, struct lp_identity *id);

/*
 * struct lp_client_run: what an endpoint decides around its sessions, the
 * same for lp_runner (Linux) and the Windows client: whether it stops or
 * tries again after a welcome, a reject or a close, its exit status, and
 * when the next attempt is due. Sans-IO: the shells own the sockets, the
 * clock and the random numbers. Lines for the user go to stderr, prefixed
 * with prog.
 */
struct lp_client_run {
    const char *prog;
    const char *relay;    /* as messages name it */
    const char *pin_file; /* --relay-ca-cert, named when TLS fails */
    int reconnect;        /* after losses (never after a final answer) */
    int check_only;       /* --check-relay: stop after the welcome */
    int stopping;
    int exit_code;        /* enum lp_exit */
    int retry_after_full; /* room_full / relay_full: again in >= 30 s */
    unsigned attempt;     /* failed attempts since the last welcome */
    lp_tstamp next_attempt, welcome_at;
    lp_tstamp stop_deadline; /* 0: none yet (lp_client_done sets one) */
};

/* lp_client_run_init: not stopping, status 0, first attempt at now. */
void lp_client_run_init(struct lp_client_run *cr, const char *prog,
                        const char *relay, const char *pin_file, int reconnect,
                        int check_only, lp_tstamp now);

/* lp_client_on_welcome records the welcome. With --check-relay it prints
 * the OK line, disconnects s and returns 0; otherwise it returns 1: the
 * shell sets its device up. */
int lp_client_on_welcome(struct lp_client_run *cr, struct lp_session *s,
                         const struct lp_msg_welcome *w, lp_tstamp now);

/* lp_client_on_reject: room_full and relay_full are tried again (spec
 * section 10), a budget measured before PMTUD finished is measured again;
 * every other reject is final: one line and one line of advice, and the
 * status LP_EXIT_REJECT_BASE + reason. */
void lp_client_on_reject(struct lp_client_run *cr, const struct lp_session *s,
                         const struct lp_msg_reject *rj);

/* lp_client_on_closed: replaced, revoked, and a TLS failure before any
 * welcome are final (LP_EXIT_REPLACED, LP_EXIT_REVOKED, LP_EXIT_TLS). */
void lp_client_on_closed(struct lp_client_run *cr, const struct lp_session *s,
                         enum lp_qclose why);

/* lp_client_stop: stop with status exit_code (a device error). */
void lp_client_stop(struct lp_client_run *cr, int exit_code);

/* lp_client_session_ended: after the shell freed the session. Unless
 * stopping, --check-relay without a welcome stops with LP_EXIT_ERROR, and
 * every other run schedules the next attempt (lp_client_backoff with rnd;
 * 30 s at least after a full room). */
void lp_client_session_ended(struct lp_client_run *cr, lp_tstamp now,
                             uint32_t rnd);

/* lp_client_connect_failed: an attempt failed before any session existed
 * (no socket, no route): the same as lp_client_session_ended, quietly. */
void lp_client_connect_failed(struct lp_client_run *cr, lp_tstamp now,
                              uint32_t rnd);

/*
 * lp_client_user_stop: the user asked to stop. The first call logs
 * "shutdown" with what (e.g. "signal 15", "Ctrl-C"), sends the disconnect
 * LP_REASON_SHUTDOWN on s (NULL: no session) and gives the relay
 * LP_CLIENT_STOP_WAIT; the exit status stays what it was. Returns 1 then,
 * 0 when already stopping.
 */
int lp_client_user_stop(struct lp_client_run *cr, struct lp_session *s,
                        lp_tstamp now, const char *what);

/* lp_client_device_failed: the local device (TAP) failed: stop with
 * LP_EXIT_DEVICE, send the disconnect "device_error" on s (NULL: none),
 * and wait at most LP_CLIENT_STOP_WAIT. */
void lp_client_device_failed(struct lp_client_run *cr, struct lp_session *s,
                             lp_tstamp now);

/* lp_client_session_over: the session's connection is finished (closed
 * and nothing left to send or wait for): the shell frees it and calls
 * lp_client_session_ended. */
int lp_client_session_over(const struct lp_session *s);

/*
 * lp_client_done: whether the shell's loop ends now: stopping, and no
 * session left or the stop deadline passed. A stop without a deadline (a
 * final reject or close) that still has a session gets one now, so the
 * relay's close can arrive.
 */
int lp_client_done(struct lp_client_run *cr, int have_session, lp_tstamp now);

/* lp_client_connect_due: no session, not stopping, and the next attempt
 * is due at now. */
int lp_client_connect_due(const struct lp_client_run *cr, int have_session,
                          lp_tstamp now);

/* lp_client_next_wakeup: the earliest of next, the session's expiry
 * (session_expiry, when have_session), the next attempt (without a
 * session, unless stopping) and the stop deadline. */
lp_tstamp lp_client_next_wakeup(const struct lp_client_run *cr,
                                int have_session, lp_tstamp session_expiry,
                                lp_tstamp next);

#endif
