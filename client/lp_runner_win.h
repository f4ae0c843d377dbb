/*
 * lp_runner_win: the Windows client's runtime, the platform shell around
 * the shared supervisor (lp_client_run in lp_client.h), as lp_runner is
 * on Linux. It owns the TAP-Windows6 adapter, the route protection and
 * its undo journal, the network category and the event loop
 * (WaitForMultipleObjects on the UDP socket's event, the TAP read event
 * and a stop event); every decision to stop, reconnect or end comes from
 * lp_client_run. cmd/client_windows.c parses the options and opens the
 * window.
 *
 * Startup order: discover the adapter -> write NetworkAddress and set
 * media disconnected (so a stale connected state cannot steer DNS or
 * routing) -> resolve the relay -> undo a crashed run's changes to this
 * adapter and this relay's host route (journal, administrators-only
 * directory) -> pin the relay's route -> connect -> welcome -> TAP metric,
 * MTU and default routes -> media connected -> bridge. Under wine there is
 * no adapter, so the client stops at discovery, before contacting the
 * relay. --check-relay skips every adapter and route step.
 */
#ifndef LP_RUNNER_WIN_H
#define LP_RUNNER_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_client.h"
#include "lp_diag.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_identity.h"
#include "lp_log.h"
#include "lp_firewall.h"
#include "lp_netprofile.h"
#include "lp_pool.h"
#include "lp_ratelimit.h"
#include "lp_resolve.h"
#include "lp_secdir.h"
#include "lp_session.h"
#include "lp_tapreg.h"
#include "lp_udp_win.h"
#include "lp_winapi.h"
#include "lp_winroute.h"
#include "lp_winui.h"
#include "lp_wintap.h"

struct lp_winrun {
    /* options */
    const char *relay, *server_name, *pin_file, *tap_id;
    int check_only, protect, list;
    uint8_t mac[6];
    struct lp_client_opts opts; /* holds the invite link (a secret) */
    struct lp_identity id;      /* holds the resume secret */

    struct lp_winapi api;
    struct lp_tap_adapter ad;
    struct lp_wintap tap;
    int tap_open, media_on, tap_setup_done;
    uint64_t tap_luid;
    uint32_t tap_ifindex, tap_mtu;
    struct lp_winroute wr;
    int route_ok;            /* -1 n/a, 0 wrong, 1 ok */
    struct lp_netprofile np; /* the TAP's network: Private while we run */
    int np_ready, np_pending, com_ok;
    lp_tstamp next_profile;
    uint64_t logged_oversized, logged_busy;

    struct lp_endpoint ep;
    struct sockaddr_storage relay_addr;
    int relay_addrlen;
    char relay_str[80];
    struct lp_tls_client tls;
    struct lp_pool pool;
    struct lp_udpw udp;
    int have_udp;
    struct lp_session s;
    int have_session;
    struct lp_session_cfg scfg;

    /* limited broadcasts copied onto the TAP when another adapter wins
     * them (lp_bcastrep): a raw socket on 127.0.0.1 and one to send */
    struct {
        SOCKET rx, tx;
        WSAEVENT ev;
        int on, failed;
        uint32_t tap_addr, tap_bcast; /* network byte order */
        struct lp_tbucket tb;
        uint64_t copied, limited;
        lp_tstamp next_check;
    } br;

    struct lp_client_run run; /* stop or try again, exit status */
    lp_tstamp next_diag, next_route_check;
    struct lp_diag_state diag;
    HANDLE stop_ev, done_ev; /* console stop request; cleanup finished */
    uint8_t txbuf[65536], rxbuf[65536];
};

/*
 * lp_winrun_main runs the client with the options in c->opts (parsed by
 * the caller; c->tap_id may name the adapter) until a stop: a console
 * stop or c->stop_ev (created when NULL), a final answer, a device error.
 * c->done_ev is set when everything is restored. Returns the exit status
 * (enum lp_exit).
 */
int lp_winrun_main(struct lp_winrun *c);

/* lp_winrun_list_adapters prints the TAP adapters (--list-tap-adapters). */
int lp_winrun_list_adapters(void);

/* lp_winrun_state_path builds %LOCALAPPDATA%\lanparty\NAME. */
void lp_winrun_state_path(char *out, size_t outlen, const char *name);

#endif /* LP_RUNNER_WIN_H */
