/*
 * relay_http: the relay's admin listener (issue 15), a thin libmicrohttpd
 * shell over relay/lp_status. It runs in the relay's own epoll loop:
 * libmicrohttpd is started without a thread of its own (MHD_USE_EPOLL,
 * external polling), its epoll descriptor is one more source of the
 * relay's loop and relay_http_run is called when it is readable or its
 * deadline passed. So the relay's state is read and changed from one
 * thread with no lock, and a request costs the loop one bounded step.
 *
 *   GET  /                    the dashboard (cmd/dashboard/, embedded)
 *   GET  /dashboard.js, /dashboard.css
 *   GET  /api/v1/status       lp_status_json (bearer token)
 *   POST /api/v1/rooms/ROOM/peers/ID/kick   lp_relay_kick (bearer token)
 *   GET  /metrics             Prometheus text (bearer token unless the
 *                             listener is bound to a loopback address)
 *
 * Limits: RELAY_HTTP_MAX_CONNS connections (RELAY_HTTP_MAX_PER_IP from one
 * address), RELAY_HTTP_MEMORY bytes of request line and headers per
 * connection (larger: 431 or 414 from libmicrohttpd), request bodies of at
 * most RELAY_HTTP_MAX_BODY bytes (413), and an idle timeout per connection
 * (a slow client is cut off).
 */
#ifndef RELAY_HTTP_H
#define RELAY_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lp_relay.h"
#include "lp_status.h"

#define RELAY_HTTP_MAX_CONNS  32
#define RELAY_HTTP_MAX_PER_IP 16
#define RELAY_HTTP_MEMORY     (16 * 1024)
#define RELAY_HTTP_MAX_BODY   1024
#define RELAY_HTTP_TOKEN_LEN  43 /* base64url of 32 random bytes */

/* relay_http_meta_fn fills the process figures and clocks of *m. */
typedef void (*relay_http_meta_fn)(void *arg, struct lp_status_meta *m);

struct relay_http {
    struct MHD_Daemon *d;
    struct lp_relay *relay;
    relay_http_meta_fn meta;
    void *meta_arg;
    char token[RELAY_HTTP_TOKEN_LEN + 1];
    int loopback; /* bound to a loopback address: /metrics needs no token */
    char url[80]; /* http://ADDR:PORT/ */
    uint64_t requests, unauthorized;
    long clk_tck, page_size; /* for /proc/self/stat */
    int64_t max_fds;
};

/*
 * relay_http_open binds listen (an address as for --listen, TCP) and
 * starts libmicrohttpd with an idle timeout of timeout_s seconds. The
 * token comes from token_file when it exists (its first line), or is made
 * (32 random bytes, base64url) and, with token_file, written there owner
 * only; *made tells. Returns 0, or -1 with a message in err.
 */
int relay_http_open(struct relay_http *h, const char *listen,
                    const char *token_file, unsigned timeout_s,
                    struct lp_relay *relay, relay_http_meta_fn meta,
                    void *meta_arg, int *made, char *err, size_t errlen);

/* relay_http_fd: the descriptor to watch for reading (epoll). */
int relay_http_fd(const struct relay_http *h);

/* relay_http_deadline: when relay_http_run must run at the latest (the
 * relay's clock), or UINT64_MAX. */
lp_tstamp relay_http_deadline(const struct relay_http *h, lp_tstamp now);

/* relay_http_run accepts, reads and answers what is ready, and times out
 * idle connections. */
void relay_http_run(struct relay_http *h);

/* relay_http_close stops the listener (NULL or never opened: nothing). */
void relay_http_close(struct relay_http *h);

#endif /* RELAY_HTTP_H */
