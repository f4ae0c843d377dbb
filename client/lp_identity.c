/* lp_identity: see lp_identity.h. */
#include "lp_identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lp_b64.h"
#include "lp_err.h"
#include "lp_eth.h"
#include "lp_file.h"
#include "lp_tls.h"

int lp_identity_parse(const char *json, size_t len, int gateway,
                      struct lp_identity *id, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    json_t *v, *m, *r;
    size_t n = 0;
    int rv = LP_ERR_PROTO;

    memset(id, 0, sizeof(*id));
    if (root == NULL) {
        snprintf(err, errlen, "not JSON (%s)", je.text);
        return LP_ERR_PROTO;
    }
    v = json_object_get(root, "version");
    m = json_object_get(root, "mac");
    r = json_object_get(root, "resume");
    if (!json_is_object(root) || !json_is_integer(v) ||
        json_integer_value(v) != 1) {
        snprintf(err, errlen, "\"version\" must be 1");
    } else if (!json_is_string(m) ||
               lp_mac_parse(id->mac, json_string_value(m)) != 0) {
        snprintf(err, errlen, "\"mac\" is not a MAC address");
    } else if (gateway ? !lp_mac_valid_gateway(id->mac)
                       : !lp_mac_valid_client(id->mac)) {
        snprintf(err, errlen, "\"mac\" %s is not a %s", json_string_value(m),
                 gateway ? "unicast address"
                         : "locally administered unicast address");
    } else if (r != NULL && (!json_is_string(r) ||
                             lp_b64url_decode(id->resume, sizeof(id->resume),
                                              &n, json_string_value(r),
                                              json_string_length(r)) != 0 ||
                             n != sizeof(id->resume))) {
        snprintf(err, errlen, "\"resume\" is not 43 base64url characters");
    } else {
        id->has_resume = r != NULL;
        rv = 0;
    }
    json_decref(root);
    return rv;
}

static int identity_write(const char *path, const struct lp_identity *id,
                          char *err, size_t errlen)
{
    char smac[LP_MAC_STRLEN], res[LP_B64URL_LEN(32) + 1], text[200];
    int n;

    lp_mac_format(smac, id->mac);
    lp_b64url_encode(res, sizeof(res), id->resume, sizeof(id->resume));
    n = snprintf(text, sizeof(text),
                 "{\"version\":1,\"mac\":\"%s\",\"resume\":\"%s\"}\n", smac,
                 res);
    return lp_file_write_atomic(path, text, (size_t)n, 1, err, errlen);
}

int lp_identity_load_or_create(const char *path, const uint8_t *gateway_mac,
                               struct lp_identity *id, int *created, char *err,
                               size_t errlen)
{
    char *buf = NULL, e2[300];
    size_t n = 0;
    uint8_t rnd[6];
    int rv;

    *created = 0;
    rv = lp_file_read(path, 4096, &buf, &n, e2, sizeof(e2));
    if (rv == 0) {
        rv = lp_identity_parse(buf, n, gateway_mac != NULL, id, e2, sizeof(e2));
        free(buf);
        if (rv != 0) {
            snprintf(err, errlen,
                     "identity file '%s' is invalid: %s (fix it, or delete "
                     "it to get a new identity)",
                     path, e2);
            return LP_ERR_PROTO;
        }
        if (gateway_mac != NULL)
            memcpy(id->mac, gateway_mac, 6);
        if (id->has_resume)
            return 0;
        /* revision 1 file: add the secret, keep the MAC */
    } else {
        FILE *f = fopen(path, "rb");
        if (f != NULL || errno != ENOENT) {
            if (f != NULL)
                fclose(f);
            snprintf(err, errlen, "%s", e2);
            return LP_ERR_IO;
        }
        memset(id, 0, sizeof(*id));
        if (gateway_mac != NULL) {
            memcpy(id->mac, gateway_mac, 6);
        } else if (lp_tls_random(rnd, sizeof(rnd)) == 0) {
            lp_mac_random_client(id->mac, rnd);
        } else {
            snprintf(err, errlen, "no randomness for a new MAC");
            return LP_ERR_IO;
        }
        *created = 1;
    }
    if (lp_tls_random(id->resume, sizeof(id->resume)) != 0) {
        snprintf(err, errlen, "no randomness for a resume secret");
        return LP_ERR_IO;
    }
    id->has_resume = 1;
    return identity_write(path, id, err, errlen);
}
