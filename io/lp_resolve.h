/*
 * lp_resolve: name resolution for a parsed endpoint (lib/lp_endpoint.h).
 * This is the blocking getaddrinfo call that lib/ must not make; the same
 * file serves Linux and Windows (Winsock must be started first, as
 * lp_udpw_startup does).
 */
#ifndef LP_RESOLVE_H
#define LP_RESOLVE_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

#include <stddef.h>

#include "lp_endpoint.h"

/*
 * lp_resolve_endpoint resolves ep with getaddrinfo (SOCK_DGRAM, UDP; no
 * DNS lookup for literals) into at most max addresses, in resolver order,
 * storing each length in lens and the count in *n. It blocks while the
 * resolver works. Returns 0, or LP_ERR_RESOLVE with a message naming the
 * host and the resolver error, or LP_ERR_INVAL for bad arguments.
 */
int lp_resolve_endpoint(const struct lp_endpoint *ep,
                        struct sockaddr_storage *addrs, socklen_t *lens,
                        size_t max, size_t *n, char *err, size_t errlen);

#endif /* LP_RESOLVE_H */
