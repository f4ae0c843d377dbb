/*
 * lp_winui: the client's small native window (Win32 only, no toolkit), in
 * the same executable as the command line: `lanparty-client.exe --window
 * [OPTIONS] [LINK]`, which is what the Start-menu entry and the
 * lanparty:// handler run.
 *
 * The window is a shell around the command-line client: Connect runs it in
 * a worker thread with the link and the options the window was given, and
 * everything it prints (stdout and stderr, redirected into a pipe) is fed
 * to lp_uimodel, which the window draws: the room and relay from the link,
 * a Connect/Disconnect button, the state, the human status lines, the
 * players, and the raw lines as copyable diagnostics; a notification-area
 * icon shows the state. Disconnect and closing the window ask the client
 * to stop (its graceful disconnect and restore on exit run as with
 * Ctrl-C). Opened with a link, it connects at once.
 *
 * With LP_WINDOW_TRACE=FILE in the environment, every line the window
 * receives and every state it shows is appended to FILE (for tests).
 */
#ifndef LP_WINUI_H
#define LP_WINUI_H

struct lp_winui_ops {
    /* run: the client with this command line, in the worker thread;
     * returns its exit status. */
    int (*run)(int argc, char **argv);
    /* stop: ask a running client to stop (from the window's thread). */
    void (*stop)(void);
};

/* lp_winui_run shows the window until it is closed. argv holds the
 * options to pass on (e.g. --identity FILE, --check-relay) and at most one
 * lanparty:// link. Returns the process exit status. */
int lp_winui_run(const struct lp_winui_ops *ops, int argc, char **argv);

#endif /* LP_WINUI_H */
