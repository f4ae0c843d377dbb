/*
 * lp_sockaddr: socket addresses as people read them, the one formatter for
 * logs and messages: "198.18.0.1:443", "[2001:db8::1]:443"; an IPv4-mapped
 * IPv6 address (an IPv4 peer on a dual-stack socket) is shown as IPv4.
 */
#ifndef LP_SOCKADDR_H
#define LP_SOCKADDR_H

#include <stddef.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

/* Room for "[" + the longest IPv6 text + "]:65535" and the NUL. */
#define LP_SOCKADDR_STRLEN 56

/* lp_sockaddr_format writes sa into out ("?" for another family); with
 * port 0 no port is written. Returns out. */
char *lp_sockaddr_format(const struct sockaddr *sa, int with_port, char *out,
                         size_t outlen);

#endif
