/*
 * lp_http: the admin listener the relay and the gateway share (issue 15),
 * a thin libmicrohttpd shell run from the daemon's own epoll loop:
 * libmicrohttpd starts without a thread of its own (MHD_USE_EPOLL,
 * external polling), its epoll descriptor (lp_http_fd) is one more source
 * of the daemon's loop, lp_http_deadline is folded into the loop's
 * deadline and lp_http_run answers what is ready. State is read and
 * changed from one thread with no lock; a request costs the loop one
 * bounded step.
 *
 * What it serves itself:
 *   GET  the static assets of cfg (the page, its script and style)
 *   GET  /api/v1/status   cfg->status, as compact JSON (bearer token)
 *   GET  /metrics         cfg->metrics (bearer token unless the listener
 *                         is bound to a loopback address)
 * and every other request goes to cfg->route (NULL: 404).
 *
 * Access: a bearer token, read from a file (its first line), or made (32
 * random bytes, base64url) and written there owner only, or made afresh
 * at every start without a file. Limits: LP_HTTP_MAX_CONNS connections
 * (LP_HTTP_MAX_PER_IP from one address), LP_HTTP_MEMORY bytes of request
 * line and headers per connection (larger: 431 or 414 from
 * libmicrohttpd), request bodies of at most LP_HTTP_MAX_BODY bytes (413),
 * and an idle timeout per connection (a slow client is cut off).
 * Replies carry no-store, nosniff, DENY framing and a
 * Content-Security-Policy that allows only the listener's own script and
 * style; errors are {"error": "..."} with the status.
 *
 * Seccomp: the calls libmicrohttpd makes in the loop are io/lp_priv.c's
 * admin list (roles LP_PRIV_RELAY_ADMIN, LP_PRIV_GATEWAY_ADMIN);
 * lp_http_open loads the time zone and reads the limits the loop may not
 * ask for later.
 */
#ifndef LP_HTTP_H
#define LP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lp_prom.h"
#include "lp_types.h"

#define LP_HTTP_MAX_CONNS  32
#define LP_HTTP_MAX_PER_IP 16
#define LP_HTTP_MEMORY     (16 * 1024)
#define LP_HTTP_MAX_BODY   1024
#define LP_HTTP_TOKEN_LEN  43 /* base64url of 32 random bytes */

/* A file served as is to GET (and HEAD). */
struct lp_http_asset {
    const char *path; /* "/", "/dashboard.js", ... */
    const char *type; /* Content-Type */
    const char *data;
    const size_t *len;
};

struct lp_http;

/*
 * lp_http_doc_fn writes a document (the status JSON, the metrics text)
 * into a buffer it allocates: *out (the caller frees it) and *outlen.
 * Returns 0, or nonzero when out of memory (500).
 */
typedef int (*lp_http_doc_fn)(void *arg, const struct lp_procinfo *proc,
                              char **out, size_t *outlen);

/* lp_http_json_fn builds the status document (the caller, lp_http,
 * releases it); NULL when out of memory (500). */
typedef json_t *(*lp_http_json_fn)(void *arg, const struct lp_procinfo *proc);

/*
 * lp_http_route_fn answers a request lp_http does not serve itself:
 * method and url as libmicrohttpd gives them, the body already checked
 * against LP_HTTP_MAX_BODY (and discarded). It queues a response
 * (lp_http_send, lp_http_error) and returns what that returned.
 */
typedef enum MHD_Result (*lp_http_route_fn)(void *arg, struct lp_http *h,
                                            struct MHD_Connection *c,
                                            const char *method,
                                            const char *url);

/* The daemon's flags: --admin-listen, --admin-token-file, --admin-timeout
 * (0: the default, LP_HTTP_TIMEOUT_S). */
struct lp_http_opts {
    const char *listen;     /* an address as for --listen, TCP */
    const char *token_file; /* NULL: a new token at every start */
    unsigned timeout_s;     /* idle connections are closed after it */
    /* HTTPS (GnuTLS inside libmicrohttpd) with this certificate chain
     * and key, PEM: from files, or (the relay's development identity)
     * from memory. All NULL: plain HTTP. Read once, at open: a renewed
     * certificate takes a restart. */
    const char *tls_cert_file, *tls_key_file;
    const char *tls_cert_pem, *tls_key_pem;
};

#define LP_HTTP_TIMEOUT_S 10

struct lp_http_cfg {
    struct lp_http_opts opts;
    const struct lp_http_asset *assets;
    size_t nassets;
    lp_http_json_fn status;
    lp_http_doc_fn metrics;
    lp_http_route_fn route; /* NULL: everything else is 404 */
    void *arg;              /* for the callbacks */
};

struct lp_http {
    struct MHD_Daemon *d;
    struct lp_http_cfg cfg;
    char token[LP_HTTP_TOKEN_LEN + 1];
    int loopback; /* bound to a loopback address: /metrics needs no token */
    char url[80]; /* http://ADDR:PORT/ or https:// */
    char *tls_cert, *tls_key; /* PEM, kept while the daemon runs */
    uint64_t requests, unauthorized;
    long clk_tck, page_size; /* for /proc/self/stat */
    int64_t max_fds;
    uint64_t start_ms; /* Unix time of lp_http_open, in ms */
};

/*
 * lp_http_open binds cfg->listen and starts libmicrohttpd (cfg is copied;
 * the strings and assets it points to must outlive h). The token comes
 * from cfg->token_file when it exists, or is made and, with a file,
 * written there owner only; *made tells. Errors name the flags
 * (--admin-listen, --admin-token-file). Returns 0, or -1 with a message
 * in err.
 */
int lp_http_open(struct lp_http *h, const struct lp_http_cfg *cfg, int *made,
                 char *err, size_t errlen);

/* lp_http_log_listening logs event=admin_listening with the URL, whether
 * /metrics needs the token, the token file, and the token itself when it
 * was just made (made): afterwards it lives only in the file. */
void lp_http_log_listening(const struct lp_http *h, int made);

/* lp_http_fd: the descriptor to watch for reading (epoll). */
int lp_http_fd(const struct lp_http *h);

/* lp_http_deadline: when lp_http_run must run at the latest (lp_clock's
 * clock), or UINT64_MAX. */
lp_tstamp lp_http_deadline(const struct lp_http *h, lp_tstamp now);

/* lp_http_run accepts, reads and answers what is ready, and times out idle
 * connections. */
void lp_http_run(struct lp_http *h);

/* lp_http_close stops the listener (NULL or never opened: nothing). */
void lp_http_close(struct lp_http *h);

/* lp_http_send queues one response with the listener's headers; body is
 * copied unless is_static. */
enum MHD_Result lp_http_send(struct MHD_Connection *c, unsigned status,
                             const char *type, const char *body, size_t len,
                             int is_static);

/* lp_http_error queues {"error": msg} with status. */
enum MHD_Result lp_http_error(struct MHD_Connection *c, unsigned status,
                              const char *msg);

/* lp_http_authorized: the request carries "Authorization: Bearer TOKEN"
 * (compared in constant time). */
int lp_http_authorized(const struct lp_http *h, struct MHD_Connection *c);

/* lp_http_unauthorized counts and queues a 401 with WWW-Authenticate. */
enum MHD_Result lp_http_unauthorized(struct lp_http *h,
                                     struct MHD_Connection *c);

/*
 * lp_http_proc fills *p with the process figures: CPU time and memory
 * from /proc/self/stat (a plain read-only open, allowed by the seccomp
 * lists), the descriptor limit and the start time read at open. Figures
 * it cannot read are -1.
 */
void lp_http_proc(const struct lp_http *h, struct lp_procinfo *p);

/* lp_http_wall_ms: Unix time now, in ms. */
uint64_t lp_http_wall_ms(void);

#endif /* LP_HTTP_H */
