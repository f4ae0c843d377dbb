/*
 * lp_ctrl.c: control message codec and stream decoder.
 *
 * Decoding runs in three stages: framing (length prefix, in the stream
 * decoder), byte-level checks (UTF-8 validity and no NUL, done here
 * because the checks must not depend on the JSON library version), then
 * jansson parsing and per-type member rules.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lp_ctrl.h"
#include "lp_b64.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_link.h"
#include "lp_roomlist.h"

#define CTRL_QUOTE_MAX 40

static const char *const msg_type_names[] = {
    [LP_MSG_UNKNOWN] = "unknown",
    [LP_MSG_HELLO] = "hello",
    [LP_MSG_WELCOME] = "welcome",
    [LP_MSG_REJECT] = "reject",
    [LP_MSG_PEER_JOINED] = "peer_joined",
    [LP_MSG_PEER_LEFT] = "peer_left",
    [LP_MSG_STATS] = "stats",
    [LP_MSG_DISCONNECT] = "disconnect",
};

static const char *const reject_names[] = {
    [LP_REJECT_UNSUPPORTED_VERSION] = "unsupported_version",
    [LP_REJECT_BAD_HELLO] = "bad_hello",
    [LP_REJECT_INVALID_ROOM] = "invalid_room",
    [LP_REJECT_INVALID_MAC] = "invalid_mac",
    [LP_REJECT_GATEWAY_EXISTS] = "gateway_exists",
    [LP_REJECT_DUPLICATE_MAC] = "duplicate_mac",
    [LP_REJECT_ROOM_FULL] = "room_full",
    [LP_REJECT_RELAY_FULL] = "relay_full",
    [LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL] = "datagram_budget_too_small",
    [LP_REJECT_UNAUTHORIZED] = "unauthorized",
};

static const char *const ctrl_error_names[] = {
    [LP_CTRL_OK] = "ok",
    [LP_CTRL_LEN_ZERO] = "len_zero",
    [LP_CTRL_LEN_TOO_BIG] = "len_too_big",
    [LP_CTRL_BAD_UTF8] = "bad_utf8",
    [LP_CTRL_BAD_JSON] = "bad_json",
    [LP_CTRL_NOT_OBJECT] = "not_object",
    [LP_CTRL_MISSING] = "missing",
    [LP_CTRL_WRONG_TYPE] = "wrong_type",
    [LP_CTRL_OUT_OF_RANGE] = "out_of_range",
    [LP_CTRL_BAD_ROOM] = "bad_room",
    [LP_CTRL_BAD_MAC] = "bad_mac",
    [LP_CTRL_BAD_VERSION] = "bad_version",
    [LP_CTRL_NOMEM] = "nomem",
};

#define CTRL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *lp_msg_type_name(enum lp_msg_type t)
{
    if ((unsigned)t >= CTRL_NELEM(msg_type_names))
        return "unknown";
    return msg_type_names[t];
}

const char *lp_role_name(enum lp_role r)
{
    switch (r) {
    case LP_ROLE_CLIENT:
        return "client";
    case LP_ROLE_GATEWAY:
        return "gateway";
    }
    return "unknown";
}

static int ctrl_role_from_name(const char *s, enum lp_role *out)
{
    if (strcmp(s, "client") == 0)
        *out = LP_ROLE_CLIENT;
    else if (strcmp(s, "gateway") == 0)
        *out = LP_ROLE_GATEWAY;
    else
        return LP_ERR_INVAL;
    return 0;
}

const char *lp_reject_name(enum lp_reject r)
{
    if ((unsigned)r >= CTRL_NELEM(reject_names) || reject_names[r] == NULL)
        return "unknown";
    return reject_names[r];
}

int lp_reject_from_name(const char *s, enum lp_reject *out)
{
    if (s == NULL)
        return LP_ERR_INVAL;
    for (unsigned i = 0; i < CTRL_NELEM(reject_names); i++) {
        if (reject_names[i] != NULL && strcmp(reject_names[i], s) == 0) {
            *out = (enum lp_reject)i;
            return 0;
        }
    }
    return LP_ERR_INVAL;
}

const char *lp_ctrl_error_name(enum lp_ctrl_error e)
{
    if ((unsigned)e >= CTRL_NELEM(ctrl_error_names))
        return "unknown";
    return ctrl_error_names[e];
}

void lp_ctrl_peer_reason(char out[static 33], const char *in)
{
    static const char *const own[] = {"disconnect", "timeout",
                                      "malformed",  "replaced",
                                      "revoked",    "relay_shutdown"};
    size_t n = 0;

    for (; in != NULL && in[n] != '\0' && n < 32; n++) {
        char c = in[n];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[n] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-')
                     ? c
                     : '_';
    }
    out[n] = '\0';
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (strcmp(out, own[i]) == 0)
            n = 0;
    if (n == 0)
        snprintf(out, 33, "disconnect");
}

enum lp_reject lp_ctrl_error_reject(enum lp_ctrl_error e)
{
    switch (e) {
    case LP_CTRL_BAD_VERSION:
        return LP_REJECT_UNSUPPORTED_VERSION;
    case LP_CTRL_BAD_ROOM:
        return LP_REJECT_INVALID_ROOM;
    case LP_CTRL_BAD_MAC:
        return LP_REJECT_INVALID_MAC;
    default:
        return LP_REJECT_BAD_HELLO;
    }
}

int lp_room_valid(const char *room)
{
    size_t i;

    if (room == NULL)
        return 0;
    for (i = 0; room[i] != '\0'; i++) {
        char c = room[i];
        if (i >= LP_ROOM_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return i > 0;
}

/*
 * ctrl_utf8_valid checks RFC 3629 UTF-8 (Unicode table 3-7): no overlong
 * forms, no surrogates, nothing above U+10FFFF, no truncated sequences.
 * A NUL byte is rejected too: JSON never needs one outside strings, and
 * inside strings it must be escaped.
 */
static int ctrl_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf;

        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return 0;
        }
        i += n + 1;
    }
    return 1;
}

/* ctrl_codepoints counts the code points of valid UTF-8. */
static size_t ctrl_codepoints(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/* ctrl_copy_utf8 copies valid UTF-8 into dst (size > 0), cutting on a
 * code point boundary, and NUL-terminates. */
static void ctrl_copy_utf8(char *dst, size_t size, const char *src, size_t len)
{
    if (len > size - 1) {
        len = size - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* ctrl_quote writes "s" for a message: at most 40 bytes of s, printable
 * ASCII as is, others as \xNN, "..." after the quote when cut. */
static void ctrl_quote(char *out, size_t outlen, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    size_t n = len < CTRL_QUOTE_MAX ? len : CTRL_QUOTE_MAX;

    if (outlen < 3) {
        if (outlen > 0)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need + 2 > outlen)
            break;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        }
    }
    out[o++] = '"';
    if (len > n && o + 4 <= outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* ctrl_describe renders a JSON value for an error message. */
static void ctrl_describe(char *out, size_t outlen, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        ctrl_quote(out, outlen, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(out, outlen, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(out, outlen, "true");
        break;
    case JSON_FALSE:
        snprintf(out, outlen, "false");
        break;
    case JSON_NULL:
        snprintf(out, outlen, "null");
        break;
    case JSON_OBJECT:
        snprintf(out, outlen, "an object");
        break;
    case JSON_ARRAY:
        snprintf(out, outlen, "an array");
        break;
    }
}

static int ctrl_fail(struct lp_ctrl_err *err, enum lp_ctrl_error code,
                     const char *fmt, ...) LP_PRINTF_LIKE(3, 4);

/* ctrl_fail fills *err and returns -1. */
static int ctrl_fail(struct lp_ctrl_err *err, enum lp_ctrl_error code,
                     const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    /* Messages may reach the peer in a reject: keep them printable ASCII
     * (jansson's error text can quote raw input). */
    for (char *p = err->message; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    }
    return LP_ERR_PROTO;
}

static int ctrl_wrong_type(struct lp_ctrl_err *err, const char *key,
                           const char *want, const json_t *v)
{
    char desc[64];

    ctrl_describe(desc, sizeof(desc), v);
    return ctrl_fail(err, LP_CTRL_WRONG_TYPE, "member \"%s\" must be %s: %s",
                     key, want, desc);
}

static const json_t *ctrl_member(const json_t *obj, const char *key,
                                 struct lp_ctrl_err *err)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        ctrl_fail(err, LP_CTRL_MISSING, "member \"%s\" is missing", key);
    return v;
}

/* ctrl_int reads an integer member in [min, max]. */
static int ctrl_int(const json_t *obj, const char *key, long long min,
                    long long max, long long *out, struct lp_ctrl_err *err)
{
    const json_t *v = ctrl_member(obj, key, err);
    long long x;

    if (v == NULL)
        return LP_ERR_PROTO;
    if (!json_is_integer(v))
        return ctrl_wrong_type(err, key, "an integer", v);
    x = (long long)json_integer_value(v);
    if (x < min || x > max)
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "member \"%s\" out of range %lld..%lld: %lld", key,
                         min, max, x);
    *out = x;
    return 0;
}

static int ctrl_u16(const json_t *obj, const char *key, long long min,
                    uint16_t *out, struct lp_ctrl_err *err)
{
    long long x;

    if (ctrl_int(obj, key, min, 65535, &x, err) < 0)
        return LP_ERR_PROTO;
    *out = (uint16_t)x;
    return 0;
}

static int ctrl_u64(const json_t *obj, const char *key, uint64_t *out,
                    struct lp_ctrl_err *err)
{
    long long x;

    if (ctrl_int(obj, key, 0, LLONG_MAX, &x, err) < 0)
        return LP_ERR_PROTO;
    *out = (uint64_t)x;
    return 0;
}

/* ctrl_str reads a string member; *len receives its byte length. */
static int ctrl_str(const json_t *obj, const char *key, const char **out,
                    size_t *len, struct lp_ctrl_err *err)
{
    const json_t *v = ctrl_member(obj, key, err);

    if (v == NULL)
        return LP_ERR_PROTO;
    if (!json_is_string(v))
        return ctrl_wrong_type(err, key, "a string", v);
    *out = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

/* ctrl_text reads a string of at most maxcp code points into dst. */
static int ctrl_text(const json_t *obj, const char *key, size_t maxcp,
                     char *dst, size_t dstsize, struct lp_ctrl_err *err)
{
    const char *s;
    size_t len;
    char q[64];

    if (ctrl_str(obj, key, &s, &len, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_codepoints(s, len) > maxcp) {
        ctrl_quote(q, sizeof(q), s, len);
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "member \"%s\" longer than %zu characters: %s", key,
                         maxcp, q);
    }
    ctrl_copy_utf8(dst, dstsize, s, len);
    return 0;
}

static int ctrl_role(const json_t *obj, enum lp_role *out,
                     struct lp_ctrl_err *err)
{
    const char *s;
    size_t len;
    char q[64];

    if (ctrl_str(obj, "role", &s, &len, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_role_from_name(s, out) < 0) {
        ctrl_quote(q, sizeof(q), s, len);
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "member \"role\" must be \"client\" or "
                         "\"gateway\": %s",
                         q);
    }
    return 0;
}

/* ctrl_mac reads "mac" and applies the MAC rule of role (spec section 3). */
static int ctrl_mac(const json_t *obj, enum lp_role role, uint8_t mac[6],
                    struct lp_ctrl_err *err)
{
    const char *s;
    size_t len;
    char q[64];

    if (ctrl_str(obj, "mac", &s, &len, err) < 0)
        return LP_ERR_PROTO;
    ctrl_quote(q, sizeof(q), s, len);
    if (len != 17 || lp_mac_parse(mac, s) < 0)
        return ctrl_fail(err, LP_CTRL_BAD_MAC,
                         "member \"mac\" is not a MAC address: %s", q);
    if (role == LP_ROLE_CLIENT && !lp_mac_valid_client(mac))
        return ctrl_fail(err, LP_CTRL_BAD_MAC,
                         "client MAC must be locally administered unicast "
                         "and non-zero: %s",
                         q);
    if (role == LP_ROLE_GATEWAY && !lp_mac_valid_gateway(mac))
        return ctrl_fail(err, LP_CTRL_BAD_MAC,
                         "gateway MAC must be unicast and non-zero: %s", q);
    return 0;
}

/* `features`: optional; at most 16 strings of at most 32 characters;
 * unknown names are ignored. */
static int ctrl_features(const json_t *o, unsigned *out,
                         struct lp_ctrl_err *err)
{
    const json_t *a = json_object_get(o, "features"), *v;
    size_t i;

    *out = 0;
    if (a == NULL)
        return 0;
    if (!json_is_array(a))
        return ctrl_wrong_type(err, "features", "an array", a);
    if (json_array_size(a) > LP_FEATURES_MAX)
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "member \"features\" has more than %d entries",
                         LP_FEATURES_MAX);
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) > LP_FEATURE_STR_MAX ||
            json_string_length(v) == 0)
            return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                             "member \"features\" must hold strings of 1 "
                             "to 32 characters");
        if (strcmp(json_string_value(v), "frag") == 0)
            *out |= LP_FEAT_FRAG;
    }
    return 0;
}

static int ctrl_decode_hello(const json_t *o, struct lp_msg_hello *h,
                             struct lp_ctrl_err *err)
{
    const json_t *v;
    const char *room;
    size_t len;
    char q[64];

    /* Version first: a future version may change every other rule. */
    v = ctrl_member(o, "version", err);
    if (v == NULL)
        return LP_ERR_PROTO;
    if (!json_is_integer(v))
        return ctrl_wrong_type(err, "version", "an integer", v);
    if (json_integer_value(v) != LP_CTRL_PROTO_VERSION)
        return ctrl_fail(err, LP_CTRL_BAD_VERSION,
                         "unsupported version %lld (this relay speaks %d)",
                         (long long)json_integer_value(v),
                         LP_CTRL_PROTO_VERSION);
    h->version = LP_CTRL_PROTO_VERSION;
    if (ctrl_role(o, &h->role, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_str(o, "room", &room, &len, err) < 0)
        return LP_ERR_PROTO;
    if (len > LP_ROOM_MAX || !lp_room_valid(room)) {
        ctrl_quote(q, sizeof(q), room, len);
        return ctrl_fail(err, LP_CTRL_BAD_ROOM,
                         "room must be 1 to 32 characters of A-Z a-z 0-9 _ "
                         "-: %s",
                         q);
    }
    memcpy(h->room, room, len + 1);
    if (ctrl_mac(o, h->role, h->mac, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_u16(o, "datagram_budget", 0, &h->datagram_budget, err) < 0)
        return LP_ERR_PROTO;
    if (json_object_get(o, "software") != NULL) {
        if (ctrl_text(o, "software", LP_SOFTWARE_MAX, h->software,
                      sizeof(h->software), err) < 0)
            return LP_ERR_PROTO;
        h->has_software = 1;
    }
    /* Revision 2. The secrets are never quoted in an error. */
    if (json_object_get(o, "auth") != NULL) {
        const char *a;
        if (ctrl_str(o, "auth", &a, &len, err) < 0)
            return LP_ERR_PROTO;
        if (len > LP_AUTH_MAX || !lp_link_auth_valid(a))
            return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                             "member \"auth\" must be 22 to 128 characters "
                             "of A-Z a-z 0-9 _ -");
        memcpy(h->auth, a, len + 1);
        h->has_auth = 1;
    }
    if (json_object_get(o, "resume") != NULL) {
        const char *r;
        size_t n = 0;
        if (ctrl_str(o, "resume", &r, &len, err) < 0)
            return LP_ERR_PROTO;
        if (len != LP_RESUME_B64_LEN ||
            lp_b64url_decode(h->resume, sizeof(h->resume), &n, r, len) != 0 ||
            n != LP_RESUME_LEN)
            return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                             "member \"resume\" must be 43 characters of "
                             "canonical base64url (32 bytes)");
        h->has_resume = 1;
    }
    return ctrl_features(o, &h->features, err);
}

static int ctrl_decode_welcome(const json_t *o, struct lp_msg_welcome *w,
                               struct lp_ctrl_err *err)
{
    const json_t *v;
    const char *mode;
    size_t len;
    char q[64];

    if (ctrl_u16(o, "peer_id", 1, &w->peer_id, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_str(o, "mode", &mode, &len, err) < 0)
        return LP_ERR_PROTO;
    if (strcmp(mode, "ethernet") != 0) {
        ctrl_quote(q, sizeof(q), mode, len);
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "member \"mode\" must be \"ethernet\": %s", q);
    }
    if (ctrl_u16(o, "effective_mtu", 0, &w->effective_mtu, err) < 0)
        return LP_ERR_PROTO;
    v = ctrl_member(o, "gateway_present", err);
    if (v == NULL)
        return LP_ERR_PROTO;
    if (!json_is_boolean(v))
        return ctrl_wrong_type(err, "gateway_present", "a boolean", v);
    w->gateway_present = json_is_true(v);
    v = ctrl_member(o, "gateway_peer_id", err);
    if (v == NULL)
        return LP_ERR_PROTO;
    if (json_is_null(v))
        w->gateway_peer_id = 0;
    else if (ctrl_u16(o, "gateway_peer_id", 1, &w->gateway_peer_id, err) < 0)
        return LP_ERR_PROTO;
    if (w->gateway_present != (w->gateway_peer_id != 0))
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                         "gateway_present and gateway_peer_id disagree");
    return ctrl_features(o, &w->features, err);
}

static int ctrl_decode_reject(const json_t *o, struct lp_msg_reject *r,
                              struct lp_ctrl_err *err)
{
    const char *s;
    size_t len;
    char q[64];

    if (ctrl_str(o, "reason", &s, &len, err) < 0)
        return LP_ERR_PROTO;
    if (lp_reject_from_name(s, &r->reason) < 0) {
        ctrl_quote(q, sizeof(q), s, len);
        return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE, "unknown reject reason: %s",
                         q);
    }
    if (ctrl_str(o, "message", &s, &len, err) < 0)
        return LP_ERR_PROTO;
    ctrl_copy_utf8(r->message, sizeof(r->message), s, len);
    return 0;
}

static int ctrl_decode_peer(const json_t *o, int left, struct lp_msg_peer *p,
                            struct lp_ctrl_err *err)
{
    if (ctrl_u16(o, "peer_id", 1, &p->peer_id, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_role(o, &p->role, err) < 0)
        return LP_ERR_PROTO;
    if (ctrl_mac(o, p->role, p->mac, err) < 0)
        return LP_ERR_PROTO;
    if (left && ctrl_text(o, "reason", LP_REASON_STR_MAX, p->reason,
                          sizeof(p->reason), err) < 0)
        return LP_ERR_PROTO;
    if (!left && json_object_get(o, "label") != NULL) {
        if (ctrl_text(o, "label", LP_CTRL_LABEL_MAX, p->label, sizeof(p->label),
                      err) < 0)
            return LP_ERR_PROTO;
        if (!lp_label_valid(p->label))
            return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                             "member \"label\" must be 1 to 32 printable "
                             "ASCII characters");
    }
    return 0;
}

static int ctrl_is_stats_core(const char *key)
{
    static const char *const core[] = {"type",         "frames_tx",
                                       "frames_rx",    "datagrams_tx",
                                       "datagrams_rx", "drops"};

    for (size_t i = 0; i < CTRL_NELEM(core); i++) {
        if (strcmp(key, core[i]) == 0)
            return 1;
    }
    return 0;
}

static int ctrl_decode_stats(const json_t *o, struct lp_msg_stats *s,
                             struct lp_ctrl_err *err)
{
    const json_t *drops, *v;
    const char *key;

    if (ctrl_u64(o, "frames_tx", &s->frames_tx, err) < 0 ||
        ctrl_u64(o, "frames_rx", &s->frames_rx, err) < 0 ||
        ctrl_u64(o, "datagrams_tx", &s->datagrams_tx, err) < 0 ||
        ctrl_u64(o, "datagrams_rx", &s->datagrams_rx, err) < 0)
        return LP_ERR_PROTO;
    drops = ctrl_member(o, "drops", err);
    if (drops == NULL)
        return LP_ERR_PROTO;
    if (!json_is_object(drops))
        return ctrl_wrong_type(err, "drops", "an object", drops);
    json_object_foreach((json_t *)drops, key, v)
    {
        uint64_t x;
        if (ctrl_u64(drops, key, &x, err) < 0)
            return LP_ERR_PROTO;
        if (strlen(key) >= sizeof(s->drops[0].name) ||
            s->ndrops == LP_STATS_MAX_ENTRIES)
            continue;
        memcpy(s->drops[s->ndrops].name, key, strlen(key) + 1);
        s->drops[s->ndrops++].value = x;
    }
    /* Further counters are informational: keep what fits, never fail. */
    json_object_foreach((json_t *)o, key, v)
    {
        if (ctrl_is_stats_core(key) || !json_is_integer(v) ||
            json_integer_value(v) < 0 ||
            strlen(key) >= sizeof(s->extra[0].name) ||
            s->nextra == LP_STATS_MAX_ENTRIES)
            continue;
        memcpy(s->extra[s->nextra].name, key, strlen(key) + 1);
        s->extra[s->nextra++].value = (uint64_t)json_integer_value(v);
    }
    return 0;
}

static int ctrl_decode_object(struct lp_msg *out, const json_t *o,
                              struct lp_ctrl_err *err)
{
    const char *type;
    size_t len;

    if (ctrl_str(o, "type", &type, &len, err) < 0)
        return LP_ERR_PROTO;
    ctrl_copy_utf8(out->type_name, sizeof(out->type_name), type, len);
    out->type = LP_MSG_UNKNOWN;
    for (unsigned i = 1; i < CTRL_NELEM(msg_type_names); i++) {
        if (strcmp(type, msg_type_names[i]) == 0)
            out->type = (enum lp_msg_type)i;
    }
    switch (out->type) {
    case LP_MSG_HELLO:
        return ctrl_decode_hello(o, &out->u.hello, err);
    case LP_MSG_WELCOME:
        return ctrl_decode_welcome(o, &out->u.welcome, err);
    case LP_MSG_REJECT:
        return ctrl_decode_reject(o, &out->u.reject, err);
    case LP_MSG_PEER_JOINED:
        return ctrl_decode_peer(o, 0, &out->u.peer, err);
    case LP_MSG_PEER_LEFT:
        return ctrl_decode_peer(o, 1, &out->u.peer, err);
    case LP_MSG_STATS:
        return ctrl_decode_stats(o, &out->u.stats, err);
    case LP_MSG_DISCONNECT:
        return ctrl_text(o, "reason", LP_REASON_STR_MAX,
                         out->u.disconnect.reason,
                         sizeof(out->u.disconnect.reason), err);
    case LP_MSG_UNKNOWN:
        break;
    }
    return 0;
}

int lp_ctrl_decode_body(struct lp_msg *out, const uint8_t *json, size_t len,
                        struct lp_ctrl_err *err)
{
    struct lp_ctrl_err scratch;
    json_error_t jerr;
    json_t *root;
    int rv;

    if (err == NULL)
        err = &scratch;
    err->code = LP_CTRL_OK;
    err->message[0] = '\0';
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return ctrl_fail(err, LP_CTRL_LEN_ZERO, "empty control frame");
    if (len > LP_CTRL_MAX_LEN)
        return ctrl_fail(err, LP_CTRL_LEN_TOO_BIG,
                         "control frame of %zu bytes exceeds %d", len,
                         LP_CTRL_MAX_LEN);
    if (!ctrl_utf8_valid(json, len))
        return ctrl_fail(err, LP_CTRL_BAD_UTF8,
                         "control frame is not valid UTF-8");
    root = json_loadb((const char *)json, len,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        enum json_error_code jc = json_error_code(&jerr);
        if (jc == json_error_out_of_memory)
            return ctrl_fail(err, LP_CTRL_NOMEM, "out of memory");
        if (jc == json_error_numeric_overflow)
            return ctrl_fail(err, LP_CTRL_OUT_OF_RANGE,
                             "number out of range at offset %d", jerr.position);
        return ctrl_fail(err, LP_CTRL_BAD_JSON,
                         "invalid JSON at offset %d: %.80s", jerr.position,
                         jerr.text);
    }
    if (!json_is_object(root)) {
        char desc[64];
        ctrl_describe(desc, sizeof(desc), root);
        json_decref(root);
        return ctrl_fail(err, LP_CTRL_NOT_OBJECT,
                         "control frame is not a JSON object: %s", desc);
    }
    rv = ctrl_decode_object(out, root, err);
    json_decref(root);
    return rv;
}

/* Encoder. */

/* ctrl_cstr checks that a fixed-size field holds NUL-terminated UTF-8. */
static int ctrl_cstr(const char *s, size_t size)
{
    const char *nul = memchr(s, '\0', size);

    return nul != NULL &&
           ctrl_utf8_valid((const uint8_t *)s, (size_t)(nul - s));
}

/* ctrl_set adds key: v to o, taking the reference; v may be NULL. */
static int ctrl_set(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) == 0 ? 0 : LP_ERR_NOMEM;
}

static json_t *ctrl_json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v);
}

static int ctrl_set_mac(json_t *o, const uint8_t mac[6])
{
    char s[LP_MAC_STRLEN];

    lp_mac_format(s, mac);
    return ctrl_set(o, "mac", json_string(s));
}

/* `features` as an array of names; omitted when empty unless always. */
static int ctrl_set_features(json_t *o, unsigned features, int always)
{
    json_t *a;

    if (features == 0 && !always)
        return 0;
    if ((a = json_array()) == NULL)
        return LP_ERR_NOMEM;
    if ((features & LP_FEAT_FRAG) &&
        json_array_append_new(a, json_string("frag")) != 0) {
        json_decref(a);
        return LP_ERR_NOMEM;
    }
    return ctrl_set(o, "features", a);
}

static int ctrl_encode_hello(json_t *o, const struct lp_msg_hello *h)
{
    int rv;

    if (h->role != LP_ROLE_CLIENT && h->role != LP_ROLE_GATEWAY)
        return LP_ERR_INVAL;
    if (!ctrl_cstr(h->room, sizeof(h->room)))
        return LP_ERR_INVAL;
    if (h->has_software && !ctrl_cstr(h->software, sizeof(h->software)))
        return LP_ERR_INVAL;
    if ((rv = ctrl_set(o, "version", json_integer(h->version))) < 0 ||
        (rv = ctrl_set(o, "role", json_string(lp_role_name(h->role)))) < 0 ||
        (rv = ctrl_set(o, "room", json_string(h->room))) < 0 ||
        (rv = ctrl_set_mac(o, h->mac)) < 0 ||
        (rv = ctrl_set(o, "datagram_budget",
                       json_integer(h->datagram_budget))) < 0)
        return rv;
    if (h->has_software &&
        (rv = ctrl_set(o, "software", json_string(h->software))) < 0)
        return rv;
    if (h->has_auth) {
        if (!lp_link_auth_valid(h->auth))
            return LP_ERR_INVAL;
        if ((rv = ctrl_set(o, "auth", json_string(h->auth))) < 0)
            return rv;
    }
    if (h->has_resume) {
        char b[LP_RESUME_B64_LEN + 1];
        lp_b64url_encode(b, sizeof(b), h->resume, sizeof(h->resume));
        if ((rv = ctrl_set(o, "resume", json_string(b))) < 0)
            return rv;
    }
    return ctrl_set_features(o, h->features, 0);
}

static int ctrl_encode_welcome(json_t *o, const struct lp_msg_welcome *w)
{
    int rv;

    if ((rv = ctrl_set(o, "peer_id", json_integer(w->peer_id))) < 0 ||
        (rv = ctrl_set(o, "mode", json_string("ethernet"))) < 0 ||
        (rv = ctrl_set(o, "effective_mtu", json_integer(w->effective_mtu))) <
            0 ||
        (rv = ctrl_set(o, "gateway_present",
                       json_boolean(w->gateway_present))) < 0)
        return rv;
    if ((rv =
             ctrl_set(o, "gateway_peer_id",
                      w->gateway_peer_id != 0 ? json_integer(w->gateway_peer_id)
                                              : json_null())) < 0)
        return rv;
    return ctrl_set_features(o, w->features, 1); /* rev 2: always present */
}

static int ctrl_encode_reject(json_t *o, const struct lp_msg_reject *r)
{
    int rv;

    if ((unsigned)r->reason >= CTRL_NELEM(reject_names) ||
        reject_names[r->reason] == NULL)
        return LP_ERR_INVAL;
    if (!ctrl_cstr(r->message, sizeof(r->message)))
        return LP_ERR_INVAL;
    if ((rv = ctrl_set(o, "reason", json_string(reject_names[r->reason]))) < 0)
        return rv;
    return ctrl_set(o, "message", json_string(r->message));
}

static int ctrl_encode_peer(json_t *o, int left, const struct lp_msg_peer *p)
{
    int rv;

    if (p->role != LP_ROLE_CLIENT && p->role != LP_ROLE_GATEWAY)
        return LP_ERR_INVAL;
    if (left && !ctrl_cstr(p->reason, sizeof(p->reason)))
        return LP_ERR_INVAL;
    if ((rv = ctrl_set(o, "peer_id", json_integer(p->peer_id))) < 0 ||
        (rv = ctrl_set(o, "role", json_string(lp_role_name(p->role)))) < 0 ||
        (rv = ctrl_set_mac(o, p->mac)) < 0)
        return rv;
    if (left)
        return ctrl_set(o, "reason", json_string(p->reason));
    if (p->label[0] != '\0') {
        if (!lp_label_valid(p->label))
            return LP_ERR_INVAL;
        return ctrl_set(o, "label", json_string(p->label));
    }
    return 0;
}

static int ctrl_encode_stats(json_t *o, const struct lp_msg_stats *s)
{
    json_t *drops;
    int rv;

    if (s->ndrops > LP_STATS_MAX_ENTRIES || s->nextra > LP_STATS_MAX_ENTRIES)
        return LP_ERR_INVAL;
    if ((rv = ctrl_set(o, "frames_tx", ctrl_json_u64(s->frames_tx))) < 0 ||
        (rv = ctrl_set(o, "frames_rx", ctrl_json_u64(s->frames_rx))) < 0 ||
        (rv = ctrl_set(o, "datagrams_tx", ctrl_json_u64(s->datagrams_tx))) <
            0 ||
        (rv = ctrl_set(o, "datagrams_rx", ctrl_json_u64(s->datagrams_rx))) < 0)
        return rv;
    drops = json_object();
    if ((rv = ctrl_set(o, "drops", drops)) < 0)
        return rv;
    for (size_t i = 0; i < s->ndrops; i++) {
        const struct lp_stat_entry *e = &s->drops[i];
        if (!ctrl_cstr(e->name, sizeof(e->name)))
            return LP_ERR_INVAL;
        if ((rv = ctrl_set(drops, e->name, ctrl_json_u64(e->value))) < 0)
            return rv;
    }
    for (size_t i = 0; i < s->nextra; i++) {
        const struct lp_stat_entry *e = &s->extra[i];
        if (!ctrl_cstr(e->name, sizeof(e->name)))
            return LP_ERR_INVAL;
        /* An extra counter never overrides a core member. */
        if (ctrl_is_stats_core(e->name))
            continue;
        if ((rv = ctrl_set(o, e->name, ctrl_json_u64(e->value))) < 0)
            return rv;
    }
    return 0;
}

static int ctrl_encode_object(json_t *o, const struct lp_msg *m)
{
    switch (m->type) {
    case LP_MSG_HELLO:
        return ctrl_encode_hello(o, &m->u.hello);
    case LP_MSG_WELCOME:
        return ctrl_encode_welcome(o, &m->u.welcome);
    case LP_MSG_REJECT:
        return ctrl_encode_reject(o, &m->u.reject);
    case LP_MSG_PEER_JOINED:
        return ctrl_encode_peer(o, 0, &m->u.peer);
    case LP_MSG_PEER_LEFT:
        return ctrl_encode_peer(o, 1, &m->u.peer);
    case LP_MSG_STATS:
        return ctrl_encode_stats(o, &m->u.stats);
    case LP_MSG_DISCONNECT:
        if (!ctrl_cstr(m->u.disconnect.reason, sizeof(m->u.disconnect.reason)))
            return LP_ERR_INVAL;
        return ctrl_set(o, "reason", json_string(m->u.disconnect.reason));
    case LP_MSG_UNKNOWN:
        break;
    }
    return LP_ERR_INVAL;
}

ssize_t lp_ctrl_encode(uint8_t *dest, size_t destlen, const struct lp_msg *m)
{
    json_t *o;
    size_t n;
    int rv;

    if (m == NULL || m->type == LP_MSG_UNKNOWN ||
        (unsigned)m->type >= CTRL_NELEM(msg_type_names))
        return LP_ERR_INVAL;
    o = json_object();
    if (o == NULL)
        return LP_ERR_NOMEM;
    rv = ctrl_set(o, "type", json_string(msg_type_names[m->type]));
    if (rv == 0)
        rv = ctrl_encode_object(o, m);
    if (rv < 0) {
        json_decref(o);
        return rv;
    }
    if (dest == NULL || destlen < LP_CTRL_HDR_LEN) {
        json_decref(o);
        return LP_ERR_RANGE;
    }
    n = json_dumpb(o, (char *)dest + LP_CTRL_HDR_LEN, destlen - LP_CTRL_HDR_LEN,
                   JSON_COMPACT);
    json_decref(o);
    if (n == 0)
        return LP_ERR_NOMEM;
    if (n > destlen - LP_CTRL_HDR_LEN || n > LP_CTRL_MAX_LEN)
        return LP_ERR_RANGE;
    dest[0] = (uint8_t)(n >> 24);
    dest[1] = (uint8_t)(n >> 16);
    dest[2] = (uint8_t)(n >> 8);
    dest[3] = (uint8_t)n;
    return (ssize_t)(n + LP_CTRL_HDR_LEN);
}

/* Stream decoder. */

void lp_ctrl_decoder_init(struct lp_ctrl_decoder *d)
{
    memset(d, 0, sizeof(*d));
}

int lp_ctrl_decoder_next(struct lp_ctrl_decoder *d, const uint8_t **data,
                         size_t *len, struct lp_msg *out,
                         struct lp_ctrl_err *err)
{
    size_t used = 0;
    int rv = lp_ctrl_decoder_feed(d, *data, *len, &used, out, err);

    if (rv >= 0) {
        if (used > *len)
            used = *len;
        *data += used;
        *len -= used;
    }
    return rv;
}

void lp_ctrl_decoder_limit(struct lp_ctrl_decoder *d, size_t max)
{
    d->max = max == 0 || max > LP_CTRL_MAX_LEN ? LP_CTRL_MAX_LEN : max;
}

void lp_ctrl_decoder_free(struct lp_ctrl_decoder *d)
{
    if (d == NULL)
        return;
    free(d->big);
    d->big = NULL;
}

static void decoder_reset_frame(struct lp_ctrl_decoder *d)
{
    free(d->big);
    d->big = NULL;
    d->hdrlen = 0;
    d->need = 0;
    d->have = 0;
}

/* decoder_fail makes the error sticky and reports it. */
static int decoder_fail(struct lp_ctrl_decoder *d, struct lp_ctrl_err *err)
{
    decoder_reset_frame(d);
    d->failed = 1;
    d->fail = *err;
    return LP_ERR_PROTO;
}

int lp_ctrl_decoder_feed(struct lp_ctrl_decoder *d, const uint8_t *data,
                         size_t len, size_t *consumed, struct lp_msg *out,
                         struct lp_ctrl_err *err)
{
    struct lp_ctrl_err scratch;
    size_t pos = 0;

    if (err == NULL)
        err = &scratch;
    *consumed = 0;
    if (d->failed) {
        *err = d->fail;
        return LP_ERR_PROTO;
    }
    while (pos < len) {
        if (d->hdrlen < LP_CTRL_HDR_LEN) {
            size_t take = LP_CTRL_HDR_LEN - d->hdrlen;
            if (take > len - pos)
                take = len - pos;
            memcpy(d->hdr + d->hdrlen, data + pos, take);
            d->hdrlen += take;
            pos += take;
            *consumed = pos;
            if (d->hdrlen < LP_CTRL_HDR_LEN)
                break;
            d->need = (size_t)d->hdr[0] << 24 | (size_t)d->hdr[1] << 16 |
                      (size_t)d->hdr[2] << 8 | d->hdr[3];
            d->have = 0;
            if (d->need == 0) {
                ctrl_fail(err, LP_CTRL_LEN_ZERO, "control frame length 0");
                return decoder_fail(d, err);
            }
            if (d->need > (d->max != 0 ? d->max : LP_CTRL_MAX_LEN)) {
                ctrl_fail(err, LP_CTRL_LEN_TOO_BIG,
                          "control frame length %zu exceeds %zu", d->need,
                          d->max != 0 ? d->max : (size_t)LP_CTRL_MAX_LEN);
                return decoder_fail(d, err);
            }
            continue;
        }

        const uint8_t *body;
        size_t avail = len - pos;
        if (d->have == 0 && avail >= d->need) {
            /* The whole body is in this call: decode it in place. */
            body = data + pos;
            pos += d->need;
        } else {
            uint8_t *buf = d->small;
            size_t take = d->need - d->have;
            if (d->need > sizeof(d->small)) {
                if (d->big == NULL) {
                    d->big = malloc(d->need);
                    if (d->big == NULL) {
                        ctrl_fail(err, LP_CTRL_NOMEM, "out of memory");
                        return decoder_fail(d, err);
                    }
                }
                buf = d->big;
            }
            if (take > avail)
                take = avail;
            memcpy(buf + d->have, data + pos, take);
            d->have += take;
            pos += take;
            *consumed = pos;
            if (d->have < d->need)
                break;
            body = buf;
        }
        *consumed = pos;
        if (lp_ctrl_decode_body(out, body, d->need, err) < 0)
            return decoder_fail(d, err);
        decoder_reset_frame(d);
        return 1;
    }
    *consumed = pos;
    return 0;
}
