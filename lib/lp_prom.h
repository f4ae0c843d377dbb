/*
 * lp_prom: the Prometheus text exposition format (0.0.4) as the admin
 * listeners write it (the relay's relay/lp_status, the gateway's
 * client/lp_gwstatus): a growing text buffer, label escaping, HELP/TYPE
 * headers, and the conventional process_* metrics (client_golang's names)
 * from figures the shell reads (io/lp_http). Pure: no I/O.
 *
 * Memory: lp_prom_init allocates the buffer; lp_prom_finish hands it to
 * the caller (who frees it) or frees it when a write failed. A write after
 * a failure does nothing, so callers check once, at the end.
 */
#ifndef LP_PROM_H
#define LP_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "lp_types.h"

struct lp_prom {
    char *p;
    size_t len, cap;
    int bad; /* out of memory: the text is incomplete */
};

/* What the shell knows about its process; a negative figure is left out
 * of the output. */
struct lp_procinfo {
    double cpu_seconds; /* user + system */
    int64_t resident_bytes, virtual_bytes, open_fds, max_fds;
    uint64_t start_ms; /* Unix time when the process started, in ms */
};

/* lp_prom_init: an empty buffer. Returns 0 or LP_ERR_NOMEM. */
int lp_prom_init(struct lp_prom *b);

/* lp_prom_printf appends formatted text. */
void lp_prom_printf(struct lp_prom *b, const char *fmt, ...)
    LP_PRINTF_LIKE(2, 3);

/* lp_prom_head appends "# HELP name help" and "# TYPE name type". */
void lp_prom_head(struct lp_prom *b, const char *name, const char *type,
                  const char *help);

/* lp_prom_u64: a header and one sample without labels. */
void lp_prom_u64(struct lp_prom *b, const char *name, const char *type,
                 const char *help, uint64_t v);

/*
 * lp_prom_escape copies the label value in into out (outlen bytes, always
 * terminated; longer values are cut) escaped as the text format wants:
 * backslash, double quote and newline. Returns out.
 */
const char *lp_prom_escape(char *out, size_t outlen, const char *in);

/* lp_prom_process appends the process_* metrics of p. */
void lp_prom_process(struct lp_prom *b, const struct lp_procinfo *p);

/*
 * lp_prom_finish ends the text: on success *out (NUL-terminated, the
 * caller frees it) and *outlen, and 0; after a failed write the buffer is
 * freed and LP_ERR_NOMEM returned.
 */
int lp_prom_finish(struct lp_prom *b, char **out, size_t *outlen);

#endif /* LP_PROM_H */
