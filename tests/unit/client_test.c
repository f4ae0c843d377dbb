/* client/: identity file, diagnostics lines and the command line (the
 * supervisor's decisions are in clientrun_test.c, which also runs under
 * wine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "lp_diag.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_identity.h"
#include "lp_client.h"
#include "lp_log.h"
#include "lp_runner.h"

#define RES "\"resume\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\""

static void test_identity_parse(void **state)
{
    static const struct {
        const char *json;
        int gateway, ok, resume;
    } t[] = {
        {"{\"version\":1,\"mac\":\"02:aa:bb:cc:dd:ee\"}", 0, 1, 0},
        {"{\"version\":1,\"mac\":\"0A:AA:BB:CC:DD:EE\"}", 0, 1, 0},
        {"{\"version\":1,\"mac\":\"02:aa:bb:cc:dd:ee\"," RES "}", 0, 1, 1},
        {"{\"version\":1,\"mac\":\"02:aa:bb:cc:dd:ee\",\"resume\":\"x\"}", 0, 0,
         0},
        {"{\"version\":1,\"mac\":\"02:aa:bb:cc:dd:ee\",\"resume\":7}", 0, 0, 0},
        {"{\"version\":2,\"mac\":\"02:aa:bb:cc:dd:ee\"}", 0, 0, 0},
        {"{\"version\":1,\"mac\":\"00:aa:bb:cc:dd:ee\"}", 0, 0,
         0}, /* universal */
        {"{\"version\":1,\"mac\":\"00:aa:bb:cc:dd:ee\"," RES "}", 1, 1, 1},
        {"{\"version\":1,\"mac\":\"03:aa:bb:cc:dd:ee\"}", 0, 0,
         0}, /* multicast */
        {"{\"version\":1,\"mac\":\"03:aa:bb:cc:dd:ee\"}", 1, 0, 0},
        {"{\"version\":1,\"mac\":\"02:00:00:00:00\"}", 0, 0, 0},
        {"{\"version\":1}", 0, 0, 0},
        {"[1]", 0, 0, 0},
        {"", 0, 0, 0},
        {"{\"version\":1,\"mac\":\"02:aa:bb:cc:dd:ee\",\"mac\":\"x\"}", 0, 0,
         0},
    };
    struct lp_identity id;
    char err[200];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv = lp_identity_parse(t[i].json, strlen(t[i].json), t[i].gateway,
                                   &id, err, sizeof(err));
        if ((rv == 0) != t[i].ok)
            fail_msg("%s: rv %d (%s)", t[i].json, rv, err);
        if (!t[i].ok)
            assert_true(err[0] != '\0');
        else
            assert_int_equal(id.has_resume, t[i].resume);
    }
}

static void test_identity_file(void **state)
{
    char dir[] = "/tmp/lp-identity-XXXXXX", path[256], err[300];
    static const uint8_t gwmac[6] = {0x00, 0x16, 0x3e, 1, 2, 3};
    struct lp_identity a, b;
    struct stat st;
    int created = 0;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, LP_IDENTITY_FILE);
    assert_int_equal(
        lp_identity_load_or_create(path, NULL, &a, &created, err, sizeof(err)),
        0);
    assert_int_equal(created, 1);
    assert_true(lp_mac_valid_client(a.mac));
    assert_int_equal(a.has_resume, 1);
    /* owner-only: the resume secret is not for other local users */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* the same MAC and secret on the next run */
    assert_int_equal(
        lp_identity_load_or_create(path, NULL, &b, &created, err, sizeof(err)),
        0);
    assert_int_equal(created, 0);
    assert_memory_equal(a.mac, b.mac, 6);
    assert_memory_equal(a.resume, b.resume, 32);
    /* a revision-1 file (no resume) is upgraded in place, MAC kept */
    f = fopen(path, "w");
    fputs("{\"version\":1,\"mac\":\"02:11:22:33:44:55\"}\n", f);
    fclose(f);
    chmod(path, 0644);
    assert_int_equal(
        lp_identity_load_or_create(path, NULL, &b, &created, err, sizeof(err)),
        0);
    assert_int_equal(created, 0);
    assert_int_equal(b.mac[5], 0x55);
    assert_int_equal(b.has_resume, 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(
        lp_identity_load_or_create(path, NULL, &a, &created, err, sizeof(err)),
        0);
    assert_memory_equal(a.resume, b.resume, 32);
    /* a damaged file is reported, never overwritten */
    f = fopen(path, "w");
    fputs("{not json", f);
    fclose(f);
    assert_int_equal(
        lp_identity_load_or_create(path, NULL, &b, &created, err, sizeof(err)),
        LP_ERR_PROTO);
    assert_non_null(strstr(err, path));
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(err, sizeof(err), f));
    fclose(f);
    assert_string_equal(err, "{not json");
    unlink(path);
    /* a gateway's file: its NIC's MAC, and a secret of its own */
    snprintf(path, sizeof(path), "%s/%s", dir, LP_GATEWAY_IDENTITY_FILE);
    assert_int_equal(
        lp_identity_load_or_create(path, gwmac, &a, &created, err, sizeof(err)),
        0);
    assert_memory_equal(a.mac, gwmac, 6);
    assert_int_equal(a.has_resume, 1);
    unlink(path);
    rmdir(dir);
}

static void test_diag_lines(void **state)
{
    struct lp_diag d;
    char l[LP_DIAG_LINES][160];

    (void)state;
    memset(&d, 0, sizeof(d));
    d.adapter = "lp0";
    d.route_ok = -1;
    lp_diag_lines(&d, l);
    assert_string_equal(l[0], "not connected to the relay (reconnecting)");
    d.relay_connected = 1;
    d.gateway_present = 1;
    d.connected_for = 12 * LP_SECONDS;
    lp_diag_lines(&d, l);
    assert_string_equal(l[0], "connected to relay, LAN gateway present");
    assert_non_null(strstr(l[2], "no IPv4 address on lp0"));
    assert_string_equal(l[3], "no broadcast received from the LAN yet");
    snprintf(d.ipv4, sizeof(d.ipv4), "198.18.0.57");
    d.bcast_rx = 3;
    d.bcast_tx = 1;
    d.route_ok = 0;
    lp_diag_lines(&d, l);
    assert_string_equal(l[2], "got 198.18.0.57 from the LAN's DHCP server");
    assert_string_equal(l[3], "broadcasts flowing both ways");
    assert_non_null(strstr(l[1], "warning"));
    d.gateway_present = 0;
    lp_diag_lines(&d, l);
    assert_string_equal(l[0], "connected to relay, no LAN gateway in the "
                              "room yet");
}

/* A main's own options, as the programs add them: --tap-name T, and
 * --list (no relay needed). */
struct own_opts {
    const char *tap;
    int list, calls;
};

static int own_opt(void *arg, struct lp_client_opts *o, int opt,
                   const char *val)
{
    struct own_opts *w = arg;

    w->calls++;
    switch (opt) {
    case 't':
        if (val[0] == '\0')
            return LP_EXIT_USAGE;
        w->tap = val;
        return 0;
    case 'l':
        w->list = 1;
        o->no_relay = 1;
        return 0;
    default:
        return LP_EXIT_USAGE;
    }
}

static void quiet_usage(FILE *f)
{
    (void)f;
}

/* The command line the gateway and both clients share, through
 * lp_client_getopt as the programs call it. Returns its answer
 * (LP_CLIENT_RUN when the options are complete and valid). */
static int parse_own(struct lp_client_opts *o, struct own_opts *w, int argc,
                     char **argv)
{
    static const struct option opts[] = {
        LP_CLIENT_LONG_OPTS,
        {"tap-name", required_argument, NULL, 't'},
        {"list", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof(*o));
    memset(w, 0, sizeof(*w));
    o->prog = "lanparty-client";
    o->protect = 1;
    optind = 1;
    opterr = 0;
    return lp_client_getopt(o, argc, argv, opts, quiet_usage, own_opt, w);
}

static int parse_argv(struct lp_client_opts *o, int argc, char **argv)
{
    struct own_opts w;
    int rc = parse_own(o, &w, argc, argv);

    return rc == LP_CLIENT_RUN ? 0 : rc;
}

static void test_options(void **state)
{
    struct lp_client_opts o;
    static const struct {
        int argc;
        const char *argv[8];
        int rc;
    } t[] = {
        {5, {"c", "--relay", "relay.example.org", "--room", "ROOM1"}, 0},
        {3, {"c", "--relay", "r"}, LP_EXIT_USAGE}, /* no room */
        {3, {"c", "--room", "R"}, LP_EXIT_USAGE},  /* no relay */
        {5, {"c", "--relay", "r", "--room", "bad room!"}, LP_EXIT_USAGE},
        {5,
         {"c", "--relay", "r", "--room", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"},
         LP_EXIT_USAGE}, /* 33 characters */
        {7,
         {"c", "--relay", "r", "--room", "R", "--log-level", "loud"},
         LP_EXIT_USAGE},
        {6, {"c", "--relay", "r", "--room", "R", "--bogus"}, LP_EXIT_USAGE},
        {2, {"c", "--help"}, LP_EXIT_OK},
        {6, {"c", "--relay", "r", "--room", "R", "extra"}, LP_EXIT_USAGE},
        {7,
         {"c", "--relay", "r", "--room", "R", "--allow-ethertype", "5ff"},
         LP_EXIT_USAGE}, /* below 0x0600: a length, not an ethertype */
        {7,
         {"c", "--relay", "r", "--room", "R", "--tap-name", ""},
         LP_EXIT_USAGE}, /* the main's own option refuses it */
        {4,
         {"c", "--relay", "r", "lanparty://relay.example.com/LAN1"},
         LP_EXIT_USAGE}, /* a link names the relay: no --relay too */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *argv[8];
        for (int k = 0; k < t[i].argc; k++)
            argv[k] = (char *)(uintptr_t)t[i].argv[k];
        argv[t[i].argc] = NULL;
        print_message("case %zu\n", i);
        assert_int_equal(parse_argv(&o, t[i].argc, argv), t[i].rc);
    }
    {
        char *argv[] = {"c",
                        "--relay",
                        "[2001:db8::1]:443",
                        "--room",
                        "R-1_x",
                        "--relay-ca-cert",
                        "pin.der",
                        "--server-name",
                        "n",
                        "--virtual-mac",
                        "02:00:00:00:00:07",
                        "--identity",
                        "id.json",
                        "--no-route-protection",
                        "--check-relay",
                        "--log-level",
                        "warn",
                        NULL};
        assert_int_equal(parse_argv(&o, 17, argv), 0);
        assert_string_equal(o.relay, "[2001:db8::1]:443");
        assert_string_equal(o.room, "R-1_x");
        assert_string_equal(o.pin_file, "pin.der");
        assert_string_equal(o.server_name, "n");
        assert_string_equal(o.vmac, "02:00:00:00:00:07");
        assert_string_equal(o.identity, "id.json");
        assert_int_equal(o.protect, 0);
        assert_int_equal(o.check_only, 1);
        assert_int_equal(lp_log_get_level(), LP_LOG_WARN);
        lp_log_set_level(LP_LOG_INFO);
    }
}

/* The main's own options reach it, in any order with the shared ones; one
 * that needs no relay skips the relay and room checks; a positional link
 * sets relay and room; the session's configuration follows the options. */
static void test_options_own(void **state)
{
    struct lp_client_opts o;
    struct own_opts w;
    struct lp_identity id;
    struct lp_runner_cfg cfg;

    (void)state;
    {
        char *argv[] = {"c",      "--tap-name", "lp7", "--relay",
                        "r:4433", "--room",     "R",   NULL};
        assert_int_equal(parse_own(&o, &w, 7, argv), LP_CLIENT_RUN);
        assert_string_equal(w.tap, "lp7");
        assert_int_equal(w.calls, 1);
        assert_string_equal(o.relay, "r:4433");
    }
    {
        char *argv[] = {"c", "--list", NULL};
        assert_int_equal(parse_own(&o, &w, 2, argv), LP_CLIENT_RUN);
        assert_int_equal(w.list, 1);
        assert_null(o.relay);
    }
    {
        char *argv[] = {"c",
                        "--allow-ethertype",
                        "8137",
                        "--check-relay",
                        "lanparty://relay.example.com:4433/LAN1",
                        NULL};
        assert_int_equal(parse_own(&o, &w, 5, argv), LP_CLIENT_RUN);
        assert_int_equal(o.has_link, 1);
        assert_string_equal(o.relay, "relay.example.com:4433");
        assert_string_equal(o.room, "LAN1");
        assert_int_equal(o.nextra_ethertypes, 1);
        assert_int_equal(o.extra_ethertypes[0], 0x8137);

        memset(&id, 0, sizeof(id));
        memcpy(id.mac, "\x02\x00\x00\x00\x00\x07", 6);
        lp_runner_cfg_init(&cfg, &o, &id, LP_ROLE_CLIENT, "test/1");
        assert_string_equal(cfg.relay, "relay.example.com:4433");
        assert_int_equal(cfg.check_only, 1);
        assert_int_equal(cfg.reconnect, 0);
        assert_int_equal(cfg.nspki, 0);
        assert_int_equal(cfg.session.role, LP_ROLE_CLIENT);
        assert_string_equal(cfg.session.room, "LAN1");
        assert_memory_equal(cfg.session.mac, id.mac, 6);
        assert_ptr_equal(cfg.session.resume, id.resume);
        assert_null(cfg.session.auth); /* the link has none */
        assert_int_equal(cfg.session.nextra_ethertypes, 1);
        assert_int_equal(cfg.session.extra_ethertypes[0], 0x8137);
        assert_int_equal(cfg.session.stats_interval, 5 * LP_SECONDS);
        assert_string_equal(cfg.session.software, "test/1");
    }
}

/* What an endpoint does between sessions (lp_client_run, shared by the
 * Linux runner and the Windows client): final answers stop it with their
 * status, full rooms and early budgets are tried again, losses back off,
 * --check-relay tries once. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_parse),
        cmocka_unit_test(test_identity_file),
        cmocka_unit_test(test_diag_lines),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
