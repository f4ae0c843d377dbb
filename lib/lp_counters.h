/*
 * lp_counters.h: per-peer or per-process traffic counters, convertible to
 * the stats control message and to one log line.
 */
#ifndef LP_COUNTERS_H
#define LP_COUNTERS_H

#include "lp_ctrl.h"
#include "lp_log.h"
#include "lp_reason.h"

struct lp_counters {
    uint64_t frames_tx, frames_rx, datagrams_tx, datagrams_rx, bytes_tx,
        bytes_rx, ctrl_unknown;
    uint64_t drops[LP_REASON_MAX];
};

/* lp_counters_drop counts one drop (LP_REASON_NONE and out-of-range
 * reasons are ignored). Saturates instead of wrapping. */
void lp_counters_drop(struct lp_counters *c, enum lp_reason r);

/* lp_counters_add adds every counter of src to dst (saturating). */
void lp_counters_add(struct lp_counters *dst, const struct lp_counters *src);

/* lp_counters_total_drops sums every drop counter (saturating). */
uint64_t lp_counters_total_drops(const struct lp_counters *c);

/*
 * lp_counters_to_stats fills a stats message body: the four core counters,
 * drops with non-zero values by reason name (enum order), and in extra
 * bytes_tx, bytes_rx and ctrl_unknown (always present).
 */
void lp_counters_to_stats(const struct lp_counters *c,
                          struct lp_msg_stats *out);

/*
 * lp_counters_log writes one logfmt line with event=<event> and every
 * non-zero counter; drops appear as drop_<reason>=N.
 */
void lp_counters_log(enum lp_log_level l, const char *event,
                     const struct lp_counters *c);

#endif /* LP_COUNTERS_H */
