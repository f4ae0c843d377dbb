/*
 * lp_bcastrep: copies of limited broadcasts for the TAP.
 *
 * Windows sends a datagram to 255.255.255.255 through one interface only,
 * the one with the best route. The TAP's low metric normally makes that
 * the TAP; where another adapter still wins, the client copies what this
 * host's programs broadcast onto the TAP, as WinIPBroadcast does: the
 * limited broadcasts a program sends are looped back to 127.0.0.1, where a
 * raw socket sees them (client/lp_runner_win.c); each one becomes a
 * directed broadcast on the TAP's subnet from the TAP's address, so that
 * the LAN's hosts receive it and answer through the tunnel.
 *
 * lp_bcastrep_rewrite is the decision and the rewrite, on bytes only.
 */
#ifndef LP_BCASTREP_H
#define LP_BCASTREP_H

#include <stddef.h>
#include <stdint.h>

/*
 * lp_bcastrep_rewrite reads pkt, an IPv4 datagram of len bytes as a raw
 * socket returns it. A whole (unfragmented) UDP datagram to
 * 255.255.255.255 from a local address other than tap_addr and 0.0.0.0,
 * and not DHCP (ports 67 and 68: another adapter's DHCP must never reach
 * the LAN party), is copied to out with source tap_addr and destination
 * tap_bcast (network byte order), the IP header checksum and a non-zero
 * UDP checksum recomputed. Returns the copy's length, 0 when the datagram
 * is not one to copy, or LP_ERR_INVAL when it is malformed or does not
 * fit in outcap.
 */
int lp_bcastrep_rewrite(const uint8_t *pkt, size_t len, uint32_t tap_addr,
                        uint32_t tap_bcast, uint8_t *out, size_t outcap);

#endif /* LP_BCASTREP_H */
