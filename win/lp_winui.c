/* lp_winui: the client's native window; see lp_winui.h. */
#include "lp_winui.h"

#include <windows.h>
#include <shellapi.h>

#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_link.h"
#include "lp_uimodel.h"

enum {
    UI_ID_LINK = 100,
    UI_ID_ROOM,
    UI_ID_CONNECT,
    UI_ID_STATE,
    UI_ID_LINES,
    UI_ID_PLAYERS,
    UI_ID_DIAG,
    UI_ID_COPY,
};

enum {
    UI_WM_LINE = WM_APP + 1, /* lParam: a malloc'd line (the window frees) */
    UI_WM_DONE,              /* wParam: the client's exit status */
    UI_WM_TRAY,              /* the notification-area icon */
};

#define UI_MAX_ARGS 32
/* The worker's last line: the exit status, through the same pipe as the
 * client's output so that it arrives after all of it. */
#define UI_DONE "\001lanparty-window-done "

static struct {
    const struct lp_winui_ops *ops;
    HWND wnd, link, room, connect, state, lines, players, diag;
    NOTIFYICONDATAA tray;
    struct lp_uimodel m;
    int running, closing;
    int argc; /* passed-on options */
    char *argv[UI_MAX_ARGS + 4];
    char linkbuf[2048];
    FILE *trace;
} ui;

static DWORD WINAPI ui_reader(LPVOID arg)
{
    HANDLE rd = (HANDLE)arg;
    char buf[4096], line[LP_UI_LINELEN * 4];
    size_t n = 0;
    DWORD got;

    while (ReadFile(rd, buf, sizeof(buf), &got, NULL) && got > 0) {
        for (DWORD i = 0; i < got; i++) {
            char *copy;
            if (buf[i] == '\r')
                continue;
            if (buf[i] != '\n') {
                if (n + 1 < sizeof(line))
                    line[n++] = buf[i];
                continue;
            }
            line[n] = '\0';
            n = 0;
            if (strncmp(line, UI_DONE, strlen(UI_DONE)) == 0) {
                PostMessageA(ui.wnd, UI_WM_DONE,
                             (WPARAM)atoi(line + strlen(UI_DONE)), 0);
                continue;
            }
            copy = _strdup(line);
            if (copy != NULL &&
                !PostMessageA(ui.wnd, UI_WM_LINE, 0, (LPARAM)(intptr_t)copy))
                free(copy);
        }
    }
    return 0;
}

/* ui_capture sends stdout and stderr into a pipe read by ui_reader. */
static int ui_capture(void)
{
    HANDLE rd, wr, th;
    int fd;

    if (!CreatePipe(&rd, &wr, NULL, 0))
        return -1;
    fd = _open_osfhandle((intptr_t)wr, _O_WRONLY | _O_BINARY);
    if (fd < 0 || _dup2(fd, 1) != 0 || _dup2(fd, 2) != 0)
        return -1;
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    th = CreateThread(NULL, 0, ui_reader, rd, 0, NULL);
    if (th == NULL)
        return -1;
    CloseHandle(th);
    return 0;
}

/* ui_trace appends "what: text" to the LP_WINDOW_TRACE file. */
static void ui_trace(const char *what, const char *text)
{
    if (ui.trace == NULL)
        return;
    fprintf(ui.trace, "%s: %s\n", what, text);
    fflush(ui.trace);
}

static void ui_show_link(void)
{
    struct lp_link l;
    char text[2048], err[256], relay[300], out[600];

    GetWindowTextA(ui.link, text, sizeof(text));
    if (text[0] == '\0') {
        SetWindowTextA(ui.room, "Paste the invite link you were sent.");
        return;
    }
    if (lp_link_parse(&l, text, err, sizeof(err)) != 0) {
        snprintf(out, sizeof(out), "Not an invite link: %s", err);
    } else {
        lp_link_relay(&l, relay, sizeof(relay));
        snprintf(out, sizeof(out), "Room: %s      Relay: %s", l.room, relay);
    }
    lp_link_clear(&l);
    SetWindowTextA(ui.room, out);
}

static void ui_refresh(void)
{
    static enum lp_ui_state shown = (enum lp_ui_state) - 1;
    static char diag[LP_UI_DIAG * (LP_UI_LINELEN + 2) + 1];
    static char lines[LP_UI_LINES * (LP_UI_LINELEN + 2) + 1];
    const char *name = lp_ui_state_name(ui.m.state);
    char text[128];

    snprintf(text, sizeof(text), "State: %s", name);
    SetWindowTextA(ui.state, text);
    SetWindowTextA(ui.connect, ui.running ? "Disconnect" : "Connect");
    lines[0] = '\0';
    for (size_t i = 0, n = 0; i < ui.m.nlines; i++) {
        int w = snprintf(lines + n, sizeof(lines) - n, "%s\r\n", ui.m.lines[i]);
        if (w > 0 && (size_t)w < sizeof(lines) - n)
            n += (size_t)w;
    }
    SetWindowTextA(ui.lines, lines);
    SendMessageA(ui.players, LB_RESETCONTENT, 0, 0);
    for (size_t i = 0; i < ui.m.nplayers; i++) {
        const struct lp_ui_player *p = &ui.m.players[i];
        char pl[128];
        if (p->label[0] != '\0')
            snprintf(pl, sizeof(pl), "%s (%s)", p->label, p->role);
        else
            snprintf(pl, sizeof(pl), "peer %u (%s)", p->peer_id, p->role);
        SendMessageA(ui.players, LB_ADDSTRING, 0, (LPARAM)pl);
    }
    lp_uimodel_diag_text(&ui.m, diag, sizeof(diag));
    SetWindowTextA(ui.diag, diag);
    if (ui.m.state != shown) {
        shown = ui.m.state;
        ui_trace("state", name);
        snprintf(ui.tray.szTip, sizeof(ui.tray.szTip), "lanparty: %s", name);
        ui.tray.hIcon =
            LoadIconA(NULL, ui.m.state == LP_UI_CONNECTED ? IDI_INFORMATION
                            : ui.m.state == LP_UI_STOPPED ? IDI_APPLICATION
                                                          : IDI_WARNING);
        Shell_NotifyIconA(NIM_MODIFY, &ui.tray);
    }
}

static DWORD WINAPI ui_worker(LPVOID arg)
{
    int code;

    (void)arg;
    code = ui.ops->run(ui.argc + 2, ui.argv);
    fflush(stdout);
    fprintf(stderr, UI_DONE "%d\n", code);
    return 0;
}

static void ui_connect(void)
{
    HANDLE th;

    GetWindowTextA(ui.link, ui.linkbuf, sizeof(ui.linkbuf));
    if (ui.linkbuf[0] == '\0') {
        lp_uimodel_feed(&ui.m, "paste the invite link first");
        ui_refresh();
        return;
    }
    /* argv: the program, the passed-on options, the link */
    ui.argv[ui.argc + 1] = ui.linkbuf;
    ui.argv[ui.argc + 2] = NULL;
    ui.running = 1;
    ui.m.state = LP_UI_CONNECTING;
    th = CreateThread(NULL, 0, ui_worker, NULL, 0, NULL);
    if (th == NULL) {
        ui.running = 0;
        lp_uimodel_stopped(&ui.m, 1);
    } else {
        CloseHandle(th);
    }
    ui_refresh();
}

static void ui_copy_diag(void)
{
    static char text[LP_UI_DIAG * (LP_UI_LINELEN + 2) + 1];
    size_t n = lp_uimodel_diag_text(&ui.m, text, sizeof(text));
    HGLOBAL h;
    char *p;

    if (!OpenClipboard(ui.wnd))
        return;
    EmptyClipboard();
    h = GlobalAlloc(GMEM_MOVEABLE, n + 1);
    if (h != NULL && (p = GlobalLock(h)) != NULL) {
        memcpy(p, text, n + 1);
        GlobalUnlock(h);
        if (SetClipboardData(CF_TEXT, h) == NULL)
            GlobalFree(h);
    }
    CloseClipboard();
}

static HWND ui_child(const char *cls, const char *text, DWORD style, int x,
                     int y, int w, int h, int id)
{
    HWND c = CreateWindowExA(
        strcmp(cls, "EDIT") == 0 || strcmp(cls, "LISTBOX") == 0
            ? WS_EX_CLIENTEDGE
            : 0,
        cls, text, WS_CHILD | WS_VISIBLE | style, x, y, w, h, ui.wnd,
        (HMENU)(intptr_t)id, GetModuleHandleA(NULL), NULL);

    SendMessageA(c, WM_SETFONT, (WPARAM)GetStockObject(DEFAULT_GUI_FONT), TRUE);
    return c;
}

static void ui_create_children(void)
{
    ui_child("STATIC", "Invite link:", 0, 12, 14, 80, 20, 0);
    ui.link = ui_child("EDIT", "", ES_AUTOHSCROLL | WS_TABSTOP, 95, 10, 380, 24,
                       UI_ID_LINK);
    ui.connect = ui_child("BUTTON", "Connect", BS_DEFPUSHBUTTON | WS_TABSTOP,
                          485, 9, 100, 26, UI_ID_CONNECT);
    ui.room = ui_child("STATIC", "", 0, 12, 44, 573, 20, UI_ID_ROOM);
    ui.state =
        ui_child("STATIC", "State: stopped", 0, 12, 68, 573, 20, UI_ID_STATE);
    ui_child("STATIC", "Status", 0, 12, 94, 360, 18, 0);
    ui.lines = ui_child(
        "EDIT", "", ES_MULTILINE | ES_READONLY | ES_AUTOVSCROLL | WS_VSCROLL,
        12, 112, 380, 150, UI_ID_LINES);
    ui_child("STATIC", "Players in the room", 0, 402, 94, 183, 18, 0);
    ui.players = ui_child("LISTBOX", "", WS_VSCROLL | LBS_NOINTEGRALHEIGHT, 402,
                          112, 183, 150, UI_ID_PLAYERS);
    ui_child("STATIC", "Diagnostics (for support)", 0, 12, 272, 300, 18, 0);
    ui_child("BUTTON", "Copy diagnostics", WS_TABSTOP, 465, 268, 120, 24,
             UI_ID_COPY);
    ui.diag = ui_child("EDIT", "",
                       ES_MULTILINE | ES_READONLY | ES_AUTOVSCROLL |
                           WS_VSCROLL | WS_HSCROLL,
                       12, 296, 573, 150, UI_ID_DIAG);
}

static LRESULT CALLBACK ui_proc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
{
    switch (msg) {
    case WM_COMMAND:
        if (LOWORD(wp) == UI_ID_CONNECT) {
            if (ui.running)
                ui.ops->stop();
            else
                ui_connect();
        } else if (LOWORD(wp) == UI_ID_COPY) {
            ui_copy_diag();
        } else if (LOWORD(wp) == UI_ID_LINK && HIWORD(wp) == EN_CHANGE) {
            ui_show_link();
        }
        return 0;
    case UI_WM_LINE: {
        char *line = (char *)(intptr_t)lp;
        ui_trace("line", line);
        lp_uimodel_feed(&ui.m, line);
        free(line);
        ui_refresh();
        return 0;
    }
    case UI_WM_DONE:
        ui.running = 0;
        lp_uimodel_stopped(&ui.m, (int)wp);
        ui_refresh();
        if (ui.closing)
            DestroyWindow(w);
        return 0;
    case UI_WM_TRAY:
        if (lp == WM_LBUTTONUP || lp == WM_LBUTTONDBLCLK) {
            ShowWindow(w, SW_RESTORE);
            SetForegroundWindow(w);
        }
        return 0;
    case WM_CLOSE:
        if (ui.running) {
            /* disconnect and restore first; never longer than 5 s */
            ui.closing = 1;
            ui.ops->stop();
            SetTimer(w, 1, 5000, NULL);
            return 0;
        }
        DestroyWindow(w);
        return 0;
    case WM_TIMER:
        DestroyWindow(w);
        return 0;
    case WM_DESTROY:
        Shell_NotifyIconA(NIM_DELETE, &ui.tray);
        PostQuitMessage(0);
        return 0;
    default:
        return DefWindowProcA(w, msg, wp, lp);
    }
}

int lp_winui_run(const struct lp_winui_ops *ops, int argc, char **argv)
{
    WNDCLASSA wc;
    MSG msg;
    const char *link = NULL, *trace = getenv("LP_WINDOW_TRACE");
    RECT r = {0, 0, 597, 458};

    memset(&ui, 0, sizeof(ui));
    ui.ops = ops;
    lp_uimodel_init(&ui.m);
    ui.argv[0] = "lanparty-client";
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "lanparty://", 11) == 0 && link == NULL)
            link = argv[i];
        else if (ui.argc < UI_MAX_ARGS)
            ui.argv[1 + ui.argc++] = argv[i];
    }
    if (trace != NULL && trace[0] != '\0')
        ui.trace = fopen(trace, "ab");
    memset(&wc, 0, sizeof(wc));
    wc.lpfnWndProc = ui_proc;
    wc.hInstance = GetModuleHandleA(NULL);
    wc.hCursor = LoadCursorA(NULL, IDC_ARROW);
    wc.hIcon = LoadIconA(NULL, IDI_APPLICATION);
    wc.hbrBackground = (HBRUSH)(COLOR_BTNFACE + 1);
    wc.lpszClassName = "lanparty";
    if (!RegisterClassA(&wc))
        return 1;
    AdjustWindowRect(&r, WS_OVERLAPPEDWINDOW, FALSE);
    ui.wnd =
        CreateWindowExA(0, "lanparty", "lanparty",
                        WS_OVERLAPPEDWINDOW & ~WS_MAXIMIZEBOX & ~WS_THICKFRAME,
                        CW_USEDEFAULT, CW_USEDEFAULT, r.right - r.left,
                        r.bottom - r.top, NULL, NULL, wc.hInstance, NULL);
    if (ui.wnd == NULL)
        return 1;
    ui_create_children();
    if (ui_capture() != 0)
        lp_uimodel_feed(&ui.m, "cannot capture the client's output");
    FreeConsole(); /* the console a Start-menu or link start opened */
    ui.tray.cbSize = sizeof(ui.tray);
    ui.tray.hWnd = ui.wnd;
    ui.tray.uID = 1;
    ui.tray.uFlags = NIF_ICON | NIF_TIP | NIF_MESSAGE;
    ui.tray.uCallbackMessage = UI_WM_TRAY;
    ui.tray.hIcon = LoadIconA(NULL, IDI_APPLICATION);
    snprintf(ui.tray.szTip, sizeof(ui.tray.szTip), "lanparty: stopped");
    Shell_NotifyIconA(NIM_ADD, &ui.tray);
    ShowWindow(ui.wnd, SW_SHOWNORMAL);
    UpdateWindow(ui.wnd);
    if (link != NULL) {
        SetWindowTextA(ui.link, link);
        ui_connect();
    } else {
        ui_show_link();
        ui_refresh();
    }
    while (GetMessageA(&msg, NULL, 0, 0) > 0) {
        if (IsDialogMessageA(ui.wnd, &msg))
            continue;
        TranslateMessage(&msg);
        DispatchMessageA(&msg);
    }
    if (ui.trace != NULL)
        fclose(ui.trace);
    return 0;
}
