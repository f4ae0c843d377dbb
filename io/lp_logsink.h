/*
 * lp_logsink: a log sink that never blocks the event loop.
 *
 * Lines go into a fixed ring buffer and are written to a non-blocking file
 * descriptor as far as it takes them. When the reader falls behind (a full
 * pipe, a stalled journal), new lines are dropped and counted instead of
 * stopping the relay; once there is room again a line
 * `event=log_dropped lines=N` says how many were lost. A terminal is left
 * blocking (O_NONBLOCK would be shared with the shell), as terminals do not
 * stall.
 */
#ifndef LP_LOGSINK_H
#define LP_LOGSINK_H

#include <stddef.h>
#include <stdint.h>

struct lp_logsink {
    int fd;
    int restore_flags; /* the fd's flags to restore, or -1 */
    char *buf;
    size_t cap, head, len; /* ring: bytes head..head+len (mod cap) */
    uint64_t dropped;      /* lines lost since the last log_dropped line */
    uint64_t dropped_total;
};

/* lp_logsink_init buffers up to cap bytes for fd and makes fd
 * non-blocking unless it is a terminal. 0 or LP_ERR_NOMEM. */
int lp_logsink_init(struct lp_logsink *s, int fd, size_t cap);

/* lp_logsink_line is an lp_log_sink_fn (arg: the lp_logsink). */
void lp_logsink_line(const char *line, size_t len, void *arg);

/* lp_logsink_flush writes what the descriptor takes now, and the count of
 * lost lines once everything before it is out. Returns the bytes still
 * buffered. Call it from the event loop while len or dropped is not 0. */
size_t lp_logsink_flush(struct lp_logsink *s);

/* lp_logsink_close writes what is left (waiting at most timeout_ms in all),
 * restores the descriptor's flags and frees the buffer. */
void lp_logsink_close(struct lp_logsink *s, int timeout_ms);

#endif
