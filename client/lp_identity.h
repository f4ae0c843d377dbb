/*
 * lp_identity: an endpoint's identity file (spec section 8): the client's
 * virtual MAC, generated once, so a player keeps the same MAC and DHCP
 * lease across runs, and the `resume` secret with which a restarted or
 * moved endpoint replaces its own stale session (section 4). The gateway
 * keeps one too (its MAC is its NIC's; the file's is informational).
 *
 *   {"version":1,"mac":"02:...","resume":"<43 base64url characters>"}
 *
 * Written owner-only, to a temporary file renamed over the old one; a file
 * without `resume` (revision 1) is upgraded in place.
 */
#ifndef LP_IDENTITY_H
#define LP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define LP_IDENTITY_FILE         "lanparty-client-identity.json"
#define LP_GATEWAY_IDENTITY_FILE "lanparty-gateway-identity.json"

struct lp_identity {
    uint8_t mac[6];
    int has_resume;
    uint8_t resume[32]; /* a secret: never log or print it */
};

/*
 * lp_identity_load_or_create reads path; if it does not exist, creates it
 * (a fresh random locally administered MAC, or gateway_mac for a gateway,
 * and a fresh resume secret); a file without a resume secret gets one.
 * *created tells whether the file was new. Returns 0, or LP_ERR_IO /
 * LP_ERR_PROTO with err filled (a file that exists but is not a valid
 * identity is never overwritten).
 */
int lp_identity_load_or_create(const char *path, const uint8_t *gateway_mac,
                               struct lp_identity *id, int *created, char *err,
                               size_t errlen);

/* lp_identity_parse decodes the file's JSON text (pure; for tests). A
 * gateway's MAC follows the gateway rule, a client's the client rule. */
int lp_identity_parse(const char *json, size_t len, int gateway,
                      struct lp_identity *id, char *err, size_t errlen);

#endif
