/*
 * fuzz_link: the invite-link parser. A parsed link must format back to a
 * link that parses to the same values, its relay address must be one
 * lp_endpoint_parse accepts, and the redacted form must be the link
 * without its auth token plus "auth=...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_endpoint.h"
#include "lp_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int link_equal(const struct lp_link *a, const struct lp_link *b)
{
    return strcmp(a->host, b->host) == 0 && a->port == b->port &&
           strcmp(a->room, b->room) == 0 && a->npins == b->npins &&
           memcmp(a->pins, b->pins, sizeof(a->pins)) == 0 &&
           a->has_auth == b->has_auth && strcmp(a->auth, b->auth) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[3 * LP_LINK_MAX_LEN], red[3 * LP_LINK_MAX_LEN];
    struct lp_link l, back;
    struct lp_endpoint ep;
    char err[256], relay[LP_LINK_RELAY_MAX];
    char *s = malloc(size + 1);

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (lp_link_parse(&l, s, err, sizeof(err)) != 0) {
        if (memchr(err, '\0', sizeof(err)) == NULL || l.has_auth)
            abort();
        free(s);
        return 0;
    }
    lp_link_relay(&l, relay, sizeof(relay));
    if (lp_endpoint_parse(&ep, relay, NULL, 0) != 0 || ep.port != l.port ||
        strcmp(ep.host, l.host) != 0)
        abort();
    if (lp_link_format(out, sizeof(out), l.host, l.port, l.room,
                       (const uint8_t(*)[32])l.pins, l.npins,
                       l.has_auth ? l.auth : NULL) != 0 ||
        lp_link_parse(&back, out, err, sizeof(err)) != 0 ||
        !link_equal(&back, &l))
        abort();
    /* The redacted form is the link without auth, plus "auth=...". */
    lp_link_redacted(&l, red, sizeof(red));
    if (lp_link_format(out, sizeof(out), l.host, l.port, l.room,
                       (const uint8_t(*)[32])l.pins, l.npins, NULL) != 0)
        abort();
    if (l.has_auth)
        strcat(out, l.npins > 0 ? "&auth=..." : "?auth=...");
    if (strcmp(out, red) != 0)
        abort();
    lp_link_clear(&back);
    lp_link_clear(&l);
    free(s);
    return 0;
}
