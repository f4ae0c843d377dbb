/*
 * lp_udp: UDP sockets for QUIC on Linux, with batching.
 *
 * Receive: recvmmsg, with UDP GRO where the kernel has it (one buffer then
 * holds several packets of gso_size bytes), and IP_PKTINFO/IPV6_PKTINFO so a
 * wildcard-bound server knows each packet's local address. Send: UDP GSO
 * (UDP_SEGMENT) for runs of equal-sized packets, falling back to one
 * sendmsg per packet when the kernel or device refuses it.
 */
#ifndef LP_UDP_H
#define LP_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LP_UDP_BATCH 32
#define LP_UDP_BUFSZ 65536

struct lp_udp {
    int fd;
    int family;
    int gso, gro, pktinfo;
    struct sockaddr_storage local;
    socklen_t locallen;
    uint64_t send_errors, gso_fallbacks;
    uint64_t ctrunc_drops; /* received with truncated control data */
    uint64_t refused;      /* ICMP port unreachable reported (connected) */
};

/* Control-buffer bytes per received datagram: UDP_GRO + IP_PKTINFO +
 * IPV6_PKTINFO, all three of which a dual-stack socket can get at once. */
#define LP_UDP_CMSG_SPACE                                                      \
    (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +         \
     CMSG_SPACE(sizeof(struct in6_pktinfo)))

/* One received datagram (or GRO super-datagram). */
struct lp_udp_rx {
    uint8_t *data;
    size_t len;
    size_t segsize; /* GRO segment size; == len when not coalesced */
    struct sockaddr_storage remote, local;
    socklen_t remotelen, locallen;
};

struct lp_udp_rxbatch {
    struct lp_udp_rx rx[LP_UDP_BATCH];
    uint8_t *bufs; /* LP_UDP_BATCH * LP_UDP_BUFSZ */
};

/* lp_udp_rx_next walks the datagrams of one received entry (several when
 * GRO coalesced them): start with *off = 0; each call returns the next
 * datagram's length and sets *p, or 0 when none is left. */
static inline size_t lp_udp_rx_next(const struct lp_udp_rx *rx, size_t *off,
                                    const uint8_t **p)
{
    size_t n;

    if (*off >= rx->len || rx->segsize == 0)
        return 0;
    n = rx->len - *off < rx->segsize ? rx->len - *off : rx->segsize;
    *p = rx->data + *off;
    *off += n;
    return n;
}

/* lp_udp_bind opens a server socket on sa (dual-stack for ::), enables
 * GRO and PKTINFO. Returns 0 or LP_ERR_IO with err filled. */
int lp_udp_bind(struct lp_udp *u, const struct sockaddr *sa, socklen_t len,
                char *err, size_t errlen);

/* lp_udp_connect opens a client socket connected to sa from an ephemeral
 * port; local receives the chosen address. */
int lp_udp_connect(struct lp_udp *u, const struct sockaddr *sa, socklen_t len,
                   char *err, size_t errlen);

/* lp_udp_connect_from is lp_udp_connect from a chosen local IP (NULL: any). */
int lp_udp_connect_from(struct lp_udp *u, const char *local_ip,
                        const struct sockaddr *sa, socklen_t len, char *err,
                        size_t errlen);

void lp_udp_close(struct lp_udp *u);

int lp_udp_rxbatch_init(struct lp_udp_rxbatch *b);
void lp_udp_rxbatch_free(struct lp_udp_rxbatch *b);

/* lp_udp_recv reads up to LP_UDP_BATCH datagrams without blocking. Returns
 * the count (0 when none are waiting) or <0 on a socket error. */
int lp_udp_recv(struct lp_udp *u, struct lp_udp_rxbatch *b);

/* lp_udp_send sends len bytes as segments of segsize to remote, from local
 * (when local has an address). Returns 0, or <0 on a hard error; EAGAIN
 * counts the packets as lost (QUIC recovers). */
int lp_udp_send(struct lp_udp *u, const struct sockaddr *local,
                socklen_t locallen, const struct sockaddr *remote,
                socklen_t remotelen, const uint8_t *data, size_t len,
                size_t segsize);

#endif
