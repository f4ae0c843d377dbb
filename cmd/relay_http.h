/*
 * relay_http: the relay's routes on the shared admin listener (io/lp_http,
 * libmicrohttpd in the relay's own epoll loop) over relay/lp_status.
 *
 *   GET  /                    the dashboard (cmd/dashboard/, embedded)
 *   GET  /dashboard.js, /dashboard.css
 *   GET  /api/v1/status       lp_status_json (bearer token)
 *   POST /api/v1/rooms/ROOM/peers/ID/kick     lp_relay_kick (bearer token)
 *   POST /api/v1/rooms/ROOM/peers/ID/revoke   the peer's invite leaves the
 *                             room list (relay_http_revoke_fn): every peer
 *                             admitted with it is disconnected (bearer
 *                             token)
 *   GET  /metrics             Prometheus text (bearer token unless the
 *                             listener is bound to a loopback address)
 *
 * Limits, token and errors are lp_http's (io/lp_http.h).
 */
#ifndef RELAY_HTTP_H
#define RELAY_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lp_http.h"
#include "lp_relay.h"
#include "lp_status.h"

/* relay_http_meta_fn fills the clocks and counters of *m (not m->proc). */
typedef void (*relay_http_meta_fn)(void *arg, struct lp_status_meta *m);

/*
 * relay_http_revoke_fn removes the credential `label` of room `room` from
 * the relay's room list, on disk and in force, and stores in *npeers how
 * many peers that disconnected. Returns 0, LP_ERR_INVAL (an open relay, no
 * such credential: 409) or LP_ERR_IO (the list cannot be read or written:
 * 500), with a message in err.
 */
typedef int (*relay_http_revoke_fn)(void *arg, const char *room,
                                    const char *label, size_t *npeers,
                                    char *err, size_t errlen);

struct relay_http {
    struct lp_http http;
    struct lp_relay *relay;
    relay_http_meta_fn meta;
    relay_http_revoke_fn revoke;
    void *meta_arg; /* for meta and revoke */
};

/*
 * relay_http_open starts the listener as the flags in opts say
 * (lp_http_open: the token read, or made and written; *made tells).
 * Returns 0, or -1 with a message in err.
 */
int relay_http_open(struct relay_http *h, const struct lp_http_opts *opts,
                    struct lp_relay *relay, relay_http_meta_fn meta,
                    relay_http_revoke_fn revoke, void *meta_arg, int *made,
                    char *err, size_t errlen);

#endif /* RELAY_HTTP_H */
