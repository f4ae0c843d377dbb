/*
 * gateway_http: the gateway's routes on the shared admin listener
 * (io/lp_http, libmicrohttpd in the runner's loop) over
 * client/lp_gwstatus.
 *
 *   GET  /                  a small status page (cmd/dashboard/: the
 *                           relay's page with gateway.js as its script)
 *   GET  /dashboard.js, /common.js, /dashboard.css
 *   GET  /api/v1/status     lp_gwstatus_json (bearer token)
 *   GET  /metrics           Prometheus text (bearer token unless the
 *                           listener is bound to a loopback address)
 */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <stddef.h>

#include "lp_gwstatus.h"
#include "lp_http.h"

/* gateway_http_fill_fn copies the gateway's state into *s (zeroed). */
typedef void (*gateway_http_fill_fn)(void *arg, struct lp_gwstatus *s);

struct gateway_http {
    struct lp_http http;
    gateway_http_fill_fn fill;
    void *arg;
};

/*
 * gateway_http_open starts the listener as the flags in opts say
 * (lp_http_open; *made when the token was made). Returns 0, or -1 with a
 * message in err.
 */
int gateway_http_open(struct gateway_http *h, const struct lp_http_opts *opts,
                      gateway_http_fill_fn fill, void *arg, int *made,
                      char *err, size_t errlen);

#endif /* GATEWAY_HTTP_H */
