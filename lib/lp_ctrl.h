/*
 * lp_ctrl.h: control-stream messages (protocol spec sections 2 and 3).
 *
 * A control frame is a 4-byte big-endian length N (1..65536) followed by N
 * bytes of UTF-8 JSON holding one object with a string member "type".
 *
 * Decoding rules (see docs/protocol.md):
 *   - the body must be valid UTF-8 (checked before parsing: overlong
 *     forms, surrogates, code points above U+10FFFF and truncated
 *     sequences are LP_CTRL_BAD_UTF8) and contain no NUL byte;
 *   - "\u0000" inside strings and duplicate member names are
 *     LP_CTRL_BAD_JSON, as is anything after the top-level value;
 *   - integer fields must be JSON integers: reals (1.0, 1e3) and booleans
 *     are LP_CTRL_WRONG_TYPE, integers outside the field's range (or
 *     beyond the 64-bit signed range of the parser) LP_CTRL_OUT_OF_RANGE;
 *   - unknown members are ignored; an unknown "type" decodes to
 *     LP_MSG_UNKNOWN.
 * Encoders write compact JSON with lower-case MACs and "type" first.
 */
#ifndef LP_CTRL_H
#define LP_CTRL_H

#include "lp_types.h"

#define LP_CTRL_MAX_LEN    65536
#define LP_CTRL_HDR_LEN    4
#define LP_ROOM_MAX        32
#define LP_SOFTWARE_MAX    64
#define LP_AUTH_MAX        128 /* hello `auth` (= LP_LINK_AUTH_MAX) */
#define LP_RESUME_LEN      32  /* hello `resume`, decoded */
#define LP_RESUME_B64_LEN  43
#define LP_FEATURES_MAX    16 /* strings in `features` */
#define LP_CTRL_LABEL_MAX  32 /* peer_joined `label` (= LP_LABEL_MAX) */
#define LP_FEATURE_STR_MAX 32

/* Features (spec sections 3 and 5), as bits. Unknown names are ignored. */
#define LP_FEAT_FRAG          0x1u /* "frag": fragments sent and reassembled */
#define LP_REASON_STR_MAX     64
#define LP_STATS_MAX_ENTRIES  48 /* > the number of drop reasons */
#define LP_CTRL_INLINE_BUF    256
#define LP_CTRL_PROTO_VERSION 1

enum lp_msg_type {
    LP_MSG_UNKNOWN = 0,
    LP_MSG_HELLO,
    LP_MSG_WELCOME,
    LP_MSG_REJECT,
    LP_MSG_PEER_JOINED,
    LP_MSG_PEER_LEFT,
    LP_MSG_STATS,
    LP_MSG_DISCONNECT
};

/* lp_msg_type_name: the wire name ("hello", ...; "unknown" otherwise). */
const char *lp_msg_type_name(enum lp_msg_type t);

enum lp_role { LP_ROLE_CLIENT = 1, LP_ROLE_GATEWAY = 2 };

/* lp_role_name: "client", "gateway", or "unknown". */
const char *lp_role_name(enum lp_role);

enum lp_reject {
    LP_REJECT_UNSUPPORTED_VERSION = 1,
    LP_REJECT_BAD_HELLO,
    LP_REJECT_INVALID_ROOM,
    LP_REJECT_INVALID_MAC,
    LP_REJECT_GATEWAY_EXISTS,
    LP_REJECT_DUPLICATE_MAC,
    LP_REJECT_ROOM_FULL,
    LP_REJECT_RELAY_FULL,
    LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL,
    LP_REJECT_UNAUTHORIZED
};

/*
 * lp_ctrl_peer_reason normalises the reason a peer gave in its
 * `disconnect` for the `peer_left` the others get (spec section 3):
 * lower-cased, every character outside a-z 0-9 _ - replaced by '_', cut
 * to 32 characters; an empty result, or one the relay itself produces
 * ("disconnect", "timeout", "malformed", "replaced", "revoked",
 * "relay_shutdown"), becomes "disconnect". out needs 33 bytes.
 */
void lp_ctrl_peer_reason(char out[static 33], const char *in);

/* lp_reject_name: the wire name of a reject reason, or "unknown". */
const char *lp_reject_name(enum lp_reject);
/* lp_reject_from_name: 0 and *out set, or LP_ERR_INVAL for unknown names. */
int lp_reject_from_name(const char *s, enum lp_reject *out);

/*
 * Message bodies. Strings are NUL-terminated UTF-8. Decoded strings that
 * the spec limits in characters (software, reasons) are checked in code
 * points and stored cut to the buffer on a UTF-8 boundary.
 */
struct lp_msg_hello {
    uint16_t version;
    enum lp_role role;
    char room[LP_ROOM_MAX + 1];
    uint8_t mac[6];
    uint16_t datagram_budget;
    int has_software;
    char software[LP_SOFTWARE_MAX + 1];
    /* revision 2 (spec section 3); absent members leave has_* 0 */
    int has_auth;
    char auth[LP_AUTH_MAX + 1]; /* a secret: never log or echo it */
    int has_resume;
    uint8_t resume[LP_RESUME_LEN]; /* a secret: never log or echo it */
    unsigned features;             /* LP_FEAT_* offered */
};

struct lp_msg_welcome {
    uint16_t peer_id;
    uint16_t effective_mtu;
    int gateway_present;
    uint16_t gateway_peer_id; /* 0 = null */
    unsigned features;        /* LP_FEAT_* the relay will use */
};

struct lp_msg_reject {
    enum lp_reject reason;
    char message[256];
};

/* peer_joined and peer_left; reason is used by peer_left only. */
struct lp_msg_peer {
    uint16_t peer_id;
    enum lp_role role;
    uint8_t mac[6];
    char reason[LP_REASON_STR_MAX + 1];
    char label[LP_CTRL_LABEL_MAX + 1]; /* peer_joined; "" when absent */
};

struct lp_stat_entry {
    char name[48];
    uint64_t value;
};

/*
 * stats: drops holds the "drops" object; extra holds further top-level
 * non-negative integer members (first LP_STATS_MAX_ENTRIES in document
 * order, others ignored). Names longer than 47 bytes are ignored.
 */
struct lp_msg_stats {
    uint64_t frames_tx, frames_rx, datagrams_tx, datagrams_rx;
    size_t ndrops;
    struct lp_stat_entry drops[LP_STATS_MAX_ENTRIES];
    size_t nextra;
    struct lp_stat_entry extra[LP_STATS_MAX_ENTRIES];
};

struct lp_msg_disconnect {
    char reason[LP_REASON_STR_MAX + 1];
};

struct lp_msg {
    enum lp_msg_type type;
    char type_name[33]; /* the type string, cut to 32 bytes */
    union {
        struct lp_msg_hello hello;
        struct lp_msg_welcome welcome;
        struct lp_msg_reject reject;
        struct lp_msg_peer peer; /* LP_MSG_PEER_JOINED, LP_MSG_PEER_LEFT */
        struct lp_msg_stats stats;
        struct lp_msg_disconnect disconnect;
    } u;
};

/* lp_room_valid returns 1 if room is 1..32 chars of [A-Za-z0-9_-]. */
int lp_room_valid(const char *room);

/*
 * lp_ctrl_encode writes m as one whole control frame (4-byte BE length +
 * compact JSON) into dest. The type is taken from m->type (type_name is
 * ignored). The hello value rules (version, room, MAC, budget) are not
 * applied, so tests can build well-formed but invalid hellos. stats
 * values above 2^63-1 are written as 2^63-1. Returns the bytes written,
 * or:
 *   LP_ERR_INVAL  unknown type, role or reject reason, or a string that
 *                 is not NUL-terminated within its field or not UTF-8
 *   LP_ERR_RANGE  dest too small, or the body would exceed 65536 bytes
 *   LP_ERR_NOMEM  allocation failed
 */
ssize_t lp_ctrl_encode(uint8_t *dest, size_t destlen, const struct lp_msg *m);

enum lp_ctrl_error {
    LP_CTRL_OK = 0,
    LP_CTRL_LEN_ZERO,
    LP_CTRL_LEN_TOO_BIG,
    LP_CTRL_BAD_UTF8,
    LP_CTRL_BAD_JSON,
    LP_CTRL_NOT_OBJECT,
    LP_CTRL_MISSING,
    LP_CTRL_WRONG_TYPE,
    LP_CTRL_OUT_OF_RANGE,
    LP_CTRL_BAD_ROOM,
    LP_CTRL_BAD_MAC,
    LP_CTRL_BAD_VERSION,
    LP_CTRL_NOMEM
};

/* lp_ctrl_error_name: "ok", "len_zero", ... ("unknown" otherwise). */
const char *lp_ctrl_error_name(enum lp_ctrl_error);

struct lp_ctrl_err {
    enum lp_ctrl_error code;
    char message[160]; /* printable ASCII; quotes the bad value, cut to
                          40 bytes with non-printable bytes as \xNN */
};

/*
 * lp_ctrl_decode_body decodes one frame body (the JSON bytes without the
 * length prefix) into *out. Returns 0, or LP_ERR_PROTO with *err filled (err
 * may be NULL). An unknown type gives 0 and LP_MSG_UNKNOWN with type_name set.
 *
 * Member rules per type:
 *   hello: version (checked first: LP_CTRL_BAD_VERSION for an integer other
 *     than 1), role ("client"/"gateway", else OUT_OF_RANGE), room
 *     (LP_CTRL_BAD_ROOM), mac (LP_CTRL_BAD_MAC if unparseable or breaking
 *     the role's MAC rule), datagram_budget (u16), optional software
 *     (string of at most 64 code points).
 *   welcome: peer_id 1..65535, mode = "ethernet", effective_mtu u16,
 *     gateway_present bool, gateway_peer_id 1..65535 or null; present
 *     must agree with the id being non-null (else OUT_OF_RANGE).
 *   reject: reason (a known code, else OUT_OF_RANGE), message (string,
 *     stored cut to 255 bytes).
 *   peer_joined/peer_left: peer_id 1..65535, role, mac (role rule), and
 *     for peer_left reason (string, at most 64 code points).
 *   stats: frames_tx, frames_rx, datagrams_tx, datagrams_rx (u64), drops
 *     (object of name -> u64); other integer members >= 0 go to extra.
 *   disconnect: reason (string, at most 64 code points).
 * Missing members give LP_CTRL_MISSING, members of the wrong JSON type
 * LP_CTRL_WRONG_TYPE.
 */
int lp_ctrl_decode_body(struct lp_msg *out, const uint8_t *json, size_t len,
                        struct lp_ctrl_err *err);

/*
 * lp_ctrl_error_reject maps a hello decode error to a reject reason:
 * BAD_VERSION -> unsupported_version, BAD_ROOM -> invalid_room, BAD_MAC
 * -> invalid_mac, everything else -> bad_hello.
 */
enum lp_reject lp_ctrl_error_reject(enum lp_ctrl_error e);

/*
 * Incremental stream decoder. Bodies up to LP_CTRL_INLINE_BUF bytes are
 * assembled inline; a larger body gets a heap buffer of exactly its size
 * that is freed as soon as the frame completes. A body that arrives whole
 * in one feed call is decoded in place without copying.
 */
struct lp_ctrl_decoder {
    uint8_t hdr[LP_CTRL_HDR_LEN];
    size_t hdrlen; /* header bytes received, 0..4 */
    size_t need;   /* body length, once hdrlen == 4 */
    size_t have;   /* body bytes assembled */
    uint8_t small[LP_CTRL_INLINE_BUF];
    uint8_t *big;            /* heap body buffer, or NULL */
    size_t max;              /* largest body accepted (0: LP_CTRL_MAX_LEN) */
    int failed;              /* sticky stream error */
    struct lp_ctrl_err fail; /* the error, repeated on later feeds */
};

/* lp_ctrl_decoder_init prepares an empty decoder. */
void lp_ctrl_decoder_init(struct lp_ctrl_decoder *d);

/*
 * lp_ctrl_decoder_next is lp_ctrl_decoder_feed over a moving window: it
 * feeds *data (*len bytes) and advances both past what was consumed.
 * Returns what lp_ctrl_decoder_feed returns (1: *out holds a message and
 * the rest is still in the window; 0: all consumed, more needed; <0: a
 * stream error in *err).
 */
int lp_ctrl_decoder_next(struct lp_ctrl_decoder *d, const uint8_t **data,
                         size_t *len, struct lp_msg *out,
                         struct lp_ctrl_err *err);

/* lp_ctrl_decoder_limit sets the largest body the decoder accepts from now
 * on (at most LP_CTRL_MAX_LEN; 0: that maximum): a longer frame is the
 * stream error LP_CTRL_LEN_TOO_BIG as soon as its length is in, before any
 * allocation (a relay accepts 4096 bytes before its welcome, spec 2). */
void lp_ctrl_decoder_limit(struct lp_ctrl_decoder *d, size_t max);

/* lp_ctrl_decoder_free releases the heap buffer; d may be NULL. The
 * decoder can be initialised again afterwards. */
void lp_ctrl_decoder_free(struct lp_ctrl_decoder *d);

/*
 * lp_ctrl_decoder_feed consumes bytes from data. Returns:
 *   1  a whole message was decoded into *out; *consumed bytes of data were
 *      used (call again with the rest);
 *   0  all input was consumed (*consumed = len) and more is needed;
 *  LP_ERR_PROTO  a stream error: *err is filled (err may be NULL),
 *      *consumed tells how far the decoder read, and the decoder stays
 *      failed (later calls return LP_ERR_PROTO with the same error and
 *      consume nothing).
 * A length of 0 gives LP_CTRL_LEN_ZERO and a length above 65536
 * LP_CTRL_LEN_TOO_BIG as soon as the 4 length bytes are in; a body that
 * fails lp_ctrl_decode_body is a stream error too; allocation failure
 * gives LP_CTRL_NOMEM.
 */
int lp_ctrl_decoder_feed(struct lp_ctrl_decoder *d, const uint8_t *data,
                         size_t len, size_t *consumed, struct lp_msg *out,
                         struct lp_ctrl_err *err);

#endif /* LP_CTRL_H */
