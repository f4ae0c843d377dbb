/* lp_runner_win: the Windows client's runtime; see lp_runner_win.h. */
#include "lp_runner_win.h"

#include "lp_bcastrep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct lp_winrun *active; /* one client per process: the console
                                    handler's */

static BOOL WINAPI winrun_console(DWORD type)
{
    if (active != NULL && active->stop_ev != NULL)
        SetEvent(active->stop_ev);
    /* For close, logoff and shutdown Windows ends the process once the
     * handler returns: wait (up to 4 s of the 5 s allowed) for the main
     * thread to disconnect and restore routes. */
    if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT ||
        type == CTRL_SHUTDOWN_EVENT) {
        if (active != NULL && active->done_ev != NULL)
            WaitForSingleObject(active->done_ev, 4000);
    }
    return TRUE; /* handled: the loop disconnects gracefully */
}

/* winrun_tap_ipv4 finds the TAP's IPv4 address, preferring non-link-local. */
static void winrun_tap_ipv4(struct lp_winrun *c, char *out, size_t outlen)
{
    PMIB_UNICASTIPADDRESS_TABLE t = NULL;

    out[0] = '\0';
    if (c->api.GetUnicastIpAddressTable == NULL ||
        c->api.FreeMibTable == NULL || c->tap_luid == 0 ||
        c->api.GetUnicastIpAddressTable(AF_INET, &t) != NO_ERROR)
        return;
    for (ULONG i = 0; i < t->NumEntries; i++) {
        const MIB_UNICASTIPADDRESS_ROW *r = &t->Table[i];
        if (r->InterfaceLuid.Value != c->tap_luid)
            continue;
        inet_ntop(AF_INET, &r->Address.Ipv4.sin_addr, out, outlen);
        if (strncmp(out, "169.254.", 8) != 0)
            break;
    }
    c->api.FreeMibTable(t);
}

/* winrun_tap_v4 finds the TAP's IPv4 address (not link-local) and its
 * subnet's broadcast address, in network byte order. 0 or -1. */
static int winrun_tap_v4(struct lp_winrun *c, uint32_t *addr, uint32_t *bcast)
{
    PMIB_UNICASTIPADDRESS_TABLE t = NULL;
    int rv = -1;

    if (c->api.GetUnicastIpAddressTable == NULL ||
        c->api.FreeMibTable == NULL || c->tap_luid == 0 ||
        c->api.GetUnicastIpAddressTable(AF_INET, &t) != NO_ERROR)
        return -1;
    for (ULONG i = 0; i < t->NumEntries; i++) {
        const MIB_UNICASTIPADDRESS_ROW *r = &t->Table[i];
        uint32_t a = ntohl(r->Address.Ipv4.sin_addr.s_addr), host;
        if (r->InterfaceLuid.Value != c->tap_luid ||
            (a >> 16) == 0xa9fe /* 169.254/16 */ || r->OnLinkPrefixLength < 8 ||
            r->OnLinkPrefixLength > 30)
            continue;
        host = 0xffffffffu >> r->OnLinkPrefixLength;
        *addr = htonl(a);
        *bcast = htonl(a | host);
        rv = 0;
        break;
    }
    c->api.FreeMibTable(t);
    return rv;
}

/*
 * winrun_bcast_check (every 5 s while connected): when Windows sends
 * limited broadcasts through another adapter, copy them onto the TAP
 * (lp_bcastrep): a raw socket on 127.0.0.1 sees what local programs
 * broadcast, a raw socket with IP_HDRINCL sends the copies to the TAP's
 * subnet. At most 200 copies a second. Stops when the TAP wins again or
 * its address changes.
 */
static void winrun_bcast_stop(struct lp_winrun *c)
{
    if (!c->br.on)
        return;
    closesocket(c->br.rx);
    closesocket(c->br.tx);
    WSACloseEvent(c->br.ev);
    c->br.on = 0;
    lp_logf(LP_LOG_INFO, "broadcast_copy", "stopped (%llu copied)",
            (unsigned long long)c->br.copied);
}

static void winrun_bcast_check(struct lp_winrun *c, lp_tstamp now)
{
    struct sockaddr_in lo;
    uint32_t winner = 0, a = 0, b = 0;
    DWORD one = 1;
    u_long nb = 1;

    if (!c->protect || c->br.failed || now < c->br.next_check)
        return;
    c->br.next_check = now + 5 * LP_SECONDS;
    if (winrun_tap_v4(c, &a, &b) != 0 ||
        lp_winroute_bcast_if(c->wr.api, c->tap_ifindex, &winner) != 0) {
        winrun_bcast_stop(c); /* no address yet, or the TAP wins */
        return;
    }
    if (c->br.on && a == c->br.tap_addr && b == c->br.tap_bcast)
        return;
    winrun_bcast_stop(c);
    c->br.rx = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
    c->br.tx = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
    c->br.ev = WSACreateEvent();
    memset(&lo, 0, sizeof(lo));
    lo.sin_family = AF_INET;
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c->br.rx == INVALID_SOCKET || c->br.tx == INVALID_SOCKET ||
        c->br.ev == WSA_INVALID_EVENT ||
        bind(c->br.rx, (struct sockaddr *)&lo, sizeof(lo)) != 0 ||
        ioctlsocket(c->br.rx, FIONBIO, &nb) != 0 ||
        WSAEventSelect(c->br.rx, c->br.ev, FD_READ) != 0 ||
        setsockopt(c->br.tx, IPPROTO_IP, IP_HDRINCL, (const char *)&one,
                   sizeof(one)) != 0 ||
        setsockopt(c->br.tx, SOL_SOCKET, SO_BROADCAST, (const char *)&one,
                   sizeof(one)) != 0) {
        lp_logf(LP_LOG_WARN, "broadcast_copy",
                "cannot copy limited broadcasts onto the TAP (raw sockets: "
                "error %d); games that search with 255.255.255.255 may not "
                "see the party",
                WSAGetLastError());
        if (c->br.rx != INVALID_SOCKET)
            closesocket(c->br.rx);
        if (c->br.tx != INVALID_SOCKET)
            closesocket(c->br.tx);
        if (c->br.ev != WSA_INVALID_EVENT)
            WSACloseEvent(c->br.ev);
        c->br.failed = 1;
        return;
    }
    c->br.tap_addr = a;
    c->br.tap_bcast = b;
    lp_tbucket_init(&c->br.tb, 200, 200, now);
    c->br.on = 1;
    lp_logf(LP_LOG_INFO, "status",
            "Windows sends broadcasts to 255.255.255.255 through interface "
            "%u, not the LAN party adapter: lanparty copies them onto it",
            winner);
}

/* winrun_bcast_input copies what the raw socket saw (bounded per call). */
static void winrun_bcast_input(struct lp_winrun *c, lp_tstamp now)
{
    uint8_t in[2048], out[2048];
    struct sockaddr_in to;

    WSAResetEvent(c->br.ev);
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = c->br.tap_bcast;
    for (int i = 0; i < 64; i++) {
        int n = recv(c->br.rx, (char *)in, sizeof(in), 0), m;
        if (n <= 0)
            break;
        m = lp_bcastrep_rewrite(in, (size_t)n, c->br.tap_addr, c->br.tap_bcast,
                                out, sizeof(out));
        if (m <= 0)
            continue;
        if (!lp_tbucket_take(&c->br.tb, 1, now)) {
            c->br.limited++;
            continue;
        }
        if (sendto(c->br.tx, (const char *)out, m, 0, (struct sockaddr *)&to,
                   sizeof(to)) == m)
            c->br.copied++;
    }
}

static void winrun_on_welcome(struct lp_session *s,
                              const struct lp_msg_welcome *w, lp_tstamp now)
{
    struct lp_winrun *c = s->app;
    char err[512];

    if (!lp_client_on_welcome(&c->run, s, w, now))
        return;
    if (c->protect) {
        /* after every welcome: Windows may reset the metric when the
         * adapter reconnects (the journal keeps the first old values) */
        int ddr_was_off = 0, rv;
        rv = lp_winroute_tap_setup(&c->wr, c->tap_luid, c->tap_ifindex,
                                   w->effective_mtu, &ddr_was_off, err,
                                   sizeof(err));
        if (rv == 0 && c->tap_setup_done) {
            /* applied again, quietly */
        } else if (rv == 0) {
            c->tap_setup_done = 1;
            lp_logf(LP_LOG_INFO, "tap_setup",
                    "TAP interface %u: metric %d, IP MTU %u, default routes "
                    "over the TAP disabled",
                    c->tap_ifindex, LP_WINROUTE_TAP_METRIC, w->effective_mtu);
            if (ddr_was_off)
                lp_logf(LP_LOG_WARN, "default_routes",
                        "default routes over the TAP were enabled; disabled "
                        "while lanparty-client runs so your internet traffic "
                        "stays on your own connection");
        } else {
            lp_logf(LP_LOG_WARN, "tap_setup", "%s", err);
        }
    }
    c->br.next_check = now; /* which adapter wins 255.255.255.255 now */
    if (c->protect && c->wr.have_pin) {
        c->route_ok = lp_winroute_verify(&c->wr, err, sizeof(err)) == 0;
        if (!c->route_ok)
            lp_logf(LP_LOG_WARN, "route", "%s", err);
    }
    if (!c->media_on) {
        if (lp_wintap_set_media(&c->tap, 1) != 0) {
            lp_logf(LP_LOG_ERROR, "tap", "cannot set the TAP media connected");
            lp_client_device_failed(&c->run, s, now);
            return;
        }
        c->media_on = 1;
        lp_logf(LP_LOG_INFO, "tap_up", "TAP \"%s\" media connected",
                c->ad.name);
        if (lp_wintap_read_start(&c->tap, err, sizeof(err)) < 0) {
            lp_logf(LP_LOG_ERROR, "device_error", "%s", err);
            lp_client_device_failed(&c->run, s, now);
        }
    }
    /* Windows may have reset the category with the reconnect. */
    c->np_pending = c->np_ready;
    c->next_profile = now;
    c->next_diag = now + LP_SECONDS;
}

static void winrun_on_reject(struct lp_session *s,
                             const struct lp_msg_reject *rj, lp_tstamp now)
{
    struct lp_winrun *c = s->app;

    (void)now;
    lp_client_on_reject(&c->run, s, rj);
}

static void winrun_on_frame(struct lp_session *s, uint16_t peer_id,
                            const uint8_t *frame, size_t len, lp_tstamp now)
{
    struct lp_winrun *c = s->app;
    char err[256];

    (void)peer_id;
    if (!c->tap_open || !c->media_on || c->run.stopping)
        return;
    if (lp_wintap_write(&c->tap, frame, len, err, sizeof(err)) == LP_ERR_IO) {
        lp_logf(LP_LOG_ERROR, "device_error", "%s", err);
        lp_client_device_failed(&c->run, s, now);
    }
}

static void winrun_on_closed(struct lp_session *s, enum lp_qclose why,
                             uint64_t code, lp_tstamp now)
{
    struct lp_winrun *c = s->app;

    (void)now;
    (void)code;
    lp_client_on_closed(&c->run, s, why);
}

static const struct lp_session_ops winrun_sops = {
    .on_welcome = winrun_on_welcome,
    .on_reject = winrun_on_reject,
    .on_frame = winrun_on_frame,
    .on_closed = winrun_on_closed,
};

/* winrun_random: the jitter of the next reconnect (lp_client_backoff). */
static uint32_t winrun_random(void)
{
    uint32_t rnd = 0;

    (void)lp_tls_random(&rnd, sizeof(rnd));
    return rnd;
}

static void winrun_end_session(struct lp_winrun *c, lp_tstamp now)
{
    if (!c->have_session)
        return;
    lp_session_free(&c->s);
    c->have_session = 0;
    if (c->have_udp) {
        lp_udpw_close(&c->udp);
        c->have_udp = 0;
    }
    lp_client_session_ended(&c->run, now, winrun_random());
}

static int winrun_connect(struct lp_winrun *c, lp_tstamp now)
{
    char err[512];

    if (lp_udpw_connect(&c->udp, (struct sockaddr *)&c->relay_addr,
                        c->relay_addrlen, err, sizeof(err)) != 0) {
        lp_logf(LP_LOG_WARN, "connect", "%s", err);
        return -1;
    }
    c->have_udp = 1;
    if (lp_session_start(&c->s, &c->scfg, &winrun_sops, c, &c->tls,
                         (struct sockaddr *)&c->udp.local, c->udp.locallen,
                         (struct sockaddr *)&c->relay_addr, c->relay_addrlen,
                         &c->pool, now) != 0) {
        lp_udpw_close(&c->udp);
        c->have_udp = 0;
        return -1;
    }
    c->have_session = 1;
    c->run.welcome_at = 0;
    lp_logf(LP_LOG_INFO, "connecting", "connecting to the relay at %s",
            c->relay_str);
    return 0;
}

/* winrun_firewall_check: after the network's category settled (every
 * welcome), one line when Windows Firewall would still block the games'
 * discovery on it, saying what to click (lp_firewall). */
static void winrun_firewall_check(struct lp_winrun *c)
{
    enum lp_netcat cat;
    char line[320];

    if (!c->np_ready || c->np.ops->get(c->np.arg, &c->np.adapter, &cat) != 0)
        return;
    if (lp_firewall_hint(&lp_firewall_com_ops, NULL, cat, line, sizeof(line)))
        lp_logf(LP_LOG_WARN, "firewall", "%s", line);
}

static void winrun_tick(struct lp_winrun *c, lp_tstamp now)
{
    struct lp_session *s =
        c->have_session && c->s.state == LP_SS_READY ? &c->s : NULL;
    struct lp_diag d;
    char err[512];

    if (!c->check_only && c->protect && c->wr.have_pin &&
        now >= c->next_route_check) {
        c->next_route_check = now + 10 * LP_SECONDS;
        c->route_ok = lp_winroute_verify(&c->wr, err, sizeof(err)) == 0;
        if (!c->route_ok) {
            int reused = 0;
            lp_logf(LP_LOG_WARN, "route", "%s: pinning again", err);
            if (lp_winroute_pin(&c->wr, (struct sockaddr *)&c->relay_addr,
                                c->tap_ifindex, &reused, err, sizeof(err)) != 0)
                lp_logf(LP_LOG_WARN, "route", "%s", err);
        }
    }
    if (c->tap_open && (c->tap.rx_oversized != c->logged_oversized ||
                        c->tap.tx_busy_drops != c->logged_busy)) {
        c->logged_oversized = c->tap.rx_oversized;
        c->logged_busy = c->tap.tx_busy_drops;
        lp_logf(LP_LOG_WARN, "tap_drops",
                "TAP frames dropped: %llu too long from Windows, %llu while "
                "a write was pending",
                (unsigned long long)c->tap.rx_oversized,
                (unsigned long long)c->tap.tx_busy_drops);
    }
    if (c->np_pending && now >= c->next_profile) {
        /* The network appears once Windows has identified it (DHCP and
         * all): ask again every 2 s until it is there. */
        int rv = lp_netprofile_apply(&c->np, err, sizeof(err));
        c->next_profile = now + 2 * LP_SECONDS;
        if (rv != LP_ERR_AGAIN)
            c->np_pending = 0;
        if (rv == 0)
            lp_logf(LP_LOG_INFO, "status",
                    "the LAN party network is Private while lanparty runs, so "
                    "games can find each other");
        else if (rv == LP_ERR_IO)
            lp_logf(LP_LOG_WARN, "network_profile", "%s", err);
        if (rv != LP_ERR_AGAIN)
            winrun_firewall_check(c);
    }
    if (c->check_only || now < c->next_diag)
        return;
    c->next_diag = now + 5 * LP_SECONDS;
    memset(&d, 0, sizeof(d));
    d.adapter = c->ad.name[0] != '\0' ? c->ad.name : c->ad.guid;
    d.adapter_up = c->media_on;
    d.route_ok = c->protect && c->wr.have_pin ? c->route_ok : -1;
    winrun_tap_ipv4(c, d.ipv4, sizeof(d.ipv4));
    lp_diag_session(&d, s, s != NULL ? now - c->run.welcome_at : 0);
    lp_diag_log(&d, &c->diag);
}

/* winrun_tap_input moves frames from the TAP to the session. <0 is fatal. */
static int winrun_tap_input(struct lp_winrun *c, lp_tstamp now)
{
    char err[256];

    for (int i = 0; i < 64; i++) {
        int n = lp_wintap_read_done(&c->tap, err, sizeof(err));
        if (n < 0) {
            lp_logf(LP_LOG_ERROR, "device_error", "%s", err);
            return -1;
        }
        if (n > 0 && c->have_session && c->s.state == LP_SS_READY)
            (void)lp_session_send_frame(&c->s, c->tap.rbuf, (size_t)n, now);
        if (c->tap.read_pending)
            return 0; /* still pending: wait for the event */
        if (lp_wintap_read_start(&c->tap, err, sizeof(err)) < 0) {
            lp_logf(LP_LOG_ERROR, "device_error", "%s", err);
            return -1;
        }
        if (WaitForSingleObject(c->tap.rev, 0) != WAIT_OBJECT_0)
            return 0;
    }
    return 0;
}

/*
 * winrun_run is the Windows shell of the shared supervisor (struct
 * lp_client_run): it waits, moves bytes and asks lp_client what to do
 * (connect now, session over, stop, exit), as lp_runner does on Linux.
 */
static int winrun_run(struct lp_winrun *c)
{
    lp_tstamp now = lp_udpw_now();

    lp_client_run_init(&c->run, "lanparty-client", c->relay_str, c->pin_file,
                       !c->check_only, c->check_only, now);
    while (1) {
        HANDLE hs[4];
        DWORD nh = 0, timeout, w;
        lp_tstamp next;

        now = lp_udpw_now();
        if (lp_client_connect_due(&c->run, c->have_session, now) &&
            winrun_connect(c, now) != 0)
            lp_client_connect_failed(&c->run, now, winrun_random());
        if (c->have_session) {
            lp_session_flush(&c->s, now, c->txbuf, sizeof(c->txbuf),
                             lp_udpw_send, &c->udp);
            if (lp_client_session_over(&c->s)) {
                winrun_end_session(c, now);
                continue;
            }
        }
        if (lp_client_done(&c->run, c->have_session, now))
            break;
        next = lp_client_next_wakeup(
            &c->run, c->have_session,
            c->have_session ? lp_session_expiry(&c->s) : 0, now + LP_SECONDS);
        timeout = next <= now ? 0 : (DWORD)((next - now) / LP_MILLISECONDS) + 1;
        hs[nh++] = c->stop_ev;
        if (c->have_udp)
            hs[nh++] = c->udp.ev;
        if (c->tap_open && c->media_on && c->tap.read_pending)
            hs[nh++] = c->tap.rev;
        if (c->br.on)
            hs[nh++] = c->br.ev;
        w = WaitForMultipleObjects(nh, hs, FALSE, timeout);
        now = lp_udpw_now();
        if (w == WAIT_OBJECT_0) {
            ResetEvent(c->stop_ev);
            (void)lp_client_user_stop(&c->run, c->have_session ? &c->s : NULL,
                                      now, "Ctrl-C or console closed");
        }
        if (c->have_udp) {
            int n;
            while ((n = lp_udpw_recv(&c->udp, c->rxbuf, sizeof(c->rxbuf))) > 0)
                lp_session_read(&c->s, c->rxbuf, (size_t)n, now);
        }
        if (c->tap_open && c->media_on && winrun_tap_input(c, now) != 0)
            lp_client_device_failed(&c->run, c->have_session ? &c->s : NULL,
                                    now);
        if (c->br.on)
            winrun_bcast_input(c, now);
        if (c->have_session && lp_session_expiry(&c->s) <= now)
            lp_session_handle_expiry(&c->s, now);
        if (lp_client_done(&c->run, c->have_session, now))
            break;
        winrun_tick(c, now);
        if (c->have_session && c->s.state == LP_SS_READY && c->media_on)
            winrun_bcast_check(c, now);
    }
    if (c->have_session) {
        lp_session_flush(&c->s, now, c->txbuf, sizeof(c->txbuf), lp_udpw_send,
                         &c->udp);
        lp_session_free(&c->s);
        c->have_session = 0;
    }
    if (c->have_udp)
        lp_udpw_close(&c->udp);
    winrun_bcast_stop(c);
    lp_logf(LP_LOG_INFO, "exit", "stopped (status %d)", c->run.exit_code);
    return c->run.exit_code;
}

/* lp_winrun_state_path builds %LOCALAPPDATA%\lanparty\NAME (the directory is
 * created), or NAME in the current directory without LOCALAPPDATA. */
void lp_winrun_state_path(char *out, size_t outlen, const char *name)
{
    const char *base = getenv("LOCALAPPDATA");
    char dir[MAX_PATH];

    if (base == NULL || base[0] == '\0' ||
        (size_t)snprintf(dir, sizeof(dir), "%s\\lanparty", base) >=
            sizeof(dir)) {
        snprintf(out, outlen, "%s", name);
        return;
    }
    CreateDirectoryA(dir, NULL);
    snprintf(out, outlen, "%s\\%s", dir, name);
}

int lp_winrun_list_adapters(void)
{
    struct lp_tap_adapter list[LP_TAP_MAX_ADAPTERS];
    size_t n;
    char err[512];

    if (lp_wintap_list(list, LP_TAP_MAX_ADAPTERS, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    if (n == 0) {
        printf("%s\n", lp_tapreg_install_hint);
        return LP_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s  \"%s\"  (%s, key %s)\n", list[i].guid, list[i].name,
               list[i].component, list[i].subkey);
    return LP_EXIT_OK;
}

/* winrun_adapter_setup: discovery, NetworkAddress, open, media off, checks. */
static int winrun_adapter_setup(struct lp_winrun *c)
{
    struct lp_tap_adapter list[LP_TAP_MAX_ADAPTERS];
    size_t n, idx = 0;
    char err[1024];
    uint8_t drvmac[6];
    uint32_t ver[3] = {0, 0, 0};
    int changed = 0;
    char a[LP_MAC_STRLEN], b[LP_MAC_STRLEN];

    if (lp_wintap_list(list, LP_TAP_MAX_ADAPTERS, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    if (lp_tapreg_select(list, n, c->tap_id, &idx, err, sizeof(err)) !=
        LP_TAPSEL_OK) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return c->tap_id != NULL && n > 0 ? LP_EXIT_USAGE : LP_EXIT_DEVICE;
    }
    c->ad = list[idx];
    if (lp_wintap_set_mac(&c->ad, c->mac, &changed, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    if (lp_wintap_open(&c->tap, &c->ad, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_DEVICE;
    }
    c->tap_open = 1;
    /* Disconnected first: a crashed run may have left it connected. */
    if (lp_wintap_set_media(&c->tap, 0) != 0) {
        fprintf(stderr,
                "lanparty-client: cannot set the TAP adapter's media status "
                "(is it a TAP-Windows6 adapter?)\n");
        return LP_EXIT_DEVICE;
    }
    if (lp_wintap_get_mac(&c->tap, drvmac) != 0 ||
        lp_wintap_get_mtu(&c->tap, &c->tap_mtu) != 0) {
        fprintf(stderr, "lanparty-client: the TAP driver does not answer its "
                        "MAC/MTU queries\n");
        return LP_EXIT_DEVICE;
    }
    (void)lp_wintap_get_version(&c->tap, ver);
    lp_mac_format(a, drvmac);
    lp_mac_format(b, c->mac);
    if (memcmp(drvmac, c->mac, 6) != 0) {
        fprintf(stderr,
                "lanparty-client: the TAP adapter \"%s\" still uses MAC %s, "
                "not the identity MAC %s%s. Disable and re-enable the adapter "
                "(Network Connections, or 'netsh interface set interface "
                "\"%s\" disabled' then 'enabled') and start again.\n",
                c->ad.name, a, b,
                changed ? " (just written to its NetworkAddress)" : "",
                c->ad.name);
        return LP_EXIT_DEVICE;
    }
    {
        GUID gid;
        c->com_ok = SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED));
        if (c->com_ok && lp_netprofile_guid_parse(&gid, c->ad.guid) == 0) {
            lp_netprofile_init(&c->np, &lp_netprofile_com_ops, NULL, &gid);
            c->np_ready = 1;
        }
    }
    if (lp_winroute_tap_luid(&c->api, c->ad.guid, &c->tap_luid,
                             &c->tap_ifindex) != 0)
        lp_logf(LP_LOG_WARN, "tap", "cannot find the TAP's interface LUID");
    lp_logf(LP_LOG_INFO, "tap_open",
            "TAP \"%s\" %s driver %u.%u MAC %s MTU %u ifindex %u luid "
            "0x%llx",
            c->ad.name, c->ad.guid, ver[0], ver[1], a, c->tap_mtu,
            c->tap_ifindex, (unsigned long long)c->tap_luid);
    return LP_EXIT_OK;
}

/*
 * winrun_recover opens the undo journal's directory (%ProgramData%\lanparty,
 * administrators only: lp_secdir) and undoes what a run that did not exit
 * cleanly left, as far as it concerns this run's TAP adapter and host
 * routes to this relay (lp_journal_allowed). It runs after the adapter is
 * chosen and the relay resolved, before the first change. Without a
 * trustworthy directory route protection cannot journal, so the client
 * stops (LP_EXIT_ERROR) unless --no-route-protection was given.
 */
static int winrun_recover(struct lp_winrun *c)
{
    char dir[MAX_PATH], jpath[MAX_PATH + 40], err[1024];
    struct lp_journal_scope sc;
    size_t undone = 0, refused = 0;

    if (lp_secdir_default(dir, sizeof(dir), err, sizeof(err)) != 0 ||
        lp_secdir_ensure(dir, err, sizeof(err)) != 0) {
        if (c->protect) {
            fprintf(stderr, "lanparty-client: %s\n", err);
            return LP_EXIT_ERROR;
        }
        lp_logf(LP_LOG_WARN, "journal", "%s", err);
        return LP_EXIT_OK;
    }
    snprintf(jpath, sizeof(jpath), "%s\\%s", dir, LP_JOURNAL_FILE);
    lp_winroute_init(&c->wr, &c->api, jpath);
    memset(&sc, 0, sizeof(sc));
    sc.tap_luid = c->tap_luid;
    if (c->relay_addr.ss_family == AF_INET) {
        sc.relays[0].family = 4;
        memcpy(sc.relays[0].a,
               &((const struct sockaddr_in *)&c->relay_addr)->sin_addr, 4);
    } else {
        sc.relays[0].family = 6;
        memcpy(sc.relays[0].a,
               &((const struct sockaddr_in6 *)&c->relay_addr)->sin6_addr, 16);
    }
    sc.nrelays = 1;
    if (lp_winroute_recover(&c->wr, &sc, &undone, &refused, err, sizeof(err)) !=
        0)
        lp_logf(LP_LOG_ERROR, "journal", "%s", err);
    if (undone > 0)
        lp_logf(LP_LOG_WARN, "journal",
                "undid %u changes left by a previous run that did not exit "
                "cleanly",
                (unsigned)undone);
    return LP_EXIT_OK;
}

int lp_winrun_main(struct lp_winrun *c)
{
    struct lp_client_opts *o = &c->opts; /* the link outlives main's locals */
    const char *identity = NULL;
    char idpath[MAX_PATH], err[1024];
    struct sockaddr_storage addrs[1];
    socklen_t lens[1];
    size_t naddr = 0;
    int rc, reused = 0;

    active = c;
    c->route_ok = -1;
    c->relay = o->relay;
    c->server_name = o->server_name;
    c->pin_file = o->pin_file;
    c->check_only = o->check_only;
    c->protect = o->protect;
    identity = o->identity;
    if (c->tap_id != NULL) {
        char norm[LP_GUID_STRLEN];
        if (lp_tapreg_guid_norm(norm, c->tap_id, err, sizeof(err)) != 0) {
            fprintf(stderr, "lanparty-client: --tap-instance-id: %s\n", err);
            return LP_EXIT_USAGE;
        }
    }
    if (lp_endpoint_parse(&c->ep, c->relay, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: --relay: %s\n", err);
        return LP_EXIT_USAGE;
    }
    if (identity == NULL) {
        lp_winrun_state_path(idpath, sizeof(idpath), LP_IDENTITY_FILE);
        identity = idpath;
    }
    if ((rc = lp_client_identity(o, identity, NULL, &c->id)) != 0)
        return rc;
    memcpy(c->mac, c->id.mac, 6);
    if (lp_winapi_load(&c->api, err, sizeof(err)) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        return LP_EXIT_ERROR;
    }
    lp_winroute_init(&c->wr, &c->api, "");
    if (!c->check_only) {
        rc = winrun_adapter_setup(c);
        if (rc != LP_EXIT_OK) {
            lp_wintap_close(&c->tap);
            return rc;
        }
    } else {
        c->protect = 0;
    }
    /* Resolve only now: the TAP is disconnected and cannot steer DNS. */
    if (lp_resolve_endpoint(&c->ep, addrs, lens, 1, &naddr, err, sizeof(err)) !=
            0 ||
        naddr == 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        lp_wintap_close(&c->tap);
        return LP_EXIT_RESOLVE;
    }
    memcpy(&c->relay_addr, &addrs[0], lens[0]);
    c->relay_addrlen = (int)lens[0];
    snprintf(c->relay_str, sizeof(c->relay_str), "%s", c->relay);
    if (!c->check_only && (rc = winrun_recover(c)) != LP_EXIT_OK) {
        lp_wintap_close(&c->tap);
        return rc;
    }
    if (c->protect) {
        rc = lp_winroute_pin(&c->wr, (struct sockaddr *)&c->relay_addr,
                             c->tap_ifindex, &reused, err, sizeof(err));
        if (rc == LP_ERR_AGAIN) {
            lp_logf(LP_LOG_WARN, "route", "%s", err);
        } else if (rc != 0) {
            fprintf(stderr, "lanparty-client: %s\n", err);
            lp_wintap_close(&c->tap);
            return LP_EXIT_ERROR;
        } else {
            lp_logf(LP_LOG_INFO, "route_pinned",
                    "relay %s pinned on interface %u%s", c->relay,
                    c->wr.pin.ifindex,
                    reused ? " (existing route, left in place)" : "");
            c->route_ok = 1;
        }
    }
    if ((c->opts.link.npins > 0
             ? lp_tls_client_init_spki(
                   &c->tls, (const uint8_t(*)[32])c->opts.link.pins,
                   c->opts.link.npins,
                   c->server_name != NULL ? c->server_name : c->ep.host, err,
                   sizeof(err))
             : lp_tls_client_init(&c->tls, c->pin_file,
                                  c->server_name != NULL ? c->server_name
                                                         : c->ep.host,
                                  err, sizeof(err))) != 0) {
        fprintf(stderr, "lanparty-client: %s\n", err);
        lp_winroute_restore(&c->wr);
        lp_wintap_close(&c->tap);
        return LP_EXIT_TLS;
    }
    if (lp_pool_init(&c->pool, 4096, 2048) != 0 ||
        (c->stop_ev == NULL &&
         (c->stop_ev = CreateEventA(NULL, TRUE, FALSE, NULL)) == NULL) ||
        (c->done_ev == NULL &&
         (c->done_ev = CreateEventA(NULL, TRUE, FALSE, NULL)) == NULL)) {
        fprintf(stderr, "lanparty-client: out of memory\n");
        lp_winroute_restore(&c->wr);
        lp_wintap_close(&c->tap);
        return LP_EXIT_ERROR;
    }
    SetConsoleCtrlHandler(winrun_console, TRUE);
    lp_client_session_cfg(&c->scfg, o, &c->id, LP_ROLE_CLIENT,
                          "lanparty-client-windows/0.1");
    rc = winrun_run(c);
    if (c->np_ready)
        lp_netprofile_restore(&c->np); /* before the network goes away */
    if (c->com_ok)
        CoUninitialize();
    if (c->tap_open) {
        if (c->media_on)
            lp_wintap_set_media(&c->tap, 0);
        lp_wintap_close(&c->tap);
    }
    lp_winroute_restore(&c->wr);
    lp_tls_client_free(&c->tls);
    lp_pool_free(&c->pool);
    SetEvent(c->done_ev);
    return rc;
}
