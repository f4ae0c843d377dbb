/* lp_journal: the undo journal; see lp_journal.h. */
#include "lp_journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lp_err.h"

const char *lp_jop_name(enum lp_jop op)
{
    switch (op) {
    case LP_JOP_ROUTE_ADD:
        return "route_add";
    case LP_JOP_IF_METRIC:
        return "if_metric";
    case LP_JOP_IF_MTU:
        return "if_mtu";
    case LP_JOP_IF_DDR:
        return "if_ddr";
    }
    return "?";
}

static int journal_op_from_name(const char *s, enum lp_jop *op)
{
    for (int i = LP_JOP_ROUTE_ADD; i <= LP_JOP_IF_DDR; i++) {
        if (strcmp(s, lp_jop_name((enum lp_jop)i)) == 0) {
            *op = (enum lp_jop)i;
            return 0;
        }
    }
    return LP_ERR_INVAL;
}

int lp_journal_add(struct lp_journal *j, const struct lp_jentry *e)
{
    if (j->n >= LP_JOURNAL_MAX)
        return LP_ERR_RANGE;
    j->e[j->n++] = *e;
    return 0;
}

static json_t *journal_entry_json(const struct lp_jentry *e)
{
    char luid[24], a[46], b[46];
    json_t *o;

    snprintf(luid, sizeof(luid), "0x%" PRIx64,
             e->op == LP_JOP_ROUTE_ADD ? e->route.luid : e->luid);
    if (e->op == LP_JOP_ROUTE_ADD) {
        lp_ipaddr_format(a, &e->route.dest);
        lp_ipaddr_format(b, &e->route.nexthop);
        return json_pack("{s:s, s:s, s:i, s:s, s:s, s:I}", "op",
                         lp_jop_name(e->op), "dest", a, "prefix",
                         (int)e->route.prefixlen, "nexthop", b, "luid", luid,
                         "ifindex", (json_int_t)e->route.ifindex);
    }
    o = json_pack("{s:s, s:i, s:s, s:I, s:I}", "op", lp_jop_name(e->op),
                  "family", (int)e->family, "luid", luid, "ifindex",
                  (json_int_t)e->ifindex, "old", (json_int_t)e->old);
    if (o != NULL && e->op == LP_JOP_IF_METRIC &&
        json_object_set_new(o, "old_auto", json_boolean(e->old_auto)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

long lp_journal_encode(const struct lp_journal *j, char *out, size_t outlen)
{
    json_t *root, *arr;
    char *text;
    size_t len;

    root = json_object();
    arr = json_array();
    if (root == NULL || arr == NULL ||
        json_object_set_new(root, "version", json_integer(1)) != 0 ||
        json_object_set(root, "entries", arr) != 0)
        goto nomem;
    for (size_t i = 0; i < j->n; i++)
        if (json_array_append_new(arr, journal_entry_json(&j->e[i])) != 0)
            goto nomem;
    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    json_decref(root);
    if (text == NULL)
        return LP_ERR_NOMEM;
    len = strlen(text);
    if (len + 1 > outlen) {
        free(text);
        return LP_ERR_RANGE;
    }
    memcpy(out, text, len + 1);
    free(text);
    return (long)len;
nomem:
    json_decref(arr);
    json_decref(root);
    return LP_ERR_NOMEM;
}

/* journal_u32 reads an integer member in [lo, hi]. */
static int journal_u32(json_t *o, const char *key, uint32_t lo, uint32_t hi,
                       uint32_t *out, size_t idx, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    json_int_t x;

    if (!json_is_integer(v)) {
        snprintf(err, errlen,
                 "journal entry %zu: '%s' missing or not an "
                 "integer",
                 idx, key);
        return LP_ERR_INVAL;
    }
    x = json_integer_value(v);
    if (x < (json_int_t)lo || x > (json_int_t)hi) {
        snprintf(err, errlen,
                 "journal entry %zu: '%s' = %" PRId64 " out of range", idx, key,
                 (int64_t)x);
        return LP_ERR_INVAL;
    }
    *out = (uint32_t)x;
    return 0;
}

static int journal_luid(json_t *o, uint64_t *out, size_t idx, char *err,
                        size_t errlen)
{
    const char *s = json_string_value(json_object_get(o, "luid"));
    char *end;
    unsigned long long v;

    if (s == NULL || strncmp(s, "0x", 2) != 0 || s[2] == '\0' ||
        strlen(s) > 18 ||
        strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2)) {
        snprintf(err, errlen, "journal entry %zu: bad 'luid' '%.24s'", idx,
                 s != NULL ? s : "(missing)");
        return LP_ERR_INVAL;
    }
    v = strtoull(s + 2, &end, 16);
    *out = (uint64_t)v;
    return 0;
}

static int journal_addr(json_t *o, const char *key, struct lp_ipaddr *a,
                        size_t idx, char *err, size_t errlen)
{
    const char *s = json_string_value(json_object_get(o, key));

    if (s == NULL || lp_ipaddr_parse(a, s) != 0) {
        snprintf(err, errlen, "journal entry %zu: bad '%s' '%.46s'", idx, key,
                 s != NULL ? s : "(missing)");
        return LP_ERR_INVAL;
    }
    return 0;
}

static int journal_entry(json_t *o, struct lp_jentry *e, size_t idx, char *err,
                         size_t errlen)
{
    const char *op = json_string_value(json_object_get(o, "op"));
    uint32_t v;

    memset(e, 0, sizeof(*e));
    if (!json_is_object(o)) {
        snprintf(err, errlen, "journal entry %zu is not an object", idx);
        return LP_ERR_INVAL;
    }
    if (op == NULL || journal_op_from_name(op, &e->op) != 0) {
        snprintf(err, errlen, "journal entry %zu: unknown op '%.32s'", idx,
                 op != NULL ? op : "(missing)");
        return LP_ERR_INVAL;
    }
    if (e->op == LP_JOP_ROUTE_ADD) {
        struct lp_route *r = &e->route;
        if (journal_addr(o, "dest", &r->dest, idx, err, errlen) != 0 ||
            journal_addr(o, "nexthop", &r->nexthop, idx, err, errlen) != 0 ||
            journal_u32(o, "prefix", 0, r->dest.family == 4 ? 32 : 128, &v, idx,
                        err, errlen) != 0)
            return LP_ERR_INVAL;
        r->prefixlen = (uint8_t)v;
        if (r->nexthop.family != r->dest.family) {
            snprintf(err, errlen,
                     "journal entry %zu: 'nexthop' family differs from 'dest'",
                     idx);
            return LP_ERR_INVAL;
        }
        if (journal_luid(o, &r->luid, idx, err, errlen) != 0 ||
            journal_u32(o, "ifindex", 0, UINT32_MAX, &r->ifindex, idx, err,
                        errlen) != 0)
            return LP_ERR_INVAL;
        e->family = r->dest.family;
        e->luid = r->luid;
        e->ifindex = r->ifindex;
        return 0;
    }
    if (journal_u32(o, "family", 4, 6, &v, idx, err, errlen) != 0)
        return LP_ERR_INVAL;
    if (v == 5) {
        snprintf(err, errlen, "journal entry %zu: 'family' = 5 out of range",
                 idx);
        return LP_ERR_INVAL;
    }
    e->family = (uint8_t)v;
    if (journal_luid(o, &e->luid, idx, err, errlen) != 0 ||
        journal_u32(o, "ifindex", 0, UINT32_MAX, &e->ifindex, idx, err,
                    errlen) != 0 ||
        journal_u32(o, "old", 0, e->op == LP_JOP_IF_DDR ? 1 : UINT32_MAX,
                    &e->old, idx, err, errlen) != 0)
        return LP_ERR_INVAL;
    if (e->op == LP_JOP_IF_METRIC) {
        json_t *a = json_object_get(o, "old_auto");
        if (!json_is_boolean(a)) {
            snprintf(err, errlen,
                     "journal entry %zu: 'old_auto' missing or not a boolean",
                     idx);
            return LP_ERR_INVAL;
        }
        e->old_auto = json_is_true(a);
    }
    return 0;
}

int lp_journal_decode(struct lp_journal *j, const char *text, size_t len,
                      char *err, size_t errlen)
{
    json_error_t je;
    json_t *root, *arr, *ver;
    int rv = LP_ERR_INVAL;

    memset(j, 0, sizeof(*j));
    if (len > LP_JOURNAL_MAX_BYTES) {
        snprintf(err, errlen, "journal is %zu bytes, more than %d", len,
                 LP_JOURNAL_MAX_BYTES);
        return LP_ERR_INVAL;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, errlen, "journal is not JSON: %s (line %d)", je.text,
                 je.line);
        return LP_ERR_INVAL;
    }
    ver = json_object_get(root, "version");
    arr = json_object_get(root, "entries");
    if (!json_is_object(root) || !json_is_integer(ver) ||
        json_integer_value(ver) != 1) {
        snprintf(err, errlen, "journal has no \"version\":1");
        goto out;
    }
    if (!json_is_array(arr) || json_array_size(arr) > LP_JOURNAL_MAX) {
        snprintf(err, errlen,
                 "journal \"entries\" missing, not an array or longer than %d",
                 LP_JOURNAL_MAX);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (journal_entry(json_array_get(arr, i), &j->e[i], i, err, errlen) !=
            0) {
            memset(j, 0, sizeof(*j));
            goto out;
        }
        j->n = i + 1;
    }
    rv = 0;
out:
    json_decref(root);
    return rv;
}

static int journal_same_target(const struct lp_jentry *a,
                               const struct lp_jentry *b)
{
    if (a->op != b->op)
        return 0;
    if (a->op == LP_JOP_ROUTE_ADD)
        return lp_routeplan_same(&a->route, &b->route);
    return a->family == b->family &&
           (a->luid != 0 && b->luid != 0 ? a->luid == b->luid
                                         : a->ifindex == b->ifindex);
}

size_t lp_journal_plan(const struct lp_journal *j, struct lp_jentry *plan,
                       size_t max)
{
    size_t np = 0;

    /* Newest first; an entry is skipped if an older one has the same
     * target, because the oldest holds the original value. */
    for (size_t k = j->n; k > 0 && np < max; k--) {
        const struct lp_jentry *e = &j->e[k - 1];
        int older = 0;
        for (size_t i = 0; i + 1 < k && !older; i++)
            older = journal_same_target(&j->e[i], e);
        if (!older)
            plan[np++] = *e;
    }
    return np;
}

int lp_journal_allowed(const struct lp_jentry *e,
                       const struct lp_journal_scope *sc, char *err,
                       size_t errlen)
{
    char a[46];

    if (e->op == LP_JOP_ROUTE_ADD) {
        const struct lp_route *r = &e->route;
        int host =
            r->dest.family == 4 ? r->prefixlen == 32 : r->prefixlen == 128;
        lp_ipaddr_format(a, &r->dest);
        if (!host) {
            snprintf(err, errlen,
                     "refused: route %s/%u is not a host route (/32 or "
                     "/128)",
                     a, (unsigned)r->prefixlen);
            return LP_ERR_PERM;
        }
        for (size_t i = 0; i < sc->nrelays; i++)
            if (lp_ipaddr_equal(&r->dest, &sc->relays[i]))
                return 0;
        snprintf(err, errlen, "refused: host route to %s is not to the relay",
                 a);
        return LP_ERR_PERM;
    }
    if (sc->tap_luid == 0 || e->luid != sc->tap_luid) {
        snprintf(err, errlen,
                 "refused: %s for interface luid 0x%" PRIx64
                 ", not the lanparty adapter (luid 0x%" PRIx64 ")",
                 lp_jop_name(e->op), e->luid, sc->tap_luid);
        return LP_ERR_PERM;
    }
    if (e->op == LP_JOP_IF_MTU &&
        (e->old > 65535 || e->old < (e->family == 4 ? 576u : 1280u))) {
        snprintf(err, errlen, "refused: IPv%u MTU %" PRIu32 " out of range",
                 (unsigned)e->family, e->old);
        return LP_ERR_PERM;
    }
    if (e->op == LP_JOP_IF_METRIC && !e->old_auto && e->old > 9999) {
        snprintf(err, errlen,
                 "refused: interface metric %" PRIu32 " out of range", e->old);
        return LP_ERR_PERM;
    }
    return 0;
}
