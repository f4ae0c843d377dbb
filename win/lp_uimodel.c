/* lp_uimodel: the window's view of the client's output; see lp_uimodel.h. */
#include "lp_uimodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI_PREFIX "lanparty-client: "

void lp_uimodel_init(struct lp_uimodel *m)
{
    memset(m, 0, sizeof(*m));
}

const char *lp_ui_state_name(enum lp_ui_state s)
{
    switch (s) {
    case LP_UI_CONNECTING:
        return "connecting";
    case LP_UI_CONNECTED:
        return "connected";
    case LP_UI_RECONNECTING:
        return "reconnecting";
    default:
        return "stopped";
    }
}

int lp_logfmt_get(const char *line, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = line;

    if (outlen == 0)
        return -1;
    while ((p = strstr(p, key)) != NULL) {
        /* a whole key: at the start or after a space, then '=' */
        if ((p == line || p[-1] == ' ') && p[klen] == '=')
            break;
        p += klen;
    }
    if (p == NULL)
        return -1;
    p += klen + 1;
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '\0' && *p != '"'; p++) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            if (n + 1 < outlen)
                out[n++] = *p;
        }
    } else {
        for (; *p != '\0' && *p != ' '; p++)
            if (n + 1 < outlen)
                out[n++] = *p;
    }
    out[n] = '\0';
    return 0;
}

/* uimodel_line appends a status line, dropping the oldest when full and
 * skipping a repeat of the newest. */
static void uimodel_line(struct lp_uimodel *m, const char *text)
{
    if (text[0] == '\0')
        return;
    if (m->nlines > 0 && strcmp(m->lines[m->nlines - 1], text) == 0)
        return;
    if (m->nlines == LP_UI_LINES) {
        memmove(m->lines[0], m->lines[1],
                sizeof(m->lines[0]) * (LP_UI_LINES - 1));
        m->nlines--;
    }
    snprintf(m->lines[m->nlines++], LP_UI_LINELEN, "%s", text);
    m->seq++;
}

static void uimodel_player_left(struct lp_uimodel *m, unsigned id)
{
    for (size_t i = 0; i < m->nplayers; i++) {
        if (m->players[i].peer_id == id) {
            m->players[i] = m->players[--m->nplayers];
            return;
        }
    }
}

static void uimodel_player_joined(struct lp_uimodel *m, const char *line)
{
    struct lp_ui_player p;
    char id[16];

    memset(&p, 0, sizeof(p));
    if (lp_logfmt_get(line, "peer_id", id, sizeof(id)) != 0)
        return;
    p.peer_id = (unsigned)strtoul(id, NULL, 10);
    (void)lp_logfmt_get(line, "role", p.role, sizeof(p.role));
    (void)lp_logfmt_get(line, "label", p.label, sizeof(p.label));
    uimodel_player_left(m, p.peer_id);
    if (m->nplayers < LP_UI_PLAYERS)
        m->players[m->nplayers++] = p;
}

int lp_uimodel_feed(struct lp_uimodel *m, const char *line)
{
    char ev[48], msg[LP_UI_LINELEN], lvl[16];
    enum lp_ui_state before = m->state;
    unsigned long seq = m->seq;
    size_t np = m->nplayers;

    snprintf(m->diag[m->diag_next], LP_UI_LINELEN, "%s", line);
    m->diag_next = (m->diag_next + 1) % LP_UI_DIAG;
    if (m->ndiag < LP_UI_DIAG)
        m->ndiag++;
    if (strncmp(line, "ts=", 3) != 0) { /* a plain line for people */
        if (strncmp(line, UI_PREFIX, strlen(UI_PREFIX)) == 0)
            line += strlen(UI_PREFIX);
        uimodel_line(m, line);
        return 1;
    }
    if (lp_logfmt_get(line, "event", ev, sizeof(ev)) != 0)
        return 0;
    if (lp_logfmt_get(line, "msg", msg, sizeof(msg)) != 0)
        msg[0] = '\0';
    if (lp_logfmt_get(line, "level", lvl, sizeof(lvl)) != 0)
        lvl[0] = '\0';
    if (strcmp(ev, "connecting") == 0) {
        if (m->state != LP_UI_RECONNECTING)
            m->state = LP_UI_CONNECTING;
        uimodel_line(m, msg);
    } else if (strcmp(ev, "welcome") == 0) {
        m->state = LP_UI_CONNECTED;
        uimodel_line(m, "connected to the relay: in the room");
    } else if (strcmp(ev, "reconnect") == 0) {
        m->state = LP_UI_RECONNECTING;
        m->nplayers = 0;
        uimodel_line(m, msg);
    } else if (strcmp(ev, "peer_joined") == 0) {
        uimodel_player_joined(m, line);
        m->seq++;
    } else if (strcmp(ev, "peer_left") == 0) {
        char id[16];
        if (lp_logfmt_get(line, "peer_id", id, sizeof(id)) == 0)
            uimodel_player_left(m, (unsigned)strtoul(id, NULL, 10));
    } else if (strcmp(ev, "exit") == 0) {
        m->state = LP_UI_STOPPED;
        m->nplayers = 0;
    } else if (strcmp(ev, "status") == 0 || strcmp(ev, "shutdown") == 0 ||
               strcmp(lvl, "warn") == 0 || strcmp(lvl, "error") == 0) {
        uimodel_line(m, msg);
    }
    return m->state != before || m->seq != seq || m->nplayers != np;
}

void lp_uimodel_stopped(struct lp_uimodel *m, int code)
{
    char line[64];

    m->state = LP_UI_STOPPED;
    m->nplayers = 0;
    if (code == 0)
        snprintf(line, sizeof(line), "stopped");
    else
        snprintf(line, sizeof(line), "stopped (exit status %d)", code);
    uimodel_line(m, line);
}

size_t lp_uimodel_diag_text(const struct lp_uimodel *m, char *out,
                            size_t outlen)
{
    size_t n = 0, first = (m->diag_next + LP_UI_DIAG - m->ndiag) % LP_UI_DIAG;

    if (outlen == 0)
        return 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->ndiag; i++) {
        const char *l = m->diag[(first + i) % LP_UI_DIAG];
        int w = snprintf(out + n, outlen - n, "%s\r\n", l);
        if (w < 0 || (size_t)w >= outlen - n) {
            n = outlen - 1;
            break;
        }
        n += (size_t)w;
    }
    return n;
}
