/* lp_sockaddr: formatting socket addresses; see lp_sockaddr.h. */
#include "lp_sockaddr.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

char *lp_sockaddr_format(const struct sockaddr *sa, int with_port, char *out,
                         size_t outlen)
{
    char ip[64] = "?";
    unsigned port = 0;
    int v6 = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *a = (const uint8_t *)&s6->sin6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
        port = ntohs(s6->sin6_port);
        if (memcmp(a, mapped, sizeof(mapped)) == 0) {
            inet_ntop(AF_INET, a + 12, ip, sizeof(ip));
        } else {
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
            v6 = 1;
        }
    } else {
        snprintf(out, outlen, "?");
        return out;
    }
    if (!with_port)
        snprintf(out, outlen, "%s", ip);
    else if (v6)
        snprintf(out, outlen, "[%s]:%u", ip, port);
    else
        snprintf(out, outlen, "%s:%u", ip, port);
    return out;
}
