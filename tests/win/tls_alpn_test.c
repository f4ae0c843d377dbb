/*
 * The wolfSSL client's ALPN check (quic/lp_tls_wolfssl.c, RFC 9001 section
 * 8.1), under wine. The client is the Windows client's own code: lp_qconn
 * with lp_tls_session_client (wolfSSL, pinned certificate, ALPN lanparty/1).
 * The server is a real ngtcp2 0.12.1 + wolfSSL server in the same process,
 * so that it can answer with no ALPN at all, which the Linux relay never
 * does. Packets pass between the two in memory; TLS and QUIC are not
 * mocked (the harness lp_tlspair.c, shared with tls_spki_test.c).
 *
 *   tls_alpn_test.exe CERT.pem KEY.pem CERT.der
 *
 * CERT.pem/KEY.pem: the server's identity (lanparty-relay's
 * --dev-cert-pem-out/--dev-key-pem-out); CERT.der: the same certificate as
 * the client's pin (--dev-cert-der-out). Built and run by
 * scripts/test-windows.sh.
 */
#include "lp_tlspair.h" /* first: winsock2.h before windows.h */

#include <stdio.h>
#include <string.h>

#include "lp_tls.h"
#include "lp_wintest.h"

static const char *cert_pem, *key_pem, *cert_der;

/* run_handshake: the client pinned to CERT.der against the server with
 * CERT.pem/KEY.pem that selects server_alpn (NULL: none). */
static int run_handshake(struct lp_tlspair *o, const char *server_alpn)
{
    const struct lp_tlspair_cfg cfg = {
        .cert_pem = cert_pem,
        .key_pem = key_pem,
        .pem_files = 1,
        .server_alpn = server_alpn,
        .der_file = cert_der,
    };

    return lp_tlspair_run(o, &cfg);
}

/* ------------------------------------------------------------- the tests */

/* Control: a server that selects lanparty/1 completes the handshake, so the
 * failure below is the missing ALPN and nothing else. */
static void test_server_selects_lanparty(void)
{
    static struct lp_tlspair o;

    CHECK_INT(run_handshake(&o, LP_ALPN), 0);
    CHECK_INT(o.accept_failed, 0);
    CHECK_INT(o.s.handshake_done, 1);
    CHECK_INT(o.c.handshake, 1);
    CHECK_INT(o.c.closed, 0);
}

/* A server that selects no ALPN: the client closes with
 * no_application_protocol, CRYPTO_ERROR 0x100 + 120, and the server gets
 * that CONNECTION_CLOSE. */
static void test_server_selects_no_alpn(void)
{
    static struct lp_tlspair o;

    CHECK_INT(run_handshake(&o, NULL), 0);
    CHECK_INT(o.accept_failed, 0);
    CHECK_INT(o.c.handshake, 0);
    CHECK_INT(o.c.closed, 1);
    CHECK_STR(lp_qclose_name(o.c.why), "tls");
    CHECK_INT(o.c.code, 0x178);
    CHECK_INT(o.s.peer_closed, 1);
    CHECK_INT(o.s.ccerr.type,
              NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT);
    CHECK_INT(o.s.ccerr.error_code, 0x178);
    CHECK_INT(o.s.read_err, 0);
}

int main(int argc, char **argv)
{
    static const struct lp_wintest tests[] = {
        {"server_selects_lanparty", test_server_selects_lanparty},
        {"server_selects_no_alpn", test_server_selects_no_alpn},
    };

    if (argc != 4) {
        fprintf(stderr, "usage: tls_alpn_test CERT.pem KEY.pem CERT.der\n");
        return 2;
    }
    cert_pem = argv[1];
    key_pem = argv[2];
    cert_der = argv[3];
    return lp_wintest_run("tls_alpn", tests, sizeof(tests) / sizeof(tests[0]));
}
