#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "lp_endpoint.h"
#include "lp_err.h"

#if defined(__GNUC__) || defined(__clang__)
#if defined(__MINGW32__)
#define EP_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define EP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif
#else
#define EP_PRINTF(f, a)
#endif

#define EP_HOSTNAME_MAX 253
#define EP_QUOTE_MAX    64

static int ep_fail(char *err, size_t errlen, const char *input, const char *fmt,
                   ...) EP_PRINTF(4, 5);

/*
 * ep_fail writes "<what>: `input'" into err (input quoted, cut, with
 * non-printable bytes as '?') and returns LP_ERR_INVAL.
 */
static int ep_fail(char *err, size_t errlen, const char *input, const char *fmt,
                   ...)
{
    char what[128], q[EP_QUOTE_MAX + 4];
    size_t i = 0;
    va_list ap;

    if (err == NULL || errlen == 0)
        return LP_ERR_INVAL;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    for (; input != NULL && input[i] != '\0' && i < EP_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)input[i];
        q[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    q[i] = '\0';
    snprintf(err, errlen, "%s: `%s'%s", what, q,
             input != NULL && input[i] != '\0' ? "..." : "");
    return LP_ERR_INVAL;
}

/* ep_port parses 1-5 decimal digits in [min, 65535]. */
static int ep_port(const char *s, size_t len, unsigned min, uint16_t *out)
{
    unsigned v = 0;

    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < min || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

static int ep_is_v4(const char *host)
{
    struct in_addr a;

    return inet_pton(AF_INET, host, &a) == 1;
}

static int ep_is_v6(const char *host)
{
    struct in6_addr a;

    return inet_pton(AF_INET6, host, &a) == 1;
}

static int ep_hostname_ok(const char *h, size_t len)
{
    if (len == 0 || len > EP_HOSTNAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* ep_parse_addr is the shared parser; min_port is 1 or 0 (listen). */
static int ep_parse_addr(struct lp_endpoint *out, const char *s,
                         unsigned min_port, char *err, size_t errlen)
{
    struct lp_endpoint ep;
    const char *host, *port = NULL, *colon;
    size_t hostlen, portlen = 0, slen;
    int bracketed = 0;

    memset(&ep, 0, sizeof(ep));
    ep.family = AF_UNSPEC;
    ep.port = LP_DEFAULT_PORT;
    if (s == NULL)
        return ep_fail(err, errlen, "", "empty address");
    slen = strlen(s);
    if (slen == 0)
        return ep_fail(err, errlen, s, "empty address");
    if (slen >= sizeof(ep.host) + 8)
        return ep_fail(err, errlen, s, "address too long");

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return ep_fail(err, errlen, s, "missing ']'");
        host = s + 1;
        hostlen = (size_t)(close - host);
        bracketed = 1;
        if (memchr(host, '[', hostlen) != NULL)
            return ep_fail(err, errlen, s, "unbalanced brackets");
        if (close[1] == ':') {
            port = close + 2;
            portlen = strlen(port);
            if (portlen == 0)
                return ep_fail(err, errlen, s, "empty port after ':'");
        } else if (close[1] != '\0') {
            return ep_fail(err, errlen, s, "junk after ']'");
        }
    } else {
        if (strchr(s, '[') != NULL || strchr(s, ']') != NULL)
            return ep_fail(err, errlen, s, "unbalanced brackets");
        colon = strchr(s, ':');
        host = s;
        hostlen = slen;
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            /* Exactly one ':': host:port. */
            hostlen = (size_t)(colon - s);
            port = colon + 1;
            portlen = strlen(port);
            if (portlen == 0)
                return ep_fail(err, errlen, s, "empty port after ':'");
        }
        /* Two or more ':' without brackets: a bare IPv6 literal. */
    }

    if (hostlen == 0)
        return ep_fail(err, errlen, s, "empty host");
    if (hostlen >= sizeof(ep.host))
        return ep_fail(err, errlen, s, "host too long");
    memcpy(ep.host, host, hostlen);
    ep.host[hostlen] = '\0';
    if (port != NULL && ep_port(port, portlen, min_port, &ep.port) < 0)
        return ep_fail(err, errlen, s, "bad port (want %u to 65535)", min_port);

    if (ep_is_v4(ep.host) && !bracketed) {
        ep.is_ip_literal = 1;
        ep.family = AF_INET;
    } else if (ep_is_v6(ep.host)) {
        ep.is_ip_literal = 1;
        ep.family = AF_INET6;
    } else if (bracketed || strchr(ep.host, ':') != NULL) {
        return ep_fail(err, errlen, s, "bad IPv6 address");
    } else if (!ep_hostname_ok(ep.host, hostlen)) {
        return ep_fail(err, errlen, s, "bad host name");
    }
    *out = ep;
    return 0;
}

int lp_endpoint_parse(struct lp_endpoint *out, const char *s, char *err,
                      size_t errlen)
{
    return ep_parse_addr(out, s, 1, err, errlen);
}

int lp_endpoint_parse_listen(struct lp_endpoint *out, const char *s, char *err,
                             size_t errlen)
{
    const char *slash;
    size_t n;
    struct lp_endpoint ep;

    if (s == NULL || *s == '\0')
        return ep_fail(err, errlen, s, "empty listen address");
    slash = strchr(s, '/');
    n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (slash != NULL || strspn(s, "0123456789") == n) {
        /* "PORT/udp" or "PORT": every address, dual-stack. */
        if (slash != NULL && strcmp(slash, "/udp") != 0)
            return ep_fail(err, errlen, s, "listen shorthand must be PORT/udp");
        memset(&ep, 0, sizeof(ep));
        if (ep_port(s, n, 0, &ep.port) < 0)
            return ep_fail(err, errlen, s, "bad port (want 0 to 65535)");
        memcpy(ep.host, "::", 3);
        ep.is_ip_literal = 1;
        ep.family = AF_INET6;
        *out = ep;
        return 0;
    }
    return ep_parse_addr(out, s, 0, err, errlen);
}

int lp_endpoint_resolve(const struct lp_endpoint *ep,
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
