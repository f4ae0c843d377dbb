/* lp_http: the admin listener the relay and the gateway share; see
 * lp_http.h. */
#include "lp_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lp_b64.h"
#include "lp_endpoint.h"
#include "lp_file.h"
#include "lp_log.h"
#include "lp_resolve.h"
#include "lp_sockaddr.h"

/* Per-connection state: the request body seen so far. */
struct http_req {
    size_t body;
    int too_large;
};

enum MHD_Result lp_http_send(struct MHD_Connection *c, unsigned status,
                             const char *type, const char *body, size_t len,
                             int is_static)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                        is_static ? MHD_RESPMEM_PERSISTENT
                                                  : MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* the pages load only their own script and style, and talk only to
     * this listener: no inline script, nothing from elsewhere */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; "
                            "style-src 'self'; connect-src 'self'; "
                            "img-src 'self' data:; base-uri 'none'; "
                            "form-action 'none'; frame-ancestors 'none'");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate",
                                "Bearer realm=\"lanparty\"");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result lp_http_error(struct MHD_Connection *c, unsigned status,
                              const char *msg)
{
    char body[512];
    json_t *o = json_pack("{s:s}", "error", msg);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

    snprintf(body, sizeof(body), "%s\n", s != NULL ? s : "{}");
    free(s);
    json_decref(o);
    return lp_http_send(c, status, "application/json", body, strlen(body), 0);
}

int lp_http_authorized(const struct lp_http *h, struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    const char *t;
    unsigned char diff = 0;
    size_t n = strlen(h->token);

    if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
        return 0;
    t = a + 7;
    while (*t == ' ')
        t++;
    if (strlen(t) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(t[i] ^ h->token[i]);
    return diff == 0;
}

enum MHD_Result lp_http_unauthorized(struct lp_http *h,
                                     struct MHD_Connection *c)
{
    h->unauthorized++;
    return lp_http_error(c, MHD_HTTP_UNAUTHORIZED,
                         "a bearer token is required");
}

uint64_t lp_http_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* proc(5): utime and stime are fields 14 and 15 of /proc/self/stat in
 * clock ticks, vsize 23 in bytes, rss 24 in pages. */
void lp_http_proc(const struct lp_http *h, struct lp_procinfo *p)
{
    char buf[1024];
    /* plain open/read/close: stdio's fclose may lseek, which the seccomp
     * lists do not allow */
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    const char *s;
    unsigned long long v[24];

    memset(p, 0, sizeof(*p));
    p->cpu_seconds = -1;
    p->resident_bytes = p->virtual_bytes = p->open_fds = -1;
    p->max_fds = h->max_fds;
    p->start_ms = h->start_ms;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    /* the command name (field 2) may hold spaces: start after its ')' */
    s = strrchr(buf, ')');
    if (s == NULL)
        return;
    s++;
    /* fields 3.. : the state letter, then numbers */
    while (*s == ' ')
        s++;
    if (*s != '\0')
        s++;
    for (int k = 0; k < 22; k++) {
        char *end;
        v[k] = strtoull(s, &end, 10);
        if (end == s)
            return;
        s = end;
    }
    /* v[0] is field 4: field N is v[N - 4] */
    if (h->clk_tck > 0)
        p->cpu_seconds = (double)(v[10] + v[11]) / (double)h->clk_tck;
    p->virtual_bytes = (int64_t)v[19];
    p->resident_bytes = (int64_t)(v[20] * (unsigned long long)h->page_size);
}

/* http_doc answers GET of a document the daemon writes: the metrics
 * (text), or the status (JSON, made compact here). */
static enum MHD_Result http_doc(struct lp_http *h, struct MHD_Connection *c,
                                int status)
{
    struct lp_procinfo p;
    char *s = NULL;
    size_t len = 0;
    enum MHD_Result ret;
    int rv = 0;

    lp_http_proc(h, &p);
    if (status) {
        json_t *doc = h->cfg.status(h->cfg.arg, &p);
        s = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        len = s != NULL ? strlen(s) : 0;
    } else {
        rv = h->cfg.metrics(h->cfg.arg, &p, &s, &len);
    }
    if (rv != 0 || s == NULL)
        return lp_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                             "out of memory");
    ret = lp_http_send(c, MHD_HTTP_OK,
                       status ? "application/json"
                              : "text/plain; version=0.0.4; charset=utf-8",
                       s, len, 0);
    free(s);
    return ret;
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    struct lp_http *h = cls;
    struct http_req *q = *con_cls;
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
              strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

    (void)version;
    (void)upload_data;
    if (q == NULL) {
        /* first call: headers only. A declared body over the limit is
         * refused before it is read. */
        const char *cl = MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        q = calloc(1, sizeof(*q));
        if (q == NULL)
            return MHD_NO;
        *con_cls = q;
        h->requests++;
        if (cl != NULL && strtoull(cl, NULL, 10) > LP_HTTP_MAX_BODY)
            q->too_large = 1;
        else
            return MHD_YES;
    }
    if (*upload_data_size > 0) {
        q->body += *upload_data_size;
        *upload_data_size = 0;
        if (q->body > LP_HTTP_MAX_BODY)
            q->too_large = 1;
        if (!q->too_large)
            return MHD_YES;
    }
    if (q->too_large)
        return lp_http_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                             "request body too large");

    for (size_t i = 0; i < h->cfg.nassets; i++) {
        const struct lp_http_asset *a = &h->cfg.assets[i];
        if (strcmp(url, a->path) != 0)
            continue;
        if (!get)
            return lp_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
        return lp_http_send(c, MHD_HTTP_OK, a->type, a->data, *a->len, 1);
    }
    if (strcmp(url, "/metrics") == 0) {
        if (!get)
            return lp_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
        if (!h->loopback && !lp_http_authorized(h, c))
            return lp_http_unauthorized(h, c);
        return http_doc(h, c, 0);
    }
    if (strcmp(url, "/api/v1/status") == 0) {
        if (!lp_http_authorized(h, c))
            return lp_http_unauthorized(h, c);
        if (!get)
            return lp_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
        return http_doc(h, c, 1);
    }
    if (h->cfg.route != NULL)
        return h->cfg.route(h->cfg.arg, h, c, method, url);
    return lp_http_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static void http_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's own messages (bad requests, limits) at debug. */
static void http_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    lp_logf(LP_LOG_DEBUG, "admin_http", "%s", msg);
}

/* The token: the file's first line, or 32 fresh random bytes. */
static int http_token(struct lp_http *h, const char *file, int *made, char *err,
                      size_t errlen)
{
    uint8_t raw[32];
    char *text = NULL, e[300];
    size_t len = 0;

    *made = 0;
    if (file != NULL &&
        lp_file_read(file, 4096, &text, &len, e, sizeof(e)) == 0) {
        size_t n = strcspn(text, "\r\n");
        if (n < 16 || n > LP_HTTP_TOKEN_LEN) {
            snprintf(err, errlen,
                     "--admin-token-file %s: want one line of 16 to %d "
                     "characters",
                     file, LP_HTTP_TOKEN_LEN);
            free(text);
            return -1;
        }
        memcpy(h->token, text, n);
        h->token[n] = '\0';
        free(text);
        return 0;
    }
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        snprintf(err, errlen, "no random bytes for the admin token: %s",
                 strerror(errno));
        return -1;
    }
    lp_b64url_encode(h->token, sizeof(h->token), raw, sizeof(raw));
    *made = 1;
    if (file != NULL) {
        char line[LP_HTTP_TOKEN_LEN + 2];
        snprintf(line, sizeof(line), "%s\n", h->token);
        if (lp_file_write_atomic(file, line, strlen(line), 1, e, sizeof(e)) !=
            0) {
            snprintf(err, errlen, "--admin-token-file: %s", e);
            return -1;
        }
    }
    return 0;
}

/* http_tls_pem loads the certificate and key for HTTPS into h (from the
 * files, or copies of the PEM in memory). 0, or -1 with err. */
static int http_tls_pem(struct lp_http *h, const struct lp_http_opts *o,
                        char *err, size_t errlen)
{
    char e[300];
    size_t len = 0;

    if (o->tls_cert_file != NULL || o->tls_key_file != NULL) {
        if (o->tls_cert_file == NULL || o->tls_key_file == NULL) {
            snprintf(err, errlen, "admin TLS needs a certificate and a key");
            return -1;
        }
        if (lp_file_read(o->tls_cert_file, 1 << 20, &h->tls_cert, &len, e,
                         sizeof(e)) != 0 ||
            lp_file_read(o->tls_key_file, 1 << 20, &h->tls_key, &len, e,
                         sizeof(e)) != 0) {
            snprintf(err, errlen, "admin TLS: %s", e);
            return -1;
        }
    } else {
        h->tls_cert = strdup(o->tls_cert_pem);
        h->tls_key = strdup(o->tls_key_pem);
        if (h->tls_cert == NULL || h->tls_key == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen,
                 "admin TLS: this libmicrohttpd was built without TLS");
        return -1;
    }
    return 0;
}

static void http_tls_free(struct lp_http *h)
{
    if (h->tls_key != NULL)
        memset(h->tls_key, 0, strlen(h->tls_key));
    free(h->tls_key);
    free(h->tls_cert);
    h->tls_key = h->tls_cert = NULL;
}

int lp_http_open(struct lp_http *h, const struct lp_http_cfg *cfg, int *made,
                 char *err, size_t errlen)
{
    const struct lp_http_opts *o = &cfg->opts;
    int tls = o->tls_cert_file != NULL || o->tls_key_file != NULL ||
              (o->tls_cert_pem != NULL && o->tls_key_pem != NULL);
    struct lp_endpoint ep;
    struct sockaddr_storage addr;
    socklen_t alen = sizeof(addr);
    size_t n = 0;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;
    char a[LP_SOCKADDR_STRLEN];
    struct rlimit rl;
    int fd;

    memset(h, 0, sizeof(*h));
    h->cfg = *cfg;
    /* libmicrohttpd's Date header (gmtime_r) makes glibc load the time
     * zone once, reading /etc/localtime with an lseek the seccomp lists do
     * not allow: load it now, before the filter */
    tzset();
    /* what the loop may not ask for later (prlimit64 is not allowed) */
    h->clk_tck = sysconf(_SC_CLK_TCK);
    h->page_size = sysconf(_SC_PAGESIZE);
    h->max_fds =
        getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
            ? (int64_t)rl.rlim_cur
            : -1;
    h->start_ms = lp_http_wall_ms();
    if (lp_endpoint_parse_listen(&ep, cfg->opts.listen, err, errlen) != 0 ||
        lp_resolve_endpoint(&ep, &addr, &alen, 1, &n, err, errlen) != 0 ||
        n == 0) {
        size_t l = strlen(err);
        snprintf(err + l, errlen > l ? errlen - l : 0, " (--admin-listen '%s')",
                 cfg->opts.listen);
        return -1;
    }
    if (http_token(h, cfg->opts.token_file, made, err, errlen) != 0)
        return -1;
    if (tls && http_tls_pem(h, o, err, errlen) != 0) {
        http_tls_free(h);
        return -1;
    }
    if (addr.ss_family == AF_INET6) {
        const struct in6_addr *a6 = &((struct sockaddr_in6 *)&addr)->sin6_addr;
        flags |=
            IN6_IS_ADDR_UNSPECIFIED(a6) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
        h->loopback = IN6_IS_ADDR_LOOPBACK(a6);
    } else {
        h->loopback = (ntohl(((struct sockaddr_in *)&addr)->sin_addr.s_addr) >>
                       24) == 127;
    }
    h->d = MHD_start_daemon(
        flags | (tls ? MHD_USE_TLS : 0),
        ntohs(((struct sockaddr_in *)&addr)->sin_port), NULL, NULL,
        http_handler, h, MHD_OPTION_EXTERNAL_LOGGER, http_log, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)LP_HTTP_MAX_CONNS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)LP_HTTP_MAX_PER_IP,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LP_HTTP_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->opts.timeout_s != 0 ? cfg->opts.timeout_s : LP_HTTP_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, http_completed, h,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 64u,
        /* the key and certificate only with MHD_USE_TLS: libmicrohttpd
         * refuses them without it */
        tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, h->tls_key,
        MHD_OPTION_HTTPS_MEM_CERT, h->tls_cert, MHD_OPTION_END);
    if (h->d == NULL) {
        lp_sockaddr_format((struct sockaddr *)&addr, 1, a, sizeof(a));
        snprintf(err, errlen, "--admin-listen %s: cannot listen on %s: %s%s",
                 cfg->opts.listen, a, strerror(errno),
                 tls ? " (or the certificate and key do not load)" : "");
        http_tls_free(h);
        return -1;
    }
    /* the port actually bound (port 0 picks one) */
    info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_LISTEN_FD);
    fd = info != NULL ? info->listen_fd : -1;
    alen = sizeof(addr);
    if (fd >= 0)
        (void)getsockname(fd, (struct sockaddr *)&addr, &alen);
    lp_sockaddr_format((struct sockaddr *)&addr, 1, a, sizeof(a));
    snprintf(h->url, sizeof(h->url), "%s://%s/", tls ? "https" : "http", a);
    return 0;
}

void lp_http_log_listening(const struct lp_http *h, int made)
{
    struct lp_logbuf b;

    if (lp_log_begin(&b, LP_LOG_INFO, "admin_listening")) {
        lp_log_str(&b, "url", h->url);
        lp_log_str(&b, "metrics_auth", h->loopback ? "none" : "token");
        if (h->cfg.opts.token_file != NULL)
            lp_log_str(&b, "token_file", h->cfg.opts.token_file);
        if (made)
            lp_log_str(&b, "token", h->token);
        lp_log_end(&b);
    }
}

int lp_http_fd(const struct lp_http *h)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);

    return info != NULL ? info->epoll_fd : -1;
}

lp_tstamp lp_http_deadline(const struct lp_http *h, lp_tstamp now)
{
    MHD_UNSIGNED_LONG_LONG ms;

    if (h->d == NULL || MHD_get_timeout(h->d, &ms) != MHD_YES)
        return UINT64_MAX;
    return now + (lp_tstamp)ms * LP_MILLISECONDS;
}

void lp_http_run(struct lp_http *h)
{
    if (h->d != NULL)
        (void)MHD_run(h->d);
}

void lp_http_close(struct lp_http *h)
{
    if (h != NULL && h->d != NULL) {
        MHD_stop_daemon(h->d);
        h->d = NULL;
        http_tls_free(h);
    }
}
