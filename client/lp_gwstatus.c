/* lp_gwstatus: the gateway's status JSON and metrics; see lp_gwstatus.h. */
#include "lp_gwstatus.h"

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_reason.h"

const char *lp_gwstatus_state_name(enum lp_gwstatus_relay st)
{
    switch (st) {
    case LP_GWSTATUS_CONNECTED:
        return "connected";
    case LP_GWSTATUS_CONNECTING:
        return "connecting";
    case LP_GWSTATUS_DISCONNECTED:
    default:
        return "disconnected";
    }
}

/* gws_set adds v to o under key; a NULL v or a failed set marks *bad. */
static void gws_set(json_t *o, const char *key, json_t *v, int *bad)
{
    if (v == NULL) {
        *bad = 1;
    } else if (o == NULL) {
        json_decref(v);
        *bad = 1;
    } else if (json_object_set_new(o, key, v) != 0) {
        *bad = 1; /* jansson released v */
    }
}

static json_t *gws_u64(uint64_t v)
{
    return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static json_t *gws_lan(const struct lp_gwstatus *g, int *bad)
{
    json_t *o = json_object();
    char mac[LP_MAC_STRLEN];

    lp_mac_format(mac, g->mac);
    gws_set(o, "interface", json_string(g->ifname), bad);
    gws_set(o, "ifindex", json_integer(g->ifindex), bad);
    gws_set(o, "mac", json_string(mac), bad);
    gws_set(o, "link", json_string(g->link_up ? "up" : "down"), bad);
    gws_set(o, "link_downs", gws_u64(g->link_downs), bad);
    gws_set(o, "dropped_while_down", gws_u64(g->link_drops), bad);
    gws_set(o, "frames_in", gws_u64(g->lan_rx), bad);
    gws_set(o, "frames_out", gws_u64(g->lan_tx), bad);
    gws_set(o, "tx_errors", gws_u64(g->lan_tx_errors), bad);
    gws_set(o, "echoes", gws_u64(g->lan_echoes), bad);
    gws_set(o, "super_frames", gws_u64(g->super_frames), bad);
    gws_set(o, "split_frames", gws_u64(g->split_frames), bad);
    gws_set(o, "split_errors", gws_u64(g->split_errors), bad);
    gws_set(o, "checksums_completed", gws_u64(g->csum_completed), bad);
    gws_set(o, "cam_refreshes", gws_u64(g->cam_refreshes), bad);
    return o;
}

static json_t *gws_relay(const struct lp_gwstatus *g, int *bad)
{
    json_t *o = json_object(), *rtt = json_null();
    int up = g->state == LP_GWSTATUS_CONNECTED;

    gws_set(o, "address", json_string(g->relay != NULL ? g->relay : ""), bad);
    gws_set(o, "state", json_string(lp_gwstatus_state_name(g->state)), bad);
    gws_set(o, "room", json_string(g->room != NULL ? g->room : ""), bad);
    gws_set(o, "peer_id", up ? json_integer(g->peer_id) : json_null(), bad);
    gws_set(o, "mtu", up ? json_integer(g->mtu) : json_null(), bad);
    gws_set(o, "players", gws_u64(g->players), bad);
    gws_set(o, "connected_s", up ? gws_u64(g->connected_s) : json_null(), bad);
    gws_set(o, "sessions", gws_u64(g->sessions), bad);
    if (g->state != LP_GWSTATUS_DISCONNECTED && g->rtt_smoothed != 0)
        rtt = json_pack("{s:f, s:f, s:f}", "smoothed", g->rtt_smoothed / 1e6,
                        "min", g->rtt_min / 1e6, "latest", g->rtt_latest / 1e6);
    gws_set(o, "rtt_ms", rtt, bad);
    return o;
}

static json_t *gws_traffic(const struct lp_counters *c, int *bad)
{
    json_t *o = json_object(), *drops = json_object();

    gws_set(o, "frames_to_relay", gws_u64(c->frames_tx), bad);
    gws_set(o, "frames_from_relay", gws_u64(c->frames_rx), bad);
    gws_set(o, "bytes_to_relay", gws_u64(c->bytes_tx), bad);
    gws_set(o, "bytes_from_relay", gws_u64(c->bytes_rx), bad);
    gws_set(o, "datagrams_to_relay", gws_u64(c->datagrams_tx), bad);
    gws_set(o, "datagrams_from_relay", gws_u64(c->datagrams_rx), bad);
    gws_set(o, "drops_total", gws_u64(lp_counters_total_drops(c)), bad);
    /* only the reasons that happened: the full list is in /metrics */
    for (unsigned i = 1; i < LP_REASON_MAX; i++)
        if (c->drops[i] != 0)
            gws_set(drops, lp_reason_name((enum lp_reason)i),
                    gws_u64(c->drops[i]), bad);
    gws_set(o, "drops", drops, bad);
    return o;
}

json_t *lp_gwstatus_json(const struct lp_gwstatus *g)
{
    json_t *o = json_object();
    int bad = o == NULL;

    gws_set(o, "schema", json_string(LP_GWSTATUS_SCHEMA), &bad);
    gws_set(o, "version", json_string(g->version), &bad);
    gws_set(o, "now_ms", gws_u64(g->wall_now_ms), &bad);
    gws_set(o, "uptime_s", gws_u64(g->uptime_s), &bad);
    gws_set(o, "lan", gws_lan(g, &bad), &bad);
    gws_set(o, "relay", gws_relay(g, &bad), &bad);
    gws_set(o, "traffic", gws_traffic(&g->traffic, &bad), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* gws_dir: a counter with one series per direction. */
static void gws_dir(struct lp_prom *b, const char *name, const char *help,
                    uint64_t in, uint64_t out)
{
    lp_prom_head(b, name, "counter", help);
    lp_prom_printf(b, "%s{direction=\"in\"} %llu\n", name,
                   (unsigned long long)in);
    lp_prom_printf(b, "%s{direction=\"out\"} %llu\n", name,
                   (unsigned long long)out);
}

int lp_gwstatus_metrics(const struct lp_gwstatus *g,
                        const struct lp_procinfo *proc, char **out,
                        size_t *outlen)
{
    struct lp_prom b;
    char ifname[64];
    const struct lp_counters *c = &g->traffic;

    if (lp_prom_init(&b) != 0)
        return LP_ERR_NOMEM;
    lp_prom_escape(ifname, sizeof(ifname), g->ifname);
    lp_prom_head(&b, "lanparty_gateway_build_info", "gauge",
                 "The gateway's version (always 1).");
    lp_prom_printf(&b, "lanparty_gateway_build_info{version=\"%s\"} 1\n",
                   g->version);
    lp_prom_head(&b, "lanparty_gateway_lan_link_up", "gauge",
                 "1 when the LAN interface has carrier.");
    lp_prom_printf(&b, "lanparty_gateway_lan_link_up{interface=\"%s\"} %d\n",
                   ifname, g->link_up ? 1 : 0);
    {
        /* the plain counters and gauges, one series each */
        const struct {
            const char *name, *type, *help;
            uint64_t v;
        } one[] = {
            {"lanparty_gateway_lan_link_downs_total", "counter",
             "Times the LAN link went down.", g->link_downs},
            {"lanparty_gateway_lan_tx_errors_total", "counter",
             "Frames the LAN interface refused.", g->lan_tx_errors},
            {"lanparty_gateway_super_frames_total", "counter",
             "GRO/TSO super-frames read from the LAN and split.",
             g->super_frames},
            {"lanparty_gateway_split_frames_total", "counter",
             "Wire-sized frames made by splitting super-frames.",
             g->split_frames},
            {"lanparty_gateway_split_errors_total", "counter",
             "Super-frames that could not be split (dropped).",
             g->split_errors},
            {"lanparty_gateway_checksums_completed_total", "counter",
             "Frames whose unfinished checksum the gateway completed.",
             g->csum_completed},
            {"lanparty_gateway_cam_refreshes_total", "counter",
             "Frames sent to remind the switch where players' MACs live.",
             g->cam_refreshes},
            {"lanparty_gateway_relay_connected", "gauge",
             "1 while the gateway is welcomed into its room.",
             g->state == LP_GWSTATUS_CONNECTED},
            {"lanparty_gateway_relay_sessions_total", "counter",
             "Connections to the relay begun since start.", g->sessions},
            {"lanparty_gateway_players", "gauge",
             "Players in the gateway's room.", g->players},
        };
        for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
            lp_prom_u64(&b, one[i].name, one[i].type, one[i].help, one[i].v);
    }
    gws_dir(&b, "lanparty_gateway_lan_frames_total",
            "Ethernet frames on the LAN interface: in read from it, out "
            "written to it.",
            g->lan_rx, g->lan_tx);
    gws_dir(&b, "lanparty_gateway_relay_frames_total",
            "Ethernet frames to and from the relay: in from it, out to it.",
            c->frames_rx, c->frames_tx);
    gws_dir(&b, "lanparty_gateway_relay_bytes_total",
            "Ethernet frame bytes to and from the relay: in from it, out to "
            "it.",
            c->bytes_rx, c->bytes_tx);
    lp_prom_head(&b, "lanparty_gateway_drops_total", "counter",
                 "Frames the gateway dropped, by reason.");
    for (unsigned i = 1; i < LP_REASON_MAX; i++)
        lp_prom_printf(&b, "lanparty_gateway_drops_total{reason=\"%s\"} %llu\n",
                       lp_reason_name((enum lp_reason)i),
                       (unsigned long long)c->drops[i]);
    if (g->state != LP_GWSTATUS_DISCONNECTED && g->rtt_smoothed != 0) {
        lp_prom_head(&b, "lanparty_gateway_relay_rtt_seconds", "gauge",
                     "Smoothed QUIC round-trip time to the relay.");
        lp_prom_printf(&b, "lanparty_gateway_relay_rtt_seconds %.6f\n",
                       g->rtt_smoothed / 1e9);
    }
    lp_prom_process(&b, proc);
    return lp_prom_finish(&b, out, outlen);
}
