/*
 * lp_uimodel: what the client's window shows, derived from the client's
 * own output. Sans-IO: the window feeds it every line the client prints
 * (logfmt lines from lp_log and plain lines such as "OK: ..." or
 * "lanparty-client: no TAP-Windows6 adapter found ...") and draws the
 * result: a connection state, the last human status lines, the players in
 * the room (from peer_joined / peer_left) and the raw lines as copyable
 * diagnostics. The command line and the window therefore say the same
 * things, and the model is unit tested without a window (tests/win).
 */
#ifndef LP_UIMODEL_H
#define LP_UIMODEL_H

#include <stddef.h>

#define LP_UI_LINES   8
#define LP_UI_LINELEN 240
#define LP_UI_PLAYERS 32
#define LP_UI_DIAG    80

enum lp_ui_state {
    LP_UI_STOPPED = 0,
    LP_UI_CONNECTING,
    LP_UI_CONNECTED,
    LP_UI_RECONNECTING,
};

struct lp_ui_player {
    unsigned peer_id;
    char role[16];
    char label[64];
};

struct lp_uimodel {
    enum lp_ui_state state;
    unsigned long seq; /* changes with every new line or player */
    size_t nlines;     /* lines[0] oldest */
    char lines[LP_UI_LINES][LP_UI_LINELEN];
    size_t nplayers;
    struct lp_ui_player players[LP_UI_PLAYERS];
    size_t ndiag, diag_next; /* ring of raw lines */
    char diag[LP_UI_DIAG][LP_UI_LINELEN];
};

void lp_uimodel_init(struct lp_uimodel *m);

/* lp_ui_state_name: "stopped", "connecting", "connected", "reconnecting". */
const char *lp_ui_state_name(enum lp_ui_state s);

/* lp_uimodel_feed takes one line of the client's output (without the line
 * end). Returns 1 when what the window shows changed beyond the
 * diagnostics, else 0. */
int lp_uimodel_feed(struct lp_uimodel *m, const char *line);

/* lp_uimodel_stopped: the client returned status code: state stopped, the
 * players gone, and one line saying so. */
void lp_uimodel_stopped(struct lp_uimodel *m, int code);

/* lp_uimodel_diag_text writes the raw lines, oldest first, separated by
 * CR LF (for a Windows edit control and the clipboard). Returns the length
 * (cut to outlen - 1). */
size_t lp_uimodel_diag_text(const struct lp_uimodel *m, char *out,
                            size_t outlen);

/* lp_logfmt_get copies the value of key in a logfmt line (bare, or quoted
 * with \" and \\ escapes) into out. 0, or -1 when key is absent. */
int lp_logfmt_get(const char *line, const char *key, char *out, size_t outlen);

#endif /* LP_UIMODEL_H */
