/* lp_tls: what both TLS backends share; see lp_tls.h. */
#include "lp_tls.h"

#include <stdio.h>
#include <stdlib.h>

#include "lp_err.h"

int lp_tls_read_file(const char *path, uint8_t **out, size_t *outlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t cap = 1 << 20, n;

    if (f == NULL)
        return LP_ERR_IO;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return LP_ERR_NOMEM;
    }
    n = fread(buf, 1, cap + 1, f);
    if (ferror(f) || n > cap) {
        free(buf);
        fclose(f);
        return LP_ERR_IO;
    }
    fclose(f);
    *out = buf;
    *outlen = n;
    return 0;
}
