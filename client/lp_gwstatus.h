/*
 * lp_gwstatus: the gateway's state as its admin listener shows it (issue
 * 15): a JSON document for GET /api/v1/status (docs/gateway-status-
 * schema.json, schema "lanparty-gateway-status/1") and the Prometheus
 * text for GET /metrics (lanparty_gateway_* and process_*). Pure: the
 * gateway's shell (cmd/gateway.c) copies what it knows into a struct
 * lp_gwstatus; this module only formats it.
 */
#ifndef LP_GWSTATUS_H
#define LP_GWSTATUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lp_counters.h"
#include "lp_prom.h"

#define LP_GWSTATUS_SCHEMA "lanparty-gateway-status/1"

/* The relay connection's state. */
enum lp_gwstatus_relay {
    LP_GWSTATUS_DISCONNECTED = 0, /* waiting to try again */
    LP_GWSTATUS_CONNECTING,       /* handshake, PMTUD or hello */
    LP_GWSTATUS_CONNECTED,        /* welcomed into the room */
};

struct lp_gwstatus {
    const char *version;
    uint64_t uptime_s;
    uint64_t wall_now_ms; /* Unix time now, in ms */
    /* the LAN side */
    const char *ifname;
    int ifindex;
    uint8_t mac[6];
    int link_up;
    uint64_t link_downs, link_drops; /* drops: frames for a LAN that was down */
    uint64_t lan_rx, lan_tx, lan_tx_errors, lan_echoes;
    uint64_t super_frames; /* GRO/TSO super-frames read from the LAN */
    uint64_t split_frames; /* the wire-sized frames they were split into */
    uint64_t split_errors;
    uint64_t csum_completed; /* frames whose checksum the gateway finished */
    uint64_t cam_refreshes;
    /* the relay side */
    const char *relay; /* its address, as text */
    enum lp_gwstatus_relay state;
    const char *room;
    uint16_t peer_id, mtu; /* 0 when not connected */
    size_t players;        /* clients in the room */
    uint64_t connected_s;  /* since the current session began */
    uint64_t sessions;     /* sessions begun since start */
    /* QUIC round-trip time in ns (0: no sample yet) */
    uint64_t rtt_smoothed, rtt_min, rtt_latest;
    /* frames, bytes and drops to and from the relay since start */
    struct lp_counters traffic;
};

/* lp_gwstatus_state_name: "disconnected", "connecting", "connected". */
const char *lp_gwstatus_state_name(enum lp_gwstatus_relay st);

/* lp_gwstatus_json builds the status document; the caller owns it
 * (json_decref). NULL when out of memory. */
json_t *lp_gwstatus_json(const struct lp_gwstatus *g);

/*
 * lp_gwstatus_metrics writes the Prometheus text of g and proc into a
 * buffer it allocates: *out (NUL-terminated, the caller frees it) and
 * *outlen. Returns 0 or LP_ERR_NOMEM.
 */
int lp_gwstatus_metrics(const struct lp_gwstatus *g,
                        const struct lp_procinfo *proc, char **out,
                        size_t *outlen);

#endif /* LP_GWSTATUS_H */
