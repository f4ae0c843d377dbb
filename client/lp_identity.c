/* lp_identity: see lp_identity.h. */
#include "lp_identity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "lp_err.h"
#include "lp_eth.h"
#include "lp_tls.h"

int lp_identity_parse(const char *json, size_t len, uint8_t mac[6], char *err,
                      size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    json_t *v, *m;
    int rv = LP_ERR_PROTO;

    if (root == NULL) {
        snprintf(err, errlen, "not JSON (%s)", je.text);
        return LP_ERR_PROTO;
    }
    v = json_object_get(root, "version");
    m = json_object_get(root, "mac");
    if (!json_is_object(root) || !json_is_integer(v) ||
        json_integer_value(v) != 1) {
        snprintf(err, errlen, "\"version\" must be 1");
    } else if (!json_is_string(m) ||
               lp_mac_parse(mac, json_string_value(m)) != 0) {
        snprintf(err, errlen, "\"mac\" is not a MAC address");
    } else if (!lp_mac_valid_client(mac)) {
        snprintf(err, errlen,
                 "\"mac\" %s is not a locally administered unicast address",
                 json_string_value(m));
    } else {
        rv = 0;
    }
    json_decref(root);
    return rv;
}

int lp_identity_load_or_create(const char *path, uint8_t mac[6], int *created,
                               char *err, size_t errlen)
{
    char buf[4096], e2[200], smac[LP_MAC_STRLEN];
    uint8_t rnd[6];
    FILE *f = fopen(path, "rb");
    size_t n;

    *created = 0;
    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        if (lp_identity_parse(buf, n, mac, e2, sizeof(e2)) != 0) {
            snprintf(err, errlen,
                     "identity file '%s' is invalid: %s (fix it, or delete "
                     "it to get a new MAC and DHCP lease)",
                     path, e2);
            return LP_ERR_PROTO;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot read identity file '%s': %s", path,
                 strerror(errno));
        return LP_ERR_IO;
    }
    if (lp_tls_random(rnd, sizeof(rnd)) != 0) {
        snprintf(err, errlen, "no randomness for a new MAC");
        return LP_ERR_IO;
    }
    lp_mac_random_client(mac, rnd);
    lp_mac_format(smac, mac);
    f = fopen(path, "wx");
    if (f == NULL || fprintf(f, "{\"version\":1,\"mac\":\"%s\"}\n", smac) < 0 ||
        fclose(f) != 0) {
        snprintf(err, errlen, "cannot write identity file '%s': %s", path,
                 strerror(errno));
        return LP_ERR_IO;
    }
    *created = 1;
    return 0;
}
