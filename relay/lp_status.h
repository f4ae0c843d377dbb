/*
 * lp_status: the relay's state as the admin listener shows it (issue 15):
 * a JSON document for GET /api/v1/status (docs/status-schema.json, schema
 * "lanparty-status/1") and the Prometheus text exposition format (0.0.4)
 * for GET /metrics. Pure: it reads the relay through lp_relay's views, the
 * process figures and the clocks come from the shell.
 *
 * Bounded output: at most LP_STATUS_MAX_ROOMS rooms carry a `room` label
 * in the metrics and at most LP_STATUS_MAX_PEERS peers a series of their
 * own (lanparty_metrics_truncated says when some were left out); the JSON
 * lists every room and peer (the relay's limits bound them).
 */
#ifndef LP_STATUS_H
#define LP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lp_prom.h"
#include "lp_relay.h"

#define LP_STATUS_SCHEMA    "lanparty-status/1"
#define LP_STATUS_MAX_ROOMS 64
#define LP_STATUS_MAX_PEERS 256

/* What the shell knows: the clocks and the process. */
struct lp_status_meta {
    const char *version;  /* the build's version */
    lp_tstamp started;    /* relay clock when the relay started */
    uint64_t wall_now_ms; /* Unix time now, in ms (for joined_at) */
    /* process figures for /metrics (a negative one is left out) */
    struct lp_procinfo proc;
    uint64_t log_dropped; /* log lines the non-blocking sink dropped */
};

/*
 * lp_status_json builds the status document at relay time now. The caller
 * owns the result (json_decref). Returns NULL when out of memory.
 */
json_t *lp_status_json(const struct lp_relay *r, const struct lp_status_meta *m,
                       lp_tstamp now);

/*
 * lp_status_metrics writes the Prometheus text exposition into a buffer it
 * allocates: *out (NUL-terminated, the caller frees it) and *outlen.
 * Returns 0 or LP_ERR_NOMEM.
 */
int lp_status_metrics(const struct lp_relay *r, const struct lp_status_meta *m,
                      lp_tstamp now, char **out, size_t *outlen);

#endif /* LP_STATUS_H */
