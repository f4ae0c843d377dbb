/*
 * lp_route_linux: route protection for the Linux client, through rtnetlink
 * (libmnl); no program is run.
 *
 * Before the TAP comes up, the route the kernel uses to reach the relay is
 * pinned as a host route (same gateway, same device), so that a default
 * route DHCP later installs on the TAP cannot capture the tunnel's own
 * packets. The pin is verified once the TAP is up and re-checked
 * periodically; it is removed on exit only if the client created it (an
 * identical route that already existed is left alone).
 *
 * While the client runs, limited broadcast (255.255.255.255) and IPv4
 * multicast (224.0.0.0/4) are routed to the TAP, so games' announcements
 * leave through the LAN party even when another interface holds the default
 * route.
 */
#ifndef LP_ROUTE_LINUX_H
#define LP_ROUTE_LINUX_H

#include <net/if.h>
#include <stddef.h>
#include <sys/socket.h>

struct lp_route_pin {
    char relay_ip[64];
    int family;
    char dev[IF_NAMESIZE];
    char via[64];
    int pinned;  /* a pin is in place (ours or pre-existing) */
    int created; /* we added it: remove on exit */
};

/* Returns 0 (pinned, or nothing to pin for a local relay) or -1 with err. */
int lp_route_pin(struct lp_route_pin *p, const struct sockaddr *relay,
                 char *err, size_t errlen);
/* 1 if the kernel still sends relay traffic through the pinned device. */
int lp_route_verify(const struct lp_route_pin *p);
void lp_route_unpin(struct lp_route_pin *p);

/* Broadcast and multicast routes to the TAP (removed by the teardown). */
int lp_route_tap_add(const char *tap, char *err, size_t errlen);
void lp_route_tap_del(const char *tap);

#endif
