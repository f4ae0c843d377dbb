/* lp_udp_win: Winsock UDP for the Windows client; see lp_udp_win.h. */
#include "lp_udp_win.h"

#include <mswsock.h>
#include <stdio.h>
#include <string.h>

#include "lp_err.h"

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif

int lp_udpw_startup(char *err, size_t errlen)
{
    static int done;
    WSADATA wd;
    int rc;

    if (done)
        return 0;
    rc = WSAStartup(MAKEWORD(2, 2), &wd);
    if (rc != 0) {
        snprintf(err, errlen, "WSAStartup failed: error %d", rc);
        return LP_ERR_IO;
    }
    done = 1;
    return 0;
}

int lp_udpw_connect(struct lp_udpw *u, const struct sockaddr *remote,
                    int remotelen, char *err, size_t errlen)
{
    u_long on = 1;
    BOOL off = FALSE;
    DWORD got;

    memset(u, 0, sizeof(*u));
    u->s = INVALID_SOCKET;
    if (lp_udpw_startup(err, errlen) != 0)
        return LP_ERR_IO;
    if (remotelen <= 0 || (size_t)remotelen > sizeof(u->remote)) {
        snprintf(err, errlen, "bad relay address length %d", remotelen);
        return LP_ERR_INVAL;
    }
    u->s = socket(remote->sa_family, SOCK_DGRAM, IPPROTO_UDP);
    if (u->s == INVALID_SOCKET) {
        snprintf(err, errlen, "cannot create a UDP socket: error %d",
                 WSAGetLastError());
        return LP_ERR_IO;
    }
    /* Windows reports an earlier ICMP port unreachable as WSAECONNRESET on
     * the next recv; switch that off where supported (not under wine). */
    WSAIoctl(u->s, SIO_UDP_CONNRESET, &off, sizeof(off), NULL, 0, &got, NULL,
             NULL);
    if (ioctlsocket(u->s, FIONBIO, &on) != 0 ||
        connect(u->s, remote, remotelen) != 0) {
        snprintf(err, errlen, "cannot connect the UDP socket: error %d",
                 WSAGetLastError());
        lp_udpw_close(u);
        return LP_ERR_IO;
    }
    memcpy(&u->remote, remote, (size_t)remotelen);
    u->remotelen = remotelen;
    u->locallen = (int)sizeof(u->local);
    if (getsockname(u->s, (struct sockaddr *)&u->local, &u->locallen) != 0) {
        snprintf(err, errlen, "getsockname failed: error %d",
                 WSAGetLastError());
        lp_udpw_close(u);
        return LP_ERR_IO;
    }
    u->ev = WSACreateEvent();
    if (u->ev == WSA_INVALID_EVENT ||
        WSAEventSelect(u->s, u->ev, FD_READ) != 0) {
        snprintf(err, errlen, "WSAEventSelect failed: error %d",
                 WSAGetLastError());
        lp_udpw_close(u);
        return LP_ERR_IO;
    }
    return 0;
}

int lp_udpw_recv(struct lp_udpw *u, uint8_t *buf, size_t cap)
{
    int n, e;

    /* recv re-enables FD_READ, so the event fires again while data waits. */
    WSAResetEvent(u->ev);
    n = recv(u->s, (char *)buf, (int)(cap > INT32_MAX ? INT32_MAX : cap), 0);
    if (n >= 0)
        return n;
    e = WSAGetLastError();
    if (e == WSAEWOULDBLOCK || e == WSAECONNRESET || e == WSAEMSGSIZE)
        return 0;
    return LP_ERR_IO;
}

int lp_udpw_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                 size_t len, size_t segsize)
{
    struct lp_udpw *u = arg;

    (void)path;
    if (segsize == 0)
        segsize = len;
    for (size_t off = 0; off < len; off += segsize) {
        size_t l = len - off < segsize ? len - off : segsize;
        if (send(u->s, (const char *)data + off, (int)l, 0) < 0) {
            int e = WSAGetLastError();
            /* A full socket buffer drops the packet; QUIC recovers. */
            if (e != WSAEWOULDBLOCK && e != WSAECONNRESET) {
                u->tx_errors++;
                return LP_ERR_IO;
            }
        }
    }
    return 0;
}

void lp_udpw_close(struct lp_udpw *u)
{
    if (u == NULL)
        return;
    if (u->s != INVALID_SOCKET && u->s != 0)
        closesocket(u->s);
    if (u->ev != NULL && u->ev != WSA_INVALID_EVENT)
        WSACloseEvent(u->ev);
    u->s = INVALID_SOCKET;
    u->ev = NULL;
}

lp_tstamp lp_udpw_now(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER c;

    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&c);
    /* Split to avoid overflow: seconds, then the remainder. */
    return (lp_tstamp)(c.QuadPart / freq.QuadPart) * LP_SECONDS +
           (lp_tstamp)(c.QuadPart % freq.QuadPart) * LP_SECONDS /
               (lp_tstamp)freq.QuadPart;
}
