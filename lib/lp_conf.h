/*
 * lp_conf.h: the daemons' configuration files (/etc/lanparty/relay.conf,
 * gateway.conf), sans IO. The text format:
 *
 *   # a comment
 *   listen = 443/udp
 *   rooms = /var/lib/lanparty/rooms
 *   retry
 *
 *   - Lines end with LF (a CR before it is dropped); the last may lack it.
 *     A line is at most LP_CONF_LINE_MAX bytes, the text at most
 *     LP_CONF_SIZE_MAX bytes and LP_CONF_ENTRIES_MAX entries.
 *   - Blank lines and lines whose first non-blank character is '#' are
 *     ignored. A '#' elsewhere is part of the value (file names may hold
 *     one).
 *   - Every other line is "key = value" or a bare "key" (a flag without
 *     a value). Blanks (spaces, tabs) around the key, the '=' and the
 *     value are dropped. A key is 1..LP_CONF_KEY_MAX characters of a-z,
 *     0-9 and '-', starting with a letter: the long flag's name without
 *     its "--". A value is 1..LP_CONF_LINE_MAX printable bytes (no control
 *     character, no NUL); "key =" with nothing after it is refused.
 * Which keys exist, and whether they take a value, is the program's
 * business (io/lp_confargs checks them against its option table).
 * Errors read "line N: reason" and quote the key when there is one.
 */
#ifndef LP_CONF_H
#define LP_CONF_H

#include <stddef.h>

#define LP_CONF_SIZE_MAX    (64 * 1024)
#define LP_CONF_LINE_MAX    1024
#define LP_CONF_KEY_MAX     64
#define LP_CONF_ENTRIES_MAX 256

struct lp_conf_entry {
    char *key;     /* owned, NUL-terminated */
    char *value;   /* owned, or NULL for a bare "key" */
    unsigned line; /* 1-based line number */
};

struct lp_conf {
    struct lp_conf_entry *e; /* in file order (owned) */
    size_t n;
};

/*
 * lp_conf_parse parses len bytes of text (need not be NUL-terminated) into
 * *c, which is overwritten. Returns 0, or LP_ERR_INVAL (a rule broken; err
 * holds "line N: reason"), LP_ERR_RANGE (a size limit) or LP_ERR_NOMEM,
 * leaving *c empty.
 */
int lp_conf_parse(struct lp_conf *c, const char *text, size_t len, char *err,
                  size_t errlen);

/* lp_conf_free releases c's entries (c may be NULL or empty). */
void lp_conf_free(struct lp_conf *c);

#endif /* LP_CONF_H */
