/*
 * lp_addrtab: a room's table of which MAC owns which IPv4 and IPv6 address
 * (spec section 6 step 3, "address spoofing"; SAVI-DHCP-like, RFC 7513).
 * Sans-IO: the relay feeds it what it sees, with the time.
 *
 * Precedence, strongest first:
 *   pinned to the LAN  the LAN's DHCP servers (option 54), routers (option
 *                      3, RA sources) and DNS servers;
 *   DHCP binding       a DHCPACK / DHCPv6 REPLY from the LAN binds the
 *                      address to that client for the whole lease,
 *                      overriding any other entry (so a client that gets
 *                      a new lease is never locked out);
 *   the LAN            a source address seen from the gateway side;
 *   first use          a client's claim of an address nobody owns.
 * The unspecified, broadcast and multicast (and loopback) addresses are
 * never learned. A client holds at most LP_ADDR_MAX4 IPv4 and LP_ADDR_MAX6
 * IPv6 entries; other entries age out LP_ADDR_AGE after their last use;
 * the table holds at most LP_ADDR_TABLE entries, least recently used first
 * out (counted).
 */
#ifndef LP_ADDRTAB_H
#define LP_ADDRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "lp_bmap.h"
#include "lp_reason.h"
#include "lp_types.h"

#define LP_ADDR_MAX4  4
#define LP_ADDR_MAX6  16
#define LP_ADDR_AGE   (600 * LP_SECONDS)
#define LP_ADDR_TABLE 4096

struct lp_addrtab {
    struct lp_bmap map;   /* (family, address) -> owner */
    struct lp_bmap count; /* client MAC -> its number of v4/v6 entries */
    uint64_t spoofs, limits;
};

void lp_addrtab_init(struct lp_addrtab *t, uint64_t seed);
void lp_addrtab_free(struct lp_addrtab *t);

/* family 4 (4 bytes) or 6 (16 bytes). mac: a 48-bit MAC as lp_mac_u64. */

/* A source address seen from the gateway side: the LAN's. */
void lp_addrtab_lan_seen(struct lp_addrtab *t, int family, const uint8_t *a,
                         lp_tstamp now);
/* A LAN DHCP server, router or DNS server: pinned to the LAN. */
void lp_addrtab_lan_pin(struct lp_addrtab *t, int family, const uint8_t *a,
                        lp_tstamp now);
/* A DHCP lease for client mac: bound for lease seconds (0: LP_ADDR_AGE). */
void lp_addrtab_dhcp_bind(struct lp_addrtab *t, int family, const uint8_t *a,
                          uint64_t mac, uint32_t lease, lp_tstamp now);
/*
 * A client's frame claims a (its IP source, ARP sender, NA target):
 * LP_REASON_NONE (its own, or free and now its own), LP_REASON_ADDR_SPOOF
 * (another MAC's, or the LAN's) or LP_REASON_ADDR_LIMIT (it holds too many).
 */
enum lp_reason lp_addrtab_claim(struct lp_addrtab *t, int family,
                                const uint8_t *a, uint64_t mac, lp_tstamp now,
                                uint64_t *owner);
/* A client left the room: its entries are freed. */
void lp_addrtab_client_left(struct lp_addrtab *t, uint64_t mac);
/* Ages out entries unused for LP_ADDR_AGE and expired leases. */
void lp_addrtab_expire(struct lp_addrtab *t, lp_tstamp now);

/* lp_addrtab_each calls fn for every address entry: its family (4 or 6),
 * the address, its owner (a client MAC; 0 for the LAN's) and its kind (1
 * LAN, 2 DHCP binding, 3 a client's first use, 4 pinned to the LAN). Read
 * only: fn must not change the table. */
void lp_addrtab_each(const struct lp_addrtab *t,
                     void (*fn)(void *arg, int family, const uint8_t *a,
                                uint64_t owner, int kind),
                     void *arg);

/* Whether an address is never learned (unspecified, broadcast, multicast,
 * loopback). */
int lp_addr_special(int family, const uint8_t *a);

#endif
