/*
 * lp_log.c: logfmt line builder. See lp_log.h for the format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_log.h"

#define LOG_TRUNC_MARK " truncated=true"
/* Fields stop here so the truncation mark always fits. */
#define LOG_FIELDS_MAX (LP_LOG_LINE_MAX - 1 - (sizeof(LOG_TRUNC_MARK) - 1))
#define LOG_COMP_MAX   32
#define LOG_MSG_MAX    512

static enum lp_log_level log_level = LP_LOG_INFO;
static lp_log_sink_fn log_sink;
static void *log_sink_arg;
static lp_log_clock_fn log_clock;
static char log_comp[LOG_COMP_MAX];
static int log_priority_prefix;

static uint64_t log_system_clock(void)
{
#ifdef _WIN32
    FILETIME ft;
    ULARGE_INTEGER u;

    GetSystemTimeAsFileTime(&ft);
    u.LowPart = ft.dwLowDateTime;
    u.HighPart = ft.dwHighDateTime;
    /* 100 ns ticks since 1601-01-01. */
    return (u.QuadPart - 116444736000000000ULL) * 100;
#else
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * LP_SECONDS + (uint64_t)ts.tv_nsec;
#endif
}

static void log_stderr_sink(const char *line, size_t len, void *arg)
{
    (void)arg;
    fprintf(stderr, "%.*s\n", (int)len, line);
}

void lp_log_set_level(enum lp_log_level l)
{
    if (l > LP_LOG_DEBUG)
        l = LP_LOG_DEBUG;
    log_level = l;
}

enum lp_log_level lp_log_get_level(void)
{
    return log_level;
}

const char *lp_log_level_name(enum lp_log_level l)
{
    switch (l) {
    case LP_LOG_ERROR:
        return "error";
    case LP_LOG_WARN:
        return "warn";
    case LP_LOG_INFO:
        return "info";
    case LP_LOG_DEBUG:
        return "debug";
    }
    return "debug";
}

static int log_streq_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char c = *a;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *b)
            return 0;
    }
    return *a == *b;
}

int lp_log_parse_level(const char *s, enum lp_log_level *out)
{
    static const struct {
        const char *name;
        enum lp_log_level level;
    } names[] = {
        {"error", LP_LOG_ERROR},  {"warn", LP_LOG_WARN},
        {"warning", LP_LOG_WARN}, {"info", LP_LOG_INFO},
        {"debug", LP_LOG_DEBUG},
    };

    if (s == NULL)
        return LP_ERR_INVAL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (log_streq_nocase(s, names[i].name)) {
            *out = names[i].level;
            return 0;
        }
    }
    return LP_ERR_INVAL;
}

void lp_log_set_sink(lp_log_sink_fn fn, void *arg)
{
    log_sink = fn;
    log_sink_arg = arg;
}

void lp_log_set_priority_prefix(int on)
{
    log_priority_prefix = on != 0;
}

void lp_log_set_clock(lp_log_clock_fn fn)
{
    log_clock = fn;
}

void lp_log_set_component(const char *name)
{
    size_t i = 0;

    if (name != NULL) {
        for (; i < LOG_COMP_MAX - 1 && name[i] != '\0'; i++)
            log_comp[i] = name[i];
    }
    log_comp[i] = '\0';
}

/* log_putc appends one byte if it fits below limit. */
static int log_putc(struct lp_logbuf *b, char c, size_t limit)
{
    if (b->len + 1 > limit)
        return LP_ERR_RANGE;
    b->buf[b->len++] = c;
    return 0;
}

static int log_puts(struct lp_logbuf *b, const char *s, size_t limit)
{
    size_t n = strlen(s);

    if (b->len + n > limit)
        return LP_ERR_RANGE;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return 0;
}

static int log_is_key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int log_needs_quotes(const char *v)
{
    if (*v == '\0')
        return 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '=' || *p == '"' || *p == '\\')
            return 1;
    }
    return 0;
}

/* log_escape writes the quoted form of c into out; returns its length. */
static size_t log_escape(unsigned char c, char out[5])
{
    static const char hex[] = "0123456789abcdef";
    /* the two-character escapes: from[i] is written '\\' to[i] */
    static const char from[] = "\"\\\n\r\t", to[] = "\"\\nrt";
    const char *p = c != '\0' ? strchr(from, c) : NULL;

    if (p != NULL) {
        out[0] = '\\';
        out[1] = to[p - from];
        return 2;
    }
    if (c < 0x20 || c >= 0x7f) {
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 0xf];
        return 4;
    }
    out[0] = (char)c;
    return 1;
}

/*
 * log_quoted appends "value" with escapes. With cut set it writes as many
 * whole escapes as fit and still closes the quote; otherwise it fails
 * when the value does not fit.
 */
static int log_quoted(struct lp_logbuf *b, const char *v, int cut)
{
    char esc[5];

    if (log_putc(b, '"', LOG_FIELDS_MAX - 1) < 0)
        return LP_ERR_RANGE;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        size_t n = log_escape(*p, esc);
        if (b->len + n + 1 > LOG_FIELDS_MAX) {
            if (!cut)
                return LP_ERR_RANGE;
            break;
        }
        memcpy(b->buf + b->len, esc, n);
        b->len += n;
    }
    return log_putc(b, '"', LOG_FIELDS_MAX);
}

static int log_key(struct lp_logbuf *b, const char *key)
{
    if (log_putc(b, ' ', LOG_FIELDS_MAX) < 0)
        return LP_ERR_RANGE;
    if (key == NULL || *key == '\0')
        key = "_";
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (log_putc(b, log_is_key_char(*p) ? (char)*p : '_', LOG_FIELDS_MAX) <
            0)
            return LP_ERR_RANGE;
    }
    return log_putc(b, '=', LOG_FIELDS_MAX);
}

/* log_field appends " key=value"; on overflow cuts it and marks the line. */
static void log_field(struct lp_logbuf *b, const char *key, const char *val)
{
    size_t mark;

    if (b == NULL || !b->enabled || b->truncated)
        return;
    if (val == NULL)
        val = "";
    mark = b->len;
    if (log_key(b, key) == 0) {
        int rv = log_needs_quotes(val) ? log_quoted(b, val, 0)
                                       : log_puts(b, val, LOG_FIELDS_MAX);
        if (rv == 0)
            return;
        /* Does not fit: retry as a quoted, cut value. */
        b->len = mark;
        if (log_key(b, key) == 0 && log_quoted(b, val, 1) == 0) {
            b->truncated = 1;
            return;
        }
    }
    b->len = mark;
    b->truncated = 1;
}

/* log_civil converts days since 1970-01-01 to a proleptic Gregorian date
 * (H. Hinnant's days_from_civil inverse). */
static void log_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void log_format_ts(char out[64], uint64_t ns)
{
    uint64_t secs = ns / LP_SECONDS;
    unsigned ms = (unsigned)(ns % LP_SECONDS / LP_MILLISECONDS);
    unsigned sod = (unsigned)(secs % 86400);
    int64_t y;
    unsigned m, d;

    log_civil((int64_t)(secs / 86400), &y, &m, &d);
    snprintf(out, 64, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m,
             d, sod / 3600, sod / 60 % 60, sod % 60, ms);
}

int lp_log_begin(struct lp_logbuf *b, enum lp_log_level level,
                 const char *event)
{
    char ts[64];

    b->len = 0;
    b->buf[0] = '\0';
    b->level = level;
    b->truncated = 0;
    b->enabled = level <= log_level;
    if (!b->enabled)
        return 0;
    log_format_ts(ts, log_clock != NULL ? log_clock() : log_system_clock());
    if (log_priority_prefix) {
        /* syslog priorities: err 3, warning 4, info 6, debug 7 */
        static const char *const prio[] = {"<3>", "<4>", "<6>", "<7>"};
        log_puts(b, prio[level], LOG_FIELDS_MAX);
    }
    log_puts(b, "ts=", LOG_FIELDS_MAX);
    log_puts(b, ts, LOG_FIELDS_MAX);
    log_field(b, "level", lp_log_level_name(level));
    if (log_comp[0] != '\0')
        log_field(b, "comp", log_comp);
    log_field(b, "event", event);
    return 1;
}

void lp_log_str(struct lp_logbuf *b, const char *key, const char *val)
{
    log_field(b, key, val);
}

void lp_log_u64(struct lp_logbuf *b, const char *key, uint64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    log_field(b, key, num);
}

void lp_log_i64(struct lp_logbuf *b, const char *key, int64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%lld", (long long)v);
    log_field(b, key, num);
}

void lp_log_mac(struct lp_logbuf *b, const char *key, const uint8_t mac[6])
{
    char s[LP_MAC_STRLEN];

    lp_mac_format(s, mac);
    log_field(b, key, s);
}

void lp_log_hex16(struct lp_logbuf *b, const char *key, uint16_t v)
{
    char s[8];

    snprintf(s, sizeof(s), "0x%04x", (unsigned)v);
    log_field(b, key, s);
}

void lp_log_end(struct lp_logbuf *b)
{
    if (b == NULL || !b->enabled)
        return;
    if (b->truncated)
        log_puts(b, LOG_TRUNC_MARK, LP_LOG_LINE_MAX - 1);
    b->buf[b->len] = '\0';
    if (log_sink != NULL)
        log_sink(b->buf, b->len, log_sink_arg);
    else
        log_stderr_sink(b->buf, b->len, NULL);
    b->enabled = 0;
}

void lp_logf(enum lp_log_level level, const char *event, const char *msg_fmt,
             ...)
{
    struct lp_logbuf b;
    char msg[LOG_MSG_MAX];
    va_list ap;

    if (!lp_log_begin(&b, level, event))
        return;
    va_start(ap, msg_fmt);
    vsnprintf(msg, sizeof(msg), msg_fmt, ap);
    va_end(ap);
    /* msg= is always quoted, so readers can find free text easily. */
    if (!b.truncated) {
        size_t mark = b.len;
        if (log_key(&b, "msg") < 0 || log_quoted(&b, msg, 1) < 0) {
            b.len = mark;
            b.truncated = 1;
        }
    }
    lp_log_end(&b);
}

void lp_ratelog_init(struct lp_ratelog *r, lp_tstamp interval, uint32_t burst)
{
    r->window_start = 0;
    r->interval = interval;
    r->burst = burst;
    r->used = 0;
    r->suppressed = 0;
}

int lp_droplog_level(struct lp_ratelog *r, lp_tstamp now,
                     enum lp_log_level *lvl)
{
    uint64_t suppressed = 0;

    *lvl = LP_LOG_DEBUG;
    if (lp_log_get_level() >= LP_LOG_DEBUG)
        return 1;
    if (!lp_ratelog_allow(r, now, &suppressed))
        return 0;
    *lvl = LP_LOG_INFO;
    if (suppressed > 0)
        lp_logf(LP_LOG_INFO, "drops_suppressed", "%llu drop lines suppressed",
                (unsigned long long)suppressed);
    return 1;
}

int lp_ratelog_allow(struct lp_ratelog *r, lp_tstamp now,
                     uint64_t *suppressed_out)
{
    /* A new window starts once the old one has passed (or the clock went
     * backwards, which only a broken caller can cause). */
    if (r->used == 0 || now < r->window_start ||
        now - r->window_start >= r->interval) {
        r->window_start = now;
        r->used = 0;
    }
    if (r->used >= r->burst) {
        if (r->suppressed < UINT64_MAX)
            r->suppressed++;
        return 0;
    }
    r->used++;
    if (suppressed_out != NULL)
        *suppressed_out = r->suppressed;
    r->suppressed = 0;
    return 1;
}

void lp_framelog_emit(enum lp_log_level level, const struct lp_framelog *f)
{
    struct lp_logbuf b;
    const uint8_t *fr = f->frame;
    size_t len = fr != NULL ? f->len : 0;

    if (!lp_log_begin(&b, level, "frame"))
        return;
    lp_log_str(&b, "dir", f->dir);
    if (f->room != NULL)
        lp_log_str(&b, "room", f->room);
    lp_log_u64(&b, "peer_id", f->peer_id);
    if (len >= 12)
        lp_log_mac(&b, "src", fr + 6);
    if (len >= 6)
        lp_log_mac(&b, "dst", fr);
    if (len >= 14)
        lp_log_hex16(&b, "ethertype", (uint16_t)(fr[12] << 8 | fr[13]));
    lp_log_u64(&b, "len", f->len);
    lp_log_str(&b, "action", lp_action_name(f->action));
    if (f->reason != LP_REASON_NONE)
        lp_log_str(&b, "reason", lp_reason_name(f->reason));
    lp_log_u64(&b, "targets", f->targets);
    lp_log_end(&b);
}
