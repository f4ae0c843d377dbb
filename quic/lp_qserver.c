/* lp_qserver: QUIC server routing, Retry, resets and timers; see .h. */
#include "lp_qserver.h"

#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <ngtcp2/ngtcp2_crypto.h>

#include "lp_err.h"

#define QSERVER_TXBUF (64 * 1024)
/* per source prefix defaults (per second; bursts twice that, packets a
 * fifth): a home opens a handful of connections, a LAN party's gateway
 * forwards a few thousand packets a second */
#define QSERVER_PFX_HANDSHAKES 10
#define QSERVER_PFX_VALIDATED  20
#define QSERVER_PFX_RESETS     5
#define QSERVER_PFX_PACKETS    50000
#define QSERVER_RETRY_TIMEOUT  (10 * NGTCP2_SECONDS)

struct lp_cid_slot {
    uint8_t state; /* 0 empty, 1 used, 2 tombstone */
    uint8_t len;
    uint8_t id[NGTCP2_MAX_CIDLEN];
    struct lp_qconn *c;
};

/* cid_hash: keyed FNV-style mixing; client-chosen Initial DCIDs must not
 * let a peer aim many entries at one probe chain. */
static uint64_t cid_hash(const struct lp_qserver *s, const uint8_t *id,
                         size_t len)
{
    uint64_t h = s->hash_seed ^ (len * 0x9e3779b97f4a7c15ULL);

    for (size_t i = 0; i < len; i++) {
        h ^= id[i];
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

static struct lp_cid_slot *cid_find(const struct lp_qserver *s,
                                    const uint8_t *id, size_t len)
{
    size_t mask = s->tab_cap - 1;
    size_t i = (size_t)cid_hash(s, id, len) & mask;

    for (size_t n = 0; n < s->tab_cap; n++, i = (i + 1) & mask) {
        struct lp_cid_slot *e = &s->tab[i];
        if (e->state == 0)
            return NULL;
        if (e->state == 1 && e->len == len && memcmp(e->id, id, len) == 0)
            return e;
    }
    return NULL;
}

static int cid_insert_nogrow(struct lp_qserver *s, const uint8_t *id,
                             size_t len, struct lp_qconn *c)
{
    size_t mask = s->tab_cap - 1;
    size_t i = (size_t)cid_hash(s, id, len) & mask;

    for (size_t n = 0; n < s->tab_cap; n++, i = (i + 1) & mask) {
        struct lp_cid_slot *e = &s->tab[i];
        if (e->state != 1) {
            if (e->state == 2)
                s->tab_tomb--;
            e->state = 1;
            e->len = (uint8_t)len;
            memcpy(e->id, id, len);
            e->c = c;
            s->tab_used++;
            return 0;
        }
    }
    return LP_ERR_NOMEM;
}

static int cid_rehash(struct lp_qserver *s, size_t cap)
{
    struct lp_cid_slot *old = s->tab;
    size_t oldcap = s->tab_cap;

    s->tab = calloc(cap, sizeof(*s->tab));
    if (s->tab == NULL) {
        s->tab = old;
        return LP_ERR_NOMEM;
    }
    s->tab_cap = cap;
    s->tab_used = 0;
    s->tab_tomb = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].state == 1)
            (void)cid_insert_nogrow(s, old[i].id, old[i].len, old[i].c);
    free(old);
    return 0;
}

static int cid_insert(struct lp_qserver *s, const uint8_t *id, size_t len,
                      struct lp_qconn *c)
{
    struct lp_cid_slot *e;

    if (len == 0 || len > NGTCP2_MAX_CIDLEN)
        return LP_ERR_INVAL;
    if ((e = cid_find(s, id, len)) != NULL) {
        e->c = c;
        return 0;
    }
    if ((s->tab_used + s->tab_tomb + 1) * 2 > s->tab_cap) {
        size_t cap = s->tab_cap;
        if ((s->tab_used + 1) * 4 > cap)
            cap *= 2;
        if (cid_rehash(s, cap) != 0)
            return LP_ERR_NOMEM;
    }
    return cid_insert_nogrow(s, id, len, c);
}

static void cid_remove(struct lp_qserver *s, const uint8_t *id, size_t len)
{
    struct lp_cid_slot *e = cid_find(s, id, len);

    if (e != NULL) {
        e->state = 2;
        e->c = NULL;
        s->tab_used--;
        s->tab_tomb++;
    }
}

/* conn_cid_note remembers a server-issued CID in c (for freeing). */
static void conn_cid_note(struct lp_qconn *c, const uint8_t *id, size_t len)
{
    if (len != LP_QUIC_CIDLEN ||
        c->ncids == sizeof(c->cids) / sizeof(c->cids[0])) {
        c->cids_overflow = 1;
        return;
    }
    memcpy(c->cids[c->ncids++], id, len);
}

static void conn_cid_forget(struct lp_qconn *c, const uint8_t *id, size_t len)
{
    for (uint8_t i = 0; len == LP_QUIC_CIDLEN && i < c->ncids; i++) {
        if (memcmp(c->cids[i], id, len) == 0) {
            memcpy(c->cids[i], c->cids[--c->ncids], LP_QUIC_CIDLEN);
            return;
        }
    }
}

/* cid_remove_conn removes every CID naming c: those it remembers, or a
 * scan of the table if it could not remember them all. */
static void cid_remove_conn(struct lp_qserver *s, const struct lp_qconn *c)
{
    if (!c->cids_overflow) {
        for (uint8_t i = 0; i < c->ncids; i++) {
            struct lp_cid_slot *e = cid_find(s, c->cids[i], LP_QUIC_CIDLEN);
            if (e != NULL && e->c == c)
                cid_remove(s, c->cids[i], LP_QUIC_CIDLEN);
        }
        if (c->odcidlen > 0) {
            struct lp_cid_slot *e = cid_find(s, c->odcid, c->odcidlen);
            if (e != NULL && e->c == c)
                cid_remove(s, c->odcid, c->odcidlen);
        }
        return;
    }
    for (size_t i = 0; i < s->tab_cap; i++) {
        if (s->tab[i].state == 1 && s->tab[i].c == c) {
            s->tab[i].state = 2;
            s->tab[i].c = NULL;
            s->tab_used--;
            s->tab_tomb++;
        }
    }
}

/* Timer heap keyed by each connection's expiry. */
static void heap_swap(struct lp_qserver *s, size_t a, size_t b)
{
    struct lp_qconn *t = s->heap[a];

    s->heap[a] = s->heap[b];
    s->heap[b] = t;
    s->heap[a]->heap_idx = a;
    s->heap[b]->heap_idx = b;
}

static void heap_up(struct lp_qserver *s, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (s->heap[p]->heap_key <= s->heap[i]->heap_key)
            break;
        heap_swap(s, i, p);
        i = p;
    }
}

static void heap_down(struct lp_qserver *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nconns && s->heap[l]->heap_key < s->heap[m]->heap_key)
            m = l;
        if (r < s->nconns && s->heap[r]->heap_key < s->heap[m]->heap_key)
            m = r;
        if (m == i)
            break;
        heap_swap(s, i, m);
        i = m;
    }
}

static void heap_update(struct lp_qserver *s, struct lp_qconn *c)
{
    c->heap_key = lp_qconn_expiry(c);
    heap_up(s, c->heap_idx);
    heap_down(s, c->heap_idx);
}

static int heap_add(struct lp_qserver *s, struct lp_qconn *c)
{
    if (s->nconns == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        struct lp_qconn **h = realloc(s->heap, cap * sizeof(*h));
        struct lp_qconn **d;
        if (h == NULL)
            return LP_ERR_NOMEM;
        s->heap = h;
        /* A connection is pending at most once, but may be re-marked once
         * more while a flush pass runs: twice the connections suffices. */
        d = realloc(s->dirty, 2 * cap * sizeof(*d));
        if (d == NULL)
            return LP_ERR_NOMEM;
        s->dirty = d;
        s->heap_cap = cap;
    }
    c->heap_idx = s->nconns;
    s->heap[s->nconns++] = c;
    heap_update(s, c);
    return 0;
}

static void heap_remove(struct lp_qserver *s, struct lp_qconn *c)
{
    size_t i = c->heap_idx;

    if (i >= s->nconns || s->heap[i] != c)
        return;
    s->nconns--;
    if (i != s->nconns) {
        s->heap[i] = s->heap[s->nconns];
        s->heap[i]->heap_idx = i;
        heap_up(s, i);
        heap_down(s, s->heap[i]->heap_idx);
    }
    c->heap_idx = SIZE_MAX;
}

/* Hooks wrapped around the owner's callbacks. */
static void qs_on_handshake(struct lp_qconn *c, lp_tstamp now)
{
    struct lp_qserver *s = c->owner;

    if (s->nhandshaking > 0)
        s->nhandshaking--;
    if (s->cfg.ops->on_handshake != NULL)
        s->cfg.ops->on_handshake(c, now);
}

static int qs_on_ctrl(struct lp_qconn *c, const uint8_t *d, size_t n,
                      lp_tstamp now)
{
    struct lp_qserver *s = c->owner;

    return s->cfg.ops->on_ctrl != NULL ? s->cfg.ops->on_ctrl(c, d, n, now) : 0;
}

static void qs_on_datagram(struct lp_qconn *c, const uint8_t *d, size_t n,
                           lp_tstamp now)
{
    struct lp_qserver *s = c->owner;

    if (s->cfg.ops->on_datagram != NULL)
        s->cfg.ops->on_datagram(c, d, n, now);
}

static void qs_on_closed(struct lp_qconn *c, enum lp_qclose why, uint64_t code,
                         lp_tstamp now)
{
    struct lp_qserver *s = c->owner;

    if (c->handshake_ts == 0 && s->nhandshaking > 0) {
        s->nhandshaking--;
        c->handshake_ts = 1; /* counted once */
    }
    if (s->cfg.ops->on_closed != NULL)
        s->cfg.ops->on_closed(c, why, code, now);
}

static int qs_cid_add(struct lp_qconn *c, const ngtcp2_cid *cid)
{
    int rv = cid_insert(c->owner, cid->data, cid->datalen, c);

    if (rv == 0)
        conn_cid_note(c, cid->data, cid->datalen);
    return rv;
}

static void qs_cid_remove(struct lp_qconn *c, const ngtcp2_cid *cid)
{
    cid_remove(c->owner, cid->data, cid->datalen);
    conn_cid_forget(c, cid->data, cid->datalen);
}

/* The source prefix of a UDP sender. */
static void qserver_prefix(const ngtcp2_sockaddr *sa, struct lp_prefix *p)
{
    if (sa->sa_family == AF_INET6)
        lp_prefix_of(
            p, 1,
            ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
    else
        lp_prefix_of(
            p, 0,
            (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)
                ->sin_addr);
}

/* qserver_prefix_get finds or creates the entry of sa's prefix (NULL when
 * the table is crowded there). */
static struct lp_pfx_ent *qserver_prefix_get(struct lp_qserver *s,
                                             const ngtcp2_sockaddr *sa,
                                             lp_tstamp now)
{
    struct lp_prefix p;
    struct lp_pfx_ent *e;
    int fresh;

    qserver_prefix(sa, &p);
    e = lp_pfxtab_get(&s->pfx, &p, now, &fresh);
    if (e != NULL && fresh) {
        const struct lp_qserver_cfg *c = &s->cfg;
        lp_tbucket_init(&e->hs, c->prefix_handshakes, 2 * c->prefix_handshakes,
                        now);
        lp_tbucket_init(&e->hs_valid, c->prefix_validated,
                        2 * c->prefix_validated, now);
        lp_tbucket_init(&e->resets, c->prefix_resets, 2 * c->prefix_resets,
                        now);
        lp_tbucket_init(&e->pkts, c->prefix_packets, c->prefix_packets / 5,
                        now);
    }
    return e;
}

int lp_qserver_init(struct lp_qserver *s, const struct lp_qserver_cfg *cfg,
                    lp_tstamp now)
{
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    if (s->cfg.conn_size < sizeof(struct lp_qconn))
        s->cfg.conn_size = sizeof(struct lp_qconn);
    if (s->cfg.retry_threshold == 0)
        s->cfg.retry_threshold = 256;
    if (s->cfg.prefix_handshakes == 0)
        s->cfg.prefix_handshakes = QSERVER_PFX_HANDSHAKES;
    if (s->cfg.prefix_validated == 0)
        s->cfg.prefix_validated = QSERVER_PFX_VALIDATED;
    if (s->cfg.prefix_resets == 0)
        s->cfg.prefix_resets = QSERVER_PFX_RESETS;
    if (s->cfg.prefix_packets == 0)
        s->cfg.prefix_packets = QSERVER_PFX_PACKETS;
    if (cfg->tls != NULL && cfg->tls->has_key_secret)
        memcpy(s->secret, cfg->tls->key_secret, sizeof(s->secret));
    else if (lp_tls_random(s->secret, sizeof(s->secret)) != 0)
        return LP_ERR_IO;
    if (lp_tls_random(&s->hash_seed, sizeof(s->hash_seed)) != 0)
        return LP_ERR_IO;
    s->wrap.on_handshake = qs_on_handshake;
    s->wrap.on_ctrl = qs_on_ctrl;
    s->wrap.on_datagram = qs_on_datagram;
    s->wrap.on_closed = qs_on_closed;
    s->wrap.cid_add = qs_cid_add;
    s->wrap.cid_remove = qs_cid_remove;
    s->wrap.on_path_changed = cfg->ops->on_path_changed;
    s->tab_cap = 1024;
    s->tab = calloc(s->tab_cap, sizeof(*s->tab));
    s->txcap = QSERVER_TXBUF;
    s->txbuf = malloc(s->txcap);
    if (s->tab == NULL || s->txbuf == NULL ||
        lp_pfxtab_init(&s->pfx,
                       (cfg->max_conns > 0 ? cfg->max_conns : 4096) + 1024,
                       s->hash_seed ^ 0x5bd1e995ULL) != 0) {
        lp_qserver_free(s);
        return LP_ERR_NOMEM;
    }
    /* Stateless resets: per source prefix, and 1000 per second in all
     * (RFC 9000 10.3), so that nobody can drain everyone's budget. */
    lp_tbucket_init(&s->reset_bucket, 1000, 1000, now);
    return 0;
}

static void qserver_destroy_conn(struct lp_qserver *s, struct lp_qconn *c)
{
    if (!c->closed_reported) {
        c->closed_reported = 1;
        if (s->cfg.ops->on_closed != NULL)
            s->cfg.ops->on_closed(c, LP_QC_LOCAL, 0, c->now);
    }
    if (c->state == LP_QS_HANDSHAKE && c->handshake_ts == 0 &&
        s->nhandshaking > 0)
        s->nhandshaking--;
    cid_remove_conn(s, c);
    heap_remove(s, c);
    if (c->pfx != NULL && c->pfx->refs > 0)
        c->pfx->refs--;
    lp_qconn_free(c);
    free(c);
}

void lp_qserver_free(struct lp_qserver *s)
{
    while (s->nconns > 0)
        qserver_destroy_conn(s, s->heap[s->nconns - 1]);
    free(s->heap);
    free(s->dirty);
    free(s->tab);
    lp_pfxtab_free(&s->pfx);
    free(s->txbuf);
    memset(s->secret, 0, sizeof(s->secret));
    s->heap = NULL;
    s->dirty = NULL;
    s->tab = NULL;
    s->txbuf = NULL;
}

void lp_qserver_mark(struct lp_qserver *s, struct lp_qconn *c)
{
    if (c->dirty)
        return;
    c->dirty = 1;
    s->dirty[s->ndirty++] = c;
}

static void qserver_send_raw(struct lp_qserver *s, const ngtcp2_path *path,
                             const uint8_t *data, size_t len)
{
    (void)s->cfg.send(s->cfg.send_arg, path, data, len, len);
}

static void qserver_version_negotiation(struct lp_qserver *s,
                                        const ngtcp2_path *path,
                                        const ngtcp2_version_cid *vc)
{
    /* 1 + 4 + 1 + 255 + 1 + 255 + 4: CIDs of unknown versions may be long */
    uint8_t buf[600], r;
    uint32_t sv[] = {NGTCP2_PROTO_VER_V1};
    ngtcp2_ssize n;

    (void)lp_tls_random(&r, 1);
    n = ngtcp2_pkt_write_version_negotiation(buf, sizeof(buf), r, vc->scid,
                                             vc->scidlen, vc->dcid, vc->dcidlen,
                                             sv, 1);
    if (n > 0) {
        s->st.version_negotiation++;
        qserver_send_raw(s, path, buf, (size_t)n);
    }
}

static void qserver_stateless_reset(struct lp_qserver *s,
                                    const ngtcp2_path *path,
                                    const ngtcp2_version_cid *vc, size_t len,
                                    lp_tstamp now)
{
    uint8_t buf[64], token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[40];
    ngtcp2_cid cid;
    size_t randlen;
    ngtcp2_ssize n;

    /* The reset must be shorter than what triggered it (RFC 9000 10.3.3)
     * and at least 21 bytes long to look like a short-header packet. */
    struct lp_pfx_ent *pe;

    if (len < 43)
        return;
    pe = qserver_prefix_get(s, path->remote.addr, now);
    if (pe == NULL || !lp_tbucket_take(&pe->resets, 1, now) ||
        !lp_tbucket_take(&s->reset_bucket, 1, now)) {
        s->st.resets_limited++;
        return;
    }
    randlen = len - 1 - NGTCP2_STATELESS_RESET_TOKENLEN - 1;
    if (randlen > sizeof(rnd))
        randlen = sizeof(rnd);
    ngtcp2_cid_init(&cid, vc->dcid, vc->dcidlen);
    if (ngtcp2_crypto_generate_stateless_reset_token(
            token, s->secret, sizeof(s->secret), &cid) != 0)
        return;
    (void)lp_tls_random(rnd, randlen);
    n = ngtcp2_pkt_write_stateless_reset(buf, sizeof(buf), token, rnd, randlen);
    if (n > 0) {
        s->st.resets++;
        qserver_send_raw(s, path, buf, (size_t)n);
    }
}

static void qserver_send_retry(struct lp_qserver *s, const ngtcp2_path *path,
                               const ngtcp2_pkt_hd *hd, lp_tstamp now)
{
    uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN], buf[512];
    ngtcp2_cid scid;
    ngtcp2_ssize tlen, n;

    scid.datalen = LP_QUIC_CIDLEN;
    if (lp_tls_random(scid.data, scid.datalen) != 0)
        return;
    tlen = ngtcp2_crypto_generate_retry_token(
        token, s->secret, sizeof(s->secret), hd->version, path->remote.addr,
        path->remote.addrlen, &scid, &hd->dcid, now);
    if (tlen < 0)
        return;
    n = ngtcp2_crypto_write_retry(buf, sizeof(buf), hd->version, &hd->scid,
                                  &scid, &hd->dcid, token, (size_t)tlen);
    if (n > 0) {
        s->st.retries++;
        qserver_send_raw(s, path, buf, (size_t)n);
    }
}

static void qserver_refuse(struct lp_qserver *s, const ngtcp2_path *path,
                           const ngtcp2_pkt_hd *hd, uint64_t code)
{
    uint8_t buf[256];
    ngtcp2_ssize n;

    n = ngtcp2_crypto_write_connection_close(
        buf, sizeof(buf), hd->version, &hd->scid, &hd->dcid, code, NULL, 0);
    if (n > 0)
        qserver_send_raw(s, path, buf, (size_t)n);
}

static void qserver_accept(struct lp_qserver *s, const ngtcp2_path *path,
                           const uint8_t *pkt, size_t len, lp_tstamp now)
{
    ngtcp2_pkt_hd hd;
    ngtcp2_transport_params params;
    ngtcp2_settings settings;
    ngtcp2_cid scid;
    const ngtcp2_vec *token = NULL;
    struct lp_qconn *c;
    struct lp_pfx_ent *pe;
    int validated;

    if (ngtcp2_accept(&hd, pkt, len) != 0) {
        s->st.pkts_dropped++;
        return;
    }
    if (s->cfg.max_conns > 0 && s->nconns >= s->cfg.max_conns) {
        s->st.refused++;
        qserver_refuse(s, path, &hd, NGTCP2_CONNECTION_REFUSED);
        return;
    }
    validated =
        hd.token.len > 0 && hd.token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY;
    pe = qserver_prefix_get(s, path->remote.addr, now);
    if (pe == NULL && !validated) {
        /* the table is crowded near this prefix: make it prove its
         * address first */
        s->st.retries_rate++;
        qserver_send_retry(s, path, &hd, now);
        return;
    }
    if (pe == NULL ||
        (s->cfg.max_per_ip > 0 && pe->refs >= s->cfg.max_per_ip)) {
        /* one host cannot take every slot */
        s->st.refused_per_ip++;
        qserver_refuse(s, path, &hd, NGTCP2_CONNECTION_REFUSED);
        return;
    }
    /* New handshakes per prefix: Retry beyond the first rate (spoofed
     * sources end there), refuse validated ones beyond the second. */
    if (!validated && !lp_tbucket_take(&pe->hs, 1, now)) {
        s->st.retries_rate++;
        qserver_send_retry(s, path, &hd, now);
        return;
    }
    if (validated && !lp_tbucket_take(&pe->hs_valid, 1, now)) {
        s->st.refused_rate++;
        qserver_refuse(s, path, &hd, NGTCP2_CONNECTION_REFUSED);
        return;
    }
    lp_qconn_defaults(&settings, &params, 1, now);
    if (validated) {
        ngtcp2_cid odcid;
        if (ngtcp2_crypto_verify_retry_token(
                &odcid, hd.token.base, hd.token.len, s->secret,
                sizeof(s->secret), hd.version, path->remote.addr,
                path->remote.addrlen, &hd.dcid, QSERVER_RETRY_TIMEOUT,
                now) != 0) {
            s->st.bad_tokens++;
            qserver_refuse(s, path, &hd, NGTCP2_INVALID_TOKEN);
            return;
        }
        params.original_dcid = odcid;
        params.retry_scid = hd.dcid;
        params.retry_scid_present = 1;
        token = &hd.token;
    } else if (s->cfg.retry_always ||
               s->nhandshaking >= s->cfg.retry_threshold) {
        qserver_send_retry(s, path, &hd, now);
        return;
    } else {
        params.original_dcid = hd.dcid;
    }
    scid.datalen = LP_QUIC_CIDLEN;
    if (lp_tls_random(scid.data, scid.datalen) != 0)
        return;
    if (ngtcp2_crypto_generate_stateless_reset_token(
            params.stateless_reset_token, s->secret, sizeof(s->secret),
            &scid) != 0)
        return;
    params.stateless_reset_token_present = 1;

    c = calloc(1, s->cfg.conn_size);
    if (c == NULL)
        return;
    if (lp_qconn_server_new(c, s->cfg.tls, &hd, &scid, path, &params, token,
                            s->secret, sizeof(s->secret), &s->wrap, s->cfg.pool,
                            s->cfg.dq_cap, now) != 0) {
        free(c);
        return;
    }
    c->owner = s;
    conn_cid_note(c, scid.data, scid.datalen);
    memcpy(c->odcid, hd.dcid.data, hd.dcid.datalen);
    c->odcidlen = (uint8_t)hd.dcid.datalen;
    if (cid_insert(s, scid.data, scid.datalen, c) != 0 ||
        cid_insert(s, hd.dcid.data, hd.dcid.datalen, c) != 0 ||
        heap_add(s, c) != 0) {
        cid_remove_conn(s, c);
        lp_qconn_free(c);
        free(c);
        return;
    }
    c->pfx = pe;
    pe->refs++;
    s->nhandshaking++;
    s->st.conns_created++;
    if (s->cfg.ops->on_new != NULL)
        s->cfg.ops->on_new(c, now);
    lp_qconn_read(c, path, pkt, len, now);
    lp_qserver_mark(s, c);
}

struct lp_qconn *lp_qserver_attach(struct lp_qserver *s,
                                   const ngtcp2_path *path, size_t max_dgram,
                                   lp_tstamp now)
{
    struct lp_pfx_ent *pe = qserver_prefix_get(s, path->remote.addr, now);
    struct lp_qconn *c;

    if (pe == NULL ||
        (s->cfg.max_per_ip > 0 && pe->refs >= s->cfg.max_per_ip) ||
        (s->cfg.max_conns > 0 && s->nconns >= s->cfg.max_conns))
        return NULL;
    c = calloc(1, s->cfg.conn_size);
    if (c == NULL)
        return NULL;
    if (lp_qconn_detached_new(c, (const struct sockaddr *)path->remote.addr,
                              (socklen_t)path->remote.addrlen, &s->wrap,
                              s->cfg.pool, s->cfg.dq_cap, max_dgram,
                              now) != 0 ||
        heap_add(s, c) != 0) {
        lp_qconn_free(c);
        free(c);
        return NULL;
    }
    c->owner = s;
    c->pfx = pe;
    pe->refs++;
    s->st.conns_created++;
    s->nhandshaking++; /* as a real one until its handshake "completes" */
    if (s->cfg.ops->on_new != NULL)
        s->cfg.ops->on_new(c, now);
    if (s->wrap.on_handshake != NULL)
        s->wrap.on_handshake(c, now);
    return c;
}

void lp_qserver_recv(struct lp_qserver *s, const ngtcp2_path *path,
                     const uint8_t *pkt, size_t len, lp_tstamp now)
{
    ngtcp2_version_cid vc;
    struct lp_cid_slot *e;
    int rv;

    s->st.pkts_in++;
    rv = ngtcp2_pkt_decode_version_cid(&vc, pkt, len, LP_QUIC_CIDLEN);
    if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
        qserver_version_negotiation(s, path, &vc);
        return;
    }
    if (rv != 0) {
        s->st.pkts_dropped++;
        return;
    }
    e = cid_find(s, vc.dcid, vc.dcidlen);
    if (e != NULL) {
        struct lp_qconn *c = e->c;
        if (c->pfx != NULL && !lp_tbucket_take(&c->pfx->pkts, 1, now)) {
            /* over the prefix's packet rate: dropped before decryption,
             * the cheapest place; the sender's congestion control sees
             * the loss and slows down */
            s->st.pkts_limited++;
            return;
        }
        lp_qconn_read(c, path, pkt, len, now);
        lp_qserver_mark(s, c);
        return;
    }
    if (pkt[0] & 0x80) {
        qserver_accept(s, path, pkt, len, now);
        return;
    }
    qserver_stateless_reset(s, path, &vc, len, now);
}

void lp_qserver_flush(struct lp_qserver *s, lp_tstamp now)
{
    /* First marked, first sent, so peers see control messages in the order
     * the relay produced them. Flushing may report a close, and the owner
     * may then mark more connections: they are handled in a later pass. */
    while (s->ndirty > 0) {
        size_t n = s->ndirty;

        for (size_t i = 0; i < n; i++) {
            struct lp_qconn *c = s->dirty[i];

            c->dirty = 0;
            if (c->state != LP_QS_DEAD)
                (void)lp_qconn_flush(c, now, s->txbuf, s->txcap, s->cfg.send,
                                     s->cfg.send_arg);
            if (c->state == LP_QS_DEAD)
                qserver_destroy_conn(s, c);
            else
                heap_update(s, c);
        }
        memmove(s->dirty, s->dirty + n, (s->ndirty - n) * sizeof(*s->dirty));
        s->ndirty -= n;
    }
}

void lp_qserver_timers(struct lp_qserver *s, lp_tstamp now)
{
    size_t budget = s->nconns * 2 + 8;

    while (s->nconns > 0 && s->heap[0]->heap_key <= now && budget-- > 0) {
        struct lp_qconn *c = s->heap[0];

        lp_qconn_handle_expiry(c, now);
        if (c->state == LP_QS_DEAD) {
            if (c->dirty) {
                /* Leave it to the flush pass, which frees it. */
                c->heap_key = UINT64_MAX;
                heap_down(s, 0);
                continue;
            }
            qserver_destroy_conn(s, c);
            continue;
        }
        (void)lp_qconn_flush(c, now, s->txbuf, s->txcap, s->cfg.send,
                             s->cfg.send_arg);
        if (c->state == LP_QS_DEAD && !c->dirty) {
            qserver_destroy_conn(s, c);
            continue;
        }
        heap_update(s, c);
        if (c->heap_key <= now) {
            /* ngtcp2 did not move the deadline (pacing): try next loop. */
            c->heap_key = now + 1;
            heap_down(s, c->heap_idx);
        }
    }
    lp_qserver_flush(s, now);
}

lp_tstamp lp_qserver_next_expiry(const struct lp_qserver *s)
{
    return s->nconns > 0 ? s->heap[0]->heap_key : UINT64_MAX;
}
