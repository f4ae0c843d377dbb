/*
 * lp_link.h: invite links (spec section 9).
 *
 *   lanparty://HOST[:PORT]/ROOM?pin=PIN&auth=TOKEN
 *
 * Parsing rules (docs/protocol.md, "Invite links and the room list"):
 *   - the scheme is "lanparty" in any case; surrounding ASCII whitespace
 *     (a pasted line's newline) is ignored; any other space, control or
 *     non-ASCII byte, a '#' fragment and a user part ("x@host") are
 *     malformed; at most LP_LINK_MAX_LEN characters;
 *   - HOST is a DNS name, an IPv4 address or a bracketed IPv6 address, as
 *     lp_endpoint_parse accepts them (a bare IPv6 address is refused: its
 *     last group would read as a port); PORT is 1..65535, default 443;
 *   - ROOM is one path segment, 1..32 characters of A-Z a-z 0-9 _ -;
 *   - query parameter names and values, and ROOM, are percent-decoded
 *     once ("%41" is 'A'; a '%' not followed by two hex digits, or a
 *     decoded NUL, is malformed); '+' is not a space;
 *   - pin: one to LP_LINK_MAX_PINS comma-separated "sha256:" + 43
 *     characters of canonical base64url (32 bytes: the SHA-256 of the
 *     relay leaf's SubjectPublicKeyInfo);
 *   - auth: LP_LINK_AUTH_MIN..LP_LINK_AUTH_MAX characters of
 *     A-Z a-z 0-9 _ - (the room credential, spec section 3);
 *   - unknown parameters are ignored, a repeated pin or auth is malformed.
 *
 * The auth token is a secret: no error message ever contains it (nor any
 * part of the query), and lp_link_redacted prints a link for logs.
 */
#ifndef LP_LINK_H
#define LP_LINK_H

#include "lp_ctrl.h"
#include "lp_types.h"

#define LP_LINK_SCHEME    "lanparty://"
#define LP_LINK_MAX_PINS  4
#define LP_LINK_AUTH_MIN  22
#define LP_LINK_AUTH_MAX  128
#define LP_LINK_MAX_LEN   4096
#define LP_LINK_PIN_B64   43 /* base64url characters of a SHA-256 */
#define LP_LINK_PIN_TEXT  "sha256:"
#define LP_LINK_RELAY_MAX 264 /* "[" host "]:" port NUL */

struct lp_link {
    char host[256]; /* DNS name or IP literal, IPv6 without brackets */
    uint16_t port;  /* LP_DEFAULT_PORT (443) when the link has none */
    char room[LP_ROOM_MAX + 1];
    uint8_t pins[LP_LINK_MAX_PINS][32]; /* SPKI SHA-256 values */
    size_t npins;                       /* 0: no pin, use system trust */
    char auth[LP_LINK_AUTH_MAX + 1];    /* secret; "" without auth */
    int has_auth;
};

/*
 * lp_link_parse parses the NUL-terminated link s into *l. On success
 * returns 0. On failure returns LP_ERR_INVAL (malformed) and writes a
 * message naming the problem into err (errlen may be 0); *l is then
 * zeroed. The message never quotes the query part or the auth token.
 * The caller should lp_link_clear *l when done with the auth token.
 */
int lp_link_parse(struct lp_link *l, const char *s, char *err, size_t errlen);

/*
 * lp_link_clear wipes *l, the auth token included (a store the compiler
 * cannot drop). Accepts NULL.
 */
void lp_link_clear(struct lp_link *l);

/*
 * lp_link_relay writes the relay address of l as lp_endpoint_parse accepts
 * it: "host:port", or "[v6]:port" for an IPv6 literal. Truncated (always
 * NUL-terminated) if outlen is too small; LP_LINK_RELAY_MAX always fits.
 */
void lp_link_relay(const struct lp_link *l, char *out, size_t outlen);

/*
 * lp_link_format writes a link. host is a DNS name or an IP literal (IPv6
 * with or without brackets); port 443 is omitted; pins (npins of them, at
 * most LP_LINK_MAX_PINS; pins may be NULL when npins is 0) become one
 * comma-separated pin parameter; auth may be NULL. Query values are
 * percent-encoded where RFC 3986 requires it (valid values never need it).
 * Returns 0, LP_ERR_INVAL if an argument breaks the rules above, or
 * LP_ERR_RANGE if out (outlen bytes) is too small (out is then "").
 */
int lp_link_format(char *out, size_t outlen, const char *host, uint16_t port,
                   const char *room, const uint8_t (*pins)[32], size_t npins,
                   const char *auth);

/*
 * lp_link_redacted writes l as a link for logs and messages: the auth
 * value is replaced by "..." ("auth=..."). Truncated if outlen is too
 * small (always NUL-terminated when outlen > 0).
 */
void lp_link_redacted(const struct lp_link *l, char *out, size_t outlen);

/*
 * lp_link_auth_valid returns 1 if s is a well-formed credential (spec
 * section 3: 22..128 characters of A-Z a-z 0-9 _ -), else 0. Runs in time
 * that depends only on the length of s.
 */
int lp_link_auth_valid(const char *s);

#endif /* LP_LINK_H */
