#include <string.h>

#include "lp_counters.h"

/* Every drop reason fits in one stats message. */
_Static_assert(LP_STATS_MAX_ENTRIES >= LP_REASON_MAX - 1,
               "LP_STATS_MAX_ENTRIES too small for the drop reasons");

void lp_counters_drop(struct lp_counters *c, enum lp_reason r)
{
    if (r == LP_REASON_NONE || (unsigned)r >= LP_REASON_MAX)
        return;
    if (c->drops[r] < UINT64_MAX)
        c->drops[r]++;
}

static void counters_sat_add(uint64_t *d, uint64_t v)
{
    *d = *d + v < *d ? UINT64_MAX : *d + v;
}

void lp_counters_add(struct lp_counters *dst, const struct lp_counters *src)
{
    counters_sat_add(&dst->frames_tx, src->frames_tx);
    counters_sat_add(&dst->frames_rx, src->frames_rx);
    counters_sat_add(&dst->datagrams_tx, src->datagrams_tx);
    counters_sat_add(&dst->datagrams_rx, src->datagrams_rx);
    counters_sat_add(&dst->bytes_tx, src->bytes_tx);
    counters_sat_add(&dst->bytes_rx, src->bytes_rx);
    counters_sat_add(&dst->ctrl_unknown, src->ctrl_unknown);
    for (unsigned i = 0; i < LP_REASON_MAX; i++)
        counters_sat_add(&dst->drops[i], src->drops[i]);
}

uint64_t lp_counters_total_drops(const struct lp_counters *c)
{
    uint64_t sum = 0;

    for (unsigned i = 0; i < LP_REASON_MAX; i++) {
        sum += c->drops[i];
        if (sum < c->drops[i])
            return UINT64_MAX;
    }
    return sum;
}

static void counters_entry(struct lp_stat_entry *e, const char *name,
                           uint64_t v)
{
    size_t n = strlen(name);

    if (n >= sizeof(e->name))
        n = sizeof(e->name) - 1;
    memcpy(e->name, name, n);
    e->name[n] = '\0';
    e->value = v;
}

void lp_counters_to_stats(const struct lp_counters *c, struct lp_msg_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->frames_tx = c->frames_tx;
    out->frames_rx = c->frames_rx;
    out->datagrams_tx = c->datagrams_tx;
    out->datagrams_rx = c->datagrams_rx;
    for (unsigned i = 1; i < LP_REASON_MAX; i++) {
        if (c->drops[i] == 0 || out->ndrops == LP_STATS_MAX_ENTRIES)
            continue;
        counters_entry(&out->drops[out->ndrops++],
                       lp_reason_name((enum lp_reason)i), c->drops[i]);
    }
    counters_entry(&out->extra[out->nextra++], "bytes_tx", c->bytes_tx);
    counters_entry(&out->extra[out->nextra++], "bytes_rx", c->bytes_rx);
    counters_entry(&out->extra[out->nextra++], "ctrl_unknown", c->ctrl_unknown);
}

static void counters_field(struct lp_logbuf *b, const char *key, uint64_t v)
{
    if (v != 0)
        lp_log_u64(b, key, v);
}

void lp_counters_log(enum lp_log_level l, const char *event,
                     const struct lp_counters *c)
{
    struct lp_logbuf b;
    char key[64];

    if (!lp_log_begin(&b, l, event))
        return;
    counters_field(&b, "frames_tx", c->frames_tx);
    counters_field(&b, "frames_rx", c->frames_rx);
    counters_field(&b, "datagrams_tx", c->datagrams_tx);
    counters_field(&b, "datagrams_rx", c->datagrams_rx);
    counters_field(&b, "bytes_tx", c->bytes_tx);
    counters_field(&b, "bytes_rx", c->bytes_rx);
    counters_field(&b, "ctrl_unknown", c->ctrl_unknown);
    for (unsigned i = 1; i < LP_REASON_MAX; i++) {
        if (c->drops[i] == 0)
            continue;
        memcpy(key, "drop_", 5);
        strncpy(key + 5, lp_reason_name((enum lp_reason)i), sizeof(key) - 6);
        key[sizeof(key) - 1] = '\0';
        lp_log_u64(&b, key, c->drops[i]);
    }
    lp_log_end(&b);
}
