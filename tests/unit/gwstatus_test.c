#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lp_gwstatus.h"

static void fill(struct lp_gwstatus *g)
{
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};

    memset(g, 0, sizeof(*g));
    g->version = "test";
    g->uptime_s = 12;
    g->wall_now_ms = 1700000000000ULL;
    g->ifname = "lan\"0";
    g->ifindex = 3;
    memcpy(g->mac, mac, 6);
    g->link_up = 1;
    g->lan_rx = 10;
    g->lan_tx = 20;
    g->super_frames = 2;
    g->split_frames = 9;
    g->csum_completed = 4;
    g->cam_refreshes = 5;
    g->relay = "198.18.100.1:443";
    g->room = "PARTY";
    g->traffic.frames_tx = 8;
    g->traffic.frames_rx = 21;
    lp_counters_drop(&g->traffic, LP_REASON_LINK_DOWN);
}

static void test_json_disconnected(void **state)
{
    struct lp_gwstatus g;
    json_t *doc, *relay;

    (void)state;
    fill(&g);
    g.rtt_smoothed = 5000000; /* left out while disconnected */
    doc = lp_gwstatus_json(&g);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")),
                        LP_GWSTATUS_SCHEMA);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "lan"), "mac")),
        "02:00:00:00:00:01");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(doc, "lan"), "checksums_completed")),
                     4);
    relay = json_object_get(doc, "relay");
    assert_string_equal(json_string_value(json_object_get(relay, "state")),
                        "disconnected");
    assert_true(json_is_null(json_object_get(relay, "peer_id")));
    assert_true(json_is_null(json_object_get(relay, "rtt_ms")));
    assert_true(json_is_null(json_object_get(relay, "connected_s")));
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(doc, "traffic"), "drops"),
            "link_down")),
        1);
    json_decref(doc);
}

static void test_json_and_metrics_connected(void **state)
{
    struct lp_gwstatus g;
    struct lp_procinfo p = {0.5, 1024, 2048, -1, 4096, 1699999990000ULL};
    json_t *doc, *relay;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    fill(&g);
    g.state = LP_GWSTATUS_CONNECTED;
    g.peer_id = 1;
    g.mtu = 1500;
    g.players = 2;
    g.connected_s = 7;
    g.sessions = 3;
    g.rtt_smoothed = 1500000;
    g.rtt_min = 1000000;
    g.rtt_latest = 2000000;
    doc = lp_gwstatus_json(&g);
    relay = json_object_get(doc, "relay");
    assert_int_equal(json_integer_value(json_object_get(relay, "peer_id")), 1);
    assert_true(json_real_value(json_object_get(
                    json_object_get(relay, "rtt_ms"), "smoothed")) == 1.5);
    json_decref(doc);

    assert_int_equal(lp_gwstatus_metrics(&g, &p, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    /* the interface name is escaped as a label value */
    assert_non_null(strstr(
        text, "lanparty_gateway_lan_link_up{interface=\"lan\\\"0\"} 1\n"));
    assert_non_null(strstr(
        text, "lanparty_gateway_lan_frames_total{direction=\"in\"} 10\n"));
    assert_non_null(strstr(
        text, "lanparty_gateway_relay_frames_total{direction=\"out\"} 8\n"));
    assert_non_null(
        strstr(text, "lanparty_gateway_drops_total{reason=\"link_down\"} 1\n"));
    assert_non_null(
        strstr(text, "lanparty_gateway_relay_rtt_seconds 0.001500\n"));
    assert_non_null(strstr(text, "lanparty_gateway_relay_connected 1\n"));
    assert_non_null(strstr(text, "lanparty_gateway_split_frames_total 9\n"));
    assert_non_null(strstr(text, "process_max_fds 4096\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_disconnected),
        cmocka_unit_test(test_json_and_metrics_connected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
