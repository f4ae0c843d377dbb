/*
 * lp_tlspair: the Windows TLS tests' harness. The client is the Windows
 * client's own code (lp_qconn with the wolfSSL backend, pinned to a DER
 * certificate or to public keys); the server is a real ngtcp2 + wolfSSL
 * server in the same process, so that a test can make it answer as the
 * Linux relay never does (no ALPN). Packets pass between the two in memory
 * on virtual time; TLS and QUIC are not mocked.
 */
#ifndef LP_TLSPAIR_H
#define LP_TLSPAIR_H

#include <stdint.h> /* wolfssl/quic.h 5.5.4 uses uint8_t unincluded */
#include <winsock2.h>
#include <windows.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "lp_qconn.h"

/* What to connect: the server's identity and ALPN, the client's pin. */
struct lp_tlspair_cfg {
    const char *cert_pem, *key_pem; /* PEM text, or file names */
    int pem_files;                  /* cert_pem and key_pem name files */
    const char *server_alpn;        /* what the server selects; NULL: none */
    const uint8_t (*pins)[32];      /* the client's SPKI pins (npins > 0) */
    size_t npins;
    const char *der_file; /* else the certificate's DER as the pin */
};

struct lp_tlspair_srv {
    ngtcp2_conn *conn;
    ngtcp2_crypto_conn_ref ref;
    WOLFSSL_CTX *ctx;
    WOLFSSL *ssl;
    ngtcp2_path path;
    int handshake_done;
    int read_err;    /* first error from ngtcp2_conn_read_pkt but DRAINING */
    int peer_closed; /* the client's CONNECTION_CLOSE arrived */
    ngtcp2_connection_close_error ccerr;
};

struct lp_tlspair_cli {
    struct lp_qconn q; /* first: the callbacks get the lp_qconn */
    int handshake, closed;
    enum lp_qclose why;
    uint64_t code;
};

struct lp_tlspair {
    struct lp_tlspair_cli c;
    struct lp_tlspair_srv s;
    int accept_failed;
};

/* lp_tlspair_run connects the client to the server as cfg says and runs
 * both until the client closed or two virtual seconds passed; o gets what
 * each side saw. Returns 0, or -1 when the run could not be set up. */
int lp_tlspair_run(struct lp_tlspair *o, const struct lp_tlspair_cfg *cfg);

#endif
