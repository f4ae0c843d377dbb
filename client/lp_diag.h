/*
 * lp_diag: the client's diagnostics, shared by the Linux and Windows
 * clients. One logfmt `diagnostics` line with every figure, and short human
 * lines ("connected to relay, LAN gateway present", "got 198.18.0.57 from
 * the LAN's DHCP server", "no broadcast received from the LAN yet") logged
 * as event=status whenever one of them changes. Pure: the caller gathers
 * the figures.
 */
#ifndef LP_DIAG_H
#define LP_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "lp_counters.h"
#include "lp_types.h"

struct lp_diag {
    int relay_connected;
    int gateway_present;
    size_t datagram_budget;
    unsigned effective_mtu;
    uint64_t rtt_ns;
    const char *adapter;
    int adapter_up;
    char ipv4[16]; /* "" when the adapter has no IPv4 address */
    int route_ok;  /* relay route pinned and still used (-1: n/a) */
    uint64_t bcast_tx, bcast_rx;
    lp_tstamp connected_for; /* time since the welcome */
    const struct lp_counters *ctr;
};

#define LP_DIAG_LINES 4

struct lp_diag_state {
    char last[LP_DIAG_LINES][160];
};

/* Writes the human lines for d into lines[0..LP_DIAG_LINES) ("" = none).
 * Pure; for tests. */
void lp_diag_lines(const struct lp_diag *d, char lines[LP_DIAG_LINES][160]);

struct lp_session;

/* lp_diag_session fills the relay-side figures from a ready session (or
 * marks the relay disconnected when s is NULL). */
void lp_diag_session(struct lp_diag *d, const struct lp_session *s,
                     lp_tstamp connected_for);

/* Logs the diagnostics line (always) and every human line that changed. */
void lp_diag_log(const struct lp_diag *d, struct lp_diag_state *st);

#endif
