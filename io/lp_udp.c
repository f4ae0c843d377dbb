/* lp_udp: batched UDP I/O for QUIC; see lp_udp.h. */
#include "lp_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_err.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

static int udp_socket(struct lp_udp *u, int family, char *err, size_t errlen)
{
    int one = 1, bufsz = 4 * 1024 * 1024;

    memset(u, 0, sizeof(*u));
    u->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u->fd < 0) {
        snprintf(err, errlen, "cannot open a UDP socket: %s", strerror(errno));
        return LP_ERR_IO;
    }
    u->family = family;
    /* Large buffers absorb bursts of datagrams between event-loop turns. */
    (void)setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    (void)setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    if (setsockopt(u->fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0)
        u->gro = 1;
    u->gso = 1; /* probed on first use */
    /* QUIC sets the DF bit (RFC 9000 section 14): PMTUD needs it. */
    if (family == AF_INET) {
        int v = IP_PMTUDISC_PROBE;
        (void)setsockopt(u->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
    } else {
        int v = IPV6_PMTUDISC_PROBE;
        (void)setsockopt(u->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
    }
    return 0;
}

int lp_udp_bind(struct lp_udp *u, const struct sockaddr *sa, socklen_t len,
                char *err, size_t errlen)
{
    int one = 1, zero = 0;

    if (udp_socket(u, sa->sa_family, err, errlen) != 0)
        return LP_ERR_IO;
    if (sa->sa_family == AF_INET6) {
        /* "::" serves IPv4 too, as v4-mapped addresses. */
        (void)setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (setsockopt(u->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
                       sizeof(one)) == 0)
            u->pktinfo = 1;
        (void)setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    } else if (setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ==
               0) {
        u->pktinfo = 1;
    }
    if (bind(u->fd, sa, len) != 0) {
        snprintf(err, errlen, "cannot bind UDP socket: %s", strerror(errno));
        lp_udp_close(u);
        return LP_ERR_IO;
    }
    u->locallen = sizeof(u->local);
    getsockname(u->fd, (struct sockaddr *)&u->local, &u->locallen);
    return 0;
}

int lp_udp_connect(struct lp_udp *u, const struct sockaddr *sa, socklen_t len,
                   char *err, size_t errlen)
{
    return lp_udp_connect_from(u, NULL, sa, len, err, errlen);
}

int lp_udp_connect_from(struct lp_udp *u, const char *local_ip,
                        const struct sockaddr *sa, socklen_t len, char *err,
                        size_t errlen)
{
    if (udp_socket(u, sa->sa_family, err, errlen) != 0)
        return LP_ERR_IO;
    if (local_ip != NULL) {
        struct sockaddr_storage ls;
        socklen_t ll;
        memset(&ls, 0, sizeof(ls));
        if (sa->sa_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ls;
            s4->sin_family = AF_INET;
            ll = sizeof(*s4);
            if (inet_pton(AF_INET, local_ip, &s4->sin_addr) != 1)
                ll = 0;
        } else {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ls;
            s6->sin6_family = AF_INET6;
            ll = sizeof(*s6);
            if (inet_pton(AF_INET6, local_ip, &s6->sin6_addr) != 1)
                ll = 0;
        }
        if (ll == 0 || bind(u->fd, (struct sockaddr *)&ls, ll) != 0) {
            snprintf(err, errlen, "cannot bind to '%s': %s", local_ip,
                     ll == 0 ? "not an address" : strerror(errno));
            lp_udp_close(u);
            return LP_ERR_IO;
        }
    }
    if (connect(u->fd, sa, len) != 0) {
        snprintf(err, errlen, "cannot reach the relay address: %s",
                 strerror(errno));
        lp_udp_close(u);
        return LP_ERR_IO;
    }
    u->locallen = sizeof(u->local);
    getsockname(u->fd, (struct sockaddr *)&u->local, &u->locallen);
    return 0;
}

void lp_udp_close(struct lp_udp *u)
{
    if (u->fd > 0)
        close(u->fd);
    u->fd = -1;
}

int lp_udp_rxbatch_init(struct lp_udp_rxbatch *b)
{
    memset(b, 0, sizeof(*b));
    b->bufs = malloc((size_t)LP_UDP_BATCH * LP_UDP_BUFSZ);
    return b->bufs != NULL ? 0 : LP_ERR_NOMEM;
}

void lp_udp_rxbatch_free(struct lp_udp_rxbatch *b)
{
    free(b->bufs);
    b->bufs = NULL;
}

int lp_udp_recv(struct lp_udp *u, struct lp_udp_rxbatch *b)
{
    struct mmsghdr msgs[LP_UDP_BATCH];
    struct iovec iov[LP_UDP_BATCH];
    /* Room for every control message a dual-stack wildcard socket can
     * deliver at once: UDP_GRO, IP_PKTINFO (an IPv4 datagram on a socket
     * with IP_PKTINFO) and IPV6_PKTINFO (the same datagram as v4-mapped).
     * Too small a buffer truncates the last one (MSG_CTRUNC), and the local
     * address would then flip with every GRO batch: QUIC sees a new path. */
    union {
        char buf[LP_UDP_CMSG_SPACE];
        struct cmsghdr align;
    } ctl[LP_UDP_BATCH];
    int n, out = 0;

    memset(msgs, 0, sizeof(msgs));
    memset(ctl, 0, sizeof(ctl));
    for (int i = 0; i < LP_UDP_BATCH; i++) {
        iov[i].iov_base = b->bufs + (size_t)i * LP_UDP_BUFSZ;
        iov[i].iov_len = LP_UDP_BUFSZ;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &b->rx[i].remote;
        msgs[i].msg_hdr.msg_namelen = sizeof(b->rx[i].remote);
        msgs[i].msg_hdr.msg_control = ctl[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
    }
    n = recvmmsg(u->fd, msgs, LP_UDP_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0 && errno == ECONNREFUSED)
        u->refused++;
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                   ? 0
                   : LP_ERR_IO;
    for (int i = 0; i < n; i++) {
        struct lp_udp_rx *r = &b->rx[out];
        struct msghdr *h = &msgs[i].msg_hdr;

        if (h->msg_flags & MSG_CTRUNC) {
            /* The local address (or the GRO segment size) may be missing:
             * feeding it to QUIC could fake a path change. Drop, count. */
            u->ctrunc_drops++;
            continue;
        }
        if (i != out) {
            memcpy(&r->remote, &b->rx[i].remote, h->msg_namelen);
        }
        out++;
        r->data = iov[i].iov_base;
        r->len = msgs[i].msg_len;
        r->segsize = r->len;
        r->remotelen = h->msg_namelen;
        memcpy(&r->local, &u->local, u->locallen);
        r->locallen = u->locallen;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm != NULL;
             cm = CMSG_NXTHDR(h, cm)) {
            if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
                int seg;
                memcpy(&seg, CMSG_DATA(cm), sizeof(seg));
                if (seg > 0)
                    r->segsize = (size_t)seg;
            } else if (cm->cmsg_level == IPPROTO_IP &&
                       cm->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo pi;
                memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                if (u->family == AF_INET) {
                    struct sockaddr_in *sin = (struct sockaddr_in *)&r->local;
                    sin->sin_addr = pi.ipi_addr;
                } else {
                    /* IPv4 on a dual-stack socket: a v4-mapped address. */
                    struct sockaddr_in6 *sin6 =
                        (struct sockaddr_in6 *)&r->local;
                    memset(&sin6->sin6_addr, 0, 10);
                    memset(&sin6->sin6_addr.s6_addr[10], 0xff, 2);
                    memcpy(&sin6->sin6_addr.s6_addr[12], &pi.ipi_addr, 4);
                }
            } else if (cm->cmsg_level == IPPROTO_IPV6 &&
                       cm->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo pi;
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->local;
                memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                sin6->sin6_addr = pi.ipi6_addr;
            }
        }
    }
    return out;
}

/* udp_cmsg_put writes one control message at cm; returns its space. */
static size_t udp_cmsg_put(struct cmsghdr *cm, int level, int type,
                           const void *data, size_t len)
{
    cm->cmsg_level = level;
    cm->cmsg_type = type;
    cm->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(cm), data, len);
    return CMSG_SPACE(len);
}

static size_t udp_pktinfo(char *buf, const struct sockaddr *local)
{
    struct cmsghdr *cm = (struct cmsghdr *)(void *)buf;

    if (local->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)local;
        struct in_pktinfo pi;
        if (sin->sin_addr.s_addr == INADDR_ANY)
            return 0;
        memset(&pi, 0, sizeof(pi));
        pi.ipi_spec_dst = sin->sin_addr;
        return udp_cmsg_put(cm, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
    } else if (local->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)local;
        struct in6_pktinfo pi;
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
            return 0;
        memset(&pi, 0, sizeof(pi));
        pi.ipi6_addr = sin6->sin6_addr;
        return udp_cmsg_put(cm, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
    }
    return 0;
}

static int udp_sendmsg(struct lp_udp *u, const struct sockaddr *local,
                       const struct sockaddr *remote, socklen_t remotelen,
                       const uint8_t *data, size_t len, size_t segsize)
{
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t)) +
                 CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {(void *)(uintptr_t)data, len};
    struct msghdr h;
    size_t clen = 0;

    memset(&h, 0, sizeof(h));
    memset(&ctl, 0, sizeof(ctl));
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    if (remote != NULL && remotelen > 0) {
        h.msg_name = (void *)(uintptr_t)remote;
        h.msg_namelen = remotelen;
    }
    if (u->pktinfo && local != NULL)
        clen += udp_pktinfo(ctl.buf, local);
    if (segsize < len) {
        uint16_t seg = (uint16_t)segsize;
        clen += udp_cmsg_put((struct cmsghdr *)(void *)(ctl.buf + clen),
                             SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
    }
    if (clen > 0) {
        h.msg_control = ctl.buf;
        h.msg_controllen = clen;
    }
    for (int tries = 0; tries < 4; tries++) {
        if (sendmsg(u->fd, &h, 0) >= 0)
            return 0;
        if (errno != EINTR)
            break;
    }
    return -errno;
}

int lp_udp_send(struct lp_udp *u, const struct sockaddr *local,
                socklen_t locallen, const struct sockaddr *remote,
                socklen_t remotelen, const uint8_t *data, size_t len,
                size_t segsize)
{
    int rv;

    (void)locallen;
    if (u->family == AF_INET6 && remote != NULL &&
        remote->sa_family == AF_INET) {
        /* never happens with our sockets: peers arrive v4-mapped */
        return LP_ERR_INVAL;
    }
    if (segsize >= len || !u->gso) {
        for (size_t off = 0; off < len; off += segsize) {
            size_t n = len - off < segsize ? len - off : segsize;
            rv = udp_sendmsg(u, local, remote, remotelen, data + off, n, n);
            if (rv == -ECONNREFUSED)
                u->refused++;
            if (rv != 0 && rv != -EAGAIN && rv != -EWOULDBLOCK &&
                rv != -ENOBUFS && rv != -EMSGSIZE) {
                u->send_errors++;
                if (rv != -ECONNREFUSED && rv != -EHOSTUNREACH &&
                    rv != -ENETUNREACH)
                    return LP_ERR_IO;
            }
        }
        return 0;
    }
    rv = udp_sendmsg(u, local, remote, remotelen, data, len, segsize);
    if (rv == -EIO || rv == -EINVAL || rv == -EOPNOTSUPP) {
        /* No GSO on this path: split it ourselves from now on. */
        u->gso = 0;
        u->gso_fallbacks++;
        return lp_udp_send(u, local, locallen, remote, remotelen, data, len,
                           segsize);
    }
    if (rv == -ECONNREFUSED)
        u->refused++;
    if (rv != 0 && rv != -EAGAIN && rv != -ENOBUFS)
        u->send_errors++;
    return 0;
}
