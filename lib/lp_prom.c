/* lp_prom: Prometheus text exposition; see lp_prom.h. */
#include "lp_prom.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lp_err.h"

int lp_prom_init(struct lp_prom *b)
{
    b->len = 0;
    b->bad = 0;
    b->cap = 8192;
    b->p = malloc(b->cap);
    if (b->p == NULL) {
        b->cap = 0;
        b->bad = 1;
        return LP_ERR_NOMEM;
    }
    b->p[0] = '\0';
    return 0;
}

void lp_prom_printf(struct lp_prom *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->bad)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->bad = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        {
            size_t cap = b->cap * 2 + (size_t)n;
            char *q = realloc(b->p, cap);
            if (q == NULL) {
                b->bad = 1;
                return;
            }
            b->p = q;
            b->cap = cap;
        }
    }
}

/* Room names are restricted and labels printable ASCII; escaping keeps the
 * output valid whatever they hold. */
const char *lp_prom_escape(char *out, size_t outlen, const char *in)
{
    size_t n = 0;

    if (outlen == 0)
        return out;
    for (; *in != '\0' && n + 3 < outlen; in++) {
        if (*in == '\\' || *in == '"') {
            out[n++] = '\\';
            out[n++] = *in;
        } else if (*in == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else {
            out[n++] = *in;
        }
    }
    out[n] = '\0';
    return out;
}

void lp_prom_head(struct lp_prom *b, const char *name, const char *type,
                  const char *help)
{
    lp_prom_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void lp_prom_u64(struct lp_prom *b, const char *name, const char *type,
                 const char *help, uint64_t v)
{
    lp_prom_head(b, name, type, help);
    lp_prom_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

void lp_prom_process(struct lp_prom *b, const struct lp_procinfo *p)
{
    if (p->cpu_seconds >= 0) {
        lp_prom_head(b, "process_cpu_seconds_total", "counter",
                     "Total user and system CPU time spent in seconds.");
        lp_prom_printf(b, "process_cpu_seconds_total %.3f\n", p->cpu_seconds);
    }
    if (p->resident_bytes >= 0)
        lp_prom_u64(b, "process_resident_memory_bytes", "gauge",
                    "Resident memory size in bytes.",
                    (uint64_t)p->resident_bytes);
    if (p->virtual_bytes >= 0)
        lp_prom_u64(b, "process_virtual_memory_bytes", "gauge",
                    "Virtual memory size in bytes.",
                    (uint64_t)p->virtual_bytes);
    if (p->open_fds >= 0)
        lp_prom_u64(b, "process_open_fds", "gauge",
                    "Number of open file descriptors.", (uint64_t)p->open_fds);
    if (p->max_fds >= 0)
        lp_prom_u64(b, "process_max_fds", "gauge",
                    "Maximum number of open file descriptors.",
                    (uint64_t)p->max_fds);
    lp_prom_head(b, "process_start_time_seconds", "gauge",
                 "Start time of the process since unix epoch in seconds.");
    lp_prom_printf(b, "process_start_time_seconds %.3f\n",
                   (double)p->start_ms / 1000.0);
}

int lp_prom_finish(struct lp_prom *b, char **out, size_t *outlen)
{
    if (b->bad) {
        free(b->p);
        b->p = NULL;
        return LP_ERR_NOMEM;
    }
    *out = b->p;
    *outlen = b->len;
    b->p = NULL;
    return 0;
}
