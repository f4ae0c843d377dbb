/*
 * lp_netprofile: the TAP's network is Private while the client runs.
 *
 * Windows puts a new network in the Public category, where Windows
 * Firewall blocks the inbound discovery traffic LAN games rely on, and it
 * may reset the category when the adapter reconnects. The client asks for
 * Private after every welcome (lp_netprofile_apply, retried while Windows
 * still identifies the network) and puts back the category it found on
 * exit (lp_netprofile_restore), unless someone changed it meanwhile.
 *
 * The Network List Manager (INetworkListManager, COM) sits behind struct
 * lp_netprofile_ops, so the logic is tested against a fake
 * (tests/win/netprofile_test.c); lp_netprofile_com_ops is the real one.
 */
#ifndef LP_NETPROFILE_H
#define LP_NETPROFILE_H

#include <windows.h>

#include <stddef.h>

enum lp_netcat {
    LP_NETCAT_PUBLIC = 0,
    LP_NETCAT_PRIVATE = 1,
    LP_NETCAT_DOMAIN = 2,
};

struct lp_netprofile_ops {
    /* get: the category of the network the adapter is connected to.
     * 0, LP_ERR_AGAIN (no network on it yet) or LP_ERR_IO. */
    int (*get)(void *arg, const GUID *adapter, enum lp_netcat *cat);
    /* set: change it. 0, LP_ERR_AGAIN or LP_ERR_IO. */
    int (*set)(void *arg, const GUID *adapter, enum lp_netcat cat);
};

struct lp_netprofile {
    const struct lp_netprofile_ops *ops;
    void *arg;
    GUID adapter;
    int changed;        /* we set Private: restore old on exit */
    enum lp_netcat old; /* the category found first */
};

/* lp_netprofile_init: for the adapter with this GUID. */
void lp_netprofile_init(struct lp_netprofile *p,
                        const struct lp_netprofile_ops *ops, void *arg,
                        const GUID *adapter);

/*
 * lp_netprofile_apply makes the adapter's network Private. Returns 0 (set
 * now), 1 (already Private, or Domain, which is left alone), LP_ERR_AGAIN
 * (no network yet: call again later) or LP_ERR_IO with err filled.
 */
int lp_netprofile_apply(struct lp_netprofile *p, char *err, size_t errlen);

/* lp_netprofile_restore puts back the category found before the first
 * change, if it is still Private. 0 or a negative code. */
int lp_netprofile_restore(struct lp_netprofile *p);

/* lp_netprofile_guid_parse reads "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}".
 * 0 or LP_ERR_INVAL. */
int lp_netprofile_guid_parse(GUID *g, const char *s);

/* The Network List Manager. arg is unused (NULL); the calling thread
 * must have initialised COM (CoInitializeEx). */
extern const struct lp_netprofile_ops lp_netprofile_com_ops;

#endif /* LP_NETPROFILE_H */
