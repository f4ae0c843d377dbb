/*
 * relay_tls: SIGHUP reloads the relay's certificate and key (certbot
 * renewals without a restart). A GnuTLS session holds its credentials by
 * pointer, so the replaced ones are kept (reachable, a few KiB per reload)
 * until the process ends, and every open connection keeps working.
 *
 * Under the seccomp filter (io/lp_priv.c) reading the files needs only the
 * relay's read-only openat, read, fstat and close; the files must be
 * readable by the user the relay runs as.
 */
#include "relay_tls.h"

#include <stdlib.h>
#include <string.h>

#include "lp_b64.h"
#include "lp_log.h"

/* the replaced identities, never freed while sessions may use them */
static struct lp_tls_server **retired;
static size_t nretired;

int relay_tls_reload(struct lp_tls_server *live, const char *cert,
                     const char *key)
{
    struct lp_tls_server fresh, **nr, *old;
    char err[512], pin[8 + LP_B64URL_LEN(32) + 1] = "sha256:";
    uint8_t spki[32];
    struct lp_logbuf b;

    if (cert == NULL) {
        lp_logf(LP_LOG_INFO, "reload",
                "SIGHUP: a development certificate is not reloaded");
        return -1;
    }
    if (lp_tls_server_init_pem(&fresh, cert, key, err, sizeof(err)) != 0) {
        lp_logf(LP_LOG_ERROR, "reload",
                "SIGHUP: %s; the previous certificate stays in force", err);
        return -1;
    }
    nr = realloc(retired, (nretired + 1) * sizeof(*retired));
    old = malloc(sizeof(*old));
    if (nr != NULL)
        retired = nr;
    if (nr == NULL || old == NULL) {
        free(old);
        lp_tls_server_free(&fresh);
        lp_logf(LP_LOG_ERROR, "reload",
                "SIGHUP: out of memory; the previous certificate stays in "
                "force");
        return -1;
    }
    *old = *live;
    retired[nretired++] = old;
    *live = fresh;
    if (lp_tls_server_spki_sha256(live, spki) == 0)
        lp_b64url_encode(pin + 7, sizeof(pin) - 7, spki, sizeof(spki));
    if (lp_log_begin(&b, LP_LOG_INFO, "cert_reloaded")) {
        lp_log_str(&b, "cert", cert);
        lp_log_str(&b, "key", key);
        lp_log_str(&b, "pin", pin);
        lp_log_end(&b);
    }
    return 0;
}
