/* lp_client: see lp_client.h. */
#include "lp_client.h"

#include <stdio.h>

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
    case 'L':
        if (lp_log_parse_level(arg, &lvl) != 0) {
            fprintf(stderr, "%s: unknown log level '%s'\n", o->prog, arg);
            return -LP_EXIT_USAGE;
        }
        lp_log_set_level(lvl);
        return 1;
    default:
        return 0;
    }
}

int lp_client_opts_check(const struct lp_client_opts *o)
{
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
                       uint8_t mac[6])
{
    char err[512];
    int created = 0;

    if (o->vmac != NULL) {
        if (lp_mac_parse(mac, o->vmac) != 0 || !lp_mac_valid_client(mac)) {
            fprintf(stderr,
                    "%s: --virtual-mac '%s' is not a locally administered "
                    "unicast MAC (e.g. 02:xx:xx:xx:xx:xx)\n",
                    o->prog, o->vmac);
            return LP_EXIT_USAGE;
        }
        return 0;
    }
    if (lp_identity_load_or_create(path, mac, &created, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "%s: %s\n", o->prog, err);
        return LP_EXIT_ERROR;
    }
    if (created)
        lp_logf(LP_LOG_INFO, "identity", "created %s with a new virtual MAC",
                path);
    return 0;
}
