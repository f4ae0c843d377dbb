/*
 * lp_roomlist.h: a closed relay's room list (spec section 4): its rooms and,
 * per room, the credentials that admit peers. A credential is stored only
 * as the SHA-256 of its token. The text format (docs/protocol.md, "Invite
 * links and the room list"):
 *
 *   # comment
 *   lanparty-rooms 1
 *   room LAN-party_1
 *   gateway 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b
 * basement switch client
 * 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae friends
 *
 *   - Lines end with LF (a CR before it is dropped); the last may lack it.
 *     A line is at most LP_ROOMLIST_LINE_MAX bytes.
 *   - Blank lines (spaces and tabs only) and lines whose first non-blank
 *     character is '#' are ignored anywhere. Comments are not kept: a list
 *     written back by lp_roomlist_format has only its own header comment.
 *   - Every other line may be indented with spaces or tabs; its fields are
 *     separated by exactly one space and it has no trailing blanks, except
 *     that a label is everything after its separating space up to the end
 *     of the line (it may hold inner spaces).
 *   - The first such line is "lanparty-rooms 1" (format version 1); a
 *     later version is refused with a message naming it.
 *   - "room NAME" starts a room (NAME per spec section 3); "gateway HEX64
 *     LABEL" and "client HEX64 LABEL" add a credential to the room above:
 *     HEX64 is the SHA-256 of the token, 64 lower-case hex digits, and
 *     LABEL is 1..LP_LABEL_MAX printable ASCII characters (0x20..0x7e,
 *     lp_label_valid) that neither begin nor end with a space (so that a
 *     doubled or trailing space is an error, not part of a name others see).
 *   - Refused: a duplicate room name, a duplicate label or hash within a
 *     room, a second gateway credential in a room, a credential before any
 *     room, more than LP_ROOMLIST_ROOMS_MAX rooms or LP_ROOMLIST_CREDS_MAX
 *     credentials in a room, a text larger than LP_ROOMLIST_SIZE_MAX, a
 *     NUL byte, and any byte outside printable ASCII outside a comment.
 *     A room without credentials is allowed (nobody can join it yet).
 * Errors read "line N: reason", quoting the offending field.
 *
 * Memory: the list owns its arrays (malloc); lp_roomlist_free releases
 * them. A zeroed struct lp_roomlist is an empty list.
 */
#ifndef LP_ROOMLIST_H
#define LP_ROOMLIST_H

#include "lp_ctrl.h"
#include "lp_types.h"

#define LP_LABEL_MAX          32
#define LP_ROOMLIST_VERSION   1
#define LP_ROOMLIST_MAGIC     "lanparty-rooms"
#define LP_ROOMLIST_SIZE_MAX  (1024 * 1024)
#define LP_ROOMLIST_ROOMS_MAX 4096
#define LP_ROOMLIST_CREDS_MAX 4096
#define LP_ROOMLIST_LINE_MAX  512

struct lp_cred {
    enum lp_role role; /* LP_ROLE_GATEWAY or LP_ROLE_CLIENT */
    char label[LP_LABEL_MAX + 1];
    uint8_t hash[32]; /* SHA-256 of the token */
};

struct lp_room_def {
    char name[LP_ROOM_MAX + 1];
    struct lp_cred *creds; /* in file order (owned) */
    size_t ncreds;
    size_t cap; /* internal: allocated entries of creds */
};

struct lp_roomlist {
    struct lp_room_def *rooms; /* in file order (owned) */
    size_t nrooms;
    size_t cap; /* internal: allocated entries of rooms */
};

/*
 * lp_roomlist_parse parses len bytes of text (need not be NUL-terminated)
 * into *rl, which must not hold a list (it is overwritten). Returns 0, or
 * on failure leaves *rl empty and returns LP_ERR_INVAL (a rule broken;
 * err holds "line N: reason"), LP_ERR_VERSION (a header with another
 * format version), LP_ERR_RANGE (a size limit, with a message) or
 * LP_ERR_NOMEM. errlen may be 0.
 */
int lp_roomlist_parse(struct lp_roomlist *rl, const char *text, size_t len,
                      char *err, size_t errlen);

/*
 * lp_roomlist_format writes rl in the format above into a malloc'd,
 * NUL-terminated buffer *out (*outlen bytes without the NUL; the caller
 * frees it). lp_roomlist_parse of the result gives back an equal list.
 * Returns 0, LP_ERR_NOMEM, LP_ERR_RANGE if the text would be larger than
 * LP_ROOMLIST_SIZE_MAX (the parser would refuse it), or LP_ERR_INVAL if rl
 * holds a value the format cannot carry (a list not built by the parser or
 * the edit functions).
 */
int lp_roomlist_format(const struct lp_roomlist *rl, char **out,
                       size_t *outlen);

/* lp_roomlist_free releases the list and leaves it empty; accepts NULL. */
void lp_roomlist_free(struct lp_roomlist *rl);

/* lp_roomlist_find returns the room named exactly room, or NULL. */
const struct lp_room_def *lp_roomlist_find(const struct lp_roomlist *rl,
                                           const char *room);

/*
 * Editing, for the relay's command line. Each function checks the same
 * rules as the parser and changes nothing on failure. They return 0, or
 * LP_ERR_INVAL (bad name, label or role, unknown room or label, a
 * duplicate, a second gateway credential), LP_ERR_RANGE (a limit) or
 * LP_ERR_NOMEM, with a message in err (errlen may be 0).
 *
 * lp_roomlist_add_room appends an empty room.
 * lp_roomlist_remove_room removes a room and its credentials.
 * lp_roomlist_add_cred appends a credential (hash: SHA-256 of the token).
 * lp_roomlist_remove_cred removes the credential labelled label.
 */
int lp_roomlist_add_room(struct lp_roomlist *rl, const char *room, char *err,
                         size_t errlen);
int lp_roomlist_remove_room(struct lp_roomlist *rl, const char *room, char *err,
                            size_t errlen);
int lp_roomlist_add_cred(struct lp_roomlist *rl, const char *room,
                         enum lp_role role, const char *label,
                         const uint8_t hash[32], char *err, size_t errlen);
int lp_roomlist_remove_cred(struct lp_roomlist *rl, const char *room,
                            const char *label, char *err, size_t errlen);

/*
 * lp_label_valid returns 1 if s is a credential label: 1..LP_LABEL_MAX
 * printable ASCII characters (0x20..0x7e), else 0.
 */
int lp_label_valid(const char *s);

#endif /* LP_ROOMLIST_H */
