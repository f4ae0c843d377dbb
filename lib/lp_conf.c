/* lp_conf: see lp_conf.h. */
#include "lp_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

static int conf_fail(struct lp_conf *c, char *err, size_t errlen, int rv,
                     const char *fmt, ...) LP_PRINTF_LIKE(5, 6);

static int conf_fail(struct lp_conf *c, char *err, size_t errlen, int rv,
                     const char *fmt, ...)
{
    va_list ap;

    lp_conf_free(c);
    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rv;
}

static int conf_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static char *conf_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int lp_conf_parse(struct lp_conf *c, const char *text, size_t len, char *err,
                  size_t errlen)
{
    size_t pos = 0;
    unsigned line = 0;

    memset(c, 0, sizeof(*c));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (len > LP_CONF_SIZE_MAX)
        return conf_fail(c, err, errlen, LP_ERR_RANGE, "larger than %d bytes",
                         LP_CONF_SIZE_MAX);
    while (pos < len) {
        const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - l) : len - pos;
        size_t i = 0, k0, k1, v0, v1;
        struct lp_conf_entry *e;

        pos += n + (nl != NULL);
        line++;
        if (n > 0 && l[n - 1] == '\r')
            n--;
        if (n > LP_CONF_LINE_MAX)
            return conf_fail(c, err, errlen, LP_ERR_RANGE,
                             "line %u: longer than %d bytes", line,
                             LP_CONF_LINE_MAX);
        for (size_t j = 0; j < n; j++) {
            unsigned char ch = (unsigned char)l[j];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return conf_fail(c, err, errlen, LP_ERR_INVAL,
                                 "line %u: control character 0x%02x", line, ch);
        }
        while (i < n && conf_blank(l[i]))
            i++;
        if (i == n || l[i] == '#')
            continue;
        k0 = i;
        while (i < n && !conf_blank(l[i]) && l[i] != '=')
            i++;
        k1 = i;
        if (k1 - k0 > LP_CONF_KEY_MAX)
            return conf_fail(c, err, errlen, LP_ERR_INVAL,
                             "line %u: a key is at most %d characters", line,
                             LP_CONF_KEY_MAX);
        if (k1 == k0)
            return conf_fail(c, err, errlen, LP_ERR_INVAL,
                             "line %u: a line starts with a key (key = "
                             "value)",
                             line);
        for (size_t j = k0; j < k1; j++) {
            char ch = l[j];
            if (!((ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9' && j > k0) || (ch == '-' && j > k0)))
                return conf_fail(c, err, errlen, LP_ERR_INVAL,
                                 "line %u: key '%.*s': only a-z, 0-9 and "
                                 "'-', starting with a letter (the flag's "
                                 "name without --)",
                                 line, (int)(k1 - k0), l + k0);
        }
        while (i < n && conf_blank(l[i]))
            i++;
        v0 = v1 = 0;
        if (i < n) {
            if (l[i] != '=')
                return conf_fail(c, err, errlen, LP_ERR_INVAL,
                                 "line %u: key '%.*s': expected '=' after "
                                 "the key",
                                 line, (int)(k1 - k0), l + k0);
            i++;
            while (i < n && conf_blank(l[i]))
                i++;
            v0 = i;
            v1 = n;
            while (v1 > v0 && conf_blank(l[v1 - 1]))
                v1--;
            if (v1 == v0)
                return conf_fail(c, err, errlen, LP_ERR_INVAL,
                                 "line %u: key '%.*s': no value after '='",
                                 line, (int)(k1 - k0), l + k0);
        }
        if (c->n == LP_CONF_ENTRIES_MAX)
            return conf_fail(c, err, errlen, LP_ERR_RANGE,
                             "line %u: more than %d entries", line,
                             LP_CONF_ENTRIES_MAX);
        if (c->n % 16 == 0) {
            struct lp_conf_entry *ne =
                realloc(c->e, (c->n + 16) * sizeof(*c->e));
            if (ne == NULL)
                return conf_fail(c, err, errlen, LP_ERR_NOMEM, "out of memory");
            c->e = ne;
        }
        e = &c->e[c->n];
        e->line = line;
        e->key = conf_dup(l + k0, k1 - k0);
        e->value = v1 > v0 ? conf_dup(l + v0, v1 - v0) : NULL;
        if (e->key == NULL || (v1 > v0 && e->value == NULL)) {
            free(e->key);
            free(e->value);
            return conf_fail(c, err, errlen, LP_ERR_NOMEM, "out of memory");
        }
        c->n++;
    }
    return 0;
}

void lp_conf_free(struct lp_conf *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    c->e = NULL;
    c->n = 0;
}
