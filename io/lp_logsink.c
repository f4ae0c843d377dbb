/* lp_logsink: a log sink that never blocks; see lp_logsink.h. */
#include "lp_logsink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_err.h"

int lp_logsink_init(struct lp_logsink *s, int fd, size_t cap)
{
    int fl;

    memset(s, 0, sizeof(*s));
    s->fd = fd;
    s->restore_flags = -1;
    s->buf = malloc(cap);
    if (s->buf == NULL)
        return LP_ERR_NOMEM;
    s->cap = cap;
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !isatty(fd) && !(fl & O_NONBLOCK) &&
        fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
        s->restore_flags = fl;
    return 0;
}

/* ring_put appends n bytes (the caller checked the room). */
static void ring_put(struct lp_logsink *s, const char *p, size_t n)
{
    size_t tail = (s->head + s->len) % s->cap, first = s->cap - tail;

    if (first > n)
        first = n;
    memcpy(s->buf + tail, p, first);
    memcpy(s->buf, p + first, n - first);
    s->len += n;
}

/* sink_write writes what the descriptor takes now. */
static void sink_write(struct lp_logsink *s)
{
    while (s->len > 0) {
        size_t chunk = s->cap - s->head;
        ssize_t n;

        if (chunk > s->len)
            chunk = s->len;
        n = write(s->fd, s->buf + s->head, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EAGAIN: the reader is behind; a later flush goes on */
        s->head = (s->head + (size_t)n) % s->cap;
        s->len -= (size_t)n;
    }
    if (s->len == 0)
        s->head = 0;
}

/* sink_note formats the count of lost lines into note; returns its length
 * (0 when nothing was lost). */
static size_t sink_note(const struct lp_logsink *s, char *note, size_t cap)
{
    int n;

    if (s->dropped == 0)
        return 0;
    n = snprintf(note, cap,
                 "level=warn comp=log event=log_dropped lines=%llu\n",
                 (unsigned long long)s->dropped);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t lp_logsink_flush(struct lp_logsink *s)
{
    char note[96];
    size_t notelen;

    sink_write(s);
    /* the reader caught up: say what it missed, even if nothing else
     * is logged for a while */
    if (s->len == 0 && (notelen = sink_note(s, note, sizeof(note))) > 0) {
        ring_put(s, note, notelen);
        s->dropped = 0;
        sink_write(s);
    }
    return s->len;
}

void lp_logsink_line(const char *line, size_t len, void *arg)
{
    struct lp_logsink *s = arg;
    char note[96];
    size_t notelen = sink_note(s, note, sizeof(note));

    /* the count and the line go in together, or the line is counted */
    if (notelen + len + 1 > s->cap - s->len) {
        sink_write(s);
        if (notelen + len + 1 > s->cap - s->len) {
            s->dropped++;
            s->dropped_total++;
            return;
        }
    }
    if (notelen > 0) {
        ring_put(s, note, notelen);
        s->dropped = 0;
    }
    ring_put(s, line, len);
    ring_put(s, "\n", 1);
    sink_write(s);
}

void lp_logsink_close(struct lp_logsink *s, int timeout_ms)
{
    if (s->buf == NULL)
        return;
    while (lp_logsink_flush(s) > 0 && timeout_ms > 0) {
        struct pollfd pf = {s->fd, POLLOUT, 0};
        if (poll(&pf, 1, 50) < 0 && errno != EINTR)
            break;
        timeout_ms -= 50;
    }
    if (s->restore_flags >= 0)
        (void)fcntl(s->fd, F_SETFL, s->restore_flags);
    free(s->buf);
    s->buf = NULL;
}
