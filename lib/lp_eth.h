/*
 * lp_eth.h: MAC addresses and Ethernet header parsing.
 */
#ifndef LP_ETH_H
#define LP_ETH_H

#include "lp_types.h"

#define LP_MAC_LEN    6
#define LP_MAC_STRLEN 18 /* "xx:xx:xx:xx:xx:xx" + NUL */

#define LP_ETHERTYPE_IPV4   0x0800
#define LP_ETHERTYPE_ARP    0x0806
#define LP_ETHERTYPE_IPV6   0x86dd
#define LP_ETHERTYPE_8021Q  0x8100
#define LP_ETHERTYPE_8021AD 0x88a8
#define LP_ETHERTYPE_QINQ   0x9100

/* lp_eth_max_tags: lp_eth_parse walks at most this many stacked tags. */
#define LP_ETH_MAX_TAGS 8

/*
 * Frames up to this size (Ethernet header included) are latency-sensitive:
 * game state, pings, DNS, TCP acknowledgements. Endpoints and the relay
 * queue them in the connection's express lane, ahead of bulk frames
 * (lp_qconn_queue_dgram_express), so a game packet does not wait behind a
 * patch download. 320 bytes covers the snapshots of classic LAN games and
 * keeps a full-size TCP segment out.
 */
#define LP_ETH_EXPRESS_MAX 320

/* lp_frame_is_express: whether a frame of len bytes takes the express
 * lane. */
static inline int lp_frame_is_express(size_t len)
{
    return len <= LP_ETH_EXPRESS_MAX;
}

/*
 * lp_mac_parse parses exactly 17 characters "xx:xx:xx:xx:xx:xx", hex in
 * either case, ':' separators. Returns 0, or LP_ERR_INVAL (out untouched).
 */
int lp_mac_parse(uint8_t out[static 6], const char *s);

/* lp_mac_format writes the lower-case text form and a NUL. */
void lp_mac_format(char out[static LP_MAC_STRLEN], const uint8_t mac[static 6]);

/* lp_hex_digit: the value of one hex digit (either case), or
 * LP_ERR_INVAL. */
int lp_hex_digit(char c);

/* lp_mac_u64 returns the MAC as a 48-bit integer (first octet highest). */
uint64_t lp_mac_u64(const uint8_t mac[static 6]);

/* Predicates on 6-byte MACs; each returns 1 or 0. */
int lp_mac_is_zero(const uint8_t *mac);
int lp_mac_is_broadcast(const uint8_t *mac);
/* lp_mac_is_multicast: group bit set (includes broadcast). */
int lp_mac_is_multicast(const uint8_t *mac);
/* lp_mac_is_local: locally administered bit set. */
int lp_mac_is_local(const uint8_t *mac);
/* lp_mac_valid_client: locally administered unicast, non-zero. */
int lp_mac_valid_client(const uint8_t *mac);
/* lp_mac_valid_gateway: unicast, non-zero. */
int lp_mac_valid_gateway(const uint8_t *mac);
/* lp_mac_is_link_local_group: 01:80:c2:00:00:00 to 01:80:c2:00:00:0f. */
int lp_mac_is_link_local_group(const uint8_t *mac);

/*
 * A parsed Ethernet header; dst and src borrow from the frame.
 * tagged is the number of 802.1Q (0x8100), 802.1ad (0x88a8) or 0x9100 tags
 * in front of the L3 payload (0 if untagged). inner_ethertype is the type
 * after the tags (= ethertype when untagged); l3_off the offset of the L3
 * header.
 */
struct lp_eth {
    const uint8_t *dst, *src;
    uint16_t ethertype; /* outer */
    int tagged;
    uint16_t inner_ethertype;
    size_t l3_off;
};

/*
 * lp_eth_parse parses the Ethernet header and any VLAN tags. Returns 0, or
 * LP_ERR_SHORT if len < 14 or a tag is truncated, or LP_ERR_RANGE if more
 * than LP_ETH_MAX_TAGS tags are stacked. On LP_ERR_SHORT for a truncated
 * tag and on LP_ERR_RANGE, dst, src and ethertype are still filled.
 */
int lp_eth_parse(struct lp_eth *out, const uint8_t *frame, size_t len);

/*
 * lp_mac_random_client turns 6 random bytes into a valid client MAC
 * (locally administered unicast, so never zero).
 */
void lp_mac_random_client(uint8_t out[static 6],
                          const uint8_t random_bytes[static 6]);

#endif /* LP_ETH_H */
