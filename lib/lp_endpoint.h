/*
 * lp_endpoint.h: relay endpoint and listen address parsing (pure: no
 * sockets, no resolver). Resolution lives in io/ (lp_resolve.h).
 */
#ifndef LP_ENDPOINT_H
#define LP_ENDPOINT_H

#include "lp_types.h"

#define LP_DEFAULT_PORT 443

struct lp_endpoint {
    char host[256]; /* host name or IP literal, without brackets */
    uint16_t port;
    int is_ip_literal; /* 1 if host is an IPv4 or IPv6 literal */
    int family;        /* AF_INET / AF_INET6 for literals, else AF_UNSPEC */
};

/*
 * lp_endpoint_parse parses a relay address:
 *   host, host:port, 1.2.3.4, 1.2.3.4:port, [2001:db8::1]:port,
 *   [2001:db8::1], bare 2001:db8::1 (two or more ':' and no brackets).
 * The port defaults to 443 and must be 1..65535 in decimal digits. Host
 * names are at most 253 characters of letters, digits, '-', '_' and '.';
 * bracketed hosts must be IPv6 literals. Returns 0, or LP_ERR_INVAL with
 * a message quoting the input written to err (errlen may be 0).
 */
int lp_endpoint_parse(struct lp_endpoint *out, const char *s, char *err,
                      size_t errlen);

/*
 * lp_endpoint_parse_listen parses a relay listen address: "PORT/udp" or a
 * bare "PORT" (any address: host "::", AF_INET6, meant to be bound
 * dual-stack), or a socket address as for lp_endpoint_parse
 * ("0.0.0.0:4433", "[::1]:0"). Port 0 (pick any) is allowed here. Returns
 * 0 or LP_ERR_INVAL with a message.
 */
int lp_endpoint_parse_listen(struct lp_endpoint *out, const char *s, char *err,
                             size_t errlen);

#endif /* LP_ENDPOINT_H */
