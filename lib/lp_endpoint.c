/*
 * lp_endpoint: address parsing only. IP literals are recognised here, with
 * the rules of inet_pton (RFC 4291 section 2.2 text forms, dotted quads
 * without leading zeros), so that the result is the same on every platform
 * and lib/ needs no socket library. The socket header below supplies only
 * the AF_* values stored in struct lp_endpoint.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_eth.h"

#define EP_HOSTNAME_MAX 253
#define EP_QUOTE_MAX    64

static int ep_fail(char *err, size_t errlen, const char *input, const char *fmt,
                   ...) LP_PRINTF_LIKE(4, 5);

/*
 * ep_fail writes "<what>: `input'" into err (input quoted, cut, with
 * non-printable bytes as '?') and returns LP_ERR_INVAL.
 */
static int ep_fail(char *err, size_t errlen, const char *input, const char *fmt,
                   ...)
{
    char q[EP_QUOTE_MAX + 4];
    size_t i = 0, n;
    va_list ap;

    va_start(ap, fmt);
    (void)lp_err_vfail(err, errlen, "", fmt, ap);
    va_end(ap);
    if (err == NULL || errlen == 0)
        return LP_ERR_INVAL;
    for (; input != NULL && input[i] != '\0' && i < EP_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)input[i];
        q[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    q[i] = '\0';
    n = strlen(err);
    snprintf(err + n, errlen - n, ": `%s'%s", q,
             input != NULL && input[i] != '\0' ? "..." : "");
    return LP_ERR_INVAL;
}

/* ep_port parses 1-5 decimal digits in [min, 65535]. */
static int ep_port(const char *s, size_t len, unsigned min, uint16_t *out)
{
    unsigned v = 0;

    if (len == 0 || len > 5)
        return LP_ERR_INVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LP_ERR_INVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < min || v > 65535)
        return LP_ERR_RANGE;
    *out = (uint16_t)v;
    return 0;
}

/*
 * ep_is_v4 accepts what inet_pton(AF_INET) accepts: exactly four decimal
 * parts of 0..255, separated by '.', without leading zeros.
 */
static int ep_is_v4(const char *s, size_t len)
{
    unsigned parts = 0, val = 0, digits = 0;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (digits > 0 && val == 0)
                return 0; /* leading zero */
            val = val * 10 + (unsigned)(c - '0');
            if (val > 255)
                return 0;
            if (digits++ == 0 && ++parts > 4)
                return 0;
        } else if (c == '.' && digits > 0 && parts < 4) {
            digits = 0;
            val = 0;
        } else {
            return 0;
        }
    }
    return parts == 4 && digits > 0;
}

/*
 * ep_is_v6 accepts what inet_pton(AF_INET6) accepts (RFC 4291 section
 * 2.2): eight groups of 1-4 hex digits, at most one "::" standing for one
 * or more zero groups, and an optional trailing dotted quad in place of
 * the last two groups. No zone ("%eth0"), no brackets.
 */
static int ep_is_v6(const char *s)
{
    size_t len = strlen(s), i = 0, bytes = 0, digits = 0;
    const char *tok = s;
    int gap = 0;

    if (len == 0)
        return 0;
    if (s[0] == ':') {
        /* A leading ':' must be the start of "::". */
        if (len < 2 || s[1] != ':')
            return 0;
        i = 1;
    }
    while (i < len) {
        char c = s[i++];
        if (lp_hex_digit(c) >= 0) {
            if (++digits > 4)
                return 0;
            continue;
        }
        if (c == ':') {
            tok = s + i;
            if (digits == 0) {
                if (gap)
                    return 0; /* a second "::" */
                gap = 1;
                continue;
            }
            if (i == len || bytes + 2 > 16)
                return 0; /* trailing single ':' or too many groups */
            bytes += 2;
            digits = 0;
            continue;
        }
        if (c == '.' && bytes + 4 <= 16 &&
            ep_is_v4(tok, len - (size_t)(tok - s))) {
            bytes += 4;
            digits = 0;
            break;
        }
        return 0;
    }
    if (digits > 0) {
        if (bytes + 2 > 16)
            return 0;
        bytes += 2;
    }
    if (gap)
        return bytes < 16; /* "::" stands for at least one zero group */
    return bytes == 16;
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

    if (ep_is_v4(ep.host, hostlen) && !bracketed) {
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
