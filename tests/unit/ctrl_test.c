/*
 * ctrl_test.c: control message codec and stream decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lp_ctrl.h"
#include "lp_err.h"

static int decode(const char *json, struct lp_msg *m, struct lp_ctrl_err *e)
{
    return lp_ctrl_decode_body(m, (const uint8_t *)json, strlen(json), e);
}

/* Helpers that build the message structs used throughout. */
static struct lp_msg make_hello(void)
{
    struct lp_msg m;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_HELLO;
    m.u.hello.version = 1;
    m.u.hello.role = LP_ROLE_CLIENT;
    strcpy(m.u.hello.room, "Room_1-a");
    memcpy(m.u.hello.mac, (uint8_t[]){0x02, 0xAB, 0, 0, 0, 1}, 6);
    m.u.hello.datagram_budget = 1398;
    m.u.hello.has_software = 1;
    strcpy(m.u.hello.software, "lanparty 0.1 \xc3\xa9");
    return m;
}

static void roundtrip(const struct lp_msg *m, struct lp_msg *out)
{
    uint8_t buf[8192];
    ssize_t n = lp_ctrl_encode(buf, sizeof(buf), m);
    struct lp_ctrl_err e;
    size_t body;

    assert_true(n > 4);
    body = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 |
           buf[3];
    assert_int_equal(body + 4, (size_t)n);
    /* Compact JSON, type first. */
    assert_memory_equal(buf + 4, "{\"type\":\"", 9);
    if (lp_ctrl_decode_body(out, buf + 4, body, &e) != 0)
        fail_msg("decode: %s %s", lp_ctrl_error_name(e.code), e.message);
    assert_int_equal(out->type, m->type);
    assert_string_equal(out->type_name, lp_msg_type_name(m->type));
}

static void test_roundtrip(void **state)
{
    struct lp_msg m, o;
    uint8_t buf[512];

    (void)state;
    m = make_hello();
    roundtrip(&m, &o);
    assert_int_equal(o.u.hello.version, 1);
    assert_int_equal(o.u.hello.role, LP_ROLE_CLIENT);
    assert_string_equal(o.u.hello.room, "Room_1-a");
    assert_memory_equal(o.u.hello.mac, m.u.hello.mac, 6);
    assert_int_equal(o.u.hello.datagram_budget, 1398);
    assert_int_equal(o.u.hello.has_software, 1);
    assert_string_equal(o.u.hello.software, m.u.hello.software);
    /* Lower-case MACs on the wire. */
    ssize_t n = lp_ctrl_encode(buf, sizeof(buf), &m);
    assert_true(n > 0);
    assert_non_null(
        memmem(buf, (size_t)n, "\"mac\":\"02:ab:00:00:00:01\"", 24));
    m.u.hello.has_software = 0;
    m.u.hello.role = LP_ROLE_GATEWAY;
    memcpy(m.u.hello.mac, (uint8_t[]){0x00, 0x1b, 0x21, 1, 2, 3}, 6);
    roundtrip(&m, &o);
    assert_int_equal(o.u.hello.has_software, 0);
    assert_int_equal(o.u.hello.role, LP_ROLE_GATEWAY);

    /* revision 2 members survive a round trip; secrets too */
    m = make_hello();
    m.u.hello.has_auth = 1;
    snprintf(m.u.hello.auth, sizeof(m.u.hello.auth), "%s",
             "Tok_en-0123456789abcdefghij");
    m.u.hello.has_resume = 1;
    for (int i = 0; i < LP_RESUME_LEN; i++)
        m.u.hello.resume[i] = (uint8_t)(i * 7 + 1);
    m.u.hello.features = LP_FEAT_FRAG;
    roundtrip(&m, &o);
    assert_int_equal(o.u.hello.has_auth, 1);
    assert_string_equal(o.u.hello.auth, m.u.hello.auth);
    assert_int_equal(o.u.hello.has_resume, 1);
    assert_memory_equal(o.u.hello.resume, m.u.hello.resume, LP_RESUME_LEN);
    assert_int_equal(o.u.hello.features, LP_FEAT_FRAG);

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_PEER_JOINED;
    m.u.peer.peer_id = 3;
    m.u.peer.role = LP_ROLE_CLIENT;
    m.u.peer.mac[0] = 0x02;
    snprintf(m.u.peer.label, sizeof(m.u.peer.label), "alice's laptop");
    roundtrip(&m, &o);
    assert_string_equal(o.u.peer.label, "alice's laptop");
    m.u.peer.label[0] = '\0';
    roundtrip(&m, &o);
    assert_string_equal(o.u.peer.label, "");

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_WELCOME;
    m.u.welcome.peer_id = 65535;
    m.u.welcome.effective_mtu = 1380;
    roundtrip(&m, &o);
    assert_int_equal(o.u.welcome.peer_id, 65535);
    assert_int_equal(o.u.welcome.effective_mtu, 1380);
    assert_int_equal(o.u.welcome.gateway_present, 0);
    assert_int_equal(o.u.welcome.gateway_peer_id, 0);
    n = lp_ctrl_encode(buf, sizeof(buf), &m);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal((char *)buf + 4,
                        "{\"type\":\"welcome\",\"peer_id\":65535,\"mode\":"
                        "\"ethernet\",\"effective_mtu\":1380,"
                        "\"gateway_present\":false,\"gateway_peer_id\":null,"
                        "\"features\":[]}");
    m.u.welcome.gateway_present = 1;
    m.u.welcome.gateway_peer_id = 1;
    roundtrip(&m, &o);
    assert_int_equal(o.u.welcome.gateway_present, 1);
    assert_int_equal(o.u.welcome.gateway_peer_id, 1);

    for (int r = LP_REJECT_UNSUPPORTED_VERSION; r <= LP_REJECT_UNAUTHORIZED;
         r++) {
        memset(&m, 0, sizeof(m));
        m.type = LP_MSG_REJECT;
        m.u.reject.reason = (enum lp_reject)r;
        snprintf(m.u.reject.message, sizeof(m.u.reject.message),
                 "reason %d: \"quoted\"\n", r);
        roundtrip(&m, &o);
        assert_int_equal(o.u.reject.reason, r);
        assert_string_equal(o.u.reject.message, m.u.reject.message);
    }

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_PEER_JOINED;
    m.u.peer.peer_id = 3;
    m.u.peer.role = LP_ROLE_CLIENT;
    memcpy(m.u.peer.mac, (uint8_t[]){0x06, 1, 2, 3, 4, 5}, 6);
    roundtrip(&m, &o);
    assert_int_equal(o.u.peer.peer_id, 3);
    assert_int_equal(o.u.peer.role, LP_ROLE_CLIENT);
    assert_memory_equal(o.u.peer.mac, m.u.peer.mac, 6);

    m.type = LP_MSG_PEER_LEFT;
    strcpy(m.u.peer.reason, "timeout");
    roundtrip(&m, &o);
    assert_string_equal(o.u.peer.reason, "timeout");

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_STATS;
    m.u.stats.frames_tx = 1;
    m.u.stats.frames_rx = 2;
    m.u.stats.datagrams_tx = 3;
    m.u.stats.datagrams_rx = (uint64_t)INT64_MAX;
    m.u.stats.ndrops = 2;
    strcpy(m.u.stats.drops[0].name, "runt");
    m.u.stats.drops[0].value = 5;
    strcpy(m.u.stats.drops[1].name, "jumbo");
    m.u.stats.drops[1].value = 6;
    m.u.stats.nextra = 2;
    strcpy(m.u.stats.extra[0].name, "bytes_tx");
    m.u.stats.extra[0].value = 1000;
    strcpy(m.u.stats.extra[1].name, "frames_tx"); /* never overrides */
    m.u.stats.extra[1].value = 99;
    roundtrip(&m, &o);
    assert_int_equal(o.u.stats.frames_tx, 1);
    assert_int_equal(o.u.stats.frames_rx, 2);
    assert_int_equal(o.u.stats.datagrams_tx, 3);
    assert_true(o.u.stats.datagrams_rx == (uint64_t)INT64_MAX);
    assert_int_equal(o.u.stats.ndrops, 2);
    assert_string_equal(o.u.stats.drops[0].name, "runt");
    assert_int_equal(o.u.stats.drops[0].value, 5);
    assert_string_equal(o.u.stats.drops[1].name, "jumbo");
    assert_int_equal(o.u.stats.nextra, 1);
    assert_string_equal(o.u.stats.extra[0].name, "bytes_tx");
    assert_int_equal(o.u.stats.extra[0].value, 1000);
    /* u64 beyond the parser's range is written saturated. */
    m.u.stats.frames_tx = UINT64_MAX;
    roundtrip(&m, &o);
    assert_true(o.u.stats.frames_tx == (uint64_t)INT64_MAX);

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_DISCONNECT;
    strcpy(m.u.disconnect.reason, "relay_shutdown");
    roundtrip(&m, &o);
    assert_string_equal(o.u.disconnect.reason, "relay_shutdown");
}

static void test_encode_errors(void **state)
{
    struct lp_msg m;
    uint8_t buf[512];
    ssize_t n;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);
    m.type = (enum lp_msg_type)99;
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), NULL), LP_ERR_INVAL);

    m = make_hello();
    m.u.hello.role = (enum lp_role)0;
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);
    m = make_hello();
    memset(m.u.hello.room, 'A', sizeof(m.u.hello.room)); /* no NUL */
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);
    m = make_hello();
    strcpy(m.u.hello.software, "bad \xff utf8");
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_REJECT;
    m.u.reject.reason = (enum lp_reject)0;
    assert_int_equal(lp_ctrl_encode(buf, sizeof(buf), &m), LP_ERR_INVAL);

    m = make_hello();
    n = lp_ctrl_encode(buf, sizeof(buf), &m);
    assert_true(n > 0);
    assert_int_equal(lp_ctrl_encode(buf, (size_t)n, &m), n);
    assert_int_equal(lp_ctrl_encode(buf, (size_t)n - 1, &m), LP_ERR_RANGE);
    assert_int_equal(lp_ctrl_encode(buf, 3, &m), LP_ERR_RANGE);
    assert_int_equal(lp_ctrl_encode(NULL, 0, &m), LP_ERR_RANGE);
}

struct body_case {
    const char *json;
    enum lp_ctrl_error code;
};

static void run_cases(const struct body_case *t, size_t n)
{
    struct lp_msg m;
    struct lp_ctrl_err e;

    for (size_t i = 0; i < n; i++) {
        int rv = decode(t[i].json, &m, &e);
        enum lp_ctrl_error got = rv == 0 ? LP_CTRL_OK : e.code;
        if (got != t[i].code)
            fail_msg("case %zu %s: got %s (%s), want %s", i, t[i].json,
                     lp_ctrl_error_name(got), e.message,
                     lp_ctrl_error_name(t[i].code));
        if (rv != 0) {
            assert_true(strlen(e.message) > 0);
            for (const char *p = e.message; *p; p++)
                assert_true(*p >= 0x20 && *p < 0x7f);
        }
    }
}

#define H_PRE  "{\"type\":\"hello\","
#define H_VER  "\"version\":1,"
#define H_ROLE "\"role\":\"client\","
#define H_ROOM "\"room\":\"R\","
#define H_MAC  "\"mac\":\"02:00:00:00:00:01\","
#define H_BUD  "\"datagram_budget\":1398"

static void test_hello_rules(void **state)
{
    static const struct body_case t[] = {
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD "}", LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"x\":[1,{}]}", LP_CTRL_OK},
        /* version */
        {H_PRE H_ROLE H_ROOM H_MAC H_BUD "}", LP_CTRL_MISSING},
        {H_PRE "\"version\":2," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_BAD_VERSION},
        {H_PRE "\"version\":0," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_BAD_VERSION},
        {H_PRE "\"version\":-1," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_BAD_VERSION},
        {H_PRE "\"version\":70000," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_BAD_VERSION},
        {H_PRE "\"version\":2}", LP_CTRL_BAD_VERSION},
        {H_PRE "\"version\":1.0," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE "\"version\":true," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE "\"version\":\"1\"," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE "\"version\":null," H_ROLE H_ROOM H_MAC H_BUD "}",
         LP_CTRL_WRONG_TYPE},
        /* role */
        {H_PRE H_VER H_ROOM H_MAC H_BUD "}", LP_CTRL_MISSING},
        {H_PRE H_VER "\"role\":\"server\"," H_ROOM H_MAC H_BUD "}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER "\"role\":\"Client\"," H_ROOM H_MAC H_BUD "}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER "\"role\":1," H_ROOM H_MAC H_BUD "}", LP_CTRL_WRONG_TYPE},
        /* room */
        {H_PRE H_VER H_ROLE H_MAC H_BUD "}", LP_CTRL_MISSING},
        {H_PRE H_VER H_ROLE "\"room\":\"\"," H_MAC H_BUD "}", LP_CTRL_BAD_ROOM},
        {H_PRE H_VER H_ROLE "\"room\":\"a b\"," H_MAC H_BUD "}",
         LP_CTRL_BAD_ROOM},
        {H_PRE H_VER H_ROLE "\"room\":\"caf\xc3\xa9\"," H_MAC H_BUD "}",
         LP_CTRL_BAD_ROOM},
        {H_PRE H_VER H_ROLE "\"room\":\"a.b\"," H_MAC H_BUD "}",
         LP_CTRL_BAD_ROOM},
        {H_PRE H_VER H_ROLE
         "\"room\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"," H_MAC H_BUD "}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE
         "\"room\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"," H_MAC H_BUD "}",
         LP_CTRL_BAD_ROOM},
        {H_PRE H_VER H_ROLE "\"room\":7," H_MAC H_BUD "}", LP_CTRL_WRONG_TYPE},
        /* mac */
        {H_PRE H_VER H_ROLE H_ROOM H_BUD "}", LP_CTRL_MISSING},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"00:1b:21:00:00:01\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"03:00:00:00:00:01\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"00:00:00:00:00:00\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"02-00-00-00-00-01\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"02:00:00:00:00:01 \"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":2," H_BUD "}", LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER "\"role\":\"gateway\"," H_ROOM
                     "\"mac\":\"00:1b:21:00:00:01\"," H_BUD "}",
         LP_CTRL_OK},
        {H_PRE H_VER "\"role\":\"gateway\"," H_ROOM
                     "\"mac\":\"01:1b:21:00:00:01\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        {H_PRE H_VER "\"role\":\"gateway\"," H_ROOM
                     "\"mac\":\"00:00:00:00:00:00\"," H_BUD "}",
         LP_CTRL_BAD_MAC},
        /* budget */
        {H_PRE H_VER H_ROLE H_ROOM "\"mac\":\"02:00:00:00:00:01\"}",
         LP_CTRL_MISSING},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":65535}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":0}", LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":65536}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":-1}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":1.5}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":1e3}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC "\"datagram_budget\":true}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC
         "\"datagram_budget\":99999999999999999999999}",
         LP_CTRL_OUT_OF_RANGE},
        /* software */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"software\":\"x\"}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"software\":1}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"software\":\"0123456789012345678901234567890123456789"
         "012345678901234567890123\"}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"software\":\"0123456789012345678901234567890123456789"
         "0123456789012345678901234\"}",
         LP_CTRL_OUT_OF_RANGE},
        /* revision 2: auth (22..128 of A-Z a-z 0-9 _ -) */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"auth\":\"abcdefghijklmnopqrstuv\"}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"auth\":\"abcdefghijklmnopqrstu\"}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"auth\":\"abcdefghijklmnopqrstu=\"}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"auth\":7}",
         LP_CTRL_WRONG_TYPE},
        /* resume: 43 canonical base64url characters, 32 bytes */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"resume\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"resume\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\"}",
         LP_CTRL_OUT_OF_RANGE}, /* last character's 2 low bits set */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"resume\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         LP_CTRL_OUT_OF_RANGE}, /* 42 characters */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"resume\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
         LP_CTRL_OUT_OF_RANGE},
        /* features: at most 16 strings of 1..32 characters */
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"features\":[\"frag\",\"future-thing\"]}",
         LP_CTRL_OK},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"features\":\"frag\"}",
         LP_CTRL_WRONG_TYPE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"features\":[1]}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD ",\"features\":[\"\"]}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"features\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
         "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}",
         LP_CTRL_OUT_OF_RANGE},
        {H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
         ",\"features\":[\"012345678901234567890123456789012\"]}",
         LP_CTRL_OUT_OF_RANGE},
        /* duplicates, NUL escapes */
        {H_PRE H_VER H_VER H_ROLE H_ROOM H_MAC H_BUD "}", LP_CTRL_BAD_JSON},
        {H_PRE H_VER H_ROLE "\"room\":\"R\\u0000\"," H_MAC H_BUD "}",
         LP_CTRL_BAD_JSON},
    };

    (void)state;
    run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void test_other_rules(void **state)
{
    static const struct body_case t[] = {
        /* top level */
        {"[]", LP_CTRL_NOT_OBJECT},
        {"[{\"type\":\"hello\"}]", LP_CTRL_NOT_OBJECT},
        {"\"hello\"", LP_CTRL_NOT_OBJECT},
        {"1", LP_CTRL_NOT_OBJECT},
        {"null", LP_CTRL_NOT_OBJECT},
        {"{", LP_CTRL_BAD_JSON},
        {"{}x", LP_CTRL_BAD_JSON},
        {"{} {}", LP_CTRL_BAD_JSON},
        {"{'type':'hello'}", LP_CTRL_BAD_JSON},
        {"{\"type\":\"x\",}", LP_CTRL_BAD_JSON},
        {" ", LP_CTRL_BAD_JSON},
        {"{}", LP_CTRL_MISSING},
        {"{\"type\":1}", LP_CTRL_WRONG_TYPE},
        {"{\"type\":null}", LP_CTRL_WRONG_TYPE},
        {"{\"type\":\"hello\",\"type\":\"hello\"}", LP_CTRL_BAD_JSON},
        {"{\"type\":\"future_thing\",\"x\":1}", LP_CTRL_OK},
        {" {\"type\":\"x\"} \n", LP_CTRL_OK},
        /* welcome */
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_OK},
        {"{\"type\":\"welcome\",\"peer_id\":0,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":65536,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ip\","
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":1,"
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_MISSING},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":0,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_WRONG_TYPE},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":false}",
         LP_CTRL_MISSING},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":true,"
         "\"gateway_peer_id\":null}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":false,"
         "\"gateway_peer_id\":4}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":true,"
         "\"gateway_peer_id\":0}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"welcome\",\"peer_id\":1,\"mode\":\"ethernet\","
         "\"effective_mtu\":1380,\"gateway_present\":true,"
         "\"gateway_peer_id\":\"1\"}",
         LP_CTRL_WRONG_TYPE},
        /* reject */
        {"{\"type\":\"reject\",\"reason\":\"room_full\",\"message\":\"m\"}",
         LP_CTRL_OK},
        {"{\"type\":\"reject\",\"reason\":\"nope\",\"message\":\"m\"}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"reject\",\"reason\":\"room_full\"}", LP_CTRL_MISSING},
        /* peers */
        {"{\"type\":\"peer_joined\",\"peer_id\":2,\"role\":\"gateway\","
         "\"mac\":\"00:11:22:33:44:55\"}",
         LP_CTRL_OK},
        {"{\"type\":\"peer_joined\",\"peer_id\":2,\"role\":\"client\","
         "\"mac\":\"00:11:22:33:44:55\"}",
         LP_CTRL_BAD_MAC},
        {"{\"type\":\"peer_left\",\"peer_id\":2,\"role\":\"gateway\","
         "\"mac\":\"00:11:22:33:44:55\"}",
         LP_CTRL_MISSING},
        {"{\"type\":\"peer_left\",\"peer_id\":2,\"role\":\"gateway\","
         "\"mac\":\"00:11:22:33:44:55\",\"reason\":\"timeout\"}",
         LP_CTRL_OK},
        /* stats */
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":9223372036854775807,"
         "\"drops\":{}}",
         LP_CTRL_OK},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":-1,\"drops\":{}}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":0,\"drops\":[]}",
         LP_CTRL_WRONG_TYPE},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":0}",
         LP_CTRL_MISSING},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":0,\"drops\":{\"runt\":1.5}}",
         LP_CTRL_WRONG_TYPE},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":0,\"drops\":{\"runt\":-2}}",
         LP_CTRL_OUT_OF_RANGE},
        {"{\"type\":\"stats\",\"frames_tx\":0,\"frames_rx\":0,"
         "\"datagrams_tx\":0,\"datagrams_rx\":0,\"drops\":{},"
         "\"x\":\"s\",\"y\":-1,\"z\":1.5,\"w\":{}}",
         LP_CTRL_OK},
        /* disconnect */
        {"{\"type\":\"disconnect\",\"reason\":\"bye\"}", LP_CTRL_OK},
        {"{\"type\":\"disconnect\"}", LP_CTRL_MISSING},
        {"{\"type\":\"disconnect\",\"reason\":false}", LP_CTRL_WRONG_TYPE},
        {"{\"type\":\"disconnect\",\"reason\":\"01234567890123456789012345"
         "67890123456789012345678901234567890123\"}",
         LP_CTRL_OK},
        {"{\"type\":\"disconnect\",\"reason\":\"01234567890123456789012345"
         "678901234567890123456789012345678901234\"}",
         LP_CTRL_OUT_OF_RANGE},
    };

    (void)state;
    run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void test_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        enum lp_ctrl_error code;
    } t[] = {
#define U(lit, code) {lit, sizeof(lit) - 1, code}
        U("{\"type\":\"x\",\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xae\"}",
          LP_CTRL_OK),
        U("{\"type\":\"x\",\"s\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}",
          LP_CTRL_OK),
        U("{\"type\":\"x\",\"s\":\"\xc0\xaf\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xc1\xbf\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xe0\x80\xaf\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xf0\x80\x80\xaf\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xed\xa0\x80\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xed\xbf\xbf\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xf4\x90\x80\x80\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xf5\x80\x80\x80\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xff\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\x80\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xe2\x82\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"\xc3\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\"}\xe2\x82", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\"}\xf0", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\",\"s\":\"a\0b\"}", LP_CTRL_BAD_UTF8),
        U("{\"type\":\"x\"}\0", LP_CTRL_BAD_UTF8),
        /* escaped surrogates: a lone one is invalid JSON text */
        U("{\"type\":\"x\",\"s\":\"\\ud800\"}", LP_CTRL_BAD_JSON),
        U("{\"type\":\"x\",\"s\":\"\\ud83c\\udfae\"}", LP_CTRL_OK),
#undef U
    };
    struct lp_msg m;
    struct lp_ctrl_err e;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv = lp_ctrl_decode_body(&m, (const uint8_t *)t[i].s, t[i].len, &e);
        enum lp_ctrl_error got = rv == 0 ? LP_CTRL_OK : e.code;
        if (got != t[i].code)
            fail_msg("utf8 case %zu: got %s (%s), want %s", i,
                     lp_ctrl_error_name(got), e.message,
                     lp_ctrl_error_name(t[i].code));
    }
    assert_int_equal(lp_ctrl_decode_body(&m, (const uint8_t *)"", 0, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_ZERO);
    assert_int_equal(lp_ctrl_decode_body(&m, (const uint8_t *)"{", 65537, NULL),
                     LP_ERR_PROTO);
}

static void test_messages(void **state)
{
    struct lp_msg m;
    struct lp_ctrl_err e;

    (void)state;
    assert_int_equal(decode(H_PRE H_VER H_ROLE
                            "\"room\":\"this room name is far too long to "
                            "be accepted by anyone\\n\\u0001\"," H_MAC H_BUD
                            "}",
                            &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_BAD_ROOM);
    /* Quoted, cut to 40 bytes, marked. */
    assert_non_null(
        strstr(e.message, "\"this room name is far too long to be acc\"..."));

    assert_int_equal(decode(H_PRE H_VER H_ROLE "\"room\":\"a\\nb\"," H_MAC H_BUD
                                               "}",
                            &m, &e),
                     LP_ERR_PROTO);
    assert_non_null(strstr(e.message, "\"a\\x0ab\""));

    assert_int_equal(decode(H_PRE H_VER H_ROLE H_ROOM
                            "\"mac\":\"00:11:22:33:44:55\"," H_BUD "}",
                            &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_BAD_MAC);
    assert_non_null(strstr(e.message, "\"00:11:22:33:44:55\""));
    assert_int_equal(lp_ctrl_error_reject(e.code), LP_REJECT_INVALID_MAC);

    assert_int_equal(decode(H_PRE H_VER H_ROLE H_ROOM H_MAC
                            "\"datagram_budget\":65536}",
                            &m, &e),
                     LP_ERR_PROTO);
    assert_non_null(strstr(e.message, "datagram_budget"));
    assert_non_null(strstr(e.message, "65536"));

    assert_int_equal(decode(H_PRE H_VER H_ROLE H_ROOM H_MAC
                            "\"datagram_budget\":1.5}",
                            &m, &e),
                     LP_ERR_PROTO);
    assert_non_null(strstr(e.message, "1.5"));

    assert_int_equal(decode("{\"type\":\"hello\",\"version\":3}", &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(lp_ctrl_error_reject(e.code),
                     LP_REJECT_UNSUPPORTED_VERSION);
    assert_non_null(strstr(e.message, "3"));
    assert_int_equal(lp_ctrl_error_reject(LP_CTRL_BAD_ROOM),
                     LP_REJECT_INVALID_ROOM);
    assert_int_equal(lp_ctrl_error_reject(LP_CTRL_BAD_UTF8),
                     LP_REJECT_BAD_HELLO);
    assert_int_equal(lp_ctrl_error_reject(LP_CTRL_MISSING),
                     LP_REJECT_BAD_HELLO);

    /* Invalid JSON text with raw UTF-8: message stays ASCII. */
    assert_int_equal(decode("{\"type\":\xc3\xa9\xc3\xa9}", &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_BAD_JSON);
    for (const char *p = e.message; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);

    /* Unknown type keeps its (cut) name. */
    assert_int_equal(decode("{\"type\":\"0123456789012345678901234567890123"
                            "456789\"}",
                            &m, &e),
                     0);
    assert_int_equal(m.type, LP_MSG_UNKNOWN);
    assert_string_equal(m.type_name, "01234567890123456789012345678901");
    assert_int_equal(decode("{\"type\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                            "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                            "x\xc3\xa9\"}",
                            &m, &e),
                     0);
    assert_int_equal(strlen(m.type_name), 31);

    /* Long software is cut on a code point boundary. */
    assert_int_equal(decode(H_PRE H_VER H_ROLE H_ROOM H_MAC H_BUD
                            ",\"software\":\"\xe2\x82\xac\xe2\x82\xac\xe2"
                            "\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                            "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82"
                            "\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2"
                            "\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                            "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82"
                            "\xac\xe2\x82\xac\xe2\x82\xac\"}",
                            &m, &e),
                     0);
    assert_int_equal(strlen(m.u.hello.software), 63);
}

static void test_stats_limits(void **state)
{
    char json[16384];
    size_t o = 0;
    struct lp_msg m;
    struct lp_ctrl_err e;

    (void)state;
    o += (size_t)snprintf(json + o, sizeof(json) - o,
                          "{\"type\":\"stats\",\"frames_tx\":1,"
                          "\"frames_rx\":2,\"datagrams_tx\":3,"
                          "\"datagrams_rx\":4,\"drops\":{");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(json + o, sizeof(json) - o, "%s\"d%d\":%d",
                              i ? "," : "", i, i);
    o += (size_t)snprintf(json + o, sizeof(json) - o,
                          ",\"a_name_that_is_much_longer_than_forty_seven_"
                          "bytes_in_total\":5}");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(json + o, sizeof(json) - o, ",\"x%d\":%d", i, i);
    o += (size_t)snprintf(json + o, sizeof(json) - o, "}");
    assert_int_equal(decode(json, &m, &e), 0);
    assert_int_equal(m.u.stats.ndrops, LP_STATS_MAX_ENTRIES);
    assert_int_equal(m.u.stats.nextra, LP_STATS_MAX_ENTRIES);
    assert_string_equal(m.u.stats.drops[31].name, "d31");
    assert_int_equal(m.u.stats.drops[31].value, 31);
    assert_string_equal(m.u.stats.extra[0].name, "x0");
    assert_string_equal(m.u.stats.extra[31].name, "x31");
}

/* A stream of several frames of varied sizes, some larger than the
 * inline buffer. */
static size_t build_stream(uint8_t *buf, size_t cap, struct lp_msg *msgs,
                           size_t *nmsgs)
{
    size_t o = 0, n = 0;
    struct lp_msg m;
    ssize_t w;

    m = make_hello();
    msgs[n++] = m;
    w = lp_ctrl_encode(buf + o, cap - o, &m);
    assert_true(w > 0);
    o += (size_t)w;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_STATS;
    m.u.stats.frames_tx = 77;
    m.u.stats.nextra = LP_STATS_MAX_ENTRIES;
    for (int i = 0; i < LP_STATS_MAX_ENTRIES; i++) {
        snprintf(m.u.stats.extra[i].name, sizeof(m.u.stats.extra[i].name),
                 "counter_with_a_long_name_%02d", i);
        m.u.stats.extra[i].value = (uint64_t)i * 1000003;
    }
    msgs[n++] = m;
    w = lp_ctrl_encode(buf + o, cap - o, &m);
    assert_true(w > LP_CTRL_INLINE_BUF);
    o += (size_t)w;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_DISCONNECT;
    strcpy(m.u.disconnect.reason, "bye");
    msgs[n++] = m;
    w = lp_ctrl_encode(buf + o, cap - o, &m);
    assert_true(w > 0);
    o += (size_t)w;

    /* An unknown type, written by hand. */
    static const char unk[] = "{\"type\":\"future\",\"k\":[1,2,3]}";
    buf[o++] = 0;
    buf[o++] = 0;
    buf[o++] = 0;
    buf[o++] = (uint8_t)(sizeof(unk) - 1);
    memcpy(buf + o, unk, sizeof(unk) - 1);
    o += sizeof(unk) - 1;
    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_UNKNOWN;
    msgs[n++] = m;

    memset(&m, 0, sizeof(m));
    m.type = LP_MSG_PEER_LEFT;
    m.u.peer.peer_id = 9;
    m.u.peer.role = LP_ROLE_GATEWAY;
    memcpy(m.u.peer.mac, (uint8_t[]){0, 1, 2, 3, 4, 5}, 6);
    strcpy(m.u.peer.reason, "replaced");
    msgs[n++] = m;
    w = lp_ctrl_encode(buf + o, cap - o, &m);
    assert_true(w > 0);
    o += (size_t)w;

    *nmsgs = n;
    return o;
}

static void check_msg(const struct lp_msg *got, const struct lp_msg *want)
{
    assert_int_equal(got->type, want->type);
    switch (want->type) {
    case LP_MSG_HELLO:
        assert_string_equal(got->u.hello.room, want->u.hello.room);
        assert_memory_equal(got->u.hello.mac, want->u.hello.mac, 6);
        break;
    case LP_MSG_STATS:
        assert_int_equal(got->u.stats.frames_tx, want->u.stats.frames_tx);
        assert_int_equal(got->u.stats.nextra, want->u.stats.nextra);
        for (size_t i = 0; i < want->u.stats.nextra; i++) {
            assert_string_equal(got->u.stats.extra[i].name,
                                want->u.stats.extra[i].name);
            assert_int_equal(got->u.stats.extra[i].value,
                             want->u.stats.extra[i].value);
        }
        break;
    case LP_MSG_DISCONNECT:
        assert_string_equal(got->u.disconnect.reason,
                            want->u.disconnect.reason);
        break;
    case LP_MSG_UNKNOWN:
        assert_string_equal(got->type_name, "future");
        break;
    case LP_MSG_PEER_LEFT:
        assert_int_equal(got->u.peer.peer_id, 9);
        assert_string_equal(got->u.peer.reason, "replaced");
        break;
    default:
        fail();
    }
}

/* feed_chunks feeds data split by the chunk sizes from next_chunk. */
static void feed_chunks(const uint8_t *data, size_t len,
                        size_t (*next_chunk)(size_t, void *), void *arg,
                        const struct lp_msg *msgs, size_t nmsgs)
{
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err e;
    struct lp_msg m;
    size_t pos = 0, got = 0, i = 0;

    lp_ctrl_decoder_init(&d);
    while (pos < len) {
        size_t c = next_chunk(i++, arg);
        if (c > len - pos)
            c = len - pos;
        const uint8_t *p = data + pos;
        size_t left = c;
        for (;;) {
            size_t used;
            int rv = lp_ctrl_decoder_feed(&d, p, left, &used, &m, &e);
            assert_true(used <= left);
            if (rv < 0)
                fail_msg("stream error %s: %s", lp_ctrl_error_name(e.code),
                         e.message);
            p += used;
            left -= used;
            if (rv == 0) {
                assert_int_equal(left, 0);
                break;
            }
            assert_true(got < nmsgs);
            check_msg(&m, &msgs[got++]);
        }
        pos += c;
    }
    assert_int_equal(got, nmsgs);
    assert_int_equal(d.hdrlen, 0);
    assert_null(d.big);
    lp_ctrl_decoder_free(&d);
}

static size_t chunk_one(size_t i, void *arg)
{
    (void)i;
    (void)arg;
    return 1;
}

static size_t chunk_all(size_t i, void *arg)
{
    (void)i;
    (void)arg;
    return SIZE_MAX;
}

static size_t chunk_split(size_t i, void *arg)
{
    return i == 0 ? *(size_t *)arg : SIZE_MAX;
}

static size_t chunk_random(size_t i, void *arg)
{
    uint32_t *s = arg;

    (void)i;
    *s = *s * 1103515245u + 12345u;
    return 1 + (*s >> 16) % 300;
}

static void test_stream(void **state)
{
    uint8_t buf[16384];
    struct lp_msg msgs[8];
    size_t nmsgs, len;

    (void)state;
    len = build_stream(buf, sizeof(buf), msgs, &nmsgs);
    feed_chunks(buf, len, chunk_all, NULL, msgs, nmsgs);
    feed_chunks(buf, len, chunk_one, NULL, msgs, nmsgs);
    for (size_t split = 1; split < len; split++)
        feed_chunks(buf, len, chunk_split, &split, msgs, nmsgs);
    for (uint32_t seed = 1; seed < 200; seed++) {
        uint32_t s = seed;
        feed_chunks(buf, len, chunk_random, &s, msgs, nmsgs);
    }
}

static void test_stream_errors(void **state)
{
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err e;
    struct lp_msg m;
    size_t used;
    uint8_t buf[64];

    (void)state;
    /* Length 0. */
    lp_ctrl_decoder_init(&d);
    memcpy(buf, (uint8_t[]){0, 0, 0, 0, '{'}, 5);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 5, &used, &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_ZERO);
    assert_int_equal(used, 4);
    /* Sticky. */
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 5, &used, &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_ZERO);
    assert_int_equal(used, 0);
    lp_ctrl_decoder_free(&d);

    /* 65537, detected after the 4th byte, byte at a time. */
    lp_ctrl_decoder_init(&d);
    memcpy(buf, (uint8_t[]){0, 1, 0, 1}, 4);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lp_ctrl_decoder_feed(&d, buf + i, 1, &used, &m, &e),
                         0);
        assert_int_equal(used, 1);
    }
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf + 3, 1, &used, &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_TOO_BIG);
    lp_ctrl_decoder_free(&d);

    /* 0xffffffff */
    lp_ctrl_decoder_init(&d);
    memset(buf, 0xff, 8);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 8, &used, &m, NULL),
                     LP_ERR_PROTO);
    assert_int_equal(used, 4);
    lp_ctrl_decoder_free(&d);

    /* A bad body fails the stream, even split. */
    static const char bad[] = "[1,2]";
    lp_ctrl_decoder_init(&d);
    memcpy(buf, (uint8_t[]){0, 0, 0, 5}, 4);
    memcpy(buf + 4, bad, 5);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 6, &used, &m, &e), 0);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf + 6, 3, &used, &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_NOT_OBJECT);
    assert_int_equal(used, 3);
    lp_ctrl_decoder_free(&d);

    /* Freed mid-frame: no leak (checked by ASan / cmocka). */
    lp_ctrl_decoder_init(&d);
    memcpy(buf, (uint8_t[]){0, 0, 4, 0, '{'}, 5);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 5, &used, &m, &e), 0);
    assert_non_null(d.big);
    lp_ctrl_decoder_free(&d);
    lp_ctrl_decoder_free(NULL);
}

static void test_max_frame(void **state)
{
    uint8_t *buf = malloc(4 + LP_CTRL_MAX_LEN + 1);
    static const char head[] = "{\"type\":\"disconnect\",\"reason\":\"x\","
                               "\"pad\":\"";
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err e;
    struct lp_msg m;
    size_t used, n = LP_CTRL_MAX_LEN;

    (void)state;
    assert_non_null(buf);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    memcpy(buf + 4, head, sizeof(head) - 1);
    memset(buf + 4 + sizeof(head) - 1, 'a', n - (sizeof(head) - 1) - 2);
    memcpy(buf + 4 + n - 2, "\"}", 2);

    lp_ctrl_decoder_init(&d);
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, 1000, &used, &m, &e), 0);
    assert_non_null(d.big);
    assert_int_equal(
        lp_ctrl_decoder_feed(&d, buf + 1000, n + 4 - 1000, &used, &m, &e), 1);
    assert_int_equal(m.type, LP_MSG_DISCONNECT);
    assert_null(d.big);
    /* In one piece, decoded in place. */
    assert_int_equal(lp_ctrl_decoder_feed(&d, buf, n + 4, &used, &m, &e), 1);
    assert_int_equal(used, n + 4);
    assert_null(d.big);
    lp_ctrl_decoder_free(&d);

    assert_int_equal(lp_ctrl_decode_body(&m, buf + 4, n, &e), 0);
    assert_int_equal(lp_ctrl_decode_body(&m, buf + 4, n + 1, &e), LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_TOO_BIG);
    free(buf);
}

/* A decoder told its limit refuses a longer frame from its 4 length bytes,
 * before it allocates anything (a relay before its welcome: 4096). */
static void test_decoder_limit(void **state)
{
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err e;
    struct lp_msg m;
    size_t used;
    uint8_t hdr[4] = {0, 0, 0x10, 0x01}; /* 4097 */
    uint8_t ok[4] = {0, 0, 0x10, 0x00};  /* 4096 */

    (void)state;
    lp_ctrl_decoder_init(&d);
    lp_ctrl_decoder_limit(&d, 4096);
    assert_int_equal(lp_ctrl_decoder_feed(&d, ok, 4, &used, &m, &e), 0);
    assert_null(d.big);
    lp_ctrl_decoder_free(&d);
    lp_ctrl_decoder_init(&d);
    lp_ctrl_decoder_limit(&d, 4096);
    assert_int_equal(lp_ctrl_decoder_feed(&d, hdr, 4, &used, &m, &e),
                     LP_ERR_PROTO);
    assert_int_equal(e.code, LP_CTRL_LEN_TOO_BIG);
    assert_non_null(strstr(e.message, "4097 exceeds 4096"));
    assert_null(d.big);
    lp_ctrl_decoder_free(&d);
    /* 0 and anything above the protocol maximum mean the maximum */
    lp_ctrl_decoder_init(&d);
    lp_ctrl_decoder_limit(&d, 1u << 30);
    assert_int_equal(d.max, LP_CTRL_MAX_LEN);
    lp_ctrl_decoder_free(&d);
}

/* lp_ctrl_decoder_next walks a window holding two messages and a half. */
static void test_decoder_next(void **state)
{
    struct lp_ctrl_decoder d;
    struct lp_ctrl_err e;
    struct lp_msg m, in;
    uint8_t buf[512];
    const uint8_t *p = buf;
    size_t len = 0;
    ssize_t n;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.type = LP_MSG_STATS;
    for (int i = 0; i < 2; i++) {
        n = lp_ctrl_encode(buf + len, sizeof(buf) - len, &in);
        assert_true(n > 0);
        len += (size_t)n;
    }
    memcpy(buf + len, buf, 3); /* the start of a third */
    len += 3;
    lp_ctrl_decoder_init(&d);
    assert_int_equal(lp_ctrl_decoder_next(&d, &p, &len, &m, &e), 1);
    assert_int_equal(m.type, LP_MSG_STATS);
    assert_int_equal(lp_ctrl_decoder_next(&d, &p, &len, &m, &e), 1);
    assert_int_equal(len, 3);
    assert_int_equal(lp_ctrl_decoder_next(&d, &p, &len, &m, &e), 0);
    assert_int_equal(len, 0);
    lp_ctrl_decoder_free(&d);
}

static void test_names(void **state)
{
    enum lp_reject r;

    (void)state;
    assert_string_equal(lp_role_name(LP_ROLE_CLIENT), "client");
    assert_string_equal(lp_role_name(LP_ROLE_GATEWAY), "gateway");
    assert_string_equal(lp_role_name((enum lp_role)0), "unknown");
    assert_string_equal(lp_reject_name(LP_REJECT_DATAGRAM_BUDGET_TOO_SMALL),
                        "datagram_budget_too_small");
    assert_string_equal(lp_reject_name((enum lp_reject)0), "unknown");
    assert_string_equal(lp_reject_name((enum lp_reject)11), "unknown");
    assert_int_equal(lp_reject_from_name("gateway_exists", &r), 0);
    assert_int_equal(r, LP_REJECT_GATEWAY_EXISTS);
    assert_int_not_equal(lp_reject_from_name("x", &r), 0);
    assert_string_equal(lp_ctrl_error_name(LP_CTRL_BAD_UTF8), "bad_utf8");
    assert_string_equal(lp_ctrl_error_name((enum lp_ctrl_error)99), "unknown");
    assert_string_equal(lp_msg_type_name(LP_MSG_PEER_JOINED), "peer_joined");
    assert_true(lp_room_valid("a"));
    assert_true(lp_room_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
    assert_false(lp_room_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
    assert_false(lp_room_valid(""));
    assert_false(lp_room_valid(NULL));
    assert_false(lp_room_valid("a/b"));
}

/* peer_left reasons from peers: normalised so that nothing a peer sends can
 * forge one of the relay's own reasons or reach a terminal raw. */
static void test_peer_reason(void **state)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"shutdown", "shutdown"},
        {"Game Over!", "game_over_"},
        {"\x1b[31mred", "__31mred"},
        {"caf\xc3\xa9", "caf__"},
        {"", "disconnect"},
        {"replaced", "disconnect"},
        {"REVOKED", "disconnect"},
        {"relay_shutdown", "disconnect"},
        {"timeout", "disconnect"},
        {"malformed", "disconnect"},
        {"0123456789012345678901234567890123456789",
         "01234567890123456789012345678901"},
        {"a-b_c", "a-b_c"},
    };
    char out[33];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        lp_ctrl_peer_reason(out, t[i].in);
        assert_string_equal(out, t[i].out);
    }
    lp_ctrl_peer_reason(out, NULL);
    assert_string_equal(out, "disconnect");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_reason),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_hello_rules),
        cmocka_unit_test(test_other_rules),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_stats_limits),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_max_frame),
        cmocka_unit_test(test_decoder_limit),
        cmocka_unit_test(test_decoder_next),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
