/*
 * lp_roomlist: the closed relay's room list; see lp_roomlist.h for the
 * format. The parser is a loop over lines that feeds the edit functions,
 * so a file and the command line obey exactly the same rules.
 */
#include "lp_roomlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"

#define RL_QUOTE_MAX 40

static int rl_fail(char *err, size_t errlen, int rv, const char *fmt, ...)
    LP_PRINTF_LIKE(4, 5);

/* rl_fail formats a message into err and returns rv. */
static int rl_fail(char *err, size_t errlen, int rv, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rv;
}

/* rl_quote copies at most RL_QUOTE_MAX bytes of s for a message, with '?'
 * for anything not printable and "..." when cut. */
static const char *rl_quote(char out[RL_QUOTE_MAX + 4], const char *s)
{
    size_t n = strlen(s), i = 0;

    for (; i < n && i < RL_QUOTE_MAX; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (n > RL_QUOTE_MAX) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

int lp_label_valid(const char *s)
{
    size_t i = 0;

    if (s == NULL)
        return 0;
    for (; s[i] != '\0'; i++)
        if (i >= LP_LABEL_MAX || s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return i > 0;
}

/* rl_room_index returns the index of room, or rl->nrooms. */
static size_t rl_room_index(const struct lp_roomlist *rl, const char *room)
{
    size_t i = 0;

    for (; i < rl->nrooms; i++)
        if (strcmp(rl->rooms[i].name, room) == 0)
            break;
    return i;
}

const struct lp_room_def *lp_roomlist_find(const struct lp_roomlist *rl,
                                           const char *room)
{
    size_t i;

    if (rl == NULL || room == NULL)
        return NULL;
    i = rl_room_index(rl, room);
    return i < rl->nrooms ? &rl->rooms[i] : NULL;
}

void lp_roomlist_free(struct lp_roomlist *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->nrooms; i++)
        free(rl->rooms[i].creds);
    free(rl->rooms);
    memset(rl, 0, sizeof(*rl));
}

/* rl_grow makes room for one more element of size sz in *arr. */
static int rl_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    size_t ncap;
    void *p;

    if (n < *cap)
        return 0;
    ncap = *cap == 0 ? 8 : *cap * 2;
    p = realloc(*arr, ncap * sz);
    if (p == NULL)
        return LP_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

int lp_roomlist_add_room(struct lp_roomlist *rl, const char *room, char *err,
                         size_t errlen)
{
    char q[RL_QUOTE_MAX + 4];
    struct lp_room_def *r;

    if (room == NULL || !lp_room_valid(room))
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "invalid room name `%s' (want 1 to 32 characters of "
                       "A-Z a-z 0-9 _ -)",
                       rl_quote(q, room != NULL ? room : ""));
    if (rl_room_index(rl, room) < rl->nrooms)
        return rl_fail(err, errlen, LP_ERR_INVAL, "room `%s' already exists",
                       room);
    if (rl->nrooms >= LP_ROOMLIST_ROOMS_MAX)
        return rl_fail(err, errlen, LP_ERR_RANGE, "more than %d rooms",
                       LP_ROOMLIST_ROOMS_MAX);
    if (rl_grow((void **)&rl->rooms, &rl->cap, rl->nrooms, sizeof(*r)) != 0)
        return rl_fail(err, errlen, LP_ERR_NOMEM, "out of memory");
    r = &rl->rooms[rl->nrooms++];
    memset(r, 0, sizeof(*r));
    memcpy(r->name, room, strlen(room) + 1);
    return 0;
}

int lp_roomlist_remove_room(struct lp_roomlist *rl, const char *room, char *err,
                            size_t errlen)
{
    char q[RL_QUOTE_MAX + 4];
    size_t i = room != NULL ? rl_room_index(rl, room) : rl->nrooms;

    if (i == rl->nrooms)
        return rl_fail(err, errlen, LP_ERR_INVAL, "no room `%s'",
                       rl_quote(q, room != NULL ? room : ""));
    free(rl->rooms[i].creds);
    memmove(&rl->rooms[i], &rl->rooms[i + 1],
            (rl->nrooms - i - 1) * sizeof(rl->rooms[0]));
    rl->nrooms--;
    return 0;
}

int lp_roomlist_add_cred(struct lp_roomlist *rl, const char *room,
                         enum lp_role role, const char *label,
                         const uint8_t hash[32], char *err, size_t errlen)
{
    char q[RL_QUOTE_MAX + 4];
    struct lp_room_def *r;
    size_t i, n;

    if (role != LP_ROLE_CLIENT && role != LP_ROLE_GATEWAY)
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "role must be gateway or client");
    if (label == NULL || !lp_label_valid(label))
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "invalid label `%s' (want 1 to %d printable ASCII "
                       "characters)",
                       rl_quote(q, label != NULL ? label : ""), LP_LABEL_MAX);
    n = strlen(label);
    if (label[0] == ' ' || label[n - 1] == ' ')
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "label `%s' begins or ends with a space", label);
    if (hash == NULL)
        return rl_fail(err, errlen, LP_ERR_INVAL, "no credential hash");
    i = room != NULL ? rl_room_index(rl, room) : rl->nrooms;
    if (i == rl->nrooms)
        return rl_fail(err, errlen, LP_ERR_INVAL, "no room `%s'",
                       rl_quote(q, room != NULL ? room : ""));
    r = &rl->rooms[i];
    for (i = 0; i < r->ncreds; i++) {
        const struct lp_cred *c = &r->creds[i];
        if (strcmp(c->label, label) == 0)
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "room `%s' already has a credential labelled "
                           "`%s'",
                           r->name, label);
        if (memcmp(c->hash, hash, 32) == 0)
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "room `%s' already has this credential (label "
                           "`%s')",
                           r->name, c->label);
        if (role == LP_ROLE_GATEWAY && c->role == LP_ROLE_GATEWAY)
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "room `%s' already has a gateway credential "
                           "(label `%s'; at most one per room)",
                           r->name, c->label);
    }
    if (r->ncreds >= LP_ROOMLIST_CREDS_MAX)
        return rl_fail(err, errlen, LP_ERR_RANGE,
                       "more than %d credentials in room `%s'",
                       LP_ROOMLIST_CREDS_MAX, r->name);
    if (rl_grow((void **)&r->creds, &r->cap, r->ncreds, sizeof(r->creds[0])) !=
        0)
        return rl_fail(err, errlen, LP_ERR_NOMEM, "out of memory");
    memset(&r->creds[r->ncreds], 0, sizeof(r->creds[0]));
    r->creds[r->ncreds].role = role;
    memcpy(r->creds[r->ncreds].label, label, n + 1);
    memcpy(r->creds[r->ncreds].hash, hash, 32);
    r->ncreds++;
    return 0;
}

int lp_roomlist_remove_cred(struct lp_roomlist *rl, const char *room,
                            const char *label, char *err, size_t errlen)
{
    char q[RL_QUOTE_MAX + 4], q2[RL_QUOTE_MAX + 4];
    struct lp_room_def *r;
    size_t i = room != NULL ? rl_room_index(rl, room) : rl->nrooms;

    if (i == rl->nrooms)
        return rl_fail(err, errlen, LP_ERR_INVAL, "no room `%s'",
                       rl_quote(q, room != NULL ? room : ""));
    r = &rl->rooms[i];
    for (i = 0; label != NULL && i < r->ncreds; i++) {
        if (strcmp(r->creds[i].label, label) == 0) {
            memmove(&r->creds[i], &r->creds[i + 1],
                    (r->ncreds - i - 1) * sizeof(r->creds[0]));
            r->ncreds--;
            return 0;
        }
    }
    return rl_fail(err, errlen, LP_ERR_INVAL,
                   "room `%s' has no credential labelled `%s'", r->name,
                   rl_quote(q2, label != NULL ? label : ""));
}

/* rl_hex64 decodes 64 lower-case hex digits. */
static int rl_hex64(const char *s, uint8_t out[32])
{
    for (size_t i = 0; i < 64; i++) {
        int v = lp_hex_digit(s[i]);
        if (v < 0 || (s[i] >= 'A' && s[i] <= 'F'))
            return LP_ERR_INVAL;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

/* rl_header checks "lanparty-rooms VERSION". */
static int rl_header(const char *s, size_t lineno, char *err, size_t errlen)
{
    static const size_t mlen = sizeof(LP_ROOMLIST_MAGIC) - 1;
    const char *v = s + mlen + 1;
    size_t nd = 0;

    if (strncmp(s, LP_ROOMLIST_MAGIC " ", mlen + 1) == 0)
        nd = strspn(v, "0123456789");
    if (nd == 0 || nd > 9 || v[nd] != '\0')
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "line %zu: expected the header `" LP_ROOMLIST_MAGIC
                       " %d' (is this a lanparty room list?)",
                       lineno, LP_ROOMLIST_VERSION);
    if (strtoul(v, NULL, 10) != LP_ROOMLIST_VERSION)
        return rl_fail(err, errlen, LP_ERR_VERSION,
                       "line %zu: room list format version %s is not "
                       "supported (this relay reads version %d)",
                       lineno, v, LP_ROOMLIST_VERSION);
    return 0;
}

/* rl_line handles one content line s (NUL-terminated, not indented). */
static int rl_line(struct lp_roomlist *rl, const char *s, size_t lineno,
                   char *err, size_t errlen)
{
    char q[RL_QUOTE_MAX + 4], msg[256];
    const char *sp = strchr(s, ' ');
    size_t kw = sp != NULL ? (size_t)(sp - s) : strlen(s);
    enum lp_role role;
    uint8_t hash[32];
    int rv;

    if (kw == 4 && memcmp(s, "room", 4) == 0) {
        rv = lp_roomlist_add_room(rl, sp != NULL ? sp + 1 : "", msg,
                                  sizeof(msg));
    } else if ((kw == 7 && memcmp(s, "gateway", 7) == 0) ||
               (kw == 6 && memcmp(s, "client", 6) == 0)) {
        role = kw == 7 ? LP_ROLE_GATEWAY : LP_ROLE_CLIENT;
        if (rl->nrooms == 0)
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "line %zu: credential before the first `room' "
                           "line",
                           lineno);
        if (sp == NULL || strlen(sp + 1) < 64 || rl_hex64(sp + 1, hash) != 0)
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "line %zu: expected `%s HASH LABEL' with HASH the "
                           "token's SHA-256 in 64 lower-case hex digits",
                           lineno, lp_role_name(role));
        if (sp[65] != ' ' || sp[66] == '\0')
            return rl_fail(err, errlen, LP_ERR_INVAL,
                           "line %zu: expected a label after the hash", lineno);
        rv = lp_roomlist_add_cred(rl, rl->rooms[rl->nrooms - 1].name, role,
                                  sp + 66, hash, msg, sizeof(msg));
    } else if (kw == sizeof(LP_ROOMLIST_MAGIC) - 1 &&
               memcmp(s, LP_ROOMLIST_MAGIC, kw) == 0) {
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "line %zu: a second header line", lineno);
    } else {
        return rl_fail(err, errlen, LP_ERR_INVAL,
                       "line %zu: unknown line `%s' (want room, gateway or "
                       "client)",
                       lineno, rl_quote(q, s));
    }
    if (rv != 0)
        return rl_fail(err, errlen, rv, "line %zu: %s", lineno, msg);
    return 0;
}

int lp_roomlist_parse(struct lp_roomlist *rl, const char *text, size_t len,
                      char *err, size_t errlen)
{
    struct lp_roomlist k;
    char line[LP_ROOMLIST_LINE_MAX + 1];
    size_t pos = 0, lineno = 0;
    int have_header = 0, rv = 0;

    memset(&k, 0, sizeof(k));
    memset(rl, 0, sizeof(*rl));
    if (len > LP_ROOMLIST_SIZE_MAX)
        return rl_fail(err, errlen, LP_ERR_RANGE,
                       "the room list is larger than %d bytes (%zu)",
                       LP_ROOMLIST_SIZE_MAX, len);
    if (text == NULL && len > 0)
        return rl_fail(err, errlen, LP_ERR_INVAL, "no room list text");
    while (pos < len && rv == 0) {
        const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - pos, i = 0;

        pos += n + (nl != NULL);
        lineno++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > LP_ROOMLIST_LINE_MAX) {
            rv = rl_fail(err, errlen, LP_ERR_RANGE,
                         "line %zu: longer than %d bytes", lineno,
                         LP_ROOMLIST_LINE_MAX);
            break;
        }
        if (memchr(p, '\0', n) != NULL) {
            rv = rl_fail(err, errlen, LP_ERR_INVAL, "line %zu: a NUL byte",
                         lineno);
            break;
        }
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i == n || p[i] == '#')
            continue;
        for (size_t j = i; j < n; j++) {
            if (p[j] < 0x20 || p[j] > 0x7e) {
                rv = rl_fail(err, errlen, LP_ERR_INVAL,
                             "line %zu: a control or non-ASCII character at "
                             "column %zu",
                             lineno, j + 1);
                break;
            }
        }
        if (rv != 0)
            break;
        memcpy(line, p + i, n - i);
        line[n - i] = '\0';
        if (!have_header) {
            rv = rl_header(line, lineno, err, errlen);
            have_header = 1;
        } else {
            rv = rl_line(&k, line, lineno, err, errlen);
        }
    }
    if (rv == 0 && !have_header)
        rv = rl_fail(err, errlen, LP_ERR_INVAL,
                     "the room list is empty (no `" LP_ROOMLIST_MAGIC
                     " %d' line)",
                     LP_ROOMLIST_VERSION);
    if (rv != 0) {
        lp_roomlist_free(&k);
        return rv;
    }
    *rl = k;
    return 0;
}

int lp_roomlist_format(const struct lp_roomlist *rl, char **out, size_t *outlen)
{
    static const char head[] =
        "# lanparty room list (docs/protocol.md, \"Invite links and the "
        "room list\").\n"
        "# Credentials are SHA-256 hashes of the tokens, never the "
        "tokens.\n" LP_ROOMLIST_MAGIC " 1\n";
    static const char hex[] = "0123456789abcdef";
    size_t need = sizeof(head) - 1, o;
    char *buf;

    *out = NULL;
    *outlen = 0;
    for (size_t i = 0; i < rl->nrooms; i++) {
        const struct lp_room_def *r = &rl->rooms[i];
        if (!lp_room_valid(r->name))
            return LP_ERR_INVAL;
        need += 6 + strlen(r->name) + 1; /* "\nroom NAME\n" */
        for (size_t j = 0; j < r->ncreds; j++) {
            const struct lp_cred *c = &r->creds[j];
            if ((c->role != LP_ROLE_CLIENT && c->role != LP_ROLE_GATEWAY) ||
                !lp_label_valid(c->label) || c->label[0] == ' ' ||
                c->label[strlen(c->label) - 1] == ' ')
                return LP_ERR_INVAL;
            need += strlen(lp_role_name(c->role)) + 1 + 64 + 1 +
                    strlen(c->label) + 1;
        }
        if (need > LP_ROOMLIST_SIZE_MAX)
            return LP_ERR_RANGE;
    }
    if ((buf = malloc(need + 1)) == NULL)
        return LP_ERR_NOMEM;
    memcpy(buf, head, sizeof(head) - 1);
    o = sizeof(head) - 1;
    for (size_t i = 0; i < rl->nrooms; i++) {
        const struct lp_room_def *r = &rl->rooms[i];
        o += (size_t)sprintf(buf + o, "\nroom %s\n", r->name);
        for (size_t j = 0; j < r->ncreds; j++) {
            const struct lp_cred *c = &r->creds[j];
            o += (size_t)sprintf(buf + o, "%s ", lp_role_name(c->role));
            for (size_t b = 0; b < 32; b++) {
                buf[o++] = hex[c->hash[b] >> 4];
                buf[o++] = hex[c->hash[b] & 15];
            }
            o += (size_t)sprintf(buf + o, " %s\n", c->label);
        }
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 0;
}
