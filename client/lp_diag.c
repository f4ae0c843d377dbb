/* lp_diag: see lp_diag.h. */
#include "lp_diag.h"

#include <stdio.h>
#include <string.h>

#include "lp_log.h"
#include "lp_session.h"

void lp_diag_lines(const struct lp_diag *d, char lines[LP_DIAG_LINES][160])
{
    for (int i = 0; i < LP_DIAG_LINES; i++)
        lines[i][0] = '\0';
    if (!d->relay_connected) {
        snprintf(lines[0], 160, "not connected to the relay (reconnecting)");
        return;
    }
    snprintf(lines[0], 160, "connected to relay, %s",
             d->gateway_present ? "LAN gateway present"
                                : "no LAN gateway in the room yet");
    if (d->route_ok == 0)
        snprintf(lines[1], 160,
                 "warning: traffic to the relay no longer uses the pinned "
                 "route");
    if (d->ipv4[0] != '\0')
        snprintf(lines[2], 160, "got %s from the LAN's DHCP server", d->ipv4);
    else if (d->connected_for > 10 * LP_SECONDS)
        snprintf(lines[2], 160,
                 "no IPv4 address on %s yet: is the LAN's DHCP server "
                 "answering?",
                 d->adapter != NULL ? d->adapter : "the adapter");
    if (d->bcast_rx == 0 && d->connected_for > 5 * LP_SECONDS)
        snprintf(lines[3], 160, "no broadcast received from the LAN yet");
    else if (d->bcast_rx > 0 && d->bcast_tx == 0)
        snprintf(lines[3], 160,
                 "broadcasts arrive from the LAN; none sent by this PC yet");
    else if (d->bcast_rx > 0)
        snprintf(lines[3], 160, "broadcasts flowing both ways");
}

void lp_diag_log(const struct lp_diag *d, struct lp_diag_state *st)
{
    char lines[LP_DIAG_LINES][160];
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, "diagnostics")) {
        lp_log_str(&b, "relay",
                   d->relay_connected ? "connected" : "disconnected");
        lp_log_str(&b, "gateway", d->gateway_present ? "present" : "absent");
        lp_log_u64(&b, "datagram_budget", d->datagram_budget);
        lp_log_u64(&b, "effective_mtu", d->effective_mtu);
        lp_log_u64(&b, "rtt_us", d->rtt_ns / 1000);
        lp_log_str(&b, "adapter", d->adapter);
        lp_log_str(&b, "adapter_state", d->adapter_up ? "up" : "down");
        lp_log_str(&b, "ipv4", d->ipv4);
        if (d->route_ok >= 0)
            lp_log_str(&b, "relay_route", d->route_ok ? "pinned" : "lost");
        lp_log_u64(&b, "bcast_tx", d->bcast_tx);
        lp_log_u64(&b, "bcast_rx", d->bcast_rx);
        if (d->ctr != NULL) {
            lp_log_u64(&b, "frames_tx", d->ctr->frames_tx);
            lp_log_u64(&b, "frames_rx", d->ctr->frames_rx);
            lp_log_u64(&b, "datagrams_tx", d->ctr->datagrams_tx);
            lp_log_u64(&b, "datagrams_rx", d->ctr->datagrams_rx);
            lp_log_u64(&b, "drops", lp_counters_total_drops(d->ctr));
            /* and why: what the safety policy refused shows here */
            for (unsigned r = 1; r < LP_REASON_MAX; r++) {
                char key[48];
                if (d->ctr->drops[r] == 0)
                    continue;
                snprintf(key, sizeof(key), "drop_%s",
                         lp_reason_name((enum lp_reason)r));
                lp_log_u64(&b, key, d->ctr->drops[r]);
            }
        }
        lp_log_end(&b);
    }
    lp_diag_lines(d, lines);
    for (int i = 0; i < LP_DIAG_LINES; i++) {
        if (strcmp(lines[i], st->last[i]) == 0)
            continue;
        memcpy(st->last[i], lines[i], sizeof(lines[i]));
        if (lines[i][0] != '\0')
            lp_logf(strncmp(lines[i], "warning", 7) == 0 ? LP_LOG_WARN
                                                         : LP_LOG_INFO,
                    "status", "%s", lines[i]);
    }
}

void lp_diag_session(struct lp_diag *d, const struct lp_session *s,
                     lp_tstamp connected_for)
{
    d->relay_connected = s != NULL;
    if (s == NULL)
        return;
    d->gateway_present = s->gateway_present;
    d->datagram_budget = s->budget;
    d->effective_mtu = s->mtu;
    d->rtt_ns = lp_qconn_rtt(&s->q);
    d->bcast_tx = s->bcast_tx;
    d->bcast_rx = s->bcast_rx;
    d->connected_for = connected_for;
    d->ctr = &s->ctr;
}
