/* lp_client: see lp_client.h. */
#include "lp_client.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_ctrl.h"
#include "lp_eth.h"
#include "lp_identity.h"
#include "lp_log.h"
#include "lp_session.h"

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

int lp_client_getopt(struct lp_client_opts *o, int argc, char **argv,
                     const struct option *opts, void (*usage)(FILE *f),
                     lp_client_own_opt_fn own, void *arg)
{
    int opt, rc;

    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if ((rc = lp_client_opt(o, opt, optarg)) < 0)
            return -rc;
        if (rc > 0)
            continue;
        if (opt == 'h') {
            usage(stdout);
            return LP_EXIT_OK;
        }
        if (opt == '?' || opt == ':' || own == NULL) {
            usage(stderr);
            return LP_EXIT_USAGE;
        }
        if ((rc = own(arg, o, opt, optarg)) != 0)
            return rc;
    }
    if (o->no_relay)
        return LP_CLIENT_RUN;
    if ((rc = lp_client_positional(o, argc, argv, optind)) != 0 ||
        (rc = lp_client_opts_check(o)) != 0)
        return rc;
    return LP_CLIENT_RUN;
}

void lp_client_session_cfg(struct lp_session_cfg *cfg,
                           const struct lp_client_opts *o,
                           const struct lp_identity *id, enum lp_role role,
                           const char *software)
{
    cfg->role = role;
    snprintf(cfg->room, sizeof(cfg->room), "%s", o->room);
    memcpy(cfg->mac, id->mac, 6);
    cfg->software = software;
    cfg->auth = o->link.has_auth ? o->link.auth : NULL;
    cfg->resume = id->resume;
    memcpy(cfg->extra_ethertypes, o->extra_ethertypes,
           sizeof(o->extra_ethertypes));
    cfg->nextra_ethertypes = o->nextra_ethertypes;
    cfg->features = lp_client_features(o);
    cfg->stats_interval = 5 * LP_SECONDS;
}

void lp_client_run_init(struct lp_client_run *cr, const char *prog,
                        const char *relay, const char *pin_file, int reconnect,
                        int check_only, lp_tstamp now)
{
    memset(cr, 0, sizeof(*cr));
    cr->prog = prog;
    cr->relay = relay;
    cr->pin_file = pin_file;
    cr->reconnect = reconnect;
    cr->check_only = check_only;
    cr->exit_code = LP_EXIT_OK;
    cr->next_attempt = now;
}

int lp_client_on_welcome(struct lp_client_run *cr, struct lp_session *s,
                         const struct lp_msg_welcome *w, lp_tstamp now)
{
    cr->welcome_at = now;
    cr->attempt = 0;
    if (!cr->check_only)
        return 1;
    lp_client_check_ok(cr->relay, s->cfg.room, w);
    cr->stopping = 1;
    lp_session_disconnect(s, "check_done", now);
    return 0;
}

void lp_client_on_reject(struct lp_client_run *cr, const struct lp_session *s,
                         const struct lp_msg_reject *rj)
{
    if ((rj->reason == LP_REJECT_ROOM_FULL ||
         rj->reason == LP_REJECT_RELAY_FULL) &&
        cr->reconnect) {
        /* Not final (spec section 10): try again, at most every 30 s. */
        lp_logf(LP_LOG_WARN, "full",
                "the relay refused us for now: %s (%s); trying again in 30 s",
                rj->message, lp_reject_name(rj->reason));
        cr->retry_after_full = 1;
        return;
    }
    if (rj->reason == LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL &&
        !s->hello_pmtud_done && cr->reconnect) {
        /* Measured before PMTUD finished (a lossy path): measure again. */
        lp_logf(LP_LOG_WARN, "budget_retry",
                "the relay needs a larger datagram budget than the %u bytes "
                "measured so far; PMTUD had not finished: reconnecting",
                s->budget);
        return;
    }
    fprintf(stderr, "%s: the relay refused us: %s (%s)\n%s: %s\n", cr->prog,
            rj->message, lp_reject_name(rj->reason), cr->prog,
            lp_client_reject_advice(rj->reason));
    lp_client_stop(cr, LP_EXIT_REJECT_BASE + (int)rj->reason);
}

void lp_client_on_closed(struct lp_client_run *cr, const struct lp_session *s,
                         enum lp_qclose why)
{
    if (strcmp(s->disconnect_reason, LP_REASON_REPLACED) == 0) {
        fprintf(stderr, "%s: %s\n", cr->prog, LP_REPLACED_MESSAGE);
        lp_client_stop(cr, LP_EXIT_REPLACED);
        return;
    }
    if (strcmp(s->disconnect_reason, "revoked") == 0) {
        fprintf(stderr,
                "%s: the organiser revoked this invite: ask for a new "
                "link\n",
                cr->prog);
        lp_client_stop(cr, LP_EXIT_REVOKED);
        return;
    }
    if (why == LP_QC_TLS && cr->welcome_at == 0) {
        fprintf(stderr,
                "%s: TLS handshake with the relay failed (alert %u): "
                "the relay's certificate does not match %s\n",
                cr->prog, lp_qconn_tls_alert(&s->q),
                cr->pin_file != NULL ? "the pinned --relay-ca-cert"
                                     : "the system trust store");
        lp_client_stop(cr, LP_EXIT_TLS);
    }
}

void lp_client_stop(struct lp_client_run *cr, int exit_code)
{
    cr->stopping = 1;
    cr->exit_code = exit_code;
}

/* client_retry: the next attempt, unless this was --check-relay's only
 * one. */
static int client_retry(struct lp_client_run *cr, lp_tstamp now, uint32_t rnd)
{
    if (cr->stopping)
        return 0;
    if (!cr->reconnect) {
        lp_client_stop(cr, LP_EXIT_ERROR);
        return 0;
    }
    cr->attempt++;
    cr->next_attempt = now + lp_client_backoff(cr->attempt, rnd);
    if (cr->retry_after_full && cr->next_attempt < now + 30 * LP_SECONDS)
        cr->next_attempt = now + 30 * LP_SECONDS;
    cr->retry_after_full = 0;
    return 1;
}

void lp_client_session_ended(struct lp_client_run *cr, lp_tstamp now,
                             uint32_t rnd)
{
    if (!cr->stopping && !cr->reconnect && cr->welcome_at == 0)
        fprintf(stderr, "%s: could not reach the relay at %s\n", cr->prog,
                cr->relay);
    if (client_retry(cr, now, rnd))
        lp_logf(
            LP_LOG_INFO, "reconnect",
            "reconnecting to the relay in %llu ms (attempt %u)",
            (unsigned long long)((cr->next_attempt - now) / LP_MILLISECONDS),
            cr->attempt);
}

void lp_client_connect_failed(struct lp_client_run *cr, lp_tstamp now,
                              uint32_t rnd)
{
    (void)client_retry(cr, now, rnd);
}

int lp_client_user_stop(struct lp_client_run *cr, struct lp_session *s,
                        lp_tstamp now, const char *what)
{
    if (cr->stopping)
        return 0;
    lp_logf(LP_LOG_INFO, "shutdown", "%s: leaving the room", what);
    cr->stopping = 1;
    cr->stop_deadline = now + LP_CLIENT_STOP_WAIT;
    if (s != NULL)
        lp_session_disconnect(s, LP_REASON_SHUTDOWN, now);
    return 1;
}

void lp_client_device_failed(struct lp_client_run *cr, struct lp_session *s,
                             lp_tstamp now)
{
    int was_stopping = cr->stopping;

    lp_client_stop(cr, LP_EXIT_DEVICE);
    if (cr->stop_deadline == 0)
        cr->stop_deadline = now + LP_CLIENT_STOP_WAIT;
    if (s != NULL && !was_stopping)
        lp_session_disconnect(s, "device_error", now);
}

int lp_client_session_over(const struct lp_session *s)
{
    return lp_qconn_is_finished(&s->q);
}

int lp_client_done(struct lp_client_run *cr, int have_session, lp_tstamp now)
{
    if (!cr->stopping)
        return 0;
    if (!have_session)
        return 1;
    if (cr->stop_deadline == 0) {
        /* a final reject or close: the relay closes; give it a moment */
        cr->stop_deadline = now + LP_CLIENT_STOP_WAIT;
        return 0;
    }
    return now >= cr->stop_deadline;
}

int lp_client_connect_due(const struct lp_client_run *cr, int have_session,
                          lp_tstamp now)
{
    return !have_session && !cr->stopping && now >= cr->next_attempt;
}

lp_tstamp lp_client_next_wakeup(const struct lp_client_run *cr,
                                int have_session, lp_tstamp session_expiry,
                                lp_tstamp next)
{
    if (have_session && session_expiry < next)
        next = session_expiry;
    if (!have_session && !cr->stopping && cr->next_attempt < next)
        next = cr->next_attempt;
    if (cr->stop_deadline != 0 && cr->stop_deadline < next)
        next = cr->stop_deadline;
    return next;
}
