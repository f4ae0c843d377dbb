/*
 * lp_link: invite links (spec section 9); see lp_link.h for the rules.
 *
 * The parser splits the link at the first '/' after the authority and at
 * the first '?', checks the authority with lp_endpoint_parse, then walks
 * the '&'-separated query. Decoded values live in stack buffers that are
 * wiped before returning, because one of them may be the auth token.
 */
#include "lp_link.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lp_b64.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_eth.h"

static int link_fail(char *err, size_t errlen, const char *fmt, ...)
    LP_PRINTF_LIKE(3, 4);

/* link_fail formats "invite link: <reason>" into err; returns LP_ERR_INVAL. */
static int link_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)lp_err_vfail(err, errlen, "invite link: ", fmt, ap);
    va_end(ap);
    return LP_ERR_INVAL;
}

/* link_wipe zeroes n bytes through a volatile pointer, so the store of a
 * secret that is about to go out of scope is not optimised away. */
static void link_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n-- > 0)
        *v++ = 0;
}

void lp_link_clear(struct lp_link *l)
{
    if (l != NULL)
        link_wipe(l, sizeof(*l));
}

int lp_link_auth_valid(const char *s)
{
    size_t n;
    int bad = 0;

    if (s == NULL)
        return 0;
    n = strlen(s);
    /* No early exit on the first bad character: the time depends only on
     * the length, not on where a secret is malformed. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bad |= !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    return !bad && n >= LP_LINK_AUTH_MIN && n <= LP_LINK_AUTH_MAX;
}

/*
 * link_pct_decode decodes in[0..n) (RFC 3986 section 2.1, once) into out
 * (outcap bytes, NUL-terminated). Returns the decoded length, or
 * LP_ERR_INVAL for a bad escape, a decoded NUL or an overflow.
 */
static long link_pct_decode(char *out, size_t outcap, const char *in, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return LP_ERR_INVAL;
            hi = lp_hex_digit(in[i + 1]);
            lo = lp_hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return LP_ERR_INVAL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (o + 1 >= outcap)
            return LP_ERR_INVAL;
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

/* link_pins parses a decoded pin value: "sha256:B64[,sha256:B64...]". */
static int link_pins(struct lp_link *l, const char *v, char *err, size_t errlen)
{
    static const size_t plen = sizeof(LP_LINK_PIN_TEXT) - 1;
    const char *p = v;

    if (*v == '\0')
        return link_fail(err, errlen, "empty pin");
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p), got = 0;

        if (l->npins == LP_LINK_MAX_PINS)
            return link_fail(err, errlen, "more than %d pins",
                             LP_LINK_MAX_PINS);
        if (n < plen || memcmp(p, LP_LINK_PIN_TEXT, plen) != 0)
            return link_fail(err, errlen,
                             "pin %zu does not start with \"sha256:\"",
                             l->npins + 1);
        if (n - plen != LP_LINK_PIN_B64 ||
            lp_b64url_decode(l->pins[l->npins], 32, &got, p + plen, n - plen) !=
                0 ||
            got != 32)
            return link_fail(err, errlen,
                             "pin %zu is not a SHA-256 in base64url "
                             "(43 characters, no padding)",
                             l->npins + 1);
        l->npins++;
        if (end == NULL)
            return 0;
        p = end + 1;
    }
}

/* link_query walks the query q[0..n); see the rules in lp_link.h. */
static int link_query(struct lp_link *l, const char *q, size_t n, char *err,
                      size_t errlen)
{
    char name[16], val[LP_LINK_MAX_LEN + 1];
    size_t i = 0;
    int seen_pin = 0, rv = 0;

    while (i < n && rv == 0) {
        const char *p = q + i, *amp = memchr(p, '&', n - i), *eq;
        size_t plen = amp != NULL ? (size_t)(amp - p) : n - i;
        size_t nlen;
        long vlen;

        i += plen + 1;
        if (plen == 0)
            continue; /* "a=1&&b=2" */
        eq = memchr(p, '=', plen);
        nlen = eq != NULL ? (size_t)(eq - p) : plen;
        /* Unknown parameters are ignored, whatever their encoding; pin and
         * auth need at most 9 bytes encoded ("%61%75%74%68" is 12). */
        if (nlen >= 3 * (sizeof(name) - 1) ||
            link_pct_decode(name, sizeof(name), p, nlen) < 0 ||
            (strcmp(name, "pin") != 0 && strcmp(name, "auth") != 0))
            continue;
        if (eq == NULL) {
            rv = link_fail(err, errlen, "%s has no value", name);
            break;
        }
        vlen = link_pct_decode(val, sizeof(val), eq + 1, plen - nlen - 1);
        if (vlen < 0) {
            rv = link_fail(err, errlen, "bad percent-encoding in the %s value",
                           name);
        } else if (strcmp(name, "pin") == 0) {
            if (seen_pin)
                rv = link_fail(err, errlen,
                               "pin given more than once (use "
                               "one pin with commas)");
            else
                rv = link_pins(l, val, err, errlen);
            seen_pin = 1;
        } else if (l->has_auth) {
            rv = link_fail(err, errlen, "auth given more than once");
        } else if (!lp_link_auth_valid(val)) {
            /* Never quote it: it is (meant to be) a secret. */
            rv = link_fail(err, errlen,
                           "auth must be %d to %d characters of A-Z a-z 0-9 "
                           "_ - (got %ld characters)",
                           LP_LINK_AUTH_MIN, LP_LINK_AUTH_MAX, vlen);
        } else {
            memcpy(l->auth, val, (size_t)vlen + 1);
            l->has_auth = 1;
        }
    }
    link_wipe(val, sizeof(val));
    return rv;
}

/* link_authority checks "host[:port]" (no brackets-less IPv6). */
static int link_authority(struct lp_link *l, const char *a, size_t n, char *err,
                          size_t errlen)
{
    char buf[LP_LINK_RELAY_MAX + 8], eperr[160];
    struct lp_endpoint ep;
    const char *c;

    if (n == 0)
        return link_fail(err, errlen, "no relay host after \"lanparty://\"");
    if (memchr(a, '@', n) != NULL)
        return link_fail(err, errlen, "a user part (\"...@\") is not allowed");
    if (n >= sizeof(buf))
        return link_fail(err, errlen, "relay host is too long");
    memcpy(buf, a, n);
    buf[n] = '\0';
    /* lp_endpoint_parse reads an unbracketed "a:b:c" as a bare IPv6
     * address; in a link the last ':' would be a port: demand brackets. */
    c = strchr(buf, ':');
    if (buf[0] != '[' && c != NULL && strchr(c + 1, ':') != NULL)
        return link_fail(err, errlen,
                         "an IPv6 relay address must be in brackets: `%s'",
                         buf);
    if (lp_endpoint_parse(&ep, buf, eperr, sizeof(eperr)) != 0)
        return link_fail(err, errlen, "bad relay address: %s", eperr);
    memcpy(l->host, ep.host, sizeof(l->host));
    l->port = ep.port;
    return 0;
}

/* link_scheme_ok: s starts with "lanparty://", the scheme in any case
 * (RFC 3986 section 3.1). */
static int link_scheme_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != LP_LINK_SCHEME[i])
            return 0;
    }
    return 1;
}

int lp_link_parse(struct lp_link *l, const char *s, char *err, size_t errlen)
{
    static const size_t schemelen = sizeof(LP_LINK_SCHEME) - 1;
    struct lp_link k;
    const char *a, *slash, *q, *end;
    size_t n;
    char room[LP_ROOM_MAX * 3 + 1];
    long rlen;
    int rv;

    memset(&k, 0, sizeof(k));
    memset(l, 0, sizeof(*l));
    if (s == NULL)
        return link_fail(err, errlen, "empty link");
    /* A pasted line: ignore surrounding whitespace. */
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    for (n = 0; n <= LP_LINK_MAX_LEN && s[n] != '\0'; n++)
        ;
    if (n > LP_LINK_MAX_LEN)
        return link_fail(err, errlen, "longer than %d characters",
                         LP_LINK_MAX_LEN);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                     s[n - 1] == '\n'))
        n--;
    if (n == 0)
        return link_fail(err, errlen, "empty link");
    end = s + n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            return link_fail(err, errlen,
                             "space, control or non-ASCII character at "
                             "offset %zu",
                             i);
        if (c == '#')
            return link_fail(err, errlen, "'#' is not allowed");
    }
    if (n < schemelen || !link_scheme_ok(s, schemelen))
        return link_fail(err, errlen,
                         "does not start with \"lanparty://\" (want "
                         "lanparty://HOST[:PORT]/ROOM?pin=...&auth=...)");
    a = s + schemelen;
    slash = memchr(a, '/', (size_t)(end - a));
    q = memchr(a, '?', (size_t)(end - a));
    if (q != NULL && (slash == NULL || q < slash))
        return link_fail(err, errlen, "no room (want lanparty://HOST/ROOM)");
    if (slash == NULL)
        return link_fail(err, errlen, "no room (want lanparty://HOST/ROOM)");
    if ((rv = link_authority(&k, a, (size_t)(slash - a), err, errlen)) != 0)
        return rv;
    if (q == NULL)
        q = end;
    rlen = (size_t)(q - slash - 1) < sizeof(room)
               ? link_pct_decode(room, sizeof(room), slash + 1,
                                 (size_t)(q - slash - 1))
               : -1;
    if (rlen == 0)
        return link_fail(err, errlen, "no room (want lanparty://HOST/ROOM)");
    if (rlen < 0 || (size_t)rlen > LP_ROOM_MAX || !lp_room_valid(room)) {
        char quoted[LP_ROOM_MAX * 3 + 4];
        size_t qn = (size_t)(q - slash - 1);
        if (qn > LP_ROOM_MAX * 3)
            qn = LP_ROOM_MAX * 3;
        memcpy(quoted, slash + 1, qn);
        quoted[qn] = '\0';
        return link_fail(err, errlen,
                         "room must be 1 to 32 characters of A-Z a-z 0-9 _ "
                         "- (one path segment): `%s'%s",
                         quoted, qn < (size_t)(q - slash - 1) ? "..." : "");
    }
    memcpy(k.room, room, (size_t)rlen + 1);
    if (q < end &&
        (rv = link_query(&k, q + 1, (size_t)(end - q - 1), err, errlen)) != 0) {
        link_wipe(&k, sizeof(k));
        return rv;
    }
    *l = k;
    link_wipe(&k, sizeof(k));
    return 0;
}

/* link_host writes host, bracketed if it is an IPv6 literal. */
static int link_host(char *out, size_t outlen, const char *host)
{
    int n;

    if (host[0] != '[' && strchr(host, ':') != NULL)
        n = snprintf(out, outlen, "[%s]", host);
    else
        n = snprintf(out, outlen, "%s", host);
    return n < 0 || (size_t)n >= outlen ? LP_ERR_RANGE : 0;
}

void lp_link_relay(const struct lp_link *l, char *out, size_t outlen)
{
    if (out == NULL || outlen == 0)
        return;
    snprintf(out, outlen, "%s%s%s:%u", strchr(l->host, ':') ? "[" : "", l->host,
             strchr(l->host, ':') ? "]" : "", (unsigned)l->port);
}

/*
 * link_put_enc appends s, percent-encoding every byte outside RFC 3986's
 * unreserved set and the ':' ',' that a query value may carry as is.
 */
static int link_put_enc(char *out, size_t outlen, size_t *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == '~' || c == ':' || c == ',';
        if (*o + (plain ? 1 : 3) >= outlen) {
            out[*o] = '\0';
            return LP_ERR_RANGE;
        }
        if (plain) {
            out[(*o)++] = (char)c;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[c >> 4];
            out[(*o)++] = hex[c & 15];
        }
    }
    out[*o] = '\0';
    return 0;
}

/* link_put appends s as is. */
static int link_put(char *out, size_t outlen, size_t *o, const char *s)
{
    size_t n = strlen(s);

    if (*o + n >= outlen)
        return LP_ERR_RANGE;
    memcpy(out + *o, s, n + 1);
    *o += n;
    return 0;
}

/* link_write is lp_link_format without argument checks; auth_text is the
 * literal to print for auth (already checked or "..."), or NULL. */
static int link_write(char *out, size_t outlen, const char *host, uint16_t port,
                      const char *room, const uint8_t (*pins)[32], size_t npins,
                      const char *auth, int auth_raw)
{
    char h[LP_LINK_RELAY_MAX], b64[LP_LINK_PIN_B64 + 1], num[8];
    size_t o = 0;

    if (outlen == 0)
        return LP_ERR_RANGE;
    out[0] = '\0';
    if (link_host(h, sizeof(h), host) != 0 ||
        link_put(out, outlen, &o, LP_LINK_SCHEME) != 0 ||
        link_put(out, outlen, &o, h) != 0)
        return LP_ERR_RANGE;
    if (port != LP_DEFAULT_PORT) {
        snprintf(num, sizeof(num), ":%u", (unsigned)port);
        if (link_put(out, outlen, &o, num) != 0)
            return LP_ERR_RANGE;
    }
    if (link_put(out, outlen, &o, "/") != 0 ||
        link_put_enc(out, outlen, &o, room) != 0)
        return LP_ERR_RANGE;
    for (size_t i = 0; i < npins; i++) {
        lp_b64url_encode(b64, sizeof(b64), pins[i], 32);
        if (link_put(out, outlen, &o, i == 0 ? "?pin=" : ",") != 0 ||
            link_put(out, outlen, &o, LP_LINK_PIN_TEXT) != 0 ||
            link_put_enc(out, outlen, &o, b64) != 0)
            return LP_ERR_RANGE;
    }
    if (auth != NULL &&
        (link_put(out, outlen, &o, npins > 0 ? "&auth=" : "?auth=") != 0 ||
         (auth_raw ? link_put(out, outlen, &o, auth)
                   : link_put_enc(out, outlen, &o, auth)) != 0))
        return LP_ERR_RANGE;
    return 0;
}

int lp_link_format(char *out, size_t outlen, const char *host, uint16_t port,
                   const char *room, const uint8_t (*pins)[32], size_t npins,
                   const char *auth)
{
    char h[LP_LINK_RELAY_MAX], a[LP_LINK_RELAY_MAX + 8];
    struct lp_endpoint ep;

    if (out != NULL && outlen > 0)
        out[0] = '\0';
    if (out == NULL || host == NULL || room == NULL || port == 0 ||
        npins > LP_LINK_MAX_PINS || (npins > 0 && pins == NULL) ||
        !lp_room_valid(room) || (auth != NULL && !lp_link_auth_valid(auth)))
        return LP_ERR_INVAL;
    /* The host must read back as it was given. */
    if (link_host(h, sizeof(h), host) != 0 ||
        snprintf(a, sizeof(a), "%s:%u", h, (unsigned)port) >= (int)sizeof(a) ||
        lp_endpoint_parse(&ep, a, NULL, 0) != 0)
        return LP_ERR_INVAL;
    if (link_write(out, outlen, ep.host, port, room, pins, npins, auth, 0) !=
        0) {
        link_wipe(out, outlen);
        return LP_ERR_RANGE;
    }
    return 0;
}

void lp_link_redacted(const struct lp_link *l, char *out, size_t outlen)
{
    if (out == NULL || outlen == 0)
        return;
    /* Too small a buffer leaves a cut link: it holds no secret. */
    (void)link_write(out, outlen, l->host, l->port, l->room,
                     (const uint8_t(*)[32])l->pins, l->npins,
                     l->has_auth ? "..." : NULL, 1);
}
