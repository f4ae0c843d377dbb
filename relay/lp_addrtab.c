/* lp_addrtab: address ownership per room; see lp_addrtab.h. */
#include "lp_addrtab.h"

#include <string.h>

enum {
    KIND_LAN = 1,   /* seen from the gateway side */
    KIND_DHCP = 2,  /* bound by a lease */
    KIND_CLAIM = 3, /* a client's first use */
    KIND_PIN = 4,   /* a LAN server or router */
};

#define OWNER_LAN 0 /* owner value of the LAN's entries */

static size_t addr_key(uint8_t key[17], int family, const uint8_t *a)
{
    size_t n = family == 4 ? 4 : 16;

    key[0] = (uint8_t)family;
    memcpy(key + 1, a, n);
    return n + 1;
}

static void mac_key(uint8_t key[6], uint64_t mac)
{
    for (int i = 0; i < 6; i++)
        key[i] = (uint8_t)(mac >> (40 - 8 * i));
}

int lp_addr_special(int family, const uint8_t *a)
{
    static const uint8_t zero[16];

    if (family == 4) {
        return memcmp(a, zero, 4) == 0 || a[0] >= 224 || /* multicast+ */
               a[0] == 127;
    }
    return memcmp(a, zero, 16) == 0 || a[0] == 0xff ||
           (memcmp(a, zero, 15) == 0 && a[15] == 1);
}

/* A client's entry count for one family: +1 or -1. */
static void count_add(struct lp_addrtab *t, uint64_t mac, int family, int delta,
                      lp_tstamp now)
{
    uint8_t key[6];
    struct lp_bmap_ent *e;
    int created;

    if (mac == OWNER_LAN)
        return;
    mac_key(key, mac);
    e = delta > 0 ? lp_bmap_put(&t->count, key, 6, now, &created)
                  : lp_bmap_find(&t->count, key, 6);
    if (e == NULL)
        return;
    /* owner: v4 count in the low 32 bits, v6 count in the high ones */
    if (family == 4)
        e->owner = (e->owner & ~0xffffffffULL) |
                   (uint32_t)((uint32_t)e->owner + (uint32_t)delta);
    else
        e->owner =
            (e->owner & 0xffffffffULL) |
            ((uint64_t)((uint32_t)(e->owner >> 32) + (uint32_t)delta) << 32);
    if (e->owner == 0)
        lp_bmap_del(&t->count, e);
}

static uint32_t count_get(const struct lp_addrtab *t, uint64_t mac, int family)
{
    uint8_t key[6];
    const struct lp_bmap_ent *e;

    mac_key(key, mac);
    e = lp_bmap_find(&t->count, key, 6);
    if (e == NULL)
        return 0;
    return family == 4 ? (uint32_t)e->owner : (uint32_t)(e->owner >> 32);
}

/* The map's evictions keep the counts right. */
static void on_evict(void *arg, const struct lp_bmap_ent *e)
{
    struct lp_addrtab *t = arg;

    count_add(t, e->owner, e->key[0], -1, 0);
}

void lp_addrtab_init(struct lp_addrtab *t, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    lp_bmap_init(&t->map, LP_ADDR_TABLE, seed);
    /* every owner of a counted entry is in the map too */
    lp_bmap_init(&t->count, LP_ADDR_TABLE, seed ^ 0x5bd1e995);
    t->map.on_evict = on_evict;
    t->map.evict_arg = t;
}

void lp_addrtab_free(struct lp_addrtab *t)
{
    lp_bmap_free(&t->map);
    lp_bmap_free(&t->count);
}

/* Gives entry e (new or old) to owner with kind; keeps the counts. */
static void set_owner(struct lp_addrtab *t, struct lp_bmap_ent *e, int created,
                      uint64_t owner, int kind, lp_tstamp now)
{
    int family = e->key[0];

    if (!created)
        count_add(t, e->owner, family, -1, now);
    e->owner = owner;
    e->kind = (uint8_t)kind;
    e->pinned = kind == KIND_PIN;
    e->until = 0;
    e->used = now;
    count_add(t, owner, family, +1, now);
}

/* The entry for a learnable address, created if absent; NULL for the
 * special addresses (never learned) or when the table cannot take it. */
static struct lp_bmap_ent *addr_entry(struct lp_addrtab *t, int family,
                                      const uint8_t *a, lp_tstamp now,
                                      int *created)
{
    uint8_t key[17];
    size_t n;

    if (lp_addr_special(family, a))
        return NULL;
    n = addr_key(key, family, a);
    return lp_bmap_put(&t->map, key, n, now, created);
}

void lp_addrtab_lan_seen(struct lp_addrtab *t, int family, const uint8_t *a,
                         lp_tstamp now)
{
    int created;
    struct lp_bmap_ent *e = addr_entry(t, family, a, now, &created);

    if (e == NULL)
        return;
    if (created || e->kind == KIND_CLAIM)
        set_owner(t, e, created, OWNER_LAN, KIND_LAN, now);
    else if (e->owner == OWNER_LAN)
        e->used = now;
    /* a lease or a pin stays as it is */
}

void lp_addrtab_lan_pin(struct lp_addrtab *t, int family, const uint8_t *a,
                        lp_tstamp now)
{
    int created;
    struct lp_bmap_ent *e = addr_entry(t, family, a, now, &created);

    if (e != NULL)
        set_owner(t, e, created, OWNER_LAN, KIND_PIN, now);
}

void lp_addrtab_dhcp_bind(struct lp_addrtab *t, int family, const uint8_t *a,
                          uint64_t mac, uint32_t lease, lp_tstamp now)
{
    struct lp_bmap_ent *e;
    int created;

    if (mac == OWNER_LAN)
        return;
    e = addr_entry(t, family, a, now, &created);
    if (e == NULL || (e->pinned && !created))
        return; /* a LAN server's address is never a client's */
    set_owner(t, e, created, mac, KIND_DHCP, now);
    if (lease != 0 && lease != 0xffffffffu)
        e->until = now + (lp_tstamp)lease * LP_SECONDS;
}

enum lp_reason lp_addrtab_claim(struct lp_addrtab *t, int family,
                                const uint8_t *a, uint64_t mac, lp_tstamp now,
                                uint64_t *owner)
{
    uint8_t key[17];
    size_t n;
    struct lp_bmap_ent *e;
    int created;

    *owner = OWNER_LAN;
    if (lp_addr_special(family, a))
        return LP_REASON_NONE;
    n = addr_key(key, family, a);
    e = lp_bmap_find(&t->map, key, n);
    if (e != NULL) {
        if (e->owner == mac) {
            e->used = now;
            return LP_REASON_NONE;
        }
        *owner = e->owner;
        t->spoofs++;
        return LP_REASON_ADDR_SPOOF;
    }
    if (count_get(t, mac, family) >=
        (uint32_t)(family == 4 ? LP_ADDR_MAX4 : LP_ADDR_MAX6)) {
        t->limits++;
        return LP_REASON_ADDR_LIMIT;
    }
    e = lp_bmap_put(&t->map, key, n, now, &created);
    if (e != NULL)
        set_owner(t, e, created, mac, KIND_CLAIM, now);
    return LP_REASON_NONE;
}

struct sweep {
    struct lp_addrtab *t;
    uint64_t mac;
    lp_tstamp now;
};

static int sweep_client(void *arg, struct lp_bmap_ent *e)
{
    struct sweep *s = arg;

    if (e->owner != s->mac)
        return 0;
    count_add(s->t, e->owner, e->key[0], -1, s->now);
    e->owner = OWNER_LAN; /* idempotent if visited again */
    return 1;
}

void lp_addrtab_client_left(struct lp_addrtab *t, uint64_t mac)
{
    struct sweep s = {t, mac, 0};

    if (mac != OWNER_LAN)
        lp_bmap_sweep(&t->map, sweep_client, &s);
}

static int sweep_old(void *arg, struct lp_bmap_ent *e)
{
    struct sweep *s = arg;
    int old;

    if (e->pinned)
        return 0;
    if (e->kind == KIND_DHCP && e->until != 0)
        old = s->now >= e->until && s->now - e->used >= LP_ADDR_AGE;
    else
        old = s->now - e->used >= LP_ADDR_AGE;
    if (!old)
        return 0;
    count_add(s->t, e->owner, e->key[0], -1, s->now);
    e->owner = OWNER_LAN;
    e->pinned = 1; /* a second visit leaves it alone */
    return 1;
}

void lp_addrtab_expire(struct lp_addrtab *t, lp_tstamp now)
{
    struct sweep s = {t, 0, now};

    lp_bmap_sweep(&t->map, sweep_old, &s);
}

void lp_addrtab_each(const struct lp_addrtab *t,
                     void (*fn)(void *arg, int family, const uint8_t *a,
                                uint64_t owner, int kind),
                     void *arg)
{
    for (size_t i = 0; t->map.tab != NULL && i < t->map.slots; i++) {
        const struct lp_bmap_ent *e = &t->map.tab[i];
        if (e->keylen == 0)
            continue;
        fn(arg, e->key[0], e->key + 1, e->owner, e->kind);
    }
}
