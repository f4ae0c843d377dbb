/*
 * lp_client: what the Linux and Windows clients (and the gateway) share
 * beyond the session: exit statuses and the reconnect backoff. Portable.
 */
#ifndef LP_CLIENT_H
#define LP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lp_exit.h"
#include "lp_identity.h"
#include "lp_link.h"
#include "lp_types.h"

/* Exit statuses (documented in the README). */

/* Backoff before reconnect attempt n (1-based): 0.5 s doubling to 30 s,
 * with +-25% jitter from rnd (any 32-bit value). Pure. */
lp_tstamp lp_client_backoff(unsigned attempt, uint32_t rnd);

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

#endif
