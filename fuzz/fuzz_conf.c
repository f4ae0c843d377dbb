/*
 * fuzz_conf: the configuration file parser. A parsed file holds only keys
 * and values that follow lp_conf.h's rules, each on a line within the
 * text; a refused one leaves nothing behind and a terminated message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_conf c;
    char err[256];
    unsigned last = 0;

    if (lp_conf_parse(&c, (const char *)data, size, err, sizeof(err)) != 0) {
        if (memchr(err, '\0', sizeof(err)) == NULL || c.n != 0 || c.e != NULL)
            abort();
        return 0;
    }
    if (c.n > LP_CONF_ENTRIES_MAX)
        abort();
    for (size_t i = 0; i < c.n; i++) {
        const struct lp_conf_entry *e = &c.e[i];
        size_t kl = strlen(e->key);
        if (kl == 0 || kl > LP_CONF_KEY_MAX || e->key[0] < 'a' ||
            e->key[0] > 'z' || e->line <= last ||
            strspn(e->key, "abcdefghijklmnopqrstuvwxyz0123456789-") != kl)
            abort();
        last = e->line;
        if (e->value != NULL) {
            size_t vl = strlen(e->value);
            if (vl == 0 || vl > LP_CONF_LINE_MAX || e->value[0] == ' ' ||
                e->value[0] == '\t' || e->value[vl - 1] == ' ' ||
                e->value[vl - 1] == '\t')
                abort();
            for (size_t j = 0; j < vl; j++)
                if ((unsigned char)e->value[j] < 0x20 && e->value[j] != '\t')
                    abort();
        }
    }
    lp_conf_free(&c);
    return 0;
}
