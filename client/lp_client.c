/* lp_client: see lp_client.h. */
#include "lp_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_ctrl.h"
#include "lp_eth.h"
#include "lp_identity.h"
#include "lp_log.h"

lp_tstamp lp_client_backoff(unsigned attempt, uint32_t rnd)
{
    lp_tstamp base = 500 * LP_MILLISECONDS;
    lp_tstamp max = 30 * LP_SECONDS;
    lp_tstamp d, jitter;

    if (attempt == 0)
        return 0;
    d = base;
    for (unsigned i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    /* +-25%: d * (0.75 + 0.5 * rnd / 2^32) */
    jitter = (d / 2) * (lp_tstamp)rnd / 4294967296ULL;
    return d - d / 4 + jitter;
}

int lp_client_opt(struct lp_client_opts *o, int opt, const char *arg)
{
    enum lp_log_level lvl;

    switch (opt) {
    case 'r':
        o->relay = arg;
        return 1;
    case 's':
        o->server_name = arg;
        return 1;
    case 'c':
        o->pin_file = arg;
        return 1;
    case 'R':
        o->room = arg;
        return 1;
    case 'm':
        o->vmac = arg;
        return 1;
    case 'I':
        o->identity = arg;
        return 1;
    case 'n':
        o->protect = 0;
        return 1;
    case 'k':
        o->check_only = 1;
        return 1;
    case 'V':
        o->invite = arg;
        return 1;
    case 'W':
        o->invite_file = arg;
        return 1;
    case 'E': {
        char *end;
        unsigned long et = strtoul(arg, &end, 16);
        if (*arg == '\0' || *end != '\0' || et < 0x0600 || et > 0xffff ||
            o->nextra_ethertypes == 8) {
            fprintf(stderr,
                    "%s: --allow-ethertype '%s': a hexadecimal ethertype "
                    "0600..ffff, at most 8 times\n",
                    o->prog, arg);
            return -LP_EXIT_USAGE;
        }
        o->extra_ethertypes[o->nextra_ethertypes++] = (uint16_t)et;
        return 1;
    }
    case 'L':
        if (lp_log_parse_level(arg, &lvl) != 0) {
            fprintf(stderr, "%s: unknown log level '%s'\n", o->prog, arg);
            return -LP_EXIT_USAGE;
        }
        lp_log_set_level(lvl);
        return 1;
    case LP_OPT_NO_FRAG:
        o->no_frag = 1;
        return 1;
    default:
        return 0;
    }
}

unsigned lp_client_features(const struct lp_client_opts *o)
{
    return o->no_frag ? 0 : LP_FEAT_FRAG;
}

void lp_client_check_ok(const char *relay, const char *room,
                        const struct lp_msg_welcome *w)
{
    printf("OK: the relay %s answered with its pinned identity and room %s "
           "admitted us (peer id %u, MTU %u); LAN gateway %s\n",
           relay, room, w->peer_id, w->effective_mtu,
           w->gateway_present ? "present" : "not present yet");
    fflush(stdout);
}

const char *lp_client_reject_advice(enum lp_reject r)
{
    switch (r) {
    case LP_REJECT_UNAUTHORIZED:
        return "this room needs a valid invite: ask the organiser for a new "
               "link (yours is wrong, revoked, or for another room)";
    case LP_REJECT_GATEWAY_EXISTS:
        return "another gateway serves this room: stop it first (a restarted "
               "gateway with the same identity file takes its place)";
    case LP_REJECT_DUPLICATE_MAC:
        return "another player uses this MAC: run only one copy, or move or "
               "delete the identity file to get a new MAC";
    case LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL:
        return "the path to the relay carries smaller packets than this "
               "room needs: try another network";
    case LP_REJECT_INVALID_ROOM:
        return "room names are 1 to 32 characters of A-Z a-z 0-9 _ -";
    case LP_REJECT_UNSUPPORTED_VERSION:
        return "the relay speaks another protocol version: update lanparty";
    default:
        return "see the README's exit statuses";
    }
}

int lp_client_positional(struct lp_client_opts *o, int argc, char **argv,
                         int optind_)
{
    if (optind_ < argc && o->invite == NULL &&
        strncmp(argv[optind_], "lanparty://", 11) == 0)
        o->invite = argv[optind_++];
    if (optind_ < argc) {
        fprintf(stderr, "%s: unexpected argument '%.40s'\n", o->prog,
                argv[optind_]);
        return LP_EXIT_USAGE;
    }
    return 0;
}

/* The link from --invite-file FILE or standard input ("-"): the first
 * line, without the line end. */
static int client_read_invite(struct lp_client_opts *o, char *buf, size_t cap)
{
    FILE *f =
        strcmp(o->invite_file, "-") == 0 ? stdin : fopen(o->invite_file, "r");

    if (f == NULL) {
        fprintf(stderr, "%s: --invite-file %s: %s\n", o->prog, o->invite_file,
                strerror(errno));
        return LP_EXIT_USAGE;
    }
    if (fgets(buf, (int)cap, f) == NULL)
        buf[0] = '\0';
    if (f != stdin)
        fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Turns the invite (if any) into relay, room, pins and auth. */
static int client_use_invite(struct lp_client_opts *o)
{
    char text[2048], err[300];
    const char *link = o->invite;
    int rc;

    if (o->invite != NULL && o->invite_file != NULL) {
        fprintf(stderr,
                "%s: give the invite once (--invite or "
                "--invite-file)\n",
                o->prog);
        return LP_EXIT_USAGE;
    }
    if (o->invite_file != NULL) {
        if ((rc = client_read_invite(o, text, sizeof(text))) != 0)
            return rc;
        link = text;
    }
    if (link == NULL)
        return 0;
    if (o->relay != NULL || o->room != NULL) {
        fprintf(stderr,
                "%s: an invite link already names the relay and the "
                "room: drop --relay/--room\n",
                o->prog);
        return LP_EXIT_USAGE;
    }
    /* the message never quotes the token */
    if (lp_link_parse(&o->link, link, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: invite link: %s\n", o->prog, err);
        return LP_EXIT_USAGE;
    }
    if (o->link.npins > 0 && o->pin_file != NULL) {
        fprintf(stderr,
                "%s: the invite link carries a pin: drop "
                "--relay-ca-cert\n",
                o->prog);
        return LP_EXIT_USAGE;
    }
    o->has_link = 1;
    lp_link_relay(&o->link, o->relay_buf, sizeof(o->relay_buf));
    o->relay = o->relay_buf;
    o->room = o->link.room;
    return 0;
}

int lp_client_opts_check(struct lp_client_opts *o)
{
    int rc;

    if ((rc = client_use_invite(o)) != 0)
        return rc;
    if (o->relay == NULL || o->room == NULL) {
        fprintf(stderr, "%s: --relay and --room are required (--help)\n",
                o->prog);
        return LP_EXIT_USAGE;
    }
    if (!lp_room_valid(o->room)) {
        fprintf(stderr,
                "%s: --room '%s': 1 to 32 characters from A-Z a-z 0-9 _ -\n",
                o->prog, o->room);
        return LP_EXIT_USAGE;
    }
    return 0;
}

int lp_client_identity(const struct lp_client_opts *o, const char *path,
                       const uint8_t *gateway_mac, struct lp_identity *id)
{
    char err[512];
    uint8_t vmac[6];
    int created = 0;

    if (o->vmac != NULL &&
        (lp_mac_parse(vmac, o->vmac) != 0 || !lp_mac_valid_client(vmac))) {
        fprintf(stderr,
                "%s: --virtual-mac '%s' is not a locally administered "
                "unicast MAC (e.g. 02:xx:xx:xx:xx:xx)\n",
                o->prog, o->vmac);
        return LP_EXIT_USAGE;
    }
    if (lp_identity_load_or_create(path, gateway_mac, id, &created, err,
                                   sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", o->prog, err);
        return LP_EXIT_ERROR;
    }
    if (created)
        lp_logf(LP_LOG_INFO, "identity", "created %s (%s)", path,
                gateway_mac != NULL ? "a resume secret"
                                    : "a new virtual MAC and resume secret");
    if (o->vmac != NULL)
        memcpy(id->mac, vmac, 6);
    return 0;
}
