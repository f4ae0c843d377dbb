/*
 * lp_log.h: structured logfmt logging.
 *
 * A line looks like
 *   ts=2026-11-25T12:00:00.123Z level=info comp=relay event=peer_joined
 *   room=ROOM1 peer_id=3 mac=02:00:00:00:00:01
 * (on one line). Values that are empty or contain a space, '=', '"', a
 * backslash or any byte outside printable ASCII are double-quoted; inside
 * quotes '"' and '\' are backslash-escaped, \n \r \t are written as such,
 * and every other non-printable byte (including bytes >= 0x80) as \xNN.
 * Keys are written as given, with characters outside [A-Za-z0-9_.-]
 * replaced by '_'. A line holds at most LP_LOG_LINE_MAX - 1 bytes: a field
 * that does not fit is written quoted and cut (never inside an escape),
 * later fields are dropped and the line ends with "truncated=true".
 *
 * Lines go to a sink (default: stderr, one write per line with '\n').
 * The timestamp comes from a wall clock that tests can replace; it is the
 * only clock lib/ reads, and only for log lines.
 */
#ifndef LP_LOG_H
#define LP_LOG_H

#include "lp_reason.h"
#include "lp_types.h"

#define LP_LOG_LINE_MAX 1024

enum lp_log_level { LP_LOG_ERROR = 0, LP_LOG_WARN, LP_LOG_INFO, LP_LOG_DEBUG };

/* The current level; lines above it are skipped. Default LP_LOG_INFO. */
void lp_log_set_level(enum lp_log_level l);
enum lp_log_level lp_log_get_level(void);

/* lp_log_level_name: "error", "warn", "info" or "debug". */
const char *lp_log_level_name(enum lp_log_level l);

/*
 * lp_log_parse_level accepts "error", "warn", "warning", "info", "debug"
 * (any case). Returns 0, or LP_ERR_INVAL (*out untouched).
 */
int lp_log_parse_level(const char *s, enum lp_log_level *out);

/*
 * lp_log_sink_fn receives one finished line without the trailing newline;
 * line is NUL-terminated and only valid during the call. Passing NULL to
 * lp_log_set_sink restores the stderr sink.
 */
typedef void (*lp_log_sink_fn)(const char *line, size_t len, void *arg);
void lp_log_set_sink(lp_log_sink_fn fn, void *arg);

/*
 * lp_log_set_priority_prefix(1) starts every line with its syslog priority
 * in the form "<N>" (error 3, warn 4, info 6, debug 7), which journald
 * reads from a service's stderr (sd-daemon(3)), so `journalctl -p warning`
 * works; 0 (the default) writes plain logfmt.
 */
void lp_log_set_priority_prefix(int on);

/*
 * lp_log_clock_fn returns wall-clock nanoseconds since the Unix epoch for
 * the ts= field. NULL restores the system clock.
 */
typedef uint64_t (*lp_log_clock_fn)(void);
void lp_log_set_clock(lp_log_clock_fn fn);

/*
 * lp_log_set_component adds comp=NAME after level= on every line (NULL or
 * "" removes it). The name is copied (at most 31 bytes).
 */
void lp_log_set_component(const char *name);

/* A line being built. Use on the stack: begin, add fields, end. */
struct lp_logbuf {
    char buf[LP_LOG_LINE_MAX];
    size_t len;
    enum lp_log_level level;
    int enabled;
    int truncated;
};

/*
 * lp_log_begin starts a line with ts, level, comp and event. Returns 1,
 * or 0 if the level is disabled: the field calls and lp_log_end are then
 * no-ops, so the caller may skip them.
 */
int lp_log_begin(struct lp_logbuf *b, enum lp_log_level level,
                 const char *event);
/* Field writers; val NULL is written as "". */
void lp_log_str(struct lp_logbuf *b, const char *key, const char *val);
void lp_log_u64(struct lp_logbuf *b, const char *key, uint64_t v);
void lp_log_i64(struct lp_logbuf *b, const char *key, int64_t v);
/* lp_log_mac writes xx:xx:xx:xx:xx:xx in lower case. */
void lp_log_mac(struct lp_logbuf *b, const char *key, const uint8_t mac[6]);
/* lp_log_hex16 writes 0x0800 style (4 lower-case hex digits). */
void lp_log_hex16(struct lp_logbuf *b, const char *key, uint16_t v);
/* lp_log_end hands the line to the sink. */
void lp_log_end(struct lp_logbuf *b);

/*
 * lp_logf writes one line with event= and msg="<formatted text>". The
 * message is cut at 512 bytes.
 */
void lp_logf(enum lp_log_level level, const char *event, const char *msg_fmt,
             ...) LP_PRINTF_LIKE(3, 4);

/*
 * Rate limit for log lines: at most `burst` lines per `interval` (fixed
 * windows that start at the first line after the previous window ended).
 * lp_ratelog_allow returns 1 if a line may be written, and stores in
 * *suppressed_out (if not NULL) how many lines were refused since the last
 * allowed one, so the caller can log suppressed=N; or 0 if refused.
 */
struct lp_ratelog {
    lp_tstamp window_start;
    lp_tstamp interval;
    uint32_t burst;
    uint32_t used;
    uint64_t suppressed;
};
void lp_ratelog_init(struct lp_ratelog *r, lp_tstamp interval, uint32_t burst);
int lp_ratelog_allow(struct lp_ratelog *r, lp_tstamp now,
                     uint64_t *suppressed_out);

/*
 * lp_droplog_level decides whether a dropped-frame line is written: at the
 * debug level every drop is (at LP_LOG_DEBUG); otherwise at most r's burst
 * per interval, at LP_LOG_INFO, after a `drops_suppressed` line counting
 * those refused since the last one. Returns 1 with *lvl set, or 0.
 */
int lp_droplog_level(struct lp_ratelog *r, lp_tstamp now,
                     enum lp_log_level *lvl);

/*
 * One frame log record, the same format for relay, gateway and client.
 * dir names the path, e.g. "client_to_relay", "relay_in", "lan_to_relay",
 * "relay_to_lan", "tap_to_relay", "relay_to_tap". room may be NULL.
 */
struct lp_framelog {
    const char *dir;
    const char *room;
    uint16_t peer_id;
    const uint8_t *frame;
    size_t len;
    enum lp_action action;
    enum lp_reason reason;
    unsigned targets;
};

/*
 * lp_framelog_emit writes
 *   event=frame dir= room= peer_id= src= dst= ethertype=0x0800 len=
 *   action= reason= targets=
 * room is left out when NULL, reason when LP_REASON_NONE. src, dst and
 * ethertype (the outer one) are taken from the frame only when present: a
 * runt prints what it has.
 */
void lp_framelog_emit(enum lp_log_level level, const struct lp_framelog *f);

#endif /* LP_LOG_H */
