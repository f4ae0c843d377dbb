/* lp_resolve: see lp_resolve.h. */
#include "lp_resolve.h"

#ifndef _WIN32
#include <netdb.h>
#include <netinet/in.h>
#endif
#include <stdio.h>
#include <string.h>

#include "lp_err.h"

int lp_resolve_endpoint(const struct lp_endpoint *ep,
                        struct sockaddr_storage *addrs, socklen_t *lens,
                        size_t max, size_t *n, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    int rv;

    *n = 0;
    if (ep == NULL || addrs == NULL || lens == NULL || max == 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "resolve: invalid arguments");
        return LP_ERR_INVAL;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = ep->is_ip_literal ? ep->family : AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    hints.ai_flags = AI_NUMERICSERV;
    if (ep->is_ip_literal)
        hints.ai_flags |= AI_NUMERICHOST;
    snprintf(port, sizeof(port), "%u", (unsigned)ep->port);
    rv = getaddrinfo(ep->host, port, &hints, &res);
    if (rv != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot resolve `%.200s': %s", ep->host,
                     gai_strerror(rv));
        return LP_ERR_RESOLVE;
    }
    for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(addrs[0]))
            continue;
        memset(&addrs[*n], 0, sizeof(addrs[0]));
        memcpy(&addrs[*n], ai->ai_addr, ai->ai_addrlen);
        lens[*n] = (socklen_t)ai->ai_addrlen;
        (*n)++;
    }
    freeaddrinfo(res);
    if (*n == 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot resolve `%.200s': no addresses",
                     ep->host);
        return LP_ERR_RESOLVE;
    }
    return 0;
}
