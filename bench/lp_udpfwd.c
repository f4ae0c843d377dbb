/*
 * lp-udpfwd: a plain user-space UDP relay hop for the side-by-side benchmark
 * (bench/lanparty_bench.py): OpenVPN "through a relay", the same shape as
 * player -> lanparty-relay -> gateway, without QUIC.
 *
 *     lp-udpfwd LISTEN_IP UPSTREAM_IP UPSTREAM_PORT
 *
 * Binds LISTEN_IP on an ephemeral port and prints "ready PORT". Datagrams
 * from the one client (the last address seen) go to the upstream from a
 * second socket; the upstream's answers go back to that client. Each side
 * is read with recvmmsg and written with sendmmsg, 32 at a time, so the hop
 * costs about what a batching relay's forwarding costs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FWD_BATCH 32
#define FWD_BUFSZ 65536

static uint8_t bufs[FWD_BATCH][FWD_BUFSZ];

/* fwd_pump moves one batch from fd `from` to `to` (to `dst` if not NULL);
 * `src` gets the sender's address of the last datagram if not NULL. */
static void fwd_pump(int from, int to, struct sockaddr_in *src,
                     const struct sockaddr_in *dst)
{
    struct mmsghdr m[FWD_BATCH];
    struct iovec iov[FWD_BATCH];
    struct sockaddr_in peer[FWD_BATCH];
    int n;

    memset(m, 0, sizeof(m));
    memset(peer, 0, sizeof(peer));
    for (int i = 0; i < FWD_BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = FWD_BUFSZ;
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
        m[i].msg_hdr.msg_name = &peer[i];
        m[i].msg_hdr.msg_namelen = sizeof(peer[i]);
    }
    n = recvmmsg(from, m, FWD_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return;
    if (src != NULL)
        *src = peer[n - 1];
    for (int i = 0; i < n; i++) {
        iov[i].iov_len = m[i].msg_len;
        m[i].msg_hdr.msg_name = (void *)(uintptr_t)dst;
        m[i].msg_hdr.msg_namelen = dst != NULL ? sizeof(*dst) : 0;
    }
    if (dst != NULL && dst->sin_port == 0)
        return; /* no client yet */
    (void)sendmmsg(to, m, (unsigned)n, 0);
}

int main(int argc, char **argv)
{
    struct sockaddr_in l, up, client;
    socklen_t ll = sizeof(l);
    int lfd, ufd;

    if (argc != 4) {
        fprintf(stderr, "usage: lp-udpfwd LISTEN_IP UPSTREAM_IP PORT\n");
        return 2;
    }
    memset(&l, 0, sizeof(l));
    memset(&up, 0, sizeof(up));
    memset(&client, 0, sizeof(client));
    l.sin_family = up.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &l.sin_addr) != 1 ||
        inet_pton(AF_INET, argv[2], &up.sin_addr) != 1) {
        fprintf(stderr, "lp-udpfwd: bad address\n");
        return 2;
    }
    up.sin_port = htons((uint16_t)atoi(argv[3]));
    lfd = socket(AF_INET, SOCK_DGRAM, 0);
    ufd = socket(AF_INET, SOCK_DGRAM, 0);
    if (lfd < 0 || ufd < 0 || bind(lfd, (struct sockaddr *)&l, ll) != 0 ||
        getsockname(lfd, (struct sockaddr *)&l, &ll) != 0 ||
        connect(ufd, (struct sockaddr *)&up, sizeof(up)) != 0) {
        perror("lp-udpfwd");
        return 1;
    }
    {
        int sz = 4 * 1024 * 1024;
        (void)setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        (void)setsockopt(ufd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    }
    printf("ready %u\n", ntohs(l.sin_port));
    fflush(stdout);
    for (;;) {
        struct pollfd p[2] = {{lfd, POLLIN, 0}, {ufd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[0].revents & POLLIN)
            fwd_pump(lfd, ufd, &client, NULL);
        if (p[1].revents & POLLIN)
            fwd_pump(ufd, lfd, NULL, &client);
    }
}
