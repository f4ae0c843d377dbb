/* fuzz_endpoint: the endpoint and listen address parsers (no resolving). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_endpoint ep;
    char err[128];
    char *s;

    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (lp_endpoint_parse(&ep, s, err, sizeof(err)) == 0) {
        if (ep.port == 0 || memchr(ep.host, '\0', sizeof(ep.host)) == NULL)
            abort();
    } else if (memchr(err, '\0', sizeof(err)) == NULL) {
        abort();
    }
    if (lp_endpoint_parse_listen(&ep, s, err, sizeof(err)) == 0 &&
        memchr(ep.host, '\0', sizeof(ep.host)) == NULL)
        abort();
    (void)lp_endpoint_parse(&ep, s, err, 1);
    (void)lp_endpoint_parse(&ep, s, NULL, 0);
    free(s);
    return 0;
}
