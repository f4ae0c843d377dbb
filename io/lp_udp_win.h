/*
 * lp_udp_win: the Windows client's UDP socket (Winsock) and clock.
 *
 * One connected, non-blocking UDP socket to the relay. Its readiness is an
 * event (WSAEventSelect FD_READ) that goes into the client's
 * WaitForMultipleObjects next to the TAP read event. Sends split a GSO-style
 * run from lp_qconn_flush into single datagrams (no GSO on Windows).
 */
#ifndef LP_UDP_WIN_H
#define LP_UDP_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#include <ngtcp2/ngtcp2.h>

#include "lp_types.h"

struct lp_udpw {
    SOCKET s;
    WSAEVENT ev; /* signalled when datagrams can be read */
    struct sockaddr_storage local, remote;
    int locallen, remotelen;
    uint64_t tx_errors;
};

/* lp_udpw_startup initialises Winsock 2.2 once. 0 or LP_ERR_IO. */
int lp_udpw_startup(char *err, size_t errlen);

/*
 * lp_udpw_connect opens a socket of remote's family, makes it non-blocking,
 * connects it to remote and reads back the local address. 0 or LP_ERR_IO
 * with err filled.
 */
int lp_udpw_connect(struct lp_udpw *u, const struct sockaddr *remote,
                    int remotelen, char *err, size_t errlen);

/*
 * lp_udpw_recv reads one datagram. Returns its length, 0 when nothing is
 * waiting (the event is re-armed), or LP_ERR_IO on a socket error. An ICMP
 * port unreachable (WSAECONNRESET) is reported as 0: QUIC's timers handle
 * a relay that went away.
 */
int lp_udpw_recv(struct lp_udpw *u, uint8_t *buf, size_t cap);

/* lp_udpw_send is an lp_qconn_send_fn; arg is the struct lp_udpw. */
int lp_udpw_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                 size_t len, size_t segsize);

void lp_udpw_close(struct lp_udpw *u);

/* lp_udpw_now: monotonic nanoseconds from QueryPerformanceCounter. */
lp_tstamp lp_udpw_now(void);

#endif /* LP_UDP_WIN_H */
