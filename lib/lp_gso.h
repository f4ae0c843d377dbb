/*
 * lp_gso: turn what an AF_PACKET socket with PACKET_VNET_HDR hands the
 * gateway into frames that fit the wire.
 *
 * The kernel may give a packet socket one "super-frame" far larger than the
 * MTU (GRO/LRO on a NIC, TSO/GSO skbs crossing veths and bridges), and may
 * leave checksums unfinished (CHECKSUM_PARTIAL: offload on the gateway's own
 * host, its VMs or containers). The virtio_net_hdr in front of each packet
 * says which; lp_gso_split completes checksums and splits TCP (v4/v6) and
 * UDP GSO packets into MTU-sized frames, as the NIC would have.
 */
#ifndef LP_GSO_H
#define LP_GSO_H

#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr, host byte order, as PACKET_VNET_HDR delivers it */
struct lp_vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};

#define LP_VNET_HDR_LEN      10
#define LP_VNET_F_NEEDS_CSUM 1
#define LP_VNET_GSO_NONE     0
#define LP_VNET_GSO_TCPV4    1
#define LP_VNET_GSO_UDP      3
#define LP_VNET_GSO_TCPV6    4
#define LP_VNET_GSO_UDP_L4   5
#define LP_VNET_GSO_ECN      0x80

/* Decodes the 10-byte header at p (host byte order). */
void lp_vnet_hdr_decode(struct lp_vnet_hdr *h, const uint8_t *p);

/* Called once per output frame; the frame is borrowed for the call. */
typedef void (*lp_gso_emit_fn)(void *arg, const uint8_t *frame, size_t len);

/*
 * lp_gso_split emits the frames frame[0..len) stands for. scratch must hold
 * 65536 bytes. Returns the number of frames emitted, or LP_ERR_PROTO for a
 * packet it cannot split safely (UFO, inconsistent header, lengths that
 * lie): the caller drops and counts it.
 */
int lp_gso_split(const struct lp_vnet_hdr *h, const uint8_t *frame, size_t len,
                 uint8_t *scratch, lp_gso_emit_fn emit, void *arg);

/* Internet checksum helpers (RFC 1071), exposed for tests. */
uint32_t lp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t lp_csum_fold(uint32_t sum);

#endif
