/*
 * quic/: lp_qserver's stateless answers, driven
 * with hand-made packets: Version Negotiation, stateless resets and their
 * budget, Retry and Retry tokens, CID routing of a created connection, the
 * per-address cap. Real ngtcp2 and GnuTLS; packets captured from the send
 * callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "lp_err.h"
#include "lp_qserver.h"
#include "lp_tls.h"

/* --------------------------------------------------------- the server */

struct sent {
    int n;
    uint8_t last[1500];
    size_t lastlen;
};

static struct sent sent;

static int cap_send(void *arg, const ngtcp2_path *path, const uint8_t *data,
                    size_t len, size_t segsize)
{
    (void)arg;
    (void)path;
    (void)segsize;
    sent.n++;
    sent.lastlen = len < sizeof(sent.last) ? len : sizeof(sent.last);
    memcpy(sent.last, data, sent.lastlen);
    return 0;
}

struct fixture {
    struct lp_tls_server tls;
    struct lp_pool pool;
    struct lp_qserver s;
    struct sockaddr_in6 local, remote;
    ngtcp2_path path;
};

static const struct lp_qconn_ops no_ops;

static int setup(void **state)
{
    static struct fixture f;
    struct lp_qserver_cfg cfg;
    char err[256];

    memset(&f, 0, sizeof(f));
    memset(&sent, 0, sizeof(sent));
    if (lp_tls_server_init_dev(&f.tls, err, sizeof(err)) != 0 ||
        lp_pool_init(&f.pool, 64, 1500) != 0)
        return -1;
    memset(&cfg, 0, sizeof(cfg));
    cfg.tls = &f.tls;
    cfg.ops = &no_ops;
    cfg.pool = &f.pool;
    cfg.dq_cap = 16;
    cfg.max_conns = 100;
    cfg.max_per_ip = 2;
    cfg.send = cap_send;
    if (lp_qserver_init(&f.s, &cfg, 1) != 0)
        return -1;
    f.local.sin6_family = AF_INET6;
    f.local.sin6_port = htons(443);
    f.local.sin6_addr.s6_addr[15] = 1;
    f.remote = f.local;
    f.remote.sin6_port = htons(50000);
    f.remote.sin6_addr.s6_addr[0] = 0x20;
    f.path.local.addr = (ngtcp2_sockaddr *)&f.local;
    f.path.local.addrlen = sizeof(f.local);
    f.path.remote.addr = (ngtcp2_sockaddr *)&f.remote;
    f.path.remote.addrlen = sizeof(f.remote);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    lp_qserver_free(&f->s);
    lp_pool_free(&f->pool);
    lp_tls_server_free(&f->tls);
    return 0;
}

/* A client Initial of 1200 bytes (header only matters: nothing is
 * decrypted before the server answers statelessly). */
static size_t initial(uint8_t *p, uint32_t version, const uint8_t *dcid,
                      size_t dcidlen, const uint8_t *token, size_t tokenlen)
{
    size_t n = 0, payload;

    memset(p, 0, 1200);
    p[n++] = 0xc3; /* long header, Initial, 4-byte packet number */
    p[n++] = (uint8_t)(version >> 24);
    p[n++] = (uint8_t)(version >> 16);
    p[n++] = (uint8_t)(version >> 8);
    p[n++] = (uint8_t)version;
    p[n++] = (uint8_t)dcidlen;
    memcpy(p + n, dcid, dcidlen);
    n += dcidlen;
    p[n++] = 8;
    memset(p + n, 0x5c, 8); /* scid */
    n += 8;
    p[n++] = (uint8_t)(0x40 | (tokenlen >> 8)); /* 2-byte varint */
    p[n++] = (uint8_t)tokenlen;
    if (tokenlen > 0)
        memcpy(p + n, token, tokenlen);
    n += tokenlen;
    payload = 1200 - n - 2;
    p[n++] = (uint8_t)(0x40 | (payload >> 8));
    p[n++] = (uint8_t)payload;
    return 1200;
}

static void test_version_negotiation(void **state)
{
    struct fixture *f = *state;
    static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t pkt[1200];

    initial(pkt, 0x1a2a3a4a, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10);
    assert_int_equal(sent.n, 1);
    assert_int_equal(f->s.st.version_negotiation, 1);
    /* a VN packet: long header, version 0, our CIDs echoed swapped */
    assert_true(sent.last[0] & 0x80);
    assert_memory_equal(sent.last + 1, "\0\0\0\0", 4);
    assert_int_equal(f->s.nconns, 0);
}

static void test_stateless_reset_and_budget(void **state)
{
    struct fixture *f = *state;
    uint8_t pkt[60];

    memset(pkt, 0xa5, sizeof(pkt));
    pkt[0] = 0x40 | 0x01; /* short header for a CID nobody has */
    lp_qserver_recv(&f->s, &f->path, pkt, 42, 10);
    assert_int_equal(sent.n, 0); /* too short to answer (RFC 9000 10.3) */
    lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 10);
    assert_int_equal(sent.n, 1);
    assert_true(sent.lastlen < sizeof(pkt)); /* never amplifies */
    assert_int_equal(sent.last[0] & 0xc0, 0x40);
    /* the token: derived from the secret and the CID we answered for */
    {
        uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
        ngtcp2_cid cid;
        ngtcp2_cid_init(&cid, pkt + 1, 16);
        assert_int_equal(ngtcp2_crypto_generate_stateless_reset_token(
                             token, f->s.secret, sizeof(f->s.secret), &cid),
                         0);
        assert_memory_equal(sent.last + sent.lastlen - sizeof(token), token,
                            sizeof(token));
    }
    /* at most 10 in a burst per source prefix (5 a second) */
    for (int i = 0; i < 200; i++)
        lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 10);
    assert_int_equal(f->s.st.resets, 10);
    assert_int_equal(f->s.st.resets_limited, 191);
    /* the same /64 from another address shares that budget ... */
    f->remote.sin6_addr.s6_addr[15] = 0x77;
    lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 10);
    assert_int_equal(f->s.st.resets, 10);
    /* ... another /64 has its own: one source cannot drain everyone's */
    f->remote.sin6_addr.s6_addr[7] = 0x01;
    for (int i = 0; i < 20; i++)
        lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 10);
    assert_int_equal(f->s.st.resets, 20);
    f->remote.sin6_addr.s6_addr[7] = 0;
    f->remote.sin6_addr.s6_addr[15] = 0;
    /* the budget refills with time */
    lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 10 + LP_SECONDS);
    assert_int_equal(f->s.st.resets, 21);
    /* the relay-wide cap (1000 a second) still holds across prefixes */
    for (int i = 0; i < 3000; i++) {
        f->remote.sin6_addr.s6_addr[5] = (uint8_t)(i >> 8);
        f->remote.sin6_addr.s6_addr[6] = (uint8_t)i;
        lp_qserver_recv(&f->s, &f->path, pkt, sizeof(pkt), 20 + LP_SECONDS);
    }
    assert_true(f->s.st.resets <= 21 + 1000);
    assert_true(f->s.st.resets >= 1000);
    f->remote.sin6_addr.s6_addr[5] = f->remote.sin6_addr.s6_addr[6] = 0;
}

static void test_retry_and_tokens(void **state)
{
    struct fixture *f = *state;
    static const uint8_t dcid[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    uint8_t pkt[1200], token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
    ngtcp2_cid odcid, rscid;
    ngtcp2_ssize tlen;

    f->s.cfg.retry_always = 1;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10);
    assert_int_equal(f->s.st.retries, 1);
    assert_int_equal(sent.last[0] & 0xf0, 0xf0); /* long header, Retry */
    assert_int_equal(f->s.nconns, 0);

    /* a forged token is refused with INVALID_TOKEN, statelessly */
    memset(token, 0, sizeof(token));
    token[0] = NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, token, sizeof(token));
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 20);
    assert_int_equal(f->s.st.bad_tokens, 1);
    assert_int_equal(f->s.nconns, 0);

    /* a real token, made for another address: refused too */
    ngtcp2_cid_init(&odcid, dcid, 8);
    ngtcp2_cid_init(&rscid, (const uint8_t *)"retryscidretrysc", 16);
    tlen = ngtcp2_crypto_generate_retry_token(
        token, f->s.secret, sizeof(f->s.secret), NGTCP2_PROTO_VER_V1,
        f->path.local.addr, f->path.local.addrlen, &rscid, &odcid, 30);
    assert_true(tlen > 0);
    initial(pkt, NGTCP2_PROTO_VER_V1, rscid.data, 16, token, (size_t)tlen);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 40);
    assert_int_equal(f->s.st.bad_tokens, 2);
    assert_int_equal(f->s.nconns, 0);

    /* the same token for this address: a connection, without Retry */
    tlen = ngtcp2_crypto_generate_retry_token(
        token, f->s.secret, sizeof(f->s.secret), NGTCP2_PROTO_VER_V1,
        f->path.remote.addr, f->path.remote.addrlen, &rscid, &odcid, 30);
    assert_true(tlen > 0);
    initial(pkt, NGTCP2_PROTO_VER_V1, rscid.data, 16, token, (size_t)tlen);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 50);
    assert_int_equal(f->s.st.bad_tokens, 2);
    assert_int_equal(f->s.st.retries, 1);
    assert_int_equal(f->s.st.conns_created, 1);
    /* and an expired one (10 s) is refused */
    rscid.data[0] ^= 1;
    tlen = ngtcp2_crypto_generate_retry_token(
        token, f->s.secret, sizeof(f->s.secret), NGTCP2_PROTO_VER_V1,
        f->path.remote.addr, f->path.remote.addrlen, &rscid, &odcid, 30);
    initial(pkt, NGTCP2_PROTO_VER_V1, rscid.data, 16, token, (size_t)tlen);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 30 + 11 * LP_SECONDS);
    assert_int_equal(f->s.st.bad_tokens, 3);
}

static void test_connection_routing_and_ip_cap(void **state)
{
    struct fixture *f = *state;
    uint8_t dcid[8] = {7, 7, 7, 7, 7, 7, 7, 1};
    uint8_t pkt[1200];

    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10);
    /* the payload does not decrypt, but the connection exists first and
     * is found again by its client-chosen DCID */
    assert_int_equal(f->s.st.conns_created, 1);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 11);
    assert_int_equal(f->s.st.conns_created, 1);
    /* a second and a third connection from the same address: the cap */
    dcid[7] = 2;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 12);
    dcid[7] = 3;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 13);
    assert_true(f->s.st.conns_created + f->s.st.refused_per_ip == 3);
    assert_true(f->s.nconns <= 2);
}

/* New handshakes per source prefix: Retry beyond 20 at once (10 a second),
 * validated ones refused beyond 40 (20 a second); connections of one /64
 * share the connection cap; freed connections leave no CID behind. */
static void test_prefix_handshake_rate(void **state)
{
    struct fixture *f = *state;
    uint8_t dcid[8] = {5, 5, 5, 5, 5, 5, 0, 0};
    uint8_t pkt[1200], token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
    ngtcp2_cid odcid, rscid;
    ngtcp2_ssize tlen;

    f->s.cfg.max_per_ip = 0;
    for (int i = 0; i < 30; i++) {
        dcid[7] = (uint8_t)i;
        /* other addresses of the same /64 count as one source */
        f->remote.sin6_addr.s6_addr[15] = (uint8_t)i;
        initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
        lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10);
    }
    assert_int_equal(f->s.st.conns_created, 20);
    assert_int_equal(f->s.st.retries_rate, 10);
    assert_int_equal(f->s.st.retries, 10);
    /* another /64 is not held back */
    f->remote.sin6_addr.s6_addr[7] = 1;
    dcid[6] = 1;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10);
    assert_int_equal(f->s.st.conns_created, 21);
    f->remote.sin6_addr.s6_addr[7] = 0;
    /* validated handshakes: 40 at once, then refused */
    for (int i = 0; i < 45; i++) {
        ngtcp2_cid_init(&odcid, dcid, 8);
        memset(rscid.data, 0, sizeof(rscid.data));
        rscid.datalen = 16;
        rscid.data[0] = (uint8_t)i;
        rscid.data[1] = 0xee;
        tlen = ngtcp2_crypto_generate_retry_token(
            token, f->s.secret, sizeof(f->s.secret), NGTCP2_PROTO_VER_V1,
            f->path.remote.addr, f->path.remote.addrlen, &rscid, &odcid, 10);
        assert_true(tlen > 0);
        initial(pkt, NGTCP2_PROTO_VER_V1, rscid.data, 16, token, (size_t)tlen);
        lp_qserver_recv(&f->s, &f->path, pkt, 1200, 20);
    }
    assert_int_equal(f->s.st.conns_created, 21 + 40);
    assert_int_equal(f->s.st.refused_rate, 5);
    /* the connection cap counts the whole prefix */
    f->s.cfg.max_per_ip = 60;
    dcid[6] = 2;
    dcid[7] = 0;
    f->remote.sin6_addr.s6_addr[15] = 0x99;
    initial(pkt, NGTCP2_PROTO_VER_V1, dcid, 8, NULL, 0);
    lp_qserver_recv(&f->s, &f->path, pkt, 1200, 10 + 10 * LP_SECONDS);
    assert_int_equal(f->s.st.refused_per_ip, 1);
    /* freeing every connection (each removes the CIDs it remembers, no
     * table scan) leaves no CID behind */
    assert_true(f->s.tab_used >= 2 * 61);
    lp_qserver_free(&f->s);
    assert_int_equal(f->s.nconns, 0);
    assert_int_equal(f->s.tab_used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version_negotiation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stateless_reset_and_budget, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retry_and_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_handshake_rate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connection_routing_and_ip_cap,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
