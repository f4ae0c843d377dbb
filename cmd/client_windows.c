/*
 * lanparty-client (Windows): options and the window; the runtime is
 * client/lp_runner_win (the shell around the shared supervisor in
 * client/lp_client), as cmd/client_linux.c is over client/lp_runner.
 */
#include <winsock2.h>
#include <windows.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lp_client.h"
#include "lp_err.h"
#include "lp_identity.h"
#include "lp_log.h"
#include "lp_runner_win.h"
#include "lp_tapreg.h"
#include "lp_winui.h"

static struct lp_winrun g; /* one client per process */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: lanparty-client --relay HOST[:PORT] --room ROOM "
        "[options]\n" LP_CLIENT_USAGE
        "  --identity FILE           identity file (default "
        "%%LOCALAPPDATA%%\\lanparty\\%s)\n"
        "  --tap-instance-id GUID    the TAP-Windows6 adapter to use\n"
        "  --list-tap-adapters       print the TAP adapters and exit\n"
        "  --window [OPTIONS] [LINK] open the window (first argument only)\n",
        LP_IDENTITY_FILE);
}

static int wcl_opt(void *arg, struct lp_client_opts *o, int opt,
                   const char *val)
{
    struct lp_winrun *c = arg;

    switch (opt) {
    case 't':
        c->tap_id = val;
        return 0;
    case 'l':
        c->list = 1;
        o->no_relay = 1;
        return 0;
    default:
        return LP_EXIT_USAGE;
    }
}

static int wcl_main(int argc, char **argv)
{
    static const struct option opts[] = {
        LP_CLIENT_LONG_OPTS,
        {"tap-instance-id", required_argument, NULL, 't'},
        {"list-tap-adapters", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct lp_winrun *c = &g;
    struct lp_client_opts *o = &c->opts; /* the link outlives main's locals */
    int rc;

    o->prog = "lanparty-client";
    o->protect = 1;
    lp_log_set_component("client");
    setvbuf(stderr, NULL, _IONBF, 0);
    if ((rc = lp_client_getopt(o, argc, argv, opts, usage, wcl_opt, c)) !=
        LP_CLIENT_RUN)
        return rc;
    if (c->list)
        return lp_winrun_list_adapters();
    return lp_winrun_main(c);
}

/* The window's side (lp_winui): each Connect runs wcl_main afresh in a
 * worker thread; the stop event outlives the runs, so that a Disconnect
 * pressed while the client still sets up is seen when its loop starts. */
static HANDLE wcl_ui_stop_ev;

static int wcl_ui_run(int argc, char **argv)
{
    int rc;

    ResetEvent(wcl_ui_stop_ev);
    memset(&g, 0, sizeof(g));
    g.stop_ev = wcl_ui_stop_ev;
    optind = 0; /* getopt starts over */
    rc = wcl_main(argc, argv);
    if (g.done_ev != NULL)
        CloseHandle(g.done_ev);
    g.done_ev = NULL;
    return rc;
}

static void wcl_ui_stop(void)
{
    SetEvent(wcl_ui_stop_ev);
}

/* main: `--window [OPTIONS] [LINK]` opens the window (the Start menu and
 * the lanparty:// handler); everything else is the command line. */
int main(int argc, char **argv)
{
    static const struct lp_winui_ops ops = {wcl_ui_run, wcl_ui_stop};

    if (argc >= 2 && strcmp(argv[1], "--window") == 0) {
        wcl_ui_stop_ev = CreateEventA(NULL, TRUE, FALSE, NULL);
        if (wcl_ui_stop_ev == NULL)
            return LP_EXIT_ERROR;
        return lp_winui_run(&ops, argc - 2, argv + 2);
    }
    return wcl_main(argc, argv);
}
