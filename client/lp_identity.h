/*
 * lp_identity: the client's virtual MAC, generated once and kept in
 * lanparty-client-identity.json ({"version":1,"mac":"02:..."}, spec
 * section 8), so a player keeps the same MAC, and DHCP lease, across runs.
 */
#ifndef LP_IDENTITY_H
#define LP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define LP_IDENTITY_FILE "lanparty-client-identity.json"

/*
 * lp_identity_load_or_create reads path; if it does not exist, creates it
 * with a fresh random locally administered unicast MAC. *created tells
 * which. Returns 0, or LP_ERR_IO / LP_ERR_PROTO with err filled (a file that
 * exists but is not a valid identity is never overwritten).
 */
int lp_identity_load_or_create(const char *path, uint8_t mac[6], int *created,
                               char *err, size_t errlen);

/* lp_identity_parse decodes the file's JSON text (pure; for tests). */
int lp_identity_parse(const char *json, size_t len, uint8_t mac[6], char *err,
                      size_t errlen);

#endif
